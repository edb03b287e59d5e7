#!/usr/bin/env python3
"""A terminal client for the chat service: prints the answer as it streams, and waits for
long summaries (an async job) to finish.

    python client.py chat "How do I rotate my API key?"
    python client.py summary SUMMARY_ID
"""

import codecs
import json
import sys
import time

import httpx
import requests

BASE_URL = "http://localhost:8000/v1"


def chat(question: str) -> None:
    """Prints each event's text as it arrives. httpx decodes the body incrementally."""
    payload = {"messages": [{"role": "user", "content": question}]}
    with httpx.stream("POST", f"{BASE_URL}/chat", json=payload, timeout=None) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line.removeprefix("data: "))
                print(event.get("text", ""), end="", flush=True)
    print()


def chat_raw(question: str) -> None:
    """The first version: decodes every network chunk on its own, so a character whose bytes
    straddle two chunks (é, 食, an emoji) comes out as replacement characters."""
    payload = {"messages": [{"role": "user", "content": question}]}
    with httpx.stream("POST", f"{BASE_URL}/chat", json=payload, timeout=None) as response:
        for chunk in response.iter_bytes():
            print(chunk.decode("utf-8", errors="replace"), end="", flush=True)


def chat_requests(question: str) -> None:
    """The same with requests, done right: bytes go through an incremental decoder."""
    payload = {"messages": [{"role": "user", "content": question}]}
    decoder = codecs.getincrementaldecoder("utf-8")()
    with requests.post(f"{BASE_URL}/chat", json=payload, stream=True, timeout=60) as response:
        for chunk in response.iter_content(chunk_size=1024):
            print(decoder.decode(chunk), end="", flush=True)
        print(decoder.decode(b"", final=True))


def wait_for_summary(summary_id: str) -> dict:
    """Polls the job every two seconds, backing off to at most thirty."""
    delay = 2.0
    while True:
        job = requests.get(f"{BASE_URL}/summaries/{summary_id}", timeout=10).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(delay)
        delay = min(delay * 1.5, 30.0)


def watch_summary(summary_id: str) -> dict:
    """For the demo's progress bar: asks ten times a second, for as long as the job runs."""
    while True:
        job = requests.get(f"{BASE_URL}/summaries/{summary_id}", timeout=10).json()
        print(f"\r{job.get('progress', 0):>3}%", end="", flush=True)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)


if __name__ == "__main__":
    command, argument = sys.argv[1:3]
    if command == "chat":
        chat(argument)
    elif command == "chat-raw":
        chat_raw(argument)
    elif command == "watch":
        print(watch_summary(argument))
    else:
        print(wait_for_summary(argument))
