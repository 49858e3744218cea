"""Exact save/load of a KnowledgeGraph: GraphML (interchange, e.g. Gephi) and parquet (fast, typed, HF).

Parquet: known attrs get typed columns (null = attr absent); any other attr, or a known attr whose value
has an unexpected type, goes into the `extra` column as a JSON object, so nothing is lost.
GraphML has only scalar types and cannot carry some characters: every attr key holding a non-scalar,
mixed-type or XML-unsafe value is JSON-encoded as a whole, and the list of such keys is stored in a
graph attribute, so loading decodes exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synth_hf.graph.store import KnowledgeGraph

GRAPHML_FILE = "graph.graphml"
NODES_FILE = "nodes.parquet"
EDGES_FILE = "edges.parquet"
_META_KEY = "synth_hf_meta"

_STR, _FLOAT, _INT, _BOOL, _LIST = "str", "float", "int", "bool", "list"
_ARROW = {
    _STR: pa.string(),
    _FLOAT: pa.float64(),
    _INT: pa.int64(),
    _BOOL: pa.bool_(),
    _LIST: pa.list_(pa.string()),
}
_PROBE_COLUMNS = [("loss", _FLOAT), ("accuracy", _FLOAT), ("confidence", _FLOAT), ("n_statements", _INT)]
NODE_COLUMNS: list[tuple[str, str]] = [
    ("name", _STR),
    ("entity_type", _STR),
    ("description", _STR),
    ("descriptions", _LIST),
    ("source_ids", _LIST),
    *_PROBE_COLUMNS,
    ("summarized", _BOOL),
]
EDGE_COLUMNS: list[tuple[str, str]] = [
    ("keywords", _LIST),
    ("description", _STR),
    ("descriptions", _LIST),
    ("source_ids", _LIST),
    ("weight", _FLOAT),
    *_PROBE_COLUMNS,
    ("summarized", _BOOL),
]
# Characters XML 1.0 cannot carry or that parsers normalise (\r -> \n): such strings are JSON-encoded.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\r\ud800-\udfff\ufffe\uffff]")
_XML_ID_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _fits(value: Any, kind: str) -> bool:
    if kind == _STR:
        return type(value) is str
    if kind == _FLOAT:
        return type(value) is float
    if kind == _INT:
        return type(value) is int
    if kind == _BOOL:
        return type(value) is bool
    return type(value) is list and all(type(v) is str for v in value)


def _table(rows: list[tuple[dict[str, Any], dict[str, Any]]], columns: list[tuple[str, str]]) -> pa.Table:
    """rows = (id columns, attrs)."""
    known = dict(columns)
    id_cols: dict[str, list[Any]] = {}
    data: dict[str, list[Any]] = {name: [] for name, _ in columns}
    extra: list[str | None] = []
    for ids, attrs in rows:
        for key, value in ids.items():
            id_cols.setdefault(key, []).append(value)
        leftover: dict[str, Any] = {}
        seen = set()
        for key, value in attrs.items():
            value = _plain(value)
            kind = known.get(key)
            if kind is not None and value is not None and _fits(value, kind):
                data[key].append(value)
                seen.add(key)
            else:
                leftover[key] = value
        for name, _ in columns:
            if name not in seen:
                data[name].append(None)
        extra.append(json.dumps(leftover, ensure_ascii=False, default=_plain) if leftover else None)
    arrays = {k: pa.array(v, pa.string()) for k, v in id_cols.items()}
    arrays.update({name: pa.array(data[name], _ARROW[kind]) for name, kind in columns})
    arrays["extra"] = pa.array(extra, pa.string())
    if not rows:  # keep the schema for an empty graph
        return pa.table({k: pa.array([], a.type) for k, a in arrays.items()})
    return pa.table(arrays)


def graph_to_tables(kg: KnowledgeGraph) -> tuple[pa.Table, pa.Table]:
    """(nodes, edges) arrow tables; nodes have an `id` column, edges `source`/`target`."""
    g = kg.graph
    nodes = _table([({"id": n}, a) for n, a in g.nodes(data=True)], NODE_COLUMNS)
    if g.number_of_nodes() == 0:
        nodes = _empty_with_ids(nodes, ["id"])
    edges = _table([({"source": s, "target": t}, a) for s, t, a in g.edges(data=True)], EDGE_COLUMNS)
    if g.number_of_edges() == 0:
        edges = _empty_with_ids(edges, ["source", "target"])
    return nodes, edges


def _empty_with_ids(table: pa.Table, id_cols: list[str]) -> pa.Table:
    fields = [pa.field(c, pa.string()) for c in id_cols] + [f for f in table.schema]
    return pa.schema(fields).empty_table()


def _rows_from_table(table: pa.Table, id_cols: list[str]) -> list[tuple[list[str], dict[str, Any]]]:
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    attr_names = [c for c in table.column_names if c not in id_cols and c != "extra"]
    out = []
    for i in range(table.num_rows):
        attrs = {name: cols[name][i] for name in attr_names if cols[name][i] is not None}
        if cols["extra"][i] is not None:
            attrs.update(json.loads(cols["extra"][i]))
        out.append(([cols[c][i] for c in id_cols], attrs))
    return out


def graph_from_tables(nodes: pa.Table, edges: pa.Table, graph_attrs: dict[str, Any] | None = None) -> KnowledgeGraph:
    g = nx.DiGraph()
    g.graph.update(graph_attrs or {})
    g.add_nodes_from((ids[0], attrs) for ids, attrs in _rows_from_table(nodes, ["id"]))
    g.add_edges_from((ids[0], ids[1], attrs) for ids, attrs in _rows_from_table(edges, ["source", "target"]))
    return KnowledgeGraph(g)


# ---- GraphML ---------------------------------------------------------------------------------------
def _kind(value: Any) -> str:
    if type(value) in (bool, int, float):
        return type(value).__name__
    if type(value) is str and not _XML_UNSAFE.search(value):
        return _STR
    return "json"


def _json_keys(attr_dicts: Any) -> set[str]:
    """Keys whose values are not all of one GraphML-safe scalar type."""
    kinds: dict[str, set[str]] = {}
    for attrs in attr_dicts:
        for key, value in attrs.items():
            kinds.setdefault(key, set()).add(_kind(_plain(value)))
    return {k for k, ks in kinds.items() if len(ks) > 1 or "json" in ks}


def _encode(attrs: dict[str, Any], json_keys: set[str]) -> dict[str, Any]:
    return {
        k: json.dumps(_plain(v), ensure_ascii=True, default=_plain) if k in json_keys else _plain(v)
        for k, v in attrs.items()
    }


def _decode(attrs: dict[str, Any], json_keys: set[str]) -> dict[str, Any]:
    return {k: json.loads(v) if k in json_keys else v for k, v in attrs.items()}


def write_graphml(kg: KnowledgeGraph, path: str | Path) -> None:
    g = kg.graph
    node_keys = _json_keys(a for _, a in g.nodes(data=True))
    edge_keys = _json_keys(a for _, _, a in g.edges(data=True))
    # XML attribute values lose tabs/newlines, so odd ids are JSON-encoded as a whole.
    json_ids = any(_XML_ID_UNSAFE.search(n) for n in g.nodes)
    ident = (lambda n: json.dumps(n, ensure_ascii=True)) if json_ids else (lambda n: n)
    meta = {"node_json_keys": sorted(node_keys), "edge_json_keys": sorted(edge_keys), "json_ids": json_ids,
            "graph_attrs": g.graph}
    h = nx.DiGraph()
    h.graph[_META_KEY] = json.dumps(meta, ensure_ascii=True, default=_plain)
    h.add_nodes_from((ident(n), _encode(a, node_keys)) for n, a in g.nodes(data=True))
    h.add_edges_from((ident(s), ident(t), _encode(a, edge_keys)) for s, t, a in g.edges(data=True))
    nx.write_graphml(h, str(path))


def read_graphml(path: str | Path) -> KnowledgeGraph:
    h = nx.read_graphml(str(path), node_type=str)
    meta = json.loads(h.graph.get(_META_KEY, "{}"))
    node_keys, edge_keys = set(meta.get("node_json_keys", [])), set(meta.get("edge_json_keys", []))
    ident = json.loads if meta.get("json_ids") else (lambda n: n)
    g = nx.DiGraph()
    g.graph.update(meta.get("graph_attrs", {}))
    g.add_nodes_from((ident(n), _decode(a, node_keys)) for n, a in h.nodes(data=True))
    g.add_edges_from((ident(s), ident(t), _decode(a, edge_keys)) for s, t, a in h.edges(data=True))
    return KnowledgeGraph(g)


# ---- directory layout ------------------------------------------------------------------------------
def save_graph(kg: KnowledgeGraph, directory: str | Path) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    write_graphml(kg, out / GRAPHML_FILE)
    nodes, edges = graph_to_tables(kg)
    graph_meta = {b"synth_hf_graph_attrs": json.dumps(kg.graph.graph, default=_plain).encode()}
    pq.write_table(nodes.replace_schema_metadata(graph_meta), out / NODES_FILE)
    pq.write_table(edges, out / EDGES_FILE)
    return out


def load_graph(directory: str | Path, fmt: str = "auto") -> KnowledgeGraph:
    src = Path(directory)
    has_parquet = (src / NODES_FILE).exists() and (src / EDGES_FILE).exists()
    if fmt == "auto":
        fmt = "parquet" if has_parquet else "graphml"
    if fmt == "graphml":
        return read_graphml(src / GRAPHML_FILE)
    if fmt != "parquet":
        raise ValueError(f"unknown graph format {fmt!r} (expected auto, parquet or graphml)")
    nodes = pq.read_table(src / NODES_FILE)
    edges = pq.read_table(src / EDGES_FILE)
    meta = (nodes.schema.metadata or {}).get(b"synth_hf_graph_attrs")
    return graph_from_tables(nodes, edges, json.loads(meta) if meta else None)
