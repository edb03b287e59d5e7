"""Paths as people read them in messages, and as Python names the modules they hold."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> Path:
    """`path` relative to the working folder when it is inside it, else unchanged."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def module_name(path: str) -> str:
    """`app/routes/chat.py` -> `app.routes.chat` (packages drop `__init__`). Here, not in the
    facts package: the pre-filter needs it for every file it scans, and a run that only scans
    (a re-check after an edit the detectors cannot see) should not import the detectors."""
    parts = path.removesuffix(".py").split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p and p != "..")
