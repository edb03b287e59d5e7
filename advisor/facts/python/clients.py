"""What an expression is an instance of, and which LLM SDK client it is, when the module says.

Objects live in module globals, local variables, `self` attributes, annotated parameters and
factory functions; each of those is followed here. An expression whose class cannot be
established (an attribute of some config object, a value passed in without annotation) resolves
to None: the caller then produces no fact, because a guess would become a false finding.
"""

from __future__ import annotations

import ast

from advisor.facts.python.scopes import Binding, Scope
from advisor.facts.python.values import MAX_DEPTH, qualified_name, statements_without_scopes
from advisor.records import record
from advisor.tables import Sdk, client_classes, client_factories, sdk_modules


@record
class ClientRef:
    sdk: Sdk
    name: str
    """Qualified client class, or the SDK module for module-level calls."""
    is_async: bool
    module_level: bool = False
    traits: frozenset[str] = frozenset()
    """`structured` / `tools` for clients derived with `with_structured_output` / `bind_tools`."""


def instance_class(expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
    """Qualified name of the class `expr` is an instance of, or of the factory that made it."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Await):
        return instance_class(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.Name):
            binding = scope.single(expr.func.id)
            if binding is not None and binding.kind == "def":
                return _factory_class(binding, depth)
        return qualified_name(expr.func, scope)
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        return _binding_class(binding, depth) if binding else None
    if isinstance(expr, ast.Attribute):
        owner = expr.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            return _self_attribute_class(expr.attr, scope, depth)
    return None


def annotation_class(annotation: ast.expr | None, scope: Scope, depth: int = 0) -> str | None:
    """`OpenAI`, `"OpenAI"`, `OpenAI | None`, `Optional[OpenAI]`, `Annotated[OpenAI, ...]`,
    and a type alias of those (`Client = Annotated[OpenAI, Depends(get_client)]`, FastAPI's
    way of injecting a client)."""
    if annotation is None or depth > MAX_DEPTH:
        return None
    if isinstance(annotation, ast.Name):
        binding = scope.single(annotation.id)
        if (
            binding is not None
            and binding.kind == "value"
            and isinstance(binding.node, ast.Subscript | ast.BinOp)
        ):
            return annotation_class(binding.node, binding.scope, depth + 1)
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            parsed = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
        return annotation_class(parsed, scope)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        found = [c for c in (annotation_class(s, scope) for s in sides) if c]
        return found[0] if len(found) == 1 else None
    if isinstance(annotation, ast.Subscript):
        wrapper = qualified_name(annotation.value, scope) or ""
        if wrapper.split(".")[-1] in ("Optional", "Annotated"):
            inner = annotation.slice
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return annotation_class(first, scope, depth + 1)
        return None
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return None
    return qualified_name(annotation, scope)


def infer_client(expr: ast.expr, scope: Scope, depth: int = 0) -> ClientRef | None:
    """The LLM SDK client `expr` refers to, or None."""
    if depth > MAX_DEPTH:
        return None  # `TimeoutError = TimeoutError` (asyncio/exceptions.py): a name bound to itself
    if isinstance(expr, ast.Name | ast.Attribute):
        module = qualified_name(expr, scope)
        if module in sdk_modules():
            sdk = sdk_modules()[module]
            return ClientRef(sdk, module, False, True) if sdk.module_calls else None
    if isinstance(expr, ast.Await):
        return infer_client(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        derived = infer_client(expr.func.value, scope, depth + 1)
        if derived is not None and derived.sdk.derived and expr.func.attr in derived.sdk.derived:
            trait = derived.sdk.derived[expr.func.attr]
            return ClientRef(
                derived.sdk, derived.name, derived.is_async, False, derived.traits | {trait}
            )
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is not None and binding.kind == "value" and isinstance(binding.node, ast.expr):
            found = infer_client(binding.node, binding.scope, depth + 1)
            if found is not None:
                return found
    return client_of_class(instance_class(expr, scope, depth))


def client_of_class(name: str | None) -> ClientRef | None:
    if name is None:
        return None
    if name in client_classes():
        sdk, is_async = client_classes()[name]
        return ClientRef(sdk, name, is_async)
    if name in client_factories():
        return ClientRef(client_factories()[name], name, False)
    return None


def _binding_class(binding: Binding, depth: int) -> str | None:
    if binding.kind == "value" and isinstance(binding.node, ast.expr):
        return instance_class(binding.node, binding.scope, depth + 1) or annotation_class(
            binding.annotation, binding.scope
        )
    if binding.kind in ("param", "annotation"):
        return annotation_class(binding.annotation, binding.scope)
    return None


_IN_PROGRESS = object()


def _factory_class(binding: Binding, depth: int) -> str | None:
    """A function of this module that is annotated to return a class, or returns one.

    Answered once per function (factories are asked about at every call site), and a factory
    that is still being answered (recursion) counts as unknown."""
    function = binding.node
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    key = ("factory", id(function))
    memo = binding.scope.memo
    if key in memo:
        found = memo[key]
        return found if isinstance(found, str) else None
    memo[key] = _IN_PROGRESS
    result = _factory_result(function, binding.scope, depth)
    memo[key] = result
    return result


def _factory_result(
    function: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, depth: int
) -> str | None:
    annotated = annotation_class(function.returns, scope)
    if annotated:
        return annotated
    inner = scope.child(function)
    returned = [
        instance_class(node.value, inner, depth + 1)
        for node in statements_without_scopes(function)
        if isinstance(node, ast.Return) and node.value is not None
    ]
    if returned and all(r is not None and r == returned[0] for r in returned):
        return returned[0]
    return None


def _self_attribute_class(attr: str, scope: Scope, depth: int) -> str | None:
    """`self.client` where the class annotates or assigns `client` consistently (answered
    once per class and attribute)."""
    owner = scope.method_of()
    if owner is None:
        return None
    cls, class_scope = owner
    key = ("self-attribute", id(cls), attr)
    memo = scope.memo
    if key in memo:
        found = memo[key]
        return found if isinstance(found, str) else None
    memo[key] = _IN_PROGRESS
    result = _attribute_class(cls, class_scope, attr, depth)
    memo[key] = result
    return result


Assigned = dict[str, tuple[list[tuple[ast.expr, Scope]], list[tuple[ast.expr, Scope]]]]
"""Attribute name -> (annotations, assigned values), each with the scope it is written in."""


def _attribute_class(cls: ast.ClassDef, class_scope: Scope, attr: str, depth: int) -> str | None:
    annotations, values = _class_attributes(cls, class_scope).get(attr, ([], []))
    declared = {annotation_class(expr, where) for expr, where in annotations}
    if declared:
        # The declared type is authoritative; assignments may be unresolvable calls.
        return declared.pop() if len(declared) == 1 else None
    assigned = {
        instance_class(expr, where, depth + 1)
        for expr, where in values
        if not (isinstance(expr, ast.Constant) and expr.value is None)  # `self.client = None`
    }
    return assigned.pop() if len(assigned) == 1 else None


def _class_attributes(cls: ast.ClassDef, class_scope: Scope) -> Assigned:
    """Every attribute a class body or its methods (`self.x = ...`) bind, in one walk."""
    key = ("class-attributes", id(cls))
    cached = class_scope.memo.get(key)
    if isinstance(cached, dict):
        return cached
    found: Assigned = {}

    def add(name: str, annotation: ast.expr | None, value: ast.expr | None, where: Scope) -> None:
        annotations, values = found.setdefault(name, ([], []))
        if annotation is not None:
            annotations.append((annotation, where))
        if value is not None:
            values.append((value, where))

    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            add(stmt.target.id, stmt.annotation, stmt.value, class_scope)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    add(target.id, None, stmt.value, class_scope)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            method = class_scope.child(stmt)
            for node in statements_without_scopes(stmt):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if _is_self_attribute(target):
                            assert isinstance(target, ast.Attribute)
                            add(target.attr, None, node.value, method)
                elif isinstance(node, ast.AnnAssign) and _is_self_attribute(node.target):
                    assert isinstance(node.target, ast.Attribute)
                    add(node.target.attr, node.annotation, node.value, method)
    class_scope.memo[key] = found
    return found


def _is_self_attribute(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )
