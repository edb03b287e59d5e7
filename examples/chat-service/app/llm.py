"""Model clients, created once and injected into the routes with FastAPI's Depends."""

from functools import lru_cache

from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

CHAT_MODEL = "gpt-4.1-mini"
CLAUDE_MODEL = "claude-sonnet-4-5"


@lru_cache
def get_openai() -> AsyncOpenAI:
    return AsyncOpenAI()


@lru_cache
def get_anthropic() -> AsyncAnthropic:
    return AsyncAnthropic()
