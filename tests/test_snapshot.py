"""The project snapshot (advisor/snapshot.py): a run's outcome is served again exactly when no
input of the cross-file stage changed, and the output is always what a cold run gives."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from support import SSE_SPEC_FILES

import advisor.engine
import advisor.runner
from advisor import snapshot
from advisor.config import load_settings
from advisor.discover import SourceFile
from advisor.engine import Result, analyze
from advisor.reporters import RenderOptions
from advisor.reporters import json as json_reporter
from advisor.settings import Settings

Project = Callable[[Mapping[str, str | bytes]], Path]
USER_RULES = Path(__file__).resolve().parent / "fixtures" / "user-rules"

MAIN = (
    "from fastapi import FastAPI\nfrom fastapi.responses import StreamingResponse\n"
    "from app.llm import ask\n\n"
    "app = FastAPI()\n\n\n@app.get('/events')\ndef events():\n"
    "    return StreamingResponse(iter(['data: x\\n\\n']), media_type='text/event-stream')\n\n\n"
    "@app.post('/ask')\ndef answer(q: str):\n    return {'answer': ask(q)}\n"
)
LLM = (
    "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
    "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
    "    return r.choices[0].message.content\n"
)


@pytest.fixture
def root(project: Project) -> Path:
    return project(
        {
            "app/main.py": MAIN,
            "app/llm.py": LLM,
            **SSE_SPEC_FILES,
            "tools/other.py": "import os\n",
        }
    )


class Conclusions:
    """Counts the runs whose cross-file stage ran (the others were served)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = advisor.engine._conclude

        def counting(*args: object, **kwargs: object) -> Result:
            self.count += 1
            return original(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(advisor.engine, "_conclude", counting)

    def after(self, run: Callable[[], object]) -> int:
        before = self.count
        run()
        return self.count - before


@pytest.fixture
def conclusions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Conclusions]:
    yield Conclusions(monkeypatch)


def _render(root: Path, **options: object) -> str:
    return json_reporter.render(analyze([root], jobs=1, **options), RenderOptions())  # type: ignore[arg-type]


def _cold(root: Path) -> str:
    return _render(root, cache=False)


def test_an_unchanged_project_is_served(root: Path, conclusions: Conclusions) -> None:
    cold = _cold(root)
    assert conclusions.after(lambda: _render(root)) == 1  # writes the snapshot
    warm: list[str] = []
    assert conclusions.after(lambda: warm.append(_render(root))) == 0
    assert warm == [cold]


def test_a_served_result_still_gives_its_summaries(root: Path) -> None:
    expected = analyze([root], jobs=1, cache=False).summaries
    analyze([root], jobs=1)
    served = analyze([root], jobs=1)
    assert served.summaries == expected
    assert {s.path for s in served.summaries} >= {"app/main.py", "app/llm.py", "spec/openapi.yaml"}


def test_an_edit_the_facts_do_not_see_is_served(root: Path, conclusions: Conclusions) -> None:
    _render(root)
    main = root / "app/main.py"
    main.write_text(MAIN + "# a comment at the end\n", encoding="utf-8")
    served: list[str] = []
    assert conclusions.after(lambda: served.append(_render(root))) == 0
    assert served == [_cold(root)]
    # the snapshot now records the new bytes: the next run is served without comparing
    assert conclusions.after(lambda: _render(root)) == 0


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("app/main.py", MAIN.replace("text/event-stream", "text/plain")),  # different facts
        ("app/llm.py", "\n" + LLM),  # every position moves
        ("tools/other.py", "import openai\n"),  # a skipped file now triggers the pre-filter
        ("tools/new.py", "print('hi')\n"),  # a file added
        ("spec/parts.yaml", "Other: {type: string}\n"),  # a file a spec references
    ],
)
def test_an_edit_that_can_matter_runs_the_cross_file_stage(
    root: Path, conclusions: Conclusions, path: str, text: str
) -> None:
    _render(root)
    (root / path).write_text(text, encoding="utf-8")
    found: list[str] = []
    assert conclusions.after(lambda: found.append(_render(root))) == 1
    assert found == [_cold(root)]


def test_a_removed_file_runs_the_cross_file_stage(root: Path, conclusions: Conclusions) -> None:
    _render(root)
    (root / "tools/other.py").unlink()
    found: list[str] = []
    assert conclusions.after(lambda: found.append(_render(root))) == 1
    assert found == [_cold(root)]


