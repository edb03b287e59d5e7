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
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def fields_of(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that can hold child nodes."""
    found = _FIELDS.get(node_type)
    if found is None:
        found = tuple(f for f in node_type._fields if f not in _NOT_CHILDREN)
        _FIELDS[node_type] = found
    return found


def child_nodes(node: ast.AST, skipped: tuple[type[ast.AST], ...] = ()) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)`, in the same order, without contexts and operators, nor
    the `skipped` types."""
    found: list[ast.AST] = []
    for name in _FIELDS.get(type(node)) or fields_of(type(node)):
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            if not isinstance(value, skipped):
                found.append(value)
        elif isinstance(value, list):
            found.extend(
                item
                for item in value
                if isinstance(item, ast.AST) and not isinstance(item, skipped)
            )
    return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)`, in the same order, without contexts and operators."""
    queue = deque([node])
    while queue:
        current = queue.popleft()
        queue.extend(child_nodes(current))
        yield current
