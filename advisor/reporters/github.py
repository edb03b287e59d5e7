"""GitHub Actions workflow commands: each finding becomes an annotation on its line.

`::warning file=app.py,line=5,col=12,endLine=5,endColumn=70,title=ADV201 sse-...::message`.
Severity maps to the three annotation levels (error, warning, notice). Values are escaped as
the Actions toolkit does: `%`, CR and LF in the message; those and `:` and `,` in properties.
Paths are relative to the git work tree, which is where GitHub resolves them. GitHub shows at
most 10 annotations of each level per step (50 per job): for more, upload SARIF instead.
"""

from __future__ import annotations

from pathlib import Path

from advisor.engine import Result
from advisor.model import Finding, Severity
from advisor.reporters import (
    RenderOptions,
    display_path,
    hop_text,
    repository_path,
    source_root,
)
from advisor.reporters.text import summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: Result, options: RenderOptions) -> str:
    root = source_root(result)
    lines = [_annotation(result, finding, options, root) for finding in result.findings]
    if not options.quiet:
        lines.append(summary_line(result))
    return "\n".join(lines) + ("\n" if lines else "")


def _annotation(result: Result, finding: Finding, options: RenderOptions, root: Path) -> str:
    loc = finding.location
    path = repository_path(result, loc.path, root) or display_path(result, loc.path, options)
    properties = [("file", path), ("line", str(loc.line)), ("col", str(loc.column))]
    if loc.end_line is not None:
        properties.append(("endLine", str(loc.end_line)))
    if loc.end_column is not None:
        properties.append(("endColumn", str(loc.end_column)))
    properties.append(("title", f"{finding.code} {finding.name}"))
    message = finding.message
    if finding.evidence.trail:
        hops = (hop_text(result, hop, options) for hop in finding.evidence.trail)
        message += f"\nvia {' -> '.join(hops)}"
    if finding.fix_title:
        message += f"\nfix: {finding.fix_title}"
    head = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {head}::{escape_data(message)}"
