"""The project-level cache: a whole run's outcome, served again while no file's facts changed.

The per-file cache spares a warm run the parsing, but the cross-file stage (project index, call
graph and reach, flowchart, rules) ran in full every time: 12 of a 13 s warm run on litellm.
Its outcome is a pure function of the advisor's build, the settings, the rule files, and what
the per-file stage gave it: which files the pre-filter's rounds analysed (a function of every
Python file's scan and of the analysed files' summaries) and those summaries.

So a snapshot records, for every file of the run, the per-file cache key of the bytes it was
computed from (`advisor/cache.py`: path, language, content hash) and the file's `stat` (size,
modification and change times, inode), which files were analysed, and the outcome. A later run
in the same context stats every file: one whose `stat` is the recorded one holds the same bytes
(as git and ruff assume), and is not read. A file modified less than `RACY_NS` before the
recording run started gets no recorded `stat`: a later edit within the file system's time
resolution could leave it unchanged. The other files are read, and keys are compared
(advisor/runner.py):

- all equal: the outcome is served, and nothing else is unpickled;
- a few differ (the pre-commit case): each such file is scanned and, if the snapshot's run
  analysed it, summarized again, and both are compared with what that run saw (its per-file
  cache entry). When all are equal (a comment added, a docstring reworded, code the advisor does
  not look at) no input of the cross-file stage changed, and the outcome stands;
- otherwise the run goes the normal way and writes a new snapshot.

The files a spec references are checked by their digests (`Entry.dependencies`), as for the
per-file cache. A served `Result` loads its per-file summaries only when asked for them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from pathlib import Path

from advisor.cache import Cache, Entry, digest, fingerprint
from advisor.model import Endpoint, Finding
from advisor.records import record
from advisor.resources import builtin_rules_dir
from advisor.settings import Settings

MAX_CHANGED = 32
"""Above this many changed files, comparing them one by one costs what the normal path does."""

RACY_NS = 2_000_000_000
"""Files modified this recently before a run started are read by the next run whatever their
`stat` (FAT keeps modification times to two seconds; ext4 and APFS to a nanosecond)."""

Stat = tuple[int, int, int, int]
"""(size, modification time, change time, inode): what `stat` says of a file's bytes."""


def stat_of(path: Path) -> Stat | None:
    try:
        return as_stat(path.stat())
    except OSError:
        return None


def as_stat(found: os.stat_result) -> Stat:
    return found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino


def trusted(stat: Stat | None, started_ns: int) -> Stat | None:
    """The `stat` to record for a file read by a run that started at `started_ns`: None when
    the file was modified too close to that moment for its `stat` to vouch for its bytes."""
    if stat is None or max(stat[1], stat[2]) >= started_ns - RACY_NS:
        return None
    return stat


@record
class Outcome:
    """What the cross-file stage gave: the `Result` fields that are not the settings, the
    rules or the summaries."""

    findings: tuple[Finding, ...]
    files: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    fingerprints: Mapping[Finding, str]


@record
class Snapshot:
    context: str
    keys: Mapping[str, str]
    """Every file of the run (relative path) -> its per-file cache key."""
    analysed: frozenset[str]
    """The files whose summaries the outcome was computed from."""
    dependencies: tuple[str, ...]
    """Other files those summaries were computed from (files a spec references)."""
    outcome: Outcome
    stats: Mapping[str, Stat] = field(default_factory=dict)
    """The files whose `stat` vouches for their key (not every file: see `trusted`)."""


def context(settings: Settings, rules: Sequence[bytes], *, prefilter: bool) -> str:
    """What a run's outcome depends on besides its files: the advisor's build, the settings,
    and the rule files (built-in and the project's own, by content: `rule_texts`)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{fingerprint()}\0{settings!r}\0prefilter={prefilter}".encode())
    for text in rules:
        h.update(b"\0")
        h.update(text)
    return h.hexdigest()


def rule_texts(rule_dirs: Sequence[Path]) -> list[bytes]:
    """The name and bytes of every rule file, built-in and the project's own, in order."""
    texts = []
    builtin = builtin_rules_dir()
    for entry in sorted(builtin.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            texts.append(entry.name.encode() + b"\0" + entry.read_bytes())
    for folder in rule_dirs:
        try:
            paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
            texts.extend(p.name.encode() + b"\0" + p.read_bytes() for p in paths if p.is_file())
        except OSError:
            texts.append(f"unreadable:{folder}".encode())  # the catalog reports it
    return texts


def _key(context_digest: str) -> str:
    return digest(f"snapshot\0{context_digest}".encode())


def load(cache: Cache, context_digest: str, read: Callable[[str], bytes | None]) -> Snapshot | None:
    """The snapshot of the last run in this context, if intact and the files its specs
    referenced are unchanged."""
    entry = cache.get(_key(context_digest), read)
    if entry is None:
        return None
    value = entry.value
    if not isinstance(value, Snapshot) or value.context != context_digest:
        return None
    return value


def save(
    cache: Cache,
    snapshot: Snapshot,
    digests: Sequence[tuple[str, str | None]],
) -> None:
    """`digests`: (path, digest) of the snapshot's dependencies as they are now."""
    cache.put(Entry(_key(snapshot.context), snapshot, tuple(digests)))
