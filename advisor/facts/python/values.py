"""What an expression is known to be before the program runs.

Three answers are possible and all three matter: a literal value, "not present", and UNKNOWN.
Detectors must turn UNKNOWN into "no finding" (precision over recall), so every function here
returns it whenever a value depends on run time: parameters, calls, loops, re-assignment.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from advisor.facts.python.nodes import child_nodes
from advisor.facts.python.scopes import Binding, Scope

MAX_DEPTH = 8


class Unknown(enum.Enum):
    UNKNOWN = "unknown"

    def __bool__(self) -> bool:  # an UNKNOWN is never truthy by accident
        return False


UNKNOWN = Unknown.UNKNOWN


def single_value(name: str, scope: Scope) -> tuple[ast.expr, Scope] | None:
    """The expression `name` was assigned, if it was assigned exactly once."""
    binding = scope.single(name)
    if binding is None or binding.kind != "value" or not isinstance(binding.node, ast.expr):
        return None
    return binding.node, binding.scope


def constant(expr: ast.expr | None, scope: Scope, depth: int = 0) -> object:
    """A literal str/bytes/int/float/bool/None value of `expr`, or UNKNOWN."""
    if expr is None or depth > MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Name):
        found = single_value(expr.id, scope)
        return constant(found[0], found[1], depth + 1) if found else UNKNOWN
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = constant(expr.left, scope, depth + 1)
        right = constant(expr.right, scope, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for part in expr.values:
            value = constant(part, scope, depth + 1)
            if not isinstance(value, str):
                return UNKNOWN
            parts.append(value)
        return "".join(parts)
    return UNKNOWN


def string(expr: ast.expr | None, scope: Scope) -> str | Unknown | None:
    value = constant(expr, scope)
    if value is None or isinstance(value, str):
        return value
    return UNKNOWN


def boolean(expr: ast.expr | None, scope: Scope) -> bool | Unknown:
    value = constant(expr, scope)
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return UNKNOWN


@dataclass
class DictValue:
    """A dict literal (possibly spread over `**` merges and `dict(...)` calls)."""

    entries: list[tuple[str, ast.expr, Scope]] = field(default_factory=list)
    complete: bool = True
    """False when some key is computed at run time or a `**` part is unknown."""

    def get(self, key: str) -> tuple[ast.expr, Scope] | None:
        for name, value, scope in reversed(self.entries):
            if name == key:
                return value, scope
        return None


def mapping(expr: ast.expr | None, scope: Scope, depth: int = 0) -> DictValue | Unknown:
    if expr is None or depth > MAX_DEPTH:
        return UNKNOWN
    if isinstance(expr, ast.Dict):
        result = DictValue()
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:  # {**other}
                merged = mapping(value, scope, depth + 1)
                if isinstance(merged, Unknown):
                    result.complete = False
                else:
                    result.entries.extend(merged.entries)
                    result.complete &= merged.complete
                continue
            name = constant(key, scope, depth + 1)
            if isinstance(name, str):
                result.entries.append((name, value, scope))
            else:
                result.complete = False
        return result
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "dict":
        if scope.lookup("dict"):
            return UNKNOWN  # a local `dict` shadows the builtin
        result = DictValue()
        for arg in expr.args:
            merged = mapping(arg, scope, depth + 1)
            if isinstance(merged, Unknown):
                result.complete = False
            else:
                result.entries.extend(merged.entries)
                result.complete &= merged.complete
        for keyword in expr.keywords:
            if keyword.arg is None:
                result.complete = False
            else:
                result.entries.append((keyword.arg, keyword.value, scope))
        return result
    if isinstance(expr, ast.Name):
        found = single_value(expr.id, scope)
        if found is None:
            return UNKNOWN
        literal = mapping(found[0], found[1], depth + 1)
        if isinstance(literal, Unknown):
            return literal
        return _with_mutations(expr.id, found[1], literal, depth)
    return UNKNOWN


# Methods on a dict that only read it, and those that may remove keys.
_DICT_READERS = frozenset({"get", "items", "keys", "values", "copy", "__contains__", "__getitem__"})
_DICT_REMOVERS = frozenset({"pop", "popitem", "clear", "__delitem__"})


def _with_mutations(name: str, scope: Scope, literal: DictValue, depth: int) -> DictValue | Unknown:
    """The dict `name` after what its scope does to it: `d[k] = v`, `d.update(...)`,
    `d.setdefault(k, v)` add entries; removing keys or handing `d` to other code makes the
    result incomplete (flow-insensitive: every change anywhere in the scope counts)."""
    result = DictValue(list(literal.entries), literal.complete)
    parents = scope.parents
    for use in scope.loads(name):
        parent = parents.get(id(use))
        if isinstance(parent, ast.Subscript) and parent.value is use:
            statement = parents.get(id(parent))
            if isinstance(parent.ctx, ast.Store) and isinstance(statement, ast.Assign):
                key = constant(parent.slice, scope)
                if isinstance(key, str):
                    result.entries.append((key, statement.value, scope))
                else:
                    result.complete = False
            elif isinstance(parent.ctx, ast.Del):
                result.complete = False
            continue
        if isinstance(parent, ast.Attribute) and parent.value is use:
            call = parents.get(id(parent))
            method = parent.attr
            if not (isinstance(call, ast.Call) and call.func is parent) or method in _DICT_READERS:
                continue
            if method == "update":
                for arg in call.args:
                    merged = mapping(arg, scope, depth + 1)
                    if isinstance(merged, Unknown):
                        result.complete = False
                    else:
                        result.entries.extend(merged.entries)
                for keyword in call.keywords:
                    if keyword.arg is None:
                        result.complete = False
                    else:
                        result.entries.append((keyword.arg, keyword.value, scope))
            elif method == "setdefault" and call.args:
                key = constant(call.args[0], scope)
                if isinstance(key, str) and len(call.args) > 1:
                    result.entries.insert(0, (key, call.args[1], scope))
                else:
                    result.complete = False
            else:  # pop, clear or any other method: keys may be gone
                result.complete = False
            continue
        if isinstance(parent, ast.keyword | ast.Dict | ast.Compare | ast.Expr | ast.FormattedValue):
            continue  # passed as `headers=d`, spread with **d, compared, printed
        if isinstance(parent, ast.Call) and use not in parent.args:
            continue
        result.complete = False  # handed to other code or aliased: it may change there
    return result


def qualified_name(expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
    """`starlette.responses.StreamingResponse` for `StreamingResponse` imported from there.

    Follows imports and simple aliases (`SR = StreamingResponse`); anything else is None.
    """
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Attribute):
        base = qualified_name(expr.value, scope, depth + 1)
        return f"{base}.{expr.attr}" if base else None
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None:
            return None
        if binding.kind == "import":
            return binding.qualified
        if binding.kind == "value" and isinstance(binding.node, ast.Name | ast.Attribute):
            return qualified_name(binding.node, binding.scope, depth + 1)
        if binding.kind in ("class", "def"):
            return _local_name(binding)
    return None


def _local_name(binding: Binding) -> str:
    name = getattr(binding.node, "name", "?")
    owner = binding.scope.qualname
    module = binding.scope.module or "<module>"
    return f"{module}.{owner}.{name}" if owner else f"{module}.{name}"


def call_argument(call: ast.Call, keyword: str | None, position: int | None) -> ast.expr | None:
    """The argument passed for a parameter, by keyword or position; None if not passed."""
    if keyword is not None:
        for kw in call.keywords:
            if kw.arg == keyword:
                return kw.value
    if position is not None and position < len(call.args):
        candidates = call.args[: position + 1]
        if not any(isinstance(a, ast.Starred) for a in candidates):
            return call.args[position]
    return None


def bind_parameters(
    function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, method: bool
) -> dict[str, ast.expr | None]:
    """Parameter -> the argument expression (or default) of this call; None when unknown."""
    args = function.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if method and positional:
        positional = positional[1:]
    defaults = (
        dict(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
        if len(args.defaults) <= len(positional)
        else {}
    )
    bound: dict[str, ast.expr | None] = {}
    starred = any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    )
    for index, name in enumerate(positional):
        value = call_argument(call, name, index)
        bound[name] = value if value is not None else (None if starred else defaults.get(name))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        value = call_argument(call, arg.arg, None)
        bound[arg.arg] = value if value is not None else (None if starred else default)
    return bound


def flag_argument(call: ast.Call, keyword: str | None, scope: Scope) -> bool | None:
    """A boolean option of a call such as `stream=True`: its literal value, False when it is
    not passed, None when it is computed or `**kwargs` may pass it."""
    value = call_argument(call, keyword, None)
    if value is None:
        return None if has_unknown_arguments(call) else False
    found = boolean(value, scope)
    return None if isinstance(found, Unknown) else found


def has_unknown_arguments(call: ast.Call) -> bool:
    """`f(*args)` or `f(**kwargs)`: any parameter may have been passed."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords
    )


