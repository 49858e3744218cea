import math

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synth_hf.graph import KnowledgeGraph, edge_id, parse_edge_id


def _sample() -> KnowledgeGraph:
    kg = KnowledgeGraph()
    kg.add_node("paris", name="Paris", entity_type="LOCATION", description="Capital.\nOf France",
                descriptions=["Capital.", "Of France"], source_ids=["c1", "c2"], loss=0.25,
                accuracy=1.0, confidence=0.75, n_statements=4)
    # Awkward values GraphML would mangle: CR, control chars, empty strings/lists, non-ASCII, ints in a
    # float attr, nested JSON, explicit None.
    kg.add_node("tricky", name="Tr\u00efcky \u2192", entity_type="UNKNOWN", description="",
                descriptions=[], source_ids=[], extra={"a": [1, 2]}, note="line\r\nbreak\x07",
                summarized=True, loss=1, maybe=None)
    kg.add_edge("paris", "tricky", keywords=["k1", "k 2"], description="d", descriptions=["d"],
                source_ids=["c1"], weight=2.5, loss=0.5)
    kg.add_edge("tricky", "paris", keywords=[], description="back", descriptions=["back"],
                source_ids=[], weight=1.0)
    kg.graph.graph["built_by"] = "test"
    return kg


def test_edge_ids_roundtrip_and_units():
    kg = _sample()
    assert edge_id("a", "b") == "a -> b"
    assert parse_edge_id("paris -> tricky") == ("paris", "tricky")
    assert kg.num_nodes == 2 and kg.num_edges == 2 and kg.num_units == 4
    assert kg.node_ids() == ["paris", "tricky"]
    assert kg.edge_ids() == ["paris -> tricky", "tricky -> paris"]
    assert [u for u, _ in kg.units()] == ["paris", "tricky", "paris -> tricky", "tricky -> paris"]
    assert kg.unit_kind("paris") == "node" and kg.unit_kind("tricky -> paris") == "edge"
    assert kg.get_unit("paris -> tricky")["weight"] == 2.5
    assert not kg.has_unit("paris -> nowhere") and not kg.has_unit("nowhere")
    with pytest.raises(KeyError):
        kg.get_unit("paris -> nowhere")
    with pytest.raises(ValueError):
        kg.add_node("a -> b")


def test_set_unit_attrs_updates_live_and_none_removes():
    kg = _sample()
    kg.set_unit_attrs("paris -> tricky", loss=0.9, accuracy=0.0)
    assert kg.graph.edges["paris", "tricky"]["loss"] == 0.9
    kg.set_unit_attrs("paris", loss=None)
    assert "loss" not in kg.graph.nodes["paris"]
    assert kg.unit_text("paris") == "Capital.\nOf France"


@pytest.mark.parametrize("fmt", ["parquet", "graphml"])
def test_save_load_roundtrip_exact(tmp_path, fmt):
    kg = _sample()
    kg.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edges.parquet", "graph.graphml", "nodes.parquet"]
    back = KnowledgeGraph.load(tmp_path, fmt=fmt)
    assert back.equals(kg)
    assert list(back.graph.nodes(data=True)) == list(kg.graph.nodes(data=True))
    assert back.graph.nodes["tricky"]["loss"] == 1 and type(back.graph.nodes["tricky"]["loss"]) is int
    assert back.graph.nodes["tricky"]["note"] == "line\r\nbreak\x07"
    assert back.graph.nodes["tricky"]["maybe"] is None
    assert back.graph.graph == {"built_by": "test"}


def test_graphml_is_readable_by_plain_networkx(tmp_path):
    _sample().save(tmp_path)
    g = nx.read_graphml(tmp_path / "graph.graphml")
    assert set(g.nodes) == {"paris", "tricky"}
    assert g.nodes["paris"]["entity_type"] == "LOCATION"  # plain strings stay plain


def test_parquet_columns_are_typed(tmp_path):
    _sample().save(tmp_path)
    nodes = pq.read_table(tmp_path / "nodes.parquet")
    edges = pq.read_table(tmp_path / "edges.parquet")
    assert nodes.column("id").to_pylist() == ["paris", "tricky"]
    assert nodes.column("descriptions").to_pylist() == [["Capital.", "Of France"], []]
    assert nodes.column("loss").to_pylist() == [0.25, None]  # the int loss went to `extra`
    assert edges.column("source").to_pylist() == ["paris", "tricky"]
    assert edges.column("weight").to_pylist() == [2.5, 1.0]
    kw_type = edges.schema.field("keywords").type
    assert pa.types.is_list(kw_type) and kw_type.value_type == pa.string()


@pytest.mark.parametrize("fmt", ["parquet", "graphml"])
def test_empty_and_node_only_graphs_roundtrip(tmp_path, fmt):
    empty = KnowledgeGraph()
    empty.save(tmp_path / "e")
    assert KnowledgeGraph.load(tmp_path / "e", fmt=fmt).equals(empty)
    solo = KnowledgeGraph()
    solo.add_node("x", weight=math.inf)
    solo.save(tmp_path / "s")
    back = KnowledgeGraph.load(tmp_path / "s", fmt=fmt)
    assert back.num_edges == 0 and back.graph.nodes["x"]["weight"] == math.inf


def test_to_datasets():
    nodes, edges = _sample().to_datasets()
    assert nodes.num_rows == 2 and edges.num_rows == 2
    assert nodes[0]["name"] == "Paris" and edges[0]["keywords"] == ["k1", "k 2"]
