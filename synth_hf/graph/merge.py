"""Merge per-chunk extraction records into one KnowledgeGraph (entity resolution, no LLM calls).

Description summaries are the caller's job: `units_over_budget` lists the units whose merged
descriptions are too long, the caller summarises them with an LLM and stores the text via `set_summary`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import networkx as nx

from synth_hf.graph._util import gc_paused
from synth_hf.graph.near_duplicates import find_near_duplicate_names
from synth_hf.graph.records import EntityRecord, RelationRecord
from synth_hf.graph.store import KnowledgeGraph, edge_id

__all__ = [
    "DESCRIPTION_SEP",
    "UNKNOWN_TYPE",
    "MergeStats",
    "clean_surface_form",
    "find_near_duplicate_names",
    "merge_records",
    "normalize_entity_type",
    "normalize_name",
    "set_summary",
    "units_over_budget",
]

UNKNOWN_TYPE = "UNKNOWN"
DESCRIPTION_SEP = "\n"

# Stripped from the ends of a name: quotes and markdown emphasis at both ends, sentence punctuation at
# the end only (".NET" keeps its dot).
_QUOTES = "\"'`\u00b4\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f"
_LEAD_CHARS = _QUOTES + "*,;: "
_TRAIL_CHARS = _QUOTES + "*.,;:!? "
_END_CHARS = _QUOTES + "*.,;:!? "
_BRACKETS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")


def _strip_ends(text: str) -> str:
    while True:
        before = text
        text = text.lstrip(_LEAD_CHARS).rstrip(_TRAIL_CHARS)
        if len(text) >= 2 and _BRACKETS.get(text[0]) == text[-1]:
            text = text[1:-1]
        if text == before:
            return text


def clean_surface_form(name: str) -> str:
    """A name as displayed: NFKC, single spaces, no quotes/punctuation at the ends; case is kept."""
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", unicodedata.normalize("NFKC", name)))
    return _strip_ends(" ".join(text.replace("->", "\u2192").split()))


def normalize_name(name: str) -> str:
    """Canonical node id of an entity name: NFKC, casefold, one space per whitespace run, no
    quotes/punctuation/wrapping brackets at the ends. "->" becomes "\u2192" so a node id can never
    contain the edge-id separator. Idempotent and deterministic; "" means the name is unusable."""
    text = unicodedata.normalize("NFKC", name)
    text = unicodedata.normalize("NFKC", text.casefold())  # casefold can leave non-NFKC text ("\u1e9e")
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    return _strip_ends(" ".join(text.replace("->", "\u2192").split()))


def normalize_entity_type(entity_type: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", entity_type or "").split()).strip(_END_CHARS)
    return text.upper().replace(" ", "_") or UNKNOWN_TYPE


@dataclass
class MergeStats:
    input_entities: int = 0
    input_relations: int = 0
    merged_nodes: int = 0
    merged_edges: int = 0
    implicit_nodes: int = 0  # relation endpoints never extracted as entities (type UNKNOWN)
    duplicate_entities: int = 0  # entity records folded into an already-seen node
    duplicate_relations: int = 0  # relation records folded into an already-seen edge
    self_loops: int = 0
    empty_names: int = 0
    aliases_applied: int = 0  # distinct alias names that were seen and rewritten
    # Drops are data: every discarded record with its reason ("self_loop", "empty_name").
    dropped: list[tuple[EntityRecord | RelationRecord, str]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, int]:
        # Not asdict(): it would deep-copy every dropped record.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "dropped"}


class _NodeAcc:
    __slots__ = ("descs", "evidence", "forms", "implicit", "sources", "types")

    def __init__(self, implicit: bool) -> None:
        self.forms: dict[str, int] = {}
        self.types: dict[str, int] = {}
        self.descs: dict[str, None] = {}  # ordered set
        self.sources: set[str] = set()
        self.evidence: dict[tuple[str, str], None] = {}  # ordered set of (chunk_id, sentence)
        self.implicit = implicit


def _resolve_aliases(aliases: dict[str, str] | None) -> dict[str, str]:
    """Normalize an alias map and collapse chains (a->b, b->c gives a->c); a cycle's canonical is its
    lexicographically smallest member."""
    raw = {}
    for alias, canonical in (aliases or {}).items():
        a, c = normalize_name(alias), normalize_name(canonical)
        if a and c and a != c:
            raw[a] = c
    out = {}
    for alias, node in raw.items():
        chain = [alias]
        while node in raw and node not in chain:
            chain.append(node)
            node = raw[node]
        target = min(chain[chain.index(node):]) if node in chain else node
        if target != alias:
            out[alias] = target
    return out


def _majority(votes: dict[str, int]) -> str:
    # Highest count wins; ties go to the lexicographically smallest so input order does not matter.
    return min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def merge_records(
    entities: Iterable[EntityRecord],
    relations: Iterable[RelationRecord],
    aliases: dict[str, str] | None = None,
) -> tuple[KnowledgeGraph, MergeStats]:
    """Resolve entities by normalized name (plus `aliases`, alias -> canonical, any surface form) and
    fold relations into directed edges (keyword union, summed weight, distinct descriptions in order,
    sorted source chunk ids). Each node/edge gets `description` = its distinct descriptions joined."""
    stats = MergeStats()
    resolver = _Resolver(_resolve_aliases(aliases))
    with gc_paused():
        nodes: dict[str, _NodeAcc] = {}
        _fold_entities(entities, nodes, resolver, stats)
        edges = _fold_relations(relations, nodes, resolver, stats)
        graph = nx.DiGraph()
        graph.add_nodes_from(_node_attrs(nid, acc) for nid, acc in nodes.items())
        stats.implicit_nodes = sum(acc.implicit for acc in nodes.values())
        del nodes
        for data in edges.values():
            descs = data["descriptions"]
            data["description"] = descs[0] if len(descs) == 1 else DESCRIPTION_SEP.join(descs)
            if len(data["source_ids"]) > 1:
                data["source_ids"].sort()
            if data["evidence"]:
                data["evidence"] = evidence_list(data["evidence"])
            else:
                del data["evidence"]
        graph.add_edges_from((s, t, d) for (s, t), d in edges.items())
        del edges
    stats.merged_nodes = graph.number_of_nodes()
    stats.merged_edges = graph.number_of_edges()
    stats.aliases_applied = len(resolver.applied)
    return KnowledgeGraph(graph), stats


class _Resolver:
    """raw name -> node id, memoised: most names repeat, so each is normalized once."""

    def __init__(self, alias_map: dict[str, str]) -> None:
        self.alias_map = alias_map
        self.applied: set[str] = set()
        self.ids: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        norm = normalize_name(raw)
        canonical = self.alias_map.get(norm)
        if canonical is not None:
            self.applied.add(norm)
            norm = canonical
        self.ids[raw] = norm
        return norm


def _fold_entities(entities: Iterable[EntityRecord], nodes: dict[str, _NodeAcc], resolve: _Resolver,
                   stats: MergeStats) -> None:
    ids_get, nodes_get = resolve.ids.get, nodes.get
    types: dict[str, str] = {}  # raw type -> normalized, memoised for the same reason
    n_in = n_dup = 0
    for ent in entities:
        n_in += 1
        raw = ent.name
        nid = ids_get(raw) or resolve(raw)
        if not nid:
            stats.empty_names += 1
            stats.dropped.append((ent, "empty_name"))
            continue
        acc = nodes_get(nid)
        if acc is None:
            acc = nodes[nid] = _NodeAcc(implicit=False)
        else:
            n_dup += 1
        forms = acc.forms
        forms[raw] = forms.get(raw, 0) + 1  # raw; cleaned once per form at the end
        etype = types.get(ent.entity_type)
        if etype is None:
            etype = types[ent.entity_type] = normalize_entity_type(ent.entity_type)
        acc.types[etype] = acc.types.get(etype, 0) + 1
        desc = ent.description.strip()
        if desc:
            acc.descs[desc] = None
        if ent.chunk_id:
            acc.sources.add(ent.chunk_id)
        _add_evidence(acc.evidence, ent.evidence)
    stats.input_entities += n_in
    stats.duplicate_entities += n_dup


def _add_evidence(into: dict[tuple[str, str], None], evidence: list[dict] | None) -> None:
    for item in evidence or ():
        into[(str(item.get("chunk_id", "")), str(item.get("sentence", "")))] = None


def evidence_list(keys: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Evidence as stored on nodes/edges: [{"chunk_id", "sentence"}] in first-seen order."""
    return [{"chunk_id": c, "sentence": s} for c, s in keys]


