"""The cache's own mechanics: entries are found after a shard folder was listed, and a
temporary file left behind by an earlier process does not stop an entry from being written.
(What the runner stores and serves is in tests/test_runner.py.)"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from advisor.cache import Cache, Entry, package_fingerprint

KEY = "ab" + "0" * 38
OTHER = "ab" + "1" * 38


def _read(path: str) -> bytes | None:
    return None


def test_a_miss_lists_the_shard_and_a_later_put_is_found(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    assert cache.get(KEY, _read) is None  # the shard folder does not exist yet
    cache.put(Entry(KEY, "value"))
    found = cache.get(KEY, _read)
    assert found is not None and found.value == "value"
    assert (cache.hits, cache.misses) == (1, 1)


def test_an_entry_written_by_another_process_is_seen_by_a_new_instance(tmp_path: Path) -> None:
    first = Cache(tmp_path)
    first.put(Entry(KEY, 1))
    assert first.get(OTHER, _read) is None  # lists the shard
    Cache(tmp_path).put(Entry(OTHER, 2))
    assert first.get(OTHER, _read) is None  # listed before: a miss, never a wrong value
    found = Cache(tmp_path).get(OTHER, _read)
    assert found is not None and found.value == 2


def test_a_temporary_file_left_behind_does_not_stop_a_write(tmp_path: Path) -> None:
    shard = tmp_path / KEY[:2]
    shard.mkdir()
    stale = shard / f".tmp-{os.getpid()}-{threading.get_ident()}-{KEY}"
    stale.write_bytes(b"left by a process that had this id")
    Cache(tmp_path).put(Entry(KEY, "value"))
    found = Cache(tmp_path).get(KEY, _read)
    assert found is not None and found.value == "value"
    assert sorted(p.name for p in shard.iterdir()) == sorted([KEY, stale.name])


def test_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    for key in (KEY, OTHER, KEY):
        cache.put(Entry(key, key))
    assert sorted(p.name for p in (tmp_path / KEY[:2]).iterdir()) == sorted([KEY, OTHER])


class _Listed:
    """A package folder seen only through the Traversable interface (as a zipped install is)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name

    def iterdir(self) -> Iterator[_Listed]:
        return (_Listed(child) for child in self.path.iterdir())

    def is_dir(self) -> bool:
        return self.path.is_dir()

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def __str__(self) -> str:
        return str(self.path)


def test_the_fingerprint_is_of_every_module_and_table_of_the_package(tmp_path: Path) -> None:
    """Read from the files (os.scandir) or through importlib.resources, the same files in the
    same order; an edit to code or data changes it, compiled bytecode does not."""
    package = tmp_path / "advisor"
    (package / "data").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("")
    (package / "data" / "table.yaml").write_text("a: 1\n")
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x00")
    first = package_fingerprint(package)
    assert package_fingerprint(_Listed(package)) == first  # type: ignore[arg-type]
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x01")
    (package / "notes.txt").write_text("not code")
    assert package_fingerprint(package) == first
    (package / "data" / "table.yaml").write_text("a: 2\n")
    edited = package_fingerprint(package)
    assert edited != first
    assert package_fingerprint(_Listed(package)) == edited  # type: ignore[arg-type]


def test_an_entry_written_in_a_new_shard_after_a_look_up_is_found(tmp_path: Path) -> None:
    """The cache lists its shard folders once (a cold run's look-ups find none); one it
    creates itself afterwards is listed when asked about."""
    cache = Cache.open(tmp_path)
    assert cache is not None
    assert cache.get("ab" + "0" * 38, lambda _: None) is None
    cache.put(Entry("cd" + "1" * 38, 1))
    found = cache.get("cd" + "1" * 38, lambda _: None)
    assert found is not None and found.value == 1
