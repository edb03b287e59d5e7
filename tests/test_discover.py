"""Which files a run looks at: excludes, .gitignore, spec sniffing, paths outside the root."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.config import load_settings
from advisor.discover import _Patterns, discover
from advisor.engine import analyze
from advisor.read.spec import sniff_spec

Project = Callable[[Mapping[str, str | bytes]], Path]


def rels(root: Path, *paths: str) -> list[str]:
    targets = [root / p for p in paths] or [root]
    return [s.rel for s in discover(targets, load_settings(targets))]


def test_default_excludes_and_extensions(project: Project) -> None:
    root = project(
        {
            "app.py": "",
            "notes.txt": "",
            "spec.json": "{}",
            "ci.yml": "a: 1",
            ".venv/lib/x.py": "",
            "node_modules/m/y.py": "",
            "pkg/__pycache__/z.py": "",
            "build/out.py": "",
            "pkg/mod.py": "",
            "pkg/types.pyi": "",
        }
    )
    assert rels(root) == ["app.py", "ci.yml", "pkg/mod.py", "spec.json"]


def test_gitignore_nested_and_negated(project: Project) -> None:
    root = project(
        {
            ".gitignore": "secret/\n*.gen.py\n!keep.gen.py\n",
            "secret/a.py": "",
            "x.gen.py": "",
            "keep.gen.py": "",
            "sub/.gitignore": "local.py\n",
            "sub/local.py": "",
            "sub/other.py": "",
            "local.py": "",
            ".git/info/exclude": "scratch.py\n",
            "scratch.py": "",
        }
    )
    assert rels(root) == ["keep.gen.py", "local.py", "sub/other.py"]


def test_gitignore_can_be_turned_off(project: Project) -> None:
    root = project(
        {".advisor.yaml": "respect-gitignore: false\n", ".gitignore": "*.py\n", "a.py": ""}
    )
    assert rels(root) == [".advisor.yaml", "a.py"]


def test_gitignore_applies_when_walking_a_subfolder(project: Project) -> None:
    root = project({".gitignore": "gen/\n", "svc/gen/x.py": "", "svc/app.py": ""})
    assert rels(root, "svc") == ["svc/app.py"]


def test_explicit_files_bypass_excludes_unless_forced(project: Project) -> None:
    root = project(
        {"build/keep.py": "", ".advisor.yaml": "extend-exclude: [legacy.py]\n", "legacy.py": ""}
    )
    assert rels(root, "build/keep.py", "legacy.py") == ["build/keep.py", "legacy.py"]
    (root / ".advisor.yaml").write_text("extend-exclude: [legacy.py]\nforce-exclude: true\n")
    assert rels(root, "build/keep.py", "legacy.py") == []


def test_duplicates_are_analysed_once(project: Project) -> None:
    root = project({"a.py": ""})
    assert rels(root, ".", "a.py", "a.py") == ["a.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_leading_outside_the_root_are_not_followed(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.py").write_text("x = 1\n")
    root = project({"inside.py": ""})
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (root / "alias.py").symlink_to(root / "inside.py")
    assert rels(root) == ["alias.py", "inside.py"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openapi: 3.1.0\ninfo: {}\n", ("openapi", "3.1.0", "yaml")),
        ('"swagger": "2.0"\n', ("swagger", "2.0", "yaml")),
        ("info:\n  title: x\ncomponents: {}\nopenapi: '3.0.0'\n", ("openapi", "3.0.0", "yaml")),
        ('{\n  "components": {},\n  "openapi": "3.0.1"\n}', ("openapi", "3.0.1", "json")),
        ("spec:\n  openapi: 3.0.0\n", None),  # not top level
        ("openapi: {type: string}\n", None),  # a schema about openapi, not a spec
        ('{"openapi": {"type": "string"}}', None),
        ("kind: ConfigMap\nopenapi: 3.0.0\nname: {{ .Release.Name }}\n", None),  # Helm template
        ("openAPIV3Schema:\n  type: object\n", None),  # a Kubernetes CRD
    ],
)
def test_specs_are_recognised_by_content(text: str, expected: tuple[str, str, str] | None) -> None:
    kind = sniff_spec(text)
    assert (None if kind is None else (kind.key, kind.version, kind.syntax)) == expected


def test_only_specs_count_as_analysed_files(project: Project) -> None:
    root = project(
        {
            "openapi.yaml": "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "docker-compose.yml": "services: {web: {image: x}}\n",
            "package.json": '{"name": "x"}',
            "broken-ci.yml": "jobs: [\n",
        }
    )
    result = analyze([root])
    assert result.files == ("openapi.yaml",)
    assert result.findings == ()


_PATTERN_PARTS = ["*.py", "build/", "/dist", "a/**/b", "**/cache", "*.egg-info", "docs", "x?z",
                  "[ab]c", "node_modules/", "sub/*.yaml", ".venv", "**", "a/b/", "\\#x"]  # fmt: skip
_PATH_PARTS = ["a", "b", "build", "dist", "cache", "x.py", "xyz", "ac", "node_modules", "sub",
               "s.yaml", ".venv", "docs", "p.egg-info", "#x"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(st.sampled_from(_PATTERN_PARTS), max_size=6),
    negated=st.lists(st.sampled_from(_PATTERN_PARTS), max_size=2),
    paths=st.lists(st.lists(st.sampled_from(_PATH_PARTS), min_size=1, max_size=4), max_size=8),
    is_dir=st.booleans(),
)
def test_joined_patterns_decide_as_pathspec_does(
    patterns: list[str], negated: list[str], paths: list[list[str]], is_dir: bool
) -> None:
    """The one-alternation matcher (used when no pattern is negated) gives pathspec's answer."""
    for lines in (patterns, [*patterns, *(f"!{n}" for n in negated)]):
        joined = _Patterns(lines)
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        for parts in paths:
            path = "/".join(parts) + ("/" if is_dir else "")
            assert joined.ignores(path) == spec.check_file(path).include, (lines, path)
