"""Worker processes and the per-file cache never change the output."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from support import SSE_SPEC_FILES

import advisor.runner
from advisor.cache import CACHE_DIR
from advisor.engine import analyze
from advisor.reporters import RenderOptions
from advisor.reporters import json as json_reporter

Project = Callable[[Mapping[str, str | bytes]], Path]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _render(paths: list[Path], **options: object) -> str:
    return json_reporter.render(analyze(paths, **options), RenderOptions())  # type: ignore[arg-type]


def test_output_is_byte_identical_for_any_job_count(
    monkeypatch: pytest.MonkeyPatch, project: Project
) -> None:
    monkeypatch.setattr(advisor.runner, "PARALLEL_MIN_BYTES", 0)  # workers even for a few files
    one = _render([EXAMPLES], jobs=1, cache=False)
    assert _render([EXAMPLES], jobs=2, cache=False) == one
    assert _render([EXAMPLES], jobs=3, cache=False) == one
    # scanned in the workers too, one file per task, a few tasks ahead of the analysis
    monkeypatch.setattr(advisor.runner, "PARALLEL_SCAN_MIN_BYTES", 0)
    monkeypatch.setattr(advisor.runner, "SCAN_CHUNK_BYTES", 1)
    assert _render([EXAMPLES], jobs=2, cache=False) == one
    # read, scanned and decoded in the workers too (a large tree with no snapshot)
    monkeypatch.setattr(advisor.runner, "READ_IN_WORKERS_FILES", 0)
    monkeypatch.setattr(advisor.runner, "READ_CHUNK_FILES", 1)
    assert _render([EXAMPLES], jobs=2, cache=False) == one
    root = _sse_project(project)
    cold = _render([root], jobs=1, cache=False)
    assert _render([root], jobs=2) == cold
    assert _render([root], jobs=1) == cold  # with the scans the workers made, cached


def _sse_project(project: Project) -> Path:
    return project(
        {
            "app/main.py": (
                "from fastapi import FastAPI\nfrom fastapi.responses import StreamingResponse\n\n"
                "app = FastAPI()\n\n\n@app.get('/events')\ndef events():\n"
                "    return StreamingResponse(iter(['data: x\\n\\n']), media_type='text/event-stream')\n"
            ),
            **SSE_SPEC_FILES,
            "tools/other.py": "import os\n",
        }
    )


def test_warm_runs_match_cold_runs_and_read_the_cache(project: Project) -> None:
    root = _sse_project(project)
    cold = _render([root], jobs=1, cache=False)
    assert _render([root], jobs=1) == cold  # fills the cache
    cache = root / CACHE_DIR
    assert (cache / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    entries = list((cache / "1").rglob("*"))
    assert [e for e in entries if e.is_file()]
    assert _render([root], jobs=1) == cold  # served from the cache


def test_a_changed_file_is_read_again(project: Project) -> None:
    root = _sse_project(project)
    _render([root], jobs=1)
    main = root / "app/main.py"
    main.write_text(main.read_text(encoding="utf-8").replace("text/event-stream", "text/plain"))
    assert _render([root], jobs=1) == _render([root], jobs=1, cache=False)


def test_a_spec_is_read_again_when_a_file_it_references_changes(project: Project) -> None:
    root = _sse_project(project)
    _render([root], jobs=1)
    (root / "spec/parts.yaml").write_text("Other: {type: string}\n", encoding="utf-8")
    warm = analyze([root], jobs=1)
    assert warm.findings == analyze([root], jobs=1, cache=False).findings
    assert "ADV002" in {f.code for f in warm.findings}  # the reference no longer resolves


def test_corrupt_entries_are_ignored_and_rebuilt(project: Project) -> None:
    root = _sse_project(project)
    cold = _render([root], jobs=1, cache=False)
    _render([root], jobs=1)
    for entry in (root / CACHE_DIR / "1").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"\x80garbage")
    assert _render([root], jobs=1) == cold
    assert _render([root], jobs=1) == cold


def test_no_cache_leaves_no_folder(project: Project) -> None:
    root = _sse_project(project)
    _render([root], jobs=1, cache=False)
    assert not (root / CACHE_DIR).exists()


def test_skipped_files_share_one_cache_entry(project: Project) -> None:
    """Files the pre-filter skips keep their scans in one entry, not one file each, and so do
    data files with nothing to say."""
    files: dict[str, str | bytes] = {f"lib/m{i}.py": f"X = {i}\n" for i in range(40)}
    files.update({f"config/c{i}.json": f'{{"size": {i}}}' for i in range(20)})
    files["app.py"] = "import openai\n\nclient = openai.OpenAI()\n"
    root = project(files)
    assert _render([root], jobs=1) == _render([root], jobs=1, cache=False)
    entries = [e for e in (root / CACHE_DIR / "1").rglob("*") if e.is_file()]
    assert len(entries) == 4  # app.py, the scan pack, the project snapshot, the rule catalog
    # More files change than a snapshot compares one by one: the normal path reads the pack.
    for i in range(40):
        (root / f"lib/m{i}.py").write_text(f"X = {i + 1}\n", encoding="utf-8")
    (root / "lib/m7.py").write_text("from openai import OpenAI\n\nc = OpenAI()\n", "utf-8")
    assert _render([root], jobs=1) == _render([root], jobs=1, cache=False)
    assert _render([root], jobs=1) == _render([root], jobs=1, cache=False)


def test_entries_written_by_workers_are_served(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers write the entries of the files they summarize; a later run reads them (without
    # the project snapshot, which would serve it whole), and a spec's entry still depends on
    # the files it references.
    from advisor.config import load_settings
    from advisor.discover import discover
    from advisor.runner import summarize_sources

    monkeypatch.setattr(advisor.runner, "PARALLEL_MIN_BYTES", 0)
    root = _sse_project(project)
    settings = load_settings([root])
    sources = discover([root], settings)
    cold = summarize_sources(sources, settings, jobs=2)
    assert cold.parsed >= 2
    warm = summarize_sources(sources, settings, jobs=2)
    assert (warm.parsed, warm.summaries) == (0, cold.summaries)
    (root / "spec/parts.yaml").write_text("Other: {type: string}\n", encoding="utf-8")
    changed = summarize_sources(sources, settings, jobs=2)
    assert changed.parsed == 2  # parts.yaml itself, and the spec whose entry depends on it
    assert changed.summaries != cold.summaries


def test_files_read_in_the_workers_are_served_from_their_entries(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large tree with no snapshot is read in the workers; the main process keeps no bytes,
    and what the workers found is cached like what it reads itself."""
    from advisor.config import load_settings
    from advisor.discover import discover
    from advisor.runner import summarize_sources

    monkeypatch.setattr(advisor.runner, "READ_IN_WORKERS_FILES", 0)
    monkeypatch.setattr(advisor.runner, "READ_CHUNK_FILES", 1)
    monkeypatch.setattr(advisor.runner, "PARALLEL_MIN_BYTES", 0)
    root = _sse_project(project)
    settings = load_settings([root])
    sources = discover([root], settings)
    reference = summarize_sources(sources, settings, jobs=1, use_cache=False)
    cold = summarize_sources(sources, settings, jobs=2)
    assert (cold.summaries, cold.skipped) == (reference.summaries, reference.skipped)
    assert cold.parsed >= 2 and cold.keys is not None and len(cold.keys) == len(sources)
    warm = summarize_sources(sources, settings, jobs=2)
    assert (warm.parsed, warm.summaries, warm.keys) == (0, cold.summaries, cold.keys)


