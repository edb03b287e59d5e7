"""The files of one spec (its entry document and everything it references), loaded on demand.

Referenced files are read through a `FileReader` that only answers for files inside the project
root: a `$ref` can never make the advisor read outside it. Every value handed around carries
where it is written (`Located`), so findings point into the right file, at the right line.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from advisor.model import Evidence, Location
from advisor.read.source import TextFailure
from advisor.read.spec import SpecDocument, load_document, pointer_text
from advisor.records import record

FileReader = Callable[[str], bytes | None]
"""Bytes of a file given its path relative to the project root; None if it does not exist.
A reader raises `PermissionError` for a path it refuses (one that leads outside the root)."""


class Refused:
    """A file the reader would not read: it resolves outside the project root."""


ROOT_URI = "file:///@project/"


@record
class Located:
    value: Any
    path: str
    pointer: tuple[str, ...]

    def child(self, *keys: str | int) -> Located:
        current = self.value
        for key in keys:
            current = current[key]
        return Located(current, self.path, (*self.pointer, *(str(k) for k in keys)))


class SpecFiles:
    """Loaded documents by project-relative path (a cache for one analysis unit)."""

    def __init__(self, read: FileReader) -> None:
        self._read = read
        self._documents: dict[str, SpecDocument | TextFailure | Refused | None] = {}

    def add(self, path: str, document: SpecDocument) -> None:
        self._documents[path] = document

    def document(self, path: str) -> SpecDocument | TextFailure | Refused | None:
        if path not in self._documents:
            try:
                data = self._read(path)
            except PermissionError:
                self._documents[path] = Refused()
                return self._documents[path]
            if data is None:
                self._documents[path] = None
            else:
                syntax = "json" if path.lower().endswith(".json") else "yaml"
                self._documents[path] = load_document(data, syntax)
        return self._documents[path]

    @property
    def loaded(self) -> list[str]:
        return [p for p, d in self._documents.items() if isinstance(d, SpecDocument)]

    def evidence(self, located: Located, *, scope: tuple[str, ...] | None = None) -> Evidence:
        document = self._documents.get(located.path)
        line, column = (1, 1)
        snippet = ""
        end_column = None
        if isinstance(document, SpecDocument):
            line, column = document.locate(located.pointer)
            text = document.line_text(line)
            snippet = text.strip()
            # A key's value may run over several lines; the finding covers the key's line.
            end_column = max(len(text.rstrip()) + 1, column + 1)
        return Evidence(
            location=Location(
                located.path,
                line,
                column,
                end_line=line if end_column is not None else None,
                end_column=end_column,
            ),
            snippet=snippet,
            pointer=pointer_text(located.pointer),
            scope=pointer_text(scope) if scope is not None else None,
        )


def uri_of(path: str) -> str:
    return ROOT_URI + quote(path)


def path_of(uri: str) -> str | None:
    """The project-relative path of a document URI; None when it lies outside the project."""
    if not uri.startswith(ROOT_URI):
        return None
    path = posixpath.normpath(unquote(uri[len(ROOT_URI) :]))
    if path.startswith(("../", "/")) or path == "..":
        return None
    return path


def disk_reader(root: Path, max_size: int) -> FileReader:
    """Read project files from disk, refusing anything that resolves outside `root`."""
    real_root = root.resolve()

    def read(path: str) -> bytes | None:
        candidate = (real_root / path).resolve()
        try:
            candidate.relative_to(real_root)
        except ValueError:
            raise PermissionError(path) from None  # a symbolic link out of the project
        try:
            if not candidate.is_file() or candidate.stat().st_size > max_size:
                return None
            return candidate.read_bytes()
        except OSError:
            return None

    return read


def memory_reader(files: dict[str, bytes]) -> FileReader:
    return lambda path: files.get(path)
