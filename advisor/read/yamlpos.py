"""Find where a JSON pointer's target is written in block-style YAML, without composing it.

The fast reader (`advisor.read.fastyaml`) gives a document without positions, and composing the
document with PyYAML to get them would cost what the fast reader saved. Positions are needed
only for what a finding or an endpoint points at, so they are found on demand: the locator
reads the lines of one block mapping or sequence at a time (by indentation), indexes its keys
once, and walks down the pointer, giving exactly the position PyYAML's node would (the key's
first character; a sequence item's first character). Lines are found with regular expressions
over the text, not by a Python loop over them. Where the text uses something it does not read
(flow collections it must enter, anchors and aliases, a quoted scalar whose lines could read as
keys, escapes JSON does not share) or disagrees with the document about how many members a
level has, it answers None and the caller composes the document with PyYAML instead.

The fast reader also asks the reverse question (`pointer_at`): which value is written at this
line and column, or is it prose inside a longer scalar.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from advisor.records import record

_KEY = re.compile(
    r"""(?:"(?P<dq>(?:[^"\\\n]|\\.)*)"|'(?P<sq>(?:[^'\n]|'')*)'"""
    r"""|(?P<plain>(?:[^\s#'"\[\]{},&*!|>%@`?:\-]|[?:\-](?=\S))(?:[^:#\n]|:(?=\S)|(?<=\S)#)*?))"""
    r"""[ \t]*:(?:[ \t]+(?P<rest>.*?))?[ \t]*$"""
)
_DOUBLE_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_SINGLE_QUOTED = re.compile(r"'(?:[^']|'')*'")
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
_FLOW_MARKS = re.compile(r"""[\[\]{}"']""")


@record
class _Node:
    """A block node: its first character at (line, column), its lines up to `end` (excl.)."""

    line: int
    column: int
    end: int


@record
class _Entry:
    line: int
    column: int
    value: _Node | None
    """The value's block node; None when the value is written on the key's line (a scalar, a
    flow collection, an anchor or alias) or is empty."""
    value_column: int = -1
    """Where a value written on the key's line starts."""
    inline: str = ""
    """The first character of a value written on the key's line."""


class _Unsupported(Exception):
    """The text uses a construct the locator does not read."""


