"""Find where a JSON pointer's target is written in JSON text.

`json.loads` is fast but forgets positions. Positions are recovered on demand: the locator
indexes the members of each container it walks through (once, skipping their values with
regular expressions), so locating every operation of a large spec costs one pass over the text,
not one pass per operation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_STRUCTURAL = re.compile(r'["{}\[\]]')
_SCALAR_END = re.compile(r"[,\]}\s]")


class JsonLocator:
    def __init__(self, text: str) -> None:
        self.text = text
        self._members: dict[int, dict[str, tuple[int, int]] | list[int]] = {}

    def locate(self, pointer: Sequence[str | int]) -> tuple[int, int] | None:
        """1-based (line, column) of the member key (or array item) that `pointer` names."""
        try:
            offset = self._find(pointer)
        except (IndexError, ValueError):
            return None
        if offset is None:
            return None
        text = self.text
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return line, column

    def _find(self, pointer: Sequence[str | int]) -> int | None:
        value_at = self._skip_ws(0)
        target = value_at
        for segment in pointer:
            members = self._index(value_at)
            if isinstance(members, dict):
                found = members.get(str(segment))
                if found is None:
                    return None
                target, value_at = found
            elif isinstance(members, list):
                index = int(segment)
                if not 0 <= index < len(members):
                    return None
                target = value_at = members[index]
            else:
                return None
        return target

    def _index(self, offset: int) -> dict[str, tuple[int, int]] | list[int] | None:
        if offset in self._members:
            return self._members[offset]
        text = self.text
        opener = text[offset]
        result: dict[str, tuple[int, int]] | list[int]
        if opener == "{":
            members: dict[str, tuple[int, int]] = {}
            pos = self._skip_ws(offset + 1)
            while text[pos] != "}":
                match = _STRING.match(text, pos)
                if match is None:
                    return None
                key = json.loads(match.group())
                value_at = self._skip_ws(self._skip_ws(match.end()) + 1)  # past ':'
                members.setdefault(key, (pos, value_at))
                pos = self._skip_ws(self._skip_value(value_at))
                if text[pos] == ",":
                    pos = self._skip_ws(pos + 1)
            result = members
        elif opener == "[":
            items: list[int] = []
            pos = self._skip_ws(offset + 1)
            while text[pos] != "]":
                items.append(pos)
                pos = self._skip_ws(self._skip_value(pos))
                if text[pos] == ",":
                    pos = self._skip_ws(pos + 1)
            result = items
        else:
            return None
        self._members[offset] = result
        return result

    def _skip_ws(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        return match.end() if match else pos

    def _skip_value(self, pos: int) -> int:
        """Offset just past the JSON value that starts at `pos`."""
        text = self.text
        char = text[pos]
        if char == '"':
            match = _STRING.match(text, pos)
            return match.end() if match else len(text)
        if char not in "{[":
            end = _SCALAR_END.search(text, pos)
            return end.start() if end else len(text)
        depth = 0
        while True:
            match = _STRUCTURAL.search(text, pos)
            if match is None:
                return len(text)
            char = match.group()
            if char == '"':
                string = _STRING.match(text, match.start())
                pos = string.end() if string else len(text)
                continue
            pos = match.end()
            depth += 1 if char in "{[" else -1
            if depth == 0:
                return pos
