"""Compression middleware installed on an application (`middleware` facts).

The shapes (the class names are data, in advisor/data/middleware.yaml):
- ASGI: `app.add_middleware(GZipMiddleware, ...)`, `Middleware(GZipMiddleware, ...)` in
  `Starlette(middleware=[...])` / `FastAPI(middleware=[...])`, or wrapping
  `app = BrotliMiddleware(app)`;
- Django: the dotted path in the `MIDDLEWARE` setting (a list literal, `+`, `+=`,
  `.append`/`.insert`/`.extend`; a `.remove` of it in the same module undoes it);
- Flask-Compress: `Compress(app)` or `compress.init_app(app)`, with `COMPRESS_STREAMS`,
  `COMPRESS_MIMETYPES` and `COMPRESS_REGISTER` read from literal `app.config[...] = ...` or
  `app.config.update(...)` in the module. When the app's configuration is also loaded from
  elsewhere (`from_object`, `from_pyfile`, the environment), `config_known` is False;
- Litestar: `CompressionConfig(...)`.

Code that sets `Content-Encoding` on a response it did not build here (a middleware's
`dispatch`, Django's `process_response`, an `after_request` hook) is a `content-encoding-hook`
fact: compression middleware skips responses that already carry that header, and which
responses such a hook touches cannot be told statically.

Starlette's `minimum_size` is irrelevant for streams (a first body message with `more_body`
is always compressed) and `exclude_content_types=` exists only from 1.5.0, where streams are
flushed anyway; neither is recorded.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field

from advisor.facts.python.clients import instance_class
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    Unknown,
    call_argument,
    constant,
    mapping,
    qualified_name,
    string,
    walk_without_scopes,
)
from advisor.facts.python.walk import Context
from advisor.model import ContentEncodingHook, Middleware
from advisor.tables import (
    CONTENT_ENCODING,
    MIDDLEWARE_WRAPPERS,
    CompressionMiddleware,
    compression_middleware,
    frameworks,
    response_classes,
)

_DJANGO_SETTINGS = frozenset({"MIDDLEWARE", "MIDDLEWARE_CLASSES"})
_LIST_ADDERS = frozenset({"append", "insert", "extend"})
_CONFIG_LOADERS = frozenset(
    {"from_object", "from_pyfile", "from_envvar", "from_prefixed_env", "from_file"}
)
_CONFIG_MERGERS = frozenset({"update", "from_mapping", "setdefault"})
_STREAMS = "COMPRESS_STREAMS"
_MIMETYPES = "COMPRESS_MIMETYPES"
_HEADER_SETTERS = frozenset({"setdefault", "__setitem__", "add", "set", "append"})
_REGISTER = "COMPRESS_REGISTER"


@dataclass
class _Config:
    """What a module shows of one Flask app's configuration (flow-insensitive)."""

    values: dict[str, ast.expr] = field(default_factory=dict)
    scopes: dict[str, Scope] = field(default_factory=dict)
    known: bool = True


class MiddlewareDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign)

    def __init__(self) -> None:
        self._django_removed = False
        self._configs: dict[tuple[int, str], _Config] | None = None

    def visit(self, node: ast.AST, context: Context) -> None:
        if isinstance(node, ast.Call):
            self._call(node, context)
            _encoding_hook_call(node, context)
            return
        if isinstance(node, ast.Assign):
            _encoding_hook_assignment(node, context)
        if _settings_scope(context.scope):
            self._django_assignment(node, context)

    def finish(self, context: Context) -> None:
        if self._django_removed:
            context.facts[:] = [
                f
                for f in context.facts
                if not (isinstance(f, Middleware) and f.library == "django")
            ]

    # -- ASGI, Litestar, Flask-Compress ---------------------------------------------------

    def _call(self, node: ast.Call, context: Context) -> None:
        scope = context.scope
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "add_middleware":
            found = _entry(call_argument(node, "middleware_class", 0), scope, "asgi")
            if found is not None:
                self._add(context, node, *found, app=_app_symbol(func.value, scope))
            return
        if isinstance(func, ast.Attribute) and func.attr == "init_app":
            found = _entry_of_instance(func.value, scope, "flask-extension")
            app = call_argument(node, "app", 0)
            if found is not None and app is not None:
                self._flask(node, found, app, context)
            return
        if _settings_scope(scope) and isinstance(func, ast.Attribute):
            self._django_call(node, func, context)
        name = _last_name(func)
        if name is None or not self._maybe_interesting(name, scope):
            return
        qualified = qualified_name(func, scope)
        if qualified in MIDDLEWARE_WRAPPERS:
            found = _entry(call_argument(node, "cls", 0), scope, "asgi")
            if found is not None:
                self._add(context, node, *found, app=_app_of_middleware_list(node, scope))
            return
        entry = compression_middleware().get(qualified or "")
        if entry is None or qualified is None:
            return
        if entry.install == "asgi":
            wrapped = call_argument(node, "app", 0)
            if wrapped is not None:
                self._add(context, node, qualified, entry, app=_app_symbol(wrapped, scope))
        elif entry.install == "litestar-config":
            self._add(context, node, qualified, entry, app=None)
        elif entry.install == "flask-extension":
            app = call_argument(node, "app", 0)
            if app is not None and not (isinstance(app, ast.Constant) and app.value is None):
                self._flask(node, (qualified, entry), app, context)

    def _maybe_interesting(self, name: str, scope: Scope) -> bool:
        """A cheap filter before name resolution: the last part of a known class name, or an
        imported name (an alias such as `GZipMiddleware as GZip`)."""
        if name in _last_names():
            return True
        binding = scope.single(name)
        return binding is not None and binding.kind == "import"

    def _add(
        self,
        context: Context,
        node: ast.AST,
        name: str,
        entry: CompressionMiddleware,
        *,
        app: str | None,
        streams: bool | None = None,
        media_types: tuple[str, ...] | None = None,
        config_known: bool = True,
    ) -> None:
        context.facts.append(
            Middleware(
                evidence=context.evidence(node),
                name=name,
                library=entry.library,
                app=app,
                streams_option=streams,
                media_types=media_types,
                config_known=config_known,
            )
        )

    def _flask(
        self,
        node: ast.Call,
        found: tuple[str, CompressionMiddleware],
        app: ast.expr,
        context: Context,
    ) -> None:
        scope = context.scope
        config = self._config_of(app, found[1], context)
        streams: bool | None = None
        media_types: tuple[str, ...] | None = None
        known = config.known
        register = config.values.get(_REGISTER)
        if register is not None:
            value = constant(register, config.scopes[_REGISTER])
            if value is False or value == 0:
                return  # installed per view only (`@compress.compressed()`): not app-wide
            known &= not isinstance(value, Unknown)
        if _STREAMS in config.values:
            value = constant(config.values[_STREAMS], config.scopes[_STREAMS])
            if isinstance(value, Unknown):
                known = False
            else:
                streams = bool(value)
        if _MIMETYPES in config.values:
            value, value_scope = config.values[_MIMETYPES], config.scopes[_MIMETYPES]
            listed = _string_list(value, value_scope)
            if value_scope.node is scope.node and value.lineno > node.lineno:
                # Set after installing: newer versions copy the list when installed, older
                # ones read it per request, so which list applies depends on the version.
                known = False
            elif listed is None:
                known = False
            elif not listed:
                return  # an empty list: Flask-Compress does not register itself
            else:
                media_types = tuple(sorted({m.split(";")[0].strip().lower() for m in listed}))
        self._add(
            context,
            node,
            *found,
            app=_app_symbol(app, scope),
            streams=streams,
            media_types=media_types,
            config_known=known,
        )

    def _config_of(self, app: ast.expr, entry: CompressionMiddleware, context: Context) -> _Config:
        """The configuration the module gives this app (`app.config[...] = ...`): operations
        on the same name bound in the same scope. Only an app built here (`Flask(...)`) has a
        configuration we can see whole; one handed in (a parameter, an import, a factory's
        result) may have been configured anywhere."""
        if not isinstance(app, ast.Name):
            return _Config(known=False)
        binding = context.scope.single(app.id)
        built = binding.node if binding is not None and binding.kind == "value" else None
        if not (
            isinstance(built, ast.Call)
            and binding is not None
            and qualified_name(built.func, binding.scope) in entry.apps
        ):
            return _Config(known=False)
        if self._configs is None:
            self._configs = _collect_configs(context.scope.module_scope)
        return self._configs.get(_config_key(app.id, context.scope), _Config())

    # -- Django ---------------------------------------------------------------------------

    def _django_assignment(self, node: ast.AST, context: Context) -> None:
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            return
        if value is None or not any(
            isinstance(t, ast.Name) and t.id in _DJANGO_SETTINGS for t in targets
        ):
            return
        for literal in _list_strings(value):
            self._django_string(literal, context)

    def _django_call(self, node: ast.Call, func: ast.Attribute, context: Context) -> None:
        if not (isinstance(func.value, ast.Name) and func.value.id in _DJANGO_SETTINGS):
            return
        if func.attr == "remove" and node.args:
            value = string(node.args[0], context.scope)
            entry = compression_middleware().get(value) if isinstance(value, str) else None
            if entry is not None and entry.install == "django-setting":
                self._django_removed = True
            return
        if func.attr not in _LIST_ADDERS:
            return
        arguments = node.args[1:] if func.attr == "insert" else node.args
        for argument in arguments:
            if isinstance(argument, ast.Constant):
                self._django_string(argument, context)
            else:
                for literal in _list_strings(argument):
                    self._django_string(literal, context)

    def _django_string(self, literal: ast.Constant, context: Context) -> None:
        if not isinstance(literal.value, str):
            return
        entry = compression_middleware().get(literal.value)
        if entry is not None and entry.install == "django-setting":
            self._add(context, literal, literal.value, entry, app=None)