class YamlLocator:
    def __init__(self, text: str) -> None:
        # PyYAML counts these as line breaks (YAML 1.1); most documents have only \n
        if any(mark in text for mark in _OTHER_BREAKS):  # `in` reads at memory speed
            text = _BREAKS.sub("\n", text)
        # Lines are found with regular expressions over the text (a Python loop over the lines
        # of a 10 MB spec costs more than parsing it): each line follows a \n, the first too.
        self._text = "\n" + text
        lengths = map(len, text.split("\n"))
        self._breaks = list(itertools.accumulate(map(operator.add, lengths, itertools.repeat(1))))
        self._breaks.insert(0, 0)
        self._breaks.pop()
        """Where the \n before each line is (in `_text`)."""
        self._mappings: dict[tuple[int, int], dict[str, _Entry]] = {}
        self._sequences: dict[tuple[int, int], list[_Node | None]] = {}
        self._item_lines: dict[tuple[int, int], list[int]] = {}
        self._named: dict[tuple[int, int], list[tuple[int, str]]] = {}

    def locate(self, pointer: Sequence[str | int], document: Any) -> tuple[int, int] | None:
        """1-based (line, column) where PyYAML's node for `pointer` starts (for a mapping
        member, its key), or None when the text must be composed to say."""
        try:
            return self._locate(pointer, document)
        except (_Unsupported, RecursionError):
            return None

    def _locate(self, pointer: Sequence[str | int], document: Any) -> tuple[int, int] | None:
        root = self._root()
        if root is None:
            return None
        node: _Node | None = root
        value = document
        position = (root.line, root.column)
        for segment in pointer:
            if node is None:
                # written inline: a scalar stops the walk as it does PyYAML's; a collection
                # written in flow style would be entered by PyYAML, not by us
                if isinstance(value, dict | list):
                    return None
                break
            kind = self._kind(node)
            if kind == "mapping" and isinstance(value, dict):
                members = self._mapping(node)
                if len(members) != len(value):
                    return None
                entry = members.get(str(segment))
                if entry is None:
                    break
                matched = _member(value, str(segment))
                if matched is _MISSING:
                    return None
                position, node, value = (entry.line, entry.column), entry.value, matched
            elif kind == "sequence" and isinstance(value, list):
                items = self._sequence(node)
                if len(items) != len(value):
                    return None
                if not str(segment).isdigit() or int(segment) >= len(items):
                    break
                item = items[int(segment)]
                if item is None:
                    return None
                position, node, value = (item.line, item.column), item, value[int(segment)]
            elif kind == "scalar" and not isinstance(value, dict | list):
                break
            else:
                return None
        return position[0] + 1, position[1] + 1

    def pointer_at(self, line: int, column: int, document: Any) -> tuple[str | int, ...] | None:
        """The pointer of the scalar written exactly from (line, column) (0-based) to the end of
        that line, as a mapping value or a sequence item; () when the text there is only part of
        a longer scalar (a continuation line, prose in a block scalar); None when it is a key,
        inside a flow collection, or anything else the locator does not read.
        """
        try:
            return self._pointer_at(line, column, document)
        except (_Unsupported, RecursionError):
            return None

    def _pointer_at(self, line: int, column: int, document: Any) -> tuple[str | int, ...] | None:
        node = self._root()
        pointer: list[str | int] = []
        value = document
        while node is not None:
            kind = self._kind(node)
            if kind == "mapping" and isinstance(value, dict):
                members = self._mapping(node)
                if len(members) != len(value):
                    return None
                named = self._named.get((node.line, node.column))
                if named is None:
                    named = [(entry.line, name) for name, entry in members.items()]
                    self._named[(node.line, node.column)] = named
                index = bisect.bisect_right(named, (line, "\U0010ffff")) - 1
                if index < 0:
                    return None
                name = named[index][1]
                entry = members[name]
                value = _member(value, name)
                if value is _MISSING:
                    return None
                pointer.append(name)
                if entry.line == line and column <= entry.column:
                    return None  # the key itself
                if entry.value is None:
                    if entry.inline and entry.inline in "&*![{":
                        return None  # an anchor, alias, tag or flow collection
                    if entry.line == line and column == entry.value_column:
                        following = named[index + 1][0] if index + 1 < len(named) else node.end
                        return tuple(pointer) if self._single_line(line, following) else ()
                    return ()  # inside a longer scalar written from the key's line
                node = entry.value
            elif kind == "sequence" and isinstance(value, list):
                items = self._sequence(node)
                if len(items) != len(value):
                    return None
                starts = self._item_lines[(node.line, node.column)]
                index = bisect.bisect_right(starts, line) - 1
                if index < 0 or items[index] is None:
                    return None
                pointer.append(index)
                node, value = items[index], value[index]
            elif kind == "scalar" and pointer:  # (a document that is a scalar: cannot say)
                if (node.line, node.column) == (line, column) and self._single_line(line, node.end):
                    return tuple(pointer)
                return ()
            else:
                return None
        return None

    def _line(self, number: int) -> str:
        start = self._breaks[number] + 1
        end = self._breaks[number + 1] if number + 1 < len(self._breaks) else len(self._text)
        return self._text[start:end]

    def _span(self, start: int, end: int) -> tuple[int, int]:
        """The part of `_text` holding lines start..end-1, each with the \n before it."""
        count = len(self._breaks)
        return (
            self._breaks[start] if start < count else len(self._text),
            self._breaks[end] if end < count else len(self._text),
        )

    def _dash(self, offset: int) -> bool:
        """Whether a sequence entry's `-` is at `offset`."""
        text = self._text
        return text.startswith("-", offset) and (
            offset + 1 == len(text) or text[offset + 1] in " \t\n"
        )

    def _line_at(self, offset: int) -> int:
        """The line whose \n is at `offset`."""
        return bisect.bisect_left(self._breaks, offset)

    def _single_line(self, line: int, end: int) -> bool:
        return _CONTENT.search(self._text, *self._span(line + 1, end)) is None

    def _root(self) -> _Node | None:
        for match in _CONTENT.finditer(self._text):
            number = self._line_at(match.start())
            line = self._line(number)
            if line.startswith("---"):
                if line[3:].strip() and not line[3:].lstrip().startswith("#"):
                    return None  # content on the `---` line
                continue
            return _Node(number, len(match[1]), len(self._breaks))
        return None

    def _kind(self, node: _Node) -> str:
        text = self._line(node.line)[node.column :]
        if text == "-" or text.startswith(("- ", "-\t")):
            return "sequence"
        if text.startswith(("&", "*", "!", "[", "{", "|", ">")):
            return "other"
        if _KEY.match(text):
            return "mapping"
        return "scalar"

    def _mapping(self, node: _Node) -> dict[str, _Entry]:
        key = (node.line, node.column)
        found = self._mappings.get(key)
        if found is None:
            found = self._mappings[key] = self._read_mapping(node)
        return found

    def _read_mapping(self, node: _Node) -> dict[str, _Entry]:
        indent = node.column
        span = self._span(node.line + 1, node.end)
        if indent and _below(indent).search(self._text, *span):
            raise _Unsupported
        starts = [node.line]
        for found in _at(indent).finditer(self._text, *span):
            if found[1] == "-" and self._dash(found.end() - 1):
                continue  # an unindented sequence: the value of the key above
            starts.append(self._line_at(found.start()))
        starts.append(node.end)
        members: dict[str, _Entry] = {}
        for number, following in itertools.pairwise(starts):
            match = _KEY.match(self._line(number), indent)
            if match is None:
                raise _Unsupported
            name = _key_text(match)
            rest = match["rest"] or ""
            if rest:
                self._check_inline(number, match.start("rest"), following)
            value = None
            if not rest or rest.startswith("#"):
                value = self._first_content(number + 1, following)
            column = match.start("rest") if rest else -1
            # the last duplicate wins
            members[name] = _Entry(number, indent, value, column, rest[:1])
        return members

    def _check_inline(self, line: int, column: int, following: int) -> None:
        """Raise where a value written from the key's line continues onto a line that reads
        as a key of this mapping (or a flow collection does not close on its line)."""
        rest = self._line(line)[column:]
        first = rest[0]
        if first == '"' and not _DOUBLE_QUOTED.match(rest):
            if self._closing_line(line, column, _unescaped_double_quote) >= following:
                raise _Unsupported
        elif first == "'" and not _SINGLE_QUOTED.match(rest):
            if self._closing_line(line, column, _single_quote) >= following:
                raise _Unsupported
        elif first in "[{":
            depth = 0
            for mark in _FLOW_MARKS.findall(rest):
                if mark in "\"'":
                    raise _Unsupported  # quoted members may hide brackets
                depth += 1 if mark in "[{" else -1
            if depth != 0:
                raise _Unsupported

    def _closing_line(self, line: int, column: int, closing: Callable[[str, int], int]) -> int:
        """The line where the quoted scalar opening at (line, column) closes."""
        end = closing(self._text, self._breaks[line] + 1 + column + 1)
        if end < 0:
            raise _Unsupported
        return bisect.bisect_right(self._breaks, end) - 1

    def _sequence(self, node: _Node) -> list[_Node | None]:
        key = (node.line, node.column)
        found = self._sequences.get(key)
        if found is None:
            found = self._sequences[key] = self._read_sequence(node)
        return found

    def _read_sequence(self, node: _Node) -> list[_Node | None]:
        indent = node.column
        starts = [node.line]
        stop = node.end
        for found in _at_most(indent).finditer(self._text, *self._span(node.line + 1, node.end)):
            number = self._line_at(found.start())
            if len(found[1]) < indent or not self._dash(found.end() - 1):
                stop = number  # the end of an unindented sequence under a key
                break
            starts.append(number)
        ends = [*starts[1:], stop]
        self._item_lines[(node.line, node.column)] = starts
        items: list[_Node | None] = []
        for start, end in zip(starts, ends, strict=True):
            line = self._line(start)
            column = indent + 1
            while column < len(line) and line[column] in " \t":
                column += 1
            rest = line[column:]
            if not rest or rest.startswith("#"):
                items.append(self._first_content(start + 1, end))
            elif rest.startswith(("&", "*", "!")):
                items.append(None)
            else:
                items.append(_Node(start, column, end))
        return items

    def _first_content(self, start: int, end: int) -> _Node | None:
        found = _CONTENT.search(self._text, *self._span(start, end))
        if found is None:
            return None
        return _Node(self._line_at(found.start()), len(found[1]), end)


