"""`# advisor: key=value` hint comments on Python functions.

A hint comment belongs to the function whose anchor lines it is on: a decorator line, a line of
the signature (the `def` line and its continuation lines), or the line just above the first
decorator or `def` when that line holds only the comment. These are the lines on which a
suppression names the function too. The comments come from `PythonSource.comments` (tokenized
once per file); `# advisor: ignore...` comments are suppressions and are left to
advisor/facts/suppressions.py. Each hint comment becomes a `function-hints` fact; an item that is
not a valid hint, a value that contradicts an earlier comment on the same function, and a comment
on no function's anchor lines are `invalid-hint` facts (ADV003).

This is the only reader of hint comments: `ResponseConstruction.long_running` comes from
`function_hints` below.
"""

from __future__ import annotations

import ast
import re

from advisor.facts.python.nodes import walk
from advisor.facts.python.walk import Context, signature_span
from advisor.hints import (
    HintComment,
    HintValue,
    hint_text,
    hints_from,
    is_suppression,
    looks_like_hint,
    parse_hint_comment,
)
from advisor.model import Evidence, FunctionHints, Hints, InvalidHint, Location
from advisor.read.python import PythonSource
from advisor.records import record

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_ADDRESSED = re.compile(r"\badvisor:")


@record
class _Comment:
    line: int
    column: int
    parsed: HintComment


@record
class _Attached:
    """A hint comment on one function, after the function's earlier comments were read."""

    comment: _Comment
    given: tuple[tuple[str, HintValue], ...]
    problems: tuple[tuple[str | None, str], ...]


def hint_comments(source: PythonSource) -> dict[int, _Comment]:
    """The hint comments of a module by line: comments that begin with `advisor:` (also after
    another tool's comment, `# noqa  # advisor: ...`; not prose that mentions the advisor),
    look like hints, and are not suppressions."""
    found: dict[int, _Comment] = {}
    for comment in source.comments:
        text = source.line_text(comment.line)[comment.column - 1 :]
        marker = _ADDRESSED.search(text)
        if marker is None or not text[: marker.start()].rstrip().endswith("#"):
            continue
        if is_suppression(comment.body) or not looks_like_hint(comment.body):
            continue
        # Point at the `#` of `# advisor:`, which may follow another tool's comment.
        hash_at = text.rindex("#", 0, marker.start())
        found[comment.line] = _Comment(
            comment.line, comment.column + hash_at, parse_hint_comment(comment.body)
        )
    return found


def anchor_span(
    function: ast.FunctionDef | ast.AsyncFunctionDef, source: PythonSource
) -> tuple[int, int]:
    """First and last line a hint on `function` may be written on."""
    first = min([d.lineno for d in function.decorator_list] + [function.lineno])
    _, last = signature_span(function, source)
    if first > 1 and source.line_text(first - 1).lstrip().startswith("#"):
        first -= 1
    return first, last


def _attached(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    comments: dict[int, _Comment],
    source: PythonSource,
) -> list[_Attached]:
    """The hint comments on `function` in line order; a key that a later comment sets to a
    different value is a problem there, not an override (which one would the author mean?)."""
    if not comments:
        return []
    first, last = anchor_span(function, source)
    found: list[_Attached] = []
    seen: dict[str, tuple[HintValue, int]] = {}
    for line in range(first, last + 1):
        comment = comments.get(line)
        if comment is None:
            continue
        given: list[tuple[str, HintValue]] = []
        problems = list(comment.parsed.problems)
        for key, value in comment.parsed.given:
            earlier = seen.get(key)
            if earlier is not None and earlier[0] != value:
                problems.append(
                    (
                        key,
                        f"'{key}={hint_text(value)}' contradicts "
                        f"'{key}={hint_text(earlier[0])}' on line {earlier[1]}",
                    )
                )
                continue
            seen.setdefault(key, (value, line))
            given.append((key, value))
        found.append(_Attached(comment, tuple(given), tuple(problems)))
    return found


def function_hints(function: ast.FunctionDef | ast.AsyncFunctionDef, source: PythonSource) -> Hints:
    """The valid hints written on `function` (all its hint comments together)."""
    pairs = [
        pair
        for attached in _attached(function, hint_comments(source), source)
        for pair in attached.given
    ]
    return hints_from(pairs)


class FunctionHintDetector:
    node_types: tuple[type[ast.AST], ...] = _FUNCTIONS

    def __init__(self) -> None:
        self._comments: dict[int, _Comment] | None = None
        self._claimed: set[int] = set()

    def _load(self, source: PythonSource) -> dict[int, _Comment]:
        if self._comments is None:
            self._comments = hint_comments(source)
        return self._comments

    def visit(self, node: ast.AST, context: Context) -> None:
        if not isinstance(node, _FUNCTIONS):
            return
        comments = self._load(context.source)
        if not comments:
            return
        owner = context.scope.qualname
        qualname = f"{owner}.{node.name}" if owner else node.name
        span = anchor_span(node, context.source)
        for attached in _attached(node, comments, context.source):
            comment = attached.comment
            self._claimed.add(comment.line)
            evidence = _evidence(context, comment, (span, *context.signatures), qualname)
            for key, message in attached.problems:
                context.facts.append(
                    InvalidHint(evidence=evidence, key=key, source="comment", message=message)
                )
            if attached.given:
                context.facts.append(
                    FunctionHints(
                        evidence=evidence,
                        function=f"{context.module.module}.{qualname}",
                        hints=hints_from(attached.given),
                    )
                )

    def finish(self, context: Context) -> None:
        comments = self._load(context.source)
        loose = [c for line, c in sorted(comments.items()) if line not in self._claimed]
        if not loose:
            return
        # Functions in code that never runs are not walked; a hint on one is not misplaced.
        dead: set[int] = set()
        for node in walk(context.source.tree):
            if isinstance(node, _FUNCTIONS):
                first, last = anchor_span(node, context.source)
                dead.update(range(first, last + 1))
        for comment in loose:
            if comment.line in dead:
                continue
            context.facts.append(
                InvalidHint(
                    evidence=_evidence(context, comment, ((comment.line, comment.line),), None),
                    key=None,
                    source="comment",
                    message=(
                        "hint comment not attached to a function: write it on the `def` line, "
                        "a decorator line, or the line just above them"
                    ),
                )
            )


def _evidence(
    context: Context,
    comment: _Comment,
    anchors: tuple[tuple[int, int], ...],
    function: str | None,
) -> Evidence:
    text = context.source.line_text(comment.line)
    return Evidence(
        location=Location(
            context.path, comment.line, comment.column, comment.line, len(text.rstrip()) + 1
        ),
        snippet=text.strip(),
        anchors=anchors,
        function=function,
    )
