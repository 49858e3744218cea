"""Partition a KnowledgeGraph into small subgraphs for QA generation, what the trainee gets wrong first.

Methods (all grow from a *seed* unit; every unit is a seed at most once):
  bfs / dfs  breadth- / depth-first growth over the node-edge unit graph.
  loss       best-first growth: seeds and expansion both follow `loss_strategy` (max: highest loss
             first, min: lowest first, random: seeded random priority).
  louvain    networkx `louvain_communities` (undirected, reciprocal edge `weight`s summed, `seed`); BFS kept
             inside the seed's community, so a community larger than the limits is split into several
             subgraphs. An edge belongs to its source node's community.
  khop       edge-centric: each not-yet-covered edge seeds a subgraph holding the edges and nodes within
             `max_hops` of it; context units may repeat across khop subgraphs (covered units are just
             not used as seeds again). Nodes left uncovered afterwards seed their own subgraphs.
bfs, dfs, loss and louvain are *exclusive*: a unit lands in at most one subgraph. An already-taken node
may still be walked through to reach untaken edges, so an edge's endpoints are not always in `nodes`
(`Subgraph.all_nodes()` gives them).

Seed order (every method): by loss per `loss_strategy`; ties (and units without a loss, which count
as loss 0 under "max" and rank last under "min") are ordered by a permutation drawn from `seed`.
Limits: a subgraph never has more than `max_units` units (nodes + edges), never more than `max_tokens`
tokens of unit descriptions, and never a unit beyond `max_hops` of the seed. A seed whose own
description exceeds `max_tokens` is dropped; subgraphs under `min_units` are dropped and their units
released for later seeds. Drops are kept in `PartitionResult.dropped` with their reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx
import numpy as np

from synth_hf.graph._util import gc_paused
from synth_hf.graph.store import KnowledgeGraph, edge_id
from synth_hf.graph.subgraph_growth import FIFO, LIFO, PRIORITY, Grower, build_index

METHODS = ("bfs", "dfs", "loss", "louvain", "khop")
LOSS_STRATEGIES = ("max", "min", "random")
TOO_SMALL = "too_small"
SEED_OVER_BUDGET = "seed_over_token_budget"


@dataclass
class Subgraph:
    subgraph_id: str
    nodes: list[str]
    edges: list[tuple[str, str]]
    seed_unit: str
    method: str

    @property
    def num_units(self) -> int:
        return len(self.nodes) + len(self.edges)

    def unit_ids(self) -> list[str]:
        return self.nodes + [edge_id(s, t) for s, t in self.edges]

    def all_nodes(self) -> list[str]:
        """`nodes` plus the endpoints of `edges` (context nodes), in first-seen order."""
        out = dict.fromkeys(self.nodes)
        for s, t in self.edges:
            out.setdefault(s)
            out.setdefault(t)
        return list(out)


@dataclass
class PartitionStats:
    method: str
    num_units: int = 0
    subgraphs: int = 0
    units_in_subgraphs: int = 0  # with repeats (khop)
    units_covered: int = 0  # distinct
    seeds_tried: int = 0
    dropped_too_small: int = 0
    dropped_seed_over_budget: int = 0
    skipped_isolated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PartitionResult(list[Subgraph]):
    """The kept subgraphs (a plain list) plus `stats` and `dropped` [(subgraph, reason)]."""

    def __init__(self, subgraphs: list[Subgraph], stats: PartitionStats,
                 dropped: list[tuple[Subgraph, str]]) -> None:
        super().__init__(subgraphs)
        self.stats = stats
        self.dropped = dropped


def _seed_order(kg: KnowledgeGraph, n_units: int, loss_strategy: str, seed: int) -> tuple[list[int], list[int]]:
    """(units in seed order, rank of each unit in that order)."""
    loss = np.array(
        [x if isinstance(x, (int, float)) else math.nan for _, x in kg.graph.nodes(data="loss")]
        + [x if isinstance(x, (int, float)) else math.nan for _, _, x in kg.graph.edges(data="loss")],
        dtype=np.float64,
    )
    missing = ~np.isfinite(loss)
    if loss_strategy == "max":
        key = -np.where(missing, 0.0, loss)
    elif loss_strategy == "min":
        key = np.where(missing, np.inf, loss)
    else:
        key = np.zeros(n_units)
    tiebreak = np.random.default_rng(seed).permutation(n_units)
    order = np.lexsort((tiebreak, key)) if n_units else np.zeros(0, dtype=np.int64)
    rank = np.empty(n_units, dtype=np.int64)
    rank[order] = np.arange(n_units)
    return order.tolist(), rank.tolist()


def _communities(kg: KnowledgeGraph, src: list[int], tgt: list[int], seed: int) -> list[int]:
    """Community id per unit (an edge takes its source's). Louvain runs on an integer-labelled undirected
    copy: with string labels its set iterations follow PYTHONHASHSEED and results vary between runs."""
    und = nx.Graph()
    und.add_nodes_from(range(kg.num_nodes))
    for (s, t), w in zip(zip(src, tgt), (d.get("weight", 1.0) for _, _, d in kg.graph.edges(data=True))):
        if s != t:  # reciprocal edges add up
            prev = und.get_edge_data(s, t)
            und.add_edge(s, t, weight=(prev["weight"] if prev else 0.0) + float(w))
    comm = [0] * kg.num_nodes
    if kg.num_nodes:
        for cid, members in enumerate(nx.community.louvain_communities(und, weight="weight", seed=seed)):
            for node in members:
                comm[node] = cid
    return comm + [comm[s] for s in src]


def partition(
    kg: KnowledgeGraph,
    method: str,
    *,
    min_units: int = 1,
    max_units: int = 10,
    max_hops: int = 2,
    max_tokens: int | None = None,
    count_tokens: Callable[[str], int] | None = None,
    loss_strategy: str = "max",
    seed: int = 0,
    skip_isolated: bool = False,
) -> PartitionResult:
    """Split `kg` into subgraphs (see the module docstring). Deterministic for a given `seed`."""
    with gc_paused():
        return _partition(kg, method, min_units=min_units, max_units=max_units, max_hops=max_hops,
                          max_tokens=max_tokens, count_tokens=count_tokens, loss_strategy=loss_strategy,
                          seed=seed, skip_isolated=skip_isolated)


def _partition(kg: KnowledgeGraph, method: str, *, min_units: int, max_units: int, max_hops: int,
               max_tokens: int | None, count_tokens: Callable[[str], int] | None, loss_strategy: str,
               seed: int, skip_isolated: bool) -> PartitionResult:
    if method not in METHODS:
        raise ValueError(f"unknown partition method {method!r}; expected one of {METHODS}")
    if loss_strategy not in LOSS_STRATEGIES:
        raise ValueError(f"unknown loss_strategy {loss_strategy!r}; expected one of {LOSS_STRATEGIES}")
    if max_units < 1 or min_units < 1 or max_hops < 0:
        raise ValueError("need max_units >= 1, min_units >= 1, max_hops >= 0")
    if min_units > max_units:
        raise ValueError(f"min_units ({min_units}) > max_units ({max_units}): every subgraph would be dropped")
    if max_tokens is not None and count_tokens is None:
        raise ValueError("max_tokens needs count_tokens")

    node_ids = list(kg.graph.nodes)
    index = {n: i for i, n in enumerate(node_ids)}
    edges = list(kg.graph.edges)
    src = [index[s] for s, _ in edges]
    tgt = [index[t] for _, t in edges]
    n_nodes, n_units = len(node_ids), len(node_ids) + len(edges)
    unit_index = build_index(n_nodes, src, tgt)
    order, rank = _seed_order(kg, n_units, loss_strategy, seed)

    def unit_name(u: int) -> str:
        return node_ids[u] if u < n_nodes else edge_id(*edges[u - n_nodes])

    unit_tokens = None
    if max_tokens is not None:
        cache = [-1] * n_units

        def unit_tokens(u: int) -> int:
            if cache[u] < 0:
                cache[u] = count_tokens(kg.unit_text(unit_name(u)))  # type: ignore[misc]
            return cache[u]

    mode = {"bfs": FIFO, "dfs": LIFO, "loss": PRIORITY, "louvain": FIFO, "khop": FIFO}[method]
    grower = Grower(
        unit_index, mode=mode, exclusive=method != "khop", max_units=max_units, max_hops=max_hops,
        rank=rank, max_tokens=max_tokens, unit_tokens=unit_tokens,
        domain=_communities(kg, src, tgt, seed) if method == "louvain" else None,
    )
    if method == "khop":  # edges seed first; nodes only pick up what no edge subgraph covered
        order = [u for u in order if u >= n_nodes] + [u for u in order if u < n_nodes]

    stats = PartitionStats(method=method, num_units=n_units)
    kept: list[Subgraph] = []
    dropped: list[tuple[Subgraph, str]] = []
    claimed = grower.claimed
    degree0 = unit_index.degree0
    for u in order:
        if claimed[u]:
            continue
        if skip_isolated and u < n_nodes and degree0[u]:
            stats.skipped_isolated += 1
            continue
        stats.seeds_tried += 1
        units, fits = grower.grow(u)
        if fits and len(units) >= min_units:
            grower.commit(units)
            kept.append(_subgraph(f"{method}-{len(kept):06d}", units, u, method, n_nodes, node_ids, edges,
                                  unit_name))
            stats.units_in_subgraphs += len(units)
            continue
        reason = TOO_SMALL if fits else SEED_OVER_BUDGET
        name = f"{method}-dropped-{len(dropped):06d}"
        dropped.append((_subgraph(name, units, u, method, n_nodes, node_ids, edges, unit_name), reason))
    stats.subgraphs = len(kept)
    stats.units_covered = sum(claimed)
    stats.dropped_too_small = sum(1 for _, r in dropped if r == TOO_SMALL)
    stats.dropped_seed_over_budget = len(dropped) - stats.dropped_too_small
    return PartitionResult(kept, stats, dropped)


def _subgraph(sid: str, units: list[int], seed: int, method: str, n_nodes: int, node_ids: list[str],
              edges: list[tuple[str, str]], unit_name: Callable[[int], str]) -> Subgraph:
    return Subgraph(
        subgraph_id=sid,
        nodes=[node_ids[u] for u in units if u < n_nodes],
        edges=[edges[u - n_nodes] for u in units if u >= n_nodes],
        seed_unit=unit_name(seed),
        method=method,
    )


def subgraph_loss(kg: KnowledgeGraph, subgraph: Subgraph, agg: str = "mean") -> float | None:
    """Mean or max `loss` over the subgraph's probed units (provenance for generated rows)."""
    losses = [kg.get_unit(u).get("loss") for u in subgraph.unit_ids()]
    values = [x for x in losses if isinstance(x, (int, float)) and math.isfinite(x)]
    if not values:
        return None
    return max(values) if agg == "max" else sum(values) / len(values)
