"""`child_nodes` lists what `ast.iter_child_nodes` yields, contexts and operators aside, without
checking the type of each value: proven here on every node of the standard library and on a
module that holds the fields with plain values or holes."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

from advisor.facts.python.nodes import child_nodes, walk

_NEVER_VISITED = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)

_ODD_FIELDS = """
def f(a, *, b, c=1, **k):
    global g
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
        count += 1
    return count


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
