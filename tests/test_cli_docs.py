"""The README documents every option of `advisor check` and every output format."""

from __future__ import annotations

import click
from support import REPO

from advisor.cli import REPORTERS, check


def test_every_check_option_is_in_the_readme_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("Options of `advisor check`", 1)[1].split("\n\n", 2)[1]
    for param in check.params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            assert f"`{longest}" in table or f", {longest}" in table, longest
    row = next(line for line in table.splitlines() if line.startswith("| `--format "))
    for name in REPORTERS:
        assert name in row.split(" | ", 1)[0], name
