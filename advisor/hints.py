"""Hints: what a team states about an endpoint, from the three places it can be written.

An OpenAPI `x-advisor` mapping (read in advisor/facts/spec/hints.py), a `# advisor: key=value`
comment on a Python function (advisor/facts/python/hints.py) and the `hints` table of the
configuration (endpoint patterns, matched here) all use the keys of
`advisor/schemas/hints.schema.json`, and all are validated by that schema through the helpers
below, so a value accepted in one place is accepted in the others.

The flowchart reads them as layers, configuration < spec < comment (the hint closest to the code
wins), and `merge_hints` says which layer set each field, which is what the evidence shows.
Everything here is pure: no I/O, no AST.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from advisor.model import Evidence, Fact, FunctionHints, Hints
from advisor.records import record
from advisor.resources import schema, validator
from advisor.routing import normalize_path
from advisor.settings import Settings

HINT_FIELDS: dict[str, str] = {
    "user-facing": "user_facing",
    "long-running": "long_running",
    "output": "output",
    "expected-output-tokens": "expected_output_tokens",
    "strategy": "strategy",
}
"""Hint key as written -> field of `Hints`."""
HINT_KEYS: dict[str, str] = {field: key for key, field in HINT_FIELDS.items()}
"""Field of `Hints` -> hint key as written."""

HintValue = bool | int | str
"""A hint's value: `true`/`false`, a whole number, or one of the words the schema lists."""

_SCHEMA = "hints.schema.json"


# --- validation, shared by every place a hint is written -----------------------------------


def unknown_hint(key: str) -> str | None:
    """The message for a key that is not a hint (with the closest one), or None."""
    allowed = sorted(schema(_SCHEMA)["properties"])
    if key in allowed:
        return None
    close = difflib.get_close_matches(key.replace("_", "-").lower(), allowed, n=1)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown hint '{key}'{suggestion}; hints: {', '.join(allowed)}"


def invalid_value(key: str, value: object) -> str | None:
    """What a known hint accepts (`one of text, structured, ...`) when `value` is not that,
    or None when it is valid. Decided by the hints schema itself."""
    instance: dict[str, Any] = {key: value}
    if not list(validator(_SCHEMA).iter_errors(instance)):
        return None
    definition: Mapping[str, Any] = schema(_SCHEMA)["properties"][key]
    if "enum" in definition:
        return "one of " + ", ".join(str(v) for v in definition["enum"])
    kind = definition.get("type")
    return {"boolean": "true or false", "integer": "a whole number >= 0"}.get(str(kind), str(kind))


def hints_from(pairs: Iterable[tuple[str, HintValue]]) -> Hints:
    """`Hints` from (key, value) pairs that were validated already."""
    values: dict[str, Any] = {HINT_FIELDS[key]: value for key, value in pairs}
    return Hints(**values)


# --- `# advisor: key=value` comments --------------------------------------------------------

_IGNORE = re.compile(r"ignore\b", re.IGNORECASE)
_REASON = re.compile(r"--|#")
_EQUALS = re.compile(r"\s*=\s*")
_SEPARATORS = re.compile(r"[\s,]+")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@record
class HintComment:
    """What one `# advisor:` comment says: the valid hints, in order, and what is wrong."""

    given: tuple[tuple[str, HintValue], ...]
    """Valid (key, value) pairs, in the order written."""
    problems: tuple[tuple[str | None, str], ...]
    """(key when there is one, message) for each item that is not a valid hint."""

    @property
    def hints(self) -> Hints:
        return hints_from(self.given)


_FIRST_ITEM = re.compile(r"\s*([A-Za-z_-]+)\s*(?:=\s*([^\s,]*))?")


def looks_like_hint(body: str) -> bool:
    """Whether a comment after `advisor:` is meant as hints: it starts with a word close to a
    hint key (`long-running` without a value, `userfacing=false`), or with `word=value` where
    the value is one a hint takes (`stream=true`). Prose that happens to follow `advisor:`
    (`# advisor: the account's advisor`, `# advisor: n = number of moves`) is nobody's hint,
    and is not reported."""
    match = _FIRST_ITEM.match(body)
    if match is None:
        return False
    word = match[1].replace("_", "-").lower()
    if difflib.get_close_matches(word, list(HINT_FIELDS), n=1, cutoff=0.8):
        return True
    value = match[2]
    return value is not None and (
        value.lower() in ("true", "false") or bool(_INTEGER.fullmatch(value)) or value in _words()
    )


