"""HTTP response constructions: media type, status, and the headers the response will carry.

Headers can be passed inline, through a dict variable, set on the response object afterwards
(`resp.headers[...] = ...`, Django's `resp[...] = ...`, Werkzeug's `resp.cache_control`),
returned in a Flask `(body, status, headers)` tuple, added by view decorators (Django's
`never_cache`), or by response hooks in the same module (`after_request`,
`middleware("http")`). When the response or its headers leave the function in a way that
cannot be followed (passed to a helper, computed by a call), `headers_known` is False and rules
stay silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from functools import cached_property
from http import HTTPStatus

from advisor.facts.python.bodies import (
    Body,
    Framing,
    analyse_body,
    analyse_generator,
    analyse_writes,
)
from advisor.facts.python.clients import annotation_class, instance_class
from advisor.facts.python.hints import function_hints
from advisor.facts.python.nodes import walk
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    DictValue,
    Unknown,
    call_argument,
    constant,
    has_unknown_arguments,
    mapping,
    qualified_name,
    string,
    walk_without_scopes,
)
from advisor.facts.python.walk import Context, signature_span
from advisor.model import Evidence, Header, LlmCall, ResponseConstruction, RouteHandler
from advisor.records import record
from advisor.tables import (
    GeneratorRoute,
    ResponseClass,
    Slot,
    frameworks,
    header_hooks,
    response_classes,
    spec_vocabulary,
    stream_tables,
)

# Methods on a header mapping that add one header (key, value), or merge many.
_HEADER_ADDERS = {"setdefault", "add", "set", "append", "add_header", "__setitem__"}
_HEADER_MERGERS = {"update", "extend"}
_HEADER_READERS = {"get", "getlist", "get_all", "items", "keys", "values", "copy", "__contains__"}
# Methods on a response object that cannot add headers behind our back.
_HARMLESS_RESPONSE_METHODS = {"set_cookie", "delete_cookie", "get_data", "get_json", "close"}
_MEDIA_TYPE_ATTRIBUTES = {"mimetype", "content_type", "media_type"}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Calls that produce the model's output (embeddings, batches and fan-out helpers do not make a
# stream long).
_MODEL_CALL_KINDS = frozenset({"chat", "completion"})


@dataclass
class _Observed:
    """What the code shows of one response; filled in from the call, then from later uses."""

    headers: dict[str, str | None] = field(default_factory=dict)
    headers_known: bool = True
    media_type: str | Unknown | None = None
    media_type_set: bool = False
    body_methods: frozenset[str] = frozenset()
    inert_methods: frozenset[str] = frozenset()
    writes: list[ast.Call] = field(default_factory=list)
    """Calls that write a piece of the body on the response (`resp.write(...)`)."""
    writes_complete: bool = True
    """False when the response goes to code that may write more."""

    def escaped(self) -> None:
        """The response is handed to other code: it may add headers and write the body."""
        self.headers_known = False
        self.writes_complete = False

    def add_mapping(self, found: DictValue | Unknown, scope: Scope) -> None:
        if isinstance(found, Unknown):
            self.headers_known = False
            return
        self.headers_known &= found.complete
        for name, value, value_scope in found.entries:
            self.add(name, _literal(value, value_scope))

    def add(self, name: str, value: str | None) -> None:
        self.headers[name.lower()] = value


def _literal(expr: ast.expr, scope: Scope) -> str | None:
    value = string(expr, scope)
    return value if isinstance(value, str) else None


def normalize_media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


@record
class _Stream:
    """A response recorded for the module's `finish`: where its body is produced."""

    index: int
    """Index of its fact in the module's facts."""
    function: ast.FunctionDef | ast.AsyncFunctionDef | None
    """The function that produces the body (generator, or the handler writing it)."""
    handler: ast.FunctionDef | ast.AsyncFunctionDef | None
    """The function that builds the response."""