_MISSING = object()


def replace_member(document: Any, pointer: Sequence[str | int], old: Any, new: Any) -> bool:
    """Replace the value at `pointer` (key texts, as the locator gives them) if it is `old`."""
    container = document
    for segment in pointer[:-1]:
        container = _child(container, segment)
        if container is _MISSING:
            return False
    last = pointer[-1]
    if isinstance(container, list) and isinstance(last, int) and last < len(container):
        key: Any = last
    elif isinstance(container, dict):
        key = next((k for k in container if k == last or _scalar_text(k) == last), _MISSING)
        if key is _MISSING:
            return False
    else:
        return False
    current = container[key]
    if type(current) is not type(old) or current != old:
        return False
    container[key] = new
    return True


def _child(container: Any, segment: str | int) -> Any:
    if isinstance(container, list):
        return (
            container[segment]
            if isinstance(segment, int) and segment < len(container)
            else _MISSING
        )
    if isinstance(container, dict):
        return _member(container, str(segment))
    return _MISSING


def _member(mapping: dict[Any, Any], name: str) -> Any:
    """The member whose key reads `name`, as PyYAML compares (the key's text)."""
    if name in mapping:
        return mapping[name]
    for key, value in mapping.items():
        if not isinstance(key, str) and _scalar_text(key) == name:
            return value
    return _MISSING


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None  # `true`, `True`, `~`, `null`: the text is not recoverable
    if isinstance(value, int):
        return str(value)
    return None


