"""The wheel carries the rule catalog: installed into a fresh venv, `advisor` works anywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from support import REPO


@pytest.mark.slow
def test_wheel_installs_and_runs_from_another_folder(tmp_path: Path) -> None:
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("endpoint_advisor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "advisor/rules/ADV201-sse-missing-no-buffer-headers.yaml" in names
    assert "advisor/schemas/rule.schema.json" in names
    assert "advisor/data/llm_sdks.yaml" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(REPO / "examples", elsewhere / "examples")
    advisor = env_dir / "bin" / "advisor"
    rules = subprocess.run([str(advisor), "rules"], cwd=elsewhere, capture_output=True, text=True)
    assert rules.returncode == 0, rules.stderr
    assert "ADV201  sse-missing-no-buffer-headers" in rules.stdout
    check = subprocess.run(
        [str(advisor), "check", "examples"], cwd=elsewhere, capture_output=True, text=True
    )
    assert check.returncode == 1, check.stderr
    # The installed command reports exactly what the source tree does (the pinned snapshot).
    snapshot = (REPO / "tests" / "snapshots" / "examples.txt").read_text(encoding="utf-8")
    assert check.stdout == snapshot
    module = subprocess.run(
        [str(python), "-m", "advisor", "rule", "ADV101"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert module.stdout.startswith("# ADV101 · stream-structured-output")


def test_python_m_advisor_works_from_the_source_tree() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "advisor", "rules"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "ADV001  parse-error" in result.stdout


def test_the_command_flushes_all_it_printed_and_exits_with_its_status(tmp_path: Path) -> None:
    """The command ends the process without the interpreter's teardown (advisor/cli.py
    `entry_point`): what it printed must all be out first, whatever its size, and the exit
    status must be the command's."""
    command = [sys.executable, "-m", "advisor", "check", "--no-cache", "examples"]
    report = subprocess.run([*command, "--format", "sarif"], cwd=REPO, capture_output=True)
    assert report.returncode == 1, report.stderr
    assert len(report.stdout) > 1 << 17  # more than a pipe holds
    assert json.loads(report.stdout)["runs"][0]["results"]
    text = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    snapshot = (REPO / "tests" / "snapshots" / "examples.txt").read_text(encoding="utf-8")
    assert (text.returncode, text.stdout) == (1, snapshot)
    version = subprocess.run([sys.executable, "-m", "advisor", "--version"], capture_output=True)
    assert version.returncode == 0 and version.stdout.startswith(b"advisor, version")
    # a reader that goes away early (`advisor check | head -1`): no traceback, no hang
    with subprocess.Popen(
        [*command, "--format", "sarif"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(1) == b"{"
        process.stdout.close()
        errors = process.stderr.read()
        process.wait(timeout=60)
    assert b"Traceback" not in errors and b"Exception ignored" not in errors, errors


def test_every_package_is_listed_for_the_wheel() -> None:
    import tomllib

    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "advisor").rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
