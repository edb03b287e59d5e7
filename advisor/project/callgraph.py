"""The project call graph (networkx) and who reaches each function.

Entry points are route handlers (someone waits) and scripts, CLI commands, task workers,
schedulers and background tasks (nobody waits). Reach is computed by breadth-first search from
each entry, to a bounded depth, cycles being harmless. A function reached from a handler is
user-facing even if a script also calls it; one reached only from offline entries is not; one
reached from nothing known stays unknown, and rules that need the answer stay silent.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from advisor.model import Evidence, Fact, LlmCall, Reach, RouteHandler
from advisor.project.symbols import ProjectIndex

MAX_DEPTH = 12


@dataclass
class _Reached:
    kinds: set[str] = field(default_factory=set)
    endpoints: set[str] = field(default_factory=set)
    trail: tuple[str, ...] | None = None
    """Symbols from the entry to here, shortest from a handler if any."""
    trail_from_handler: bool = False


class CallGraph:
    def __init__(self, index: ProjectIndex, facts: list[Fact]) -> None:
        self.index = index
        self.graph: nx.DiGraph = nx.DiGraph()
        for defined in index.functions():
            self.graph.add_node(defined.function.symbol)
        for summary in index.summaries:
            if summary.module is None:
                continue
            for edge in summary.module.edges:
                found = index.canonical(edge.callee)
                if found is None or found not in self.graph or edge.caller not in self.graph:
                    continue
                callee: str = found
                looped = edge.looped or bool(
                    self.graph.get_edge_data(edge.caller, callee, {}).get("looped")
                )
                self.graph.add_edge(edge.caller, callee, looped=looped)
        self.entries: list[tuple[str, str, str | None]] = []
        """(symbol, kind, endpoint label)"""
        for fact in facts:
            if isinstance(fact, RouteHandler):
                label = _endpoint(fact)
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
        self.reached = self._reach()

    def _handler_symbols(self, handler: str) -> list[str]:
        found = self.index.canonical(handler)
        if found is not None and found in self.graph:
            return [found]
        return list(self.index.methods_of(handler))  # a class-based view: all its methods

    def _reach(self) -> dict[str, _Reached]:
        reached: dict[str, _Reached] = {}
        ordered = sorted(self.entries, key=lambda e: (e[1] != "handler", e[0], e[2] or ""))
        for symbol, kind, endpoint in ordered:
            parents: dict[str, str | None] = {symbol: None}
            queue = deque([(symbol, 0)])
            while queue:
                node, depth = queue.popleft()
                state = reached.setdefault(node, _Reached())
                state.kinds.add(kind)
                if endpoint:
                    state.endpoints.add(endpoint)
                if state.trail is None or (kind == "handler" and not state.trail_from_handler):
                    state.trail = _path(parents, node)
                    state.trail_from_handler = kind == "handler"
                if depth >= MAX_DEPTH:
                    continue
                for successor in self.graph.successors(node):
                    if successor not in parents:
                        parents[successor] = node
                        queue.append((successor, depth + 1))
        return reached

    def enrich(self, fact: Fact) -> Fact:
        """The fact with `reach` filled in (and its evidence's trail), if it has one."""
        if not any(f.name == "reach" for f in dataclasses.fields(fact)):
            return fact
        symbol = self._symbol(fact)
        if symbol is None:
            return fact
        state = self.reached.get(symbol)
        changes: dict[str, Any] = {}
        if isinstance(fact, LlmCall) and fact.loop is None and self._looped_into(symbol):
            changes["loop"] = "fan-out"
        if state is not None:
            handler = "handler" in state.kinds
            changes["reach"] = Reach(
                user_facing=handler,
                entries=tuple(sorted(state.kinds)),
                endpoints=tuple(sorted(state.endpoints)),
            )
            if state.trail and len(state.trail) > 1:
                changes["evidence"] = dataclasses.replace(
                    fact.evidence, trail=self._labels(state.trail, state.endpoints, handler)
                )
        return dataclasses.replace(fact, **changes) if changes else fact

    def _symbol(self, fact: Fact) -> str | None:
        module = self.index.module_of_path.get(fact.evidence.location.path)
        if module is None:
            return None
        function = fact.evidence.function
        return f"{module}.{function}" if function else module

    def _looped_into(self, symbol: str) -> bool:
        if symbol not in self.graph:
            return False
        return any(data.get("looped") for _, _, data in self.graph.in_edges(symbol, data=True))

    def _labels(
        self, trail: tuple[str, ...], endpoints: set[str], handler: bool
    ) -> tuple[str, ...]:
        labels = []
        if handler and endpoints:
            labels.append(sorted(endpoints)[0])
        for symbol in trail:
            defined = self.index.function(symbol)
            name = symbol.rsplit(".", 1)[-1]
            labels.append(f"{defined.path}:{defined.function.line} {name}" if defined else name)
        return tuple(labels)


def _path(parents: dict[str, str | None], node: str) -> tuple[str, ...]:
    path = [node]
    while (parent := parents[path[-1]]) is not None:
        path.append(parent)
    return tuple(reversed(path))


def _endpoint(route: RouteHandler) -> str:
    methods = ",".join(route.methods)
    return f"{methods} {route.path}" if route.path else f"{methods} {route.handler}"


__all__ = ["CallGraph", "Evidence"]
