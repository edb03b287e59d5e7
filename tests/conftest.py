"""Fixtures: run the CLI in-process, write small projects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import Run, write_tree

from advisor.cli import main


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """`run_cli("check", "src", cwd=path)` -> exit status and captured output."""

    def run(*args: str, cwd: Path | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """A throw-away project folder (a `.git` marker makes it the project root)."""

    def make(files: Mapping[str, str | bytes]) -> Path:
        (tmp_path / ".git").mkdir(exist_ok=True)
        return write_tree(tmp_path, files)

    return make
