"""Paths as people read them in messages."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> Path:
    """`path` relative to the working folder when it is inside it, else unchanged."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
