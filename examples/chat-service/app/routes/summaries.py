"""Long summaries for people: streamed, with progress events."""

from typing import Annotated

from anthropic import AsyncAnthropic
from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from app.llm import CLAUDE_MODEL, get_anthropic
from app.sse import frame

router = APIRouter(prefix="/v1")

Claude = Annotated[AsyncAnthropic, Depends(get_anthropic)]


class Article(BaseModel):
    text: str


async def summary_events(client: AsyncAnthropic, text: str):
    async with client.messages.stream(
        model=CLAUDE_MODEL,
        max_tokens=2000,
        messages=[{"role": "user", "content": f"Summarize:\n\n{text}"}],
    ) as stream:
        async for delta in stream.text_stream:
            yield frame({"text": delta}, event="delta")
    yield frame({}, event="done")


@router.post("/summaries")
async def summarize(article: Article, client: Claude) -> StreamingResponse:
    response = StreamingResponse(
        summary_events(client, article.text), media_type="text/event-stream"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@router.post("/summaries/internal")
async def summarize_internal(article: Article, client: Claude) -> StreamingResponse:
    # Served on the cluster-internal port: no proxy sits in front of it.
    return StreamingResponse(  # advisor: ignore[ADV201]
        summary_events(client, article.text), media_type="text/event-stream"
    )


@router.get("/summaries/{summary_id}/events")
async def summary_progress(summary_id: str) -> EventSourceResponse:
    async def progress():
        for step in ("retrieving", "summarizing", "done"):
            yield {"event": "progress", "data": step}

    return EventSourceResponse(progress())
