"""The project call graph (networkx) and who reaches each function.

Entry points are route handlers (someone waits) and scripts, CLI commands, task workers,
schedulers and background tasks (nobody waits in a request). Reach is computed by breadth-first
search from each entry, to a bounded depth, cycles being harmless. A function reached from a
handler is user-facing even if a script also calls it; one reached only from offline entries is
not; one reached from nothing known stays unknown, and rules that need the answer stay silent.

Work a handler hands to a worker (`task.delay()`, `queue.enqueue(f)`, `BackgroundTasks`) is not
in the request, but the route that enqueued it is remembered (`jobs_for`): someone may be
waiting for that job's result, which matters to the Batch API advice.

Model calls made once per item of a collection are found here too, because the loop and the
call are often in different functions: a script's `for row in rows: label(row)` and the
`client.chat.completions.create` inside `label` in another module.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from advisor.model import Edge, Evidence, Fact, Hop, LlmCall, LlmCallLoop, Reach, RouteHandler
from advisor.project.symbols import ProjectIndex

MAX_DEPTH = 12
REPEATING_LOOPS = frozenset({"for", "comprehension", "fan-out"})


@dataclass
class _Reached:
    kinds: set[str] = field(default_factory=set)
    endpoints: set[str] = field(default_factory=set)
    jobs_for: set[str] = field(default_factory=set)
    trail: tuple[str, ...] | None = None
    """Symbols from the entry to here, shortest from a handler if any."""
    trail_from_handler: bool = False


class CallGraph:
    def __init__(self, index: ProjectIndex, facts: Sequence[Fact]) -> None:
        self.index = index
        self.graph: nx.DiGraph = nx.DiGraph()
        """Calls between the project's functions: each edge keeps its call sites (`sites`) and,
        among them, those that repeat once per item (`loops`)."""
        self.handoffs: nx.DiGraph = nx.DiGraph()
        """Functions enqueued for a worker by a caller."""
        for defined in index.functions():
            self.graph.add_node(defined.function.symbol)
        for summary in index.summaries:
            if summary.module is None:
                continue
            for edge in summary.module.edges:
                self._add(edge)
        self.entries: list[tuple[str, str, str | None]] = []
        """(symbol, kind, endpoint label)"""
        for fact in facts:
            if isinstance(fact, RouteHandler):
                label = endpoint_label(fact)
                for symbol in self._handler_symbols(fact.handler):
                    self.entries.append((symbol, "handler", label))
        for summary in index.summaries:
            if summary.module is None:
                continue
            for function in summary.module.functions:
                if function.entry:
                    self.entries.append((function.symbol, function.entry, None))
            for entry in summary.module.entries:
                target = index.canonical(entry.symbol)
                if target is not None and target in self.graph:
                    self.entries.append((target, entry.kind, None))
        # sorted once: every entry point's search reads them, and on a large project that is
        # thousands of searches over thousands of functions
        self._successors = {node: sorted(self.graph.successors(node)) for node in self.graph}
        self.reached = self._reach()

    def _add(self, edge: Edge) -> None:
        found = self.index.canonical(edge.callee)
        if found is None or found not in self.graph or edge.caller not in self.graph:
            return
        if edge.handoff:
            self.handoffs.add_edge(edge.caller, found)
            return
        data = self.graph.get_edge_data(edge.caller, found)
        if data is None:
            self.graph.add_edge(edge.caller, found, loops=[], sites=[])
            data = self.graph.get_edge_data(edge.caller, found)
        data["sites"].append(edge)
        if edge.loop in REPEATING_LOOPS:
            data["loops"].append(edge)

    def _handler_symbols(self, handler: str) -> list[str]:
        found = self.index.canonical(handler)
        if found is not None and found in self.graph:
            return [found]
        return list(self.index.methods_of(handler))  # a class-based view: all its methods

    def _reach(self) -> dict[str, _Reached]:
        reached: dict[str, _Reached] = {}
        ordered = sorted(self.entries, key=lambda e: (e[1] != "handler", e[0], e[2] or ""))
        jobs: list[tuple[str, str]] = []
        for symbol, kind, endpoint in ordered:
            visited = self._walk(symbol, reached, kind, endpoint)
            if kind == "handler" and endpoint:
                jobs.extend(
                    (task, endpoint)
                    for node in visited
                    if node in self.handoffs
                    for task in self.handoffs.successors(node)
                )
        for task, endpoint in sorted(set(jobs)):
            for node in self._bfs(task):
                reached.setdefault(node, _Reached()).jobs_for.add(endpoint)
        return reached

    def _walk(
        self, symbol: str, reached: dict[str, _Reached], kind: str, endpoint: str | None
    ) -> list[str]:
        parents: dict[str, str | None] = {symbol: None}
        order = self._bfs(symbol, parents)
        for node in order:
            state = reached.setdefault(node, _Reached())
            state.kinds.add(kind)
            if endpoint:
                state.endpoints.add(endpoint)
            if state.trail is None or (kind == "handler" and not state.trail_from_handler):
                state.trail = _path(parents, node)
                state.trail_from_handler = kind == "handler"
        return order

    def _bfs(self, start: str, parents: dict[str, str | None] | None = None) -> list[str]:
        """Functions reachable from `start` by calls, nearest first, to MAX_DEPTH."""
        parents = {start: None} if parents is None else parents
        order: list[str] = []
        queue = deque([(start, 0)])
        while queue:
            node, depth = queue.popleft()
            order.append(node)
            if depth >= MAX_DEPTH:
                continue
            for successor in self._successors.get(node, ()):
                if successor not in parents:
                    parents[successor] = node
                    queue.append((successor, depth + 1))
        return order

    def reach_of(self, symbol: str) -> Reach | None:
        state = self.reached.get(symbol)
        if state is None:
            return None
        return Reach(
            user_facing="handler" in state.kinds,
            entries=tuple(sorted(state.kinds)),
            endpoints=tuple(sorted(state.endpoints)),
            jobs_for=tuple(sorted(state.jobs_for)),
        )

    def enrich(self, fact: Fact) -> Fact:
        """The fact with `reach` filled in (and its evidence's trail), if it has one."""
        if not any(f.name == "reach" for f in dataclasses.fields(fact)):
            return fact
        symbol = self.symbol_of_fact(fact)
        if symbol is None:
            return fact
        reach = self.reach_of(symbol)
        if reach is None:
            return fact
        changes: dict[str, Any] = {"reach": reach}
        state = self.reached[symbol]
        if state.trail and (len(state.trail) > 1 or fact.evidence.trail):
            labels = self._labels(state.trail, state.endpoints, bool(reach.user_facing))
            if fact.evidence.trail:  # a path from here onwards: join it to the way here
                labels = (*labels[:-1], *fact.evidence.trail)
            changes["evidence"] = dataclasses.replace(fact.evidence, trail=labels)
        return dataclasses.replace(fact, **changes)

    def symbol_of_fact(self, fact: Fact) -> str | None:
        """The function (call-graph node) whose code the fact was seen in."""
        module = self.index.module_of_path.get(fact.evidence.location.path)
        if module is None:
            return None
        function = fact.evidence.function
        return f"{module}.{function}" if function else module

    def call_loops(self, calls: Iterable[LlmCall]) -> list[LlmCallLoop]:
        """Model calls made once per item: in the loop itself, or in a function the loop calls.

        Only the innermost repetition is reported: when the path from a loop to the model call
        passes through another loop (or the call sits in one), that inner loop is the finding.
        """
        by_function: dict[str, list[LlmCall]] = {}
        found: list[LlmCallLoop] = []
        for call in calls:
            if call.loop in REPEATING_LOOPS:
                found.append(self._direct_loop(call))
            elif call.loop is None:
                symbol = self.symbol_of_fact(call)
                if symbol is not None:
                    by_function.setdefault(symbol, []).append(call)
        if not by_function:
            return found
        reaches_calls = self._ancestors(set(by_function))
        seen: set[tuple[str, int, int, str]] = set()
        for caller, callee, data in sorted(self.graph.edges(data=True)):
            if not data["loops"] or callee not in reaches_calls:
                continue
            for path in self._straight_paths(callee, by_function, reaches_calls):
                for edge in data["loops"]:
                    for call in by_function[path[-1]]:
                        assert edge.at is not None
                        at = edge.at.location
                        key = (at.path, at.line, at.column, call.api)
                        if key not in seen:  # one per loop and API, by its shortest path
                            seen.add(key)
                            found.append(self._indirect_loop(edge, (caller, *path), call))
        return found

    def _ancestors(self, targets: set[str]) -> set[str]:
        """Functions that reach one of `targets` by calls (targets included), bounded."""
        seen = set(targets)
        queue = deque((t, 0) for t in sorted(targets))
        while queue:
            node, depth = queue.popleft()
            if depth >= MAX_DEPTH or node not in self.graph:
                continue
            for predecessor in self.graph.predecessors(node):
                if predecessor not in seen:
                    seen.add(predecessor)
                    queue.append((predecessor, depth + 1))
        return seen

    def _straight_paths(
        self, start: str, by_function: dict[str, list[LlmCall]], useful: set[str]
    ) -> list[tuple[str, ...]]:
        """Shortest call paths from `start` to functions with (unlooped) model calls, through
        unlooped calls only."""
        parents: dict[str, str | None] = {start: None}
        queue = deque([(start, 0)])
        paths = []
        while queue:
            node, depth = queue.popleft()
            if node in by_function:
                paths.append(_path(parents, node))
            if depth >= MAX_DEPTH:
                continue
            for successor in sorted(self.graph.successors(node)):
                looped = bool(self.graph.edges[node, successor]["loops"])
                if successor in useful and successor not in parents and not looped:
                    parents[successor] = node
                    queue.append((successor, depth + 1))
        return paths

    def _direct_loop(self, call: LlmCall) -> LlmCallLoop:
        assert call.loop is not None
        return LlmCallLoop(
            evidence=call.evidence,
            provider=call.provider,
            api=call.api,
            api_kind=call.api_kind,
            streamed=call.streamed,
            is_async=call.is_async,
            loop=call.loop,
            loop_bound=call.loop_bound,
            carried=call.loop_carried,
            depth=0,
            call_at=call.evidence,
        )

    def _indirect_loop(self, edge: Edge, path: tuple[str, ...], call: LlmCall) -> LlmCallLoop:
        assert edge.at is not None and edge.loop is not None
        labels = self._labels(path, set(), False)
        return LlmCallLoop(
            evidence=dataclasses.replace(edge.at, trail=(*labels, _call_label(call))),
            provider=call.provider,
            api=call.api,
            api_kind=call.api_kind,
            streamed=call.streamed,
            is_async=call.is_async,
            loop=edge.loop,
            loop_bound=edge.loop_bound,
            carried=edge.carried,
            depth=len(path) - 1,
            call_at=call.evidence,
        )

    def _labels(
        self, trail: tuple[str, ...], endpoints: set[str], handler: bool
    ) -> tuple[Hop, ...]:
        hops = []
        if handler and endpoints:
            hops.append(Hop(sorted(endpoints)[0]))
        for symbol in trail:
            defined = self.index.function(symbol)
            name = symbol.rsplit(".", 1)[-1]
            hops.append(Hop(name, defined.path, defined.function.line) if defined else Hop(name))
        return tuple(hops)


def _call_label(call: LlmCall) -> Hop:
    location = call.evidence.location
    return Hop(call.api, location.path, location.line)


def _path(parents: dict[str, str | None], node: str) -> tuple[str, ...]:
    path = [node]
    while (parent := parents[path[-1]]) is not None:
        path.append(parent)
    return tuple(reversed(path))


def endpoint_label(route: RouteHandler) -> str:
    methods = ",".join(route.methods)
    return f"{methods} {route.path}" if route.path else f"{methods} {route.handler}"


__all__ = ["CallGraph", "Evidence", "endpoint_label"]
