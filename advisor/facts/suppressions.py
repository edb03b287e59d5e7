"""Suppressions written in the files themselves, collected as data for the engine to apply.

Rules never see them: the engine matches a finding's evidence against them (a Python comment on
a line the evidence anchors to; `x-advisor-ignore` on the operation that contains the finding).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from advisor.model import Evidence, Location, Suppression
from advisor.read.comments import AdvisorComment

_IGNORE = re.compile(r"^ignore(?:\[(?P<codes>[^\]]*)\])?(?=\s|$|[;,])")
_CODE = re.compile(r"^[A-Z]+[0-9]+$")
IGNORE_KEY = "x-advisor-ignore"


def _codes(raw: Iterable[str]) -> frozenset[str]:
    return frozenset(code.strip().upper() for code in raw if code.strip())


def python_suppressions(
    path: str,
    comments: Iterable[AdvisorComment],
    line_text: Callable[[int], str] | None = None,
) -> tuple[Suppression, ...]:
    """`line_text` gives the source line, the snippet of an unused-suppression finding."""
    found = []
    for comment in comments:
        match = _IGNORE.match(comment.body)
        if match is None:
            continue
        codes = match["codes"]
        found.append(
            Suppression(
                path=path,
                codes=None if codes is None else _codes(codes.split(",")),
                line=comment.line,
                written=Evidence(
                    location=Location(path, comment.line, comment.column),
                    snippet=line_text(comment.line).strip() if line_text else "",
                    anchors=((comment.line, comment.line),),
                ),
            )
        )
    return tuple(found)
