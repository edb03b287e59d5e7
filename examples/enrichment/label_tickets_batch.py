#!/usr/bin/env python3
"""Nightly, done right: the same labels through the Batch API, at half the price.

Run with `submit FILE` at night; `collect BATCH_ID` in the morning (or from the next run).
"""

import json
import sys

from llm import batch_request, client


def submit(path: str) -> str:
    with open(path) as handle:
        tickets = json.load(handle)
    with open("requests.jsonl", "w") as out:
        for ticket in tickets:
            out.write(json.dumps(batch_request(ticket["id"], ticket["text"])) + "\n")
    upload = client.files.create(file=open("requests.jsonl", "rb"), purpose="batch")
    batch = client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    return batch.id


def collect(batch_id: str) -> dict[str, str]:
    batch = client.batches.retrieve(batch_id)
    if batch.status != "completed":
        sys.exit(f"batch {batch_id} is {batch.status}; try again later")
    labels = {}
    for line in client.files.content(batch.output_file_id).text.splitlines():
        result = json.loads(line)
        message = result["response"]["body"]["choices"][0]["message"]
        labels[result["custom_id"]] = message["content"].strip()
    return labels


if __name__ == "__main__":
    command, argument = sys.argv[1:3]
    print(submit(argument) if command == "submit" else json.dumps(collect(argument)))
