"""Parse Python with the stdlib `ast`: ten times faster than libcst here, with exact positions."""

from __future__ import annotations

import ast
import sys
import warnings
from dataclasses import dataclass, field
from functools import cached_property

from advisor.read.comments import AdvisorComment, advisor_comments
from advisor.read.source import TextFailure, decode_python

GRAMMAR = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class PythonSource:
    """A parsed module and the text it came from (kept for snippets and column conversion)."""

    text: str
    tree: ast.Module
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    def line_text(self, lineno: int) -> str:
        return self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""

    def column(self, lineno: int, col_offset: int) -> int:
        """1-based character column of an `ast` UTF-8 byte offset."""
        line = self.line_text(lineno)
        if line.isascii():
            return col_offset + 1
        return len(line.encode("utf-8")[:col_offset].decode("utf-8", errors="replace")) + 1

    @cached_property
    def comments(self) -> list[AdvisorComment]:
        """`# advisor: ...` comments (suppressions and hints), tokenized once, and only in files
        that mention `advisor:` at all."""
        return advisor_comments(self.text)

    def snippet(self, node: ast.AST) -> str:
        lineno = getattr(node, "lineno", 1)
        return self.line_text(lineno).strip()


def parse_python(data: bytes) -> PythonSource | TextFailure:
    text = decode_python(data)
    if isinstance(text, TextFailure):
        return text
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences and the like warn on stderr; they are not our findings.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        # Parsed with the grammar of the interpreter running the advisor: newer syntax (3.12's
        # `type X = ...`, for example) fails under an older one, so say which.
        return TextFailure(
            f"syntax error under Python {GRAMMAR}: {exc.msg}",
            exc.lineno or 1,
            max(exc.offset or 1, 1),
        )
    except ValueError as exc:  # e.g. NUL bytes that slipped past the sniff
        return TextFailure(f"cannot parse: {exc}")
    except (RecursionError, MemoryError):
        return TextFailure("cannot parse: the source is nested too deeply")
    return PythonSource(text, tree)
