"""The README documents every option of `advisor check` and every output format."""

from __future__ import annotations

from pathlib import Path

import click
from support import REPO

from advisor.cli import FORMATS, check


def test_every_check_option_is_in_the_readme_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("Options of `advisor check`", 1)[1].split("\n\n", 2)[1]
    for param in check.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            assert f"`{longest}" in table or f", {longest}" in table, longest
    row = next(line for line in table.splitlines() if line.startswith("| `--format "))
    for name in FORMATS:
        assert name in row.split(" | ", 1)[0], name


def test_version_and_help_do_not_import_the_engine() -> None:
    """`advisor --version` answers at once: it must not pay for the engine, jsonschema, libcst."""
    import subprocess
    import sys

    code = (
        "import sys; from advisor.cli import main; main(['--version']); "
        "heavy = [m for m in ('advisor.engine', 'advisor.project', 'jsonschema', 'libcst') "
        "if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "[]", result.stdout + result.stderr


def test_a_check_imports_only_the_readers_it_uses(tmp_path: Path) -> None:
    """PyYAML costs 20-30 ms to import: a project whose documents are all JSON (and the
    built-in rules, read by yaml-rs) does not pay for it. Nor does a project without
    dependency manifests pay for their readers (TOML, versions: 12 ms)."""
    import subprocess
    import sys

    (tmp_path / "openapi.json").write_text('{"openapi": "3.1.0", "paths": {"/a": {}}}')
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    code = (
        "import sys; from advisor.cli import main\n"
        "try: main(['check', sys.argv[1], '--exit-zero', '-q'])\n"
        "except SystemExit: pass\n"
        "print([m for m in ('yaml', 'advisor.read.spec', 'advisor.read.manifest')"
        " if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True
    )
    assert result.stdout.splitlines()[-1] == "['advisor.read.spec']", result.stdout + result.stderr


def test_every_format_has_a_reporter() -> None:
    from advisor.cli import _reporter

    for name in FORMATS:
        assert callable(_reporter(name))
