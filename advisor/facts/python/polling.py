"""`while` loops that poll a status, and how they wait between polls (the polling-loop fact).

What a poll is comes from data: provider status calls are the LlmCall facts of kind
`batch-status` or `background-status` (a background response) that the LLM call detector
produced during the same walk (this detector does not
re-detect SDK calls; it matches them in `finish`), job-queue status reads (Celery, RQ, arq) come
from `advisor/data/polling.yaml`, and an HTTP GET (`advisor/data/http_clients.yaml`) counts only
when the loop compares a status field of what it fetched with a literal status. A loop that
leaves unconditionally right after the read (a retry loop) is not a poll.

How the loop waits is answered from the loop body: sleep calls with a literal delay (also
through a helper function or method of the same module, whose parameter may carry the delay),
event waits and unresolved helpers named like `wait_*` (unknown), and growth of the delay
variable inside the loop or a retry decorator with exponential wait (backoff). Sleeps that only
run in an `except` handler do not pause the normal polling path and are not counted; a pause
repeated by an inner loop, or a poll guarded by a clock or counter test, makes the rate unknown.
Clients imported from another module of the project are resolved across files (pending facts).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from advisor.facts.python.clients import annotation_class, instance_class
from advisor.facts.python.decoding import unparse
from advisor.facts.python.http_clients import request_shape, request_verb
from advisor.facts.python.scopes import Scope, local_callee
from advisor.facts.python.values import (
    MAX_DEPTH,
    bind_parameters,
    call_argument,
    constant,
    qualified_name,
)
from advisor.facts.python.walk import Context
from advisor.model import Evidence, LlmCall, Location, Pending, PollingLoop
from advisor.records import record
from advisor.tables import Polling, polling, sdks

HELPER_DEPTH = 3
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_GROWTH = (ast.Mult, ast.Add, ast.Pow, ast.LShift)
_CASE = frozenset({"lower", "upper", "strip", "casefold"})

STATUS_KINDS = frozenset({"batch-status", "background-status"})
"""LlmCall kinds that read the status of work running at the provider."""


@record
class _Poll:
    node: ast.AST
    target: str
    library: str
    evidence: Evidence


@dataclass
class _Loop:
    node: ast.While
    scope: Scope
    evidence: Evidence
    polls: list[_Poll] = field(default_factory=list)
    gets: list[tuple[ast.Call, str, str, Evidence]] = field(default_factory=list)
    """HTTP GET calls: (call, target, library, evidence); polls if the loop tests a status."""


@record
class _Wait:
    sleeps: bool | None
    seconds: float | None
    backoff: bool | None


class PollingDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.While, ast.Call, ast.Attribute)

    def __init__(self) -> None:
        self._loops: dict[int, _Loop] = {}
        self._in_test: dict[int, ast.While] = {}
        self._batch_calls: dict[Location, _Loop] = {}

    @cached_property
    def _table(self) -> Polling:
        return polling()

    @cached_property
    def _batch_status_names(self) -> frozenset[str]:
        return frozenset(
            api.split(".")[-1]
            for sdk in sdks()
            for api, shape in sdk.methods.items()
            if shape.kind in STATUS_KINDS
        )

    @cached_property
    def _job_names(self) -> tuple[frozenset[str], frozenset[str]]:
        classes = self._table.job_classes.values()
        return (
            frozenset(a for c in classes for a in c.attributes),
            frozenset(m for c in classes for m in c.methods),
        )

    def visit(self, node: ast.AST, context: Context) -> None:
        if isinstance(node, ast.While):
            evidence = context.evidence(node)
            header_end = _header_end(node, context)
            # The finding covers the `while ...:` header, not the whole loop body.
            header = context.source.line_text(header_end).split("#", 1)[0].rstrip()
            evidence = dataclasses.replace(
                evidence,
                location=dataclasses.replace(
                    evidence.location, end_line=header_end, end_column=len(header) + 1
                ),
                anchors=((node.lineno, header_end), *context.signatures),
            )
            self._loops[id(node)] = _Loop(node, context.scope, evidence)
            for part in ast.walk(node.test):
                self._in_test[id(part)] = node
            return
        loop = self._loop_of(node, context)
        if loop is None:
            return
        if isinstance(node, ast.Call):
            self._call(node, loop, context)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and node.attr in self._job_names[0]
        ):
            library = self._job_library(node.value, context.scope, attribute=node.attr)
            if library is not None:
                target = f"{self._job_short(node.value, context.scope)}.{node.attr}"
                loop.polls.append(_Poll(node, target, library, context.evidence(node)))

    def _loop_of(self, node: ast.AST, context: Context) -> _Loop | None:
        owner = self._in_test.get(id(node))
        if owner is None:
            for loop in reversed(context.loops):
                if loop.kind == "while" and isinstance(loop.node, ast.While):
                    owner = loop.node
                    break
        return self._loops.get(id(owner)) if owner is not None else None

    def _call(self, call: ast.Call, loop: _Loop, context: Context) -> None:
        func = call.func
        scope = context.scope
        method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if method in self._batch_status_names:
            self._batch_calls[context.location(call)] = loop
        if isinstance(func, ast.Attribute) and method in self._job_names[1]:
            library = self._job_library(func.value, scope, method=func.attr)
            if library is not None:
                target = f"{self._job_short(func.value, scope)}.{func.attr}()"
                loop.polls.append(_Poll(call, target, library, context.evidence(call)))
                return
        produced = self._produced(call, scope)
        if produced is not None and produced[1]:
            library = self._library_of_class(produced[0])
            if library is not None:
                target = unparse(func) if len(unparse(func)) < 40 else method or "fetch"
                loop.polls.append(_Poll(call, target, library, context.evidence(call)))
                return
        shape = request_shape(call, scope)
        if shape is not None and request_verb(shape, call, scope) == "GET":
            name = (
                qualified_name(func, scope) if isinstance(func, ast.Name | ast.Attribute) else None
            )
            if name is None and isinstance(func, ast.Attribute):
                owner = instance_class(func.value, scope) or ""
                name = f"{owner.rsplit('.', 1)[-1]}.{func.attr}"
            loop.gets.append((call, name or "get", shape.library, context.evidence(call)))

    # Job objects -------------------------------------------------------------------------

    def _produced(self, call: ast.Call, scope: Scope) -> tuple[str, bool] | None:
        """The job-queue class a call returns, and whether the call re-reads the job."""
        table = self._table
        func = call.func
        if isinstance(func, ast.Name | ast.Attribute):
            name = qualified_name(func, scope)
            if name in table.produced_by_call:
                found = table.produced_by_call[name]
                return found.returns, found.poll
        if isinstance(func, ast.Attribute):
            if func.attr in table.tasks.methods and self._is_task(func.value, scope):
                return table.tasks.returns, False
            owner = self._class_of(func.value, scope, 1)
            if owner is not None and (owner, func.attr) in table.produced_by_method:
                found = table.produced_by_method[(owner, func.attr)]
                return found.returns, found.poll
        return None

    def _is_task(self, expr: ast.expr, scope: Scope) -> bool:
        """A function of this module decorated as a Celery task."""
        if not isinstance(expr, ast.Name):
            return False
        binding = scope.single(expr.id)
        if binding is None or binding.kind != "def":
            return False
        function = binding.node
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            return False
        tasks = self._table.tasks
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if not isinstance(target, ast.Name | ast.Attribute):
                continue
            if qualified_name(target, binding.scope) in tasks.decorators:
                return True
            if (
                isinstance(target, ast.Attribute)
                and target.attr == tasks.app_method
                and instance_class(target.value, binding.scope) in tasks.app_classes
            ):
                return True
        return False

    def _class_of(self, expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Await):
            return self._class_of(expr.value, scope, depth + 1)
        if isinstance(expr, ast.Call):
            produced = self._produced(expr, scope)
            if produced is not None:
                return produced[0]
        if isinstance(expr, ast.Name):
            binding = scope.single(expr.id)
            if binding is None:
                return None
            if binding.kind == "value" and isinstance(binding.node, ast.expr):
                found = self._class_of(binding.node, binding.scope, depth + 1)
                if found is not None:
                    return found
            annotated = annotation_class(binding.annotation, binding.scope)
            if annotated is not None:
                return annotated
        return instance_class(expr, scope)

    def _library_of_class(self, name: str) -> str | None:
        found = self._table.job_classes.get(name)
        return found.library if found else None

    def _job_library(
        self,
        expr: ast.expr,
        scope: Scope,
        *,
        attribute: str | None = None,
        method: str | None = None,
    ) -> str | None:
        name = self._class_of(expr, scope)
        found = self._table.job_classes.get(name or "")
        if found is None:
            return None
        if attribute is not None and attribute not in found.attributes:
            return None
        if method is not None and method not in found.methods:
            return None
        return found.library

    def _job_short(self, expr: ast.expr, scope: Scope) -> str:
        name = self._class_of(expr, scope) or "job"
        return name.rsplit(".", 1)[-1]

    # Finish ------------------------------------------------------------------------------

    def finish(self, context: Context) -> None:
        for fact in context.facts:
            if (
                isinstance(fact, LlmCall)
                and fact.api_kind in STATUS_KINDS
                and fact.streamed is not True
            ):
                loop = self._batch_calls.get(fact.evidence.location)
                if loop is not None:
                    node = _node_at(loop.node, fact.evidence.location, context)
                    if node is not None:
                        loop.polls.append(_Poll(node, fact.api, fact.sdk, fact.evidence))
        pending = self._pending(context)
        found: list[PollingLoop] = []
        for loop in self._loops.values():
            if loop.gets and _tests_status(loop, self._table.status_fields):
                loop.polls.extend(_Poll(c, t, lib, ev) for c, t, lib, ev in loop.gets)
            polls = [p for p in loop.polls if not _leaves_after(p.node, loop.node)]
            later = [
                (receiver, [p for p in candidates if not _leaves_after(p.node, loop.node)])
                for receiver, candidates in pending.get(id(loop.node), [])
            ]
            later = [(receiver, candidates) for receiver, candidates in later if candidates]
            if not polls and not later:
                continue
            nodes = [p.node for p in polls] or [p.node for _, c in later for p in c]
            wait = _Waiting(self._table, loop, nodes).result()
            if polls:
                found.append(_fact(loop, _first(polls), wait))
                continue
            # The client is imported from another module: one candidate per SDK, resolved
            # across files once the import is known to be that SDK's client.
            for receiver, candidates in later:
                context.module.pending.append(
                    Pending(receiver, tuple(_fact(loop, p, wait) for p in candidates))
                )
        found.sort(key=lambda f: (f.evidence.location.line, f.evidence.location.column))
        context.facts.extend(found)

    def _pending(self, context: Context) -> dict[int, list[tuple[str, list[_Poll]]]]:
        """Batch-status calls on clients imported from other modules, by loop."""
        by_loop: dict[int, list[tuple[str, list[_Poll]]]] = {}
        for entry in context.module.pending:
            candidates = [
                c
                for c in entry.candidates
                if isinstance(c, LlmCall) and c.api_kind in STATUS_KINDS and c.streamed is not True
            ]
            if not candidates:
                continue
            loop = self._batch_calls.get(candidates[0].evidence.location)
            if loop is None:
                continue
            node = _node_at(loop.node, candidates[0].evidence.location, context)
            if node is None:
                continue
            polls = [_Poll(node, c.api, c.sdk, c.evidence) for c in candidates]
            by_loop.setdefault(id(loop.node), []).append((entry.receiver, polls))
        return by_loop


def _first(polls: list[_Poll]) -> _Poll:
    return min(polls, key=lambda p: (p.evidence.location.line, p.evidence.location.column))


def _fact(loop: _Loop, poll: _Poll, wait: _Wait) -> PollingLoop:
    return PollingLoop(
        evidence=loop.evidence,
        target=poll.target,
        library=poll.library,
        sleeps=wait.sleeps,
        sleep_seconds=wait.seconds,
        backoff=wait.backoff,
        poll_at=poll.evidence,
    )


def _header_end(loop: ast.While, context: Context) -> int:
    """The line of the colon that ends `while ...:`, however the condition is wrapped."""
    last = getattr(loop.test, "end_lineno", None) or loop.lineno
    limit = loop.body[0].lineno - 1 if loop.body else last
    for line in range(last, max(limit, last) + 1):
        if context.source.line_text(line).split("#", 1)[0].rstrip().endswith(":"):
            return line
    return last


def _node_at(loop: ast.While, location: Location, context: Context) -> ast.AST | None:
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and context.location(node) == location:
            return node
    return None


# Does the loop go round again after the read? -----------------------------------------------


def _parents(root: ast.AST) -> dict[int, ast.AST]:
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def _leaves_after(poll: ast.AST, loop: ast.While) -> bool:
    """A `break`, `return` or `raise` follows the read in the same block, at any level up to
    the loop: the loop reads once and leaves (a retry loop), it does not poll."""
    parents = _parents(loop)
    node = poll
    while node is not loop:
        parent = parents.get(id(node))
        if parent is None:
            return False
        for name in ("body", "orelse", "finalbody"):
            block = getattr(parent, name, None)
            if isinstance(block, list) and any(s is node for s in block):
                index = next(i for i, s in enumerate(block) if s is node)
                if any(
                    isinstance(s, ast.Break | ast.Return | ast.Raise) for s in block[index + 1 :]
                ):
                    return True
                break
        node = parent
    return False


# HTTP status polling ------------------------------------------------------------------------


def _loop_statements(loop: ast.While) -> Iterator[ast.AST]:
    """Nodes of the loop's test and body, not entering nested scopes."""
    stack: list[ast.AST] = [loop.test, *loop.body]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _bound_in_loop(loop: ast.While) -> dict[str, list[ast.expr]]:
    bound: dict[str, list[ast.expr]] = {}
    for node in _loop_statements(loop):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
            if node.value is not None:
                bound.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    bound.setdefault(item.optional_vars.id, []).append(item.context_expr)
    return bound


