"""Network chunks of an HTTP response body decoded one by one (the chunk-decode fact).

A loop over the raw byte pieces of a body (requests `iter_content`, httpx `iter_bytes` /
`aiter_bytes` / `iter_raw` / `aiter_raw`, aiohttp `resp.content.iter_chunked` / `iter_any` /
`iter_chunks`, or `await resp.content.read(n)` in a `while` loop) that decodes each piece on its
own: a multi-byte character split between two pieces then raises or turns into replacement
characters. What counts as "the piece" is followed through simple derivations (`chunk[6:]`,
`chunk.split(b"\\n")`, a nested `for line in ...`), never through a value that mixes in other
data: a buffer that carries the pending bytes (`buffer += chunk`) is the correct pattern, and
decoding it is not reported. Iterators that already decode (`iter_text`, `iter_lines`,
`decode_unicode=True`) and incremental decoders (`decoder.decode(chunk)`) are not matched.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import dataclasses
from collections.abc import Iterable, Iterator

from advisor.facts.python.clients import instance_class
from advisor.facts.python.http_clients import (
    HttpResponse,
    body_reader,
    http_response,
    imports_library,
)
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    UNKNOWN,
    boolean,
    call_argument,
    constant,
    has_unknown_arguments,
    qualified_name,
    walk_without_scopes,
)
from advisor.facts.python.walk import Context
from advisor.model import ChunkDecode
from advisor.records import record
from advisor.tables import ChunkIterator, http_clients, single_byte_encodings

_NAMED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)
_BUILTINS = frozenset(dir(builtins))
_UNICODE_ERRORS = frozenset({"UnicodeDecodeError", "UnicodeError"})
_SNIPPET = 60


@record
class _Source:
    """Where the pieces come from."""

    iterator: ChunkIterator
    library: str
    resolved: bool
    chunk_size: int | None


class ChunkDecodeDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.For, ast.AsyncFor, ast.While)

    def visit(self, node: ast.AST, context: Context) -> None:
        if isinstance(node, ast.For | ast.AsyncFor):
            self._for(node, context)
        elif isinstance(node, ast.While):
            self._while(node, context)

    def _for(self, loop: ast.For | ast.AsyncFor, context: Context) -> None:
        scope = context.scope
        call = _iterator_call(loop.iter, scope)
        if call is None or not isinstance(call.func, ast.Attribute):
            return
        spec = http_clients().iterators.get(call.func.attr)
        if spec is None or spec.is_async != isinstance(loop, ast.AsyncFor):
            return
        if spec.text is not None and _yields_text(call, spec, scope):
            return
        source = _source(spec, call, call.func.value, scope)
        if source is None:
            return
        target = loop.target
        if spec.item is not None:
            if not isinstance(target, ast.Tuple) or len(target.elts) <= spec.item:
                return
            target = target.elts[spec.item]
        if not isinstance(target, ast.Name):
            return
        self._report(loop, target.id, (), source, context)

    def _while(self, loop: ast.While, context: Context) -> None:
        """`while chunk := await resp.content.read(1024):` or `chunk = await ....read(n)`."""
        scope = context.scope
        reads: dict[str, list[ast.expr]] = {}
        for node in _loop_nodes(loop, with_test=True):
            target, value = _single_assignment(node)
            if target is not None and value is not None and _partial_read(value, scope):
                reads.setdefault(target, []).append(value)
        for name, values in reads.items():
            read = values[0]
            assert isinstance(read, ast.Await) and isinstance(read.value, ast.Call)
            call = read.value
            assert isinstance(call.func, ast.Attribute)
            spec = http_clients().reads[call.func.attr]
            source = _source(spec, call, call.func.value, scope)
            if source is not None:
                self._report(loop, name, tuple(values), source, context)

    def _report(
        self,
        loop: ast.For | ast.AsyncFor | ast.While,
        seed: str,
        seed_values: tuple[ast.expr, ...],
        source: _Source,
        context: Context,
    ) -> None:
        scope = context.scope
        derived = _derived_names(loop, seed, seed_values, scope)
        if not derived:
            return
        decodes = [
            (call, decoder, errors, *_encoding(call, encoding, scope))
            for call, decoder, encoding, errors in _decodes(loop, derived, scope)
        ]
        if not decodes:
            return
        # One fact per loop: the first decode that can split a character, else the first.
        call, decoder, errors_arg, encoding, multibyte = next(
            (d for d in decodes if d[4] is True), decodes[0]
        )
        errors = constant(errors_arg, scope) if errors_arg is not None else None
        loop_evidence = context.evidence(loop)
        header_end = getattr(loop.body[0], "lineno", loop.lineno) - 1
        loop_evidence = dataclasses.replace(
            loop_evidence,
            anchors=((loop.lineno, max(loop.lineno, header_end)), *context.signatures),
        )
        context.facts.append(
            ChunkDecode(
                evidence=context.evidence(call),
                library=source.library,
                iterator=source.iterator.method,
                decoder=decoder,
                encoding=encoding,
                multibyte=multibyte,
                errors=errors if isinstance(errors, str) else None,
                chunk_size=source.chunk_size,
                resolved=source.resolved,
                loop_at=loop_evidence,
            )
        )


def _iterator_call(expr: ast.expr, scope: Scope) -> ast.Call | None:
    """The call a loop iterates over, also through a name bound once (`it = r.iter_content()`)."""
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is not None and binding.kind == "value" and isinstance(binding.node, ast.expr):
            expr = binding.node
    return expr if isinstance(expr, ast.Call) else None


def _yields_text(call: ast.Call, spec: ChunkIterator, scope: Scope) -> bool:
    """`iter_content(decode_unicode=True)` (or unknown): the pieces may be str already."""
    assert spec.text is not None
    value = call_argument(call, spec.text.keyword, spec.text.position)
    if value is None:
        return has_unknown_arguments(call)
    return boolean(value, scope) is not False


def _source(
    spec: ChunkIterator, call: ast.Call, receiver: ast.expr, scope: Scope
) -> _Source | None:
    """The library of the response the pieces come from; None when the code does not show it,
    or when the body was read whole before and comes back in a single piece."""
    response: HttpResponse | None
    if spec.on_content:
        response = body_reader(receiver, scope)
        owner = receiver.value if isinstance(receiver, ast.Attribute) else receiver
    else:
        response = http_response(receiver, scope)
        owner = receiver
    resolved = response is not None
    if response is None:
        # The method name is the library's own: accepted when the module uses that library and
        # the object is not known to be anything else (see the rule's Known limits).
        if not spec.by_name or not imports_library(scope, spec.library):
            return None
        if spec.on_content and not (
            isinstance(receiver, ast.Attribute) and receiver.attr == "content"
        ):
            return None
        if instance_class(owner, scope) is not None:
            return None
        response = HttpResponse(spec.library, None)
    if response.library != spec.library:
        return None
    size = _chunk_size(spec, call, scope)
    if size is UNKNOWN:
        if response.streamed is False:
            return None
        size = None
    if size is None and response.streamed is False:
        return None  # the body was downloaded whole: one piece, decoded whole
    assert size is None or isinstance(size, int)
    return _Source(spec, spec.library, resolved, size)


def _chunk_size(spec: ChunkIterator, call: ast.Call, scope: Scope) -> object:
    """The literal piece size: an int, None (no limit: pieces as they arrive), or UNKNOWN."""
    if spec.size is None:
        return None
    value = call_argument(call, spec.size.keyword, spec.size.position)
    if value is None:
        return UNKNOWN if has_unknown_arguments(call) else spec.size_default
    found = constant(value, scope)
    if found is None or (isinstance(found, int) and not isinstance(found, bool)):
        return found
    return UNKNOWN


def _partial_read(value: ast.expr, scope: Scope) -> bool:
    """`await resp.content.read(n)` with a size, or `await resp.content.readany()`."""
    if not isinstance(value, ast.Await) or not isinstance(value.value, ast.Call):
        return False
    call = value.value
    if not isinstance(call.func, ast.Attribute):
        return False
    spec = http_clients().reads.get(call.func.attr)
    if spec is None:
        return False
    if spec.size is not None:
        size = call_argument(call, spec.size.keyword, spec.size.position)
        if size is None:
            return False  # read() reads the whole body
        literal = constant(size, scope)
        if isinstance(literal, int) and literal in spec.size_whole:
            return False
    return True


def _loop_nodes(loop: ast.For | ast.AsyncFor | ast.While, *, with_test: bool) -> Iterator[ast.AST]:
    """Nodes of the loop body (and of a `while` test), not entering nested scopes."""
    roots: list[ast.AST] = list(loop.body)
    if with_test and isinstance(loop, ast.While):
        roots.append(loop.test)
    for root in roots:
        yield root
        yield from walk_without_scopes(root)


def _single_assignment(node: ast.AST) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        return node.target.id, node.value
    return None, None


def _bindings_in_loop(
    loop: ast.For | ast.AsyncFor | ast.While,
) -> dict[str, list[ast.expr | None]]:
    """Every name bound inside the loop, with the expressions it is bound to (None for a
    binding whose value cannot be followed: augmented assignment, unpacking, `except as`)."""
    bound: dict[str, list[ast.expr | None]] = {}
    for node in _loop_nodes(loop, with_test=True):
        name, value = _single_assignment(node)
        if name is not None:
            bound.setdefault(name, []).append(value)
            continue
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            if isinstance(node.target, ast.Name):
                bound.setdefault(node.target.id, []).append(node.iter)
            else:
                _opaque(node.target, bound)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            for target in (
                node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            ):
                _opaque(target, bound)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    _opaque(item.optional_vars, bound)
        else:
            named = node.name if isinstance(node, _NAMED) else None
            if named:
                bound.setdefault(named, []).append(None)
    return bound


def _opaque(target: ast.AST, bound: dict[str, list[ast.expr | None]]) -> None:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            bound.setdefault(node.id, []).append(None)


def _derived_names(
    loop: ast.For | ast.AsyncFor | ast.While,
    seed: str,
    seed_values: tuple[ast.expr, ...],
    scope: Scope,
) -> frozenset[str]:
    """Names that hold the current piece or a part of it and nothing else. Empty when the piece
    itself is replaced inside the loop by something that mixes in other data."""
    bound = _bindings_in_loop(loop)
    seed_ids = {id(v) for v in seed_values}
    derived = {seed}
    own = [v for v in bound.get(seed, []) if v is None or id(v) not in seed_ids]
    if isinstance(loop, ast.For | ast.AsyncFor):
        own = [v for v in own if v is not loop.iter]
    if not all(v is not None and _pure(v, derived, scope) for v in own):
        return frozenset()
    changed = True
    while changed:
        changed = False
        for name, values in bound.items():
            if name in derived:
                continue
            if values and all(v is not None and _pure(v, derived, scope) for v in values):
                derived.add(name)
                changed = True
    return frozenset(derived)


def _pure(expr: ast.expr, derived: Iterable[str], scope: Scope) -> bool:
    """`expr` is computed from the current piece alone (plus literals and builtins)."""
    names = set(derived)
    called = {
        id(node.func)
        for node in ast.walk(expr)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    uses_piece = False
    for node in ast.walk(expr):
        if isinstance(node, ast.Await | ast.Lambda | ast.NamedExpr):
            return False
        if isinstance(node, ast.Name):
            if node.id in names:
                uses_piece = True
            elif not (id(node) in called and node.id in _BUILTINS and not scope.lookup(node.id)):
                return False
    return uses_piece


def _decodes(
    loop: ast.For | ast.AsyncFor | ast.While, derived: frozenset[str], scope: Scope
) -> list[tuple[ast.Call, str, ast.expr | None, ast.expr | None]]:
    """The calls, in source order, that decode the piece on its own: `piece.decode(...)`,
    `str(piece, encoding)`, `codecs.decode(piece, ...)`; not one guarded by an
    `except UnicodeDecodeError` (the code handles split characters itself)."""
    candidates: list[tuple[ast.Call, str, ast.expr | None, ast.expr | None]] = []
    for node in _loop_nodes(loop, with_test=False):
        if not isinstance(node, ast.Call):
            continue
        found = _decode_call(node, derived, scope)
        if found is not None:
            candidates.append((node, *found))
    if not candidates:
        return []
    guarded = _guarded_calls(loop)
    kept = [c for c in candidates if id(c[0]) not in guarded]
    return sorted(kept, key=lambda c: (c[0].lineno, c[0].col_offset))


def _decode_call(
    call: ast.Call, derived: frozenset[str], scope: Scope
) -> tuple[str, ast.expr | None, ast.expr | None] | None:
    func = call.func
    unknown = has_unknown_arguments(call)
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "decode"
        and _pure(func.value, derived, scope)
    ):
        encoding = call_argument(call, "encoding", 0)
        errors = call_argument(call, "errors", 1)
        return _snippet(call), _or_unknown(encoding, unknown), errors
    if not call.args or not _pure(call.args[0], derived, scope):
        return None
    if isinstance(func, ast.Name) and func.id == "str" and not scope.lookup("str"):
        encoding = call_argument(call, "encoding", 1)
        errors = call_argument(call, "errors", 2)
        if encoding is None and errors is None and not unknown:
            return None  # str(b"...") is the repr, not a decode
        return _snippet(call), _or_unknown(encoding, unknown), errors
    if (
        isinstance(func, ast.Name | ast.Attribute)
        and qualified_name(func, scope) == "codecs.decode"
    ):
        encoding = call_argument(call, "encoding", 1)
        errors = call_argument(call, "errors", 2)
        return _snippet(call), _or_unknown(encoding, unknown), errors
    return None


_RUNTIME = ast.Name(id="<run time>", ctx=ast.Load())
"""Stands for an encoding argument that may have been passed through `*args` / `**kwargs`."""


def _or_unknown(encoding: ast.expr | None, unknown: bool) -> ast.expr | None:
    return _RUNTIME if encoding is None and unknown else encoding


def _guarded_calls(loop: ast.AST) -> set[int]:
    """Calls inside a `try` whose handlers catch UnicodeDecodeError / UnicodeError by name."""
    guarded: set[int] = set()
    for node in ast.walk(loop):
        if not isinstance(node, ast.Try | ast.TryStar):
            continue
        if not any(_catches_unicode(h.type) for h in node.handlers):
            continue
        for statement in node.body:
            guarded.update(id(n) for n in ast.walk(statement) if isinstance(n, ast.Call))
    return guarded


def _catches_unicode(kind: ast.expr | None) -> bool:
    if kind is None:
        return False
    if isinstance(kind, ast.Tuple):
        return any(_catches_unicode(e) for e in kind.elts)
    name = kind.attr if isinstance(kind, ast.Attribute) else getattr(kind, "id", "")
    return name in _UNICODE_ERRORS


def _encoding(
    call: ast.Call, argument: ast.expr | None, scope: Scope
) -> tuple[str | None, bool | None]:
    """The codec's name and whether one character can span several bytes (None: unknown)."""
    if argument is None:
        return "utf-8", True
    if argument is _RUNTIME:
        return None, None
    value = constant(argument, scope)
    if not isinstance(value, str):
        return None, None
    try:
        name = codecs.lookup(value).name
    except LookupError:
        return value, None
    return name, name not in single_byte_encodings()


def _snippet(call: ast.Call) -> str:
    text = unparse(call)
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 3] + "..."


def unparse(node: ast.AST) -> str:
    """`ast.unparse`, which recurses: a pathologically deep expression gives `...` instead."""
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):
        return "..."
