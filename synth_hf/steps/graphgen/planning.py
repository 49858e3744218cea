"""Turn a partition into generation samples: which facts each QA is made from, in which mode and style.

Pure logic (no LLM): high-loss material goes first, so the trainee is taught what it got wrong.
Every shortfall against the requested counts is explained, so an empty mode is never a mystery.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from synth_hf.graph.partition import Subgraph, subgraph_loss
from synth_hf.graph.paths import find_multihop_path, path_nodes
from synth_hf.graph.store import KnowledgeGraph, edge_id
from synth_hf.steps.graphgen.rows import majority_language, render_facts

SINGLE_UNIT_MODES = ("atomic", "multiple_choice", "true_false")
SUBGRAPH_MODES = ("aggregated", "cot")


@dataclass
class Plan:
    samples: list[dict[str, Any]] = field(default_factory=list)
    planned: dict[str, int] = field(default_factory=dict)
    shortfalls: dict[str, str] = field(default_factory=dict)  # mode -> why fewer than requested


def _loss(kg: KnowledgeGraph, unit_id: str) -> float:
    value = kg.get_unit(unit_id).get("loss")
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _sample_seed(seed: int, sample_id: str) -> int:
    """Per-sample RNG seed: a sample's style/label never depend on the samples before it."""
    return int(hashlib.sha256(f"{seed}:{sample_id}".encode()).hexdigest()[:16], 16)


def _take(pool: list[Any], start: int, k: int) -> list[Any]:
    """k items from `pool` starting at `start`, wrapping; never the same item twice in one mode."""
    if not pool:
        return []
    return [pool[(start + i) % len(pool)] for i in range(min(k, len(pool)))]


def plan_samples(
    kg: KnowledgeGraph,
    subgraphs: list[Subgraph],
    units: dict[str, dict[str, Any]],
    chunks: dict[str, dict[str, Any]],
    modes: dict[str, int],
    styles: list[str],
    seed: int = 0,
    max_hop_edges: int = 4,
    max_source_texts: int = 3,
) -> Plan:
    """`units`: unit rows by id; `chunks`: {chunk_id: {"text", "language"}}."""
    plan = Plan()
    rng = random.Random(seed)
    unit_order = sorted(kg.unit_ids(), key=lambda u: (-_loss(kg, u), rng.random()))

    def emit(mode: str, sg_id: str, nodes: list[str], edges: list[str], path: list[str]) -> None:
        sample_id = f"{mode}-{plan.planned.get(mode, 0):05d}"
        plan.planned[mode] = plan.planned.get(mode, 0) + 1
        unit_ids = nodes + edges
        rows = [units[u] for u in unit_ids]
        counts = Counter(c for r in rows for c in r.get("source_chunk_ids") or [])
        chunk_ids = sorted(counts, key=lambda c: (-counts[c], c))
        texts = [chunks[c]["text"] for c in chunk_ids if c in chunks][:max_source_texts]
        language = majority_language(chunks[c]["language"] for c in chunk_ids if c in chunks)
        if language == "und":
            language = majority_language(r.get("language", "und") for r in rows)
        losses = [kg.get_unit(u).get("loss") for u in unit_ids]
        finite = [x for x in losses if isinstance(x, (int, float)) and math.isfinite(x)]
        sample_rng = random.Random(_sample_seed(seed, sample_id))
        plan.samples.append({
            "sample_id": sample_id, "mode": mode, "style": sample_rng.choice(styles),
            "subgraph_id": sg_id, "node_ids": nodes, "edge_ids": edges, "path_edge_ids": path,
            "facts": render_facts(rows), "source_chunk_ids": chunk_ids, "source_texts": texts,
            "unit_losses": [float(x) if isinstance(x, (int, float)) else None for x in losses],
            "mean_loss": sum(finite) / len(finite) if finite else None, "language": language,
            "tf_label": sample_rng.random() < 0.5,
        })  # fmt: skip

    # One fact per sample; the modes walk the loss ranking one after another, wrapping around.
    offset = 0
    for mode in SINGLE_UNIT_MODES:
        want = modes.get(mode, 0)
        if not want:
            continue
        for unit in _take(unit_order, offset, want):
            single = kg.unit_kind(unit) == "node"
            emit(mode, f"unit:{unit}", [unit] if single else [], [] if single else [unit], [])
        offset += want
        if want > len(unit_order):
            plan.shortfalls[mode] = f"only {len(unit_order)} units in the graph"

    ranked = sorted(enumerate(subgraphs), key=lambda item: (-(subgraph_loss(kg, item[1]) or 0.0), item[0]))
    no_edges = kg.num_edges == 0
    connected = [sg for _, sg in ranked if sg.edges and sg.num_units >= 2]
    offset = 0
    for mode in SUBGRAPH_MODES:
        want = modes.get(mode, 0)
        if not want:
            continue
        for sg in _take(connected, offset, want):
            emit(mode, sg.subgraph_id, list(sg.all_nodes()), [edge_id(s, t) for s, t in sg.edges], [])
        offset += want
        if no_edges:
            plan.shortfalls[mode] = f"graph has no edges: {mode} needs a subgraph with at least one relation"
        elif want > len(connected):
            plan.shortfalls[mode] = (
                f"only {len(connected)} subgraph(s) with a relation (partition produced {len(subgraphs)})"
            )

    want = modes.get("multi_hop", 0)
    if want:
        seen: set[frozenset] = set()
        for _, sg in ranked:
            if len(seen) >= want:
                break
            path = find_multihop_path(kg, sg, min_edges=2, max_edges=max_hop_edges)
            if path is None or frozenset(path) in seen:
                continue
            seen.add(frozenset(path))
            ids = [edge_id(s, t) for s, t in path]
            emit("multi_hop", sg.subgraph_id, path_nodes(path), ids, ids)
        if len(seen) < want:
            if no_edges:
                why = "graph has no edges: multi-hop needs a path of >= 2 edges"
            elif kg.num_edges < 2:
                why = "graph has a single edge: multi-hop needs a path of >= 2 edges"
            else:
                why = f"only {len(seen)} subgraph(s) contain a path of >= 2 edges"
            plan.shortfalls["multi_hop"] = why
    return plan
