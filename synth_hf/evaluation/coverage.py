"""Gold-fact coverage of a GraphGen knowledge graph: does each annotated fact sit in the graph, resting on
its own sentence? (the grounded-extraction target of the knowledge-lift benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from synth_hf.text.support import normalize_span


def _key(text: str) -> str:
    words = normalize_span(text).split()
    while words and words[0] in ("the", "a", "an", "dr"):
        words = words[1:]
    return " ".join(words)


def graph_fact_coverage(graph_dir: str | Path, facts: Sequence[dict]) -> dict[str, Any]:
    """Share of gold facts ({fact_id, sentence, subject, object}) that appear as a node or edge whose
    evidence contains the fact's sentence and whose name(s) name the subject or object (an edge: one
    end each; a node: either). Also reports whether the graph has multi-hop paths (>= 2 chained edges).
    Raises FileNotFoundError when `graph_dir` holds no saved graph."""
    from synth_hf.graph.store import KnowledgeGraph

    kg = KnowledgeGraph.load(Path(graph_dir))
    by_sentence: dict[str, list[str]] = {}
    for unit, data in kg.units():
        for item in data.get("evidence") or []:
            by_sentence.setdefault(_key(item["sentence"]), []).append(unit)

    def names(unit: str) -> list[str]:
        if kg.is_edge_unit(unit):
            return [_key(kg.graph.nodes[n].get("name", n)) for n in kg.edge_endpoints(unit)]
        return [_key(kg.get_unit(unit).get("name", unit))]

    def matches(name: str, target: str) -> bool:
        return bool(name) and (name in target or target in name)

    covered, as_edge = [], 0
    for fact in facts:
        subj, obj = _key(fact["subject"]), _key(fact["object"])
        hit = False
        for unit in by_sentence.get(_key(fact["sentence"]), []):
            ns = names(unit)
            if kg.is_edge_unit(unit) and any(matches(n, subj) for n in ns) and any(matches(n, obj) for n in ns):
                hit, as_edge = True, as_edge + 1
                break
            if any(matches(n, subj) or matches(n, obj) for n in ns):
                hit = True
        if hit:
            covered.append(fact["fact_id"])
    und = kg.graph.to_undirected(as_view=True)
    multi_hop_bridges = sum(1 for n in und.nodes if und.degree(n) >= 2)
    return {
        "facts": len(facts), "covered": len(covered), "coverage": len(covered) / len(facts) if facts else None,
        "covered_as_edge": as_edge, "nodes": kg.num_nodes, "edges": kg.num_edges,
        "multi_hop_bridges": multi_hop_bridges,
        "missing": [f["fact_id"] for f in facts if f["fact_id"] not in set(covered)],
    }  # fmt: skip
