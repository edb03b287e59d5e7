"""Long streams across modules: the model calls a stream's body reaches through helpers.

A response's body is produced by one function (its generator, or the handler that writes it).
The per-module stage judged the calls that function makes itself; here the helpers it calls,
in any module of the project, are added: a helper that calls the model once per item of a
collection, in a tool loop, or that the body calls once per item, makes the stream long.
Counting calls spread over helpers would need their control flow (two calls may be the two
branches of an `if`), so several single calls in different helpers do not count.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Sequence

from advisor.model import Fact, LlmCall, ResponseConstruction
from advisor.project.callgraph import CallGraph

MAX_HELPER_DEPTH = 4
_MODEL_CALL_KINDS = frozenset({"chat", "completion"})


def with_long_streams(
    enriched: Sequence[Fact], original: Sequence[Fact], graph: CallGraph
) -> list[Fact]:
    """`enriched` with `multi_step` of streaming responses completed from their helpers.

    `original` holds the facts as the modules produced them (before the call graph added
    reach and trails).
    """
    calls: dict[str, list[LlmCall]] = {}
    for fact in original:
        if isinstance(fact, LlmCall) and fact.api_kind in _MODEL_CALL_KINDS:
            symbol = graph.symbol_of_fact(fact)
            if symbol is not None:
                calls.setdefault(symbol, []).append(fact)
    result = list(enriched)
    for index, fact in enumerate(result):
        if (
            not isinstance(fact, ResponseConstruction)
            or not fact.streams
            or fact.multi_step is True
            or fact.stream_function is None
        ):
            continue
        start = graph.index.canonical(fact.stream_function)
        if start is None or start not in graph.graph:
            continue
        verdict = _reached(start, calls, graph, include_start=fact.multi_step is None)
        if verdict is True or (verdict is False and fact.multi_step is None):
            result[index] = dataclasses.replace(fact, multi_step=verdict)
    return result


def _reached(
    start: str, calls: dict[str, list[LlmCall]], graph: CallGraph, *, include_start: bool
) -> bool | None:
    """True if a reached model call repeats; False if only single calls are reached."""
    seen = {start: False}
    queue = deque([(start, 0, False)])
    found = False
    while queue:
        symbol, depth, looped = queue.popleft()
        if symbol != start or include_start:
            for call in calls.get(symbol, ()):
                found = True
                if looped or _repeats(call):
                    return True
        if depth >= MAX_HELPER_DEPTH:
            continue
        for successor in graph.graph.successors(symbol):
            edge_looped = bool(graph.graph.edge(symbol, successor).loops)  # once per item
            reached_looped = looped or edge_looped
            if successor not in seen or (reached_looped and not seen[successor]):
                seen[successor] = reached_looped
                queue.append((successor, depth + 1, reached_looped))
    return False if found else None


def _repeats(call: LlmCall) -> bool:
    """Per item of a collection (a loop, comprehension or fan-out: retry loops are not
    counted as loops), or a `while` loop that offers tools (an agent loop)."""
    if call.loop in ("for", "comprehension", "fan-out"):
        return True
    return call.loop is not None and call.tools is True
