from synth_hf.graph import KnowledgeGraph, Subgraph, find_multihop_path, is_valid_multihop_path, path_nodes


def _kg() -> KnowledgeGraph:
    kg = KnowledgeGraph()
    for s, t in [("a", "b"), ("c", "b"), ("c", "d"), ("d", "e"), ("x", "y")]:
        kg.add_edge(s, t)
    return kg


def _sg(nodes, edges) -> Subgraph:
    return Subgraph("s", nodes, edges, seed_unit=nodes[0] if nodes else "", method="bfs")


def test_find_path_walks_against_direction_but_reports_real_direction():
    kg = _kg()
    sg = _sg(["a"], [("a", "b"), ("c", "b"), ("c", "d"), ("d", "e")])
    assert find_multihop_path(kg, sg) == [("a", "b"), ("c", "b"), ("c", "d"), ("d", "e")]
    assert find_multihop_path(kg, sg, max_edges=2) == [("a", "b"), ("c", "b")]
    assert path_nodes([("a", "b"), ("c", "b"), ("c", "d")]) == ["a", "b", "c", "d"]


def test_find_path_none_when_too_short_or_edges_missing():
    kg = _kg()
    assert find_multihop_path(kg, _sg(["x"], [("x", "y")])) is None
    assert find_multihop_path(kg, _sg(["a"], [("a", "b"), ("b", "zzz")])) is None  # unknown edge ignored
    assert find_multihop_path(kg, _sg(["a"], [("a", "b"), ("x", "y")])) is None  # disconnected pieces
    assert find_multihop_path(kg, _sg(["a"], [])) is None


def test_star_gives_two_edge_path():
    kg = KnowledgeGraph()
    kg.add_edge("hub", "p")
    kg.add_edge("hub", "q")
    kg.add_edge("q", "hub")  # reverse duplicate adds no new chain
    sg = _sg(["hub"], [("hub", "p"), ("hub", "q"), ("q", "hub")])
    path = find_multihop_path(kg, sg)
    assert path == [("hub", "p"), ("hub", "q")]
    assert is_valid_multihop_path(kg, path) == (True, "ok")


def test_is_valid_multihop_path_reasons():
    kg = _kg()
    assert is_valid_multihop_path(kg, [("a", "b"), ("c", "b"), ("c", "d")]) == (True, "ok")
    ok, reason = is_valid_multihop_path(kg, [("a", "b")])
    assert not ok and reason.startswith("too short")
    ok, reason = is_valid_multihop_path(kg, [("a", "b"), ("b", "a")])
    assert not ok and reason == "edge not in graph: b -> a"
    ok, reason = is_valid_multihop_path(kg, [("a", "b"), ("c", "d")])
    assert not ok and reason.startswith("disconnected")
    kg.add_edge("b", "a")
    ok, reason = is_valid_multihop_path(kg, [("a", "b"), ("b", "a")])
    assert (ok, reason) == (False, "repeated node: a")
    assert is_valid_multihop_path(kg, [("a", "b")], min_edges=1) == (True, "ok")