def _implicit_mention(nodes: dict[str, _NodeAcc], nid: str, raw: str, chunk: str) -> None:
    """A relation endpoint that is not an extracted entity: only these take forms/sources from relations."""
    acc = nodes.get(nid)
    if acc is None:
        acc = nodes[nid] = _NodeAcc(implicit=True)
    elif not acc.implicit:
        return
    acc.forms[raw] = acc.forms.get(raw, 0) + 1
    if chunk:
        acc.sources.add(chunk)


def _fold_relations(relations: Iterable[RelationRecord], nodes: dict[str, _NodeAcc], resolve: _Resolver,
                    stats: MergeStats) -> dict[tuple[str, str], dict[str, Any]]:
    ids_get, nodes_get = resolve.ids.get, nodes.get
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    edges_get = edges.get
    n_in = n_dup = 0
    for rel in relations:
        n_in += 1
        s_raw, t_raw = rel.source, rel.target
        src = ids_get(s_raw) or resolve(s_raw)
        tgt = ids_get(t_raw) or resolve(t_raw)
        if not src or not tgt:
            stats.empty_names += 1
            stats.dropped.append((rel, "empty_name"))
            continue
        if src == tgt:
            stats.self_loops += 1
            stats.dropped.append((rel, "self_loop"))
            continue
        chunk = rel.chunk_id
        acc = nodes_get(src)
        if acc is None or acc.implicit:
            _implicit_mention(nodes, src, s_raw, chunk)
        acc = nodes_get(tgt)
        if acc is None or acc.implicit:
            _implicit_mention(nodes, tgt, t_raw, chunk)
        desc = rel.description.strip()
        key = (src, tgt)
        data = edges_get(key)
        if data is None:
            kws: list[str] = []
            for kw in rel.keywords:
                kw = kw.strip()
                if kw and kw not in kws:
                    kws.append(kw)
            ev: dict[tuple[str, str], None] = {}
            _add_evidence(ev, rel.evidence)
            edges[key] = {
                "evidence": ev,
                "keywords": kws,
                "description": None,  # set once all duplicates are folded
                "descriptions": [desc] if desc else [],
                "source_ids": [chunk] if chunk else [],
                "weight": float(rel.weight),
            }
            continue
        n_dup += 1
        kws = data["keywords"]
        for kw in rel.keywords:
            kw = kw.strip()
            if kw and kw not in kws:
                kws.append(kw)
        if desc and desc not in data["descriptions"]:
            data["descriptions"].append(desc)
        if chunk and chunk not in data["source_ids"]:
            data["source_ids"].append(chunk)
        _add_evidence(data["evidence"], rel.evidence)
        data["weight"] += float(rel.weight)
    stats.input_relations += n_in
    stats.duplicate_relations += n_dup
    return edges


