"""The essay's decision flowchart as data: three questions, four answers.

The engine walks this graph for every endpoint and the report draws it, so the order of the
questions and where each answer leads are written down once, here.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

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


@functools.cache
def flowchart() -> nx.DiGraph:
    graph = nx.DiGraph()
    for name, text in QUESTIONS.items():
        graph.add_node(name, kind="question", text=text)
    for name, text in STRATEGIES.items():
        graph.add_node(name, kind="strategy", text=text)
    graph.add_edge("waiting", "batch", answer="no")
    graph.add_edge("waiting", "outlasts", answer="yes")
    graph.add_edge("outlasts", "async-job", answer="yes")
    graph.add_edge("outlasts", "whole", answer="no")
    graph.add_edge("whole", "sync", answer="yes")
    graph.add_edge("whole", "stream", answer="no")
    return graph


@dataclass(frozen=True)
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
    while graph.nodes[node]["kind"] == "question":
        value = answers.get(node, "unknown")
        following = [
            v for _, v, data in graph.out_edges(node, data=True) if data["answer"] == value
        ]
        if not following:
            return Walk(tuple(path), None, None, node)
        previous, node = node, following[0]
        path.append(node)
        if graph.nodes[node]["kind"] == "strategy":
            return Walk(tuple(path), node, previous, None)
    return Walk(tuple(path), None, None, None)


def questions_on_the_way(strategy: str) -> list[tuple[str, str]]:
    """(question, answer) that lead from the start to `strategy`."""
    graph = flowchart()
    route = nx.shortest_path(graph, START, strategy)
    return [(a, graph.edges[a, b]["answer"]) for a, b in itertools.pairwise(route)]
