"""Ticket triage: the answer is a label that a program routes on."""

from typing import Annotated

from anthropic import AsyncAnthropic
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from app.llm import CLAUDE_MODEL, get_anthropic

router = APIRouter(prefix="/v1")

TRIAGE_TOOL = {
    "name": "triage",
    "description": "Route a support ticket.",
    "input_schema": {
        "type": "object",
        "properties": {"queue": {"enum": ["billing", "bug", "question"]}},
        "required": ["queue"],
    },
}


class Ticket(BaseModel):
    text: str


@router.post("/classify")
async def classify(
    ticket: Ticket, client: Annotated[AsyncAnthropic, Depends(get_anthropic)]
) -> dict:
    async with client.messages.stream(
        model=CLAUDE_MODEL,
        max_tokens=100,
        tools=[TRIAGE_TOOL],
        tool_choice={"type": "tool", "name": "triage"},
        messages=[{"role": "user", "content": ticket.text}],
    ) as stream:
        message = await stream.get_final_message()
    return message.content[0].input