class ResponseDetector:
    node_types: tuple[type[ast.AST], ...] = (
        ast.Call,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Return,
    )

    def __init__(self) -> None:
        self._local_classes: dict[str, ResponseClass] | None = None
        self._candidate_names: frozenset[str] | None = None
        self._hook_headers: tuple[str, ...] | None = None
        self._streams: list[_Stream] = []
        self._routes: dict[str, str] = {}
        """Qualified name of each route handler of this module -> its framework."""

    @cached_property
    def _known_last_names(self) -> frozenset[str]:
        return frozenset(name.split(".")[-1] for name in response_classes())

    def visit(self, node: ast.AST, context: Context) -> None:
        if isinstance(node, ast.Call):
            self._call(node, context)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(node, context)
        elif isinstance(node, ast.Return) and node.value is not None:
            framework = self._routes.get(context.scope.qualname)
            view_class = stream_tables().view_returns.get(framework or "")
            if view_class is not None and context.scope.is_function:
                self._view_return(node.value, view_class, context)

    def _call(self, node: ast.Call, context: Context) -> None:
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last not in self._candidates(context):
            return
        found = self._entry(func, context)
        if found is None:
            return
        qualified, entry = found
        scope = context.scope
        if entry.passthrough is not None and entry.return_tuple is False:
            given = _argument(node, entry.passthrough)
            if given is not None and not (isinstance(given, ast.Constant) and given.value is None):
                return  # request.respond(response): built elsewhere, seen there
        observed = _Observed(
            body_methods=entry.body_methods,
            inert_methods=entry.inert_methods | _HARMLESS_RESPONSE_METHODS,
        )
        unknown_args = has_unknown_arguments(node)
        if entry.headers is not None:
            headers_arg = _argument(node, entry.headers)
            if headers_arg is not None and not (
                isinstance(headers_arg, ast.Constant) and headers_arg.value is None
            ):
                observed.add_mapping(mapping(headers_arg, scope), scope)
            elif unknown_args:
                observed.headers_known = False
        if entry.return_tuple:
            _call_tuple(node, scope, observed)
        media = _media_type(node, entry, scope, unknown_args)
        _follow_uses(node, scope, observed)
        content = _argument(node, entry.content) if entry.content is not None else None
        handler = scope.node if isinstance(scope.node, _FUNCTIONS) else None
        framing = _framing(entry, node, scope)
        if entry.body_methods:
            body = analyse_writes(
                observed.writes, observed.writes_complete, scope, handler, framing
            )
            stream_function = handler
        else:
            body = analyse_body(content, scope, handler, framing)
            stream_function = body.node
        passed_through = entry.passthrough is not None and body.streams is not True
        if passed_through and not isinstance(content, ast.Constant):
            observed.headers_known = False  # make_response(resp): resp was built elsewhere
        self._record(
            context,
            evidence=context.evidence(node),
            entry=entry,
            qualified=qualified,
            observed=observed,
            media=media,
            body=body,
            status=_status_code(node, entry, scope, unknown_args),
            passed_through=passed_through,
            stream_function=stream_function,
            handler=handler,
        )

    def _entry(self, func: ast.expr, context: Context) -> tuple[str, ResponseClass] | None:
        """The table entry a call constructs: a class or factory, or a method on an instance
        (`request.respond(...)` on a Sanic request)."""
        scope = context.scope
        qualified = qualified_name(func, scope)
        if qualified is not None:
            entry = response_classes().get(qualified) or self._local_response_classes(context).get(
                qualified
            )
            if entry is not None and not entry.method:
                return qualified, entry
        if not isinstance(func, ast.Attribute):
            return None
        owner = instance_class(func.value, scope)
        if owner is not None:
            entry = response_classes().get(f"{owner}.{func.attr}")
            if entry is not None and entry.method:
                return f"{owner}.{func.attr}", entry
        framework = self._routes.get(scope.qualname)
        node = scope.node
        if (
            framework is not None
            and isinstance(func.value, ast.Name)
            and isinstance(node, _FUNCTIONS)
            and node.args.args
            and node.args.args[0].arg == func.value.id
            and scope.single(func.value.id) is not None
        ):  # the request parameter of a route handler: `async def h(request)`
            for name, entry in response_classes().items():
                if entry.method and entry.library == framework and name.endswith("." + func.attr):
                    return name, entry
        return None

    def _record(
        self,
        context: Context,
        *,
        evidence: Evidence,
        entry: ResponseClass,
        qualified: str,
        observed: _Observed,
        media: str | Unknown | None,
        body: Body,
        status: int | None,
        passed_through: bool,
        stream_function: ast.FunctionDef | ast.AsyncFunctionDef | None,
        handler: ast.FunctionDef | ast.AsyncFunctionDef | None,
        library: str | None = None,
        library_headers: tuple[Header, ...] | None = None,
        frames_by_library: bool | None = None,
    ) -> None:
        scope = context.scope
        if observed.media_type_set:
            media = observed.media_type
        elif media is None and "content-type" in observed.headers:
            media = observed.headers["content-type"] or Unknown.UNKNOWN
        if media is None:
            if entry.media_type.default_unknown or passed_through:
                media = Unknown.UNKNOWN
            else:
                media = entry.media_type.default
        if library_headers is None:
            library_headers = tuple(Header(name=h.name, value=h.value) for h in entry.sets_headers)
        added = sorted({*_decorator_headers(scope), *self._module_hook_headers(context)})
        effective = sorted({*observed.headers, *(h.name for h in library_headers), *added})
        streams = True if entry.streaming == "always" else body.streams
        by_library = entry.frames_by_library if frames_by_library is None else frames_by_library
        parameters = [handler, stream_function]
        self._streams.append(_Stream(len(context.facts), stream_function, handler))
        context.facts.append(
            ResponseConstruction(
                evidence=evidence,
                library=library or entry.library,
                constructor=qualified,
                media_type=normalize_media_type(media) if isinstance(media, str) else None,
                media_type_known=not isinstance(media, Unknown),
                headers=tuple(Header(name=n, value=v) for n, v in sorted(observed.headers.items())),
                headers_known=observed.headers_known,
                library_headers=library_headers,
                added_headers=tuple(added),
                effective_header_names=tuple(effective),
                status_code=status,
                streams=streams,
                content_async=body.is_async,
                frames=body.frames,
                frames_by_library=by_library,
                frames_unterminated=body.unterminated,
                raw_text_in_data=body.raw_text_in_data,
                double_framed=body.double_framed,
                unterminated_at=tuple(context.evidence(n) for n in body.open_frames),
                raw_text_at=tuple(context.evidence(n) for n in body.raw_parts),
                double_framed_at=tuple(context.evidence(n) for n in body.framed_items),
                emits_event_ids=body.emits_ids,
                reads_last_event_id=body.reads_last_event_id,
                resume_parameter=_resume_parameter(parameters),
                multi_step=None,
                stream_function=body.function,
            )
        )

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, context: Context) -> None:
        """Note the route handlers (their facts were just added by the route detector), and
        build the response of a FastAPI path operation that `yield`s."""
        owner = context.scope.qualname
        qualname = f"{owner}.{node.name}" if owner else node.name
        frameworks_seen = []
        for fact in reversed(context.facts):
            if not isinstance(fact, RouteHandler) or fact.evidence.function != qualname:
                break
            frameworks_seen.append(fact.framework)
        if not frameworks_seen:
            return
        self._routes[qualname] = frameworks_seen[0]
        route = stream_tables().generator_routes.get(frameworks_seen[0])
        if route is None or not any(
            isinstance(n, ast.Yield | ast.YieldFrom) for n in walk_without_scopes(node)
        ):
            return
        route_methods = frameworks().decorator_methods
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in route_methods
            ):
                self._generator_route(node, decorator, route, context)

    def _generator_route(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        decorator: ast.Call,
        route: GeneratorRoute,
        context: Context,
    ) -> None:
        scope = context.scope
        assert isinstance(decorator.func, ast.Attribute)
        chosen = call_argument(decorator, route.keyword, None)
        if chosen is None:
            chosen = _receiver_default(decorator.func.value, scope)
        inner = scope.child(node)
        observed = _Observed()
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            if annotation_class(arg.annotation, scope) in route.temporal_response:
                for use in inner.loads(arg.arg):
                    _classify_use(use, inner.parents, inner, observed)
        if _used_in_nested(node, {a.arg for a in node.args.args}):
            observed.headers_known = False
        evidence = context.evidence(decorator)
        evidence = replace(
            evidence,
            anchors=(*evidence.anchors, signature_span(node, context.source)),
            function=f"{scope.qualname}.{node.name}" if scope.qualname else node.name,
        )
        if chosen is None:  # JSON Lines, FastAPI >= 0.134
            entry = ResponseClass(
                names=("fastapi.routing.jsonl",),
                library=route.default_library,
                media_type=Slot(default=route.default_media_type),
                headers=None,
                sets_headers=(),
                source="generator route",
            )
            qualified = f"{route.default_library}.routing.jsonl"
        else:
            qualified_class = qualified_name(chosen, scope)
            if qualified_class is None:
                return
            found = response_classes().get(qualified_class) or self._local_response_classes(
                context
            ).get(qualified_class)
            if found is None or found.method or found.streaming != "always":
                return
            entry, qualified = found, qualified_class
        body = analyse_generator(node, scope, _framing(entry, None, scope))
        self._record(
            context,
            evidence=evidence,
            entry=entry,
            qualified=qualified,
            observed=observed,
            media=None,
            body=body,
            status=200,
            passed_through=False,
            stream_function=node,
            handler=node,
        )

    def _view_return(self, value: ast.expr, view_class: str, context: Context) -> None:
        """`return gen()` or `return gen(), {"Content-Type": "text/event-stream"}` in a Flask
        or Quart view: the framework wraps the generator in its response class."""
        entry = response_classes().get(view_class)
        if entry is None:
            return
        scope = context.scope
        body_expr = value.elts[0] if isinstance(value, ast.Tuple) and value.elts else value
        if isinstance(body_expr, ast.Starred):
            return
        handler = scope.node if isinstance(scope.node, _FUNCTIONS) else None
        body = analyse_body(body_expr, scope, handler, _framing(entry, None, scope))
        if body.streams is not True:
            return  # not a generator: a string, a dict, a Response built elsewhere
        observed = _Observed()
        status: int | None = 200
        if isinstance(value, ast.Tuple):
            for element in value.elts[1:]:
                code = constant(element, scope)
                if isinstance(code, int) and not isinstance(code, bool):
                    status = code
                    continue
                observed.add_mapping(mapping(element, scope), scope)
        self._record(
            context,
            evidence=context.evidence(value),
            entry=entry,
            qualified=view_class,
            observed=observed,
            media=None,
            body=body,
            status=status,
            passed_through=False,
            stream_function=body.node,
            handler=handler,
        )

    def finish(self, context: Context) -> None:
        """Whether each stream is long: several model calls one after another, calls per item
        of a collection, or a tool loop in the function that produces the body (helpers of
        other modules are added by the project stage); and `long-running` hints."""
        calls = [
            f for f in context.facts if isinstance(f, LlmCall) and f.api_kind in _MODEL_CALL_KINDS
        ]
        for stream in self._streams:
            fact = context.facts[stream.index]
            if not isinstance(fact, ResponseConstruction) or not fact.streams:
                continue
            multi: bool | None = None
            if stream.function is not None:
                multi = multi_step(stream.function, calls, context)
            hint = None
            for function in (stream.handler, stream.function):
                if function is not None:
                    found = function_hints(function, context.source).long_running
                    hint = found if found is not None else hint
            context.facts[stream.index] = replace(fact, multi_step=multi, long_running=hint)

    def _candidates(self, context: Context) -> frozenset[str]:
        """Names a response class may be called by here: its own, import aliases, subclasses."""
        if self._candidate_names is None:
            module_scope = context.scope.module_scope
            aliases = {
                name
                for name, bindings in module_scope.bindings.items()
                if any(
                    b.kind == "import" and (b.qualified or "") in response_classes()
                    for b in bindings
                )
            }
            local = {name.rsplit(".", 1)[-1] for name in self._local_response_classes(context)}
            self._candidate_names = self._known_last_names | aliases | local
        return self._candidate_names

    def _local_response_classes(self, context: Context) -> dict[str, ResponseClass]:
        """Module-level subclasses of known response classes (`class SSE(StreamingResponse)`).

        A subclass that only sets `media_type` inherits everything else; one that defines
        methods may add headers we cannot see, and is not treated as a known response class.
        """
        if self._local_classes is not None:
            return self._local_classes
        found: dict[str, ResponseClass] = {}
        module_scope = context.scope.module_scope
        tree = module_scope.node
        assert isinstance(tree, ast.Module)
        for stmt in tree.body:
            if not isinstance(stmt, ast.ClassDef) or any(
                isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) for item in stmt.body
            ):
                continue
            for base in stmt.bases:
                base_name = qualified_name(base, module_scope) or ""
                parent = response_classes().get(base_name) or found.get(base_name)
                if parent is None:
                    continue
                default = parent.media_type.default
                for item in stmt.body:
                    if isinstance(item, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id in ("media_type", "default_mimetype")
                        for t in item.targets
                    ):
                        value = constant(item.value, module_scope)
                        default = value if isinstance(value, str) else default
                qualified = qualified_name(ast.Name(id=stmt.name, ctx=ast.Load()), module_scope)
                if qualified:
                    slot = parent.media_type
                    found[qualified] = ResponseClass(
                        names=(qualified,),
                        library=parent.library,
                        media_type=Slot(slot.keyword, slot.position, default, slot.alternatives),
                        headers=parent.headers,
                        sets_headers=parent.sets_headers,
                        source=f"subclass of {parent.names[0]} defined in this module",
                        status=parent.status,
                    )
                break
        self._local_classes = found
        return found

    def _module_hook_headers(self, context: Context) -> tuple[str, ...]:
        """Headers that response hooks defined in this module set on every response."""
        if self._hook_headers is None:
            tree = context.scope.module_scope.node
            names: set[str] = set()
            hooks = header_hooks().hook_attributes
            for node in walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    _decorator_attribute(d) in hooks for d in node.decorator_list
                ):
                    names.update(_headers_set_in(node, context.scope.module_scope))
            self._hook_headers = tuple(sorted(names))
        return self._hook_headers


