"""The graph structures of advisor/graphs.py: the largest clique against every subset, and the
directed graph's order of iteration (the call graph's answers depend on it)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.graphs import Digraph, largest_clique


def _by_every_subset(size: int, adjacent: set[frozenset[int]]) -> list[int]:
    for length in range(size, 0, -1):
        for subset in itertools.combinations(range(size), length):  # in lexicographic order
            if all(frozenset(pair) in adjacent for pair in itertools.combinations(subset, 2)):
                return list(subset)
    return []


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9), st.data())
def test_the_largest_clique_is_the_earliest_of_the_largest(size: int, data: st.DataObject) -> None:
    pairs = list(itertools.combinations(range(size), 2))
    chosen = data.draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    expected = _by_every_subset(size, {frozenset(pair) for pair in chosen})
    assert largest_clique(size, chosen) == expected


def test_the_largest_clique_of_a_few_dozen_nodes_is_found() -> None:
    # two calls in the arms of one `if`, one after it, repeated: 24 nodes, cliques of 12
    size = 24
    adjacent = [(i, j) for i in range(size) for j in range(i + 1, size) if i // 2 != j // 2]
    assert largest_clique(size, adjacent) == list(range(0, size, 2))


def test_the_directed_graph_keeps_the_order_things_were_added_in() -> None:
    graph: Digraph[str, int] = Digraph()
    graph.add_node("b", "second")
    graph.add_edge("a", "c", 1)
    graph.add_edge("a", "b", 2)
    graph.add_edge("c", "b", 3)
    graph.add_edge("a", "c", 4)  # replaces the first edge's data, keeps its place
    graph.add_node("b")  # no data: changes nothing
    assert list(graph) == ["b", "a", "c"]
    assert list(graph.edges()) == [("a", "c", 4), ("a", "b", 2), ("c", "b", 3)]
    assert list(graph.successors("a")) == ["c", "b"]
    assert list(graph.predecessors("b")) == ["a", "c"]
    assert list(graph.nodes()) == [("b", "second")]
    assert graph.edge("c", "b") == 3 and "c" in graph and "d" not in graph