def _encoding_hook_assignment(node: ast.Assign, context: Context) -> None:
    """`response["Content-Encoding"] = ...` / `response.headers["Content-Encoding"] = ...`."""
    for target in node.targets:
        if isinstance(target, ast.Subscript) and _is_content_encoding(target.slice, context):
            _encoding_hook(target.value, node, node.value, context)


def _encoding_hook_call(node: ast.Call, context: Context) -> None:
    """`response.headers.setdefault("Content-Encoding", ...)` and the like."""
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in _HEADER_SETTERS
        and node.args
        and _is_content_encoding(node.args[0], context)
    ):
        _encoding_hook(func.value, node, node.args[1] if len(node.args) > 1 else None, context)


def _is_content_encoding(key: ast.expr, context: Context) -> bool:
    value = string(key, context.scope)
    return isinstance(value, str) and value.lower() == CONTENT_ENCODING


def _encoding_hook(
    receiver: ast.expr, node: ast.AST, value: ast.expr | None, context: Context
) -> None:
    """A hook, unless the receiver is (the headers of) a response built right here: the
    response detector records those headers on the response itself."""
    owner = receiver.value if isinstance(receiver, ast.Attribute) else receiver
    if isinstance(receiver, ast.Attribute) and receiver.attr != "headers":
        return
    if isinstance(owner, ast.Name):
        for binding in context.scope.lookup(owner.id):
            built = binding.node if binding.kind == "value" else None
            if isinstance(built, ast.Dict) or (
                isinstance(built, ast.Call)
                and qualified_name(built.func, binding.scope) in (*response_classes(), "dict")
            ):
                # A response built here (the response detector follows every use of the name,
                # so the header is on that response's fact), or a plain dict of headers.
                return
    literal = string(value, context.scope) if value is not None else None
    context.facts.append(
        ContentEncodingHook(
            evidence=context.evidence(node),
            value=literal if isinstance(literal, str) else None,
        )
    )


@functools.cache
def _last_names() -> frozenset[str]:
    return frozenset(
        n.rsplit(".", 1)[-1] for n in (*compression_middleware(), *MIDDLEWARE_WRAPPERS)
    )


def _settings_scope(scope: Scope) -> bool:
    """Module level or a class body (django-configurations style settings classes)."""
    return scope.parent is None or isinstance(scope.node, ast.ClassDef)


def _app_symbol(expr: ast.expr, scope: Scope) -> str | None:
    """`module.app` for a module-level app (or one imported from another module)."""
    if not isinstance(expr, ast.Name):
        return None
    binding = scope.single(expr.id)
    if binding is None:
        return None
    if binding.kind == "import":
        return binding.qualified
    if binding.kind == "value" and binding.scope.parent is None:
        return f"{binding.scope.module}.{expr.id}"
    return None


def _last_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _entry(
    expr: ast.expr | None, scope: Scope, install: str
) -> tuple[str, CompressionMiddleware] | None:
    """(qualified name, table entry) of the middleware class `expr` names."""
    name = qualified_name(expr, scope) if expr is not None else None
    entry = compression_middleware().get(name or "")
    if name is None or entry is None or entry.install != install:
        return None
    return name, entry


def _entry_of_instance(
    expr: ast.expr, scope: Scope, install: str
) -> tuple[str, CompressionMiddleware] | None:
    name = instance_class(expr, scope)
    entry = compression_middleware().get(name or "")
    if name is None or entry is None or entry.install != install:
        return None
    return name, entry


