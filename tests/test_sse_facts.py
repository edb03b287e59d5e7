"""Server-side SSE facts: how bodies are framed, event ids, and when a stream is long.

The rule examples (ADV201/202/204/205) pin the common cases; these tests pin the detector
decisions behind them, field by field, including the near misses that must stay unknown.
"""

from __future__ import annotations

import textwrap

import pytest

from advisor.facts import summarize_python
from advisor.model import ResponseConstruction
from advisor.project import project_facts

HEADER = """
import json
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from openai import AsyncOpenAI
client = AsyncOpenAI()
"""


def responses(source: str) -> list[ResponseConstruction]:
    text = textwrap.dedent(source)
    found = summarize_python("app/mod.py", text.encode()).facts
    return [f for f in found if isinstance(f, ResponseConstruction)]


def only(source: str) -> ResponseConstruction:
    (fact,) = responses(source)
    return fact


def sse_of(body: str) -> ResponseConstruction:
    """A StreamingResponse(text/event-stream) whose generator is `body`."""
    code = (
        HEADER
        + "async def gen(prompt):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\nasync def handler():\n"
        + "    return StreamingResponse(gen('x'), media_type='text/event-stream')\n"
    )
    return only(code)


@pytest.mark.parametrize(
    ("body", "unterminated"),
    [
        ('yield "data: x\\n"\n', True),
        ('yield "data: x"\n', True),
        ('yield "data: x\\n"\nyield "\\n"\n', False),
        ('yield "data: x\\r\\n\\r\\n"\n', False),
        ('yield "event: a\\n"\nyield "data: x\\n\\n"\n', False),
        ('yield "data: %s\\n\\n" % prompt\n', False),
        ('yield "data: {}\\n\\n".format(prompt)\n', False),
        ('SEP = "\\n\\n"\nyield f"data: {prompt}{SEP}"\n', False),
        # token frames with one newline in the stream loop, DONE terminated at the end
        (
            "s = await client.chat.completions.create(model='m', messages=[], stream=True)\n"
            "async for c in s:\n"
            "    yield f'data: {json.dumps(c.model_dump())}\\n'\n"
            "yield 'data: [DONE]\\n\\n'\n",
            True,
        ),
        # the same loop over something that is not a model stream: not judged
        (
            "for item in prompt:\n"
            "    yield f'data: {json.dumps(item)}\\n'\n"
            "yield 'data: [DONE]\\n\\n'\n",
            False,
        ),
        # one data line per line of text, then the blank line
        ("for line in prompt.splitlines():\n    yield f'data: {line}\\n'\nyield '\\n'\n", False),
        # a piece built at run time could be the terminator
        ('yield "data: x\\n"\nyield helper()\n', None),
    ],
)
def test_unterminated_frames(body: str, unterminated: bool | None) -> None:
    assert sse_of(body).frames_unterminated is unterminated


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        (
            "s = await client.chat.completions.create(model='m', messages=[], stream=True)\n"
            "async for c in s:\n"
            "    yield f'data: {c.choices[0].delta.content}\\n\\n'\n",
            True,
        ),
        (
            "s = await client.chat.completions.create(model='m', messages=[], stream=True)\n"
            "async for c in s:\n"
            "    text = c.choices[0].delta.content or ''\n"
            "    yield 'data: ' + text + '\\n\\n'\n",
            True,
        ),
        (
            "event = json.loads(prompt)\nyield f\"data: {event['choices'][0]['text']}\\n\\n\"\n",
            True,
        ),
        (
            "s = await client.chat.completions.create(model='m', messages=[], stream=True)\n"
            "async for c in s:\n"
            "    yield f'data: {json.dumps(c.choices[0].delta.content)}\\n\\n'\n",
            False,
        ),
        (
            "s = await client.chat.completions.create(model='m', messages=[], stream=True)\n"
            "async for c in s:\n"
            "    yield f\"data: {c.choices[0].delta.content.replace(chr(10), ' ')}\\n\\n\"\n",
            False,
        ),
        ("yield f'data: {prompt}\\n\\n'\n", False),
    ],
)
def test_raw_model_text_in_data(body: str, raw: bool) -> None:
    assert sse_of(body).raw_text_in_data is raw


