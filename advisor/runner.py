"""The per-file stage over many files: pre-filter, cache, and worker processes.

Each file's summary is a pure function of (path, bytes, settings), so the order in which they
are computed, and where, cannot change them: they are gathered by path and handed on in the
order `discover` gives, and the output is byte-identical for any `--jobs` and any cache state.

Python files go through the pre-filter (advisor/prefilter.py): the files that trigger, the
importers of each file as soon as its summary shows that it leads to a fact, then the files a
looked-up name could resolve into. They are parsed in parallel as they are added (the workers
never wait for the slowest file of a batch), and served from the cache when the same bytes
were seen before.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import collector, snapshot
from advisor.cache import Cache, Entry, digest, fingerprint
from advisor.discover import SourceFile
from advisor.errors import InternalError
from advisor.model import Evidence, FileSummary, Location, ParseFailure
from advisor.read.source import TextFailure, decoding_failure
from advisor.records import record
from advisor.settings import SIZE_SNIFF_BYTES, Settings

if TYPE_CHECKING:
    from advisor.prefilter import FileScan

READ_IN_WORKERS_FILES = 1000
"""A run without a snapshot to serve it, over this many files, has the worker processes read,
hash, scan and decode them (in the main process, reading and hashing alone were a fifth of a
run over a large tree with little to analyse, and the scan waited for them); the main process
keeps only what they found, and the worker that parses a file reads it again."""
READ_CHUNK_FILES = 32
"""How many files one such reading task holds."""
PARALLEL_SCAN_MIN_BYTES = 4 * 1024 * 1024
"""Below this much source to scan, it is scanned in the main process."""
SCAN_CHUNK_BYTES = 512 * 1024
"""About how much source one scan task holds."""
PARALLEL_MIN_BYTES = 256 * 1024
"""Below this much source to parse at once, worker processes cost more than they save (once
they run, everything goes to them)."""
TASK_BYTES = 64 * 1024
"""About how much source one parsing task holds (a large file is a task of its own): a task's
round trip costs about a millisecond, and one file per task left each worker idle for 3 % of
litellm's run, while tasks of many large files left one worker with the last of them."""
TASK_FILES = 16


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _File:
    source: SourceFile
    data: bytes | None
    """None when a worker read the file: whoever needs the bytes reads them again (`_content`)."""
    size: int
    stat: snapshot.Stat | None = None
    key: str | None = None
    scan: FileScan | None = None
    summary: FileSummary | None = None
    done: bool = False
    cached: dict[str, Any] = field(default_factory=dict)
    length: int = 0
    """How many bytes were read (all, or the start of a file over the size limit), with no
    `data`."""

    @property
    def volume(self) -> int:
        """How many bytes were read: what parsing or scanning the file costs."""
        return len(self.data) if self.data is not None else self.length


@record
class Summaries:
    summaries: tuple[FileSummary, ...]
    """Summaries of the files analysed, in discovery order."""
    skipped: tuple[str, ...]
    """Python files the pre-filter showed cannot matter (not parsed; counted as checked)."""
    parsed: int = 0
    """Files summarized in this run (not served from the cache)."""
    keys: Mapping[str, str] | None = None
    """Every file's per-file cache key (None without a cache, or when a file was unreadable):
    what a project snapshot records."""
    served: snapshot.Snapshot | None = None
    """The last run's snapshot, when no file's facts changed since: its outcome stands, and
    `summaries` and `skipped` are left empty (advisor/snapshot.py)."""
    stats: Mapping[str, snapshot.Stat] | None = None
    """The files' `stat` where it vouches for their key (with `keys`): what a snapshot records."""


