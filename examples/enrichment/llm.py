"""Model helpers shared by the nightly jobs."""

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4.1-mini"
LABELS = ("billing", "bug", "feature-request", "question")


def classify(text: str) -> str:
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": f"Answer with one of: {', '.join(LABELS)}."},
            {"role": "user", "content": text},
        ],
        max_tokens=5,
    )
    return reply.choices[0].message.content.strip()


def batch_request(custom_id: str, text: str) -> dict:
    """One line of a Batch API input file: the same request `classify` sends."""
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": MODEL,
            "messages": [
                {"role": "system", "content": f"Answer with one of: {', '.join(LABELS)}."},
                {"role": "user", "content": text},
            ],
            "max_tokens": 5,
        },
    }
