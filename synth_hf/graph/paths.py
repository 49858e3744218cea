"""Multi-hop paths inside a subgraph: a multi-hop question needs a chain of >= 2 edges; check it."""

from __future__ import annotations

from synth_hf.graph.partition import Subgraph
from synth_hf.graph.store import KnowledgeGraph

Edge = tuple[str, str]
# Simple-path search is exponential in the worst case; subgraphs are small, but stay bounded anyway.
_MAX_EXPANSIONS = 50_000


def find_multihop_path(kg: KnowledgeGraph, subgraph: Subgraph, min_edges: int = 2,
                       max_edges: int = 4) -> list[Edge] | None:
    """The longest (up to `max_edges`) chain of distinct nodes over the subgraph's edges, walking edges
    in either direction but reporting each as its real (src, tgt); None if no chain has `min_edges`.
    Deterministic: starts and neighbours are tried in subgraph order, the first longest chain wins."""
    if min_edges < 1 or max_edges < min_edges:
        raise ValueError("need 1 <= min_edges <= max_edges")
    neighbours: dict[str, list[tuple[str, Edge]]] = {}
    seen_pairs: set[frozenset[str]] = set()
    for s, t in subgraph.edges:
        pair = frozenset((s, t))
        if s == t or pair in seen_pairs or not kg.graph.has_edge(s, t):
            continue  # a reverse edge adds no new chain
        seen_pairs.add(pair)
        neighbours.setdefault(s, []).append((t, (s, t)))
        neighbours.setdefault(t, []).append((s, (s, t)))
    best: list[Edge] = []
    budget = _MAX_EXPANSIONS

    def extend(node: str, on_path: set[str], path: list[Edge]) -> bool:
        """DFS; True once a max_edges chain is found (stop everything)."""
        nonlocal best, budget
        if len(path) > len(best):
            best = list(path)
            if len(best) == max_edges:
                return True
        for nxt, edge in neighbours.get(node, ()):
            if nxt in on_path:
                continue
            budget -= 1
            if budget < 0:
                return True
            on_path.add(nxt)
            path.append(edge)
            done = extend(nxt, on_path, path)
            path.pop()
            on_path.discard(nxt)
            if done:
                return True
        return False

    for start in subgraph.all_nodes():
        if start in neighbours and extend(start, {start}, []):
            break
    return best if len(best) >= min_edges else None


def path_nodes(path: list[Edge]) -> list[str]:
    """The node sequence a chain of (possibly reversed) edges walks through; [] if it is not a chain."""
    if not path:
        return []
    if len(path) == 1:
        return list(path[0])
    a, b = path[0]
    nodes = [a, b] if b in path[1] else [b, a]
    for s, t in path[1:]:
        if nodes[-1] == s:
            nodes.append(t)
        elif nodes[-1] == t:
            nodes.append(s)
        else:
            return []
    return nodes


def is_valid_multihop_path(kg: KnowledgeGraph, path: list[Edge], min_edges: int = 2) -> tuple[bool, str]:
    """(True, "ok") or (False, reason) with reason one of: too short, edge not in graph, disconnected,
    repeated node."""
    if len(path) < min_edges:
        return False, f"too short: {len(path)} edge(s), need >= {min_edges}"
    for s, t in path:
        if not kg.graph.has_edge(s, t):
            return False, f"edge not in graph: {s} -> {t}"
    if len(path) == 1:
        return True, "ok"
    a, b = path[0]
    nodes = [a, b] if b in path[1] else [b, a]
    for i, (s, t) in enumerate(path[1:], start=1):
        if nodes[-1] == s:
            nodes.append(t)
        elif nodes[-1] == t:
            nodes.append(s)
        else:
            return False, f"disconnected: edge {i} ({s} -> {t}) does not touch {nodes[-1]}"
    seen: set[str] = set()
    for node in nodes:
        if node in seen:
            return False, f"repeated node: {node}"
        seen.add(node)
    return True, "ok"
