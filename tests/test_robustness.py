"""Bad input is normal input: every broken file is a finding, never a crash, and output is stable."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.engine import analyze
from advisor.facts import summarize
from advisor.model import ParseFailure
from advisor.read.jsonpos import JsonLocator
from advisor.read.python import GRAMMAR
from advisor.read.source import TextFailure, decode_python, decoding_failure
from advisor.settings import Settings

Project = Callable[[Mapping[str, str | bytes]], Path]
SETTINGS = Settings(root=Path("/nonexistent"))


@pytest.mark.parametrize(
    ("name", "content", "line", "message"),
    [
        (
            "syntax.py",
            # Each broken Python file imports a framework: a file that mentions nothing the
            # advisor reads is not parsed at all (advisor/prefilter.py, tests/test_prefilter.py).
            "def f(:\n    pass\nfrom fastapi import FastAPI\n",
            1,
            f"syntax error under Python {GRAMMAR}: invalid syntax",
        ),
        ("nul.py", b"x = 1\x00\n", 1, "binary file (contains NUL bytes), not Python source"),
        ("bad.py", b"x = '\xff'\n", 1, "cannot decode as utf-8: byte 0xff is not valid here"),
        ("cookie.py", b"# -*- coding: klingon -*-\nx = 1\n", 1, "invalid encoding declaration"),
        (
            "deep.py",
            "x = " + "(" * 300 + "1" + ")" * 300 + "\nfrom fastapi import FastAPI\n",
            1,
            "too many nested parentheses",
        ),
        (
            "tabs.py",
            "if x:\n\ty = 1\n        z = 2\nfrom fastapi import FastAPI\n",
            3,
            "syntax error",
        ),
        ("spec.yaml", "openapi: 3.0.0\npaths: {a: [\n", 3, "invalid YAML"),
        ("spec.json", '{"openapi": "3.1.0", "paths": {', 1, "invalid JSON"),
        ("two.yaml", "openapi: 3.0.0\n---\nopenapi: 3.0.0\n", 2, "invalid YAML: expected a single"),
        ("list.yaml", "openapi: 3.0.0\n- a\n", 2, "invalid YAML"),
        ("utf16.json", '{"openapi": "3.0.0", "x": [}'.encode("utf-16"), 1, "invalid JSON"),
        ("latin.yaml", b"openapi: 3.0.0\ninfo: {title: caf\xe9}\n", 2, "cannot decode as utf-8"),
    ],
)
def test_broken_files_give_adv001_at_the_parser_position(
    project: Project, name: str, content: str | bytes, line: int, message: str
) -> None:
    root = project({name: content, "good.py": "x = 1\n"})
    result = analyze([root])
    assert [(f.code, f.location.path, f.location.line) for f in result.findings] == [
        ("ADV001", name, line)
    ]
    assert message in result.findings[0].message
    assert "good.py" in result.files  # the run went on


def test_alias_bomb_is_bounded(project: Project) -> None:
    lines = [
        "openapi: 3.0.0",
        "info: {title: t, version: '1'}",
        "x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]",
    ]
    for level in range(1, 12):
        ref = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"x-{name}: &{name} [*{ref}, *{ref}, *{ref}, *{ref}, *{ref}, *{ref}, *{ref}]")
    lines.append("paths: {}")
    root = project({"bomb.yaml": "\n".join(lines) + "\n"})
    assert analyze([root]).findings == ()


@pytest.mark.parametrize(
    "aliases",
    [
        "TimeoutError = TimeoutError\n",  # asyncio/exceptions.py
        "dict = dict\nlist = list\n",  # multiprocessing/dummy/__init__.py
        "a = b\nb = a\n",
    ],
)
def test_names_bound_to_themselves_are_not_followed_forever(project: Project, aliases: str) -> None:
    """Resolving a client through aliases once recursed without bound on these (an internal
    error for the whole run, found on the standard library)."""
    names = [line.split(" = ")[0] for line in aliases.splitlines()]
    uses = "".join(f"x{i} = {name}()\n" for i, name in enumerate(names))
    root = project({"m.py": "import openai\n" + aliases + uses})
    assert [f.code for f in analyze([root], cache=False).findings] == []


def test_huge_files_are_reported_not_parsed(project: Project) -> None:
    root = project(
        {
            ".advisor.yaml": "max-file-size: 2048\n",
            "big.py": "x = 1\n" * 1000,
            "big.yaml": "openapi: 3.0.0\n" + "x-pad: 1\n" * 1000,
            "data.json": "[" + "1," * 2000 + "1]",
        }
    )
    result = analyze([root])
    assert [(f.code, f.location.path) for f in result.findings] == [
        ("ADV001", "big.py"),
        ("ADV001", "big.yaml"),
    ]
    assert "over the 2,048-byte limit" in result.findings[0].message


def test_two_runs_give_identical_output(project: Project) -> None:
    root = project(
        {
            "a.py": "from flask import Response\nr = Response(g(), mimetype='text/event-stream')\n",
            "b.py": "def f(:\n",
            "c/openapi.yaml": "openapi: 3.0.0\npaths: {}\n",
        }
    )
    first, second = analyze([root]), analyze([root])
    assert first.findings == second.findings and first.files == second.files


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=st.sampled_from(["a.py", "a.yaml", "a.json"]))
def test_arbitrary_bytes_never_crash(data: bytes, name: str) -> None:
    language = "python" if name.endswith(".py") else "data"
    summary = summarize(name, language, data, SETTINGS)
    assert summary is None or all(f.evidence.location.line >= 1 for f in summary.facts)


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(["openapi: 3.0.0\n", '{"openapi": "3.0.0", ', "swagger: '2.0'\n"]),
    body=st.text(max_size=300),
)
def test_arbitrary_spec_text_never_crashes(prefix: str, body: str) -> None:
    summary = summarize(
        "s.yaml", "data", (prefix + body).encode("utf-8", "surrogatepass"), SETTINGS
    )
    assert summary is not None
    for fact in summary.facts:
        assert fact.evidence.location.line >= 1
        if isinstance(fact, ParseFailure):
            assert fact.message


PYTHON_FRAGMENTS = [
    "from fastapi.responses import StreamingResponse\n",
    "from openai import OpenAI\nclient = OpenAI()\n",
    "import flask\n",
    "r = StreamingResponse(g(), media_type='text/event-stream', headers=h)\n",
    "h = {'Cache-Control': 'no-cache', **other}\n",
    "def f(client: OpenAI):\n    return client.chat.completions.create(stream=s, response_format=F)\n",
    "class A:\n    def __init__(self):\n        self.c = OpenAI()\n    def g(self):\n        self.c.responses.stream(text_format=M)\n",
    "resp = flask.Response(g(), mimetype=m)\nresp.headers.update(x)\nresp[k] = v\n",
    "for client in clients:\n    client.chat.completions.create(stream=True)\n",
    "x = lambda: StreamingResponse(*a, **k)\n",
    "global client\n",
    "client = client\n",
    "async def h():\n    async with client.messages.stream(tool_choice={'type': t}) as s:\n        pass\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PYTHON_FRAGMENTS), max_size=8))
def test_detectors_survive_any_mix_of_patterns(fragments: list[str]) -> None:
    source = "".join(fragments).encode()
    summary = summarize("m.py", "python", source, SETTINGS)
    assert summary is not None


def _pointers(value: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _pointers(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _pointers(item, (*prefix, str(index)))
    return found


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='abc "\\é{}[]:,', max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='ab"\\/ ', max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(document=json_values, indent=st.sampled_from([None, 0, 2]))
def test_json_locator_agrees_with_an_independent_parser(
    document: object, indent: int | None
) -> None:
    text = json.dumps({"root": document}, indent=indent)
    locator = JsonLocator(text)
    node = yaml.compose(text, Loader=yaml.SafeLoader)  # JSON is YAML: marks as an oracle
    for pointer in _pointers({"root": document}):
        expected = node
        mark = None
        for segment in pointer:
            if isinstance(expected, yaml.MappingNode):
                key_node, expected = [kv for kv in expected.value if kv[0].value == segment][-1]
                mark = key_node.start_mark
            else:
                assert isinstance(expected, yaml.SequenceNode)
                expected = expected.value[int(segment)]
                mark = expected.start_mark
        assert mark is not None
        assert locator.locate(pointer) == (mark.line + 1, mark.column + 1), pointer


_SOURCE_PIECES = st.sampled_from(
    [
        b"x = 1\n",
        b"# -*- coding: latin-1 -*-\n",
        b"# coding: uft-8\n",
        b"# vim: set fileencoding=utf-8 :\n",
        b"#!/usr/bin/env python\n",
        "caf\u00e9 = 1\n".encode(),
        b"caf\xe9 = 1\n",
        b"\xef\xbb\xbf",
        b"\x00",
        b"\r",
        b"s = 'coding'\n",
    ]
)


@given(st.lists(_SOURCE_PIECES, max_size=5).map(b"".join))
def test_a_decoding_failure_is_found_without_decoding_as_by_decoding(data: bytes) -> None:
    """`decoding_failure` skips decoding ASCII without a cookie: the same answer as decoding."""
    text = decode_python(data)
    assert decoding_failure(data) == (text if isinstance(text, TextFailure) else None)
