"""What one request does: the code a route handler runs, through the project's call graph.

The model calls, streaming responses, per-item loops and hand-offs to workers in the handler
and in every function it calls (to a bounded depth; work enqueued for a worker is not part of
the request), and which of the model calls run one after another: calls in different arms of
one `if` or `try` are alternatives, not a chain.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from advisor.facts.python.branches import Branch, exclusive
from advisor.model import (
    Edge,
    Fact,
    LlmCall,
    LlmCallLoop,
    ResponseConstruction,
    StreamConsumption,
)
from advisor.project.callgraph import MAX_DEPTH, CallGraph

GENERATING = frozenset({"chat", "completion"})
MODEL_WORK = frozenset({"chat", "completion", "embeddings", "batch-submit", "fan-out"})
MAX_CHAIN_CALLS = 24
"""Above this many call sites the longest chain is not searched (reported as unknown)."""

Route = tuple[tuple[str, Branch], ...]
"""(function, the arms its next step sits in) from the handler to a place."""


@dataclass(frozen=True)
class Handoff:
    caller: str
    task: str


@dataclass(frozen=True)
class RequestWork:
    handler: str
    functions: frozenset[str]
    calls: tuple[LlmCall, ...]
    generating: tuple[LlmCall, ...]
    chain: tuple[LlmCall, ...]
    """The longest set of generating calls that all run in one request, in source order."""
    chain_known: bool
    loops: tuple[LlmCallLoop, ...]
    responses: tuple[ResponseConstruction, ...]
    consumptions: tuple[StreamConsumption, ...]
    handoffs: tuple[Handoff, ...]
    """Work handed to workers (`task.delay()`, `BackgroundTasks`) that calls a model: the
    answer is produced outside the request. Hand-offs that call no model are left out."""
    job_calls: tuple[LlmCall, ...] = ()
    """The model calls of that work."""


class WorkFinder:
    """Answers "what does this handler's request do" for every handler of the project."""

    def __init__(self, graph: CallGraph, facts: Sequence[Fact]) -> None:
        self.graph = graph
        self._by_function: dict[str, list[Fact]] = {}
        for fact in facts:
            if isinstance(fact, LlmCall | LlmCallLoop | ResponseConstruction | StreamConsumption):
                symbol = graph.symbol_of_fact(fact)
                if symbol is not None:
                    self._by_function.setdefault(symbol, []).append(fact)

    def handler_symbols(self, handler: str) -> list[str]:
        found = self.graph.index.canonical(handler)
        if found is not None and found in self.graph.graph:
            return [found]
        return sorted(self.graph.index.methods_of(handler))

    def work(self, handler: str) -> RequestWork:
        routes: dict[str, Route] = {}
        for start in self.handler_symbols(handler):
            routes.update((k, v) for k, v in self._routes(start).items() if k not in routes)
        facts = [f for symbol in sorted(routes) for f in self._by_function.get(symbol, [])]
        calls = tuple(f for f in facts if isinstance(f, LlmCall))
        generating = tuple(c for c in calls if c.api_kind in GENERATING)
        chain, known = self._chain(generating, routes)
        handed: list[tuple[Handoff, tuple[LlmCall, ...]]] = []
        for caller in sorted(routes):
            if caller not in self.graph.handoffs:
                continue
            for task in sorted(self.graph.handoffs.successors(caller)):
                reached = sorted(set(self._routes(task)) - set(routes))
                found = tuple(
                    f
                    for symbol in reached
                    for f in self._by_function.get(symbol, [])
                    if isinstance(f, LlmCall) and f.api_kind in MODEL_WORK
                )
                handed.append((Handoff(caller, task), found))
        # Work handed over without model calls (cleanup, notifications) is not the answer.
        handoffs = tuple(handoff for handoff, found in handed if found)
        job_calls = tuple(call for _, found in handed for call in found)
        return RequestWork(
            handler=handler,
            functions=frozenset(routes),
            calls=calls,
            generating=generating,
            chain=chain,
            chain_known=known,
            loops=tuple(f for f in facts if isinstance(f, LlmCallLoop)),
            responses=tuple(f for f in facts if isinstance(f, ResponseConstruction)),
            consumptions=tuple(f for f in facts if isinstance(f, StreamConsumption)),
            handoffs=handoffs,
            job_calls=job_calls,
        )

    def _routes(self, start: str) -> dict[str, Route]:
        """The shortest call route from the handler to each function it reaches."""
        graph = self.graph.graph
        routes: dict[str, Route] = {start: ()}
        queue = deque([(start, 0)])
        while queue:
            node, depth = queue.popleft()
            if depth >= MAX_DEPTH or node not in graph:
                continue
            for successor in sorted(graph.successors(node)):
                if successor in routes:
                    continue
                sites: list[Edge] = graph.edges[node, successor]["sites"]
                branch = sites[0].branch if sites else ()
                routes[successor] = (*routes[node], (node, branch))
                queue.append((successor, depth + 1))
        return routes

    def _chain(
        self, calls: tuple[LlmCall, ...], routes: dict[str, Route]
    ) -> tuple[tuple[LlmCall, ...], bool]:
        if len(calls) <= 1:
            return calls, True
        if len(calls) > MAX_CHAIN_CALLS:
            return (), False
        placed = []
        for call in calls:
            symbol = self.graph.symbol_of_fact(call)
            route = routes.get(symbol or "", ())
            placed.append((call, (*route, (symbol or "", call.branch))))
        together = nx.Graph()
        together.add_nodes_from(range(len(placed)))
        for i in range(len(placed)):
            for j in range(i + 1, len(placed)):
                if _both_run(placed[i][1], placed[j][1]):
                    together.add_edge(i, j)
        best = max(nx.find_cliques(together), key=lambda c: (len(c), [-i for i in c]))
        chosen = sorted(best)
        ordered = sorted((placed[i][0] for i in chosen), key=_position)
        return tuple(ordered), True


def _both_run(first: Route, second: Route) -> bool:
    """Whether two places reached from the handler both run in one request: at the first
    function where their routes part, they must not sit in different arms of one statement."""
    for (f1, b1), (f2, b2) in zip(first, second, strict=False):
        if f1 != f2:
            return True  # different functions were entered from the same place: both run
        if exclusive(b1, b2):
            return False
        if b1 != b2:
            return True
    return True


def _position(call: LlmCall) -> tuple[str, int, int]:
    location = call.evidence.location
    return (location.path, location.line, location.column)
