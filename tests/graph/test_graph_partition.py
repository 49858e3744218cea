import json
import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from synth_hf.graph import KnowledgeGraph, edge_id, partition
from synth_hf.graph.partition import subgraph_loss


def _path_graph() -> KnowledgeGraph:
    """a -> b -> c -> d with distinct losses: seed order (max) = bc, cd, ab, d, c, b, a."""
    kg = KnowledgeGraph()
    for node, loss in zip("abcd", (0.1, 0.2, 0.3, 0.4)):
        kg.add_node(node, description=f"node {node}", loss=loss)
    for (s, t), loss in zip(("ab", "bc", "cd"), (0.5, 0.9, 0.6)):
        kg.add_edge(s, t, description=f"edge {s}{t}", loss=loss)
    return kg


def _shape(result):
    return [(sg.nodes, sg.edges, sg.seed_unit) for sg in result]


def test_bfs_exact_on_path():
    result = partition(_path_graph(), "bfs", max_units=3)
    assert _shape(result) == [
        (["b", "c"], [("b", "c")], "b -> c"),
        (["d"], [("c", "d")], "c -> d"),  # c is taken: walked through, not included
        (["a"], [("a", "b")], "a -> b"),
    ]
    assert [sg.subgraph_id for sg in result] == ["bfs-000000", "bfs-000001", "bfs-000002"]
    assert result.stats.units_covered == 7 and result.stats.seeds_tried == 3
    assert result[1].all_nodes() == ["d", "c"]


def test_dfs_exact_on_path():
    assert _shape(partition(_path_graph(), "dfs", max_units=3)) == [
        (["b"], [("b", "c"), ("a", "b")], "b -> c"),
        (["c", "d"], [("c", "d")], "c -> d"),
        (["a"], [], "a"),
    ]


def test_loss_exact_on_path():
    # Best-first: from bc take c (0.3 > b 0.2), then cd (0.6) over b.
    assert _shape(partition(_path_graph(), "loss", max_units=3)) == [
        (["c"], [("b", "c"), ("c", "d")], "b -> c"),
        (["b", "a"], [("a", "b")], "a -> b"),
        (["d"], [], "d"),
    ]
    # min strategy starts from the lowest loss unit.
    assert partition(_path_graph(), "loss", max_units=3, loss_strategy="min")[0].seed_unit == "a"


def test_min_units_drops_are_counted_and_released():
    result = partition(_path_graph(), "bfs", max_units=3, min_units=3)
    assert _shape(result) == [(["b", "c"], [("b", "c")], "b -> c")]
    assert [(sg.seed_unit, reason) for sg, reason in result.dropped] == [
        ("c -> d", "too_small"), ("a -> b", "too_small"), ("d", "too_small"), ("a", "too_small")]
    assert result.stats.dropped_too_small == 4 and result.stats.units_covered == 3


def test_seed_over_token_budget_is_dropped():
    kg = _path_graph()
    kg.set_unit_attrs("b -> c", description="way " * 50)
    result = partition(kg, "bfs", max_units=10, max_tokens=5, count_tokens=lambda t: len(t.split()))
    assert [(sg.seed_unit, r) for sg, r in result.dropped] == [("b -> c", "seed_over_token_budget")]
    assert all(("b", "c") not in sg.edges for sg in result)
    assert result.stats.dropped_seed_over_budget == 1


def _random_graph(seed: int, n: int = 40, m: int = 90, with_loss: bool = True) -> KnowledgeGraph:
    rng = random.Random(seed)
    g = nx.gnm_random_graph(n, m, seed=seed, directed=True)
    kg = KnowledgeGraph()
    for node in g.nodes:
        kg.add_node(f"n{node}", description="w " * rng.randint(1, 6))
    for s, t in g.edges:
        kg.add_edge(f"n{s}", f"n{t}", description="w " * rng.randint(1, 6), weight=1.0)
    if with_loss:
        for unit_id, _ in list(kg.units()):
            if rng.random() < 0.6:
                kg.set_unit_attrs(unit_id, loss=rng.random())
    return kg


def _check_hops(kg: KnowledgeGraph, sg, max_hops: int) -> None:
    und = kg.graph.to_undirected(as_view=True)
    if sg.seed_unit in kg.graph:
        dist = nx.single_source_shortest_path_length(und, sg.seed_unit)
    else:  # an edge seed's endpoints are both at hop 0
        dist = nx.multi_source_dijkstra_path_length(und, set(kg.edge_endpoints(sg.seed_unit)))
    for node in sg.nodes:
        assert dist[node] <= max_hops
    for s, t in sg.edges:
        if edge_id(s, t) != sg.seed_unit:
            assert min(dist.get(s, 99), dist.get(t, 99)) + 1 <= max_hops


