"""Dependency manifests: discovery by name, exact pins from each format, and broken files."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from advisor.config import load_settings
from advisor.discover import discover, language_of
from advisor.engine import analyze
from advisor.facts import summarize
from advisor.facts.spec.documents import memory_reader
from advisor.model import Dependency
from advisor.read.manifest import parse_requirement, read_manifest
from advisor.read.manifest_kinds import manifest_folder, manifest_kind
from advisor.settings import Settings

Project = Callable[[Mapping[str, str | bytes]], Path]
SETTINGS = Settings(root=Path("/nonexistent"))


def pins(path: str, text: str, others: Mapping[str, str] | None = None) -> list[tuple[str, ...]]:
    """(package, version, file:line, folder) of every pin, in order."""
    files = {k: v.encode() for k, v in (others or {}).items()}
    data = textwrap.dedent(text).lstrip("\n").encode()
    summary = summarize(path, "manifest", data, SETTINGS, read=memory_reader(files))
    if summary is None:
        return []
    return [
        (f.package, f.version, f"{f.evidence.location.path}:{f.evidence.location.line}", f.folder)
        for f in summary.facts
        if isinstance(f, Dependency)
    ]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("requirements.txt", "requirements"),
        ("svc/requirements-dev.txt", "requirements"),
        ("requirements/prod.txt", "requirements"),
        ("Requirements/Base.TXT", "requirements"),
        ("pyproject.toml", "pyproject"),
        ("poetry.lock", "poetry.lock"),
        ("a/uv.lock", "uv.lock"),
        ("Pipfile.lock", "Pipfile.lock"),
        ("pdm.lock", "pdm.lock"),
        ("notes.txt", None),
        ("requirements.in", None),
        ("docs/requirements.md", None),
        ("Pipfile", None),
        ("package-lock.json", None),
    ],
)
def test_manifests_are_recognised_by_name(path: str, kind: str | None) -> None:
    assert manifest_kind(path) == kind
    if kind is not None:
        assert language_of(Path(path)) == "manifest"


def test_discovery_finds_manifests(project: Project) -> None:
    root = project(
        {
            "app.py": "",
            "requirements.txt": "",
            "requirements/dev.txt": "",
            "svc/uv.lock": "",
            "notes.txt": "",
            ".venv/lib/requirements.txt": "",
        }
    )
    found = [(s.rel, s.language) for s in discover([root], load_settings([root]))]
    assert found == [
        ("app.py", "python"),
        ("requirements.txt", "manifest"),
        ("requirements/dev.txt", "manifest"),
        ("svc/uv.lock", "manifest"),
    ]


def test_manifest_folder() -> None:
    assert manifest_folder("requirements.txt") == ""
    assert manifest_folder("svc/requirements/base.txt") == "svc"
    assert manifest_folder("svc/api/uv.lock") == "svc/api"


def test_requirements_pins_only_exact_versions() -> None:
    found = pins(
        "requirements.txt",
        """
        # pinned by pip-compile
        fastapi==0.110.0  # via -r requirements.in
        Starlette[full] == 0.36.3 ; python_version >= "3.8" \\
            --hash=sha256:abc
        torch===2.1.0+cpu
        httpx>=0.27
        uvicorn~=0.29
        pydantic==2.*
        openai
        Flask_Compress==1.17
        foo @ https://example.com/foo-1.0.whl
        ${PKG}==1.0
        -e .
        --index-url https://pypi.org/simple
        """,
    )
    assert found == [
        ("fastapi", "0.110.0", "requirements.txt:2", ""),
        ("starlette", "0.36.3", "requirements.txt:3", ""),
        ("torch", "2.1.0+cpu", "requirements.txt:5", ""),
        ("flask-compress", "1.17", "requirements.txt:10", ""),
    ]


def test_requirement_parser_edges() -> None:
    assert parse_requirement("a==1 --hash=sha256:x") == ("a", "1")
    assert parse_requirement("a.b_c==1") == ("a-b-c", "1")
    assert parse_requirement("a==1,<2") is None
    assert parse_requirement("a") is None
    assert parse_requirement("==1") is None


def test_requirements_includes_follow_inside_the_root() -> None:
    found = pins(
        "svc/requirements.txt",
        """
        -r requirements/base.txt
        -c ../constraints.txt
        --requirement=missing.txt
        -r /etc/passwd
        -r https://example.com/r.txt
        -r ../../outside.txt
        django==5.2.8
        """,
        {
            "svc/requirements/base.txt": "-r ../requirements.txt\nstarlette==0.41.3\n",
            "constraints.txt": "flask-compress==1.17\n",
        },
    )
    assert found == [
        ("django", "5.2.8", "svc/requirements.txt:7", "svc"),
        ("starlette", "0.41.3", "svc/requirements/base.txt:2", "svc"),
        ("flask-compress", "1.17", "constraints.txt:1", "svc"),
    ]


def test_includes_are_listed_as_dependencies() -> None:
    summary = summarize(
        "requirements.txt",
        "manifest",
        b"-r base.txt\n",
        SETTINGS,
        read=memory_reader({"base.txt": b"a==1\n"}),
    )
    assert summary is not None and summary.dependencies == ("base.txt",)


def test_include_cycles_and_refusals_are_harmless() -> None:
    def refusing(path: str) -> bytes | None:
        if path == "secret.txt":
            raise PermissionError(path)
        return {"a.txt": b"-r requirements.txt\n-r a.txt\nx==1\n"}.get(path)

    summary = summarize(
        "requirements.txt", "manifest", b"-r a.txt\n-r secret.txt\ny==2\n", SETTINGS, read=refusing
    )
    assert summary is not None
    assert sorted((f.package, f.version) for f in summary.facts if isinstance(f, Dependency)) == [
        ("x", "1"),
        ("y", "2"),
    ]


def test_pyproject_project_and_poetry_dependencies() -> None:
    found = pins(
        "pyproject.toml",
        """
        [project]
        name = "svc"
        dependencies = [
            "fastapi==0.115.0",
            "openai>=1.40",
            "uvicorn[standard]==0.30.6; sys_platform != 'win32'",
        ]

        [project.optional-dependencies]
        dev = ["starlette==0.1.0"]

        [tool.poetry.dependencies]
        python = "^3.11"
        django = "5.2.8"
        flask-compress = "==1.17"
        starlette = "^0.41"
        litestar = {version = "2.12.1", extras = ["standard"]}
        brotli-asgi = {version = "1.4.0", optional = true}
        httpx = "*"
        """,
    )
    assert found == [
        ("fastapi", "0.115.0", "pyproject.toml:4", ""),
        ("uvicorn", "0.30.6", "pyproject.toml:6", ""),
        ("django", "5.2.8", "pyproject.toml:14", ""),
        ("flask-compress", "1.17", "pyproject.toml:15", ""),
        ("litestar", "2.12.1", "pyproject.toml:17", ""),
    ]


def test_poetry_and_pdm_locks() -> None:
    lock = """
        [[package]]
        name = "Django"
        version = "5.2.8"
        description = "A high-level Python web framework."

        [package.dependencies]
        asgiref = ">=3.8.1"

        [[package]]
        name = "starlette"
        version = "0.41.3"

        [metadata]
        lock-version = "2.0"
        """
    expected = [("django", "5.2.8", "{}:3", ""), ("starlette", "0.41.3", "{}:11", "")]
    for name in ("poetry.lock", "pdm.lock"):
        assert pins(name, lock) == [(p, v, at.format(name), f) for p, v, at, f in expected]


def test_uv_lock_skips_the_project_itself_and_keeps_forks() -> None:
    found = pins(
        "uv.lock",
        """
        version = 1
        requires-python = ">=3.11"
        resolution-markers = ["python_full_version < '3.12'", "python_full_version >= '3.12'"]

        [[package]]
        name = "chat"
        version = "0.1.0"
        source = { editable = "." }

        [[package]]
        name = "starlette"
        version = "0.41.3"
        source = { registry = "https://pypi.org/simple" }
        resolution-markers = ["python_full_version < '3.12'"]

        [[package]]
        name = "starlette"
        version = "0.47.2"
        source = { registry = "https://pypi.org/simple" }

        [[package]]
        name = "workspace-member"
        source = { virtual = "packages/member" }
        """,
    )
    assert found == [
        ("chat", "0.1.0", "uv.lock:7", ""),
        ("starlette", "0.41.3", "uv.lock:12", ""),
        ("starlette", "0.47.2", "uv.lock:18", ""),
    ]


def test_pipfile_lock() -> None:
    document = {
        "_meta": {"hash": {"sha256": "0"}},
        "default": {
            "django": {"hashes": ["sha256:1"], "version": "==5.2.8"},
            "openai": {"version": "*"},
            "gitdep": {"git": "https://example.com/x.git", "ref": "abc"},
        },
        "develop": {"Flask-Compress": {"version": "==1.17"}},
    }
    found = pins("Pipfile.lock", json.dumps(document, indent=4))
    assert found == [
        ("django", "5.2.8", "Pipfile.lock:8", ""),
        ("flask-compress", "1.17", "Pipfile.lock:23", ""),
    ]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("poetry.lock", b'[[package]]\nname = "x"\n<<<<<<< HEAD\nversion = "1"\n=======\n'),
        ("uv.lock", b"version = 1\n[[package]\n"),
        ("pyproject.toml", b"[project\n"),
        ("Pipfile.lock", b'{"default": {'),
        ("Pipfile.lock", b"[1, 2]"),
        ("poetry.lock", b"\xff\xfe\x00bad"),
        ("uv.lock", b'package = "not a list"\n'),
        ("poetry.lock", b"[[package]]\nname = 1\nversion = []\n"),
        ("requirements.txt", b"\x00\x01binary"),
    ],
)
def test_broken_manifests_give_nothing_and_no_diagnostic(path: str, data: bytes) -> None:
    summary = summarize(path, "manifest", data, SETTINGS, read=memory_reader({}))
    assert summary is None or summary.facts == ()
    assert read_manifest(path, data) is None or read_manifest(path, data).pins == ()  # type: ignore[union-attr]


def test_broken_lock_file_does_not_fail_the_run(project: Project) -> None:
    root = project(
        {
            "app.py": "x = 1\n",
            "poetry.lock": '[[package]]\n<<<<<<< HEAD\nname = "a"\n',
            "requirements.txt": "fastapi==0.110.0\n",
        }
    )
    result = analyze([root])
    assert result.findings == ()
    assert result.files == ("app.py",)  # manifests are consulted, not counted as analysed
    kinds = {s.path: s.language for s in result.summaries}
    # app.py mentions nothing the advisor reads: the pre-filter checks it without parsing it.
    assert kinds == {"requirements.txt": "manifest"}
