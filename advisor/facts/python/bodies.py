"""What a streaming response's body writes: SSE frames, NDJSON lines or raw text.

The body is followed when the module shows it: a generator function of this module (possibly
wrapped in `stream_with_context`), a generator expression, or the pieces a handler writes on the
response object itself (aiohttp `await resp.write(...)`, Sanic `await resp.send(...)`). Each
piece is classified from the literal parts of the string it builds (an f-string, a
concatenation, `%` or `.format` on a literal, a name bound once to one of those, or the return
value of a small framing helper of the same module). Anything else stays unknown, and the rules
that need it stay silent.

For libraries that frame each item themselves (sse-starlette, FastAPI's SSE, Litestar's
ServerSentEvent, aiohttp-sse) the items are payloads: what matters there is whether an item
already is an SSE frame (it gets framed twice) and whether items carry an event id.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterable, Sequence

from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    UNKNOWN,
    DictValue,
    call_argument,
    constant,
    mapping,
    qualified_name,
    walk_without_scopes,
)
from advisor.records import record
from advisor.tables import stream_tables

WRAPPERS = frozenset({"stream_with_context", "iterate_in_threadpool"})
_TEXT_ATTRIBUTES = frozenset({"content", "text", "delta", "token"})
_SAFE_CALLS = frozenset({"dumps", "json", "model_dump_json", "replace", "escape", "encode"})
_LAST_EVENT_ID = re.compile(r"last[-_]event[-_]id", re.IGNORECASE)
_SSE_FIELDS = ("data:", "event:", "id:", "retry:", ":")
_BLANK_LINE_ENDS = ("\n\n", "\r\n\r\n", "\r\r")
_NEWLINES = ("\n", "\r\n", "\r")
_LINE_SPLITTERS = frozenset({"split", "splitlines"})
# Methods whose call result is a model stream (`client.messages.stream(...)`, LangChain
# `.stream/.astream`), and attributes that are one (`stream.text_stream`).
_STREAM_METHODS = frozenset({"stream", "astream", "astream_events"})
_STREAM_ATTRIBUTES = frozenset({"text_stream", "aiter_text"})
MAX_STRING_DEPTH = 4


@record
class Framing:
    """How the response class treats the items of its body."""

    library: str
    by_library: bool
    """The library writes the SSE framing of each item itself."""
    raw_bytes: bool = False
    """The library sends `bytes` items as they are (sse-starlette)."""
    response_sets_id: bool = False
    """The response was given an id for every event (Litestar `event_id=`)."""


@record
class Body:
    """What is known of a streaming body."""

    streams: bool | None
    is_async: bool | None
    frames: str | None
    unterminated: bool | None
    raw_text_in_data: bool | None
    emits_ids: bool | None
    reads_last_event_id: bool
    generator: str | None
    """Qualified name (in its module) of the generator function, when there is one."""
    double_framed: bool | None = None
    function: str | None = None
    """Call-graph symbol of the function that produces the body, also when it is imported."""
    node: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    """The generator function, when it is in this module."""
    open_frames: tuple[ast.expr, ...] = ()
    """The values of the `data:` frames that leave their event open (when `unterminated`),
    except those of a loop over the lines of one text: what the fix ends with a blank line."""
    raw_parts: tuple[ast.expr, ...] = ()
    """The model text values inserted raw into `data:` lines (when `raw_text_in_data`)."""
    framed_items: tuple[ast.expr, ...] = ()
    """The items that already are SSE frames, handed to a library that frames them again."""


def analyse_body(
    content: ast.expr | None,
    scope: Scope,
    handler: ast.AST | None,
    framing: Framing | None = None,
) -> Body:
    body = _analyse_body(content, scope, handler, framing)
    if framing is not None and framing.response_sets_id:
        return dataclasses.replace(body, emits_ids=True)  # Litestar event_id=: every event
    return body


def _analyse_body(
    content: ast.expr | None,
    scope: Scope,
    handler: ast.AST | None,
    framing: Framing | None,
) -> Body:
    generator, generator_scope, genexp = _generator(content, scope)
    reads = _reads_last_event_id(handler) or _reads_last_event_id(generator)
    framing = framing or Framing("", False)
    if genexp is not None:
        items: list[tuple[ast.expr | None, _Place]] = [(genexp.elt, _in_genexp(genexp, scope))]
        return _summarise(items, scope, _stream_names(genexp), True, False, reads, None, framing)
    if generator is None or generator_scope is None:
        literal = constant(content, scope) if content is not None else UNKNOWN
        streams = False if isinstance(literal, str | bytes) else None
        return Body(
            streams, None, None, None, None, None, reads, None, function=_callee(content, scope)
        )
    return _analyse_function(generator, generator_scope, reads, framing)


def analyse_generator(
    generator: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, framing: Framing
) -> Body:
    """The body of a route function that is itself the generator (FastAPI)."""
    return _analyse_function(generator, scope, _reads_last_event_id(generator), framing)


def _analyse_function(
    generator: ast.FunctionDef | ast.AsyncFunctionDef,
    generator_scope: Scope,
    reads: bool,
    framing: Framing,
) -> Body:
    owner = generator_scope.qualname
    name = f"{owner}.{generator.name}" if owner else generator.name
    symbol = f"{generator_scope.module}.{name}" if generator_scope.module else name
    yields = [n for n in walk_without_scopes(generator) if isinstance(n, ast.Yield | ast.YieldFrom)]
    if not yields:
        return Body(
            None, None, None, None, None, None, reads, name, function=symbol, node=generator
        )
    inner = generator_scope.child(generator)
    context = _Context(generator, inner)
    items: list[tuple[ast.expr | None, _Place]] = [
        (node.value if isinstance(node, ast.Yield) else None, context.place(node))
        for node in yields
        if not (isinstance(node, ast.Yield) and node.value is None)
    ]
    is_async = isinstance(generator, ast.AsyncFunctionDef)
    body = _summarise(items, inner, _stream_names(generator), True, is_async, reads, name, framing)
    return dataclasses.replace(body, function=symbol, node=generator)


def analyse_writes(
    calls: Sequence[ast.Call],
    complete: bool,
    scope: Scope,
    function: ast.AST | None,
    framing: Framing,
) -> Body:
    """A body written piece by piece on the response object by the handler itself."""
    reads = _reads_last_event_id(function)
    symbol = None
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        symbol = f"{scope.module}.{scope.qualname}" if scope.qualname else None
    if not calls:
        return Body(True, True, None, None, None, None, reads, None, function=symbol)
    context = _Context(function, scope)
    items: list[tuple[ast.expr | None, _Place]] = []
    send = stream_tables().send_methods.get(framing.library)
    for call in calls:
        value = call_argument(call, "data", 0)
        place = context.place(call)
        if send is not None:
            _, keyword, position = send
            place = dataclasses.replace(place, has_id=_has_id(call, keyword, position))
        items.append((value, place))
    if not complete:
        items.append((None, _Place(())))
    stream_names = _stream_names(function) if function is not None else set()
    body = _summarise(items, scope, stream_names, True, True, reads, None, framing)
    return dataclasses.replace(body, function=symbol)


@record
class _Place:
    loops: tuple[ast.AST, ...]
    """The loops around the item, innermost last."""
    splits_lines: bool = False
    """The innermost loop goes over the lines of one text (`text.splitlines()`)."""
    stream_loop: bool = False
    """The innermost loop goes over a model stream."""
    has_id: bool | None = None
    """An event id passed next to the item (aiohttp-sse `send(data, id=...)`)."""

    @property
    def loop(self) -> ast.AST | None:
        return self.loops[-1] if self.loops else None


class _Context:
    """Where each item of a generator or handler sits: the loops around it."""

    def __init__(self, function: ast.AST | None, scope: Scope) -> None:
        self.function = function
        self.scope = scope
        self.parents: dict[int, ast.AST] = {}
        if function is not None:
            stack = [function]
            while stack:
                node = stack.pop()
                for child in ast.iter_child_nodes(node):
                    self.parents[id(child)] = node
                    if not isinstance(
                        child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
                    ):
                        stack.append(child)

    def place(self, node: ast.AST) -> _Place:
        loops: list[ast.AST] = []
        current = self.parents.get(id(node))
        while current is not None and current is not self.function:
            if isinstance(current, ast.For | ast.AsyncFor | ast.While):
                loops.append(current)
            current = self.parents.get(id(current))
        if not loops:
            return _Place(())
        iterable = getattr(loops[0], "iter", None)
        return _Place(
            tuple(reversed(loops)),
            _splits_lines(iterable),
            iterable is not None and _is_model_stream(iterable, self.scope, 0),
        )


def _in_genexp(genexp: ast.GeneratorExp, scope: Scope) -> _Place:
    iterable = genexp.generators[0].iter
    return _Place((genexp,), _splits_lines(iterable), _is_model_stream(iterable, scope, 0))


def _splits_lines(iterable: ast.expr | None) -> bool:
    """`for line in text.splitlines()`: one `data:` line per line of one text."""
    return (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Attribute)
        and iterable.func.attr in _LINE_SPLITTERS
    )


@record
class _Frame:
    kind: str | None
    """`sse`, `ndjson`, `text`, `event` (a library event object), or None when unknown."""
    text: str
    """Literal parts, with `{}` where a value is inserted."""
    raw_text: bool
    """A model text delta is inserted as is."""
    is_bytes: bool = False
    has_id: bool | None = None
    """For library items: the item carries an event id (None when unknown)."""


def _summarise(
    items: list[tuple[ast.expr | None, _Place]],
    scope: Scope,
    stream_names: set[str],
    streams: bool,
    is_async: bool,
    reads: bool,
    generator: str | None,
    framing: Framing,
) -> Body:
    frames: list[tuple[_Frame | None, _Place]] = [
        (_classify(value, scope, stream_names, framing) if value is not None else None, place)
        for value, place in items
    ]
    if framing.by_library:
        body = _library_body(frames, streams, is_async, reads, generator, framing)
        if body.double_framed:
            framed = [
                value
                for (value, _), (frame, _) in zip(items, frames, strict=True)
                if value is not None and frame is not None and _framed_twice(frame, framing)
            ]
            body = dataclasses.replace(body, framed_items=tuple(framed))
        return body
    known = [f for f, _ in frames if f is not None and f.kind is not None]
    complete = len(known) == len(frames) and bool(frames)
    kinds = {f.kind for f in known}
    kind = kinds.pop() if complete and len(kinds) == 1 else None
    sse = [(f, p) for f, p in frames if f is not None and f.kind == "sse"]
    unterminated: bool | None = None
    ids: bool | None = None
    raw: bool | None = None
    if sse:
        unterminated = _unterminated(frames, complete)
        has_ids = any(re.search(r"(^|\n)id:", f.text) for f, _ in sse)
        ids = True if has_ids else (False if complete else None)
        raw = any(f.raw_text and _data_line(f.text) for f, _ in sse)
    body = Body(streams, is_async, kind, unterminated, raw, ids, reads, generator)
    if unterminated:
        body = dataclasses.replace(body, open_frames=_open_frames(items, frames, complete))
    if raw:
        body = dataclasses.replace(body, raw_parts=_raw_parts(items, frames, scope, stream_names))
    return body


def _open_frames(
    items: list[tuple[ast.expr | None, _Place]],
    frames: list[tuple[_Frame | None, _Place]],
    complete: bool,
) -> tuple[ast.expr, ...]:
    """The values of the frames `_unterminated` blames, in the same two cases."""
    ends_event = [f is not None and _ends_event(f) for f, _ in frames]
    chosen: list[int] = []
    for index, (frame, place) in enumerate(frames):
        if frame is None or not _is_open_data(frame) or place.splits_lines:
            continue
        if complete and not any(ends_event):
            chosen.append(index)
            continue
        loop = place.loop
        if loop is None or not (frame.raw_text or place.stream_loop):
            continue
        inside = [
            (f, ended) for (f, p), ended in zip(frames, ends_event, strict=True) if loop in p.loops
        ]
        if all(f is not None and f.kind is not None for f, _ in inside) and not any(
            ended for _, ended in inside
        ):
            chosen.append(index)
    return tuple(value for index in chosen if (value := items[index][0]) is not None)


def _raw_parts(
    items: list[tuple[ast.expr | None, _Place]],
    frames: list[tuple[_Frame | None, _Place]],
    scope: Scope,
    stream_names: set[str],
) -> tuple[ast.expr, ...]:
    found: list[ast.expr] = []
    for (value, _), (frame, _) in zip(items, frames, strict=True):
        if value is None or frame is None or frame.kind != "sse" or not frame.raw_text:
            continue
        if not _data_line(frame.text):
            continue
        parts = _string_parts(value, scope, 0) or []
        found.extend(
            p for p in parts if not isinstance(p, str) and _is_model_text(p, scope, stream_names)
        )
    return tuple(found)


def _framed_twice(frame: _Frame, framing: Framing) -> bool:
    return (
        frame.kind == "sse"
        and _data_line(frame.text)
        and not (frame.is_bytes and framing.raw_bytes)
    )


def _unterminated(frames: list[tuple[_Frame | None, _Place]], complete: bool) -> bool | None:
    """Some `data:` frame is never followed by the blank line that dispatches the event.

    Either no item ever ends an event (every frame ends with a single newline, and no bare
    newline is written), or a frame inside a loop over a model stream ends with one newline and
    nothing in that loop ends the event: every token then joins one event that is dispatched
    only at the end. A `data:` line per line of one text (`for line in text.splitlines()`)
    followed by a blank line is the correct way to send multi-line data and is not reported.
    """
    open_data = [(f, p) for f, p in frames if f is not None and _is_open_data(f)]
    if not open_data:
        return False if complete else None
    ends_event = [f is not None and _ends_event(f) for f, _ in frames]
    if complete and not any(ends_event):
        return True
    for frame, place in open_data:
        loop = place.loop
        if loop is None or place.splits_lines or not (frame.raw_text or place.stream_loop):
            continue
        inside = [
            (f, ended) for (f, p), ended in zip(frames, ends_event, strict=True) if loop in p.loops
        ]
        if all(f is not None and f.kind is not None for f, _ in inside) and not any(
            ended for _, ended in inside
        ):
            return True
    return False if complete else None


def _is_open_data(frame: _Frame) -> bool:
    return frame.kind == "sse" and _data_line(frame.text) and not _ends_event(frame)


def _data_line(text: str) -> bool:
    return any(line.lstrip().startswith("data:") for line in text.splitlines())


def _ends_event(frame: _Frame) -> bool:
    text = frame.text
    return text.endswith(_BLANK_LINE_ENDS) or text in _NEWLINES or text.startswith(_NEWLINES)


def _library_body(
    frames: list[tuple[_Frame | None, _Place]],
    streams: bool,
    is_async: bool,
    reads: bool,
    generator: str | None,
    framing: Framing,
) -> Body:
    """Items handed to a library that frames them: payloads, events or dicts."""
    known = [(f, p) for f, p in frames if f is not None and f.kind is not None]
    complete = len(known) == len(frames) and bool(frames)
    id_known = [p.has_id if p.has_id is not None else f.has_id for f, p in known]
    if framing.response_sets_id or any(i is True for i in id_known):
        ids: bool | None = True
    elif complete and all(i is False for i in id_known):
        ids = False
    else:
        ids = None
    double = any(_framed_twice(f, framing) for f, _ in known)
    double_framed = True if double else (False if complete else None)
    return Body(streams, is_async, "sse", False, False, ids, reads, generator, double_framed)


def _generator(
    content: ast.expr | None, scope: Scope
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, Scope | None, ast.GeneratorExp | None]:
    """The generator function (and its defining scope) or generator expression of a body."""
    for _ in range(4):
        if isinstance(content, ast.GeneratorExp):
            return None, None, content
        if isinstance(content, ast.Name):
            binding = scope.single(content.id)
            if (
                binding is not None
                and binding.kind == "value"
                and isinstance(binding.node, ast.expr)
            ):
                content, scope = binding.node, binding.scope
                continue
            if binding is not None and binding.kind == "def":  # a generator function itself
                node = binding.node
                assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                return node, binding.scope, None
            return None, None, None
        if not isinstance(content, ast.Call):
            return None, None, None
        func = content.func
        name = qualified_name(func, scope) or ""
        if name.rsplit(".", 1)[-1] in WRAPPERS and content.args:
            content = content.args[0]
            continue
        if isinstance(func, ast.Name):
            binding = scope.single(func.id)
            if binding is not None and binding.kind == "def":
                node = binding.node
                assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                return node, binding.scope, None
        return None, None, None
    return None, None, None


def _callee(content: ast.expr | None, scope: Scope) -> str | None:
    """`stream_answer` for a body `stream_answer(q)` imported from another module."""
    for _ in range(4):
        if isinstance(content, ast.Name):
            binding = scope.single(content.id)
            if binding is None or binding.kind != "value" or not isinstance(binding.node, ast.expr):
                return None
            content, scope = binding.node, binding.scope
            continue
        if not isinstance(content, ast.Call):
            return None
        name = qualified_name(content.func, scope) or ""
        if name.rsplit(".", 1)[-1] in WRAPPERS and content.args:
            content = content.args[0]
            continue
        if isinstance(content.func, ast.Name):
            binding = scope.single(content.func.id)
            if binding is not None and binding.kind == "import":
                return binding.qualified
        return None
    return None


def _stream_names(node: ast.AST | None) -> set[str]:
    """Loop variables that are model text: `for text in stream.text_stream`."""
    names: set[str] = set()
    if node is None:
        return names
    loops: list[tuple[ast.expr, ast.expr]] = []
    for child in (
        walk_without_scopes(node) if not isinstance(node, ast.GeneratorExp) else ast.walk(node)
    ):
        if isinstance(child, ast.For | ast.AsyncFor | ast.comprehension):
            loops.append((child.target, child.iter))
    for target, iterable in loops:
        if isinstance(target, ast.Name) and _looks_like_text_stream(iterable):
            names.add(target.id)
    return names


def _looks_like_text_stream(iterable: ast.expr) -> bool:
    return isinstance(iterable, ast.Attribute) and iterable.attr in _STREAM_ATTRIBUTES


def _is_model_stream(expr: ast.expr, scope: Scope, depth: int) -> bool:
    """A streamed model call, syntactically: `create(..., stream=True)`, `.stream(...)`,
    `.astream(...)`, `stream.text_stream`, or a name bound to one of these."""
    if depth > MAX_STRING_DEPTH:
        return False
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is not None and binding.kind == "value" and isinstance(binding.node, ast.expr):
            return _is_model_stream(binding.node, binding.scope, depth + 1)
        return False
    if isinstance(expr, ast.Await):
        return _is_model_stream(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Attribute):
        return expr.attr in _STREAM_ATTRIBUTES
    if isinstance(expr, ast.Call):
        if any(
            k.arg == "stream" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in expr.keywords
        ):
            return True
        return isinstance(expr.func, ast.Attribute) and expr.func.attr in _STREAM_METHODS
    return False


def _classify(
    value: ast.expr, scope: Scope, stream_names: set[str], framing: Framing
) -> _Frame | None:
    if framing.by_library:
        event = _library_item(value, scope, framing)
        if event is not None:
            return event
    parts = _string_parts(value, scope, 0)
    if parts is None:
        return _payload(value, scope, stream_names) if framing.by_library else None
    text = "".join(p if isinstance(p, str) else "{}" for p in parts)
    raw = any(not isinstance(p, str) and _is_model_text(p, scope, stream_names) for p in parts)
    is_bytes = _is_bytes(value, scope)
    stripped = text.lstrip()
    has_id = False if framing.by_library else None
    if stripped.startswith(_SSE_FIELDS):
        return _Frame("sse", text, raw, is_bytes, has_id)
    if text in _NEWLINES:
        return _Frame("sse", text, False, is_bytes, has_id)
    if text.endswith("\n") and any(_is_json(p) for p in parts if not isinstance(p, str)):
        return _Frame("ndjson", text, raw, is_bytes, has_id)
    if raw and text == "{}":
        return _Frame("text", text, raw, is_bytes, has_id)
    if framing.by_library and any(isinstance(p, str) and p for p in parts):
        return _Frame("text", text, raw, is_bytes, has_id)  # a literal payload
    if framing.by_library and text == "{}" and all(_is_json(p) for p in parts[:1]):
        return _Frame("text", text, raw, is_bytes, has_id)  # json.dumps(payload)
    return _Frame(None, text, raw, is_bytes)


def _library_item(value: ast.expr, scope: Scope, framing: Framing) -> _Frame | None:
    """An event object or a dict handed to a library that frames it; None for other items."""
    tables = stream_tables()
    if isinstance(value, ast.Name):
        binding = scope.single(value.id)
        if binding is not None and binding.kind == "value" and isinstance(binding.node, ast.expr):
            bound = binding.node
            if isinstance(bound, ast.Call | ast.Dict):
                return _library_item(bound, binding.scope, framing)
        return None
    if isinstance(value, ast.Call):
        name = qualified_name(value.func, scope) or ""
        keyword = tables.event_id_keywords.get(name)
        if keyword is None:
            return None
        if any(k.arg is None for k in value.keywords):
            return _Frame("event", "", False, has_id=None)
        given = call_argument(value, keyword, None)
        has_id = given is not None and not (isinstance(given, ast.Constant) and given.value is None)
        return _Frame("event", "", False, has_id=has_id)
    if isinstance(value, ast.Dict) and framing.library in tables.dict_items:
        found = mapping(value, scope)
        if isinstance(found, DictValue):
            entry = found.get("id")
            dict_id: bool | None = entry is not None and not (
                isinstance(entry[0], ast.Constant) and entry[0].value is None
            )
            if not dict_id and not found.complete:
                dict_id = None
            return _Frame("event", "", False, has_id=dict_id)
    return None


def _payload(value: ast.expr, scope: Scope, stream_names: set[str]) -> _Frame | None:
    """A plain payload for a framing library: model text or a JSON string (no id)."""
    if _is_model_text(value, scope, stream_names) or _is_json(value):
        return _Frame("text", "{}", False, has_id=False)
    return None


def _has_id(call: ast.Call, keyword: str, position: int | None) -> bool | None:
    if any(k.arg is None for k in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args
    ):
        return None
    given = call_argument(call, keyword, position)
    return given is not None and not (isinstance(given, ast.Constant) and given.value is None)


def _is_bytes(value: ast.expr, scope: Scope) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bytes)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return value.func.attr == "encode"
    if isinstance(value, ast.BinOp):
        return _is_bytes(value.left, scope)
    return False


def _string_parts(value: ast.expr, scope: Scope, depth: int) -> list[str | ast.expr] | None:
    """Literal pieces and inserted expressions of a string built by the code, or None."""
    if depth > MAX_STRING_DEPTH:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, str | bytes):
        text = (
            value.value.decode("utf-8", "replace")
            if isinstance(value.value, bytes)
            else value.value
        )
        return [text]
    if isinstance(value, ast.JoinedStr):
        parts: list[str | ast.expr] = []
        for piece in value.values:
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                parts.append(piece.value)
            elif isinstance(piece, ast.FormattedValue):
                literal = _literal_name(piece.value, scope)
                parts.append(literal if literal is not None else piece.value)
        return parts
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        left = _string_parts(value.left, scope, depth + 1)
        right = _string_parts(value.right, scope, depth + 1)
        if left is not None and right is not None:
            return left + right
        if left is not None:
            return [*left, value.right]
        return None
    if (
        isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Mod)
        and isinstance(value.left, ast.Constant)
        and isinstance(value.left.value, str | bytes)
    ):
        return _percent_parts(value.left.value, value.right)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr == "encode":  # f"data: {x}\n\n".encode()
            return _string_parts(value.func.value, scope, depth + 1)
        if value.func.attr == "format" and isinstance(value.func.value, ast.Constant):
            text = str(value.func.value.value)
            return _format_parts(text, value)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        binding = scope.single(value.func.id)  # a framing helper of this module
        if binding is not None and binding.kind == "def":
            node = binding.node
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            returns = [
                n.value for n in walk_without_scopes(node) if isinstance(n, ast.Return) and n.value
            ]
            if len(returns) == 1:
                return _string_parts(returns[0], binding.scope.child(node), depth + 1)
    if isinstance(value, ast.Name):
        binding = scope.single(value.id)
        if binding is not None and binding.kind == "value" and isinstance(binding.node, ast.expr):
            bound = binding.node
            if isinstance(bound, ast.JoinedStr | ast.BinOp | ast.Constant) or (
                isinstance(bound, ast.Call)
                and isinstance(bound.func, ast.Attribute)
                and bound.func.attr in ("encode", "format")
            ):
                return _string_parts(bound, binding.scope, depth + 1)
    if isinstance(value, ast.Name | ast.Attribute | ast.Subscript | ast.Call | ast.BoolOp):
        return [value]
    return None


def _literal_name(expr: ast.expr, scope: Scope) -> str | None:
    """`{SEP}` in an f-string where SEP is a string constant."""
    if isinstance(expr, ast.Name | ast.Constant):
        value = constant(expr, scope)
        if isinstance(value, str):
            return value
    return None


def _percent_parts(template: str | bytes, right: ast.expr) -> list[str | ast.expr]:
    text = template.decode("utf-8", "replace") if isinstance(template, bytes) else template
    values: list[ast.expr] = list(right.elts) if isinstance(right, ast.Tuple) else [right]
    pieces = re.split(r"%[-#0 +]*\d*(?:\.\d+)?[sdrfi]", text.replace("%%", "\0"))
    parts: list[str | ast.expr] = []
    for index, piece in enumerate(pieces):
        parts.append(piece.replace("\0", "%"))
        if index < len(pieces) - 1:
            parts.append(values[index] if index < len(values) else right)
    return parts


def _format_parts(template: str, call: ast.Call) -> list[str | ast.expr]:
    pieces = re.split(r"\{[^{}]*\}", template)
    parts: list[str | ast.expr] = []
    for index, piece in enumerate(pieces):
        parts.append(piece)
        if index < len(pieces) - 1:
            parts.append(call.args[index] if index < len(call.args) else call)
    return parts


def _is_model_text(expr: ast.expr, scope: Scope, stream_names: set[str], depth: int = 0) -> bool:
    """`chunk.choices[0].delta.content`, `event.delta.text`, a text_stream loop variable, or a
    name bound once to one of these."""
    if depth > MAX_STRING_DEPTH:
        return False
    if isinstance(expr, ast.Name):
        if expr.id in stream_names:
            return True
        binding = scope.single(expr.id)
        if binding is not None and binding.kind == "value" and isinstance(binding.node, ast.expr):
            return _is_model_text(binding.node, binding.scope, stream_names, depth + 1)
        return False
    if isinstance(expr, ast.Call):
        return False  # json.dumps(...), text.replace(...), helpers: not the raw text
    if isinstance(expr, ast.BoolOp):  # delta.content or ""
        return any(_is_model_text(v, scope, stream_names, depth + 1) for v in expr.values)
    if isinstance(expr, ast.Attribute) and expr.attr in _TEXT_ATTRIBUTES:
        chain = ast.unparse(expr)
        return "delta" in chain or "choices" in chain
    if (
        isinstance(expr, ast.Subscript)
        and isinstance(expr.slice, ast.Constant)
        and expr.slice.value in _TEXT_ATTRIBUTES
    ):  # a relayed provider event: data["choices"][0]["delta"]["content"]
        chain = ast.unparse(expr)
        return "'delta'" in chain or "'choices'" in chain
    return False


def _is_json(expr: ast.expr | str) -> bool:
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("dumps", "model_dump_json", "json")
    return False


def _reads_last_event_id(node: ast.AST | None) -> bool:
    if node is None:
        return False
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            if _LAST_EVENT_ID.search(child.value):
                return True
        elif isinstance(child, ast.arg | ast.Name) and _LAST_EVENT_ID.fullmatch(
            child.arg if isinstance(child, ast.arg) else child.id
        ):
            return True
        elif isinstance(child, ast.Attribute) and _LAST_EVENT_ID.fullmatch(child.attr):
            return True  # aiohttp-sse: resp.last_event_id
    return False


def reads_last_event_id(nodes: Iterable[ast.AST | None]) -> bool:
    return any(_reads_last_event_id(node) for node in nodes)
