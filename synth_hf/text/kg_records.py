"""Lenient reader for the line-based entity/relation extraction format:

    entity | <name> | <type> | <description>
    relation | <source> | <target> | <keywords, comma separated> | <description>

Small models decorate, reorder delimiters and use other layouts; all of these are accepted: bullets and
numbering, markdown tables (header row + rule; a header is never a record), `key: value` blocks, section
headings with free-form bullets, JSON (fenced, JSON lines, or a pretty-printed block among the lines).
Lines that look like records but cannot be read are counted in `unparseable_records`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from synth_hf.text import kg_layouts as lay
from synth_hf.text.kg_collect import ENTITY_WORDS, Collector, KGParse, clean_field

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
_JSON_GROUPS = (
    ("entities", "entity"),
    ("nodes", "entity"),
    ("relations", "relation"),
    ("relationships", "relation"),
    ("edges", "relation"),
)
_NUMERIC_RE = re.compile(r"^[-+]?\d+(?:\.\d+)?$")


def _line_record(col: Collector, raw: str, s: str) -> None:
    """One `entity | ...` / `relation | ...` line (`s`: the line without markers and bullets)."""
    if s.startswith("{"):
        from synth_hf.text.parsing import extract_json  # lazy: parsing re-exports this module

        obj = extract_json(s, expect=dict)
        col.item(obj.value, raw) if obj.ok else col.bad(raw)
        return
    wrapped = s.startswith("(")
    if wrapped:  # ("entity"<|>...<|>"desc") as in GraphRAG-style prompts
        s = re.sub(r"\)\s*[,;.]?\s*(?:##)?\s*$", "", s[1:])
    m = _RECORD_RE.match(s)
    if m is None:  # delimited cells without a record word still look like a record
        col.bad(raw, record_like=sum(s.count(d) for d in ("<|>", "|", "\t")) >= 2)
        return
    kind = m.group("kind").lower()
    rest = s[m.end() :].strip()
    delim = next((d for d in _DELIMS if d in rest), None)
    if delim is None and "," in rest and kind in ENTITY_WORDS:
        delim = ","
    if delim is None:
        col.bad(raw)
        return
    fields = rest.split(delim)
    if fields and not fields[0].strip():
        fields = fields[1:]
    while fields and not clean_field(fields[-1]):
        fields.pop()
    joiner = {"\t": " ", ",": ",", ";": "; "}.get(delim, " | ")
    if kind in ENTITY_WORDS:
        if delim == "," and len(fields) > 3:
            fields = fields[:2] + [",".join(fields[2:])]
        if not fields:
            col.bad(raw)
            return
        col.entity(fields[0], fields[1] if len(fields) > 1 else "", joiner.join(fields[2:]), raw)
        return
    if len(fields) >= 4 and _NUMERIC_RE.match(clean_field(fields[-1])):
        fields = fields[:-1]  # a trailing relation-strength number is not part of our format
    if len(fields) < 2:
        col.bad(raw)
        return
    keywords, desc = "", ""
    if len(fields) == 3:  # one of keywords / description is missing: long sentences are descriptions
        third = clean_field(fields[2])
        if len(third.split()) >= 6 or third.endswith("."):
            desc = third
        else:
            keywords = third
    elif len(fields) > 3:
        keywords, desc = fields[2], joiner.join(fields[3:])
    col.relation(fields[0], fields[1], keywords, desc, raw)


def _json_records(col: Collector, text: str, raw: str | None = None) -> None:
    """Records of one JSON answer (object with entity/relation lists, list of records, or a record);
    `raw` set: a block among line output, counted as unparseable when it yields nothing."""
    from synth_hf.text.parsing import extract_json  # lazy: parsing re-exports this module

    res = extract_json(text)
    if not res.ok:
        if raw is not None:
            col.bad(raw)
        return
    value = res.value
    if _positional(value):  # ["entity", "A", "drug", "desc"]: our line format as a JSON array
        value = [value]
    if isinstance(value, dict):
        low = {str(k).lower(): v for k, v in value.items()}
        groups = [(low.get(k), hint) for k, hint in _JSON_GROUPS if isinstance(low.get(k), list)]
        if not groups:
            groups = [([value], None)]
    else:
        groups = [(value, None)]
    for items, hint in groups:
        for item in items:
            item_raw = json.dumps(item, ensure_ascii=False, default=str)[:500]
            if _positional(item):
                _line_record(col, item_raw, " | ".join(item))
            else:
                col.item(item, item_raw, hint)


def _positional(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 1
        and all(isinstance(v, str) for v in value)
        and lay.starts_with_kind(value[0])
    )


class _Reader:
    """Walks the lines once, keeping the layout state: table header, open key-value block, open JSON
    block and the section (entities / relations) the current bullets belong to."""

    def __init__(self, col: Collector) -> None:
        self.col = col
        self.header: list[str] | None = None
        self.kv: dict[str, str] = {}
        self.kv_raw: list[str] = []
        self.block: lay.JsonBlock | None = None
        self.section: str | None = None

    def flush_kv(self) -> None:
        if self.kv:
            self.col.item(dict(self.kv), "\n".join(self.kv_raw))
        self.kv, self.kv_raw = {}, []

    def flush_block(self) -> None:
        if self.block is not None:
            block, self.block = self.block, None
            _json_records(self.col, block.text, raw=block.text)

    def finish(self) -> None:
        self.flush_kv()
        self.flush_block()

    def line(self, raw: str) -> None:
        if self.block is not None:
            if raw.strip().startswith("```") or self.block.feed(raw):  # fence closes a truncated block
                self.flush_block()
            return
        s = _MARKER_RE.sub(" ", raw).strip()
        if not s or s.startswith("```") or s.upper() == "END" or set(s) <= set("-=*#_`~ "):
            self.flush_kv()
            self.header = None
            return
        if lay.is_table_rule(s):
            return
        bulleted = bool(_BULLET_RE.match(s))
        for _ in range(3):
            s = _BULLET_RE.sub("", s, count=1).strip()
        if lay.opens_json(s):
            self.flush_kv()
            block = lay.JsonBlock()
            if block.feed(s):
                _line_record(self.col, raw, s) if s.startswith("{") else _json_records(self.col, s, raw)
            else:
                self.block = block
            return
        if self._table_row(raw, s) or self._kv_line(raw, s, bulleted):
            return
        self.flush_kv()
        heading = lay.heading_kind(s)
        if heading is not None:
            self.section, self.header = heading, None
            return
        if "|" not in s:
            self.header = None
        if s.endswith(":") and not any(d in s for d in _DELIMS):
            return  # a prose header ("Here are the records:"), not a failed record
        if _RECORD_RE.match(s) or s.startswith("(") or any(d in s for d in ("|", "<|>", "\t")):
            _line_record(self.col, raw, s)
            return
        self._free_line(raw, s, bulleted)

    def _table_row(self, raw: str, s: str) -> bool:
        """A `|`-delimited row that is a header (remembered) or a row read through the header."""
        if "|" not in s or "<|>" in s:
            return False
        cells = lay.pipe_cells(s)
        keys = lay.header_keys(cells)
        if keys is not None:
            self.flush_kv()
            self.header = keys
            return True
        if lay.starts_with_kind(cells[0]):  # our own record line, maybe as a table row
            _line_record(self.col, raw, " | ".join(cells))
            return True
        if self.header is None:
            return False
        self.col.item(lay.row_dict(self.header, cells), raw)
        return True

    def _kv_line(self, raw: str, s: str, bulleted: bool) -> bool:
        """`name: Aspirin` lines, alone or several on one line; a block ends at a blank line, a
        repeated key or a new bullet."""
        pairs = lay.kv_pairs(s)
        if pairs is None:
            return False
        key, value = pairs[0]
        if (
            not self.kv
            and len(pairs) == 1
            and key in _KIND_KEYS
            and (any(d in value for d in _DELIMS) or not value)
        ):
            return False  # "Entity: A | drug | ..." is a record line; "Entity:" a heading
        if self.kv and (bulleted or any(k in self.kv for k, _ in pairs)):
            self.flush_kv()
        for k, v in pairs:
            self.kv.setdefault(k, v)
        self.kv_raw.append(raw)
        if len(pairs) > 1:
            self.flush_kv()  # a one-line record: "Name: A, Type: drug"
        return True

    def _free_line(self, raw: str, s: str, bulleted: bool) -> None:
        """Free-form records: arrows anywhere, `Name (type): desc` bullets under an entity heading."""
        rel = lay.free_relation(s)
        if rel is not None:
            self.col.item(rel, raw)
            return
        if self.section == "entity":
            ent = lay.free_entity(s, allow_bare=bulleted)
            if ent is not None:
                self.col.item(ent, raw, hint="entity")
                return
        # under a section heading a bullet is meant as a record; elsewhere it is prose
        self.col.bad(raw, record_like=self.section is not None and bulleted)


_KIND_KEYS = {"entity", "node", "relation", "relationship"}


def parse_kg_records(text: Any) -> KGParse:
    """Entities and relations from extraction output (any layout in the module docstring).

    Never raises. Unreadable lines go to `bad_lines`; those that looked like records are also in
    `unparseable_lines` (`unparseable_records` = their count, `reason` says which case applies).
    """
    col = Collector()
    try:
        if text is None:
            return col.result
        text = (text if isinstance(text, str) else str(text))[:_MAX_CHARS]
        text = _RECORD_SPLIT_RE.sub("\n", text)
        reader = _Reader(col)
        for raw in text.splitlines():
            reader.line(raw)
        reader.finish()
        if "{" in text or "[" in text:
            # JSON that opens mid-line ("Here it is: {...}"): keep whichever reading found more records
            json_col = Collector()
            _json_records(json_col, text)
            got = lambda r: len(r.entities) + len(r.relations)
            if got(json_col.result) > got(col.result):
                col = json_col
        col.result.bad_lines = list(col.result.bad_lines)
        col.result.unparseable_lines = list(col.result.unparseable_lines)
        return col.result
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        col.bad(f"<parser error: {type(exc).__name__}>")
        col.result.bad_lines = list(col.result.bad_lines)
        col.result.unparseable_lines = list(col.result.unparseable_lines)
        return col.result
