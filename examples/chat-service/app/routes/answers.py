"""Help-centre answers: a person reads them, a program rewrites them, a researcher waits."""

from typing import Annotated

from fastapi import APIRouter, Depends
from openai import AsyncOpenAI
from pydantic import BaseModel

from app.llm import CHAT_MODEL, get_openai

router = APIRouter(prefix="/v1")

OpenAIClient = Annotated[AsyncOpenAI, Depends(get_openai)]


class Question(BaseModel):
    text: str


@router.post("/answers")
async def answer(question: Question, client: OpenAIClient) -> dict:
    """A help-centre article, written for the person who asked: returned whole."""
    completion = await client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"Write a help article: {question.text}"}],
        max_tokens=1500,
    )
    return {"article": completion.choices[0].message.content}


@router.post("/rewrite")
async def rewrite(question: Question, client: OpenAIClient) -> dict:
    """A search-friendly rewrite of the question, for the search service: short, and whole."""
    completion = await client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": f"Rewrite as a search query: {question.text}"}],
        max_tokens=60,
    )
    return {"query": completion.choices[0].message.content}


@router.post("/research")
async def research(question: Question, client: OpenAIClient) -> dict:
    """Notes on every related article, then a synthesis: all inside one request."""
    notes = []
    for article in await related_articles(question.text):
        note = await client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": f"Notes on {article} for {question.text}"}],
        )
        notes.append(note.choices[0].message.content)
    report = await client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "\n".join(notes)}]
    )
    return {"report": report.choices[0].message.content}


@router.post("/reply")
async def reply(question: Question, client: OpenAIClient) -> dict:
    """A reply for the support inbox; who reads it, and how long it is, the code cannot say."""
    completion = await client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": question.text}]
    )
    return {"reply": completion.choices[0].message.content}


async def related_articles(text: str) -> list[str]:
    return [text]
