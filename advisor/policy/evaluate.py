"""Rules over facts: each rule looks at facts of its kind and fires where its condition holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace

from advisor.model import Evidence, Fact, Finding
from advisor.policy.catalog import Rule, Trigger
from advisor.policy.templates import render


def facts_by_kind(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        grouped[fact.kind].append(fact)
    return grouped


def evaluate(rules: Sequence[Rule], grouped: dict[str, list[Fact]]) -> list[Finding]:
    findings = []
    for rule in rules:
        for trigger in rule.triggers:
            for fact in grouped.get(trigger.fact_kind, ()):
                bindings = trigger.where.evaluate(fact) if trigger.where is not None else {}
                if bindings is None:
                    continue
                values = {f.name: getattr(fact, f.name) for f in fields(fact)} | bindings
                findings.append(
                    Finding(
                        code=rule.code,
                        name=rule.name,
                        severity=rule.severity,
                        message=render(trigger.message, values),
                        evidence=_reported_at(fact, trigger),
                        fix_title=render(trigger.fix_title, values) if trigger.fix_title else None,
                        fix=trigger.fix.fix if trigger.fix is not None else None,
                        fact=fact,
                    )
                )
    return findings


def _reported_at(fact: Fact, trigger: Trigger) -> Evidence:
    """The evidence a trigger names (`report-at`), keeping the fact's scope and trail; else the
    fact's own."""
    if trigger.report_at is None:
        return fact.evidence
    value: object = fact
    for name in trigger.report_at:
        value = getattr(value, name, None)
    if not isinstance(value, Evidence):
        return fact.evidence
    return replace(
        value,
        scope=value.scope or fact.evidence.scope,
        trail=value.trail or fact.evidence.trail,  # how the fact's function is reached
    )
