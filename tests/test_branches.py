"""`remembered_branch_of` gives what `branch_of` gives, in whatever order nodes are asked about:
proven on every call of a sample of the standard library (asked in walk order, as the walk
does, and shuffled), and on nesting deeper than `branch_of` looks."""

from __future__ import annotations

import ast
import random
import sysconfig
from pathlib import Path

from advisor.facts.python.branches import (
    SCOPE_ROOTS,
    Remembered,
    branch_of,
    exclusive,
    remembered_branch_of,
)


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _agree(tree: ast.AST, order: random.Random | None) -> int:
    parents = _parents(tree)
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Call | ast.stmt)]
    if order is not None:
        order.shuffle(nodes)
    memo: Remembered = {}
    for node in nodes:
        expected = branch_of(node, parents, SCOPE_ROOTS)
        assert remembered_branch_of(node, parents, SCOPE_ROOTS, memo) == expected
        assert remembered_branch_of(node, parents, SCOPE_ROOTS, memo) == expected  # remembered
    return len(nodes)


def test_the_same_arms_as_branch_of_on_the_standard_library() -> None:
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    shuffle = random.Random(7)
    checked = 0
    for path in files[::6]:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        checked += _agree(tree, None) + _agree(tree, shuffle)
    assert checked > 10_000


def test_arms_of_if_try_match_and_conditional_expressions() -> None:
    tree = ast.parse(
        "def f(x):\n"
        "    if x:\n"
        "        a()\n"
        "    else:\n"
        "        try:\n"
        "            b()\n"
        "        except E:\n"
        "            c() if x else d()\n"
        "    match x:\n"
        "        case 1:\n"
        "            e()\n"
    )
    parents = _parents(tree)
    memo: Remembered = {}
    calls = {
        n.func.id: remembered_branch_of(n, parents, SCOPE_ROOTS, memo)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert calls == {
        "a": ("if@2:body",),
        "b": ("if@2:orelse", "try@5:body"),
        "c": ("if@2:orelse", "try@5:handler0", "if@8:body"),
        "d": ("if@2:orelse", "try@5:handler0", "if@8:orelse"),
        "e": ("match@9:case0",),
    }
    assert exclusive(calls["a"], calls["b"]) and not exclusive(calls["b"], calls["e"])


def test_deeper_than_branch_of_looks() -> None:
    """Past 200 ancestors `branch_of` stops looking; so does the remembered form."""
    tree = ast.parse("def f(x):\n    if x:\n        y = " + "-" * 300 + "g()\n")
    assert _agree(tree, None) and _agree(tree, random.Random(1))
    (call,) = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert branch_of(call, _parents(tree), SCOPE_ROOTS) == ()  # the `if` is too far up
