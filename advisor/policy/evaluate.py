"""Rules over facts: each rule looks at facts of its kind and fires where its condition holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import fields

from advisor.model import Fact, FileSummary, Finding
from advisor.policy.catalog import Rule
from advisor.policy.templates import render


def facts_by_kind(summaries: Iterable[FileSummary]) -> dict[str, list[Fact]]:
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for summary in summaries:
        for fact in summary.facts:
            grouped[fact.kind].append(fact)
    return grouped


def evaluate(rules: Sequence[Rule], grouped: dict[str, list[Fact]]) -> list[Finding]:
    findings = []
    for rule in rules:
        for fact in grouped.get(rule.fact_kind, ()):
            bindings = rule.where.evaluate(fact) if rule.where is not None else {}
            if bindings is None:
                continue
            values = {f.name: getattr(fact, f.name) for f in fields(fact)} | bindings
            findings.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    severity=rule.severity,
                    message=render(rule.message, values),
                    evidence=fact.evidence,
                    fix_title=render(rule.fix_title, values) if rule.fix_title else None,
                )
            )
    return findings
