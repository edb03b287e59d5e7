"""Reporters are pure: `render(result, options) -> str`. Only the CLI writes to files/streams."""

from __future__ import annotations

import os
from dataclasses import field
from pathlib import Path

from advisor.config import find_project_root
from advisor.engine import Result
from advisor.model import Hop
from advisor.records import record


@record
class RenderOptions:
    cwd: Path = field(default_factory=Path.cwd)
    quiet: bool = False
    statistics: bool = False


def display_path(result: Result, rel: str, options: RenderOptions) -> str:
    """A finding's path as the user would type it: relative to the working directory."""
    absolute = Path(rel) if rel.startswith("/") else result.settings.root / rel
    try:
        return Path(os.path.relpath(absolute, options.cwd)).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


def hop_text(result: Result, hop: Hop, options: RenderOptions) -> str:
    """`POST /v1/chat`, or `app/llm.py:12 ask` with the path as the user would type it."""
    if hop.path is None:
        return hop.name
    return f"{display_path(result, hop.path, options)}:{hop.line} {hop.name}"


def source_root(result: Result) -> Path:
    """The root CI services resolve paths against: the git work tree that holds the project
    (a project configured in a subfolder of a monorepo included), else the project root."""
    root = result.settings.root
    return find_project_root(root) if root.is_dir() else root


def repository_path(result: Result, rel: str, source: Path) -> str | None:
    """A finding's path relative to `source` (see `source_root`); None when it lies outside."""
    absolute = Path(rel) if rel.startswith("/") else result.settings.root / rel
    try:
        return absolute.relative_to(source).as_posix()
    except ValueError:
        return None
