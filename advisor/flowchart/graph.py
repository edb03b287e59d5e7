"""The essay's decision flowchart as data: three questions, four answers.

The engine walks this graph for every endpoint and the report draws it, so the order of the
questions and where each answer leads are written down once, here.
"""

from __future__ import annotations

import functools
import itertools
from collections import deque
from collections.abc import Mapping

from advisor.graphs import Digraph
from advisor.records import record

START = "waiting"
QUESTIONS: dict[str, str] = {
    "waiting": "Is someone waiting for the answer?",
    "outlasts": "Does the work outlast one HTTP request?",
    "whole": "Does the next consumer need the whole response before it can act?",
}
STRATEGY_NAMES: dict[str, str] = {
    "batch": "BATCH",
    "async-job": "ASYNC JOB",
    "sync": "SYNC",
    "stream": "STREAM",
}
STRATEGIES: dict[str, str] = {
    "batch": "BATCH: the provider's Batch API (JSONL in, JSONL out, half price, up to 24 h)",
    "async-job": "ASYNC JOB: a job id to poll, progress events, or a resumable stream",
    "sync": "SYNC: return the whole response",
    "stream": "STREAM: Server-Sent Events as the model writes",
}


@record
class Node:
    kind: str
    """`question` or `strategy`."""
    text: str


Flowchart = Digraph[Node, str]
"""Questions and strategies; each edge holds the answer that takes it (`yes` / `no`)."""


@functools.cache
def flowchart() -> Flowchart:
    graph: Flowchart = Digraph()
    for name, text in QUESTIONS.items():
        graph.add_node(name, Node("question", text))
    for name, text in STRATEGIES.items():
        graph.add_node(name, Node("strategy", text))
    graph.add_edge("waiting", "batch", "no")
    graph.add_edge("waiting", "outlasts", "yes")
    graph.add_edge("outlasts", "async-job", "yes")
    graph.add_edge("outlasts", "whole", "no")
    graph.add_edge("whole", "sync", "yes")
    graph.add_edge("whole", "stream", "no")
    return graph


@record
class Walk:
    path: tuple[str, ...]
    """Questions asked, in order, then the strategy when one was reached."""
    strategy: str | None
    decided_by: str | None
    open_question: str | None
    """The question whose unknown answer stopped the walk."""


def walk(answers: Mapping[str, str]) -> Walk:
    """Follow `answers` (question -> yes/no/unknown) from the first question."""
    graph = flowchart()
    node = START
    path = [node]
    while graph.data(node).kind == "question":
        value = answers.get(node, "unknown")
        following = [v for v, answer in graph.out_edges(node) if answer == value]
        if not following:
            return Walk(tuple(path), None, None, node)
        previous, node = node, following[0]
        path.append(node)
        if graph.data(node).kind == "strategy":
            return Walk(tuple(path), node, previous, None)
    return Walk(tuple(path), None, None, None)


def questions_on_the_way(strategy: str) -> list[tuple[str, str]]:
    """(question, answer) that lead from the start to `strategy`."""
    graph = flowchart()
    parents: dict[str, str | None] = {START: None}
    queue = deque([START])
    while queue and strategy not in parents:
        node = queue.popleft()
        for following in graph.successors(node):
            if following not in parents:
                parents[following] = node
                queue.append(following)
    route = [strategy]
    while (parent := parents[route[-1]]) is not None:
        route.append(parent)
    route.reverse()
    return [(a, graph.edge(a, b)) for a, b in itertools.pairwise(route)]
