"""The pre-commit hook, run by the real `pre-commit try-repo` against this repository.

pre-commit builds the hook's environment from the repository itself (`pip install .` into a
fresh virtualenv): everything it needs comes from the package index, nothing else. The hook
source is a committed copy of this work tree, so uncommitted changes are tested too (try-repo
only picks up changes to files git already tracks). One PRE_COMMIT_HOME serves every test here,
so the environment is built once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from support import REPO

pytestmark = pytest.mark.slow

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "advisor tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "advisor tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env |= GIT_IDENTITY
    env |= {
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",  # no background download of seed wheels
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


ROUTES = """
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    from streams import tokens

    app = FastAPI()


    @app.post("/chat")
    async def chat(prompt: str):
        return StreamingResponse(tokens(prompt), media_type="text/event-stream"{headers})
    """
STREAMS = """
    async def tokens(prompt):
        yield f"data: {prompt}\\n\\n"
    """
PROJECTS = {
    "clean": {
        "app/routes.py": ROUTES.replace(
            "{headers}", ', headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}'
        ),
        "app/streams.py": STREAMS,
    },
    "bad": {"app/routes.py": ROUTES.replace("{headers}", ""), "app/streams.py": STREAMS},
}


@pytest.fixture(scope="module")
def try_repo(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """`pre-commit try-repo <this repository> advisor --all-files` in a clean and a bad project.

    try-repo builds the hook's environment in a throw-away store each time (about 20 s of
    `pip install`), so the two runs go side by side."""
    if not PRE_COMMIT.exists():
        pytest.fail(f"pre-commit is a test dependency; not found at {PRE_COMMIT}")
    base = tmp_path_factory.mktemp("pre-commit")
    env = _env(base / "home")
    source = base / "hook-source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    _git(source, env, "init", "-q")
    _git(source, env, "add", "-A")
    _git(source, env, "commit", "-q", "-m", "hook source")
    running = {}
    for name, files in PROJECTS.items():
        target = _project(base / name, env, files)
        running[name] = subprocess.Popen(
            [str(PRE_COMMIT), "try-repo", str(source), "advisor", "--all-files"],
            cwd=target,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    done = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=900)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


def _project(root: Path, env: dict[str, str], files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    _git(root, env, "init", "-q")
    _git(root, env, "add", "-A")
    return root


def test_hook_manifest_declares_a_whole_project_hook() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "advisor"
    assert hook["language"] == "python"
    assert hook["entry"] == "advisor check"
    # Cross-file facts need the whole project: see README, "pre-commit".
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    files = re.compile(hook["files"])
    for name in (
        "app/main.py",
        "openapi.yaml",
        "api/spec.yml",
        "openapi.json",
        "pyproject.toml",
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements/base.txt",
    ):
        assert files.search(name), name
    for name in ("README.md", "Makefile", "notes.txt", "image.png"):
        assert not files.search(name), name


def test_try_repo_passes_on_clean_code(
    try_repo: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = try_repo["clean"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^endpoint-advisor\.+Passed$", result.stdout, re.M), result.stdout


def test_try_repo_fails_with_the_findings_on_bad_code(
    try_repo: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = try_repo["bad"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^endpoint-advisor\.+Failed$", result.stdout, re.M), result.stdout
    assert "app/routes.py:11:12: ADV201 SSE response without `cache-control`" in result.stdout
    assert "Found 1 finding (1 warning) in 2 files." in result.stdout
