"""Fixes as a property: on many generated variants of the code the fixes rewrite (response
classes, header and media type arguments, layouts, quotes, indentation, line endings, SSE
frames, chunk loops), the fixed file parses, the findings with a fix are gone or declined, and
fixing the result again changes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.fixes.runner import fix_sources
from advisor.policy.catalog import load_catalog
from advisor.settings import Settings

CATALOG = load_catalog()
SETTINGS = Settings(root=Path("/nonexistent-example-root"))

RESPONSES = {
    "fastapi": (
        "from fastapi.responses import StreamingResponse",
        "StreamingResponse",
        "media_type",
    ),
    "alias": ("from starlette.responses import StreamingResponse as SR", "SR", "media_type"),
    "flask": ("from flask import Response", "Response", "mimetype"),
    "django": (
        "from django.http import StreamingHttpResponse",
        "StreamingHttpResponse",
        "content_type",
    ),
    "litestar": ("from litestar.response import Stream", "Stream", "media_type"),
}
FRAMES = [
    'f"data: {word}\\n"',
    'f"data: {word}\\n\\n"',
    '"data: " + word + "\\n"',
    '"data: %s\\n" % word',
    '"data: {}\\n".format(word)',
    "word",
    'f"data: {word}\\r\\n"',
]
HEADERS = [
    None,
    {},
    {"Cache-Control": "no-cache"},
    {"X-Accel-Buffering": "no"},
    {"Connection": "keep-alive"},
    {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
]


@st.composite
def response_modules(draw: st.DrawFn) -> str:
    framework = draw(st.sampled_from(sorted(RESPONSES)))
    importing, constructor, media_keyword = RESPONSES[framework]
    quote = draw(st.sampled_from(['"', "'"]))
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    media = draw(
        st.sampled_from(
            [None, "text/event-stream", "text/plain", "text/event-stream; charset=utf-8"]
        )
    )
    headers = draw(st.sampled_from(HEADERS))
    where = draw(st.sampled_from(["inline", "local", "module"]))
    layout = draw(st.sampled_from(["line", "exploded", "hanging"]))
    frame = draw(st.sampled_from(FRAMES))
    terminator = draw(st.booleans())
    comment = draw(st.booleans())

    def q(text: str) -> str:
        return f"{quote}{text}{quote}"

    def literal(mapping: dict[str, str]) -> str:
        return "{" + ", ".join(f"{q(k)}: {q(v)}" for k, v in mapping.items()) + "}"

    args = ["events(words)"]
    if media is not None:
        args.append(f"{media_keyword}={q(media)}")
    lines = ["import json", importing, ""]
    body = []
    if headers is not None:
        if where == "module":
            lines += [f"HEADERS = {literal(headers)}", ""]
            args.append("headers=HEADERS")
        elif where == "local":
            body.append(f"{indent}headers = {literal(headers)}")
            args.append("headers=headers")
        else:
            args.append(f"headers={literal(headers)}")
    if layout == "line":
        call = f"{constructor}({', '.join(args)})"
    elif layout == "exploded":
        inner = "".join(f"{indent * 2}{a},\n" for a in args)
        call = f"{constructor}(\n{inner}{indent})"
    else:
        call = f"{constructor}({args[0]},\n{indent * 2}" + f",\n{indent * 2}".join(args[1:]) + ")"
    lines += [
        "",
        "async def events(words):",
        *([f"{indent}# frames"] if comment else []),
        f"{indent}for word in words:",
        f"{indent * 2}yield {frame}",
        *([f'{indent}yield "\\n"'] if terminator else []),
        "",
        "",
        "async def stream(words):",
        *body,
        f"{indent}return {call}",
        "",
    ]
    return "\n".join(lines)


DECODE_IMPORTS = {
    "requests": (
        "import requests",
        "response = requests.post(url, stream=True)",
        "for",
        "response.iter_content(chunk_size=64)",
    ),
    "httpx": (
        "import httpx",
        "response = httpx.Client().send(request, stream=True)",
        "for",
        "response.iter_bytes()",
    ),
    "aiohttp": ("import aiohttp", "", "async for", "resp.content.iter_any()"),
}


@st.composite
def decode_modules(draw: st.DrawFn) -> str:
    library = draw(st.sampled_from(sorted(DECODE_IMPORTS)))
    importing, setup, loop, iterator = DECODE_IMPORTS[library]
    quote = draw(st.sampled_from(['"', "'"]))
    encoding = draw(st.sampled_from([None, "utf-8", "utf8"]))
    errors = draw(st.sampled_from([None, "replace", "ignore"]))
    form = draw(st.sampled_from(["method", "str", "codecs"]))
    statement = draw(st.sampled_from(["yield", "print", "assign", "augassign", "send"]))
    extra = draw(st.sampled_from(["", "break", "continue", "before"]))
    has_codecs = draw(st.booleans()) or form == "codecs"
    newline = draw(st.sampled_from(["\n", "\r\n"]))

    def q(text: str) -> str:
        return f"{quote}{text}{quote}"

    arguments = [q(encoding)] if encoding else ([] if form == "method" else [q("utf-8")])
    if errors:
        arguments.append(f"errors={q(errors)}")
    if form == "method":
        decode = f"chunk.decode({', '.join(arguments)})"
    elif form == "str":
        decode = f"str(chunk, {', '.join(arguments)})"
    else:
        decode = f"codecs.decode(chunk, {', '.join(arguments)})"
    is_async = loop == "async for"
    sink = {
        "yield": f"yield {decode}",
        "print": f"print({decode}, end={q('')})",
        "assign": f"text = {decode}",
        "augassign": f"buffer += {decode}",
        "send": f"{'await ' if is_async else ''}sink.send({decode})",
    }[statement]
    body = [f"        {sink}"]
    if statement == "assign":
        body.append("        parts.append(text)")
    if extra == "break":
        body.append("        if len(parts) > 3:\n            break")
    elif extra == "continue":
        body.insert(0, "        if not chunk:\n            continue")
    elif extra == "before":
        body.insert(0, "        size = len(chunk)")
    header = "async def" if is_async else "def"
    lines = [
        *(["import codecs"] if has_codecs else []),
        importing,
        "",
        "",
        f"{header} relay(url, request, resp, sink):",
        "    parts = []",
        '    buffer = ""',
        *([f"    {setup}"] if setup else []),
        f"    {loop} chunk in {iterator}:",
        *body,
        "    return parts",
        "",
    ]
    if statement == "yield":
        lines[-2] = "    print(parts, buffer)"
    return newline.join("\n".join(lines).split("\n"))


def _check(text: str) -> None:
    sources = {"example.py": text.encode("utf-8")}
    first = fix_sources(sources, SETTINGS, CATALOG, unsafe=True)
    assert first.failures == [], first.failures
    fixed = first.fixed.get("example.py", sources["example.py"])
    ast.parse(fixed)
    if "\r\n" in text:
        assert b"\n" not in fixed.replace(b"\r\n", b""), "a line ending changed"
    left = [
        (f.code, f.location.line)
        for f in (first.result.findings if first.result else ())
        if f.fix is not None
    ]
    declined = {(n.code, n.line) for n in first.not_fixed}
    assert set(left) <= declined
    second = fix_sources({"example.py": fixed}, SETTINGS, CATALOG, unsafe=True)
    assert second.fixed == {}, "a second fix run changed the code"
    assert second.failures == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(response_modules())
def test_response_fixes_parse_and_converge(text: str) -> None:
    _check(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decode_modules())
def test_decoder_fixes_parse_and_converge(text: str) -> None:
    _check(text)
