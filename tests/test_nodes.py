"""`child_nodes` lists what `ast.iter_child_nodes` yields, contexts and operators aside, without
checking the type of each value: proven here on every node of the standard library and on a
module that holds the fields with plain values or holes. `statements_without_scopes`, which
enters no expression, finds the statements that `walk_without_scopes` finds."""

from __future__ import annotations

import ast
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from advisor.facts.python.nodes import child_nodes, walk
from advisor.facts.python.values import statements_without_scopes, walk_without_scopes

_NEVER_VISITED = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)

_ODD_FIELDS = """
def f(a, *, b, c=1, **k):
    global g
    try:
        return 1
    except* ValueError:
        class Inner:
            def method(self): return 2
    finally:
        while a:
            with b: return 3
    x = {**a, "k": 1}
    def inner():
        nonlocal x
    match a:
        case Point(x=0, y=_) | None: pass
        case {"k": v, **rest}: pass
        case [1, *others]: pass
        case True: pass
    return f"{a!r:>{b}}" + b"\\x00".decode() + str(...)
x = lambda *args, z=2, **kw: (yield from args)
"""


def _expected(node: ast.AST) -> list[ast.AST]:
    return [c for c in ast.iter_child_nodes(node) if not isinstance(c, _NEVER_VISITED)]


def _check(tree: ast.AST) -> int:
    count = 0
    for node in ast.walk(tree):
        assert child_nodes(node) == _expected(node), ast.dump(node)[:200]
        if isinstance(node, _DEFINITIONS):
            assert _statement_ids(statements_without_scopes(node)) == _statement_ids(
                walk_without_scopes(node)
            ), ast.dump(node)[:200]
        count += 1
    return count


_DEFINITIONS = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _statement_ids(nodes: Iterable[ast.AST]) -> list[int]:
    return sorted(id(node) for node in nodes if isinstance(node, ast.stmt))


def test_odd_fields() -> None:
    tree = ast.parse(_ODD_FIELDS, type_comments=True)
    assert _check(tree) > 60
    assert [type(n) for n in walk(tree)] == [
        type(n) for n in ast.walk(tree) if not isinstance(n, _NEVER_VISITED)
    ]


def test_skipped_types_are_left_out() -> None:
    call = ast.parse("f(lambda: 1, x, *y)", mode="eval").body
    assert [type(n) for n in child_nodes(call, (ast.Lambda,))] == [ast.Name, ast.Name, ast.Starred]


def test_every_node_of_the_standard_library() -> None:
    checked = 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[::2]:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        checked += _check(tree)
    assert checked > 100_000  # half of the top-level modules, for time