def _key_text(match: re.Match[str]) -> str:
    if match["plain"] is not None:
        plain = match["plain"].rstrip()
        if " #" in plain or "\t#" in plain:
            raise _Unsupported
        return plain
    if match["sq"] is not None:
        return match["sq"].replace("''", "'")
    quoted = match["dq"]
    if "\\" not in quoted:
        return quoted
    try:
        text: str = json.loads(f'"{quoted}"')
    except ValueError:
        raise _Unsupported from None
    return text


def _single_quote(text: str, start: int) -> int:
    """Offset of the quote closing a single-quoted scalar whose content starts at `start`."""
    index = text.find("'", start)
    while index >= 0 and text.startswith("'", index + 1):
        index = text.find("'", index + 2)
    return index


def _unescaped_double_quote(text: str, start: int) -> int:
    index = text.find('"', start)
    while index >= 0:
        backslashes = 0
        while text[index - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return index
        index = text.find('"', index + 1)
    return index


# A line with content (not blank, not only a comment), and its indentation.
_CONTENT = re.compile(r"\n( *)(?=[^ \n#])")


@functools.cache
def _at(indent: int) -> re.Pattern[str]:
    """Lines indented exactly `indent` spaces, and their first character."""
    return re.compile("\n" + " " * indent + r"([^ \n#])")


@functools.cache
def _below(indent: int) -> re.Pattern[str]:
    return re.compile(rf"\n {{0,{indent - 1}}}(?=[^ \n#])")


@functools.cache
def _at_most(indent: int) -> re.Pattern[str]:
    return re.compile(rf"\n( {{0,{indent}}})([^ \n#])")
