"""Chat: a person reads the answer as it is written, so it streams over SSE."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from openai import AsyncOpenAI
from pydantic import BaseModel

from app.llm import CHAT_MODEL, get_openai
from app.sse import SSE_HEADERS, openai_text_events

router = APIRouter(prefix="/v1")

OpenAIClient = Annotated[AsyncOpenAI, Depends(get_openai)]


class ChatRequest(BaseModel):
    messages: list[dict[str, str]]


@router.post("/chat")
async def chat(body: ChatRequest, client: OpenAIClient) -> StreamingResponse:
    stream = await client.chat.completions.create(
        model=CHAT_MODEL, messages=body.messages, stream=True
    )
    return StreamingResponse(
        openai_text_events(stream), media_type="text/event-stream", headers=SSE_HEADERS
    )


@router.post("/chat/legacy")
async def chat_legacy(body: ChatRequest, client: OpenAIClient) -> StreamingResponse:
    """Kept for the old web client; it predates SSE_HEADERS."""
    stream = await client.chat.completions.create(
        model=CHAT_MODEL, messages=body.messages, stream=True
    )
    return StreamingResponse(openai_text_events(stream), media_type="text/event-stream")
