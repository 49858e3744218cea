"""Lenient reader for the line-based entity/relation extraction format:

    entity | <name> | <type> | <description>
    relation | <source> | <target> | <keywords, comma separated> | <description>

Small models decorate, reorder delimiters and sometimes answer in JSON instead; all of that is accepted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_MAX_CHARS = 200_000  # no real extraction answer is longer; bounds the worst case
_MARKER_RE = re.compile(r"<\|[A-Za-z][A-Za-z0-9_ ]{0,40}\|>|<end_of_turn>|<eos>|</s>")
_RECORD_SPLIT_RE = re.compile(r"\s*##\s*(?=[(\"'\s]*(?:entity|relation|relationship)\b)", re.IGNORECASE)
_BULLET_RE = re.compile(r"^(?:[-*•+>]+\s*|\(?\d{1,3}[.):]\s*|#+\s+)")
_RECORD_RE = re.compile(
    r"^[\s\"'`“‘*_\[]*(?P<kind>entity|entities|node|relation|relationship|relations|edge)(?![A-Za-z])"
    r"[\s\"'`”’*_\]]*:?",
    re.IGNORECASE,
)
_DELIMS = ("<|>", "|", "\t", ";")
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
_ENTITY_WORDS = {"entity", "entities", "node"}
_JSON_GROUPS = (
    ("entities", "entity"),
    ("nodes", "entity"),
    ("relations", "relation"),
    ("relationships", "relation"),
    ("edges", "relation"),
)
_NUMERIC_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?$")


@dataclass
class KGParse:
    entities: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.entities or self.relations)


def _clean(value: Any) -> str:
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
        kw = _clean(item)
        if kw and kw not in out:
            out.append(kw)
    return out


_MAX_BAD_LINE = 1000


class _BadLines(list):
    """bad_lines keeps the evidence but not a megabyte of it."""

    def append(self, line: str) -> None:  # type: ignore[override]
        super().append(line if len(line) <= _MAX_BAD_LINE else line[:_MAX_BAD_LINE] + "…")


class _Collector:
    def __init__(self) -> None:
        self.result = KGParse(bad_lines=_BadLines())
        self._seen: set[tuple] = set()

    def _new(self, key: tuple) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def entity(self, name: Any, etype: Any, desc: Any, raw: str) -> bool:
        name, etype, desc = _clean(name), _clean(etype or ""), _clean(desc or "")
        if _is_placeholder(name) or len(name) > 300:
            self.result.bad_lines.append(raw)
            return False
        if self._new(("e", name.casefold(), etype.casefold(), desc.casefold())):
            self.result.entities.append({"name": name, "entity_type": etype, "description": desc})
        return True

    def relation(self, src: Any, tgt: Any, keywords: Any, desc: Any, raw: str) -> bool:
        src, tgt, desc = _clean(src), _clean(tgt), _clean(desc or "")
        kws = _split_keywords(keywords or "")
        if _is_placeholder(src) or _is_placeholder(tgt) or src.casefold() == tgt.casefold():
            self.result.bad_lines.append(raw)
            return False
        key = ("r", src.casefold(), tgt.casefold(), tuple(k.casefold() for k in kws), desc.casefold())
        if self._new(key):
            self.result.relations.append({"source": src, "target": tgt, "keywords": kws, "description": desc})
        return True

    def item(self, obj: Any, raw: str, hint: str | None = None) -> bool:
        """One JSON object, classified by its keys (or by the list it came from)."""
        if not isinstance(obj, dict):
            self.result.bad_lines.append(raw)
            return False
        low = {str(k).lower().strip(): v for k, v in obj.items()}

        def get(*keys: str) -> Any:
            return next((low[k] for k in keys if low.get(k) not in (None, "", [])), None)

        kind = str(get("record", "kind", "record_type", "type") or "").lower()
        kind_word = kind if kind in _ENTITY_WORDS | {"relation", "relationship", "edge"} else ""
        src = get("source", "src", "src_id", "head", "subject", "from", "source_entity")
        tgt = get("target", "tgt", "tgt_id", "tail", "object", "to", "target_entity")
        desc = get("description", "desc", "summary", "relation_description")
        if src is not None and tgt is not None and hint != "entity" and kind_word not in _ENTITY_WORDS:
            kws = get("keywords", "keyword", "relation_keywords", "relation", "relationship", "predicate")
            if kws is None and not kind_word:
                kws = get("type", "label")
            return self.relation(src, tgt, kws, desc, raw)
        name = get("name", "entity_name", "entity", "title", "id")
        if name is not None and hint != "relation":
            etype = get("entity_type", "category", "label", "class") or ("" if kind_word else get("type"))
            return self.entity(name, etype, desc, raw)
        self.result.bad_lines.append(raw)
        return False


def _line_record(col: _Collector, raw: str) -> None:
    s = _MARKER_RE.sub(" ", raw).strip()
    if not s or s.startswith("```") or set(s) <= set("-=*#_`~ "):
        return
    for _ in range(3):
        s = _BULLET_RE.sub("", s, count=1).strip()
    if s.startswith("{"):
        from synth_hf.text.parsing import extract_json  # lazy: parsing re-exports this module

        obj = extract_json(s, expect=dict)
        col.item(obj.value, raw) if obj.ok else col.result.bad_lines.append(raw)
        return
    if s.endswith(":") and not any(d in s for d in _DELIMS):
        return  # a prose header ("Entities:"), not a failed record
    wrapped = s.startswith("(")
    if wrapped:  # ("entity"<|>...<|>"desc") as in GraphRAG-style prompts
        s = re.sub(r"\)\s*[,;.]?\s*(?:##)?\s*$", "", s[1:])
    m = _RECORD_RE.match(s)
    if m is None:
        col.result.bad_lines.append(raw)
        return
    kind = m.group("kind").lower()
    rest = s[m.end() :].strip()
    delim = next((d for d in _DELIMS if d in rest), None)
    if delim is None and "," in rest and kind in _ENTITY_WORDS:
        delim = ","
    if delim is None:
        col.result.bad_lines.append(raw)
        return
    fields = rest.split(delim)
    if fields and not fields[0].strip():
        fields = fields[1:]
    while fields and not _clean(fields[-1]):
        fields.pop()
    joiner = {"\t": " ", ",": ",", ";": "; "}.get(delim, " | ")
    if kind in _ENTITY_WORDS:
        if delim == "," and len(fields) > 3:
            fields = fields[:2] + [",".join(fields[2:])]
        if not fields:
            col.result.bad_lines.append(raw)
            return
        col.entity(fields[0], fields[1] if len(fields) > 1 else "", joiner.join(fields[2:]), raw)
        return
    if len(fields) >= 4 and _NUMERIC_RE.match(_clean(fields[-1])):
        fields = fields[:-1]  # a trailing relation-strength number is not part of our format
    if len(fields) < 2:
        col.result.bad_lines.append(raw)
        return
    keywords, desc = "", ""
    if len(fields) == 3:  # one of keywords / description is missing: long sentences are descriptions
        third = _clean(fields[2])
        if len(third.split()) >= 6 or third.endswith("."):
            desc = third
        else:
            keywords = third
    elif len(fields) > 3:
        keywords, desc = fields[2], joiner.join(fields[3:])
    col.relation(fields[0], fields[1], keywords, desc, raw)


def _json_records(col: _Collector, text: str) -> None:
    from synth_hf.text.parsing import extract_json  # lazy: parsing re-exports this module

    res = extract_json(text)
    if not res.ok:
        return
    value = res.value
    if isinstance(value, dict):
        low = {str(k).lower(): v for k, v in value.items()}
        groups = [(low.get(k), hint) for k, hint in _JSON_GROUPS if isinstance(low.get(k), list)]
        if not groups:
            groups = [([value], None)]
    else:
        groups = [(value, None)]
    for items, hint in groups:
        for item in items:
            col.item(item, json.dumps(item, ensure_ascii=False, default=str)[:500], hint)


def parse_kg_records(text: Any) -> KGParse:
    """Entities and relations from extraction output; unparseable record-like lines go to bad_lines."""
    col = _Collector()
    try:
        if text is None:
            return col.result
        text = (text if isinstance(text, str) else str(text))[:_MAX_CHARS]
        text = _RECORD_SPLIT_RE.sub("\n", text)
        for raw in text.splitlines():
            _line_record(col, raw)
        if "{" in text or "[" in text:
            # a (possibly pretty-printed) JSON answer: keep whichever reading found more records
            json_col = _Collector()
            _json_records(json_col, text)
            got = lambda r: len(r.entities) + len(r.relations)
            if got(json_col.result) > got(col.result):
                col = json_col
        col.result.bad_lines = list(col.result.bad_lines)
        return col.result
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        col.result.bad_lines.append(f"<parser error: {type(exc).__name__}>")
        return col.result
