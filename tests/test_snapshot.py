"""The project snapshot (advisor/snapshot.py): a run's outcome is served again exactly when no
input of the cross-file stage changed, and the output is always what a cold run gives."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from support import SSE_SPEC_FILES

import advisor.engine
from advisor.config import load_settings
from advisor.engine import Result, analyze
from advisor.reporters import RenderOptions
from advisor.reporters import json as json_reporter

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
