"""A finding's stable identity, for baselines and SARIF `partialFingerprints`.

A fingerprint must survive the edits a team makes every day without touching the finding: lines
added above it, a reformatted call, a neighbouring function rewritten. So it is made of what
identifies the *site*, never of its line number:

- the rule code;
- the file (relative to the project root);
- the enclosing Python function (qualified name), else the spec operation that contains the
  finding (`Evidence.scope`), else the spec node itself (`Evidence.pointer`);
- the reported source line with all whitespace removed (reindenting or reformatting the
  line keeps it; changing the code on it does not);
- an occurrence index among findings that share all of the above (two identical calls in one
  function), counted in line order, so the second one stays distinct from the first.

The message is left out on purpose: wording changes between versions of the advisor, and a
partial fix (one header of two added) is still the same finding.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from advisor.model import Evidence, Finding

VERSION = "v1"
"""Changes only if the recipe changes; baseline files record it."""

_WHITESPACE = re.compile(r"\s+")


def normalized_snippet(snippet: str) -> str:
    return _WHITESPACE.sub("", snippet)


def context(evidence: Evidence) -> str:
    """Where the finding sits, by name: function, spec operation, or spec node."""
    if evidence.function:
        return evidence.function
    if evidence.scope:
        return evidence.scope
    return evidence.pointer or ""


def site(finding: Finding) -> tuple[str, str, str, str]:
    evidence = finding.evidence
    return (
        finding.code,
        finding.location.path,
        context(evidence),
        normalized_snippet(evidence.snippet),
    )


def fingerprint_table(findings: Iterable[Finding]) -> dict[Finding, str]:
    """Fingerprints of a run's findings: the occurrence index is counted over all of them."""
    seen: dict[tuple[str, str, str, str], int] = {}
    table: dict[Finding, str] = {}
    for finding in sorted(set(findings), key=lambda f: f.sort_key):
        key = site(finding)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        text = "\0".join((VERSION, *key, str(occurrence)))
        table[finding] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return table
