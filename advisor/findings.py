"""Findings stage: the engine's cross-cutting policy, applied the same way to every rule.

Severity overrides, per-file ignores and inline suppressions live here so that no rule
re-implements them, then findings are sorted into the one order every reporter prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence

import pathspec

from advisor.model import Evidence, FileSummary, Finding, Location, Suppression, UnusedSuppression
from advisor.policy.selection import code_matches_any
from advisor.settings import Settings
from advisor.testcode import is_test_code

DIAGNOSTIC_PREFIX = "ADV0"
"""Codes about the files themselves (parse errors, broken references, invalid hints)."""


def finalize(
    findings: Iterable[Finding],
    summaries: Sequence[FileSummary],
    settings: Settings,
    *,
    only_codes: Collection[str] | None = None,
    suppressible: bool = True,
) -> list[Finding]:
    """The findings to report. `only_codes` keeps only those codes (the other rules ran to see which
    suppressions they use); `suppressible=False` is for unused-suppression findings, which the
    suppression they are about must not hide (a bare `ignore` would hide its own report)."""
    overrides = dict(settings.severity_overrides)
    ignores = [
        (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
        for pattern, codes in settings.per_file_ignores
    ]
    suppressions = _by_path(summaries) if suppressible else {}
    kept = []
    for finding in findings:
        if only_codes is not None and finding.code not in only_codes:
            continue
        path = finding.location.path
        if not settings.include_tests and _in_tests(finding):
            continue
        if any(
            spec.match_file(path) and code_matches_any(finding.code, codes)
            for spec, codes in ignores
        ):
            continue
        if any(is_suppressed(finding, s) for s in _candidates(finding, suppressions)):
            continue
        if finding.code in overrides:
            finding = dataclasses.replace(finding, severity=overrides[finding.code])
        kept.append(finding)
    return sorted(set(kept), key=lambda f: f.sort_key)


def _by_path(summaries: Sequence[FileSummary]) -> dict[str, list[Suppression]]:
    suppressions: dict[str, list[Suppression]] = {}
    for summary in summaries:
        for suppression in summary.suppressions:
            suppressions.setdefault(suppression.path, []).append(suppression)
    return suppressions


def _candidates(finding: Finding, suppressions: dict[str, list[Suppression]]) -> list[Suppression]:
    """The suppressions that may apply: in the finding's file, and in the file of the spec
    operation that contains it."""
    path = finding.location.path
    scope_path = _scope(finding)[0]
    candidates = suppressions.get(path, [])
    if scope_path != path:
        candidates = [*candidates, *suppressions.get(scope_path, [])]
    return candidates


def unused_suppressions(
    findings: Iterable[Finding],
    summaries: Sequence[FileSummary],
    known: Collection[str],
    exempt: Collection[str] = (),
) -> list[UnusedSuppression]:
    """Suppressions that hide none of `findings`, which must be every rule's findings before
    anything was filtered (test code, per-file ignores and selection included): a suppression
    is used when it would hide a finding of a rule that ran, whatever else also hides it.

    `known` are the codes of the rules that ran (every rule of the catalog), so a listed code
    outside it names no rule. A suppression that lists one of `exempt` (the unused-suppression
    rules themselves) says "keep me" and is not judged.
    """
    by_path = _by_path(summaries)
    used: dict[Suppression, set[str]] = {}
    for finding in findings:
        for suppression in _candidates(finding, by_path):
            if is_suppressed(finding, suppression):
                used.setdefault(suppression, set()).add(finding.code)
    # One `x-advisor-ignore` on a path item or the document is a suppression per operation:
    # judge what is written, once.
    written: dict[tuple[object, ...], list[Suppression]] = {}
    for group in by_path.values():
        for suppression in group:
            written.setdefault(_written_key(suppression), []).append(suppression)
    facts = []
    for group in written.values():
        first = group[0]
        if first.codes is not None and any(code in first.codes for code in exempt):
            continue
        hidden = set().union(*(used.get(s, set()) for s in group))
        fact = _unused(first, hidden, known)
        if fact is not None:
            facts.append(fact)
    return sorted(facts, key=lambda f: _location_key(f.evidence.location))


def _written_key(suppression: Suppression) -> tuple[object, ...]:
    if suppression.written is not None:
        location = suppression.written.location
        return (location.path, location.line, location.column)
    return (suppression.path, suppression.line, suppression.pointer)


def _location_key(location: Location) -> tuple[str, int, int]:
    return (location.path, location.line, location.column)


def _unused(
    suppression: Suppression, hidden: set[str], known: Collection[str]
) -> UnusedSuppression | None:
    comment = suppression.pointer is None
    form = "comment" if comment else "x-advisor-ignore"
    where = "here" if comment else "in the operations it covers"
    evidence = suppression.written or Evidence(
        location=Location(suppression.path, suppression.line or 1, 1),
        pointer=suppression.pointer,
    )
    if suppression.codes is None:
        if hidden:
            return None
        return UnusedSuppression(
            evidence=evidence,
            form=form,
            covers_all=True,
            unused_codes=(),
            unknown_codes=(),
            reason=f"nothing is reported {where}",
        )
    unknown = tuple(sorted(c for c in suppression.codes if c not in known))
    unused = tuple(sorted(c for c in suppression.codes if c in known and c not in hidden))
    if not unknown and not unused:
        return None
    parts = []
    if unused:
        verb = "is" if len(unused) == 1 else "are"
        parts.append(f"{_listed(unused)} {verb} not reported {where}")
    if unknown:
        noun = "is not a rule code" if len(unknown) == 1 else "are not rule codes"
        parts.append(f"{_listed(unknown)} {noun}")
    return UnusedSuppression(
        evidence=evidence,
        form=form,
        covers_all=False,
        unused_codes=unused,
        unknown_codes=unknown,
        reason="; ".join(parts),
    )


def _listed(codes: Sequence[str]) -> str:
    return ", ".join(f"`{code}`" for code in codes)


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