@functools.cache
def _words() -> frozenset[str]:
    """Every value an enum hint takes (`text`, `stream`, `async-job`, ...)."""
    properties: Mapping[str, Any] = schema(_SCHEMA)["properties"]
    return frozenset(str(v) for p in properties.values() for v in p.get("enum", ()))


def is_suppression(body: str) -> bool:
    """`# advisor: ignore[...]` is a suppression (advisor/facts/suppressions.py), not a hint."""
    return _IGNORE.match(body) is not None


@functools.lru_cache(maxsize=4096)
def parse_hint_comment(body: str) -> HintComment:
    """`output=text, expected-output-tokens=1500 -- why`: items separated by commas and/or
    spaces; `--` (or another `#`) starts free text. Values: true/false, whole numbers, or the
    words the schema lists."""
    text = _REASON.split(body, maxsplit=1)[0]
    text = _EQUALS.sub("=", text).strip(" \t,")
    given: dict[str, HintValue] = {}
    problems: list[tuple[str | None, str]] = []
    if not text:
        return HintComment(
            (), ((None, "empty hint comment; write key=value, e.g. user-facing=false"),)
        )
    for item in _SEPARATORS.split(text):
        if not item:
            continue
        key, equals, raw = item.partition("=")
        if not equals or not key or not raw:
            problems.append(
                (key or None, f"'{item}' is not a hint; write key=value, e.g. user-facing=false")
            )
            continue
        unknown = unknown_hint(key)
        if unknown is not None:
            problems.append((key, unknown))
            continue
        value = _value(raw)
        expected = invalid_value(key, value)
        if expected is not None:
            problems.append((key, f"'{item}' is invalid; expected {expected}"))
            continue
        if key in given and given[key] != value:
            problems.append(
                (key, f"'{item}' contradicts '{key}={hint_text(given[key])}' before it")
            )
            continue
        given[key] = value
    return HintComment(tuple(given.items()), tuple(problems))


def _value(raw: str) -> HintValue:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if _INTEGER.fullmatch(raw):
        return int(raw)
    return raw


def hint_text(value: object) -> str:
    """A hint value as it is written in a comment (`true`, `1500`, `text`)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


# --- endpoint patterns of the configuration -------------------------------------------------

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY")
"""Methods an endpoint pattern may name (config.schema.json lists the same)."""


def pattern_problem(pattern: str) -> str:
    """Why `pattern` is not an endpoint or handler pattern, for the configuration error."""
    method, space, path = pattern.strip().partition(" ")
    path = path.strip()
    if pattern.startswith("/"):
        return (
            f"pattern '{pattern}' has no method; write '* {pattern}' for every method, or "
            f"one of {', '.join(METHODS)} before the path"
        )
    if space and method != "*" and method.upper() not in METHODS:
        return f"pattern '{pattern}': '{method}' is not an HTTP method ({', '.join(METHODS)} or *)"
    if space and method != "*" and method != method.upper():
        return f"pattern '{pattern}': write the method in upper case, '{method.upper()} {path}'"
    if space and not path.startswith("/"):
        return f"pattern '{pattern}': the path must start with '/'"
    return (
        f"pattern '{pattern}' is not valid; expected 'METHOD /path' (the path may use * within "
        "a segment, ** across segments, ? for one character) or a dotted handler name glob "
        "such as app.jobs.*"
    )


@record
class _Pattern:
    method: str | None
    """Upper-case method, `*`, or None for a handler-name pattern."""
    regex: re.Pattern[str]
    specificity: int


@functools.cache
def _compile(pattern: str) -> _Pattern:
    """`METHOD /path` (the path glob: `*` within a segment, `**` any number of segments, `?` one
    character; parameters normalised as in `normalize_path`) or a dotted handler-name glob
    (`*` also crosses dots, as in fnmatch)."""
    method, space, path = pattern.strip().partition(" ")
    if not space:
        return _Pattern(None, re.compile(fnmatch.translate(pattern)), _literals(pattern))
    glob = normalize_path(path)
    return _Pattern(method.upper(), re.compile(_path_regex(glob)), len(method) + _literals(glob))


def _literals(text: str) -> int:
    """More literal characters: a more specific pattern (`*` and `?` do not count)."""
    return sum(1 for c in text if c not in "*?")


def _path_regex(glob: str) -> str:
    parts: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("/**", index) and (index + 3 == len(glob) or glob[index + 3] == "/"):
            parts.append("(?:/.*)?")  # zero or more whole segments
            index += 3
        elif glob.startswith("**", index):
            parts.append(".*")
            index += 2
        elif glob[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(glob[index]))
            index += 1
    return "".join(parts) + r"\Z"


def config_hints(
    settings: Settings, method: str | None, path: str | None, handler: str | None
) -> list[tuple[str, Hints]]:
    """The configuration's (pattern, hints) that apply to an endpoint, least specific first, so
    that merging them in this order lets the most specific one win. Specificity is the number of
    literal characters of the pattern (after normalising its parameters); on a tie, the order in
    the file (a later entry wins). A `METHOD /path` pattern needs the path; its method must be
    the endpoint's (`*` matches any, also an unknown method); a dotted pattern matches the
    handler's `module.qualname`."""
    matched: list[tuple[int, int, str, Hints]] = []
    served = normalize_path(path) if path is not None else None
    for order, (pattern, hints) in enumerate(settings.endpoint_hints):
        compiled = _compile(pattern)
        if compiled.method is None:
            hit = handler is not None and compiled.regex.match(handler) is not None
        else:
            hit = (
                served is not None
                and (compiled.method == "*" or compiled.method == (method or "").upper())
                and compiled.regex.match(served) is not None
            )
        if hit:
            matched.append((compiled.specificity, order, pattern, hints))
    matched.sort(key=lambda m: (m[0], m[1]))
    return [(pattern, hints) for _, _, pattern, hints in matched]


