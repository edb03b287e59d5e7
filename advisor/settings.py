"""Resolved settings for one run: defaults, then the configuration file, then the command line.

Settings are frozen and hashable so that they can key a cache and travel to worker processes.
"""

from __future__ import annotations

from dataclasses import field, replace
from pathlib import Path

from advisor.model import Hints, Severity
from advisor.records import record

# Folders nobody wants linted; the same spirit as ruff's default `exclude`.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pypackages__",
    "__pycache__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)

DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024
SIZE_SNIFF_BYTES = 1 << 20
"""How much of a file over `max-file-size` is read: enough to tell whether it is a spec."""


@record
class Thresholds:
    """The essay's defaults: long-form output starts around 200 tokens, a request should end
    within 30 s, and a model writes about 60 tokens a second after about 400 ms."""

    long_form_tokens: int = 200
    request_budget_s: float = 30.0
    tokens_per_second: float = 60.0
    first_token_s: float = 0.4

    def describe(self) -> str:
        return f"{self.tokens_per_second:g} tokens/s, first token after {self.first_token_s:g} s"


@record
class Settings:
    root: Path
    """Project root: the configuration file's folder, else the git work tree, else the path."""
    config_path: Path | None = None
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity_overrides: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity = Severity.WARNING
    rule_dirs: tuple[Path, ...] = field(default=())
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    include_tests: bool = False
    """Report findings in test code too (advisor/testcode.py says what test code is)."""
    endpoint_hints: tuple[tuple[str, Hints], ...] = ()
    """The `hints` table: (endpoint or handler pattern, hints), in the order of the file
    (advisor/hints.py `config_hints` matches them)."""
    flowchart: Thresholds = field(default_factory=lambda: Thresholds())
    """The flowchart's thresholds and the rates of the latency estimates."""

    def with_cli(
        self,
        *,
        select: tuple[str, ...] | None = None,
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
    ) -> Settings:
        """Command-line selection: `--select` replaces, `--extend-select`/`--ignore` add."""
        return replace(
            self,
            select=select if select is not None else self.select,
            extend_select=self.extend_select + extend_select,
            ignore=self.ignore + ignore,
        )
