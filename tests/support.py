"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor.model import ChunkDecode, PollingLoop
from advisor.prefilter import TRIGGERS, members

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("ADVISOR_CORPUS", REPO.parent / "shared" / "corpus"))
UPDATE_SNAPSHOTS = bool(os.environ.get("ADVISOR_UPDATE_SNAPSHOTS"))

SSE_SPEC_FILES = {
    "spec/openapi.yaml": (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /events:\n    get:\n      responses:\n        '200':\n          content:\n"
        "            text/event-stream:\n              schema: {$ref: 'parts.yaml#/Event'}\n"
    ),
    "spec/parts.yaml": "Event: {type: string}\n",
}
"""A spec with an event stream whose schema sits in a second file (a `$ref` dependency)."""


@dataclass
class Run:
    status: int
    out: str
    err: str


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create files under `root` (dedenting text), return `root`."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def check_snapshot(path: Path, actual: str) -> None:
    """Compare with a golden file; ADVISOR_UPDATE_SNAPSHOTS=1 rewrites it (review the diff)."""
    if UPDATE_SNAPSHOTS or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not UPDATE_SNAPSHOTS:
            pytest.fail(f"snapshot {path.name} did not exist; written, review and commit it")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"output differs from {path.relative_to(REPO)}; "
        "if the change is intended: ADVISOR_UPDATE_SNAPSHOTS=1 pytest, then review the diff"
    )


WORD_NEEDING_FACTS: dict[type, str] = {
    ChunkDecode: "ChunkDecodeDetector",
    PollingLoop: "PollingDetector",
}
"""Facts of the detectors whose triggers need words besides an import (`Triggers.needs`)."""


def words_needed_for(fact: object) -> frozenset[str] | None:
    """The words one of which a file must hold for the pre-filter to parse it, given a fact of
    a detector that needs some (None for any other fact)."""
    detector = WORD_NEEDING_FACTS.get(type(fact))
    if detector is None:
        return None
    return frozenset(word for triggers in members(TRIGGERS[detector]()) for word in triggers.needs)
