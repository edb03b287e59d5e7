"""The tooling is part of the suite: lint, format and types are enforced by CI through pytest."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPO


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_ruff_check() -> None:
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_ruff_format() -> None:
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    main_command = (
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/advisor check examples/"
    )
    assert f"```sh\n{test_command}\n```" in readme
    assert f"```sh\n{main_command}\n```" in readme
    assert [
        line
        for line in ci.splitlines()
        if line and not line.startswith("#") and not line.startswith("set ")
    ][-1] == test_command
