"""A fast YAML reader for large specs, used only where it gives the document PyYAML gives.

PyYAML's C loader is the reference, and was most of a large spec's run: 8-12 s of the GitHub
spec's 10 MB, where `yaml_rs` (a Rust YAML 1.2 parser with wheels for every platform we
support) takes 0.5 s. The two read YAML differently in a few places: YAML 1.1's booleans
(`yes`, `on`, `off`), leading-zero octals, sexagesimal numbers, exponents without a dot, the
`=` key, merge keys (`<<`), tags, anchors, explicit and empty keys, several documents in one
stream, empty block scalars at the end, and some tabs.

A few regular expressions, each starting with a literal so that they run at memory speed,
find every place in the text where one of these could be (a superset: most hits are prose in
descriptions). Each hit is then placed by the locator (`advisor.read.yamlpos`): part of a
longer scalar (prose) is ignored; a scalar block value or sequence item that the readers type
differently is corrected to PyYAML's value (GitHub's `key_id: 012345678912345678` is a
string to PyYAML, a number to `yaml_rs`); anything else sends the file to PyYAML, as does
whatever `yaml_rs` refuses (PyYAML then gives the error and its position). Unquoted timestamps
are the one difference settled the other way: the reference loader (`SpecLoader`) keeps them
as strings, as JSON, the data model of OpenAPI, does.

`tests/test_fastyaml.py` proves identical documents, types included, on every corpus spec and
on generated and noise documents.
"""

from __future__ import annotations

import functools
import re
from types import ModuleType
from typing import Any

import yaml

from advisor.read.yamlload import SpecLoader
from advisor.read.yamlpos import YamlLocator, replace_member
from advisor.records import record

try:
    import yaml_rs as _yaml_rs

    yaml_rs: ModuleType | None = _yaml_rs
except ImportError:  # pragma: no cover - yaml_rs ships wheels for all our platforms
    yaml_rs = None

# Plain scalars that YAML 1.1 (PyYAML) and YAML 1.2 (yaml_rs) may read differently.
_DIFFERENT_SCALAR = "|".join(
    (
        # 1.1 booleans that 1.2 reads as strings (`true`/`false` agree)
        r"yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF",
        # leading zeros (a 1.1 octal, or a string) and `0o` (a 1.2 octal, a 1.1 string)
        r"[-+]?0[0-9_]+|[-+]?0o[0-7_]+",
        # sexagesimal (`1:20` is 80 in 1.1)
        r"[-+]?[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?",
        # exponents (1.1 needs a dot and a signed exponent) and digit separators
        r"[-+]?[0-9.][0-9_.]*[eE][-+]?[0-9]+",
        r"[-+]?[0-9.][0-9.]*_[0-9_.]*",
        # the 1.1 value key
        r"=",
    )
)
# Where such a scalar can be, each found by a pattern that starts with a literal: Python's `re`
# reads about 40 MB/s where a pattern may start anywhere, and far faster where it may not.
_STARTS = "(?=[-+0-9.=yYnNoO])"
_ENDS_VALUE = r"(?=[ \t]*(?:$|[ \t]#))"
_AFTER_COLON = re.compile(
    rf":[ \t]++(?:(?P<flow>[\[{{])|(?P<anchor>&)|{_STARTS}(?P<token>{_DIFFERENT_SCALAR})"
    rf"{_ENDS_VALUE})",
    re.M,
)
_LINE_START = re.compile(
    r"\n *+(?=[-+0-9.=yYnNoO?\[{\t&:])(?:-[ \t]+)*+"
    r"(?:(?P<explicit>\?)(?:[ \t]|$)"
    r"|(?P<empty_key>:)(?:[ \t]|$)"
    r"|(?P<tab>\t)"
    r"|(?P<anchor>&)"
    r"|(?P<flow_key>[\[{].*[\]}][ \t]*:(?:[ \t]|$))"
    r"|(?P<flow>[\[{])"
    rf"|(?P<token>{_DIFFERENT_SCALAR})"
    r"(?=(?P<end>[ \t]*(?:$|:[ \t]|:$|[ \t]#))))",
    re.M,
)
# Inside a flow collection (`[a, b]`, `{a: 1}`) a plain scalar also follows `[`, `{`, `,`
# and ends at `,`, `]`, `}`.
_FLOW_TOKEN = re.compile(
    rf"(?:^[ \t]*|[\[{{,:?][ \t]*)(?P<token>{_DIFFERENT_SCALAR})(?=[ \t]*(?:$|[,\]}}:#]))",
    re.M,
)
_PROSE_ONLY = ""  # a candidate's token for what is fine only as part of a longer scalar
# anchors, explicit keys and tags inside a flow collection
_FLOW_UNREAD = re.compile(r"(?:^[ \t]*|[\[{,:?][ \t]*)(?:&[^ \t\n]|\?|!)", re.M)
_FLOW_LIMIT = 1 << 16
_BLOCK_SCALAR = re.compile(r"(?:^|[ \t])[|>][-+0-9]*[ \t]*(?:#.*)?$", re.M)
_MERGE_KEY = re.compile(r"<<[ \t]*:(?:[ \t]|$)", re.M)
_PREAMBLE = re.compile(r"(?:[ \t]*(?:#.*)?\n)*")
# yaml_rs refuses flow collections nested past its limit, but block nesting past about 10,000
# levels overflows its stack and kills the process. Block depth is bounded by indentation plus
# `- - -` chains on one line; past these bounds PyYAML decides (and reports what is too deep).
_DEEPEST_INDENT = 2_000
_DASH_CHAIN = re.compile(r"-[ \t]+(?:-[ \t]+){999}")


