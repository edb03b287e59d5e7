"""What one request does: the code a route handler runs, through the project's call graph.

The model calls, streaming responses, per-item loops and hand-offs to workers in the handler
and in every function it calls (to a bounded depth; work enqueued for a worker is not part of
the request), and which of the model calls run one after another: calls in different arms of
one `if` or `try` are alternatives, not a chain.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from advisor.facts.python.branches import Branch, exclusive
from advisor.graphs import largest_clique
from advisor.model import (
    Edge,
    Fact,
    LlmCall,
    LlmCallLoop,
    ResponseConstruction,
    StreamConsumption,
)
from advisor.project.callgraph import MAX_DEPTH, CallGraph
from advisor.records import record

GENERATING = frozenset({"chat", "completion"})
MODEL_WORK = frozenset({"chat", "completion", "embeddings", "batch-submit", "fan-out"})
MAX_CHAIN_CALLS = 24
"""Above this many call sites the longest chain is not searched (reported as unknown)."""

Route = tuple[tuple[str, Branch], ...]
"""(function, the arms its next step sits in) from the handler to a place."""


@record
class Handoff:
    caller: str
    task: str


@record
class RequestWork:
    handler: str
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
        self._successors: dict[str, list[tuple[str, Branch]]] | None = None
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
        reached = _HandlerReach(self, self.handler_symbols(handler))
        # the functions with facts are few, the functions reached thousands: ask about those
        with_facts = sorted(symbol for symbol in self._by_function if reached.reaches(symbol))
        facts = [f for symbol in with_facts for f in self._by_function[symbol]]
        calls = tuple(f for f in facts if isinstance(f, LlmCall))
        generating = tuple(c for c in calls if c.api_kind in GENERATING)
        chain, known = self._chain(generating, reached)
        handed: list[tuple[Handoff, tuple[LlmCall, ...]]] = []
        for caller in sorted(c for c in self.graph.handoffs if reached.reaches(c)):
            for task in sorted(self.graph.handoffs[caller]):
                beyond = sorted(
                    symbol
                    for symbol in self._reach(task)
                    if symbol in self._by_function and not reached.reaches(symbol)
                )
                found = tuple(
                    f
                    for symbol in beyond
                    for f in self._by_function[symbol]
                    if isinstance(f, LlmCall) and f.api_kind in MODEL_WORK
                )
                handed.append((Handoff(caller, task), found))
        # Work handed over without model calls (cleanup, notifications) is not the answer.
        handoffs = tuple(handoff for handoff, found in handed if found)
        job_calls = tuple(call for _, found in handed for call in found)
        return RequestWork(
            handler=handler,
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

    def _reach(self, start: str) -> _Parents:
        """Breadth-first from `start` (to a bounded depth): every function reached, with the
        function it was first called from and the arms that call sits in. A handler of a large
        project reaches thousands of functions, so routes are not copied per function."""
        successors = self._successor_lists()
        parents: _Parents = {start: None}
        queue = deque([(start, 0)])
        while queue:
            node, depth = queue.popleft()
            if depth >= MAX_DEPTH:
                continue
            for successor, branch in successors.get(node, ()):
                if successor not in parents:
                    parents[successor] = (node, branch)
                    queue.append((successor, depth + 1))
        return parents

    def _successor_lists(self) -> dict[str, list[tuple[str, Branch]]]:
        """The call graph as sorted successor lists, each with the arms of its first call site
        (read once)."""
        if self._successors is None:
            graph = self.graph.graph
            self._successors = {
                node: [
                    (successor, _first_branch(graph.edge(node, successor).sites))
                    for successor in sorted(graph.successors(node))
                ]
                for node in graph
            }
        return self._successors

    def _chain(
        self, calls: tuple[LlmCall, ...], reached: _HandlerReach
    ) -> tuple[tuple[LlmCall, ...], bool]:
        if len(calls) <= 1:
            return calls, True
        if len(calls) > MAX_CHAIN_CALLS:
            return (), False
        placed = []
        for call in calls:
            symbol = self.graph.symbol_of_fact(call)
            parents = reached.parents_of(symbol) if symbol is not None else None
            route = _route(parents, symbol) if parents is not None and symbol else ()
            placed.append((call, (*route, (symbol or "", call.branch))))
        together = [
            (i, j)
            for i in range(len(placed))
            for j in range(i + 1, len(placed))
            if _both_run(placed[i][1], placed[j][1])
        ]
        chosen = largest_clique(len(placed), together)
        ordered = sorted((placed[i][0] for i in chosen), key=_position)
        return tuple(ordered), True


_Parents = dict[str, tuple[str, Branch] | None]


class _HandlerReach:
    """The functions a handler's request runs: those its symbols reach (a class-based view has
    several, tried in order). Whether one is reached is read from the call graph's reach of
    its entries; the breadth-first parents that give a route are searched only when a route is
    needed."""

    def __init__(self, finder: WorkFinder, starts: list[str]) -> None:
        self.finder = finder
        self.starts = starts
        self._parents: dict[int, _Parents] = {}

    def _first(self, symbol: str) -> int | None:
        for index, start in enumerate(self.starts):
            known = self.finder.graph.reached_from(start, symbol)
            if known is None:  # not an entry of the call graph: searched
                known = symbol in self._search(index)
            if known:
                return index
        return None

    def _search(self, index: int) -> _Parents:
        if index not in self._parents:
            self._parents[index] = self.finder._reach(self.starts[index])
        return self._parents[index]

    def reaches(self, symbol: str) -> bool:
        return self._first(symbol) is not None

    def parents_of(self, symbol: str) -> _Parents | None:
        """The breadth-first parents of the first handler symbol that reaches `symbol`."""
        index = self._first(symbol)
        return None if index is None else self._search(index)


def _route(parents: _Parents, symbol: str) -> Route:
    """The shortest call route from the start of `parents` to `symbol`."""
    steps = []
    step = parents[symbol]
    while step is not None:
        steps.append(step)
        step = parents[step[0]]
    return tuple(reversed(steps))


def _first_branch(sites: list[Edge]) -> Branch:
    return sites[0].branch if sites else ()


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
