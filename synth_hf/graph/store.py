"""The GraphGen knowledge graph: a `networkx.DiGraph` plus the unit-id conventions the pipeline uses.

A *unit* is what the trainee gets quizzed on and what partitions are made of: every node and every edge.
Node unit id = node id (a normalized entity name); edge unit id = `edge_id(src, tgt)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

EDGE_SEP = " -> "
NODE_KIND = "node"
EDGE_KIND = "edge"
# Attributes written by the trainee probe (see calibration.apply_unit_scores).
PROBE_ATTRS: tuple[str, ...] = ("loss", "accuracy", "confidence", "n_statements")
NODE_ATTRS: tuple[str, ...] = ("name", "entity_type", "description", "descriptions", "source_ids")
EDGE_ATTRS: tuple[str, ...] = ("keywords", "description", "descriptions", "source_ids", "weight")


def edge_id(src: str, tgt: str) -> str:
    """Stable unit id of the directed edge src -> tgt."""
    return f"{src}{EDGE_SEP}{tgt}"


def parse_edge_id(unit_id: str) -> tuple[str, str]:
    """Inverse of `edge_id`. Node ids never contain EDGE_SEP, so the first occurrence splits exactly."""
    src, sep, tgt = unit_id.partition(EDGE_SEP)
    if not sep:
        raise KeyError(f"not an edge unit id: {unit_id!r}")
    return src, tgt


def _check_node_id(node_id: str) -> None:
    if not isinstance(node_id, str):
        raise TypeError(f"node ids must be str, got {type(node_id).__name__}")
    if EDGE_SEP in node_id:
        # Otherwise a node id could be mistaken for an edge unit id.
        raise ValueError(f"node id {node_id!r} contains the edge separator {EDGE_SEP!r}")


class KnowledgeGraph:
    """Directed knowledge graph with node and edge *units*; attrs live on the wrapped DiGraph."""

    def __init__(self, graph: nx.DiGraph | None = None) -> None:
        if graph is None:
            graph = nx.DiGraph()
        elif not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
            raise TypeError("KnowledgeGraph wraps a networkx.DiGraph")
        for node in graph.nodes:
            _check_node_id(node)
        self.graph: nx.DiGraph = graph

    # ---- construction -------------------------------------------------------------------------
    def add_node(self, node_id: str, **attrs: Any) -> None:
        _check_node_id(node_id)
        self.graph.add_node(node_id, **attrs)

    def add_edge(self, src: str, tgt: str, **attrs: Any) -> None:
        for node in (src, tgt):
            if node not in self.graph:
                self.add_node(node)
        self.graph.add_edge(src, tgt, **attrs)

    # ---- sizes and ids ------------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def num_edges(self) -> int:
        return self.graph.number_of_edges()

    @property
    def num_units(self) -> int:
        return self.num_nodes + self.num_edges

    def node_ids(self) -> list[str]:
        return list(self.graph.nodes)

    def edges(self) -> list[tuple[str, str]]:
        """Edges as (src, tgt) pairs, in graph order."""
        return list(self.graph.edges)

    def edge_ids(self) -> list[str]:
        return [edge_id(s, t) for s, t in self.graph.edges]

    def unit_ids(self) -> list[str]:
        """All unit ids: nodes first, then edges."""
        return self.node_ids() + self.edge_ids()

    def units(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(unit_id, live attrs dict) for every node, then every edge."""
        yield from self.graph.nodes(data=True)
        for s, t, attrs in self.graph.edges(data=True):
            yield edge_id(s, t), attrs

    # ---- unit access --------------------------------------------------------------------------
    def is_edge_unit(self, unit_id: str) -> bool:
        if unit_id in self.graph:
            return False
        src, sep, tgt = unit_id.partition(EDGE_SEP)
        return bool(sep) and self.graph.has_edge(src, tgt)

    def unit_kind(self, unit_id: str) -> str:
        if unit_id in self.graph:
            return NODE_KIND
        if self.is_edge_unit(unit_id):
            return EDGE_KIND
        raise KeyError(f"unknown unit {unit_id!r}")

    def has_unit(self, unit_id: str) -> bool:
        return unit_id in self.graph or self.is_edge_unit(unit_id)

    def edge_endpoints(self, unit_id: str) -> tuple[str, str]:
        src, tgt = parse_edge_id(unit_id)
        if not self.graph.has_edge(src, tgt):
            raise KeyError(f"unknown edge unit {unit_id!r}")
        return src, tgt

    def get_unit(self, unit_id: str) -> dict[str, Any]:
        """The live attribute dict of a node or edge unit (mutations are visible in the graph)."""
        if unit_id in self.graph:
            return self.graph.nodes[unit_id]
        src, tgt = self.edge_endpoints(unit_id)
        return self.graph.edges[src, tgt]

    def set_unit_attrs(self, unit_id: str, **attrs: Any) -> None:
        """Update a unit's attrs; a value of None removes the attr (so saved graphs round-trip exactly)."""
        data = self.get_unit(unit_id)
        for key, value in attrs.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value

    def unit_text(self, unit_id: str) -> str:
        """The description a unit contributes to prompts and token budgets."""
        data = self.get_unit(unit_id)
        text = data.get("description")
        if text is None:
            text = "\n".join(data.get("descriptions", ()))
        return text

    # ---- comparison / persistence -------------------------------------------------------------
    def equals(self, other: KnowledgeGraph) -> bool:
        """Same nodes and edges in the same order with equal attrs (what save/load must preserve)."""
        g, h = self.graph, other.graph
        return (
            list(g.nodes(data=True)) == list(h.nodes(data=True))
            and list(g.edges(data=True)) == list(h.edges(data=True))
            and g.graph == h.graph
        )

    def save(self, directory: str | Path) -> Path:
        """Write graph.graphml, nodes.parquet and edges.parquet under `directory`."""
        from synth_hf.graph.store_io import save_graph

        return save_graph(self, directory)

    @classmethod
    def load(cls, directory: str | Path, fmt: str = "auto") -> KnowledgeGraph:
        """Load a saved graph; `fmt` is "parquet", "graphml" or "auto" (parquet when present: faster)."""
        from synth_hf.graph.store_io import load_graph

        return load_graph(directory, fmt)

    def to_datasets(self) -> tuple[Any, Any]:
        """(nodes, edges) as Hugging Face `datasets.Dataset`s with the parquet schema."""
        import datasets

        from synth_hf.graph.store_io import graph_to_tables

        nodes, edges = graph_to_tables(self)
        return datasets.Dataset(nodes), datasets.Dataset(edges)

    def __repr__(self) -> str:
        return f"KnowledgeGraph(num_nodes={self.num_nodes}, num_edges={self.num_edges})"