def _decorator_attribute(decorator: ast.expr) -> str | None:
    """`after_request` for `@app.after_request`, `middleware` for `@app.middleware("http")`."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return target.attr if isinstance(target, ast.Attribute) else None


def _headers_set_in(function: ast.FunctionDef | ast.AsyncFunctionDef, module: Scope) -> set[str]:
    """Header names a hook assigns: `x.headers["X-Accel-Buffering"] = "no"` and friends."""
    names: set[str] = set()
    for node in walk_without_scopes(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr == "headers"
                ):
                    key = constant(target.slice, module)
                    if isinstance(key, str):
                        names.add(key.lower())
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _HEADER_ADDERS
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "headers"
            and node.args
        ):
            key = constant(node.args[0], module)
            if isinstance(key, str):
                names.add(key.lower())
    return names


def _decorator_headers(scope: Scope) -> set[str]:
    """Headers added by decorators on the enclosing view (or `method_decorator` on its class)."""
    hooks = header_hooks()
    names: set[str] = set()
    current: Scope | None = scope
    while current is not None:
        node = current.node
        decorators = getattr(node, "decorator_list", [])
        outer = current.parent or current
        for decorator in decorators:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = qualified_name(target, outer) or ""
            if name in hooks.wrappers and isinstance(decorator, ast.Call) and decorator.args:
                wrapped = decorator.args[0]
                inner = wrapped.func if isinstance(wrapped, ast.Call) else wrapped
                name = qualified_name(inner, outer) or ""
            names.update(hooks.decorators.get(name, ()))
        current = current.parent
    return names


def _argument(call: ast.Call, slot: Slot) -> ast.expr | None:
    return call_argument(call, slot.keyword, slot.position)


def _media_type(
    call: ast.Call, entry: ResponseClass, scope: Scope, unknown_args: bool
) -> str | Unknown | None:
    """The media type passed to the constructor: str, None (not passed) or UNKNOWN."""
    for slot in (entry.media_type, *entry.media_type.alternatives):
        value = _argument(call, slot)
        if value is None:
            continue
        found = string(value, scope)
        if found is not None:
            return found
    return Unknown.UNKNOWN if unknown_args else None


def _status_code(
    call: ast.Call, entry: ResponseClass, scope: Scope, unknown_args: bool
) -> int | None:
    value = _argument(call, entry.status) if entry.status is not None else None
    if value is None:
        return None if unknown_args else 200
    found = constant(value, scope)
    if isinstance(found, int) and not isinstance(found, bool):
        return found
    if isinstance(value, ast.Attribute):
        name = qualified_name(value, scope) or ""
        if name.startswith("http.HTTPStatus.") and value.attr in HTTPStatus.__members__:
            return int(HTTPStatus[value.attr])  # HTTPStatus.BAD_REQUEST
        digits = "".join(c for c in value.attr if c.isdigit())[:3]
        if len(digits) == 3 and value.attr.startswith("HTTP_"):
            return int(digits)  # starlette/fastapi/rest_framework status.HTTP_400_BAD_REQUEST
    return None


def _follow_uses(call: ast.Call, scope: Scope, observed: _Observed) -> None:
    """Headers and media type set on the response after construction, in the same function.

    Only `name = Response(...)` is followed; any use that cannot be understood makes the
    headers unknown, because the code might set them there. The name may be bound to other
    values elsewhere (`if stream: resp = StreamingResponse(...) else: resp = JSONResponse(...)`):
    changes to it can only add headers, and handing it to other code still makes them unknown.
    """
    parents = scope.parents
    parent = parents.get(id(call))
    if isinstance(parent, ast.Await):
        parent = parents.get(id(parent))
    if parent is None or isinstance(parent, ast.Return | ast.Expr | ast.Yield | ast.YieldFrom):
        return
    if isinstance(parent, ast.Tuple) and isinstance(parents.get(id(parent)), ast.Return):
        _flask_tuple(parent, call, scope, observed)
        return
    if isinstance(parent, ast.withitem):  # async with sse_response(request) as resp:
        target = parent.optional_vars
        targets: list[ast.expr] = [target] if target is not None else []
    elif isinstance(parent, ast.Assign | ast.AnnAssign):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    else:
        observed.escaped()  # passed on to other code: cannot follow
        return
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        observed.escaped()
        return
    name = targets[0].id
    if isinstance(scope.node, _FUNCTIONS) and _used_in_nested(scope.node, {name}):
        observed.escaped()  # a nested function uses it: its uses are not followed
    for use in scope.loads(name):
        _classify_use(use, parents, scope, observed)


def _classify_use(
    name: ast.Name, parents: dict[int, ast.AST], scope: Scope, observed: _Observed
) -> None:
    parent = parents.get(id(name))
    grand = parents.get(id(parent)) if parent is not None else None
    if parent is None:
        observed.headers_known = False
        return
    if isinstance(parent, ast.Return | ast.Yield | ast.YieldFrom | ast.Await | ast.Expr):
        return
    if isinstance(parent, ast.Compare | ast.BoolOp | ast.UnaryOp | ast.If | ast.IfExp):
        return
    if isinstance(parent, ast.Tuple) and isinstance(grand, ast.Return):
        _flask_tuple(parent, name, scope, observed)
        return
    if isinstance(parent, ast.Subscript) and parent.value is name:
        # Django: resp["X-Accel-Buffering"] = "no"
        if isinstance(parent.ctx, ast.Store):
            _set_item(parent, parents, scope, observed)
        return
    if isinstance(parent, ast.Attribute) and parent.value is name:
        _attribute_use(parent, parents, scope, observed)
        return
    if isinstance(parent, ast.withitem):  # `async with resp:` (aiohttp-sse)
        return
    observed.escaped()


def _attribute_use(
    attribute: ast.Attribute, parents: dict[int, ast.AST], scope: Scope, observed: _Observed
) -> None:
    parent = parents.get(id(attribute))
    if attribute.attr == "headers":
        if isinstance(parent, ast.Subscript) and parent.value is attribute:
            if isinstance(parent.ctx, ast.Store):
                _set_item(parent, parents, scope, observed)
            return
        if isinstance(parent, ast.Attribute) and parent.value is attribute:
            call = parents.get(id(parent))
            if isinstance(call, ast.Call) and call.func is parent:
                _header_method(parent.attr, call, scope, observed)
                return
        if isinstance(parent, ast.Compare):
            return
        if isinstance(attribute.ctx, ast.Store) and isinstance(parent, ast.Assign):
            observed.add_mapping(mapping(parent.value, scope), scope)
            return
        observed.headers_known = False
        return
    if attribute.attr in _MEDIA_TYPE_ATTRIBUTES and isinstance(attribute.ctx, ast.Store):
        if isinstance(parent, ast.Assign):
            observed.media_type_set = True
            observed.media_type = string(parent.value, scope)
        return
    if attribute.attr == "cache_control":  # Werkzeug: resp.cache_control.no_cache = True
        if isinstance(parent, ast.Attribute) and isinstance(parent.ctx, ast.Store):
            observed.add("cache-control", None)
        return
    if isinstance(parent, ast.Call) and parent.func is attribute:
        if attribute.attr in observed.body_methods:
            observed.writes.append(parent)
        elif attribute.attr not in observed.inert_methods | _HARMLESS_RESPONSE_METHODS:
            observed.escaped()
        return
    # Reading or setting another attribute (status_code, timeout, ...) changes no header.


def _set_item(
    subscript: ast.Subscript, parents: dict[int, ast.AST], scope: Scope, observed: _Observed
) -> None:
    statement = parents.get(id(subscript))
    key = string(subscript.slice, scope)
    if not isinstance(key, str):
        observed.headers_known = False
        return
    value = statement.value if isinstance(statement, ast.Assign) else None
    observed.add(key, _literal(value, scope) if value is not None else None)
    if key.lower() == "content-type" and value is not None:
        observed.media_type_set = True
        observed.media_type = string(value, scope)


def _header_method(method: str, call: ast.Call, scope: Scope, observed: _Observed) -> None:
    if method in _HEADER_READERS:
        return
    if method in _HEADER_ADDERS and call.args:
        key = string(call.args[0], scope)
        if not isinstance(key, str):
            observed.headers_known = False
            return
        value = call.args[1] if len(call.args) > 1 else None
        observed.add(key, _literal(value, scope) if value is not None else None)
        return
    if method in _HEADER_MERGERS:
        for arg in call.args:
            observed.add_mapping(mapping(arg, scope), scope)
        for keyword in call.keywords:
            if keyword.arg is None:
                observed.headers_known = False
            else:
                observed.add(keyword.arg.replace("_", "-"), _literal(keyword.value, scope))
        return
    observed.headers_known = False


def _flask_tuple(
    tuple_node: ast.Tuple, response: ast.expr, scope: Scope, observed: _Observed
) -> None:
    """`return resp, 200, {"X-Accel-Buffering": "no"}`: Flask merges the tuple's headers."""
    if not tuple_node.elts or tuple_node.elts[0] is not response:
        observed.headers_known = False
        return
    for element in tuple_node.elts[1:]:
        value = constant(element, scope)
        if isinstance(value, int):
            continue
        observed.add_mapping(mapping(element, scope), scope)


