"""The Anthropic client and the framing of Server-Sent Events."""

import json

import anthropic

client = anthropic.Anthropic()
MODEL = "claude-sonnet-4-5"

# nginx buffers responses unless told otherwise; CDNs cache them unless told otherwise.
NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(data: object, event: str = "message") -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def answer_events(question: str):
    with client.messages.stream(
        model=MODEL, max_tokens=1500, messages=[{"role": "user", "content": question}]
    ) as stream:
        for text in stream.text_stream:
            yield sse({"text": text}, event="delta")
    yield sse({}, event="done")
