"""What a streaming response's body generator writes: SSE frames, NDJSON lines or raw text.

The body is followed when the module shows it: a generator function of this module (possibly
wrapped in `stream_with_context`), or a generator expression. Each `yield` is classified from
the literal parts of the string it builds (an f-string, a concatenation, or the return value of
a small framing helper of the same module). Anything else stays unknown, and the rules that need
it stay silent.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import UNKNOWN, constant, qualified_name, walk_without_scopes

WRAPPERS = frozenset({"stream_with_context", "iterate_in_threadpool"})
_TEXT_ATTRIBUTES = frozenset({"content", "text", "delta", "token"})
_SAFE_CALLS = frozenset({"dumps", "json", "model_dump_json", "replace", "escape", "encode"})
_LAST_EVENT_ID = re.compile(r"last[-_]event[-_]id", re.IGNORECASE)


@dataclass(frozen=True)
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


def analyse_body(content: ast.expr | None, scope: Scope, handler: ast.AST | None) -> Body:
    generator, generator_scope, genexp = _generator(content, scope)
    reads = _reads_last_event_id(handler) or _reads_last_event_id(generator)
    if genexp is not None:
        frames = [_classify(genexp.elt, scope, _stream_names(genexp))]
        return _summarise(frames, True, False, reads, None)
    if generator is None or generator_scope is None:
        literal = constant(content, scope) if content is not None else UNKNOWN
        streams = False if isinstance(literal, str | bytes) else None
        return Body(streams, None, None, None, None, None, reads, None)
    owner = generator_scope.qualname
    name = f"{owner}.{generator.name}" if owner else generator.name
    if not any(isinstance(n, ast.Yield | ast.YieldFrom) for n in walk_without_scopes(generator)):
        return Body(None, None, None, None, None, None, reads, name)
    inner = generator_scope.child(generator)
    stream_names = _stream_names(generator)
    frames = [
        _classify(node.value, inner, stream_names)
        for node in walk_without_scopes(generator)
        if isinstance(node, ast.Yield) and node.value is not None
    ]
    if any(isinstance(n, ast.YieldFrom) for n in walk_without_scopes(generator)):
        frames.append(None)
    return _summarise(frames, True, isinstance(generator, ast.AsyncFunctionDef), reads, name)


@dataclass(frozen=True)
class _Frame:
    kind: str | None
    """`sse`, `ndjson`, `text`, or None when unknown."""
    text: str
    """Literal parts, with `{}` where a value is inserted."""
    raw_text: bool
    """A model text delta is inserted as is."""


def _summarise(
    frames: list[_Frame | None],
    streams: bool,
    is_async: bool,
    reads: bool,
    generator: str | None,
) -> Body:
    known = [f for f in frames if f is not None and f.kind is not None]
    complete = len(known) == len(frames) and bool(frames)
    kinds = {f.kind for f in known}
    kind = kinds.pop() if complete and len(kinds) == 1 else None
    sse = [f for f in known if f.kind == "sse"]
    unterminated: bool | None = None
    ids: bool | None = None
    raw: bool | None = None
    if sse:
        ends = [f.text.endswith(("\n\n", "\r\n\r\n")) for f in sse]
        bare_newlines = any(f.text in ("\n", "\r\n") for f in known)
        unterminated = not any(ends) and not bare_newlines if complete else None
        ids = any(re.search(r"(^|\n)id:", f.text) for f in sse) or (None if not complete else False)
        raw = any(f.raw_text for f in sse)
    return Body(streams, is_async, kind, unterminated, raw, ids, reads, generator)


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


def _stream_names(node: ast.AST) -> set[str]:
    """Loop variables that iterate model output: `for text in stream.text_stream`."""
    names: set[str] = set()
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
    return isinstance(iterable, ast.Attribute) and iterable.attr in ("text_stream", "aiter_text")


def _classify(value: ast.expr, scope: Scope, stream_names: set[str]) -> _Frame | None:
    parts = _string_parts(value, scope, 0)
    if parts is None:
        return None
    text = "".join(p if isinstance(p, str) else "{}" for p in parts)
    raw = any(not isinstance(p, str) and _is_model_text(p, stream_names) for p in parts)
    stripped = text.lstrip()
    if stripped.startswith(("data:", "event:", "id:", "retry:", ":")):
        return _Frame("sse", text, raw)
    if text in ("\n", "\r\n"):
        return _Frame("sse", text, False)
    if text.endswith("\n") and any(_is_json(p) for p in parts if not isinstance(p, str)):
        return _Frame("ndjson", text, raw)
    if raw and text == "{}":
        return _Frame("text", text, raw)
    return _Frame(None, text, raw)


def _string_parts(value: ast.expr, scope: Scope, depth: int) -> list[str | ast.expr] | None:
    """Literal pieces and inserted expressions of a string built by the code, or None."""
    if depth > 3:
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
                parts.append(piece.value)  # an inserted value
        return parts
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        left = _string_parts(value.left, scope, depth + 1)
        right = _string_parts(value.right, scope, depth + 1)
        if left is not None and right is not None:
            return left + right
        if left is not None:
            return [*left, value.right]
        return None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr == "encode":  # f"data: {x}\n\n".encode()
            return _string_parts(value.func.value, scope, depth + 1)
        if value.func.attr == "format" and isinstance(value.func.value, ast.Constant):
            text = str(value.func.value.value)
            return [re.sub(r"\{[^}]*\}", "{}", text)]
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
    if isinstance(value, ast.Name | ast.Attribute | ast.Subscript | ast.Call):
        return [value]
    return None


def _is_model_text(expr: ast.expr, stream_names: set[str]) -> bool:
    """`chunk.choices[0].delta.content`, `event.delta.text`, or a text_stream loop variable."""
    if isinstance(expr, ast.Name):
        return expr.id in stream_names
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _SAFE_CALLS:
            return False
        if isinstance(func, ast.Name) and func.id in ("json", "dumps"):
            return False
        return False
    if isinstance(expr, ast.BoolOp):  # delta.content or ""
        return any(_is_model_text(v, stream_names) for v in expr.values)
    if isinstance(expr, ast.Attribute) and expr.attr in _TEXT_ATTRIBUTES:
        chain = ast.unparse(expr)
        return "delta" in chain or "choices" in chain
    return False


def _is_json(expr: ast.expr) -> bool:
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
    return False