@record
class FastDocument:
    data: Any
    locator: YamlLocator | None
    """Built when correcting the document; reused to find positions."""


@record
class _Candidate:
    """A plain scalar the two readers may read differently, if it is not part of prose."""

    line: int
    column: int
    token: str
    correctable: bool
    """A block value or item (corrected in the document); else something only PyYAML reads
    right if it is not prose (a key, a flow collection member, a tag, an anchor)."""


def fast_load(text: str) -> FastDocument | None:
    """The document as PyYAML would read it, or None when only PyYAML can say (the fast
    reader is missing or refuses the text, or the text uses a construct they read differently
    where we cannot correct it).
    """
    if yaml_rs is None:
        return None
    candidates = _scan(text)
    if candidates is None:
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # any refusal means: ask the reference reader
        return None
    if not isinstance(data, dict | list):
        return None  # a bare scalar (no spec is one) has no pointer to correct it at
    locator = YamlLocator(text) if candidates else None
    for candidate in candidates:
        assert locator is not None
        pointer = locator.pointer_at(candidate.line, candidate.column, data)
        if pointer is None:
            return None
        if not pointer:
            continue  # prose: part of a longer scalar
        if not candidate.correctable:
            return None
        fast, reference = _fast_value(candidate.token), _reference_value(candidate.token)
        if not replace_member(data, pointer, fast, reference):
            return None
    return FastDocument(data, locator)


def _scan(text: str) -> list[_Candidate] | None:
    """Where the text may hold a plain scalar the two readers read differently (a superset:
    the locator tells prose from values), or None if the text has a difference that cannot be
    corrected: a tag, a merge key, an explicit key, several documents.
    """
    if "\n" + " " * _DEEPEST_INDENT in text or _DASH_CHAIN.search(text):
        return None  # nested deeper than yaml_rs survives (it crashes past ~10,000 levels)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None  # old Mac line breaks
    if any(mark in text for mark in ("\x85", "\u2028", "\u2029")):
        return None  # line breaks in YAML 1.1 only
    if (
        not _single_document(text)
        or text.startswith(("%", "..."))
        or "\n%" in text
        or "\n..." in text
    ):
        return None  # directives, document ends (a false alarm costs only time)
    if _BLOCK_SCALAR.search(text[text.rstrip().rfind("\n") + 1 :]):
        return None  # an empty block scalar at the end: PyYAML reads "", yaml_rs "\n"
    if not text.endswith("\n") and _ends_in_block_scalar(text):
        return None  # PyYAML clips a last block scalar's missing line break, yaml_rs adds it
    if "<<" in text and _MERGE_KEY.search(text):
        return None
    text = "\n" + text  # so that the first line starts after a line break, like the others
    # a tag (`!`, `!!str`, `!custom`) may make any node read differently: only prose (a
    # Markdown note, code in a description) may hold what looks like one
    found = [(offset, _PROSE_ONLY, False) for offset in _possible_tags(text)]
    opens = []
    for match in _AFTER_COLON.finditer(text):
        if match["anchor"]:
            # an anchored value may be read differently, and so its aliases: only prose
            # (code in a description) may hold one
            found.append((match.start("anchor"), _PROSE_ONLY, False))
        elif match["flow"]:
            opens.append(match.start("flow"))
        else:
            found.append((match.start("token"), match["token"], True))
    for match in _LINE_START.finditer(text):
        if match["anchor"] or match["explicit"] or match["empty_key"]:
            # anchors, explicit (complex) keys and empty keys: fine only in prose
            group = next(g for g in ("anchor", "explicit", "empty_key") if match[g])
            found.append((match.start(group), _PROSE_ONLY, False))
        elif match["flow_key"] or match["tab"]:
            # flow collections as keys; a tab where indentation could be (PyYAML refuses
            # some that YAML 1.2 allows)
            return None
        elif match["flow"]:
            opens.append(match.start("flow"))
        elif match["token"]:
            found.append((match.start("token"), match["token"], ":" not in match["end"]))
    covered = 0
    for start in sorted(opens):
        if start < covered:
            continue  # inside a collection already read
        end = _flow_end(text, start)
        if end is None:
            # not closed nearby: prose, or a collection too long to read here
            found.append((start, _PROSE_ONLY, False))
            continue
        covered = end
        if _FLOW_UNREAD.search(text, start, covered):
            # an anchor, explicit key or tag: fine only if the brackets are prose
            found.append((start, _PROSE_ONLY, False))
        tokens = _FLOW_TOKEN.finditer(text, start, covered)
        found.extend((m.start("token"), m["token"], False) for m in tokens)
    candidates = []
    line, counted = -1, 0  # lines before `counted`, less the one added above
    for offset, token, correctable in sorted(set(found)):
        if token == _PROSE_ONLY or _differs(token):
            line += text.count("\n", counted, offset)
            counted = offset
            column = offset - text.rfind("\n", 0, offset) - 1
            candidates.append(_Candidate(line, column, token, correctable))
    return candidates