def _call_tuple(call: ast.Call, scope: Scope, observed: _Observed) -> None:
    """`make_response(body, status, headers)` / `(body, headers)`: read like a view tuple."""
    for element in call.args[1:]:
        value = constant(element, scope)
        if isinstance(value, int):
            continue
        observed.add_mapping(mapping(element, scope), scope)


def _framing(entry: ResponseClass, call: ast.Call | None, scope: Scope) -> Framing:
    tables = stream_tables()
    keyword = tables.response_id_keywords.get(entry.library)
    sets_id = False
    if keyword is not None and call is not None:
        given = call_argument(call, keyword, None)
        sets_id = given is not None and not (
            isinstance(given, ast.Constant) and given.value is None
        )
    return Framing(
        library=entry.library,
        by_library=entry.frames_by_library,
        raw_bytes=entry.library in tables.raw_bytes_items,
        response_sets_id=sets_id,
    )


def _receiver_default(receiver: ast.expr, scope: Scope) -> ast.expr | None:
    """`app = FastAPI(default_response_class=X)`: the class generator routes of `app` use."""
    if not isinstance(receiver, ast.Name):
        return None
    binding = scope.single(receiver.id)
    if binding is None or binding.kind != "value" or not isinstance(binding.node, ast.Call):
        return None
    return call_argument(binding.node, "default_response_class", None)