def attribute_chain(expr: ast.expr) -> tuple[ast.expr, list[str]]:
    """`a.b.c` -> (`a`, ["b", "c"]); the base is whatever is left of the attributes."""
    names: list[str] = []
    while isinstance(expr, ast.Attribute):
        names.append(expr.attr)
        expr = expr.value
    names.reverse()
    return expr, names


def statements_without_scopes(node: ast.AST) -> Iterator[ast.stmt]:
    """The statements in `node`'s blocks, at any depth, not descending into nested functions
    or classes (they are yielded, their bodies are not): what `walk_without_scopes` yields that
    is a statement, found without entering a single expression (statements sit only in blocks,
    and most nodes of a function are in its expressions)."""
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        for name in _BLOCK_FIELDS.get(current.__class__, ()):
            for child in getattr(current, name):
                if isinstance(child, ast.stmt):
                    yield child
                    if not isinstance(child, _NESTED_DEFINITIONS):
                        stack.append(child)
                else:  # an except handler or a match case: a block of its own
                    stack.append(child)


_NESTED_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCK_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {
    node_type: tuple(f for f in ("body", "handlers", "orelse", "finalbody", "cases") if f in fields)
    for node_type in (
        ast.Module,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.If,
        ast.With,
        ast.AsyncWith,
        ast.Try,
        ast.TryStar,
        ast.Match,
        ast.ExceptHandler,
        ast.match_case,
    )
    for fields in [node_type._fields]
}
"""The fields of each node type that hold statements, or handlers and cases that do."""


def walk_without_scopes(node: ast.AST) -> Iterator[ast.AST]:
    """Nodes under `node`, not descending into nested functions, lambdas or classes."""
    stack = child_nodes(node)
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(child_nodes(current))
