"""`advisor check --fix / --diff / --show-fixes`: fix the project on disk, or show how.

The fixes are computed and verified in memory (advisor/fixes/runner.py) before anything is
written; then each changed file is replaced atomically. The result handed back is the analysis
of the project as it is afterwards, so the report and the exit status say what remains.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path

from advisor.engine import Result
from advisor.fixes.runner import Change, Failure, FixOutcome, NotFixed, fix_project
from advisor.fixes.write import WriteError, replace_file
from advisor.read.source import decode_python
from advisor.records import record
from advisor.reporters import RenderOptions, display_path


@record
class FixReport:
    result: Result
    """The analysis after fixing (or of the unchanged files, for --diff and --show-fixes)."""
    outcome: FixOutcome
    written: tuple[str, ...]
    failures: tuple[Failure, ...]
    diff: str


def run(
    result: Result,
    analyse: Callable[[Mapping[str, bytes]], Result],
    *,
    write: bool,
    unsafe: bool,
    diff: bool,
) -> FixReport:
    """Fix what `result` reports; `analyse(overlay)` analyses the project again as the command
    line did (same paths, options and baseline) with some files' content replaced."""

    def read(path: str) -> bytes:
        return _absolute(result, path).read_bytes()

    outcome = fix_project(result, analyse, read, unsafe=unsafe)
    failures = list(outcome.failures)
    written: list[str] = []
    final = outcome.result or result
    if write:
        for path in sorted(outcome.fixed):
            try:
                replace_file(_absolute(result, path), outcome.fixed[path], outcome.original[path])
            except WriteError as exc:
                failures.append(Failure(path, str(exc)))
                continue
            written.append(path)
        if len(written) != len(outcome.fixed):  # some file kept its old content
            final = analyse({})
    else:
        final = result
    text = unified_diff(outcome, result) if diff else ""
    return FixReport(final, outcome, tuple(written), tuple(failures), text)


def _absolute(result: Result, path: str) -> Path:
    return Path(path) if Path(path).is_absolute() else result.settings.root / path


def unified_diff(outcome: FixOutcome, result: Result) -> str:
    options = RenderOptions()
    chunks: list[str] = []
    for path in sorted(outcome.fixed):
        shown = display_path(result, path, options)
        before = _text(outcome.original[path])
        after = _text(outcome.fixed[path])
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=shown,
                tofile=shown,
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def _text(data: bytes) -> str:
    text = decode_python(data)
    return text if isinstance(text, str) else data.decode("utf-8", errors="replace")


def summary(report: FixReport, *, write: bool, unsafe: bool) -> list[str]:
    """One line: what was (or would be) fixed, and what more `--unsafe-fixes` would fix."""
    changes = report.outcome.changes
    if write:
        changes = [c for c in changes if c.path in report.written]
    files = len({c.path for c in changes})
    verb = "Fixed" if write else "Would fix"
    noun = "finding" if len(changes) == 1 else "findings"
    line = (
        f"{verb} {len(changes)} {noun} in {files} file{'s' if files != 1 else ''}."
        if changes
        else ("No fixes applied." if write else "No fixes available.")
    )
    hidden = sum(1 for n in report.outcome.not_fixed if _unsafe_only(n))
    if hidden and not unsafe:
        line += f" {hidden} more with --unsafe-fixes."
    return [line]


def _unsafe_only(item: NotFixed) -> bool:
    return item.reason.startswith("unsafe")


def failure_lines(report: FixReport) -> list[str]:
    options = RenderOptions()
    return [
        f"advisor: not fixed: {display_path(report.result, f.path, options)}: {f.reason} "
        "(the file is unchanged)"
        for f in report.failures
    ]


def show_fixes(report: FixReport, *, write: bool) -> list[str]:
    """`--show-fixes`: every fix applied (or that would be), and the fixable findings left."""
    options = RenderOptions()
    lines: list[str] = []
    changes: list[Change] = list(report.outcome.changes)
    if write:
        changes = [c for c in changes if c.path in report.written]
    if changes:
        lines.append("Fixed:" if write else "Fixes:")
        for change in changes:
            path = display_path(report.result, change.path, options)
            kind = "" if change.safe else " (unsafe)"
            lines.append(
                f"  {path}:{change.line}:{change.column}: {change.code} {change.title}{kind}"
            )
    remaining = report.outcome.not_fixed
    if remaining:
        lines.append("Not fixed:")
        for item in remaining:
            path = display_path(report.result, item.path, options)
            lines.append(f"  {path}:{item.line}:{item.column}: {item.code} {item.reason}")
    return lines
