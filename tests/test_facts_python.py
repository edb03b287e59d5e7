"""Facts from Python: what the detectors see, field by field (rules are tested by their examples)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from advisor.facts import module_name, summarize_python
from advisor.facts.python.walk import Context, run_detectors
from advisor.model import LlmCall, ResponseConstruction
from advisor.read.python import parse_python
from advisor.read.source import TextFailure


def facts(source: str, path: str = "app/mod.py") -> list[object]:
    return list(summarize_python(path, textwrap.dedent(source).encode()).facts)


def calls(source: str) -> list[LlmCall]:
    return [f for f in facts(source) if isinstance(f, LlmCall)]


def responses(source: str) -> list[ResponseConstruction]:
    return [f for f in facts(source) if isinstance(f, ResponseConstruction)]


@pytest.mark.parametrize(
    ("source", "client"),
    [
        ("import openai\nopenai.chat.completions.create(stream=True)\n", "openai"),
        ("import openai as oa\noa.chat.completions.create(stream=True)\n", "openai"),
        (
            "from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(stream=True)\n",
            "openai.OpenAI",
        ),
        (
            "from openai import AsyncOpenAI as Client\nasync def f():\n    c = Client()\n    await c.chat.completions.create(stream=True)\n",
            "openai.AsyncOpenAI",
        ),
        (
            "import openai\ndef f():\n    with openai.OpenAI() as c:\n        c.chat.completions.create(stream=True)\n",
            "openai.OpenAI",
        ),
        (
            "from typing import Optional\nfrom openai import OpenAI\ndef f(c: Optional[OpenAI]):\n    c.chat.completions.create(stream=True)\n",
            "openai.OpenAI",
        ),
        (
            "from openai import OpenAI\ndef f(c: 'OpenAI | None' = None):\n    c.chat.completions.create(stream=True)\n",
            "openai.OpenAI",
        ),
        (
            "from anthropic import Anthropic\nclass S:\n    client: Anthropic\n    def go(self):\n        self.client.messages.create(stream=True)\n",
            "anthropic.Anthropic",
        ),
        (
            "from anthropic import Anthropic\nclass S:\n    def __init__(self):\n        self.llm = None\n    def start(self):\n        self.llm = Anthropic()\n    def go(self):\n        self.llm.messages.create(stream=True)\n",
            "anthropic.Anthropic",
        ),
        (
            "from openai import OpenAI\ndef make():\n    return OpenAI(api_key='x')\nclient = make()\nclient.responses.create(stream=True)\n",
            "openai.OpenAI",
        ),
        (
            "from openai import OpenAI\nclient = OpenAI()\ndef f():\n    def g():\n        client.chat.completions.create(stream=True)\n",
            "openai.OpenAI",
        ),
        (
            "if TYPE_CHECKING:\n    from openai import OpenAI\nelse:\n    from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(stream=True)\n",
            "openai.OpenAI",
        ),
    ],
)
def test_clients_are_resolved(source: str, client: str) -> None:
    found = calls(source)
    assert [c.client for c in found] == [client]
    assert found[0].streamed is True


@pytest.mark.parametrize(
    "source",
    [
        # rebinding makes the client ambiguous
        "from openai import OpenAI\nimport anthropic\nc = OpenAI()\nc = anthropic.Anthropic()\nc.chat.completions.create(stream=True)\n",
        # a loop variable
        "for c in clients:\n    c.chat.completions.create(stream=True)\n",
        # an attribute of some other object
        "def f(app):\n    app.state.client.chat.completions.create(stream=True)\n",
        # unannotated parameter
        "def f(client):\n    client.chat.completions.create(stream=True)\n",
        # a local shadows the import
        "import openai\ndef f(openai):\n    openai.chat.completions.create(stream=True)\n",
        # anthropic has no module-level client
        "import anthropic\nanthropic.messages.create(stream=True)\n",
        # not an API of the client
        "from openai import OpenAI\nOpenAI().files.create(file=f, purpose='assistants')\n",
        # self attribute assigned two different clients
        "import openai, anthropic\nclass S:\n    def a(self):\n        self.c = openai.OpenAI()\n    def b(self):\n        self.c = anthropic.Anthropic()\n    def go(self):\n        self.c.messages.create(stream=True)\n",
    ],
)
def test_unresolvable_receivers_produce_no_fact(source: str) -> None:
    assert calls(source) == []


@pytest.mark.parametrize(
    ("arguments", "streamed", "structured", "forced"),
    [
        ("stream=True", True, False, False),
        ("stream=False, response_format={'type': 'json_object'}", False, True, False),
        ("stream=flag", None, False, False),
        ("**options", None, None, None),
        ("stream=True, response_format=NOT_GIVEN", True, False, False),
        ("stream=True, response_format=None", True, False, False),
        ("stream=True, response_format=fmt", True, None, False),
        ("stream=True, response_format=FORMAT", True, None, False),
        ("stream=True, response_format=schemas.Answer", True, True, False),
        ("stream=True, tool_choice='auto'", True, False, False),
        ("stream=True, tool_choice='required'", True, False, True),
        (
            "stream=True, tool_choice={'type': 'function', 'function': {'name': 'f'}}",
            True,
            False,
            True,
        ),
        ("stream=True, tool_choice=choice", True, False, None),
        ("stream=STREAM", True, False, False),
    ],
)
def test_call_traits(
    arguments: str, streamed: bool | None, structured: bool | None, forced: bool | None
) -> None:
    source = f"""
        from openai import OpenAI, NOT_GIVEN
        from app import schemas
        STREAM = True
        FORMAT = load()
        client = OpenAI()
        def f(flag, fmt, choice, options):
            client.chat.completions.create(model="m", messages=[], {arguments})
        """
    (call,) = calls(source)
    assert (call.streamed, call.structured_output, call.forced_tool_call) == (
        streamed,
        structured,
        forced,
    )


def test_transparent_segments_and_helpers() -> None:
    source = """
        from openai import OpenAI
        client = OpenAI()
        client.chat.completions.with_raw_response.create(model="m", messages=[], stream=True)
        client.beta.chat.completions.parse(model="m", messages=[], response_format=M)
        client.responses.stream(model="m", input="x")
        """
    found = calls(source)
    assert [(c.api, c.streamed, c.structured_output) for c in found] == [
        ("chat.completions.create", True, False),
        ("chat.completions.parse", False, True),
        ("responses.stream", True, False),
    ]
    assert found[0].evidence.function is None
    assert found[0].evidence.location.line == 4


def test_response_facts_follow_headers() -> None:
    source = """
        from flask import Response
        def a():
            resp = Response(g(), mimetype="text/event-stream")
            resp.headers.update({"X-Accel-Buffering": "no"}, cache_control="no-cache")
            return resp
        def b():
            resp = Response(g(), content_type="Text/Event-Stream; charset=utf-8")
            return resp, 200, {"Cache-Control": "no-cache"}
        def c(kind):
            resp = Response(g(), mimetype=kind)
            return resp
        def d():
            resp = Response(g())
            resp.mimetype = "text/event-stream"
            decorate(resp)
            return resp
        def e():
            resp = Response(g(), mimetype="text/event-stream")
            resp.headers[name] = "no"
            return resp
        """
    found = responses(source)
    summary = [
        (
            f.evidence.function,
            f.media_type,
            f.media_type_known,
            f.headers_known,
            f.effective_header_names,
        )
        for f in found
    ]
    assert summary == [
        ("a", "text/event-stream", True, True, ("cache-control", "x-accel-buffering")),
        ("b", "text/event-stream", True, True, ("cache-control",)),
        ("c", None, False, True, ()),
        ("d", "text/event-stream", True, False, ()),
        ("e", "text/event-stream", True, False, ()),
    ]


def test_library_headers_are_reported() -> None:
    (fact,) = responses(
        "from sse_starlette.sse import EventSourceResponse\nr = EventSourceResponse(g())\n"
    )
    assert fact.library == "sse-starlette"
    assert fact.media_type == "text/event-stream"
    assert {h.name for h in fact.library_headers} == {
        "cache-control",
        "connection",
        "x-accel-buffering",
    }


def test_same_name_from_another_library_is_not_a_response() -> None:
    assert (
        responses(
            "from mylib import StreamingResponse\nr = StreamingResponse(g(), media_type='text/event-stream')\n"
        )
        == []
    )


def test_module_names() -> None:
    assert module_name("app/routes/chat.py") == "app.routes.chat"
    assert module_name("app/__init__.py") == "app"
    assert module_name("main.py") == "main"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from anthropic import AsyncAnthropic\nc = AsyncAnthropic()\nasync def f():\n"
            "    await c.messages.create(model='m', max_tokens=4096, messages=[], stream=True,\n"
            "        tools=[T], thinking={'type': 'enabled', 'budget_tokens': 2048})\n",
            ("anthropic", "messages.create", "chat", True, True, True, True, 4096),
        ),
        (
            "import litellm\nlitellm.completion(model='x', messages=[], stream=True, max_tokens=50)\n",
            ("litellm", "completion", "chat", False, True, False, False, 50),
        ),
        (
            "from litellm import acompletion\nasync def f():\n    await acompletion(model='x', messages=[])\n",
            ("litellm", "acompletion", "chat", True, False, False, False, None),
        ),
        (
            "from google import genai\nc = genai.Client()\nasync def f():\n"
            "    async for x in await c.aio.models.generate_content_stream(model='m', contents='q'):\n"
            "        print(x.text)\n",
            ("google", "models.generate_content_stream", "chat", True, True, False, False, None),
        ),
        (
            "from mistralai import Mistral\nc = Mistral()\nc.embeddings.create(model='e', inputs=['a'])\n",
            ("mistral", "embeddings.create", "embeddings", False, False, False, False, None),
        ),
        (
            "import cohere\nco = cohere.ClientV2()\nco.chat_stream(model='c', messages=[], max_tokens=300)\n",
            ("cohere", "chat_stream", "chat", False, True, False, False, 300),
        ),
        (
            "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI().bind_tools([search])\nllm.batch(prompts)\n",
            ("langchain", "batch", "fan-out", False, False, True, False, None),
        ),
        (
            "from openai import OpenAI\nc = OpenAI()\nc.files.create(file=f, purpose='batch')\n"
            "c.batches.create(input_file_id='x', endpoint='/v1/chat/completions', completion_window='24h')\n",
            ("openai", "files.create", "batch-upload", False, False, False, False, None),
        ),
        (
            "from openai import OpenAI\nc = OpenAI()\n"
            "c.responses.create(model='o3', input='q', reasoning={'effort': 'high', 'summary': 'auto'},\n"
            "    max_output_tokens=900, stream=True)\n",
            ("openai", "responses.create", "chat", False, True, False, True, 900),
        ),
    ],
)
def test_sdk_call_shapes(
    source: str, expected: tuple[str, str, str, bool, bool, bool, bool | None, int | None]
) -> None:
    first = calls(source)[0]
    assert (
        first.provider,
        first.api,
        first.api_kind,
        first.is_async,
        first.streamed,
        first.tools,
        first.thinking,
        first.max_tokens,
    ) == expected


def test_a_detector_cannot_subscribe_to_what_the_walk_never_visits() -> None:
    """Contexts and operators are read as attributes (`node.ctx`), never walked: a detector
    asking for them would silently see nothing, so it is refused."""

    class OnOperators:
        node_types = (ast.Add,)

        def visit(self, node: ast.AST, context: Context) -> None:
            raise AssertionError("never called")

    source = parse_python(b"x = 1 + 2\n")
    assert not isinstance(source, TextFailure)
    with pytest.raises(TypeError, match="contexts or operators"):
        run_detectors("m.py", source, "m", [OnOperators()])


@pytest.mark.parametrize(
    ("node_type", "expected"),
    [
        (ast.alias, ["os", "join"]),
        (ast.ImportFrom, ["os.path"]),
        (ast.Name, ["x", "y", "x"]),
        (ast.Pass, ["pass"]),
    ],
)
def test_the_walk_enters_leaves_only_for_a_detector_that_asks(
    node_type: type[ast.AST], expected: list[str]
) -> None:
    """The walk skips nodes with nothing below them that a detector visits (import statements,
    names, `pass`), unless a detector asks for them or for what is below them."""
    seen: list[str] = []

    class Watcher:
        node_types = (node_type,)

        def visit(self, node: ast.AST, context: Context) -> None:
            if isinstance(node, ast.alias):
                seen.append(node.name)
            elif isinstance(node, ast.ImportFrom):
                seen.append(node.module or "")
            elif isinstance(node, ast.Name):
                seen.append(node.id)
            else:
                seen.append("pass")

    source = parse_python(b"import os\nfrom os.path import join\nx = y\nif x:\n    pass\n")
    assert not isinstance(source, TextFailure)
    run_detectors("m.py", source, "m", [Watcher()])
    assert sorted(seen) == sorted(expected)