def _used_in_nested(function: ast.AST, names: set[str]) -> bool:
    """One of `names` is read by a function or lambda nested in `function`."""
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        and any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))
        for node in walk_without_scopes(function)
    )


def _resume_parameter(
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef | None],
) -> str | None:
    """A parameter of the handler or generator named like a resume position."""
    names = spec_vocabulary().resume_parameters
    for function in functions:
        if function is None:
            continue
        for arg in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs):
            if arg.arg.lower() in names:
                return arg.arg
    return None


def multi_step(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    calls: list[LlmCall],
    context: Context,
) -> bool | None:
    """Several model calls in the body: one after another, per item of a collection, or in a
    tool loop. None when the body makes no model call of its own (helpers are judged by the
    project stage)."""
    owner = _qualname_of(function, context)
    mine = [c for c in calls if c.evidence.function == owner]
    if not mine:
        return None
    parents: dict[int, ast.AST] = {}
    nodes: dict[tuple[int, int], ast.Call] = {}
    stack: list[ast.AST] = [function]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
            if isinstance(child, ast.Call):
                nodes[(child.lineno, child.col_offset)] = child
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.append(child)
    located: list[tuple[LlmCall, ast.Call]] = []
    for call in mine:
        line = call.evidence.location.line
        for (row, offset), candidate in nodes.items():
            if row == line and context.source.column(row, offset) == call.evidence.location.column:
                located.append((call, candidate))
                break
    for call, node in located:
        if _repeats(call, node, parents, function, context.scope):
            return True
    for index, (_, first) in enumerate(located):
        for _, second in located[index + 1 :]:
            if not _exclusive(first, second, parents, function):
                return True
    return False