def test_other_settings_or_rules_are_another_context(root: Path, conclusions: Conclusions) -> None:
    _render(root)
    narrow = dataclasses.replace(load_settings([root], None), select=("ADV1",))
    assert conclusions.after(lambda: analyze([root], settings=narrow, jobs=1)) == 1
    assert conclusions.after(lambda: analyze([root], settings=narrow, jobs=1)) == 0

    (root / "policies").mkdir()
    shutil.copy(USER_RULES / "acme001.yaml", root / "policies" / "acme001.yaml")
    (root / "pyproject.toml").write_text('[tool.advisor]\nrule-dirs = ["policies"]\n', "utf-8")
    assert conclusions.after(lambda: _render(root)) == 1
    assert conclusions.after(lambda: _render(root)) == 0
    rule = root / "policies" / "acme001.yaml"
    rule.write_text(rule.read_text("utf-8").replace("severity: error", "severity: info"), "utf-8")
    found: list[str] = []
    assert conclusions.after(lambda: found.append(_render(root))) == 1
    assert found == [_cold(root)]
    assert '"severity": "info"' in found[0]


def test_no_snapshot_without_the_cache(root: Path, conclusions: Conclusions) -> None:
    assert conclusions.after(lambda: _render(root, cache=False)) == 1
    assert conclusions.after(lambda: _render(root, cache=False)) == 1


def test_files_compared_then_not_analysed_stay_out(project: Project) -> None:
    """A changed file is summarized to compare it with the snapshot's run; if another change
    then sends the run the normal way, that summary must not make it an analysed file."""
    root = project(
        {
            "a_script.py": "from b_llm import ask\n\nprint(ask('q'))\n",
            "b_llm.py": LLM,
        }
    )
    analyze([root], jobs=1)
    (root / "a_script.py").write_text("from b_llm import ask\n\nprint(ask('q'))  # why\n", "utf-8")
    (root / "b_llm.py").write_text("def ask(q):\n    return q\n", "utf-8")
    warm = analyze([root], jobs=1)
    cold = analyze([root], jobs=1, cache=False)
    assert [s.path for s in warm.summaries] == [s.path for s in cold.summaries] == []


class Reads:
    """Counts the files the per-file stage reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        original = advisor.runner._read

        def counting(source: SourceFile, settings: Settings) -> object:
            self.paths.append(source.rel)
            return original(source, settings)

        monkeypatch.setattr(advisor.runner, "_read", counting)

    def during(self, run: Callable[[], object]) -> list[str]:
        before = len(self.paths)
        run()
        return sorted(self.paths[before:])


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    # Files written by the test are seconds old at most: trusted from the moment a run starts.
    monkeypatch.setattr(snapshot, "RACY_NS", 0)
    return Reads(monkeypatch)


def test_files_whose_stat_is_unchanged_are_not_read(
    root: Path, conclusions: Conclusions, reads: Reads
) -> None:
    cold = _cold(root)
    assert len(reads.during(lambda: _render(root))) == 5  # the snapshot records every stat
    served: list[str] = []
    assert reads.during(lambda: served.append(_render(root))) == []
    assert served == [cold]
    assert conclusions.after(lambda: _render(root)) == 0


def test_a_file_whose_stat_changed_is_read_and_compared(
    root: Path, conclusions: Conclusions, reads: Reads
) -> None:
    _render(root)
    (root / "app/main.py").write_text(MAIN + "# a comment\n", encoding="utf-8")
    served: list[str] = []
    assert reads.during(lambda: served.append(_render(root))) == ["app/main.py"]
    assert served == [_cold(root)]
    assert reads.during(lambda: _render(root)) == []  # its new stat is recorded
    (root / "app/llm.py").write_text("\n" + LLM, encoding="utf-8")  # facts move
    summarized: list[str] = []
    original = advisor.runner._summarize

    def counting(rel: str, *args: Any) -> object:
        summarized.append(rel)
        return original(rel, *args)

    found: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(advisor.runner, "_summarize", counting)
        assert conclusions.after(lambda: found.append(_render(root))) == 1
    assert summarized == ["app/llm.py"]  # compared, then used by the normal path: once
    assert found == [_cold(root)]


def test_an_edit_that_keeps_size_and_modification_time_is_seen(
    root: Path, conclusions: Conclusions, reads: Reads
) -> None:
    """The size and the modification time stay, but the change time cannot be set back."""
    _render(root)
    main = root / "app/main.py"
    before = main.stat()
    main.write_text(MAIN.replace("/events", "/eventz"), encoding="utf-8")
    os.utime(main, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time moves still
    found: list[str] = []
    assert conclusions.after(lambda: found.append(_render(root))) == 1
    assert found == [_cold(root)]
    assert "/eventz" in found[0]


def test_files_modified_just_before_a_run_are_read_by_the_next(
    root: Path, conclusions: Conclusions
) -> None:
    """Their `stat` could stay the same through another edit within the file system's time
    resolution, so it vouches for nothing (`snapshot.RACY_NS`, as git's racy-clean check)."""
    recorded = Reads(pytest.MonkeyPatch())
    _render(root)
    assert len(recorded.during(lambda: _render(root))) == 5
    assert conclusions.after(lambda: _render(root)) == 0
