"""The cache's own mechanics: entries are found after a shard folder was listed, and a
temporary file left behind by an earlier process does not stop an entry from being written.
(What the runner stores and serves is in tests/test_runner.py.)"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from advisor.cache import Cache, Entry

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
