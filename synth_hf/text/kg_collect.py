"""What a parsed extraction reply becomes: `KGParse` and the collector that cleans each name,
type, keyword list and description (labels, quotes and markdown peeled off), refuses placeholders
(`<name>`, `...`), drops duplicates and keeps every line that gave no record, with the ones that
looked like records counted apart. The layouts themselves are read by `kg_records`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_QUOTES = "\"'`“”‘’*"
_LABEL_RE = re.compile(
    r"^(?:name|entity[_ ]?name|entity[_ ]?type|type|description|desc|source|target|keywords?|"
    r"source[_ ]entity|target[_ ]entity)\s*[:=]\s*",
    re.IGNORECASE,
)
_PLACEHOLDERS = {
    "name", "entity_name", "entity name", "source", "target", "source_entity", "target_entity",
    "entity", "relation", "type", "description", "...", "n/a",
}  # fmt: skip
ENTITY_WORDS = {"entity", "entities", "node"}


@dataclass
class KGParse:
    """Result of `parse_kg_records`.

    `entities`: dicts {name, entity_type, description}; `relations`: dicts {source, target,
    keywords (list of str), description}. `bad_lines`: every non-blank line that gave no record (prose
    included, each cut to 1000 chars). `unparseable_lines`: the subset that looked like a record
    (record keyword, delimiters, table row, JSON, `key: value` block, arrow, bullet under a section
    heading) but could not be read; `unparseable_records` is their count.
    """

    entities: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)
    unparseable_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.entities or self.relations)

    @property
    def unparseable_records(self) -> int:
        """Record-like lines (or blocks) that could not be parsed; 0 for a reply of pure prose."""
        return len(self.unparseable_lines)

    @property
    def reason(self) -> str:
        """'ok' when anything was read; else 'unparseable_records' when the reply had record-like lines
        that all failed, 'no_records' when it had none (prose, refusal, empty)."""
        if self.ok:
            return "ok"
        return "unparseable_records" if self.unparseable_lines else "no_records"


def clean_field(value: Any) -> str:
    """`value` as one line without field labels (`name:`), quotes or markdown emphasis around it."""
    s = " ".join(str(value).split())
    s = _LABEL_RE.sub("", s)
    prev = None
    while prev != s:  # peel nested decoration: '"**Aspirin**"'
        prev = s
        s = s.strip().strip(_QUOTES).strip()
    return s


def _is_placeholder(name: str) -> bool:
    return not name or name.lower() in _PLACEHOLDERS or bool(re.fullmatch(r"<[^<>]*>|\[[^\[\]]*\]", name))


def _split_keywords(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;]", str(value))
    out: list[str] = []
    for item in items:
        kw = clean_field(item)
        if kw and kw not in out:
            out.append(kw)
    return out


_MAX_BAD_LINE = 1000


class _BadLines(list):
    """bad_lines keeps the evidence but not a megabyte of it."""

    def append(self, line: str) -> None:  # type: ignore[override]
        super().append(line if len(line) <= _MAX_BAD_LINE else line[:_MAX_BAD_LINE] + "…")


class Collector:
    """Builds one KGParse: `entity` / `relation` / `item` add a record (True) or count the raw line as
    bad (False); `bad` records a line that gave nothing."""

    def __init__(self) -> None:
        self.result = KGParse(bad_lines=_BadLines(), unparseable_lines=_BadLines())
        self._seen: set[tuple] = set()

    def _new(self, key: tuple) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def bad(self, raw: str, record_like: bool = True) -> bool:
        self.result.bad_lines.append(raw)
        if record_like:
            self.result.unparseable_lines.append(raw)
        return False

    def entity(self, name: Any, etype: Any, desc: Any, raw: str) -> bool:
        name, etype, desc = clean_field(name), clean_field(etype or ""), clean_field(desc or "")
        if _is_placeholder(name) or len(name) > 300:
            return self.bad(raw)
        if self._new(("e", name.casefold(), etype.casefold(), desc.casefold())):
            self.result.entities.append({"name": name, "entity_type": etype, "description": desc})
        return True

    def relation(self, src: Any, tgt: Any, keywords: Any, desc: Any, raw: str) -> bool:
        src, tgt, desc = clean_field(src), clean_field(tgt), clean_field(desc or "")
        kws = _split_keywords(keywords or "")
        if _is_placeholder(src) or _is_placeholder(tgt) or src.casefold() == tgt.casefold():
            return self.bad(raw)
        key = ("r", src.casefold(), tgt.casefold(), tuple(k.casefold() for k in kws), desc.casefold())
        if self._new(key):
            self.result.relations.append({"source": src, "target": tgt, "keywords": kws, "description": desc})
        return True

    def item(self, obj: Any, raw: str, hint: str | None = None) -> bool:
        """One JSON object (or table row / key-value block), classified by its keys or its list."""
        if not isinstance(obj, dict):
            return self.bad(raw)
        low = {str(k).lower().strip(): v for k, v in obj.items()}

        def get(*keys: str) -> Any:
            return next((low[k] for k in keys if low.get(k) not in (None, "", [])), None)

        kind = str(get("record", "kind", "record_type", "type") or "").lower()
        kind_word = kind if kind in ENTITY_WORDS | {"relation", "relationship", "edge"} else ""
        src = get("source", "src", "src_id", "head", "subject", "from", "source_entity")
        tgt = get("target", "tgt", "tgt_id", "tail", "object", "to", "target_entity")
        desc = get("description", "desc", "summary", "relation_description", "details")
        if src is not None and tgt is not None and hint != "entity" and kind_word not in ENTITY_WORDS:
            kws = get("keywords", "keyword", "relation_keywords", "relation", "relationship", "predicate")
            if kws is None and not kind_word:
                kws = get("type", "label")
            return self.relation(src, tgt, kws, desc, raw)
        name = get("name", "entity_name", "entity", "node", "title", "id")
        if name is not None and hint != "relation":
            etype = get("entity_type", "category", "label", "class") or ("" if kind_word else get("type"))
            return self.entity(name, etype, desc, raw)
        return self.bad(raw)