def _flow_end(text: str, start: int) -> int | None:
    """Where the flow collection opening at `start` ends, if it closes within a bound (it
    does not where the bracket is prose, Markdown in a description)."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    segment = text[start:line_end]
    if "'" not in segment and '"' not in segment and _depth(segment) == 0:
        return line_end  # the common case: a collection closed on its line
    depth = 0
    index = start
    limit = min(len(text), start + _FLOW_LIMIT)
    # the last character that is not a space: quotes open scalars only after an indicator
    previous = "["
    while index < limit:
        char = text[index]
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == '"' and previous in "[{,:":
            index += 1
            while index < limit and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char == "'" and previous in "[{,:":
            index += 1
            while index < limit and (text[index] != "'" or text.startswith("''", index)):
                index += 2 if text.startswith("''", index) else 1
        if char not in " \t\n":
            previous = char
        index += 1
    return None


def _depth(segment: str) -> int:
    return segment.count("[") + segment.count("{") - segment.count("]") - segment.count("}")


def _ends_in_block_scalar(text: str) -> bool:
    """Whether a block scalar (`|`, `>`) may run to the end of the text: whether some line
    ending in a header has no later line indented as little as itself. A header alone on its
    line (`key:` then `  |`) is bounded by the key above, indented less than the header and
    maybe as little as the content (`  a`): only a later line at the margin ends it surely."""
    lowest = len(text)  # the least indentation of the lines after the current one
    for line in reversed(text.split("\n")):
        stripped = line.lstrip(" ")
        if not stripped:
            continue
        indent = len(line) - len(stripped)
        bound = 0 if stripped[0] in "|>" else indent
        if lowest > bound and _BLOCK_SCALAR.search(line):
            return True
        lowest = min(lowest, indent)
    return False


def _possible_tags(text: str) -> list[int]:
    """Where a `!` could start a tag on a block node: at a line's start, or after `key: `,
    `- ` or `? ` (inside flow collections, `_FLOW_UNREAD` looks)."""
    found = []
    index = text.find("!")
    while index >= 0:
        before = index - 1
        while text[before] in " \t":  # text starts with the \n added by the caller
            before -= 1
        mark = text[before]
        if (
            mark == "\n"
            or (mark == ":" and before < index - 1)
            or (mark in "-?" and before < index - 1 and text[before - 1] in " \t\n")
        ):
            found.append(index)
        index = text.find("!", index + 1)
    return found


def _single_document(text: str) -> bool:
    """At most one `---`, where it opens the stream (after comments and blank lines only)."""
    positions = [0] if text.startswith("---") else []
    index = text.find("\n---")
    while index >= 0:
        positions.append(index + 1)
        index = text.find("\n---", index + 1)
    starts = [p for p in positions if text[p + 3 : p + 4] in ("", " ", "\t", "\n")]
    if len(starts) > 1:
        return False
    return not starts or _PREAMBLE.match(text).end() == starts[0]  # type: ignore[union-attr]


@functools.cache
def _differs(token: str) -> bool:
    reference, fast = _reference_value(token), _fast_value(token)
    if reference is _REFUSED or fast is _REFUSED:
        return True
    return type(reference) is not type(fast) or reference != fast


_REFUSED = object()


@functools.cache
def _reference_value(token: str) -> Any:
    try:
        return yaml.load(token, Loader=SpecLoader)
    except yaml.YAMLError:
        return _REFUSED


@functools.cache
def _fast_value(token: str) -> Any:
    assert yaml_rs is not None
    try:
        return yaml_rs.loads(token, parse_datetime=False)
    except Exception:  # a token it refuses: PyYAML decides
        return _REFUSED
