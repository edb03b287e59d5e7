#!/usr/bin/env python3
"""Weekly: a running digest of the release notes, one section at a time.

Each request needs the digest written so far, so the requests cannot be sent as one batch:
the loop is sequential by nature.
"""

import sys

from llm import MODEL, client


def digest(sections: list[str]) -> str:
    summary = ""
    for section in sections:
        reply = client.responses.create(
            model=MODEL,
            input=f"Digest so far:\n{summary}\n\nFold in this section:\n{section}",
        )
        summary = reply.output_text
    return summary


if __name__ == "__main__":
    print(digest(open(sys.argv[1]).read().split("\n## ")))
