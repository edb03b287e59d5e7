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


SCOPE_ROOTS = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
"""Where a scope's own code ends, going up: nodes that start a scope."""


def _arm(statement: ast.AST, child: ast.AST) -> str | None:
    line = getattr(statement, "lineno", 0)
    if isinstance(statement, ast.If | ast.IfExp):
        if isinstance(statement, ast.If):
            body: list[ast.AST] = list(statement.body)
            orelse: list[ast.AST] = list(statement.orelse)
        else:
            body, orelse = [statement.body], [statement.orelse]
        if any(child is part for part in body):
            return f"if@{line}:body"
        if any(child is part for part in orelse):
            return f"if@{line}:orelse"
        return None  # the test runs in every case
    if isinstance(statement, ast.Try | ast.TryStar):
        if any(child is part for part in statement.body) or any(
            child is part for part in statement.orelse
        ):
            return f"try@{line}:body"
        for index, handler in enumerate(statement.handlers):
            if child is handler:
                return f"try@{line}:handler{index}"
        return None  # finally runs in every case
    if isinstance(statement, ast.Match):
        for index, case in enumerate(statement.cases):
            if child is case:
                return f"match@{line}:case{index}"
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
