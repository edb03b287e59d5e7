"""Which arms of `if`, `try` and `match` statements a node sits in, within its function.

Two model calls of one request run one after the other unless they sit in different arms of
the same statement: `if stream: a() else: b()` makes one call, not two, and so does a `try`
whose `except` falls back to another model. The flowchart counts sequential calls with this.
"""

from __future__ import annotations

import ast

Branch = tuple[str, ...]
"""Outermost first: `if@12:body`, `if@12:orelse`, `try@20:handler0`, `match@30:case1`."""

_MAX_STEPS = 200


def branch_of(
    node: ast.AST, parents: dict[int, ast.AST], stop: tuple[type[ast.AST], ...] = ()
) -> Branch:
    """The arms around `node` up to its function: `parents` holds the parents of the
    function's own code (`Scope.parents`), or of more than that, and then `stop` names the
    node types where the function's code ends (definitions, lambdas: `SCOPE_ROOTS`)."""
    arms: list[str] = []
    child = node
    parent = parents.get(id(node))
    for _ in range(_MAX_STEPS):
        if parent is None:
            break
        arm = _arm(parent, child)
        if arm is not None:
            arms.append(arm)
        if stop and isinstance(parent, stop):
            break
        child, parent = parent, parents.get(id(parent))
    return tuple(reversed(arms))


Remembered = dict[int, tuple[Branch, int]]
"""`remembered_branch_of`'s memory: for each node, its branch and how many ancestors up to
the end of its function that took."""


def remembered_branch_of(
    node: ast.AST, parents: dict[int, ast.AST], stop: tuple[type[ast.AST], ...], memo: Remembered
) -> Branch:
    """`branch_of`, remembering the branch of every ancestor on the way up: the calls of one
    statement, and the statements of one arm, share their ancestors' arms, found once."""
    chain: list[tuple[ast.AST, ast.AST]] = []
    current = node
    known = memo.get(id(current))
    while known is None:
        parent = parents.get(id(current))
        if parent is None:
            known = memo[id(current)] = ((), 0)
            break
        chain.append((current, parent))
        if isinstance(parent, stop):
            known = ((), 0)  # where the function's code ends: nothing above counts
            break
        current = parent
        known = memo.get(id(current))
    arms, steps = known
    for child, parent in reversed(chain):
        arm = _arm(parent, child)
        if arm is not None:
            arms = (*arms, arm)
        steps += 1
        memo[id(child)] = (arms, steps)
    if steps > _MAX_STEPS:  # as far as `branch_of` looks
        return branch_of(node, parents, stop)
    return arms


SCOPE_ROOTS = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
"""Where a scope's own code ends, going up: nodes that start a scope."""


def _arm(statement: ast.AST, child: ast.AST) -> str | None:
    # `child in body` compares by identity: AST nodes have no equality of their own.
    line = getattr(statement, "lineno", 0)
    if isinstance(statement, ast.If):
        if child in statement.body:
            return f"if@{line}:body"
        if child in statement.orelse:
            return f"if@{line}:orelse"
        return None  # the test runs in every case
    if isinstance(statement, ast.IfExp):
        if child is statement.body:
            return f"if@{line}:body"
        if child is statement.orelse:
            return f"if@{line}:orelse"
        return None
    if isinstance(statement, ast.Try | ast.TryStar):
        if child in statement.body or child in statement.orelse:
            return f"try@{line}:body"
        if child in statement.handlers:
            return f"try@{line}:handler{statement.handlers.index(child)}"
        return None  # finally runs in every case
    if isinstance(statement, ast.Match) and child in statement.cases:
        return f"match@{line}:case{statement.cases.index(child)}"
    return None


def exclusive(first: Branch, second: Branch) -> bool:
    """The two places can never both run in one call of the function: some statement holds
    them in different arms (`a()` in an `if` body, `b()` in its `else`)."""
    arms: dict[str, str] = {}
    for arm in first:
        statement, _, part = arm.partition(":")
        arms[statement] = part
    for arm in second:
        statement, _, part = arm.partition(":")
        if statement in arms and arms[statement] != part:
            return True
    return False