def summarize_sources(
    sources: Sequence[SourceFile],
    settings: Settings,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    prefilter: bool = True,
    progress: Callable[[int, int], None] | None = None,
    overlay: Mapping[str, bytes] | None = None,
    context: str | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Summaries:
    """`progress(done, total)` is told about every file once it is read, scanned or parsed;
    `overlay` gives some files' content (by relative path) instead of what is on disk;
    `context` (`snapshot.context()`): serve the last run's snapshot in that context if no
    file's facts changed since; `meanwhile` is called once, while the workers read the files
    when they do (the main process only waits for them then), else first."""
    jobs = default_jobs() if jobs is None or jobs < 1 else jobs
    started = time.time_ns()
    cache = Cache.open(settings.root) if use_cache else None
    read = _reader(settings)
    runner = _Runner(settings, jobs, cache, _Progress(progress, len(sources)))
    last = None
    read_already: dict[str, _File] = {}
    if cache is not None and context is not None:
        last = snapshot.load(cache, context, read)
    in_workers = (
        prefilter
        and last is None
        and overlay is None
        and runner.jobs > 1
        and len(sources) >= READ_IN_WORKERS_FILES
    )
    if in_workers:
        return _read_in_workers(sources, runner, read, started, meanwhile)
    if meanwhile is not None:
        meanwhile()
    if last is not None and overlay is None:
        try:
            quick, read_already = _served_by_stat(sources, last, runner, read, started)
        finally:
            runner.close()
        if quick is not None:
            if progress is not None:
                progress(len(sources), len(sources))
            return Summaries((), (), runner.parsed, quick[0], last, quick[1])
    files: list[_File] = []
    early: dict[str, FileSummary] = {}
    try:
        for source in sources:
            loaded = read_already.get(source.rel) or _load(source, settings, cache, overlay)
            if isinstance(loaded, FileSummary):
                early[source.rel] = loaded
            else:
                files.append(loaded)
    except BaseException:
        runner.close()
        raise

    keys, stats = _keys_and_stats(files, early, runner, started)
    if keys is not None and last is not None:
        if _same_files(files, last) and _facts_unchanged(files, last, runner, read):
            runner.save(files)
            if progress is not None:
                progress(len(sources), len(sources))
            return Summaries((), (), runner.parsed, keys, last, stats)
        for item in files:  # what was summarized to compare stays cached; the pre-filter decides
            item.done, item.summary = False, None
    for item in files:
        runner.recall(item, read)

    try:
        python = [f for f in files if f.source.language == "python"]
        others = [f for f in files if f.source.language != "python"]
        if not prefilter:
            runner.run([*others, *python])
        else:
            work = _Work(runner, {f.source.rel: f for f in python}, others)
            # The data files wait for the end of the scan: they depend on nothing, and the
            # scan decides what comes next.
            begun = _EarlyStart(work)
            for item in runner.scanned(python):
                runner.progress.seen(item.source.rel)
                begun.add(item)
            _analyse(python, others, work, begun.paths)
        runner.save(files)
    finally:
        runner.close()
    return _gathered(sources, files, early, runner, keys, stats)


def _read_in_workers(
    sources: Sequence[SourceFile],
    runner: _Runner,
    read: Callable[[str], bytes | None],
    started: int,
    meanwhile: Callable[[], None] | None,
) -> Summaries:
    """`summarize_sources` over a large tree with no snapshot to serve it (READ_IN_WORKERS_FILES):
    the workers read and scan the files, and parse those that trigger as soon as their scans
    are in."""
    from advisor.prefilter import vocabulary

    vocabulary()  # now, for the workers to start with it (they are forked)
    files: list[_File] = []
    early: dict[str, FileSummary] = {}
    python: dict[str, _File] = {}
    others: list[_File] = []
    work = _Work(runner, python, others)
    begun = _EarlyStart(work)
    try:
        for source, loaded in runner.loaded(sources, read, meanwhile):
            if isinstance(loaded, FileSummary):
                early[source.rel] = loaded
                continue
            files.append(loaded)
            if source.language != "python":
                others.append(loaded)
                continue
            python[source.rel] = loaded
            runner.progress.seen(source.rel)
            begun.add(loaded)
        _analyse(list(python.values()), others, work, begun.paths)
        runner.save(files)
    finally:
        runner.close()
    keys, stats = _keys_and_stats(files, early, runner, started)
    return _gathered(sources, files, early, runner, keys, stats)


class _EarlyStart:
    """Starts the files that trigger as their scans come in, once there is enough of them for
    the workers: scanning a large tree takes a second or more, and the workers would wait for
    its end (or, where they read the files, find nothing queued once they are read)."""

    def __init__(self, work: _Work) -> None:
        self.work = work
        self.paths: list[str] = []
        self._pending: list[str] = []
        self._pending_bytes = 0

    def add(self, item: _File) -> None:
        if self.work.runner.jobs <= 1 or item.scan is None or not item.scan.triggered:
            return
        self._pending.append(item.source.rel)
        self._pending_bytes += item.volume
        if self._pending_bytes >= PARALLEL_MIN_BYTES:
            self.work.start(self._pending, alone=True)
            self.paths.extend(self._pending)
            self._pending, self._pending_bytes = [], 0


def _analyse(python: Sequence[_File], others: list[_File], work: _Work, begun: list[str]) -> None:
    """The pre-filter's decisions over the scanned Python files, then the data files; a
    skipped file is still decoded."""
    from advisor.paths import module_name
    from advisor.prefilter import analyse

    analyse(
        {f.source.rel: (module_name(f.source.rel), f.scan) for f in python if f.scan is not None},
        work,
        first=[f.source.rel for f in python if f.scan is None],
        started=begun,
    )
    work.runner.run(others)
    for item in python:
        if not item.done:
            _undecodable(item, work.runner.settings)


def _keys_and_stats(
    files: Sequence[_File], early: Mapping[str, FileSummary], runner: _Runner, started: int
) -> tuple[dict[str, str] | None, dict[str, snapshot.Stat] | None]:
    """Every file's key, and its `stat` where that vouches for the key: what a snapshot
    records (None without a cache, or when a file was unreadable)."""
    if runner.cache is None or early:
        return None, None
    keys = {f.source.rel: f.key for f in files if f.key is not None}
    stats = {f.source.rel: stat for f in files if (stat := snapshot.trusted(f.stat, started))}
    return keys, stats


def _gathered(
    sources: Sequence[SourceFile],
    files: Sequence[_File],
    early: Mapping[str, FileSummary],
    runner: _Runner,
    keys: Mapping[str, str] | None,
    stats: Mapping[str, snapshot.Stat] | None,
) -> Summaries:
    """The summaries in discovery order, and the files skipped."""
    by_path = {f.source.rel: f for f in files}
    summaries: list[FileSummary] = []
    skipped: list[str] = []
    for source in sources:
        if source.rel in early:
            summaries.append(early[source.rel])
            continue
        item = by_path[source.rel]
        if not item.done:
            skipped.append(source.rel)
        elif item.summary is not None:
            summaries.append(item.summary)
    return Summaries(tuple(summaries), tuple(skipped), runner.parsed, keys, None, stats)


def _load(
    source: SourceFile, settings: Settings, cache: Cache | None, overlay: Mapping[str, bytes] | None
) -> _File | FileSummary:
    """A file's bytes (or a read failure, as a summary) and its per-file cache key."""
    if overlay is not None and source.rel in overlay:
        data = overlay[source.rel]
        item = _File(source, data, len(data))
    else:
        loaded = _read(source, settings)
        if isinstance(loaded, FileSummary):
            return loaded
        data = loaded[0]
        item = _File(source, *loaded)
    if cache is not None:
        size = item.size
        content = digest(data) if size <= settings.max_file_size else f"large:{size}"
        item.key = cache.key(
            source.rel, source.language, content, f"max-file-size={settings.max_file_size}"
        )
    return item


_Quick = tuple[dict[str, str], dict[str, snapshot.Stat]]


def _served_by_stat(
    sources: Sequence[SourceFile],
    last: snapshot.Snapshot,
    runner: _Runner,
    read: Callable[[str], bytes | None],
    started: int,
) -> tuple[_Quick | None, dict[str, _File]]:
    """Every file's key and trusted `stat`, when `last`'s outcome stands with only the files
    whose `stat` differs from the recorded one read (advisor/snapshot.py), else None; and the
    files read (with what was summarized to compare them), for the normal path to go on with."""
    if not last.stats or len(sources) != len(last.keys):
        return None, {}
    keys: dict[str, str] = {}
    stats: dict[str, snapshot.Stat] = {}
    changed: list[SourceFile] = []
    for source in sources:
        known = last.keys.get(source.rel)
        if known is None:
            return None, {}
        found = snapshot.stat_of(source.path)
        if found is not None and found == last.stats.get(source.rel):
            keys[source.rel], stats[source.rel] = known, found
        else:
            changed.append(source)
            if len(changed) > snapshot.MAX_CHANGED:
                return None, {}
    items: dict[str, _File] = {}
    for source in changed:
        loaded = _load(source, runner.settings, runner.cache, None)
        if isinstance(loaded, FileSummary) or loaded.key is None:
            return None, items  # unreadable now: a failure to report
        items[source.rel] = loaded
    if not _facts_unchanged(list(items.values()), last, runner, read):
        return None, items
    for rel, item in items.items():
        assert item.key is not None
        keys[rel] = item.key
        if (trusted := snapshot.trusted(item.stat, started)) is not None:
            stats[rel] = trusted
    runner.save(list(items.values()), changed_only=True)
    return (keys, stats), items


def _same_files(files: Sequence[_File], last: snapshot.Snapshot) -> bool:
    return len(files) == len(last.keys) and all(f.source.rel in last.keys for f in files)


def _facts_unchanged(
    files: Sequence[_File],
    last: snapshot.Snapshot,
    runner: _Runner,
    read: Callable[[str], bytes | None],
) -> bool:
    """Whether the per-file stage would give the cross-file stage what it gave `last`'s run,
    given `files` read now (all of the run's files are `last`'s): for each whose bytes changed,
    the same scan and (where that run analysed it) the same summary. Their new results are
    kept in them."""
    changed = [f for f in files if f.key != last.keys[f.source.rel]]
    if len(changed) > snapshot.MAX_CHANGED:
        return False
    for item in changed:
        rel = item.source.rel
        seen = runner.entry(last.keys[rel], read)
        if seen is None:
            return False
        assert item.key is not None
        item.cached = runner.entry(item.key, read) or item.cached
        if item.source.language == "python":
            item.scan = item.cached.get("scan")
            if item.scan is None and item.size <= runner.settings.max_file_size:
                item.scan = _scan(item)
                item.cached["dirty"] = True
            if item.scan != seen.get("scan"):
                return False
            if rel not in last.analysed:
                if seen.get("decoded", "unknown") is not None:
                    return False  # undecodable then, or never checked
                _undecodable(item, runner.settings)
                if item.done:
                    return False  # undecodable now: a parse failure to report
                continue
        if "summary" not in seen:
            return False
        runner.run([item])
        if item.summary != seen["summary"]:
            return False
    return True


def _read(source: SourceFile, settings: Settings) -> tuple[bytes, int, snapshot.Stat] | FileSummary:
    try:
        found = source.path.stat()
        size = found.st_size
        with source.path.open("rb") as handle:
            data = handle.read(SIZE_SNIFF_BYTES if size > settings.max_file_size else -1)
    except OSError as exc:
        return FileSummary(
            source.rel,
            source.language,
            (
                ParseFailure(
                    evidence=Evidence(location=Location(source.rel, 1, 1)),
                    reader="text",
                    message=f"cannot read file: {exc.strerror or exc}",
                ),
            ),
        )
    return data, size, snapshot.as_stat(found)


def _scan(item: _File) -> FileScan:
    """A file read by the main process (the workers scan what they read: `_load_many`)."""
    assert item.data is not None
    return _scan_bytes(item.source.rel, item.data)


def _content(
    item: _File, settings: Settings, cache: Cache | None = None
) -> tuple[bytes, int, bool] | FileSummary:
    """The item's bytes and size, read again if a worker read them (a failure to read them
    now, as a summary); and whether they are the bytes its key (if any) was made from."""
    if item.data is not None:
        return item.data, item.size, True
    again = _load(item.source, settings, cache, None)
    if isinstance(again, FileSummary):
        return again
    assert again.data is not None
    return again.data, again.size, again.key == item.key


_Loaded = tuple[
    int, int, "snapshot.Stat | None", "str | None", "FileScan | None", "TextFailure | None"
]
"""What a worker found in a file it read: (size, bytes read, stat, cache key, scan (Python
within the size limit), its decoding failure or None (with a scan))."""


def _load_many(sources: Sequence[SourceFile]) -> list[_Loaded | FileSummary]:
    """Read, key, scan and decode files in a worker (`_Runner.loaded`)."""
    assert _SETTINGS is not None
    found: list[_Loaded | FileSummary] = []
    for source in sources:
        item = _load(source, _SETTINGS, _CACHE, None)
        if isinstance(item, FileSummary):
            found.append(item)
            continue
        assert item.data is not None
        scan = failure = None
        if source.language == "python" and item.size <= _SETTINGS.max_file_size:
            scan = _scan_bytes(source.rel, item.data)
            failure = decoding_failure(item.data)
        found.append((item.size, len(item.data), item.stat, item.key, scan, failure))
    return found


def _scan_bytes(rel: str, data: bytes) -> FileScan:
    from advisor.paths import module_name
    from advisor.prefilter import scan

    module = module_name(rel)
    package = module if rel.endswith("__init__.py") else None
    return scan(module, data, package=package)


def _scan_many(tasks: Sequence[tuple[str, bytes]]) -> list[FileScan]:
    return [_scan_bytes(rel, data) for rel, data in tasks]


def _undecodable(item: _File, settings: Settings) -> None:
    """A skipped file is still decoded (cheap): bytes that are not text are reported."""
    if "decoded" in item.cached:
        failure = item.cached["decoded"]
    else:
        content = _content(item, settings)
        failure = decoding_failure(content[0]) if not isinstance(content, FileSummary) else None
        item.cached["decoded"] = failure
        item.cached["dirty"] = True
    if failure is not None:
        rel = item.source.rel
        fact = ParseFailure(
            evidence=Evidence(location=Location(rel, failure.line, failure.column)),
            reader="python",
            message=failure.message,
        )
        item.summary = FileSummary(rel, "python", (fact,))
        item.done = True


_SETTINGS: Settings | None = None
_CACHE: Cache | None = None


def _initialize(settings: Settings, cache: Path | None) -> None:
    global _SETTINGS, _CACHE
    _SETTINGS = settings
    _CACHE = Cache(cache) if cache is not None else None
    collector.worker_started()


class _Pickled:
    """A value pickled once for two uses: a worker's cache entry, and its answer to the main
    process. Unpickled, it is the value again. (Each summary was pickled twice: 1 s of the
    workers' time on litellm.)"""

    __slots__ = ("data",)

    def __init__(self, value: object) -> None:
        self.data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def __reduce__(self) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
        return pickle.loads, (self.data,)


_Task = tuple[SourceFile, "bytes | None", int, "str | None", "dict[str, Any] | None"]
"""(file, bytes (None: read them again), size, cache key, what its entry holds besides the
summary (None: write no entry))"""
_Outcome = tuple[str, "FileSummary | str | _Pickled | None", bool, bool]
"""(`ok` or `error`, the summary (pickled once it was for the cache entry) or the error,
whether the worker wrote the cache entry, whether the file changed since it was first read)"""


def _work_many(tasks: Sequence[_Task]) -> list[_Outcome]:
    return [_work(task) for task in tasks]


def _work(task: _Task) -> _Outcome:
    """Summarize one file in a worker, and write its cache entry (in parallel, and while the
    run goes on: creating a file costs a millisecond here); an exception comes back as text
    naming the file."""
    source, data, size, key, held = task
    assert _SETTINGS is not None
    item = _File(source, data, size, key=key)
    content = _content(item, _SETTINGS, _CACHE)
    if isinstance(content, FileSummary):
        return "ok", content, False, True  # gone since it was first read
    data, size, same = content
    status, summary = _attempt(source.rel, source.language, data, size, _SETTINGS)
    if status == "error":
        return status, summary, False, not same
    assert not isinstance(summary, str)
    if not same or held is None or key is None or _CACHE is None or _empty(summary):
        return "ok", summary, False, not same  # an empty summary goes to the scan pack
    shared = _Pickled(summary)
    _CACHE.put(Entry(key, {**held, "summary": shared}, _dependencies(summary, _SETTINGS)))
    return "ok", shared, True, False


def _attempt(
    rel: str, language: str, data: bytes, size: int, settings: Settings
) -> tuple[str, FileSummary | str | None]:
    """(`ok`, the summary), or (`error`, text naming the file) when a detector raised."""
    try:
        return "ok", _summarize(rel, language, data, size, settings)
    except Exception as exc:
        return "error", f"while analysing {rel}: {type(exc).__name__}: {exc}"


def _dependencies(
    summary: FileSummary | None, settings: Settings
) -> tuple[tuple[str, str | None], ...]:
    if isinstance(summary, FileSummary) and summary.dependencies:
        return dependency_digests(summary.dependencies, settings)
    return ()


def _summarize(
    rel: str, language: str, data: bytes, size: int, settings: Settings
) -> FileSummary | None:
    from advisor.facts import summarize

    with collector.summarizing():
        return summarize(rel, language, data, settings, size=size, read=_reader(settings))


def _reader(settings: Settings) -> Callable[[str], bytes | None]:
    """The root-confined reader of advisor/facts/spec/documents.py, imported when first
    used: a run served from a snapshot seldom needs it, and the import costs a tenth of it."""
    loaded: Callable[[str], bytes | None] | None = None

    def read(path: str) -> bytes | None:
        nonlocal loaded
        if loaded is None:
            from advisor.facts.spec.documents import disk_reader

            loaded = disk_reader(settings.root, settings.max_file_size)
        return loaded(path)

    return read


class _Work:
    """The runner as the pre-filter's `Work`: Python files by path; the other files (specs,
    manifests) go with the first ones started (unless `alone`)."""

    def __init__(self, runner: _Runner, by_path: Mapping[str, _File], others: list[_File]) -> None:
        self.runner = runner
        self.by_path = by_path
        self.others = others

    def start(self, paths: Sequence[str], *, alone: bool = False) -> None:
        items = [self.by_path[p] for p in paths]
        if alone:
            self.runner.start(items)
            return
        self.runner.start([*self.others, *items])
        self.others.clear()

    def finished(self) -> dict[str, FileSummary | None]:
        return {
            item.source.rel: item.summary
            for item in self.runner.finished()
            if item.source.rel in self.by_path
        }


class _Progress:
    """Counts files once each (a file is scanned, then maybe parsed) for a progress display."""

    def __init__(self, report: Callable[[int, int], None] | None, total: int) -> None:
        self.report = report
        self.total = total
        self.done: set[str] = set()

    def seen(self, rel: str) -> None:
        if self.report is not None and rel not in self.done:
            self.done.add(rel)
            self.report(len(self.done), self.total)


class _Runner:
    def __init__(
        self, settings: Settings, jobs: int, cache: Cache | None, progress: _Progress
    ) -> None:
        self.settings = settings
        self.jobs = jobs
        self.cache = cache
        self.progress = progress
        self.pool: Executor | None = None
        self._running: dict[Future[list[_Outcome]], list[_File]] = {}
        self._ready: list[_File] = []
        self._in_flight: set[int] = set()
        self._completed: queue.SimpleQueue[Future[list[_Outcome]]] = queue.SimpleQueue()
        """Futures of `_running` as they complete (put there by the pool's thread)."""
        self.parsed = 0
        self._pack: dict[str, dict[str, Any]] | None = None
        self._packed: frozenset[str] = frozenset()
        """The keys the scan pack held when it was read."""

    def run(self, items: Iterable[_File]) -> None:
        """Summarizes the items (those not done yet) before it returns."""
        self.start(items)
        while self._running or self._ready:
            self.finished()

    def start(self, items: Iterable[_File]) -> None:
        """Begins summarizing the items not done yet: in the worker processes (once there is
        enough to parse, or the pool runs already), else here and now. `finished` hands them
        back."""
        todo = []
        for item in items:
            if id(item) in self._in_flight:
                continue
            if item.done:
                self._ready.append(item)
                continue
            if "summary" in item.cached:  # the cache has it; used only when this run needs it
                item.summary = item.cached["summary"]
                item.done = True
                self.progress.seen(item.source.rel)
                self._ready.append(item)
                continue
            todo.append(item)
        if not todo:
            return
        self.parsed += len(todo)
        work = sum(min(item.size, item.volume) for item in todo)
        if self.jobs > 1 and (
            self.pool is not None or (len(todo) > 1 and work >= PARALLEL_MIN_BYTES)
        ):
            pool = self._pool()
            # Largest first, so that no worker is left with a big file at the end.
            for chunk in _tasks(sorted(todo, key=lambda i: -i.volume)):
                tasks = [self._task(i) for i in chunk]
                future = pool.submit(_work_many, tasks)
                self._running[future] = chunk
                self._in_flight.update(id(i) for i in chunk)
                future.add_done_callback(self._completed.put)
            return
        for item in todo:
            source = item.source
            content = _content(item, self.settings, self.cache)
            if isinstance(content, FileSummary):
                self._store(item, "ok", content, changed=True)  # gone since it was first read
            else:
                data, size, same = content
                status, value = _attempt(source.rel, source.language, data, size, self.settings)
                self._store(item, status, value, changed=not same)
            self._ready.append(item)

    def finished(self) -> list[_File]:
        """Started items whose summaries are in, each once; waits for one if none is."""
        if not self._ready and self._running:
            # `concurrent.futures.wait` locks every pending future on each call: with a
            # thousand of them in flight that was seconds of a large run.
            completed = [self._completed.get()]
            while not self._completed.empty():
                completed.append(self._completed.get())
            for future in completed:
                chunk = self._running.pop(future)
                self._in_flight.difference_update(id(i) for i in chunk)
                for item, outcome in zip(chunk, future.result(), strict=True):
                    status, result, stored, changed = outcome
                    assert not isinstance(result, _Pickled)  # unpickled on its way here
                    self._store(item, status, result, stored, changed)
                    self._ready.append(item)
        found, self._ready = self._ready, []
        return found

    def scanned(self, items: Sequence[_File]) -> Iterator[_File]:
        """The items, in order, each once its scan is known (from the cache, or made now): in
        the workers when there is a lot to scan, a few chunks ahead of what is handed back, so
        that what the caller starts meanwhile is not queued behind the whole scan."""
        todo = [i for i in items if i.scan is None and i.size <= self.settings.max_file_size]
        for item in todo:
            item.cached["dirty"] = True
        volume = sum(i.volume for i in todo)
        if self.jobs <= 1 or volume < PARALLEL_SCAN_MIN_BYTES:
            for item in items:
                if item.scan is None and item.size <= self.settings.max_file_size:
                    item.scan = _scan(item)
                yield item
            return
        pool = self._pool()
        chunks: list[list[_File]] = [[]]
        filled = 0
        for item in todo:
            if filled >= SCAN_CHUNK_BYTES:
                chunks.append([])
                filled = 0
            chunks[-1].append(item)
            filled += item.volume
        ahead = 2 * self.jobs
        futures: deque[Future[list[FileScan]]] = deque()

        def submit(index: int) -> None:
            if index < len(chunks):
                tasks = [(i.source.rel, i.data) for i in chunks[index] if i.data is not None]
                assert len(tasks) == len(chunks[index])  # read here (`loaded` scans its own)
                futures.append(pool.submit(_scan_many, tasks))

        for first in range(ahead):
            submit(first)
        chunk_of = {id(item): index for index, chunk in enumerate(chunks) for item in chunk}
        resolved = 0
        for item in items:
            wanted = chunk_of.get(id(item))
            while wanted is not None and resolved <= wanted:
                for scanned, found in zip(
                    chunks[resolved], futures.popleft().result(), strict=True
                ):
                    scanned.scan = found
                submit(resolved + ahead)
                resolved += 1
            yield item

    def _task(self, item: _File) -> _Task:
        held = None
        if self.cache is not None and item.key is not None:
            held = {k: v for k, v in item.cached.items() if k not in ("summary", "dirty")}
            if item.scan is not None:
                held["scan"] = item.scan
        return item.source, item.data, item.size, item.key, held

    def _store(
        self,
        item: _File,
        status: str,
        value: FileSummary | str | None,
        stored: bool = False,
        changed: bool = False,
    ) -> None:
        """`stored`: the worker wrote the item's cache entry, as `save` would have; `changed`:
        the bytes summarized are not those first read (the file changed during the run), so
        neither the cache nor the snapshot keeps anything of it."""
        self.progress.seen(item.source.rel)
        if status == "error":
            assert isinstance(value, str)
            raise InternalError(value)
        assert not isinstance(value, str)
        item.summary = value
        item.done = True
        if changed:
            item.key = item.stat = None
            item.cached = {}
            return
        item.cached["summary"] = value
        if stored and item.scan is not None:
            item.cached["scan"] = item.scan
        item.cached["dirty"] = not stored

    def loaded(
        self,
        sources: Sequence[SourceFile],
        read: Callable[[str], bytes | None],
        meanwhile: Callable[[], None] | None = None,
    ) -> Iterator[tuple[SourceFile, _File | FileSummary]]:
        """Each source read in the worker processes (`_load_many`), in order, with what the
        cache holds for it: its bytes are not kept. Every chunk is queued at once, ahead of
        whatever the caller starts meanwhile: the files that trigger can wait for the end of
        the reading (the workers are busy with it), but what comes next depends on knowing
        every file's imports, and the workers idled while the last chunks waited their turn.
        `meanwhile` runs once they are queued, while the workers read."""
        pool = self._pool()
        futures = [
            (chunk, pool.submit(_load_many, chunk))
            for chunk in (
                sources[begin : begin + READ_CHUNK_FILES]
                for begin in range(0, len(sources), READ_CHUNK_FILES)
            )
        ]
        if meanwhile is not None:
            meanwhile()
        for chunk, future in futures:
            found = future.result()
            for source, loaded in zip(chunk, found, strict=True):
                if isinstance(loaded, FileSummary):
                    yield source, loaded
                    continue
                size, length, stat, key, scan, failure = loaded
                item = _File(source, None, size, stat, key, length=length)
                self.recall(item, read)
                if scan is not None:
                    if item.scan is None:
                        item.scan = scan
                        item.cached["dirty"] = True
                    item.cached.setdefault("decoded", failure)
                yield source, item

    def recall(self, item: _File, read: Callable[[str], bytes | None]) -> None:
        """What the cache holds for the item (its scan, its summary, its decoding), if
        anything and not known yet."""
        if self.cache is None or item.cached or item.key is None:
            return
        found = self.entry(item.key, read)
        if found is not None:
            item.cached = found
            item.scan = found.get("scan")

    def _pool(self) -> Executor:
        if self.pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=context,
                initializer=_initialize,
                initargs=(self.settings, self.cache.folder if self.cache is not None else None),
            )
        return self.pool

    def entry(self, key: str, read: Callable[[str], bytes | None]) -> dict[str, Any] | None:
        """What the cache holds for a file (its scan, summary, decoding): from the scan pack,
        else from the file's own entry."""
        if self.cache is None:
            return None
        if key in self._scan_pack():
            return dict(self._scan_pack()[key])
        found = self.cache.get(key, read)
        return found.value if found is not None and isinstance(found.value, dict) else None

    def _scan_pack(self) -> dict[str, dict[str, Any]]:
        if self._pack is None:
            assert self.cache is not None
            found = self.cache.get(_pack_key(), lambda _: None)  # it depends on no other file
            value = found.value if found is not None else None
            self._pack = value if isinstance(value, dict) else {}
            self._packed = frozenset(self._pack)
        return self._pack

    def save(self, files: Sequence[_File], *, changed_only: bool = False) -> None:
        """Files with a summary get an entry each; the others (most files of most projects:
        the pre-filter skipped them, or they are data files with nothing to say) share one,
        the scan pack, rewritten when it changes: creating a file costs about a millisecond
        here, more than scanning one. `changed_only`: `files` are the few files that changed
        in a run served from the snapshot; each gets an entry of its own, and the pack (a
        tenth of such a run to read and write again) is left as it is until the next full
        save, which takes them in."""
        if self.cache is None:
            return
        if changed_only:
            self._save_entries(files)
            return
        current = {item.key for item in files if item.key}
        pack = {key: value for key, value in (self._pack or {}).items() if key in current}
        changed = False
        for item in files:
            if item.key is None or not item.cached:
                continue
            dirty = item.cached.pop("dirty", False)
            if item.scan is not None:
                item.cached["scan"] = item.scan
            if "summary" not in item.cached or _empty(item.cached["summary"]):
                if dirty or item.key not in pack:
                    pack[item.key] = dict(item.cached)
                    changed = True
                continue
            pack.pop(item.key, None)
            if dirty:
                self._put(item)
        if changed or frozenset(pack) != self._packed:
            self.cache.put(Entry(_pack_key(), pack))

    def _save_entries(self, files: Sequence[_File]) -> None:
        """An entry of its own for each file scanned or summarized and not saved yet."""
        assert self.cache is not None
        for item in files:
            if item.key is None or not item.cached.pop("dirty", False):
                continue
            if item.scan is not None:
                item.cached["scan"] = item.scan
            self._put(item)

    def _put(self, item: _File) -> None:
        """The item's own entry: what the cache holds for it, with what its summary read."""
        assert self.cache is not None and item.key is not None
        dependencies = _dependencies(item.cached.get("summary"), self.settings)
        self.cache.put(Entry(item.key, dict(item.cached), dependencies))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)  # none left, unless the run was cut short
            self.pool = None


def _tasks(ordered: Sequence[_File]) -> Iterator[list[_File]]:
    """The files in order, grouped into tasks of about TASK_BYTES (at most TASK_FILES)."""
    chunk: list[_File] = []
    filled = 0
    for item in ordered:
        chunk.append(item)
        filled += item.volume
        if filled >= TASK_BYTES or len(chunk) >= TASK_FILES:
            yield chunk
            chunk, filled = [], 0
    if chunk:
        yield chunk


def _empty(summary: FileSummary | None) -> bool:
    """A summary with nothing in it (a data file that is not a spec, a manifest without the
    packages the advisor knows): kept in the scan pack, like the scans of skipped files."""
    return summary is None or summary == FileSummary(summary.path, summary.language, ())


def _pack_key() -> str:
    return digest(f"scan-pack\0{fingerprint()}".encode())


def dependency_digests(
    paths: Iterable[str], settings: Settings
) -> tuple[tuple[str, str | None], ...]:
    """(path, digest of its bytes, None when unreadable) of files a summary was computed from."""
    read = _reader(settings)
    found = []
    for path in paths:
        try:
            data = read(path)
        except OSError:
            data = None
        found.append((path, digest(data) if data is not None else None))
    return tuple(found)