@pytest.mark.parametrize(
    ("items", "ids", "double"),
    [
        ("yield json.dumps({'a': 1})\n", False, False),
        ("yield {'data': 'x', 'id': '1'}\n", True, False),
        ("yield {'data': 'x', 'id': None}\n", False, False),
        ("yield ServerSentEvent(data='x', id=str(n))\n", True, False),
        ("yield ServerSentEvent(data='x', id=None)\n", False, False),
        ("yield ServerSentEvent(**kwargs)\n", None, False),
        ("yield 'data: x\\n\\n'\n", False, True),
        ("yield b'data: x\\n\\n'\n", False, False),  # bytes go out as they are
        ("yield something\n", None, None),
    ],
)
def test_library_items(items: str, ids: bool | None, double: bool | None) -> None:
    code = (
        "import json\nfrom sse_starlette import EventSourceResponse, ServerSentEvent\n"
        "async def gen(n, kwargs, something):\n"
        + textwrap.indent(items, "    ")
        + "def handler():\n    return EventSourceResponse(gen(1, {}, None))\n"
    )
    fact = only(code)
    assert (fact.frames_by_library, fact.frames_unterminated, fact.raw_text_in_data) == (
        True,
        False,
        False,
    )
    assert (fact.emits_event_ids, fact.double_framed) == (ids, double)


def test_fastapi_sse_route_frames_strings_again() -> None:
    fact = only(
        """
        from fastapi import FastAPI
        from fastapi.sse import EventSourceResponse
        app = FastAPI()
        @app.post("/chat", response_class=EventSourceResponse)
        async def chat():
            yield "data: x\\n\\n"
        """
    )
    assert (fact.library, fact.double_framed, fact.media_type) == (
        "fastapi",
        True,
        "text/event-stream",
    )
    assert "x-accel-buffering" in fact.effective_header_names


def test_fastapi_generator_route_with_default_response_class_is_not_judged() -> None:
    assert (
        responses(
            """
            from fastapi import FastAPI
            from fastapi.responses import ORJSONResponse
            app = FastAPI(default_response_class=ORJSONResponse)
            @app.get("/x")
            async def x():
                yield "data: x\\n\\n"
            """
        )
        == []
    )


def test_aiohttp_sse_send_ids_and_litestar_event_id() -> None:
    found = responses(
        """
        from aiohttp_sse import sse_response
        from litestar.response import ServerSentEvent
        async def a(request):
            async with sse_response(request) as resp:
                await resp.send("x", id="1")
        async def b(request):
            async with sse_response(request) as resp:
                await resp.send("x")
                await resp.send("y", event="done")
        def c():
            return ServerSentEvent(gen(), event_id="run-1")
        """
    )
    assert [f.emits_event_ids for f in found] == [True, False, True]
    assert [f.reads_last_event_id for f in found] == [False, False, False]


def test_aiohttp_response_handed_to_a_helper_is_unknown() -> None:
    found = responses(
        """
        from aiohttp import web
        async def a(request):
            resp = web.StreamResponse()
            resp.content_type = "text/event-stream"
            await resp.prepare(request)
            await send_frames(resp)
            return resp
        async def b(request):
            resp = web.StreamResponse()
            resp.content_type = "text/event-stream"
            async def push(text):
                await resp.write(text)
            await resp.prepare(request)
            await push(b"data: x\\n")
            return resp
        async def c(request):
            resp = web.StreamResponse()
            await resp.prepare(request)
            await resp.write(b"data: x\\n\\n")
            return resp
        """
    )
    assert [(f.headers_known, f.frames) for f in found] == [
        (False, None),
        (False, None),
        (True, "sse"),
    ]
    assert found[2].media_type == "application/octet-stream"


def test_sanic_request_is_known_from_the_route_or_the_annotation() -> None:
    found = responses(
        """
        from sanic import Sanic, Request
        app = Sanic("x")
        @app.get("/a")
        async def a(request):
            r = await request.respond(content_type="text/event-stream")
            await r.send("data: x\\n\\n")
        async def b(req: Request):
            r = await req.respond(headers={"Content-Type": "text/event-stream"})
            await r.send("data: x\\n\\n")
        async def c(request):
            r = await request.respond(content_type="text/event-stream")
        @app.get("/d")
        async def d(request):
            await request.respond(built)
        """
    )
    assert [(f.evidence.function, f.library, f.media_type) for f in found] == [
        ("a", "sanic", "text/event-stream"),
        ("b", "sanic", "text/event-stream"),
    ]


def test_flask_view_returns() -> None:
    found = responses(
        """
        from flask import Flask
        app = Flask(__name__)
        def frames():
            yield "data: x\\n\\n"
        @app.route("/a")
        def a():
            return frames(), 200, {"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
        @app.route("/b")
        def b():
            return "hello"
        @app.route("/c")
        def c():
            return {"a": 1}
        def not_a_view():
            return frames()
        """
    )
    (fact,) = found
    assert (fact.media_type, fact.status_code, fact.headers_known) == (
        "text/event-stream",
        200,
        True,
    )
    assert "x-accel-buffering" in fact.effective_header_names


