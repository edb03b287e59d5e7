"""How often a piece of code runs: once, once per item of a collection, or until a condition.

The same answer is needed for model calls (is this a loop over a dataset?) and for call-graph
edges (does this helper run once per item?), so both ask here. A `for` over a small literal
range is a retry loop, not a collection; a loop whose next request depends on the previous
answer (a growing conversation, a running summary) cannot be sent as independent requests.
"""

from __future__ import annotations

import ast
from dataclasses import field

from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import constant, walk_without_scopes
from advisor.facts.python.walk import Loop
from advisor.records import record

SMALL_RANGE = 10
"""`for attempt in range(3)` is a retry loop, not a loop over a collection."""

_MUTATORS = frozenset(
    {"append", "extend", "insert", "update", "setdefault", "add", "__setitem__", "pop"}
)


@record
class Repetition:
    loop: str | None
    """`for`, `comprehension` or `fan-out` once per item; `while` inside a while loop only."""
    bound: int | None
    """Number of items when the collection is a literal or a constant range."""
    polled: bool
    """Inside a `while` loop (a polling or retry loop)."""
    carried: bool | None
    """The call's arguments use state that the loop itself changes: each request depends on
    the previous ones. None when there is no collection loop."""


def repetition(loops: tuple[Loop, ...], scope: Scope, call: ast.expr | None = None) -> Repetition:
    """How the code at this point repeats, from the loops around it (innermost last)."""
    polled = any(loop.kind == "while" for loop in loops)
    for loop in reversed(loops):
        if loop.kind == "while":
            continue
        bound = collection_size(loop.iterable, scope)
        if _is_range(loop.iterable) and (
            (bound is not None and bound < SMALL_RANGE) or _is_retry(loop)
        ):
            continue  # a retry loop
        carried = _carries_state(loop, call, scope) if call is not None else None
        return Repetition(loop.kind, bound, polled, carried)
    return Repetition("while" if polled else None, None, polled, None)


def _is_retry(loop: Loop) -> bool:
    """`for _ in range(MAX_RETRY): try: ...; break`: the count is a budget, not a collection.

    The loop variable is not used, and the body leaves the loop early (on success)."""
    node = loop.node
    if not isinstance(node, ast.For | ast.AsyncFor) or not isinstance(node.target, ast.Name):
        return False
    counter = node.target.id
    leaves = False
    stack: list[tuple[ast.AST, bool]] = [(child, False) for child in node.body]
    while stack:
        current, in_inner_loop = stack.pop()
        if isinstance(current, ast.Name) and current.id == counter and counter != "_":
            return False
        if isinstance(current, ast.Return) or (
            isinstance(current, ast.Break) and not in_inner_loop
        ):
            leaves = True
        if isinstance(current, _NESTED_SCOPES):
            continue
        inner = in_inner_loop or isinstance(current, ast.For | ast.AsyncFor | ast.While)
        stack.extend((child, inner) for child in ast.iter_child_nodes(current))
    return leaves


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _is_range(expr: ast.expr | None) -> bool:
    return (
        isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "range"
    )


def collection_size(expr: ast.expr | None, scope: Scope) -> int | None:
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        if any(isinstance(e, ast.Starred) for e in expr.elts):
            return None
        return len(expr.elts)
    if _is_range(expr):
        assert isinstance(expr, ast.Call)
        values = [constant(a, scope) for a in expr.args]
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            ints = [int(v) for v in values if isinstance(v, int)]
            try:
                return len(range(*ints))
            except (TypeError, ValueError):  # range(1, 2, 0)
                return None
    return None


@record
class _LoopState:
    """What a `for` loop's body does to names, computed once per loop (the first uses only
    when a call asks: another walk of the loop, and most calls never need it)."""

    changed: frozenset[str]
    """Names changed in place (`x += 1`, `history.append(...)`, `conv.add(...)`)."""
    bound: frozenset[str]
    """Names assigned in the body."""
    derived: dict[str, frozenset[str]]
    """Names assigned in the body -> the names their values read."""
    items: frozenset[str]
    """The loop's own target."""
    loop: ast.For | ast.AsyncFor
    first_uses: dict[str, tuple[dict[str, int], dict[str, int]]] = field(
        default_factory=dict, compare=False
    )
    """`_first_uses` of the loop, once asked for (under the key "")."""

    def first(self) -> tuple[dict[str, int], dict[str, int]]:
        """(first line that reads, first line that assigns) each changed or bound name."""
        found = self.first_uses.get("")
        if found is None:
            found = self.first_uses[""] = _first_uses(self.loop, self.changed | self.bound)
        return found


