"""Recognisers for the record layouts models write besides the product's own `entity | ...` lines:
markdown tables (header row + `|---|` rule), `key: value` blocks, section headings, free-form
bullets (`Aspirin (drug): ...`, `A -> B: ...`) and multi-line JSON blocks inside line output.

Each helper is pure and never raises on odd input; `kg_records` decides what to do with the result.
"""

from __future__ import annotations

import re

_KIND_WORDS = {"entity", "entities", "node", "relation", "relationship", "relations", "edge"}
_ENTITY_KINDS = {"entity", "entities", "node", "nodes"}

# Column titles of a table header (normalised: lower case, spaces/hyphens -> "_"); a row whose cells
# are all titles is a header, never a record.
_TITLE_ALIASES = {
    "entity_1": "source", "entity1": "source", "entity_a": "source", "source_entity": "source_entity",
    "entity_2": "target", "entity2": "target", "entity_b": "target", "target_entity": "target_entity",
    "relation_type": "relation", "relationship_type": "relation", "relation_keywords": "keywords",
}  # fmt: skip
_TITLES = {
    "name", "entity", "entity_name", "entity_type", "type", "category", "class", "label",
    "description", "desc", "details", "source", "target", "head", "tail", "subject", "object",
    "predicate", "relation", "relationship", "keywords", "keyword", "record", "kind", "record_type",
    "strength", "weight", "score", "id", "no", "#", "no.", "from", "to",
} | set(_TITLE_ALIASES)  # fmt: skip

_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")

_KEYS = (
    r"name|entity[ _]?name|entity[ _]?type|entity|node|type|category|description|desc|"
    r"source(?:[ _]entity)?|target(?:[ _]entity)?|head|tail|subject|object|predicate|"
    r"relation(?:ship)?(?:[ _]type)?|keywords?|record|kind"
)
_KV_RE = re.compile(rf"^[*_]*(?P<key>{_KEYS})[*_]*\s*[:=]\s*(?P<value>.*)$", re.IGNORECASE)
# several pairs on one line: "Name: Aspirin, Type: drug; Description: ..."
_KV_INLINE_RE = re.compile(rf"(?:^|[,;|]\s*|\s{{2,}})[*_]*(?P<key>{_KEYS})[*_]*\s*[:=]\s*", re.IGNORECASE)

_HEADING_RE = re.compile(
    r"^[#*_\s]*(?:list\s+of\s+|extracted\s+)?(?P<word>entities|entity|nodes|node|relations|relation|"
    r"relationships|relationship|edges|edge)(?:\s*#?\s*\d+)?(?:\s+found)?[*_\s]*:?[*_\s]*$",
    re.IGNORECASE,
)
_ARROW = r"(?:-{1,2}>|→|⟶|=>|->)"
_REL_ARROW_RE = re.compile(
    rf"^(?P<src>[^\-→⟶=:|]+?)\s*(?:-{{1,2}}\s*\[?(?P<kw1>[^\]\->]+?)\]?\s*-{{1,2}}>|{_ARROW})\s*"
    r"(?P<tgt>[^:()\[\]—–]+?)\s*(?:[(\[](?P<kw2>[^)\]]+)[)\]])?\s*(?:[:—–]\s*(?P<desc>.+))?$"
)
_ENT_FREE_RE = re.compile(
    r"^(?P<name>[^():—–]{1,80}?)\s*(?:\((?P<type>[^()]{1,40})\))?\s*(?:[:—–]|\s-\s)\s*(?P<desc>.+)$"
    r"|^(?P<name2>[^():—–]{1,80}?)\s*\((?P<type2>[^()]{1,40})\)$"
)


def norm_title(cell: str) -> str:
    """A header cell as a dictionary key: `Entity Type` -> `entity_type`, `Entity 1` -> `source`."""
    key = re.sub(r"[\s\-]+", "_", cell.strip().strip("*_`").strip().lower())
    return _TITLE_ALIASES.get(key, key)


def is_table_rule(s: str) -> bool:
    """`|---|:---:|` and friends: the rule under a markdown table header."""
    return "-" in s and bool(_TABLE_RULE_RE.match(s.strip()))


