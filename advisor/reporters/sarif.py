"""SARIF 2.1.0, the format of code-scanning services (GitHub code scanning among them).

Shaped by GitHub's documented subset ("SARIF support for code scanning"):

- `tool.driver.rules` lists the rules that ran, each with its name, short and full description
  (GitHub cuts both at 1,024 characters), the whole rule documentation as `help` (text and
  Markdown) and its default level; results point at their rule by `ruleId` and `ruleIndex`.
- Locations are URIs relative to `%SRCROOT%`, which `originalUriBaseIds` resolves to the git
  work tree holding the project: GitHub reads relative paths from the repository root, so a
  project configured in a subfolder of a monorepo still gets paths that match its files.
- Columns count characters (`columnKind: unicodeCodePoints`), as every reporter here does. A
  region whose end is unknown (the position of a parse error) has no `endColumn`, which SARIF
  defines as "to the end of the line".
- `partialFingerprints` carries the advisor's own fingerprint (the one baselines use, stable
  under line shifts) as `advisorFingerprint/v1`. GitHub itself reads only
  `primaryLocationLineHash`, which its upload-sarif action computes from the file when it is
  missing (and warns about when it disagrees), so that key is left to the action.
- A finding reached through the call graph has a code flow: the route or entry point, each
  function on the way, and the reported line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from advisor import __version__
from advisor.engine import Result
from advisor.fingerprints import VERSION
from advisor.model import Finding, Location, Severity
from advisor.policy.catalog import Rule
from advisor.policy.docs import rule_markdown
from advisor.reporters import RenderOptions, repository_path, source_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = f"advisorFingerprint/{VERSION}"
DESCRIPTION_LIMIT = 1024
"""GitHub truncates `shortDescription` and `fullDescription` at this many characters."""

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
_SPACES = re.compile(r"\s+")


def render(result: Result, options: RenderOptions) -> str:
    root = source_root(result)
    rules = list(result.rules)
    index = {rule.code: position for position, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "endpoint-advisor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(result, finding, index, root) for finding in result.findings],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptor(rule: Rule) -> dict[str, Any]:
    what = rule.doc("what-it-does") or ""
    plain = "\n\n".join(part for part in (rule.summary, what, rule.doc("why-is-this-bad")) if part)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {"text": _clip(what or rule.summary)},
        "help": {"text": plain, "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"problem.severity": PROBLEM_SEVERITY[rule.severity]},
    }


def _clip(text: str) -> str:
    """One paragraph of plain spacing, cut at a word to GitHub's limit."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= DESCRIPTION_LIMIT:
        return flat
    cut = flat[: DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _result(result: Result, finding: Finding, index: dict[str, int], root: Path) -> dict[str, Any]:
    item: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in index:
        item["ruleIndex"] = index[finding.code]
    item |= {
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(result, finding.location, root)}],
        "partialFingerprints": {FINGERPRINT_KEY: result.fingerprint(finding)},
    }
    flow = _flow(result, finding, root)
    if flow:
        item["codeFlows"] = [{"threadFlows": [{"locations": flow}]}]
    return item


def _physical(result: Result, location: Location, root: Path) -> dict[str, Any]:
    region: dict[str, int] = {
        "startLine": location.line,
        "startColumn": location.column,
        "endLine": location.end_line or location.line,
    }
    if location.end_column is not None:
        region["endColumn"] = location.end_column
    return {"artifactLocation": _artifact(result, location.path, root), "region": region}


def _artifact(result: Result, path: str, root: Path) -> dict[str, str]:
    relative = repository_path(result, path, root)
    if relative is None:  # outside the work tree: an absolute URI
        absolute = Path(path) if path.startswith("/") else result.settings.root / path
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}


def _directory_uri(root: Path) -> str:
    uri = root.as_uri() if root.is_absolute() else quote(root.as_posix(), safe="/")
    return uri if uri.endswith("/") else uri + "/"


def _flow(result: Result, finding: Finding, root: Path) -> list[dict[str, Any]]:
    """The trail as thread-flow locations. A route has no place in a file: it names the first
    step instead (`POST /chat -> chat`). The reported line comes right after the function that
    contains it (for a loop, the model call it reaches comes further down the trail)."""
    trail = finding.evidence.trail
    if not trail:
        return []
    steps: list[tuple[str, dict[str, Any]]] = []
    names: list[str | None] = []
    pending: list[str] = []
    for hop in trail:
        if hop.path is None or hop.line is None:
            pending.append(hop.name)
            continue
        physical = {
            "artifactLocation": _artifact(result, hop.path, root),
            "region": {"startLine": hop.line},  # a hop knows its line, not its columns
        }
        steps.append((" -> ".join([*pending, hop.name]), physical))
        names.append(hop.name)
        pending = []
    here = " -> ".join([*pending, f"{finding.code} reported here"])
    reported = (here, _physical(result, finding.location, root))
    steps.insert(_reported_position(names, finding.evidence.function), reported)
    return [
        {"location": {"physicalLocation": physical, "message": {"text": text}}}
        for text, physical in steps
    ]


def _reported_position(names: list[str | None], function: str | None) -> int:
    """After the last step named like the function that contains the finding, else last."""
    if function is not None:
        for position in range(len(names) - 1, -1, -1):
            if names[position] == function:
                return position + 1
    return len(names)
