"""Which HTTP client library sent a request, and whether its response body is streamed.

Read from `advisor/data/http_clients.yaml`: module-level request functions (`requests.get`,
`httpx.stream`), methods of client objects (`requests.Session`, `httpx.AsyncClient`,
`aiohttp.ClientSession`) whose receiver resolves through `clients.instance_class`, and
parameters annotated with a response class. Anything else resolves to None, and the detectors
that ask then stay silent.
"""

from __future__ import annotations

import ast

from advisor.facts.python.clients import annotation_class, instance_class
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    MAX_DEPTH,
    call_argument,
    flag_argument,
    qualified_name,
    string,
)
from advisor.records import record
from advisor.tables import HttpCall, http_clients


@record
class HttpResponse:
    library: str
    streamed: bool | None
    """The body is read as it arrives (true), was read whole by the call (false), or unknown
    (a parameter annotated with the response class)."""


def request_shape(call: ast.Call, scope: Scope) -> HttpCall | None:
    """What a request call is, when the function or the client it is called on resolves."""
    table = http_clients()
    func = call.func
    if isinstance(func, ast.Name | ast.Attribute):
        name = qualified_name(func, scope)
        if name in table.calls:
            return table.calls[name]
    if isinstance(func, ast.Attribute):
        owner = instance_class(func.value, scope)
        if owner in table.client_methods:
            return table.client_methods[owner].get(func.attr)
    return None


def request_streams(shape: HttpCall, call: ast.Call, scope: Scope) -> bool | None:
    if shape.stream_always is not None:
        return shape.stream_always
    return flag_argument(call, shape.stream_keyword, scope)


def request_verb(shape: HttpCall, call: ast.Call, scope: Scope) -> str | None:
    """`GET`, `POST`, ...; None when the method is passed as a value the code does not show."""
    if shape.verb is not None:
        return shape.verb
    if shape.verb_position is None:
        return None
    value = string(call_argument(call, "method", shape.verb_position), scope)
    return value.upper() if isinstance(value, str) else None


def http_response(expr: ast.expr, scope: Scope, depth: int = 0) -> HttpResponse | None:
    """The response `expr` holds: a request call, a name bound once to one (also by `with`),
    or a parameter annotated with a response class."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Await):
        return http_response(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Call):
        shape = request_shape(expr, scope)
        if shape is None:
            return None
        return HttpResponse(shape.library, request_streams(shape, expr, scope))
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None:
            return None
        if binding.kind == "value" and isinstance(binding.node, ast.expr):
            found = http_response(binding.node, binding.scope, depth + 1)
            if found is not None:
                return found
        return _annotated(annotation_class(binding.annotation, binding.scope))
    if isinstance(expr, ast.Attribute):
        return _annotated(instance_class(expr, scope))
    return None


def body_reader(expr: ast.expr, scope: Scope, depth: int = 0) -> HttpResponse | None:
    """The response whose body reader (`resp.content` in aiohttp) `expr` is."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ast.Attribute) and expr.attr == "content":
        return http_response(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None:
            return None
        if binding.kind == "value" and isinstance(binding.node, ast.expr):
            found = body_reader(binding.node, binding.scope, depth + 1)
            if found is not None:
                return found
        reader = annotation_class(binding.annotation, binding.scope)
        library = http_clients().readers.get(reader or "")
        return HttpResponse(library, None) if library else None
    return None


def _annotated(name: str | None) -> HttpResponse | None:
    library = http_clients().responses.get(name or "")
    return HttpResponse(library, None) if library else None


def imports_library(scope: Scope, library: str) -> bool:
    """`library` (or something from it) is imported in this scope or one around it."""
    current: Scope | None = scope
    while current is not None:
        for bindings in current.bindings.values():
            for binding in bindings:
                qualified = binding.qualified or ""
                if binding.kind == "import" and (
                    qualified == library or qualified.startswith(library + ".")
                ):
                    return True
        current = current.parent
    return False
