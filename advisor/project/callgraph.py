"""The project call graph and who reaches each function.

Entry points are route handlers (someone waits) and scripts, CLI commands, task workers,
schedulers and background tasks (nobody waits in a request). A function is reached by an entry
when a chain of at most MAX_DEPTH calls leads there, cycles being harmless: computed for all
entries at once, as one bit per entry spread along the calls one step at a time (a large
project has a thousand entries and tens of thousands of functions; a search from each entry was
most of the time of the project stage). The way there (`trail`) is the breadth-first path from
the first entry that reaches it, handlers first, searched only for the facts that show it.

A function reached from a handler is user-facing even if a script also calls it; one reached
only from offline entries is not; one reached from nothing known stays unknown, and rules that
need the answer stay silent.

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
from typing import Any

from advisor.graphs import Digraph
from advisor.model import Edge, Evidence, Fact, Hop, LlmCall, LlmCallLoop, Reach, RouteHandler
from advisor.project.symbols import ProjectIndex

MAX_DEPTH = 12
REPEATING_LOOPS = frozenset({"for", "comprehension", "fan-out"})


@dataclasses.dataclass
class CallSites:
    """The calls from one function to another."""

    sites: list[Edge]
    loops: list[Edge]
    """Those of `sites` that repeat once per item of a collection."""


class CallGraph:
    def __init__(self, index: ProjectIndex, facts: Sequence[Fact]) -> None:
        self.index = index
        self.graph: Digraph[None, CallSites] = Digraph()
        """Calls between the project's functions: each edge keeps its call sites."""
        self.handoffs: dict[str, list[str]] = {}
        """Caller -> the functions it enqueues for a worker."""
        for defined in index.functions():
            self.graph.add_node(defined.function.symbol)
        calls: dict[tuple[str, str], CallSites] = {}
        handoffs: dict[tuple[str, str], None] = {}
        for summary in index.summaries:
            if summary.module is None:
                continue
            for edge in summary.module.edges:
                self._add(edge, calls, handoffs)
        for (caller, callee), sites in calls.items():
            self.graph.add_edge(caller, callee, sites)
        for caller, task in handoffs:
            self.handoffs.setdefault(caller, []).append(task)
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
        # handlers first: the first entry that reaches a function gives its trail
        self._ordered = sorted(self.entries, key=lambda e: (e[1] != "handler", e[0], e[2] or ""))
        self._masks = self._reach_masks()
        self._kind_masks: dict[str, int] = {}
        for position, (_, kind, _) in enumerate(self._ordered):
            self._kind_masks[kind] = self._kind_masks.get(kind, 0) | 1 << position
        self._start_bits: dict[str, int] = {}
        for position, (symbol, _, _) in enumerate(self._ordered):
            self._start_bits[symbol] = self._start_bits.get(symbol, 0) | 1 << position
        self._jobs_for = self._jobs()
        self._walks: dict[int, dict[str, str | None]] = {}
        """Breadth-first parents of the entries whose trails were asked for, by entry index."""

    def _add(
        self,
        edge: Edge,
        calls: dict[tuple[str, str], CallSites],
        handoffs: dict[tuple[str, str], None],
    ) -> None:
        found = self.index.canonical(edge.callee)
        if found is None or found not in self.graph or edge.caller not in self.graph:
            return
        if edge.handoff:
            handoffs[edge.caller, found] = None
            return
        data = calls.get((edge.caller, found))
        if data is None:
            data = calls[edge.caller, found] = CallSites([], [])
        data.sites.append(edge)
        if edge.loop in REPEATING_LOOPS:
            data.loops.append(edge)

    def _handler_symbols(self, handler: str) -> list[str]:
        found = self.index.canonical(handler)
        if found is not None and found in self.graph:
            return [found]
        return list(self.index.methods_of(handler))  # a class-based view: all its methods

    def _reach_masks(self) -> dict[str, int]:
        """Every function reached by an entry -> the entries that reach it, as bits (bit i:
        `self._ordered[i]`). Round k adds the entries whose nearest call chain is k long, from
        the bits the previous round added (the others were passed on already)."""
        masks: dict[str, int] = {}
        for index, (symbol, _, _) in enumerate(self._ordered):
            masks[symbol] = masks.get(symbol, 0) | 1 << index
        frontier = dict(masks)
        for _ in range(MAX_DEPTH):
            passed: dict[str, int] = {}
            for node, bits in frontier.items():
                for successor in self._successors.get(node, ()):
                    passed[successor] = passed.get(successor, 0) | bits
            frontier = {}
            for node, bits in passed.items():
                new = bits & ~masks.get(node, 0)
                if new:
                    masks[node] = masks.get(node, 0) | new
                    frontier[node] = new
            if not frontier:
                break
        return masks

    def _jobs(self) -> dict[str, set[str]]:
        """Function -> the routes whose handler hands it (or what calls it) to a worker."""
        handlers = 0
        for index, (_, kind, endpoint) in enumerate(self._ordered):
            if kind == "handler" and endpoint:
                handlers |= 1 << index
        jobs: set[tuple[str, str]] = set()
        for caller in self.handoffs:
            bits = self._masks.get(caller, 0) & handlers
            tasks = self.handoffs[caller] if bits else []
            for index in _indices(bits) if tasks else ():
                endpoint = self._ordered[index][2]
                assert endpoint is not None
                jobs.update((task, endpoint) for task in tasks)
        found: dict[str, set[str]] = {}
        for task, endpoint in sorted(jobs):
            for node in self._bfs(task):
                found.setdefault(node, set()).add(endpoint)
        return found

    def _trail(self, symbol: str) -> tuple[str, ...] | None:
        """Symbols from the first entry that reaches `symbol` to it (shortest; handlers come
        first, so from a handler if any does)."""
        bits = self._masks.get(symbol, 0)
        if not bits:
            return None
        first = (bits & -bits).bit_length() - 1
        parents = self._walks.get(first)
        if parents is None:
            start = self._ordered[first][0]
            parents = {start: None}
            self._bfs(start, parents)
            self._walks[first] = parents
        return _path(parents, symbol)

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

    def reached_from(self, start: str, symbol: str) -> bool | None:
        """Whether `symbol` is within MAX_DEPTH calls of `start`; None when `start` is not an
        entry point (its reach was not computed)."""
        bits = self._start_bits.get(start)
        if bits is None:
            return None
        return bool(self._masks.get(symbol, 0) & bits)

    def reach_of(self, symbol: str) -> Reach | None:
        bits = self._masks.get(symbol, 0)
        jobs = self._jobs_for.get(symbol)
        if not bits and jobs is None:
            return None
        kinds = sorted(kind for kind, mask in self._kind_masks.items() if bits & mask)
        endpoints = {self._ordered[i][2] for i in _indices(bits)} - {None}
        return Reach(
            user_facing="handler" in kinds,
            entries=tuple(kinds),
            endpoints=tuple(sorted(e for e in endpoints if e)),
            jobs_for=tuple(sorted(jobs or ())),
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
        trail = self._trail(symbol)
        if trail and (len(trail) > 1 or fact.evidence.trail):
            labels = self._labels(trail, set(reach.endpoints), bool(reach.user_facing))
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
        for caller, callee, data in sorted(self.graph.edges(), key=lambda e: (e[0], e[1])):
            if not data.loops or callee not in reaches_calls:
                continue
            for path in self._straight_paths(callee, by_function, reaches_calls):
                for edge in data.loops:
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
                looped = bool(self.graph.edge(node, successor).loops)
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


def _indices(bits: int) -> list[int]:
    """The positions of the set bits, lowest first."""
    found = []
    while bits:
        low = bits & -bits
        found.append(low.bit_length() - 1)
        bits ^= low
    return found


def _path(parents: dict[str, str | None], node: str) -> tuple[str, ...]:
    path = [node]
    while (parent := parents[path[-1]]) is not None:
        path.append(parent)
    return tuple(reversed(path))


def endpoint_label(route: RouteHandler) -> str:
    methods = ",".join(route.methods)
    return f"{methods} {route.path}" if route.path else f"{methods} {route.handler}"


__all__ = ["CallGraph", "Evidence", "endpoint_label"]
