"""Server-Sent Events framing shared by the streaming routes."""

import json
from collections.abc import AsyncIterator

# Without these, nginx (proxy_buffering on) and most CDNs hold the stream until it ends.
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def frame(data: object, event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(data)}\n\n"


async def openai_text_events(stream: AsyncIterator) -> AsyncIterator[str]:
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield frame({"text": chunk.choices[0].delta.content}, event="delta")
    yield frame({}, event="done")
