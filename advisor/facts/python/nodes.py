"""Child nodes of a syntax tree, enumerated fast.

Detectors walk parts of a module many times (a scope's own code, a function's statements, a
loop's body). `ast.iter_child_nodes` is two generators deep and yields every node, including
the `Load`/`Store` context of each name and the operator of each expression, which nothing
looks at as a node (they are read as `node.ctx`, `node.op`). Here a list is built from the
fields that can hold nodes, per node type once: on the openai-python tree the walks that use
it took a third of a file's analysis.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

_NOT_CHILDREN = frozenset(
    {
        # contexts and operators: read as attributes, never visited
        "ctx",
        "op",
        "ops",
        # fields that hold plain values (names, numbers, flags), never nodes
        "id",
        "attr",
        "arg",
        "name",
        "asname",
        "module",
        "level",
        "kind",
        "conversion",
        "is_async",
        "simple",
        "type_comment",
        "lineno",
        "col_offset",
        "end_lineno",
        "end_col_offset",
    }
)
_PLAIN_VALUES: dict[str, frozenset[str]] = {
    # fields of these node types that hold plain values (or lists of them), never nodes
    "Constant": frozenset({"value"}),
    "MatchSingleton": frozenset({"value"}),
    "Global": frozenset({"names"}),
    "Nonlocal": frozenset({"names"}),
    "MatchClass": frozenset({"kwd_attrs"}),
    "MatchMapping": frozenset({"rest"}),
    "TypeIgnore": frozenset({"tag"}),
}
_HOLES = frozenset({("Dict", "keys"), ("arguments", "kw_defaults")})
"""List fields with None in them: `{**rest}`'s key, a keyword-only argument without default."""

_Fields = tuple[tuple[str, bool], ...]
_FIELDS: dict[type[ast.AST], _Fields] = {}


def _fields(node_type: type[ast.AST]) -> _Fields:
    """(field, whether None is to be left out of its list) for each field that holds nodes."""
    found = _FIELDS.get(node_type)
    if found is None:
        plain = _PLAIN_VALUES.get(node_type.__name__, frozenset())
        found = tuple(
            (f, (node_type.__name__, f) in _HOLES)
            for f in node_type._fields
            if f not in _NOT_CHILDREN and f not in plain
        )
        _FIELDS[node_type] = found
    return found


def fields_of(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that can hold child nodes."""
    return tuple(name for name, _ in _fields(node_type))


def child_nodes(node: ast.AST, skipped: frozenset[type[ast.AST]] = frozenset()) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)`, in the same order, without contexts and operators, nor
    the nodes of the `skipped` classes (exactly those: the parser makes no subclasses). Every
    value of the fields listed is a node, a list of nodes or None (`tests/test_nodes.py`
    compares with `ast.iter_child_nodes` on the standard library), so no value is
    type-checked: this runs for every node of every walk."""
    fields = _FIELDS.get(node.__class__)
    if fields is None:
        fields = _fields(node.__class__)
    found: list[ast.AST] = []
    for name, holes in fields:
        value = getattr(node, name, None)
        if value is None:
            continue
        if value.__class__ is list:
            if holes:
                found.extend(item for item in value if item is not None)
            else:
                found.extend(value)
        else:
            found.append(value)
    if skipped:
        return [child for child in found if child.__class__ not in skipped]
    return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)`, in the same order, without contexts and operators."""
    queue = deque([node])
    while queue:
        current = queue.popleft()
        queue.extend(child_nodes(current))
        yield current