@pytest.mark.parametrize("method", ["bfs", "dfs", "loss", "louvain"])
@pytest.mark.parametrize("max_hops", [0, 1, 2])
def test_exclusive_methods_respect_all_limits(method, max_hops):
    kg = _random_graph(3)
    tokens = lambda text: len(text.split())
    result = partition(kg, method, max_units=6, max_hops=max_hops, max_tokens=14, count_tokens=tokens)
    seen: set[str] = set()
    for sg in result:
        units = sg.unit_ids()
        assert 1 <= len(units) <= 6
        assert sum(tokens(kg.unit_text(u)) for u in units) <= 14
        assert seen.isdisjoint(units)  # exclusive
        seen.update(units)
        _check_hops(kg, sg, max_hops)
    seeds = [sg.seed_unit for sg in result] + [sg.seed_unit for sg, _ in result.dropped]
    assert len(seeds) == len(set(seeds))
    # Nothing over budget here, so every unit is covered exactly once.
    assert len(seen) == kg.num_units == result.stats.units_covered


def test_khop_is_edge_centric_and_covers_everything():
    kg = _random_graph(5)
    result = partition(kg, "khop", max_units=7, max_hops=1)
    edge_seeded = [sg for sg in result if sg.seed_unit not in kg.graph]
    assert result[: len(edge_seeded)] == edge_seeded  # edges seed first
    covered = set()
    for sg in result:
        assert sg.num_units <= 7
        _check_hops(kg, sg, 1)
        covered.update(sg.unit_ids())
    assert covered == set(kg.unit_ids())
    assert result.stats.units_in_subgraphs > kg.num_units  # context overlaps
    seeds = [sg.seed_unit for sg in result]
    assert len(seeds) == len(set(seeds))


def test_louvain_keeps_communities_and_splits_large_ones():
    kg = KnowledgeGraph()
    for prefix in "ab":
        for i in range(4):
            for j in range(i + 1, 4):
                kg.add_edge(f"{prefix}{i}", f"{prefix}{j}", weight=1.0)
    kg.add_edge("a3", "b0", weight=1.0)
    whole = partition(kg, "louvain", max_units=100, max_hops=5)
    assert sorted(sorted(sg.nodes) for sg in whole) == [["a0", "a1", "a2", "a3"], ["b0", "b1", "b2", "b3"]]
    split = partition(kg, "louvain", max_units=4, max_hops=5)
    assert len(split) > 2
    for sg in split:
        assert len({n[0] for n in sg.nodes} | {s[0] for s, _ in sg.edges}) == 1  # never crosses


@pytest.mark.parametrize("method", ["bfs", "dfs", "loss", "louvain", "khop"])
def test_determinism_and_seed_sensitivity(method):
    kg = _random_graph(7, with_loss=False)
    a = partition(kg, method, max_units=5, seed=1)
    b = partition(kg, method, max_units=5, seed=1)
    assert a == b and a.stats == b.stats
    c = partition(kg, method, max_units=5, seed=2)
    assert _shape(a) != _shape(c)


@pytest.mark.parametrize("method", ["bfs", "dfs", "loss", "louvain", "khop"])
def test_empty_and_edgeless_graphs(method):
    empty = partition(KnowledgeGraph(), method)
    assert list(empty) == [] and empty.stats.num_units == 0
    kg = KnowledgeGraph()
    for n in "xyz":
        kg.add_node(n, description=n)
    result = partition(kg, method)
    assert sorted(sg.nodes[0] for sg in result) == ["x", "y", "z"]
    assert all(sg.edges == [] for sg in result)
    skipped = partition(kg, method, skip_isolated=True)
    assert list(skipped) == [] and skipped.stats.skipped_isolated == 3


def test_argument_validation_and_subgraph_loss():
    kg = _path_graph()
    for kwargs in ({"method": "nope"}, {"method": "bfs", "loss_strategy": "median"},
                   {"method": "bfs", "min_units": 5, "max_units": 3}, {"method": "bfs", "max_tokens": 5}):
        with pytest.raises(ValueError):
            partition(kg, **kwargs)
    sg = partition(kg, "bfs", max_units=3)[0]
    assert subgraph_loss(kg, sg) == pytest.approx((0.9 + 0.2 + 0.3) / 3)
    assert subgraph_loss(kg, sg, agg="max") == 0.9


def test_same_output_across_processes_with_different_hash_seeds():
    # Set iteration over str follows PYTHONHASHSEED (random per process by default); the partition must not.
    methods = ("bfs", "loss", "louvain", "khop")
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "from test_graph_partition import _random_graph; from synth_hf.graph import partition;"
        "kg = _random_graph(11, n=60, m=150, with_loss=False);"
        "print(json.dumps([[(s.nodes, s.edges) for s in partition(kg, m, max_units=6, seed=3)]"
        f" for m in {methods!r}]))"
    )
    child = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent)], check=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}, capture_output=True).stdout
    kg = _random_graph(11, n=60, m=150, with_loss=False)
    here = [[(s.nodes, s.edges) for s in partition(kg, m, max_units=6, seed=3)] for m in methods]
    assert json.loads(child) == json.loads(json.dumps(here))