def _node_attrs(nid: str, acc: _NodeAcc) -> tuple[str, dict[str, Any]]:
    types = {t: c for t, c in acc.types.items() if t != UNKNOWN_TYPE}
    descs = list(acc.descs)
    forms: dict[str, int] = {}
    for raw, count in acc.forms.items():
        form = clean_surface_form(raw)
        if form:
            forms[form] = forms.get(form, 0) + count
    extra = {"evidence": evidence_list(acc.evidence)} if acc.evidence else {}
    return nid, {
        **extra,
        # an alias's spelling never names the node ("ardeni" folded into "Cryptomyces ardeni")
        "name": _majority({f: c for f, c in forms.items() if normalize_name(f) == nid} or forms) if forms else nid,
        "entity_type": _majority(types) if types else UNKNOWN_TYPE,
        "description": DESCRIPTION_SEP.join(descs),
        "descriptions": descs,
        "source_ids": sorted(acc.sources),
    }


def units_over_budget(kg: KnowledgeGraph, count_tokens: Callable[[str], int], budget: int) -> list[str]:
    """Unit ids whose joined distinct descriptions exceed `budget` tokens: the caller summarises them
    (set_summary). Units within budget get `description` = the joined descriptions. Units already
    summarised are left alone. Nothing is ever truncated."""
    over: list[str] = []
    for unit_id, data in kg.units():
        if data.get("summarized"):
            continue
        text = DESCRIPTION_SEP.join(data.get("descriptions", ()))
        if count_tokens(text) > budget:
            over.append(unit_id)
        else:
            data["description"] = text
    return over


def set_summary(kg: KnowledgeGraph, unit_id: str, text: str) -> None:
    """Store an LLM summary as the unit's description (raw `descriptions` are kept for provenance)."""
    if not text or not text.strip():
        raise ValueError(f"empty summary for unit {unit_id!r}: keep the joined descriptions instead")
    kg.set_unit_attrs(unit_id, description=text.strip(), summarized=True)


def describe_unit(kg: KnowledgeGraph, unit_id: str) -> str:
    """A one-line rendering of a unit for prompts: "name: description" or "a -> b: description"."""
    data = kg.get_unit(unit_id)
    if kg.is_edge_unit(unit_id):
        src, tgt = kg.edge_endpoints(unit_id)
        label = edge_id(kg.graph.nodes[src].get("name", src), kg.graph.nodes[tgt].get("name", tgt))
    else:
        label = data.get("name", unit_id)
    return f"{label}: {kg.unit_text(unit_id)}"
