"""The per-file cache: a file's summary, keyed by what it is a pure function of.

Key: the file's path and language, a hash of its bytes, the advisor's own fingerprint (version
and the contents of its code and data tables, so an edited install never serves stale facts)
and the settings the per-file stage reads (`max-file-size`). A spec's summary also depends on
the files it references (`FileSummary.dependencies`): the entry records their hashes, and a
change to any of them is a miss.

Entries live under `.advisor_cache/` at the project root (which gets its own `.gitignore`, as
ruff's cache does), one file each (the runner keeps the scans of the files the pre-filter skips
in one shared entry, and the project snapshot in another), written to a temporary name and
renamed into place, so concurrent runs never see half an entry; an entry that cannot be read,
or that holds another key, is ignored and rewritten. A cache that cannot be created (a read-only
checkout) is silently off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from advisor import __version__
from advisor.model import FileSummary
from advisor.records import record

CACHE_DIR = ".advisor_cache"
FORMAT = "1"


def digest(data: bytes) -> str:
    """160 bits of SHA-256. A cold run hashes every file (31 MB for the standard library):
    SHA-256 runs on the CPU's SHA instructions, which x86 (SHA-NI) and ARMv8 processors of the
    last years have, 2.3 times as fast as BLAKE2b there (26 ms against 61 ms, measured)."""
    return hashlib.sha256(data).hexdigest()[:40]


@functools.cache
def fingerprint() -> str:
    """The advisor's version and the contents of its modules and tables: every run computes it
    before it starts (1.5 MB in 154 files)."""
    return package_fingerprint(resources.files("advisor"))


def package_fingerprint(package: Traversable) -> str:
    h = hashlib.sha256()
    h.update(f"{FORMAT}:{__version__}".encode())
    if isinstance(package, Path):  # installed as files: listed with os.scandir, 3 times faster
        for path in sorted(_package_files(str(package))):
            h.update(path.encode())
            with open(path, "rb") as stream:  # noqa: PTH123 - a str path, no Path built
                h.update(stream.read())
        return h.hexdigest()[:32]
    stack = [package]  # a zipped install, read through importlib.resources
    files = []
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name != "__pycache__":
                stack.append(entry)
            elif entry.name.endswith(_FINGERPRINTED):
                files.append(entry)
    for entry in sorted(files, key=lambda e: str(e)):
        h.update(str(entry).encode())
        h.update(entry.read_bytes())
    return h.hexdigest()[:32]


_FINGERPRINTED = (".py", ".yaml", ".json")


def _package_files(root: str) -> list[str]:
    found = []
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(_FINGERPRINTED):
                    found.append(entry.path)
    return found


@record
class Entry:
    key: str
    value: object
    dependencies: tuple[tuple[str, str | None], ...] = ()
    """(path, digest of its bytes or None when unreadable) of the files the value read."""


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self._listed: dict[str, frozenset[str]] = {}
        """Entries of each shard folder looked in, listed once: a cold run asks about every
        file, and a failed `open` per file cost a tenth of a second on litellm."""
        self._shards: frozenset[str] | None = None
        """The shard folders, listed once: in a cold run most do not exist, and trying to list
        each of the 256 was most of the 8 ms its look-ups took."""

    @classmethod
    def open(cls, root: Path) -> Cache | None:
        folder = root / CACHE_DIR
        try:
            folder.mkdir(exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                _write(ignore, b"# Created by endpoint-advisor automatically.\n*\n")
            tag = folder / "CACHEDIR.TAG"
            if not tag.exists():
                _write(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n")
        except OSError:
            return None
        return cls(folder / FORMAT)

    def key(self, path: str, language: str, content: str, settings: str) -> str:
        text = f"{fingerprint()}\0{path}\0{language}\0{content}\0{settings}"
        return digest(text.encode())

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def _listing(self, shard: str) -> frozenset[str]:
        names = self._listed.get(shard)
        if names is None:
            names = frozenset()
            if shard in self._shard_names():
                with contextlib.suppress(OSError):
                    names = frozenset(entry.name for entry in (self.folder / shard).iterdir())
            self._listed[shard] = names
        return names

    def _shard_names(self) -> frozenset[str]:
        if self._shards is None:
            try:
                self._shards = frozenset(entry.name for entry in self.folder.iterdir())
            except OSError:
                self._shards = frozenset()
        return self._shards

    def get(self, key: str, read: Callable[[str], bytes | None]) -> Entry | None:
        """The entry, if present, intact, and its dependencies unchanged. An entry that
        another process writes after this one listed its folder is not seen (a miss)."""
        if key not in self._listing(key[:2]):
            self.misses += 1
            return None
        try:
            entry = pickle.loads(self._file(key).read_bytes())
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # a corrupt or foreign entry: rebuilt
            self.misses += 1
            return None
        if not isinstance(entry, Entry) or entry.key != key:
            self.misses += 1
            return None
        for path, expected in entry.dependencies:
            try:
                data = read(path)
            except OSError:
                data = None
            if (digest(data) if data is not None else None) != expected:
                self.misses += 1
                return None
        self.hits += 1
        return entry

    def put(self, entry: Entry) -> None:
        target = self._file(entry.key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _write(target, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return  # a full disk or a read-only folder: the run goes on uncached
        shard = entry.key[:2]
        if self._shards is not None:
            self._shards = self._shards | {shard}
        if shard in self._listed:
            self._listed[shard] = self._listed[shard] | {entry.key}


def _write(target: Path, data: bytes) -> None:
    # A name of this process and thread's own (`mkstemp` draws random ones: a third more system
    # time per entry here); one left behind by a process that had the same id is skipped.
    temporary = str(target.parent / f".tmp-{os.getpid()}-{threading.get_ident()}-{target.name}")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def is_summary(value: object) -> bool:
    return value is None or isinstance(value, FileSummary)