def pipe_cells(s: str) -> list[str]:
    """The cells of a `|`-delimited row (outer pipes of a markdown row dropped)."""
    s = s.strip()
    s = s.removeprefix("|")
    s = s.removesuffix("|")
    return [c.strip() for c in s.split("|")]


def header_keys(cells: list[str]) -> list[str] | None:
    """Normalised column keys when every non-empty cell is a column title (>= 2 of them), else None."""
    keys = [norm_title(c) for c in cells]
    titled = [k for k in keys if k]
    if len(titled) < 2 or any(k not in _TITLES for k in titled):
        return None
    return keys


def row_dict(keys: list[str], cells: list[str]) -> dict[str, str]:
    """Cells keyed by their column; extra cells are joined into the last column."""
    if len(cells) > len(keys) and keys:
        cells = cells[: len(keys) - 1] + [" | ".join(cells[len(keys) - 1 :])]
    return {k: v for k, v in zip(keys, cells) if k and v}


def starts_with_kind(cell: str) -> bool:
    return cell.strip().strip("\"'`*_[]()").lower() in _KIND_WORDS


def kv_pairs(s: str) -> list[tuple[str, str]] | None:
    """`key: value` pairs of a line whose first word is a record field name, else None."""
    if not _KV_RE.match(s):
        return None
    marks = list(_KV_INLINE_RE.finditer(s))
    pairs = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(s)
        pairs.append((norm_title(m.group("key")), s[m.end() : end].strip()))
    return pairs


def heading_kind(s: str) -> str | None:
    """'entity' / 'relation' for a section heading ('Entities:', '## Relationships', '**Entity 2**')."""
    m = _HEADING_RE.match(s)
    if m is None:
        return None
    return "entity" if m.group("word").lower() in _ENTITY_KINDS else "relation"


def free_relation(s: str) -> dict | None:
    """`A -> B`, `A -[treats]-> B: desc`, `A → B (treats) — desc` as a relation dict, else None."""
    m = _REL_ARROW_RE.match(s)
    if m is None:
        return None
    return {
        "source": m.group("src"),
        "target": m.group("tgt"),
        "keywords": m.group("kw1") or m.group("kw2") or "",
        "description": m.group("desc") or "",
    }


def free_entity(s: str, allow_bare: bool = False) -> dict | None:
    """`Aspirin (drug): desc`, `Aspirin - desc`, `Aspirin (drug)` (and with `allow_bare`, a short bare
    name such as a bullet `- Fever`) as an entity dict, else None."""
    m = _ENT_FREE_RE.match(s)
    if m is None:
        bare = s.strip("*_` ")
        if allow_bare and 0 < len(bare.split()) <= 6 and not re.search(r"[.!?:;,|]$", bare):
            return {"name": bare, "entity_type": "", "description": ""}  # "- Fever" under "Entities:"
        return None
    name = m.group("name") or m.group("name2")
    if len(name.split()) > 8:  # a sentence with a colon, not a name
        return None
    return {
        "name": name,
        "entity_type": m.group("type") or m.group("type2") or "",
        "description": m.group("desc") or "",
    }


class JsonBlock:
    """Tracks bracket depth across lines so a pretty-printed JSON value inside line output is read
    as one block. Strings are followed (with escapes) so brackets inside them do not count."""

    MAX_LINES = 5000

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self._in_str = False
        self._esc = False

    def feed(self, line: str) -> bool:
        """Add a line; True when the block is complete (depth back to zero, or too long)."""
        self.lines.append(line)
        for ch in line:
            if self._in_str:
                if self._esc:
                    self._esc = False
                elif ch == "\\":
                    self._esc = True
                elif ch == '"':
                    self._in_str = False
            elif ch == '"':
                self._in_str = True
            elif ch in "{[":
                self.depth += 1
            elif ch in "}]":
                self.depth -= 1
                if self.depth <= 0:
                    return True
        self._in_str = False  # a JSON string never spans lines; do not let a stray quote swallow the rest
        return len(self.lines) >= self.MAX_LINES

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def opens_json(s: str) -> bool:
    """A line that starts a JSON object or array (not a bracketed `[entity] | ...` record)."""
    return s.startswith("{") or bool(re.match(r"\[\s*(?:[{\"\[\]]|$)", s))
