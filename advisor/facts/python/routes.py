"""HTTP route handlers: the functions someone is waiting on.

Decorators on app and router objects (`@app.post("/chat")`, `@bp.route(...)`), Litestar's
`@get("/x")`, and registration calls (`Route("/x", handler)`, Django's `path("x/", view)`,
aiohttp's `app.router.add_get("/x", handler)`). The receiver must be an app or router class from
`advisor/data/frameworks.yaml`; one imported from another module of the project is resolved
across files.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from advisor.facts.python.clients import instance_class
from advisor.facts.python.graph import mount_context, symbol_of
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import call_argument, constant, qualified_name, string
from advisor.facts.python.walk import Context, signature_span
from advisor.model import Evidence, Location, Mount, Pending, RouteHandler
from advisor.routing import join_paths
from advisor.tables import frameworks


class RouteDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Call)

    def visit(self, node: ast.AST, context: Context) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                self._decorator(node, decorator, context)
        elif isinstance(node, ast.Call):
            self._registration(node, context)

    def _decorator(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        decorator: ast.expr,
        context: Context,
    ) -> None:
        if not isinstance(decorator, ast.Call):
            return
        table = frameworks()
        scope = context.scope
        owner = scope.qualname
        handler = f"{context.module.module}.{owner + '.' if owner else ''}{function.name}"
        target = decorator.func
        name = symbol_of(target, scope)
        if name in table.route_functions:  # Litestar @get("/x")
            route = _route(
                table.route_function_framework,
                _methods(decorator, table.route_functions[name], scope),
                _path(decorator, scope),
                handler,
                None,
                function,
                context,
            )
            context.facts.append(route)
            return
        if not isinstance(target, ast.Attribute) or target.attr not in table.decorator_methods:
            return
        defaults = table.decorator_methods[target.attr]
        methods = _methods(decorator, defaults, scope)
        path = _path(decorator, scope)
        receiver_class = instance_class(target.value, scope)
        router = symbol_of(target.value, scope) or _module_name(target.value, context)
        if receiver_class in table.apps:
            app = table.apps[receiver_class]
            prefix = _receiver_prefix(target.value, scope, app.prefix_keyword)
            full = join_paths(prefix, path)
            route = _route(app.framework, methods, full, handler, router, function, context)
            context.facts.append(replace(route, router_prefix=prefix or None))
            return
        if router is not None and _imported(target.value, scope):
            template = _route("", methods, path, handler, router, function, context)
            context.module.pending.append(Pending(receiver=router, candidates=(template,)))

    def _registration(self, node: ast.Call, context: Context) -> None:
        table = frameworks()
        scope = context.scope
        func = node.func
        name = symbol_of(func, scope)
        if name in table.route_calls:
            spec = table.route_calls[name]
            handler_expr = call_argument(node, None, spec.handler_position)
            if handler_expr is None:
                handler_expr = call_argument(node, "endpoint", None) or call_argument(
                    node, "view", None
                )
            path = string(call_argument(node, None, spec.path_position), scope)
            literal_path = path if isinstance(path, str) else None
            if spec.framework == "django":
                self._django(node, literal_path, handler_expr, context)
                return
            prefix, owner = mount_context(node, context)
            methods = _methods(node, spec.methods, scope)
            self._registered(
                spec.framework,
                methods,
                join_paths(prefix, literal_path),
                handler_expr,
                node,
                context,
                router=owner if prefix else None,
            )
            return
        if isinstance(func, ast.Attribute) and func.attr in table.route_call_methods:
            receiver_class = instance_class(_router_owner(func.value), scope)
            if receiver_class not in table.apps:
                return
            handler_expr = call_argument(node, "view_func", 1) or call_argument(node, "endpoint", 1)
            path = string(call_argument(node, "rule", 0), scope)
            if not isinstance(path, str):
                path = string(call_argument(node, "path", 0), scope)
            methods = _methods(node, table.route_call_methods[func.attr], scope)
            self._registered(
                table.apps[receiver_class].framework,
                methods,
                path if isinstance(path, str) else None,
                handler_expr,
                node,
                context,
            )

    def _django(
        self, node: ast.Call, path: str | None, view: ast.expr | None, context: Context
    ) -> None:
        """`path("chat/", views.chat)` is a route of this urls module; `path("api/",
        include("chat.urls"))` serves another urls module under a prefix. Django matches
        paths relative to the site root, so they are shown with a leading slash."""
        urlpatterns = f"{context.module.module}.urlpatterns"
        rooted = "/" + path.lstrip("/") if path is not None else None
        if isinstance(view, ast.Call) and qualified_name(view.func, context.scope) in (
            frameworks().includes
        ):
            included = view.args[0] if view.args else None
            module = string(included, context.scope) if included is not None else None
            if not isinstance(module, str) and included is not None:
                module = qualified_name(included, context.scope)
            if isinstance(module, str) and rooted is not None:
                context.module.mounts.append(
                    Mount(urlpatterns, f"{module}.urlpatterns", rooted, node.lineno)
                )
            return
        methods = _methods(node, ("ANY",), context.scope)
        self._registered("django", methods, rooted, view, node, context, router=urlpatterns)

    def _registered(
        self,
        framework: str,
        methods: tuple[str, ...],
        path: str | None,
        handler_expr: ast.expr | None,
        node: ast.Call,
        context: Context,
        router: str | None = None,
    ) -> None:
        if handler_expr is None:
            return
        class_based = (
            isinstance(handler_expr, ast.Call)
            and isinstance(handler_expr.func, ast.Attribute)
            and handler_expr.func.attr == "as_view"
        )
        if class_based:  # Django: View.as_view() -> the class, whose methods handle requests
            assert isinstance(handler_expr, ast.Call) and isinstance(
                handler_expr.func, ast.Attribute
            )
            handler_expr = handler_expr.func.value
        handler = symbol_of(handler_expr, context.scope)
        if handler is None:
            return
        context.facts.append(
            RouteHandler(
                evidence=context.evidence(node),
                framework=framework,
                methods=methods,
                path=path,
                handler=handler,
                router=router,
                is_async=False,
            )
        )


def _route(
    framework: str,
    methods: tuple[str, ...],
    path: str | None,
    handler: str,
    router: str | None,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    context: Context,
) -> RouteHandler:
    """A route reported at its `def` line; a suppression on a decorator or signature line
    applies to it."""
    first = min([d.lineno for d in function.decorator_list] + [function.lineno])
    _, signature_end = signature_span(function, context.source)
    owner = context.scope.qualname
    return RouteHandler(
        evidence=Evidence(
            location=Location(
                context.path,
                function.lineno,
                context.source.column(function.lineno, function.col_offset),
            ),
            snippet=context.source.line_text(function.lineno).strip(),
            anchors=((first, signature_end), *context.signatures),
            function=f"{owner}.{function.name}" if owner else function.name,
        ),
        framework=framework,
        methods=methods,
        path=path,
        handler=handler,
        router=router,
        is_async=isinstance(function, ast.AsyncFunctionDef),
    )


def _path(decorator: ast.Call, scope: Scope) -> str | None:
    value = call_argument(decorator, None, 0)
    if value is None:
        for keyword in ("path", "rule"):
            value = call_argument(decorator, keyword, None)
            if value is not None:
                break
    if isinstance(value, ast.List | ast.Tuple) and value.elts:  # Litestar: @get(["/a", "/b"])
        value = value.elts[0]
    found = string(value, scope) if value is not None else None
    return found if isinstance(found, str) else None


def _methods(call: ast.Call, defaults: tuple[str, ...], scope: Scope) -> tuple[str, ...]:
    for keyword in ("methods", "http_method"):
        value = call_argument(call, keyword, None)
        if isinstance(value, ast.List | ast.Tuple | ast.Set):
            found = [constant(v, scope) for v in value.elts]
            if found and all(isinstance(v, str) for v in found):
                return tuple(sorted(str(v).upper() for v in found))
        text = string(value, scope) if value is not None else None
        if isinstance(text, str):
            return (text.upper(),)
    return defaults


def _receiver_prefix(expr: ast.expr, scope: Scope, keyword: str | None) -> str | None:
    if keyword is None or not isinstance(expr, ast.Name):
        return None
    binding = scope.single(expr.id)
    if binding is None or binding.kind != "value" or not isinstance(binding.node, ast.Call):
        return None
    value = string(call_argument(binding.node, keyword, None), binding.scope)
    return value if isinstance(value, str) else None


def _router_owner(expr: ast.expr) -> ast.expr:
    """`app.router.add_get`: the app is the owner of `router`."""
    if isinstance(expr, ast.Attribute) and expr.attr == "router":
        return expr.value
    return expr


def _imported(expr: ast.expr, scope: Scope) -> bool:
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        return binding is not None and binding.kind == "import"
    return isinstance(expr, ast.Attribute)


def _module_name(expr: ast.expr, context: Context) -> str | None:
    if isinstance(expr, ast.Name) and context.scope.module_scope.bindings.get(expr.id):
        return f"{context.module.module}.{expr.id}"
    return None
