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

from advisor.facts.python.bodies import analyse_body
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
from advisor.facts.python.walk import Context
from advisor.model import Header, LlmCall, ResponseConstruction
from advisor.tables import ResponseClass, Slot, header_hooks, response_classes

# Methods on a header mapping that add one header (key, value), or merge many.
_HEADER_ADDERS = {"setdefault", "add", "set", "append", "add_header", "__setitem__"}
_HEADER_MERGERS = {"update", "extend"}
_HEADER_READERS = {"get", "getlist", "get_all", "items", "keys", "values", "copy", "__contains__"}
# Methods on a response object that cannot add headers behind our back.
_HARMLESS_RESPONSE_METHODS = {"set_cookie", "delete_cookie", "get_data", "get_json", "close"}
_MEDIA_TYPE_ATTRIBUTES = {"mimetype", "content_type", "media_type"}


@dataclass
class _Observed:
    """What the code shows of one response; filled in from the call, then from later uses."""

    headers: dict[str, str | None] = field(default_factory=dict)
    headers_known: bool = True
    media_type: str | Unknown | None = None
    media_type_set: bool = False

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


class ResponseDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.Call,)

    def __init__(self) -> None:
        self._local_classes: dict[str, ResponseClass] | None = None
        self._candidate_names: frozenset[str] | None = None
        self._hook_headers: tuple[str, ...] | None = None
        self._generators: list[tuple[int, str | None]] = []
        """(index in the module's facts, generator function) of each response seen."""

    @cached_property
    def _known_last_names(self) -> frozenset[str]:
        return frozenset(name.split(".")[-1] for name in response_classes())

    def visit(self, node: ast.AST, context: Context) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last not in self._candidates(context):
            return
        qualified = qualified_name(func, context.scope)
        if qualified is None:
            return
        entry = response_classes().get(qualified) or self._local_response_classes(context).get(
            qualified
        )
        if entry is None:
            return
        observed = _Observed()
        scope = context.scope
        unknown_args = has_unknown_arguments(node)
        if entry.headers is not None:
            headers_arg = _argument(node, entry.headers)
            if headers_arg is not None and not (
                isinstance(headers_arg, ast.Constant) and headers_arg.value is None
            ):
                observed.add_mapping(mapping(headers_arg, scope), scope)
            elif unknown_args:
                observed.headers_known = False
        media = _media_type(node, entry, scope, unknown_args)
        _follow_uses(node, scope, observed)
        if observed.media_type_set:
            media = observed.media_type
        elif media is None and "content-type" in observed.headers:
            media = observed.headers["content-type"] or Unknown.UNKNOWN
        if media is None:
            media = entry.media_type.default
        library_headers = tuple(Header(name=h.name, value=h.value) for h in entry.sets_headers)
        added = sorted({*_decorator_headers(scope), *self._module_hook_headers(context)})
        effective = sorted({*observed.headers, *(h.name for h in library_headers), *added})
        content = _argument(node, entry.content) if entry.content is not None else None
        body = analyse_body(content, scope, scope.node if scope.parent is not None else None)
        streams = True if entry.streaming == "always" else body.streams
        frames: str | None = body.frames
        unterminated: bool | None = body.unterminated
        raw: bool | None = body.raw_text_in_data
        if entry.frames_by_library:  # the library writes the SSE framing itself
            frames, unterminated, raw = "sse", False, False
        self._generators.append((len(context.facts), body.generator))
        context.facts.append(
            ResponseConstruction(
                evidence=context.evidence(node),
                library=entry.library,
                constructor=qualified,
                media_type=normalize_media_type(media) if isinstance(media, str) else None,
                media_type_known=not isinstance(media, Unknown),
                headers=tuple(Header(name=n, value=v) for n, v in sorted(observed.headers.items())),
                headers_known=observed.headers_known,
                library_headers=library_headers,
                added_headers=tuple(added),
                effective_header_names=tuple(effective),
                status_code=_status_code(node, entry, scope, unknown_args),
                streams=streams,
                content_async=body.is_async,
                frames=frames,
                frames_unterminated=unterminated,
                raw_text_in_data=raw,
                emits_event_ids=body.emits_ids,
                reads_last_event_id=body.reads_last_event_id,
                multi_step=None,
            )
        )

    def finish(self, context: Context) -> None:
        """A stream is multi-step when its handler or generator runs several model calls, or
        model calls in a loop: known only once every call of the module has been seen."""
        calls = [f for f in context.facts if isinstance(f, LlmCall) and f.api_kind != "fan-out"]
        for index, generator in self._generators:
            fact = context.facts[index]
            if not isinstance(fact, ResponseConstruction) or not fact.streams:
                continue
            places = {fact.evidence.function, generator} - {None}
            mine = [c for c in calls if c.evidence.function in places]
            multi = len(mine) > 1 or any(c.loop or c.polled for c in mine)
            context.facts[index] = replace(fact, multi_step=multi if mine else None)

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
            for node in ast.walk(tree):
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
    if not isinstance(parent, ast.Assign | ast.AnnAssign):
        observed.headers_known = False  # passed on to other code: cannot follow
        return
    targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        observed.headers_known = False
        return
    for use in scope.loads(targets[0].id):
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
    observed.headers_known = False


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
        if attribute.attr not in _HARMLESS_RESPONSE_METHODS:
            observed.headers_known = False
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