def _qualname_of(function: ast.AST, context: Context) -> str | None:
    """The evidence `function` name of code inside `function` (as the walk names it)."""
    names: list[str] = []
    tree = context.scope.module_scope.node
    stack: list[tuple[ast.AST, tuple[str, ...]]] = [(tree, ())]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                path = (*prefix, child.name)
                if child is function:
                    names = list(path)
                    return ".".join(names)
                stack.append((child, path))
            elif not isinstance(child, ast.Lambda):
                stack.append((child, prefix))
    return None


def _repeats(
    call: LlmCall,
    node: ast.Call,
    parents: dict[int, ast.AST],
    function: ast.AST,
    scope: Scope,
) -> bool:
    """The call runs once per item of a collection, or in a loop that offers the model tools
    (an agent loop). A retry loop (`for attempt in range(n)`, `while True` around a
    `try`) without tools is not a repetition of the work."""
    if call.loop in ("comprehension", "fan-out"):
        return True
    if call.loop is None:
        return False
    current = parents.get(id(node))
    while current is not None and current is not function:
        if isinstance(current, ast.For | ast.AsyncFor):
            iterable = current.iter
            is_range = (
                isinstance(iterable, ast.Call)
                and isinstance(iterable.func, ast.Name)
                and iterable.func.id == "range"
            )
            if call.tools is True or (not is_range and call.loop == "for"):
                return True
        elif isinstance(current, ast.While) and call.tools is True:
            return True
        current = parents.get(id(current))
    return False


