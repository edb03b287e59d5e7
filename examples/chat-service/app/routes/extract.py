"""Extraction endpoints: the caller is a program that parses JSON."""

from typing import Annotated

from fastapi import APIRouter, Depends
from openai import AsyncOpenAI
from pydantic import BaseModel

from app.llm import CHAT_MODEL, get_openai

router = APIRouter(prefix="/v1")

INVOICE_SCHEMA = {
    "name": "invoice",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"number": {"type": "string"}, "total": {"type": "number"}},
        "required": ["number", "total"],
        "additionalProperties": False,
    },
}


class Document(BaseModel):
    text: str


class Title(BaseModel):
    title: str


@router.post("/extract")
async def extract_invoice(
    doc: Document, client: Annotated[AsyncOpenAI, Depends(get_openai)]
) -> dict:
    stream = await client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": doc.text}],
        response_format={"type": "json_schema", "json_schema": INVOICE_SCHEMA},
        stream=True,
    )
    parts = [chunk.choices[0].delta.content or "" async for chunk in stream]
    return {"invoice": "".join(parts)}


@router.post("/title")
async def suggest_title(
    doc: Document, client: Annotated[AsyncOpenAI, Depends(get_openai)]
) -> Title:
    completion = await client.chat.completions.parse(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"Title for: {doc.text}"}],
        response_format=Title,
        max_tokens=30,
    )
    return completion.choices[0].message.parsed