# --- layers ---------------------------------------------------------------------------------


def merge_hints(layers: Sequence[tuple[Hints, str]]) -> tuple[Hints, dict[str, str]]:
    """Later layers override earlier ones field by field (a None field overrides nothing).
    Returns the merged hints and, for each field that is set (a `Hints` field name such as
    `user_facing`), the label of the layer that set it."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for hints, label in layers:
        for field in fields(Hints):
            value = getattr(hints, field.name)
            if value is not None:
                values[field.name] = value
                sources[field.name] = label
    return Hints(**values), sources


def config_layers(
    settings: Settings, method: str | None, path: str | None, handler: str | None
) -> list[tuple[Hints, str]]:
    """`config_hints` as labelled layers: `.advisor.yaml: hints 'POST /v1/reports'`."""
    name = settings.config_path.name if settings.config_path is not None else "configuration"
    return [
        (hints, f"{name}: hints '{pattern}'")
        for pattern, hints in config_hints(settings, method, path, handler)
    ]


def comment_hint_index(facts: Iterable[Fact]) -> dict[str, list[tuple[Hints, str]]]:
    """Every function's `# advisor:` hint comments as labelled layers, in line order, by
    module.qualname: build it once per run and look handlers up in it."""
    found = sorted(
        (f for f in facts if isinstance(f, FunctionHints)),
        key=lambda f: (f.evidence.location.path, f.evidence.location.line),
    )
    index: dict[str, list[tuple[Hints, str]]] = {}
    for fact in found:
        label = f"{hint_place(fact.evidence)} # advisor:"
        index.setdefault(fact.function, []).append((fact.hints, label))
    return index


def comment_layers(facts: Iterable[Fact], function: str) -> list[tuple[Hints, str]]:
    """The `# advisor:` hint comments on `function` (module.qualname) as labelled layers, in
    line order: `app/routes.py:30 # advisor:`. For many functions, use `comment_hint_index`."""
    return comment_hint_index(f for f in facts if getattr(f, "function", None) == function).get(
        function, []
    )


def spec_label(evidence: Evidence) -> str:
    """`openapi.yaml:12 x-advisor` for hints read from the operation at `evidence`."""
    return f"{hint_place(evidence)} x-advisor"


def hint_place(evidence: Evidence) -> str:
    return f"{evidence.location.path}:{evidence.location.line}"