@pytest.mark.parametrize(
    ("body", "multi"),
    [
        (
            "r = await client.chat.completions.create(model='m', messages=[])\nyield 'data: 1\\n\\n'\n",
            False,
        ),
        (
            "a = await client.chat.completions.create(model='m', messages=[])\n"
            "b = await client.chat.completions.create(model='m', messages=[])\n"
            "yield 'data: 1\\n\\n'\n",
            True,
        ),
        (
            "if prompt:\n"
            "    r = await client.chat.completions.create(model='m', messages=[])\n"
            "else:\n"
            "    r = await client.chat.completions.create(model='n', messages=[])\n"
            "yield 'data: 1\\n\\n'\n",
            False,
        ),
        (
            "try:\n"
            "    r = await client.chat.completions.create(model='m', messages=[])\n"
            "except Exception:\n"
            "    r = await client.chat.completions.create(model='fallback', messages=[])\n"
            "yield 'data: 1\\n\\n'\n",
            False,
        ),
        (
            "if not prompt:\n"
            "    r = await client.chat.completions.create(model='m', messages=[])\n"
            "    yield 'data: 1\\n\\n'\n"
            "    return\n"
            "r = await client.chat.completions.create(model='n', messages=[])\n"
            "yield 'data: 1\\n\\n'\n",
            False,
        ),
        (
            "for doc in prompt:\n"
            "    r = await client.chat.completions.create(model='m', messages=[doc])\n"
            "    yield 'data: 1\\n\\n'\n",
            True,
        ),
        (
            "for attempt in range(retries):\n"
            "    r = await client.chat.completions.create(model='m', messages=[])\n"
            "yield 'data: 1\\n\\n'\n",
            False,
        ),
        (
            "while True:\n"
            "    r = await client.chat.completions.create(model='m', messages=[], tools=T)\n"
            "    yield 'data: 1\\n\\n'\n",
            True,
        ),
        (
            "e = await client.embeddings.create(model='e', input=prompt)\n"
            "r = await client.chat.completions.create(model='m', messages=[])\n"
            "yield 'data: 1\\n\\n'\n",
            False,
        ),
        ("yield 'data: 1\\n\\n'\n", None),
    ],
)
def test_multi_step(body: str, multi: bool | None) -> None:
    assert sse_of(body).multi_step is multi


def test_long_running_hint_on_the_handler() -> None:
    found = responses(
        HEADER
        + """
async def gen():
    yield "data: 1\\n\\n"

async def long():  # advisor: long-running=true
    return StreamingResponse(gen(), media_type="text/event-stream")

# advisor: long-running=false
async def short():
    return StreamingResponse(gen(), media_type="text/event-stream")

async def unhinted():
    return StreamingResponse(gen(), media_type="text/event-stream")
"""
    )
    assert [f.long_running for f in found] == [True, False, None]


def project(files: dict[str, str]) -> list[ResponseConstruction]:
    summaries = [
        summarize_python(path, textwrap.dedent(text).encode()) for path, text in files.items()
    ]
    return [f for f in project_facts(summaries) if isinstance(f, ResponseConstruction)]


def test_helpers_of_other_modules_make_a_stream_long() -> None:
    helpers = """
        from openai import OpenAI
        client = OpenAI()
        def summarize(doc):
            return client.chat.completions.create(model="m", messages=[doc])
        def answer(q):
            return client.chat.completions.create(model="m", messages=[q])
        def all_docs(docs):
            return [client.chat.completions.create(model="m", messages=[d]) for d in docs]
    """
    view = """
        from django.http import StreamingHttpResponse
        from app.llm import summarize, answer, all_docs
        def per_doc(docs):
            for doc in docs:
                yield f"data: {summarize(doc)}\\n\\n"
        def single(q):
            yield f"data: {answer(q)}\\n\\n"
        def comprehension(docs):
            yield f"data: {all_docs(docs)}\\n\\n"
        def a(request):
            return StreamingHttpResponse(per_doc([]), content_type="text/event-stream")
        def b(request):
            return StreamingHttpResponse(single("q"), content_type="text/event-stream")
        def c(request):
            return StreamingHttpResponse(comprehension([]), content_type="text/event-stream")
    """
    found = project({"app/llm.py": helpers, "app/views.py": view})
    assert [f.multi_step for f in sorted(found, key=lambda f: f.evidence.location.line)] == [
        True,
        False,
        True,
    ]
