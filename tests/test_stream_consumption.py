"""`stream-consumption` facts: how the detector follows a stream and judges its consumer.

Rule examples pin the rules; these tests pin the detector's answers field by field, including
the cases no rule fires on (unknown modes, unfollowable streams, cross-module clients).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from advisor.engine import analyze_sources
from advisor.facts import summarize_python
from advisor.model import StreamConsumption
from advisor.project import project_facts
from advisor.settings import Settings

HEADER = """\
import json
import time

import anthropic
import streamlit as st
from openai import AsyncOpenAI, OpenAI

client = OpenAI()
aclient = AsyncOpenAI()
claude = anthropic.Anthropic()
"""


def consumptions(body: str, path: str = "app/mod.py") -> list[StreamConsumption]:
    source = HEADER + textwrap.dedent(body)
    facts = summarize_python(path, source.encode()).facts
    return [f for f in facts if isinstance(f, StreamConsumption)]


def one(body: str, path: str = "app/mod.py") -> StreamConsumption:
    found = consumptions(body, path)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("body", "mode"),
    [
        (
            """
            def f(m):
                for c in client.chat.completions.create(model="x", messages=m, stream=True):
                    print(c.choices[0].delta.content or "", end="")
            """,
            "forwarded",
        ),
        (
            """
            def f(m, queue):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                for c in stream:
                    queue.put_nowait(c.choices[0].delta.content)
            """,
            "forwarded",
        ),
        (
            """
            def f(m):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                acc = {}
                for c in stream:
                    acc[c.choices[0].index] = acc.get(c.choices[0].index, "") + (c.choices[0].delta.content or "")
                return acc
            """,
            "buffered",
        ),
        (
            """
            def f(m):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                text = ""
                for c in stream:
                    text = text + (c.choices[0].delta.content or "")
                return text
            """,
            "buffered",
        ),
        (
            """
            def f(m, log):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                out = []
                for c in stream:
                    out.append(c)
                    log.write(c.choices[0].delta.content)
                return out
            """,
            "forwarded",
        ),
        (
            """
            def f(m):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                text = ""
                for c in stream:
                    text += c.choices[0].delta.content or ""
                    if len(text) > 100:
                        break
                return text
            """,
            "unknown",
        ),
        (
            """
            def f(m):
                with claude.messages.stream(model="x", max_tokens=100, messages=m) as s:
                    s.until_done()
                    return s.get_final_message()
            """,
            "buffered",
        ),
        (
            """
            def f(m):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                return [c.choices[0].delta.content for c in stream]
            """,
            "buffered",
        ),
        (
            """
            def f(m):
                stream = client.chat.completions.create(model="x", messages=m, stream=True)
                return st.write_stream(c.choices[0].delta.content for c in stream)
            """,
            "forwarded",
        ),
    ],
)
def test_mode(body: str, mode: str) -> None:
    assert one(body).mode == mode


@pytest.mark.parametrize(
    ("body", "reads"),
    [
        (
            """
            def f(m):
                for c in client.chat.completions.create(model="x", messages=m, stream=True):
                    yield c.choices[0].delta.content
            """,
            ("text",),
        ),
        (
            """
            def f(m):
                for c in client.chat.completions.create(model="x", messages=m, stream=True):
                    delta = c.choices[0].delta
                    if getattr(delta, "reasoning_content", None):
                        yield "think", delta.reasoning_content
                    if c.choices[0].finish_reason == "tool_calls":
                        yield "tools", None
            """,
            ("thinking", "tool-calls"),
        ),
        (
            """
            def f(m):
                for c in client.chat.completions.create(model="x", messages=m, stream=True):
                    yield c.model_dump_json()
            """,
            ("events",),
        ),
        (
            """
            def f(m):
                for c in client.chat.completions.create(model="x", messages=m, stream=True):
                    yield c["choices"][0]["delta"].get("content", "")
            """,
            ("text",),
        ),
        (
            """
            def f(m):
                stream = claude.messages.create(model="x", max_tokens=9, messages=m, stream=True)
                for event in stream:
                    if isinstance(event.delta, anthropic.types.InputJSONDelta):
                        yield event.delta.partial_json
            """,
            ("tool-calls",),
        ),
        (
            """
            def f(m):
                stream = client.responses.create(model="x", input=m, stream=True)
                for event in stream:
                    match event.type:
                        case "response.output_text.delta":
                            yield event.delta
                        case "response.function_call_arguments.delta":
                            yield event.delta
            """,
            ("text", "tool-calls"),
        ),
        (
            """
            def f(m):
                stream = client.responses.create(model="x", input=m, stream=True)
                for event in stream:
                    if event.type == "response.created":
                        yield event.response
            """,
            ("events",),
        ),
        (
            """
            def f(m):
                with claude.messages.stream(model="x", max_tokens=9, messages=m) as s:
                    for text in s.text_stream:
                        yield text
                    yield s.get_final_text()
            """,
            ("text",),
        ),
    ],
)
def test_reads(body: str, reads: tuple[str, ...]) -> None:
    assert one(body).reads == reads


def test_followed_into_a_generator_of_the_module_and_a_method() -> None:
    found = consumptions(
        """
        async def frames(stream):
            async for chunk in stream:
                yield f"data: {chunk.choices[0].delta.content}\\n\\n"

        async def route(m):
            stream = await aclient.chat.completions.create(model="x", messages=m, stream=True)
            return frames(stream)

        class Chat:
            def relay(self, stream, sink):
                for chunk in stream:
                    sink(chunk.choices[0].delta.content)

            def run(self, m, sink):
                self.relay(client.chat.completions.create(model="x", messages=m, stream=True), sink)
        """
    )
    assert [(f.mode, f.reads) for f in found] == [("forwarded", ("text",))] * 2
    first, second = found
    assert first.loop_at is not None and first.loop_at.function == "frames"
    assert first.loop_at.location.line == HEADER.count("\n") + 3
    assert second.loop_at is not None and second.loop_at.function == "Chat.relay"


def test_closure_generator_and_enumerate() -> None:
    fact = one(
        """
        def route(m):
            stream = client.chat.completions.create(model="x", messages=m, stream=True)

            def gen():
                for i, chunk in enumerate(stream):
                    yield chunk.choices[0].delta.content or ""

            return gen()
        """
    )
    assert (fact.mode, fact.reads) == ("forwarded", ("text",))


@pytest.mark.parametrize(
    "body",
    [
        """
        def f(m):
            return client.chat.completions.create(model="x", messages=m, stream=True)
        """,
        """
        def f(m, store):
            store.stream = client.chat.completions.create(model="x", messages=m, stream=True)
        """,
        """
        def f(m):
            stream = client.chat.completions.create(model="x", messages=m, stream=True)
            for c in stream:
                print(c)
            stream = None
        """,
        """
        def f(m):
            stream = client.chat.completions.create(model="x", messages=m, stream=True)
            helpers.consume(stream)
        """,
        """
        def f(m):
            stream = client.chat.completions.create(model="x", messages=m, stream=flag())
            for c in stream:
                print(c)
        """,
    ],
)
def test_no_fact_when_the_stream_cannot_be_followed(body: str) -> None:
    assert consumptions(body) == []


@pytest.mark.parametrize(
    ("guard", "throttled"),
    [
        ("True", False),
        ("text", False),
        ("time.monotonic() - shown > 0.1", True),
        ("now - shown > 0.1", True),
        ("count % 10 == 0", True),
        ("len(text) - drawn > 200", True),
        ("ticker.due()", None),
    ],
)
def test_render_throttle(guard: str, throttled: bool | None) -> None:
    fact = one(
        f"""
        def f(m, ticker):
            slot = st.empty()
            text = ""
            shown = time.monotonic()
            count = 0
            drawn = 0
            for c in client.chat.completions.create(model="x", messages=m, stream=True):
                text += c.choices[0].delta.content or ""
                count += 1
                now = time.monotonic()
                if {guard}:
                    slot.markdown(text + "▌")
        """
    )
    assert fact.render == "slot.markdown"
    assert fact.render_throttled is throttled
    assert fact.render_at is not None
    assert fact.render_at.location.line == HEADER.count("\n") + 13


def test_render_needs_the_whole_buffer() -> None:
    fact = one(
        """
        def f(m):
            slot = st.chat_message("assistant").empty()
            text = ""
            for c in client.chat.completions.create(model="x", messages=m, stream=True):
                piece = c.choices[0].delta.content or ""
                text += piece
                slot.markdown(piece)
                json.dumps(text)
        """
    )
    assert fact.render is None
    throttled_by_continue = one(
        """
        def f(m):
            slot = st.chat_message("assistant").empty()
            parts = []
            for i, c in enumerate(client.chat.completions.create(model="x", messages=m, stream=True)):
                parts.append(c.choices[0].delta.content or "")
                if i % 5:
                    continue
                slot.write("".join(parts))
        """
    )
    assert throttled_by_continue.render == "slot.write"
    assert throttled_by_continue.render_throttled is True


@pytest.mark.parametrize(
    ("max_tokens", "allowed"), [("1024", True), ("8192", True), ("8193", False), ("cap", None)]
)
def test_anthropic_sync_limit(max_tokens: str, allowed: bool | None) -> None:
    fact = one(
        f"""
        def f(m, cap):
            with claude.messages.stream(model="x", max_tokens={max_tokens}, messages=m) as s:
                return s.get_final_message()
        """
    )
    assert fact.sync_allowed is allowed
    assert fact.reads == ("final-message",)


def test_unread_parts_and_structured_output() -> None:
    fact = one(
        """
        def f(m):
            with claude.messages.stream(
                model="x", max_tokens=9, messages=m, tools=[T], tool_choice={"type": "any"},
                thinking={"type": "enabled", "budget_tokens": 1024},
            ) as s:
                for text in s.text_stream:
                    yield text
        """
    )
    assert fact.unread == ("tool-calls", "thinking")
    assert fact.structured_output is True
    assert (fact.tools, fact.thinking) == (True, True)


def test_client_imported_from_another_module_and_reach() -> None:
    files = {
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        "app/main.py": textwrap.dedent(
            """
            from fastapi import FastAPI

            from app.llm import client

            app = FastAPI()


            @app.post("/answer")
            def answer(q: str) -> dict:
                stream = client.chat.completions.create(model="x", messages=[], stream=True)
                return {"answer": "".join(c.choices[0].delta.content or "" for c in stream)}
            """
        ),
    }
    settings = Settings(root=Path("/nonexistent-root"))
    result = analyze_sources({k: v.encode() for k, v in files.items()}, settings)
    facts = [f for f in project_facts(list(result.summaries)) if isinstance(f, StreamConsumption)]
    assert len(facts) == 1
    fact = facts[0]
    assert (fact.sdk, fact.mode, fact.reach.user_facing) == ("openai", "buffered", True)
    assert "ADV103" in {f.code for f in result.findings}


def test_deeply_nested_consumers_do_not_crash() -> None:
    depth = 60
    lines = ["def f(m):", "    for c in client.chat.completions.create(model='x', stream=True):"]
    for level in range(depth):
        lines.append("    " * (level + 2) + "if c:")
    lines.append("    " * (depth + 2) + "x = " + " + ".join(["c.text"] * 300))
    fact = one("\n".join(lines) + "\n")
    assert fact.mode == "unknown"


def test_a_stream_returned_by_a_helper_is_followed_to_its_callers() -> None:
    fact = one(
        """
        def ask(messages):
            return client.chat.completions.create(model="m", messages=messages, stream=True)

        def page(messages):
            full = ""
            slot = st.empty()
            for chunk in ask(messages):
                full += chunk.choices[0].delta.content or ""
                slot.markdown(full)
        """
    )
    assert (fact.mode, fact.render, fact.render_throttled) == (
        "forwarded",
        "slot.markdown",
        False,
    )


def test_a_returned_stream_that_other_modules_consume_is_not_judged() -> None:
    assert (
        consumptions(
            """
            def ask(messages):
                return client.chat.completions.create(model="m", messages=messages, stream=True)
            """
        )
        == []
    )
