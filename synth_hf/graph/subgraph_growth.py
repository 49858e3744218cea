"""Index-based subgraph growth shared by every partition method (the hot loop of `partition`).

Units are integers: node i -> i, edge e -> N + e. The unit graph is bipartite: a node touches its
incident edges (either direction), an edge touches its two endpoints. Hops: the seed is at hop 0; an
edge reached from a node at hop h is at hop h + 1; an edge's endpoints share the edge's hop. So with a
node seed and max_hops=k every node is within k edges of the seed, and with an edge seed within k edges
of one of its endpoints.

Frontiers hold *streams* (a node's incident edges, an edge's endpoints) that are read lazily, so a hub
with 10^4 edges costs only what is actually taken from it. In exclusive mode units committed to an
earlier subgraph are never taken again; committed nodes stay traversable (they connect the rest), and
committed edges are swapped to the front of each adjacency list once, so later scans skip them in O(1).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

FIFO, LIFO, PRIORITY = "fifo", "lifo", "priority"


@dataclass
class UnitIndex:
    n_nodes: int
    adj: list[list[int]]  # node -> incident edge *unit* ids
    ends: list[tuple[int, int]]  # edge e -> (src node, tgt node)
    degree0: list[bool]  # isolated in the full graph


def build_index(n_nodes: int, src: list[int], tgt: list[int]) -> UnitIndex:
    adj: list[list[int]] = [[] for _ in range(n_nodes)]
    unit = n_nodes
    for s, t in zip(src, tgt):
        adj[s].append(unit)
        if t != s:
            adj[t].append(unit)
        unit += 1
    return UnitIndex(n_nodes, adj, list(zip(src, tgt)), [not a for a in adj])


class Grower:
    """Grows one subgraph per call; keeps the claimed/covered state between calls."""

    def __init__(self, index: UnitIndex, *, mode: str, exclusive: bool, max_units: int, max_hops: int,
                 rank: list[int] | None, max_tokens: int | None,
                 unit_tokens: Callable[[int], int] | None, domain: list[int] | None) -> None:
        self.idx = index
        self.mode = mode
        self.exclusive = exclusive
        self.max_units = max_units
        self.max_hops = max_hops
        self.rank = rank
        self.max_tokens = max_tokens
        self.unit_tokens = unit_tokens
        self.domain = domain  # unit -> community id (louvain), None = whole graph
        n_units = index.n_nodes + len(index.ends)
        self.claimed = bytearray(n_units)  # committed to a kept subgraph
        self.head = [0] * index.n_nodes  # adj[n][:head[n]] are committed edges
        # Swapping committed edges forward reorders adjacency, which a priority-sorted list cannot afford.
        self.swap = exclusive and mode != PRIORITY
        if mode == PRIORITY:
            assert rank is not None
            for lst in index.adj:
                lst.sort(key=rank.__getitem__)

    def _peek(self, stream: list, seen: set[int]) -> int:
        """Next usable unit of a stream without consuming it, or -1."""
        lst, pos, _, node = stream
        claimed = self.claimed
        n = len(lst)
        while pos < n:
            u = lst[pos]
            if node >= 0 and self.exclusive and claimed[u]:
                h = self.head[node]
                if self.swap:
                    lst[pos] = lst[h]
                    lst[h] = u
                    self.head[node] = h + 1
                elif pos == h:
                    self.head[node] = h + 1
            elif u not in seen:
                stream[1] = pos
                return u
            pos += 1
        stream[1] = pos
        return -1

    def _expand(self, unit: int, hop: int, push: Callable[[list], None]) -> None:
        n_nodes = self.idx.n_nodes
        if unit < n_nodes:
            if hop < self.max_hops:
                push([self.idx.adj[unit], self.head[unit] if self.exclusive else 0, hop + 1, unit])
        else:
            s, t = self.idx.ends[unit - n_nodes]
            pair = [s] if s == t else [s, t]
            if self.mode == PRIORITY and len(pair) == 2 and self.rank[t] < self.rank[s]:
                pair.reverse()
            push([pair, 0, hop, -1])

    def grow(self, seed: int) -> tuple[list[int], bool]:
        """(units in inclusion order, seed_fits_token_budget). Commits nothing."""
        tokens = self.unit_tokens
        max_tokens = self.max_tokens
        used = 0
        if max_tokens is not None:
            used = tokens(seed)
            if used > max_tokens:
                return [seed], False
        included = [seed]
        seen = {seed}
        if len(included) >= self.max_units:
            return included, True
        exclusive, claimed, domain = self.exclusive, self.claimed, self.domain
        home = domain[seed] if domain is not None else None
        max_units = self.max_units
        peek = self._peek
        rank = self.rank
        heap: list = []
        counter = 0
        frontier: deque[list] | list[list]

        if self.mode == PRIORITY:
            def push(stream: list) -> None:
                nonlocal counter
                u = peek(stream, seen)
                if u >= 0:
                    counter += 1
                    heapq.heappush(heap, (rank[u], counter, stream))
        else:
            frontier = deque() if self.mode == FIFO else []
            push = frontier.append

        self._expand(seed, 0, push)
        while len(included) < max_units:
            # ---- take the next candidate unit from the frontier
            if self.mode == PRIORITY:
                if not heap:
                    break
                key, _, stream = heapq.heappop(heap)
                u = peek(stream, seen)
                if u < 0:
                    continue
                if rank[u] != key:  # its head was taken via another stream: re-key lazily
                    push(stream)
                    continue
                stream[1] += 1
                push(stream)
            else:
                if not frontier:
                    break
                stream = frontier[0] if self.mode == FIFO else frontier[-1]
                u = peek(stream, seen)
                if u < 0:
                    if self.mode == FIFO:
                        frontier.popleft()
                    else:
                        frontier.pop()
                    continue
                stream[1] += 1
            hop = stream[2]
            seen.add(u)
            # ---- decide what to do with it
            if home is not None and domain[u] != home:
                continue
            if exclusive and claimed[u]:  # only nodes get here: pass through, do not take
                self._expand(u, hop, push)
                continue
            if max_tokens is not None:
                cost = tokens(u)
                if used + cost > max_tokens:
                    continue
                used += cost
            included.append(u)
            self._expand(u, hop, push)
        return included, True

    def commit(self, units: list[int]) -> None:
        for u in units:
            self.claimed[u] = 1

    def is_node(self, unit: int) -> bool:
        return unit < self.idx.n_nodes