def _exclusive(
    first: ast.AST, second: ast.AST, parents: dict[int, ast.AST], function: ast.AST
) -> bool:
    """The two calls never both run: branches of one `if`/`match`/`try`, a conditional
    expression, or the first one's branch returns before the second is reached."""
    chain: list[ast.AST] = []
    current: ast.AST | None = first
    while current is not None:
        chain.append(current)
        if current is function:
            break
        current = parents.get(id(current))
    ancestors = {id(n): i for i, n in enumerate(chain)}
    current = second
    child_of_second: ast.AST = second
    while current is not None and id(current) not in ancestors:
        child_of_second = current
        current = parents.get(id(current))
    if current is None:
        return True
    common = current
    index = ancestors[id(common)]
    child_of_first = chain[index - 1] if index > 0 else first
    if isinstance(common, ast.If | ast.IfExp | ast.Try | ast.TryStar | ast.Match | ast.BoolOp):
        field_first = _field_of(common, child_of_first)
        field_second = _field_of(common, child_of_second)
        if field_first != field_second or isinstance(common, ast.Match | ast.BoolOp):
            if isinstance(common, ast.Try | ast.TryStar):
                return "handlers" in (field_first, field_second)
            return True
    # The first call's own branch may end in `return` / `raise` before the second runs.
    for node in chain[:index]:
        parent = parents.get(id(node))
        if parent is None or parent is common:
            break
        for _, value in ast.iter_fields(parent):
            if isinstance(value, list) and node in value:
                after = value[value.index(node) + 1 :]
                if any(isinstance(s, ast.Return | ast.Raise) for s in after):
                    return True
    return False


def _field_of(parent: ast.AST, child: ast.AST) -> str | None:
    for name, value in ast.iter_fields(parent):
        if value is child or (isinstance(value, list) and any(v is child for v in value)):
            return name
    return None
