"""Comments addressed to the advisor (`# advisor: ...`), with their line numbers.

`ast` drops comments, so they come from `tokenize`, and only for files whose text mentions
`advisor:` at all: most files pay nothing.
"""

from __future__ import annotations

import io
import re
import tokenize

from advisor.records import record

MARKER = "advisor:"
_COMMENT_RE = re.compile(r"#.*?\badvisor:\s*(?P<body>.*)$")


@record
class AdvisorComment:
    line: int
    column: int
    body: str
    """Everything after `advisor:` in the comment, stripped."""


def advisor_comments(text: str) -> list[AdvisorComment]:
    if MARKER not in text:
        return []
    found: list[AdvisorComment] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and MARKER in token.string:
                match = _COMMENT_RE.match(token.string)
                if match:
                    found.append(
                        AdvisorComment(token.start[0], token.start[1] + 1, match["body"].strip())
                    )
    except (tokenize.TokenError, SyntaxError):
        # The file parsed with `ast`, so this is a tokenizer corner case; fall back to lines.
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            hash_at = line.find("#")
            match = _COMMENT_RE.match(line[hash_at:]) if hash_at >= 0 else None
            if match:
                found.append(AdvisorComment(number, hash_at + 1, match["body"].strip()))
    return found
