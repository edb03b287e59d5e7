"""Which files are dependency manifests, and which folder each speaks for, by name alone:
discovery and the project stage need only this, and importing the readers for it
(advisor/read/manifest.py: TOML, version parsing) cost every run 12 ms."""

from __future__ import annotations

import posixpath

LOCK_FILES = {
    "poetry.lock": "poetry.lock",
    "uv.lock": "uv.lock",
    "pdm.lock": "pdm.lock",
    "pipfile.lock": "Pipfile.lock",
}
REQUIREMENTS_FOLDER = "requirements"


def manifest_kind(path: str) -> str | None:
    """What kind of manifest a file is, from its name alone (never its content)."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1].lower()
    if name in LOCK_FILES:
        return LOCK_FILES[name]
    if name == "pyproject.toml":
        return "pyproject"
    if name.endswith(".txt") and (
        name.startswith("requirements")
        or (len(parts) > 1 and parts[-2].lower() == REQUIREMENTS_FOLDER)
    ):
        return "requirements"
    return None


def manifest_folder(path: str) -> str:
    """The folder a manifest speaks for: its own, or the parent of a `requirements/` folder."""
    folder = posixpath.dirname(path)
    if posixpath.basename(folder).lower() == REQUIREMENTS_FOLDER:
        folder = posixpath.dirname(folder)
    return folder