def _app_of_middleware_list(call: ast.Call, scope: Scope) -> str | None:
    """`app = FastAPI(middleware=[Middleware(GZipMiddleware)])`: the symbol of `app`."""
    parents = scope.parents
    node: ast.AST | None = parents.get(id(call))
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    keyword = parents.get(id(node))
    if not isinstance(keyword, ast.keyword) or keyword.arg != "middleware":
        return None
    constructor = parents.get(id(keyword))
    if not isinstance(constructor, ast.Call):
        return None
    if instance_class(constructor, scope) not in frameworks().apps:
        return None
    statement = parents.get(id(constructor))
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            module = scope.module
            return f"{module}.{target.id}" if scope.parent is None else None
    return None


def _list_strings(expr: ast.expr) -> list[ast.Constant]:
    """String constants that are elements of a list/tuple literal, also across `+`."""
    found: list[ast.Constant] = []
    stack: list[ast.expr] = [expr]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.List | ast.Tuple | ast.Set):
            for element in current.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    found.append(element)
                elif isinstance(element, ast.Starred):
                    stack.append(element.value)
        elif isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack.extend((current.left, current.right))
    return found


def _string_list(expr: ast.expr, scope: Scope) -> list[str] | None:
    """A list/tuple/set literal of strings (through one variable); None otherwise."""
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None or binding.kind != "value" or not isinstance(binding.node, ast.expr):
            return None
        return _string_list(binding.node, binding.scope) if binding.node is not expr else None
    if not isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return None
    values = []
    for element in expr.elts:
        value = string(element, scope)
        if not isinstance(value, str):
            return None
        values.append(value)
    return values


def _config_key(name: str, scope: Scope) -> tuple[int, str]:
    """(the node of the scope that binds `name`, `name`): the same app seen from anywhere."""
    bindings = scope.lookup(name)
    owner = bindings[0].scope.node if bindings else scope.module_scope.node
    return id(owner), name


def _collect_configs(module: Scope) -> dict[tuple[int, str], _Config]:
    """Every `NAME.config...` operation of the module, by the scope that binds NAME."""
    configs: dict[tuple[int, str], _Config] = {}
    stack: list[tuple[ast.AST, Scope]] = [(module.node, module)]
    while stack:
        node, scope = stack.pop()
        for child in walk_without_scopes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                stack.append((child, scope.child(child)))
            elif isinstance(child, ast.Assign):
                for target in child.targets:
                    _config_store(target, child.value, scope, configs)
            elif isinstance(child, ast.Call):
                _config_call(child, scope, configs)
    return configs


def _config_owner(expr: ast.expr, scope: Scope) -> tuple[int, str] | None:
    """The key of `app` for `app.config`."""
    if (
        isinstance(expr, ast.Attribute)
        and expr.attr == "config"
        and isinstance(expr.value, ast.Name)
    ):
        return _config_key(expr.value.id, scope)
    return None


def _config_store(
    target: ast.expr, value: ast.expr, scope: Scope, configs: dict[tuple[int, str], _Config]
) -> None:
    if not isinstance(target, ast.Subscript):
        return
    owner = _config_owner(target.value, scope)
    if owner is None:
        return
    config = configs.setdefault(owner, _Config())
    key = string(target.slice, scope)
    if not isinstance(key, str):
        config.known = False
        return
    config.values[key] = value
    config.scopes[key] = scope


def _config_call(call: ast.Call, scope: Scope, configs: dict[tuple[int, str], _Config]) -> None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return
    owner = _config_owner(func.value, scope)
    if owner is None:
        return
    config = configs.setdefault(owner, _Config())
    if func.attr in _CONFIG_LOADERS:
        config.known = False
    elif func.attr == "setdefault" and call.args:
        key = string(call.args[0], scope)
        if isinstance(key, str) and len(call.args) > 1:
            config.values.setdefault(key, call.args[1])
            config.scopes.setdefault(key, scope)
        else:
            config.known = False
    elif func.attr in _CONFIG_MERGERS:
        for argument in call.args:
            found = mapping(argument, scope)
            if isinstance(found, Unknown) or not found.complete:
                config.known = False
            if not isinstance(found, Unknown):
                for key, value, value_scope in found.entries:
                    config.values[key] = value
                    config.scopes[key] = value_scope
        for keyword in call.keywords:
            if keyword.arg is None:
                config.known = False
            else:
                config.values[keyword.arg] = keyword.value
                config.scopes[keyword.arg] = scope
