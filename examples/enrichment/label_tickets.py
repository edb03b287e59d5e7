#!/usr/bin/env python3
"""Nightly: label yesterday's support tickets (run by cron at 02:00).

Nobody waits for these labels until the morning, yet every ticket is sent as its own
synchronous request at the full per-token price.
"""

import json
import sys

from llm import classify


def main(path: str) -> None:
    with open(path) as handle:
        tickets = json.load(handle)
    for ticket in tickets:
        ticket["label"] = classify(ticket["text"])
    json.dump(tickets, sys.stdout, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