def test_meanwhile_runs_once_whichever_way_the_files_are_read(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine builds the catalog in `meanwhile`: once whether the files are read in the
    main process or in the workers, or the run is served from the snapshot."""
    import advisor.engine

    built: list[object] = []
    build = advisor.engine.catalog_for

    def catalog_for(*args: Any, **options: Any) -> Any:
        built.append(build(*args, **options))
        return built[-1]

    monkeypatch.setattr(advisor.engine, "catalog_for", catalog_for)
    root = _sse_project(project)
    cold = _render([root], jobs=1)
    assert len(built) == 1
    assert _render([root], jobs=1) == cold and len(built) == 2  # served from the snapshot
    monkeypatch.setattr(advisor.runner, "READ_IN_WORKERS_FILES", 0)
    assert _render([root], jobs=2, cache=False) == cold and len(built) == 3


def test_a_file_changed_after_it_was_read_is_analysed_as_it_is_and_not_cached(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever parses a file a worker read reads it again: if the bytes are no longer those
    its key was made from, the summary is of the new bytes, and nothing of it is kept."""
    from advisor.cache import Cache
    from advisor.config import load_settings
    from advisor.discover import discover
    from advisor.runner import _File, _load, _Progress, _Runner

    root = _sse_project(project)
    settings = load_settings([root])
    (source,) = [s for s in discover([root], settings) if s.rel == "app/main.py"]
    cache = Cache.open(root)
    assert cache is not None
    first = _load(source, settings, cache, None)
    assert isinstance(first, _File) and first.key is not None
    main = root / "app/main.py"
    main.write_text(main.read_text(encoding="utf-8").replace("text/event-stream", "text/plain"))

    def read_by_worker() -> _File:
        return _File(source, None, first.size, first.stat, first.key, length=first.size)

    # in a worker
    monkeypatch.setattr(advisor.runner, "_SETTINGS", settings)
    monkeypatch.setattr(advisor.runner, "_CACHE", cache)
    status, summary, stored, changed = _from_worker((source, None, first.size, first.key, {}))
    assert (status, stored, changed) == ("ok", False, True)
    assert summary is not None and "text/plain" in repr(summary)
    assert "text/event-stream" not in repr(summary)
    # in the main process
    runner = _Runner(settings, 1, cache, _Progress(None, 1))
    item = read_by_worker()
    runner.run([item])
    assert item.summary == summary and item.key is None and item.stat is None
    runner.save([item])
    assert cache.get(first.key, lambda _: None) is None
    # unchanged bytes are summarized and kept as usual
    again = _load(source, settings, cache, None)
    assert isinstance(again, _File)
    status, summary, stored, changed = _from_worker((source, None, again.size, again.key, {}))
    assert (status, stored, changed) == ("ok", True, False)
    entry = cache.get(again.key or "", lambda _: None)
    assert entry is not None and entry.value["summary"] == summary
    assert "text/plain" in repr(summary)


def _from_worker(task: tuple[Any, ...]) -> tuple[Any, ...]:
    """A worker's answer as the main process gets it: pickled, then unpickled."""
    from advisor.runner import _work

    return tuple(pickle.loads(pickle.dumps(_work(task))))  # type: ignore[arg-type]


def test_parsing_tasks_group_small_files_and_leave_large_ones_alone() -> None:
    """A task's round trip costs about a millisecond: small files go together (up to
    TASK_BYTES, and TASK_FILES), a large file is a task of its own, and the order (largest
    first) is kept, so that no worker is left with a big file at the end."""
    from advisor.discover import SourceFile
    from advisor.runner import TASK_BYTES, TASK_FILES, _File, _tasks

    def files(*sizes: int) -> list[_File]:
        return [
            _File(SourceFile(Path(f"/p/m{i}.py"), f"m{i}.py", "python"), None, n, length=n)
            for i, n in enumerate(sizes)
        ]

    big, small = 4 * TASK_BYTES, TASK_BYTES // 8
    ordered = files(big, big, *[small] * 20, *[10] * 40)
    chunks = list(_tasks(ordered))
    assert [f for chunk in chunks for f in chunk] == ordered
    assert [len(c) for c in chunks[:2]] == [1, 1]
    # 8 small files fill a task; the last 4 are joined by tiny ones up to the file limit
    assert [len(c) for c in chunks[2:5]] == [8, 8, TASK_FILES]
    assert all(len(c) <= TASK_FILES for c in chunks)
    assert all(sum(f.volume for f in c[:-1]) < TASK_BYTES for c in chunks)
    assert list(_tasks([])) == []