def _tests_status(loop: _Loop, fields: frozenset[str]) -> bool:
    """The loop compares a status field of what its GET fetched with a literal status."""
    gets = {id(call) for call, *_ in loop.gets}
    bound = _bound_in_loop(loop.node)
    fetched: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, values in bound.items():
            if name not in fetched and any(_from_fetch(v, gets, fetched) for v in values):
                fetched.add(name)
                changed = True
    status_names = {
        name
        for name, values in bound.items()
        if values and all(_status_read(v, gets, fetched, fields) for v in values)
    }
    for node in _loop_statements(loop.node):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        status = any(
            _status_read(s, gets, fetched, fields)
            or (isinstance(s, ast.Name) and s.id in status_names)
            for s in sides
        )
        if status and any(_literal_status(s, loop.scope) for s in sides):
            return True
    return False


def _from_fetch(expr: ast.expr, gets: set[int], fetched: set[str]) -> bool:
    return any(
        id(node) in gets or (isinstance(node, ast.Name) and node.id in fetched)
        for node in ast.walk(expr)
    )


def _status_read(expr: ast.expr, gets: set[int], fetched: set[str], fields: frozenset[str]) -> bool:
    """`data["status"]`, `r.json().get("state")`, `job.status` (also `.lower()`-ed) of fetched
    data."""
    while (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in _CASE
        and not expr.args
    ):
        expr = expr.func.value
    base: ast.expr | None = None
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        if isinstance(key, ast.Constant) and key.value in fields:
            base = expr.value
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr == "get" and expr.args:
            key = expr.args[0]
            if isinstance(key, ast.Constant) and key.value in fields:
                base = expr.func.value
    elif isinstance(expr, ast.Attribute) and expr.attr in fields:
        base = expr.value
    return base is not None and _from_fetch(base, gets, fetched)


