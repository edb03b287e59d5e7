"""Read the exact versions a project installs from its requirements, pyproject and lock files.

Only exact pins count: `pkg==1.2.3` in a requirements file or `[project] dependencies`, a bare
or `==` version in `[tool.poetry.dependencies]`, and every resolved package of poetry.lock,
uv.lock, pdm.lock and Pipfile.lock. A range (`>=`, `~=`, `^`, wildcards) says nothing about
what is installed and is not a pin.

A manifest that cannot be read (bad TOML or JSON, a merge conflict left in a lock file, bytes
that are not UTF-8) gives no pins and *no* diagnostic: these files belong to pip, poetry and uv,
which report them loudly themselves, and a linter of services must not fail a build over a lock
file it only consults. The cost is that the versions it would have given stay unknown, and rules
that need them stay silent; that is the safe direction.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

from advisor.read.manifest_kinds import manifest_kind
from advisor.read.source import decode_text
from advisor.records import record
from advisor.versions import exact_version

_NAME = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$")
_TOML_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9._-]+)["']?\s*=""")
_JSON_KEY = re.compile(r'^\s*"([^"]+)"\s*:')
_INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s*)(\S+)$")


@record
class Pin:
    package: str
    """Normalised distribution name (PEP 503: lower case, runs of `-_.` as `-`)."""
    version: str
    line: int
    snippet: str


@record
class Include:
    """`-r other.txt` / `-c constraints.txt` in a requirements file (path as written)."""

    target: str
    line: int


@record
class Manifest:
    kind: str
    """`requirements`, `pyproject`, `poetry.lock`, `uv.lock`, `pdm.lock` or `Pipfile.lock`."""
    pins: tuple[Pin, ...]
    includes: tuple[Include, ...] = ()


def normalize_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_manifest(path: str, data: bytes) -> Manifest | None:
    """The pins of a manifest; None when it is not one, or cannot be read (see the module)."""
    kind = manifest_kind(path)
    if kind is None:
        return None
    text = decode_text(data)
    if not isinstance(text, str):
        return None
    if kind == "requirements":
        return read_requirements(text)
    try:
        if kind == "Pipfile.lock":
            document = json.loads(text)
        else:
            document = tomllib.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError and JSONDecodeError are ValueErrors
        return None
    if not isinstance(document, dict):
        return None
    lines = text.splitlines()
    if kind == "pyproject":
        pins = tuple(_pyproject_pins(document, lines))
    elif kind == "Pipfile.lock":
        pins = tuple(_pipfile_lock_pins(document, lines))
    else:
        pins = tuple(_lock_pins(document, lines))
    return Manifest(kind, pins)


# -- requirements files --------------------------------------------------------------------


def read_requirements(text: str) -> Manifest:
    pins: list[Pin] = []
    includes: list[Include] = []
    for line_number, logical in _logical_lines(text):
        if logical.startswith("-"):
            found = _INCLUDE.match(logical)
            if found is not None:
                includes.append(Include(found.group(1), line_number))
            continue
        requirement = parse_requirement(logical)
        if requirement is not None:
            name, version = requirement
            pins.append(Pin(name, version, line_number, logical))
    return Manifest("requirements", tuple(pins), tuple(includes))


def parse_requirement(text: str) -> tuple[str, str] | None:
    """(normalised name, version) of an exactly pinned PEP 508 requirement, else None.

    `name[extras]==1.2.3 ; marker --hash=...` is a pin; URLs (`name @ https://...`), ranges,
    wildcards, environment variables and editable installs are not.
    """
    match = _NAME.match(text.strip())
    if match is None:
        return None
    name, rest = match.group(1), match.group(3)
    rest = rest.split(";", 1)[0]
    rest = re.split(r"\s--?[A-Za-z]", " " + rest, maxsplit=1)[0].strip()
    if not rest or "@" in rest or "$" in rest:
        return None
    version = exact_version(rest)
    if version is None:
        return None
    return normalize_name(name), version.text


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line, text) of each line, joined over `\\` continuations, without
    comments (`#` at the start or after whitespace, as pip reads them)."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        if joined:
            yield start, joined
    if pending:
        joined = " ".join(part.strip() for part in pending).strip()
        if joined:
            yield start, joined


