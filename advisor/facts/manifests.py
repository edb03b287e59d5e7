"""Dependency facts: the exact versions a manifest pins, and the folder whose code they govern.

A requirements file may pull in others (`-r base.txt`, `-c constraints.txt`); like a spec's
`$ref`, those are read through the root-confined reader and listed as the summary's
dependencies, so the facts stay a function of the files they came from.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from advisor.model import Dependency, Evidence, FileSummary, Location
from advisor.read.manifest import Manifest, read_manifest, read_requirements
from advisor.read.manifest_kinds import manifest_folder
from advisor.read.source import decode_text

if TYPE_CHECKING:
    from advisor.facts.spec.documents import FileReader

MAX_INCLUDE_DEPTH = 5


def summarize_manifest(path: str, data: bytes, read: FileReader) -> FileSummary | None:
    manifest = read_manifest(path, data)
    if manifest is None:
        return None  # not readable: no pins and no diagnostic (see advisor.read.manifest)
    folder = manifest_folder(path)
    facts: list[Dependency] = []
    read_files: list[str] = []
    for file_path, found in _with_includes(path, manifest, read, read_files):
        facts.extend(
            Dependency(
                evidence=Evidence(
                    location=Location(file_path, pin.line, 1), snippet=pin.snippet[:200]
                ),
                package=pin.package,
                version=pin.version,
                manifest=found.kind,
                folder=folder,
            )
            for pin in found.pins
        )
    return FileSummary(
        path, "manifest", tuple(dict.fromkeys(facts)), dependencies=tuple(read_files)
    )


def _with_includes(
    path: str, manifest: Manifest, read: FileReader, read_files: list[str]
) -> Iterator[tuple[str, Manifest]]:
    """The manifest, then every requirements file it includes (depth-bounded, cycle-safe)."""
    seen = {path}
    stack: list[tuple[str, Manifest, int]] = [(path, manifest, 0)]
    while stack:
        current_path, current, depth = stack.pop()
        yield current_path, current
        if depth >= MAX_INCLUDE_DEPTH:
            continue
        for include in reversed(current.includes):
            target = _resolve(current_path, include.target)
            if target is None or target in seen:
                continue
            seen.add(target)
            try:
                data = read(target)
            except PermissionError:
                continue
            if data is None:
                continue
            text = decode_text(data)
            if not isinstance(text, str):
                continue
            read_files.append(target)
            stack.append((target, read_requirements(text), depth + 1))


def _resolve(base: str, target: str) -> str | None:
    """The project-relative path of an include; None for URLs and paths outside the root."""
    if "://" in target or target.startswith(("/", "~")) or "$" in target:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), target))
    if joined.startswith("../") or joined in ("..", "."):
        return None
    return joined