def _literal_status(expr: ast.expr, scope: Scope) -> bool:
    """A string literal, or a tuple / list / set of them (also through a constant name)."""
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None or binding.kind != "value" or not isinstance(binding.node, ast.expr):
            return False
        expr = binding.node
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.args
        and expr.func.id in ("frozenset", "set", "tuple", "list")
    ):
        expr = expr.args[0]
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        return bool(expr.elts) and all(isinstance(constant(e, scope), str) for e in expr.elts)
    return isinstance(constant(expr, scope), str)


# How the loop waits ---------------------------------------------------------------------------


class _Waiting:
    def __init__(self, table: Polling, loop: _Loop, polls: list[ast.AST]) -> None:
        self.table = table
        self.loop = loop
        self.polls = polls
        self.seconds: list[float | None] = []
        self.unknown = False
        self.backoff = False
        self.delays: list[ast.expr] = []

    def result(self) -> _Wait:
        loop = self.loop
        if self._decorated(loop.scope):
            return _Wait(None, None, True)
        if _throttled(loop, self.polls, self.table):
            return _Wait(None, None, None)
        self._scan([loop.node.test, *loop.node.body], loop.scope, {}, 0, set(), nested=False)
        if not self.seconds:
            if self.backoff:
                return _Wait(None, None, True)
            return _Wait(None if self.unknown else False, None, None)
        growth = self.backoff or _grows(loop.node, self.delays)
        known = [s for s in self.seconds if s is not None]
        seconds = max(known) if known and len(known) == len(self.seconds) else None
        return _Wait(True, seconds, growth)

    def _decorated(self, scope: Scope | None) -> bool:
        """An enclosing function retried by a backoff decorator."""
        while scope is not None:
            node = scope.node
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and scope.parent
                and _has_backoff(node, scope.parent, self.table)
            ):
                return True
            scope = scope.parent
        return False

    def _scan(
        self,
        roots: list[ast.AST],
        scope: Scope,
        parameters: dict[str, ast.expr | None],
        depth: int,
        seen: set[int],
        *,
        nested: bool,
    ) -> None:
        """Calls under `roots`, not in nested scopes or `except` bodies; `nested` tells whether
        a call sits in a loop inside the polling loop (its pause then repeats: unknown total)."""
        stack: list[tuple[ast.AST, bool]] = [(root, nested) for root in roots]
        while stack:
            node, inner = stack.pop()
            if isinstance(node, ast.Call):
                self._call(node, scope, parameters, depth, seen, inner)
            if isinstance(node, (*_SCOPES, ast.ExceptHandler)):
                continue
            looped = inner or isinstance(node, ast.For | ast.AsyncFor | ast.While)
            stack.extend((child, looped) for child in ast.iter_child_nodes(node))

    def _call(
        self,
        call: ast.Call,
        scope: Scope,
        parameters: dict[str, ast.expr | None],
        depth: int,
        seen: set[int],
        nested: bool,
    ) -> None:
        table = self.table
        func = call.func
        name = qualified_name(func, scope) if isinstance(func, ast.Name | ast.Attribute) else None
        if name in table.sleeps:
            slot = table.sleeps[name]
            argument = call_argument(call, slot.keyword, slot.position)
            if (
                argument is not None
                and isinstance(argument, ast.Name)
                and argument.id in parameters
            ):
                argument = parameters[argument.id]
                if argument is None:
                    self.seconds.append(None)
                    return
            if argument is None:
                seconds = table.sleep_defaults.get(name)
            else:
                seconds = _seconds(argument, scope)
                self.delays.append(argument)
            # A pause repeated by an inner loop (`for _ in range(50): sleep(0.1)`) adds up to a
            # total the code does not show.
            self.seconds.append(None if nested else seconds)
            return
        if name in table.wait_functions:
            self.unknown = True
            return
        if isinstance(func, ast.Attribute) and func.attr in table.wait_methods:
            self.unknown = True
            return
        helper = local_callee(func, scope)
        if helper is not None:
            function, outer, method = helper
            if id(function) in seen or depth >= HELPER_DEPTH:
                self.unknown = True
                return
            if _has_backoff(function, outer, table):
                self.backoff = True
                return
            inner = outer.child(function)
            bound = bind_parameters(function, call, method)
            self._scan(
                list(function.body), inner, bound, depth + 1, seen | {id(function)}, nested=nested
            )
            return
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if any(f in called.lower() for f in table.wait_fragments):
            self.unknown = True  # another module's helper, or a method of an unknown object