def _carries_state(loop: Loop, call: ast.expr, scope: Scope) -> bool:
    """Whether the call reads state that one iteration leaves for the next
    (`history.append(answer)`, `summary = ask(summary + chunk)`).

    Names bound only inside the loop body are fresh in each iteration, and the loop target is
    the item itself; neither makes one request depend on another.
    """
    if not isinstance(loop.node, ast.For | ast.AsyncFor):
        return False  # comprehensions and fan-outs have no statements that carry state
    state = _loop_state(loop.node, scope)
    read = _names_read(call)
    for _ in range(8):  # what the call reads through variables computed in the loop
        more = set().union(*(state.derived.get(name, ()) for name in read)) - read
        if not more:
            break
        read |= more
    for candidate in sorted(((state.changed | state.bound) & read) - state.items):
        # Bound before the loop and changed in it, or read in an iteration before that
        # iteration assigns it (`summary = ask(summary + chunk)`): the value comes from the
        # previous iteration. A name assigned afresh in each iteration, then changed, carries
        # nothing.
        if candidate not in state.bound:
            return True
        first_load, first_store = state.first()
        load, store = first_load.get(candidate), first_store.get(candidate)
        if load is not None and store is not None and load <= store:
            return True
    return False


def _loop_state(loop: ast.For | ast.AsyncFor, scope: Scope) -> _LoopState:
    key = ("loop-state", id(loop))
    cached = scope.memo.get(key)
    if isinstance(cached, _LoopState):
        return cached
    changed: set[str] = set()
    bound: set[str] = set()
    derived: dict[str, set[str]] = {}
    for node in walk_without_scopes(loop):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            sources = _names_read(node.value) if node.value is not None else set()
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        (changed if isinstance(node, ast.AugAssign) else bound).add(name.id)
                        derived.setdefault(name.id, set()).update(sources)
        elif isinstance(node, ast.Expr) and _receiver(node.value) is not None:
            # A method called for its effect (`conv.append_message(...)`) changes its object.
            changed.add(_receiver(node.value) or "")
        elif isinstance(node, ast.Call) and _receiver(node) is not None:
            assert isinstance(node.func, ast.Attribute)
            if node.func.attr in _MUTATORS:
                changed.add(_receiver(node) or "")
    state = _LoopState(
        changed=frozenset(changed),
        bound=frozenset(bound),
        derived={name: frozenset(names) for name, names in derived.items()},
        items=frozenset(n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)),
        loop=loop,
    )
    scope.memo[key] = state
    return state


def _receiver(expr: ast.expr) -> str | None:
    """`history` for `history.append(x)` (a method called on a plain name)."""
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and isinstance(expr.func.value, ast.Name)
    ):
        return expr.func.value.id
    return None


def _names_read(expr: ast.AST) -> set[str]:
    return {
        node.id
        for node in (expr, *walk_without_scopes(expr))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _first_uses(
    loop: ast.For | ast.AsyncFor, names: frozenset[str] | set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """The first line of the loop body that reads, and that assigns, each name. A read in the
    value of an assignment counts as before the assignment on the same line."""
    first_load: dict[str, int] = {}
    first_store: dict[str, int] = {}
    for statement in walk_without_scopes(loop):
        if not isinstance(statement, ast.stmt) or statement is loop:
            continue
        for part in ast.iter_child_nodes(statement):
            if isinstance(part, ast.stmt):
                continue
            for node in (part, *walk_without_scopes(part)):
                if isinstance(node, ast.Name) and node.id in names:
                    table = first_store if isinstance(node.ctx, ast.Store) else first_load
                    line = statement.lineno
                    table[node.id] = min(line, table.get(node.id, line))
    return first_load, first_store
