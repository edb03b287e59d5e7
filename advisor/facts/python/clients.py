"""Which LLM SDK client an expression refers to, if the module says so unambiguously.

Clients live in module globals, local variables, `self` attributes, annotated parameters and
factory functions; each of those is followed here. An expression whose client cannot be
established (an attribute of some config object, a value passed in without annotation) resolves
to None, and the call produces no fact: a guess would become a false finding.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from advisor.facts.python.scopes import Binding, Scope
from advisor.facts.python.values import MAX_DEPTH, qualified_name, walk_without_scopes
from advisor.tables import Sdk, client_classes, sdk_modules


@dataclass(frozen=True)
class ClientRef:
    sdk: Sdk
    name: str
    """Qualified client class, or the SDK module for module-level calls."""
    is_async: bool
    module_level: bool = False


def infer_client(expr: ast.expr, scope: Scope, depth: int = 0) -> ClientRef | None:
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Await):
        return infer_client(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Call):
        return _client_from_call(expr, scope, depth)
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        return _client_from_binding(binding, depth) if binding else None
    if isinstance(expr, ast.Attribute):
        owner = expr.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            return _client_from_self_attribute(expr.attr, scope, depth)
        qualified = qualified_name(expr, scope)
        if qualified in sdk_modules():
            sdk = sdk_modules()[qualified]
            return ClientRef(sdk, qualified, False, True) if sdk.module_calls else None
    return None


def client_from_annotation(annotation: ast.expr | None, scope: Scope) -> ClientRef | None:
    """`OpenAI`, `"OpenAI"`, `OpenAI | None`, `Optional[OpenAI]`, `Annotated[OpenAI, ...]`."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            parsed = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
        return client_from_annotation(parsed, scope)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        found = [c for c in (client_from_annotation(s, scope) for s in sides) if c]
        return found[0] if len(found) == 1 else None
    if isinstance(annotation, ast.Subscript):
        wrapper = qualified_name(annotation.value, scope) or ""
        if wrapper.split(".")[-1] in ("Optional", "Annotated"):
            inner = annotation.slice
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return client_from_annotation(first, scope)
        return None
    qualified = qualified_name(annotation, scope)
    if qualified in client_classes():
        sdk, is_async = client_classes()[qualified]
        return ClientRef(sdk, qualified, is_async)
    return None


def _client_from_binding(binding: Binding, depth: int) -> ClientRef | None:
    if binding.kind == "import" and binding.qualified in sdk_modules():
        sdk = sdk_modules()[binding.qualified]
        return ClientRef(sdk, binding.qualified, False, True) if sdk.module_calls else None
    if binding.kind == "value" and isinstance(binding.node, ast.expr):
        return infer_client(binding.node, binding.scope, depth + 1) or client_from_annotation(
            binding.annotation, binding.scope
        )
    if binding.kind in ("param", "annotation"):
        return client_from_annotation(binding.annotation, binding.scope)
    return None


def _client_from_call(call: ast.Call, scope: Scope, depth: int) -> ClientRef | None:
    qualified = qualified_name(call.func, scope)
    if qualified in client_classes():
        sdk, is_async = client_classes()[qualified]
        return ClientRef(sdk, qualified, is_async)
    if isinstance(call.func, ast.Name):
        binding = scope.single(call.func.id)
        if binding is not None and binding.kind == "def":
            return _client_from_factory(binding, depth)
    return None


def _client_from_factory(binding: Binding, depth: int) -> ClientRef | None:
    """A function in this module that is annotated to return a client, or returns one."""
    function = binding.node
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    inner = Scope(function, binding.scope)
    annotated = client_from_annotation(function.returns, binding.scope)
    if annotated:
        return annotated
    returned = [
        node.value
        for node in walk_without_scopes(function)
        if isinstance(node, ast.Return) and node.value is not None
    ]
    clients = [infer_client(value, inner, depth + 1) for value in returned]
    if clients and all(c is not None and c == clients[0] for c in clients):
        return clients[0]
    return None


def _client_from_self_attribute(attr: str, scope: Scope, depth: int) -> ClientRef | None:
    """`self.client` where the class assigns or annotates `client` exactly once."""
    method_scope: Scope | None = scope
    while method_scope is not None and method_scope.enclosing_class is None:
        method_scope = method_scope.parent
    if method_scope is None or method_scope.parent is None:
        return None
    cls = method_scope.enclosing_class
    assert cls is not None
    class_scope = method_scope.parent
    candidates: list[tuple[ast.expr, Scope, bool]] = []
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and _is_name(stmt.target, attr):
            candidates.append((stmt.annotation, class_scope, True))
            if stmt.value is not None:
                candidates.append((stmt.value, class_scope, False))
        elif isinstance(stmt, ast.Assign) and any(_is_name(t, attr) for t in stmt.targets):
            candidates.append((stmt.value, class_scope, False))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            method = Scope(stmt, class_scope)
            for node in walk_without_scopes(stmt):
                if isinstance(node, ast.Assign):
                    if any(_is_self_attribute(t, attr) for t in node.targets):
                        candidates.append((node.value, method, False))
                elif isinstance(node, ast.AnnAssign) and _is_self_attribute(node.target, attr):
                    candidates.append((node.annotation, method, True))
                    if node.value is not None:
                        candidates.append((node.value, method, False))
    annotated = {
        client_from_annotation(expr, where)
        for expr, where, is_annotation in candidates
        if is_annotation
    }
    if annotated:
        # The declared type is authoritative; assignments may be unresolvable calls.
        return annotated.pop() if len(annotated) == 1 else None
    assigned = {
        infer_client(expr, where, depth + 1)
        for expr, where, _ in candidates
        if not (isinstance(expr, ast.Constant) and expr.value is None)  # `self.client = None`
    }
    return assigned.pop() if len(assigned) == 1 else None


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_self_attribute(node: ast.expr, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )
