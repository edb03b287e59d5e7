"""The two small graph structures the advisor needs: a directed graph with data on its nodes and
edges (the call graph, the flowchart), and the largest clique of a small undirected graph.

networkx did this before; importing it cost 0.2-0.3 s of every run that analyses anything (a
quarter of a cold check of a project without LLM code), for a dictionary of successors and
one search over at most a few dozen nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

N = TypeVar("N")
E = TypeVar("E")


class Digraph(Generic[N, E]):
    """Nodes with data, and at most one edge with data from one node to another. Nodes,
    successors and edges are iterated in the order they were added."""

    def __init__(self) -> None:
        self._nodes: dict[str, N | None] = {}
        self._successors: dict[str, dict[str, E]] = {}
        self._predecessors: dict[str, dict[str, None]] = {}

    def add_node(self, node: str, data: N | None = None) -> None:
        """Adds `node`, or replaces its data when `data` is given."""
        if node not in self._nodes:
            self._nodes[node] = data
            self._successors[node] = {}
            self._predecessors[node] = {}
        elif data is not None:
            self._nodes[node] = data

    def add_edge(self, source: str, target: str, data: E) -> None:
        """Adds the edge (and its nodes), or replaces its data."""
        self.add_node(source)
        self.add_node(target)
        self._successors[source][target] = data
        self._predecessors[target][source] = None

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def data(self, node: str) -> N:
        found = self._nodes[node]
        assert found is not None, f"{node} has no data"
        return found

    def nodes(self) -> Iterator[tuple[str, N]]:
        """(node, data) of the nodes that have data."""
        for node, data in self._nodes.items():
            if data is not None:
                yield node, data

    def successors(self, node: str) -> Iterable[str]:
        return self._successors[node].keys()

    def predecessors(self, node: str) -> Iterable[str]:
        return self._predecessors[node].keys()

    def edge(self, source: str, target: str) -> E:
        return self._successors[source][target]

    def out_edges(self, node: str) -> Iterator[tuple[str, E]]:
        """(target, data) of the edges that leave `node`."""
        yield from self._successors[node].items()

    def edges(self) -> Iterator[tuple[str, str, E]]:
        for source, targets in self._successors.items():
            for target, data in targets.items():
                yield source, target, data


def largest_clique(size: int, adjacent: Iterable[tuple[int, int]]) -> list[int]:
    """The largest set of the nodes 0..size-1 that are all adjacent to each other, in order;
    among the largest, the one that comes first when their sorted nodes are compared (the
    earliest nodes). Exhaustive (Bron-Kerbosch with a pivot, on bit sets): meant for a few
    dozen nodes."""
    if size <= 0:
        return []
    neighbours = [0] * size
    for a, b in adjacent:
        if a != b:
            neighbours[a] |= 1 << b
            neighbours[b] |= 1 << a
    best: list[int] = []

    def better(found: list[int]) -> bool:
        return len(found) > len(best) or (len(found) == len(best) and found < best)

    def search(clique: list[int], candidates: int, excluded: int) -> None:
        nonlocal best
        if not candidates and not excluded:
            found = sorted(clique)
            if better(found):
                best = found
            return
        if len(clique) + candidates.bit_count() < len(best):
            return  # cannot grow past the best one
        pivot_pool = candidates | excluded
        pivot = max(_members(pivot_pool), key=lambda n: (candidates & neighbours[n]).bit_count())
        for node in _members(candidates & ~neighbours[pivot]):
            search([*clique, node], candidates & neighbours[node], excluded & neighbours[node])
            candidates &= ~(1 << node)
            excluded |= 1 << node

    search([], (1 << size) - 1, 0)
    return best


def _members(bits: int) -> Iterator[int]:
    node = 0
    while bits:
        if bits & 1:
            yield node
        bits >>= 1
        node += 1
