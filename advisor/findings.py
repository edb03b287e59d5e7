"""Findings stage: the engine's cross-cutting policy, applied the same way to every rule.

Severity overrides, per-file ignores and inline suppressions live here so that no rule
re-implements them, then findings are sorted into the one order every reporter prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import pathspec

from advisor.model import FileSummary, Finding, Suppression
from advisor.policy.selection import code_matches_any
from advisor.settings import Settings
from advisor.testcode import is_test_code

DIAGNOSTIC_PREFIX = "ADV0"
"""Codes about the files themselves (parse errors, broken references, invalid hints)."""


def finalize(
    findings: Iterable[Finding], summaries: Sequence[FileSummary], settings: Settings
) -> list[Finding]:
    overrides = dict(settings.severity_overrides)
    ignores = [
        (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
        for pattern, codes in settings.per_file_ignores
    ]
    suppressions: dict[str, list[Suppression]] = {}
    for summary in summaries:
        for suppression in summary.suppressions:
            suppressions.setdefault(suppression.path, []).append(suppression)
    kept = []
    for finding in findings:
        path = finding.location.path
        if not settings.include_tests and _in_tests(finding):
            continue
        if any(
            spec.match_file(path) and code_matches_any(finding.code, codes)
            for spec, codes in ignores
        ):
            continue
        scope_path = _scope(finding)[0]
        candidates = suppressions.get(path, [])
        if scope_path != path:
            candidates = [*candidates, *suppressions.get(scope_path, [])]
        if any(is_suppressed(finding, s) for s in candidates):
            continue
        if finding.code in overrides:
            finding = dataclasses.replace(finding, severity=overrides[finding.code])
        kept.append(finding)
    return sorted(set(kept), key=lambda f: f.sort_key)


def _in_tests(finding: Finding) -> bool:
    """Test code exercises behaviour on purpose; the advisor's own diagnostics about a file
    (ADV0xx: it cannot be parsed, a reference is broken) are reported wherever they are."""
    if finding.code.startswith(DIAGNOSTIC_PREFIX):
        return False
    return is_test_code(finding.location.path, finding.evidence.function)


def is_suppressed(finding: Finding, suppression: Suppression) -> bool:
    if suppression.codes is not None and finding.code not in suppression.codes:
        return False
    evidence = finding.evidence
    if suppression.pointer is not None:
        scope_path, scope = _scope(finding)
        return (
            scope is not None
            and scope_path == suppression.path
            and (scope == suppression.pointer or scope.startswith(suppression.pointer + "/"))
        )
    if suppression.line is None:
        return False
    spans = evidence.anchors or ((evidence.location.line, evidence.location.line),)
    return any(start <= suppression.line <= end for start, end in spans)


def _scope(finding: Finding) -> tuple[str, str | None]:
    """(file, pointer) of the spec node that contains a finding: its operation, else itself."""
    evidence = finding.evidence
    if evidence.scope is not None and "#" in evidence.scope:
        path, pointer = evidence.scope.split("#", 1)
        return path, pointer
    return evidence.location.path, evidence.pointer