def _seconds(expr: ast.expr, scope: Scope) -> float | None:
    value = constant(expr, scope)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _throttled(loop: _Loop, polls: list[ast.AST], table: Polling) -> bool:
    """Every poll is guarded by a test of a clock or a counter (`if time.monotonic() - last >
    5:`, `if tick % 50 == 0 and ...`): the loop ticks faster than it polls, at a rate the code
    does not show."""
    if not polls:
        return False
    parents = _parents(loop.node)

    def clock_or_counter(test: ast.AST) -> bool:
        return any(
            (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod))
            or (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name | ast.Attribute)
                and qualified_name(n.func, loop.scope) in table.clocks
            )
            for n in ast.walk(test)
        )

    for poll in polls:
        node: ast.AST = poll
        guarded = False
        while node is not loop.node and not guarded:
            parent = parents.get(id(node))
            if parent is None:
                break
            if isinstance(parent, ast.If | ast.IfExp) and node is not parent.test:
                guarded = clock_or_counter(parent.test)
            elif isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.And):
                before = parent.values[: next(i for i, v in enumerate(parent.values) if v is node)]
                guarded = any(clock_or_counter(v) for v in before)
            node = parent
        if not guarded:
            return False
    return True


def _has_backoff(
    function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, table: Polling
) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (
            isinstance(target, ast.Name | ast.Attribute)
            and qualified_name(target, scope) in table.backoff_decorators
        ):
            return True
    return False


def _grows(loop: ast.While, delays: list[ast.expr]) -> bool:
    """A name or attribute in a delay expression is multiplied or added to inside the loop
    (`delay *= 2`, `delay = min(delay * 2, 30)`, `attempt += 1`)."""
    watched = {
        unparse(node)
        for delay in delays
        for node in ast.walk(delay)
        if isinstance(node, ast.Name | ast.Attribute)
    }
    if not watched:
        return False
    for node in _loop_statements(loop):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, _GROWTH):
            if unparse(node.target) in watched:
                return True
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                text = unparse(target)
                if text in watched and any(
                    isinstance(n, ast.Name | ast.Attribute) and unparse(n) == text
                    for n in ast.walk(node.value)
                ):
                    return True
    return False