# -- TOML and JSON manifests ---------------------------------------------------------------


def _pyproject_pins(document: Mapping[str, Any], lines: list[str]) -> Iterator[Pin]:
    project = document.get("project")
    if isinstance(project, dict):
        dependencies = project.get("dependencies")
        if isinstance(dependencies, list):
            start = _line_of(lines, r"^\s*dependencies\s*=") or 1
            cursor = start
            for item in dependencies:
                if not isinstance(item, str):
                    continue
                found = parse_requirement(item)
                if found is not None:
                    # Items are written in order: search on from the previous one.
                    line = _line_containing(lines, item, cursor)
                    cursor = line or cursor
                    yield Pin(found[0], found[1], line or start, item)
    tool = document.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if not isinstance(dependencies, dict):
        return
    section = _line_of(lines, r"^\s*\[tool\.poetry\.dependencies\]") or 1
    keys = _key_lines(lines, _TOML_KEY, section)
    for name, value in dependencies.items():
        if not isinstance(name, str) or name.lower() == "python":
            continue
        if isinstance(value, dict):
            if value.get("optional") is True:
                continue  # installed only with an extra
            value = value.get("version")
        if not isinstance(value, str):
            continue
        # Poetry reads a bare version as an exact one (`starlette = "0.27.0"`).
        spec = value.strip()
        version = exact_version(spec if spec[:1] in "=<>!~^" else f"=={spec}")
        if version is None:
            continue
        line = keys.get(name, section)
        yield Pin(normalize_name(name), version.text, line, _text(lines, line))


def _lock_pins(document: Mapping[str, Any], lines: list[str]) -> Iterator[Pin]:
    """`[[package]]` tables with `name` and `version` (poetry.lock, uv.lock, pdm.lock)."""
    packages = document.get("package")
    if not isinstance(packages, list):
        return
    headers = [i + 1 for i, line in enumerate(lines) if line.strip() == "[[package]]"]
    aligned = len(headers) == len(packages)
    for index, package in enumerate(packages):
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            continue  # the project itself in uv.lock (virtual / editable) has no version
        if exact_version(f"=={version}") is None:
            continue
        line = 1
        if aligned:
            start = headers[index]
            end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1
            line = _line_of(lines, r"^\s*version\s*=", start, end) or start
        yield Pin(normalize_name(name), version, line, _text(lines, line))


def _pipfile_lock_pins(document: Mapping[str, Any], lines: list[str]) -> Iterator[Pin]:
    for section in ("default", "develop"):
        packages = document.get(section)
        if not isinstance(packages, dict):
            continue
        start = _line_of(lines, rf'^\s*"{section}"\s*:') or 1
        keys = _key_lines(lines, _JSON_KEY, start)
        for name, entry in packages.items():
            if not isinstance(name, str) or not isinstance(entry, dict):
                continue
            spec = entry.get("version")
            version = exact_version(spec) if isinstance(spec, str) else None
            if version is None:
                continue
            line = keys.get(name, start)
            yield Pin(normalize_name(name), version.text, line, _text(lines, line))


def _line_of(lines: list[str], pattern: str, start: int = 1, end: int | None = None) -> int | None:
    """1-based number of the first line from `start` (before `end`) that matches."""
    compiled = re.compile(pattern)
    stop = len(lines) if end is None else min(end - 1, len(lines))
    for number in range(max(start, 1), stop + 1):
        if compiled.search(lines[number - 1]):
            return number
    return None


def _key_lines(lines: list[str], pattern: re.Pattern[str], start: int) -> dict[str, int]:
    """The first line at or after `start` where each key is written (one pass)."""
    found: dict[str, int] = {}
    for number in range(max(start, 1), len(lines) + 1):
        match = pattern.match(lines[number - 1])
        if match is not None:
            found.setdefault(match.group(1), number)
    return found


def _line_containing(lines: list[str], text: str, start: int) -> int | None:
    for number in range(max(start, 1), len(lines) + 1):
        if text in lines[number - 1]:
            return number
    return None


def _text(lines: list[str], line: int) -> str:
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""
