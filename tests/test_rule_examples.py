"""The catalog tests itself: every rule's bad and good examples, and its docs' code blocks.

One parametrized test walks the whole catalog, so a new rule file needs no new test code. Each
bad example must be reported with the rule's code at exactly its expected lines; each good
example (correct code that looks similar) must not be reported at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.engine import analyze_sources
from advisor.policy.catalog import Example, FixDeclaration, FixExample, Rule, load_catalog
from advisor.policy.selftest import (
    EXAMPLE_FILES,
    check_fix_example,
    expected_lines,
    reported_lines,
)
from advisor.settings import Settings

CATALOG = load_catalog()


def _cases() -> list[pytest.ParameterSet]:
    cases = []
    for rule in CATALOG.rules:
        for index, example in enumerate(rule.bad, start=1):
            cases.append(pytest.param(rule, example, True, id=f"{rule.code}-bad-{index}"))
        for index, example in enumerate(rule.good, start=1):
            cases.append(pytest.param(rule, example, False, id=f"{rule.code}-good-{index}"))
    return cases


@pytest.mark.parametrize(("rule", "example", "bad"), _cases())
def test_example(rule: Rule, example: Example, bad: bool) -> None:
    lines = reported_lines(rule, example, CATALOG)
    if bad:
        assert lines == expected_lines(example), example.description
    else:
        assert lines == [], example.description


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.code)
def test_documentation_code_blocks(rule: Rule) -> None:
    shown, instead = rule.doc_examples()
    assert shown is not None, "the Example section needs a fenced code block"
    assert instead is not None, "the Use instead section needs a fenced code block"
    assert reported_lines(rule, shown, CATALOG), "the documented Example is not reported"
    assert reported_lines(rule, instead, CATALOG) == [], "the documented fix is reported"


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.code)
def test_documented_fix_is_clean_under_every_rule(rule: Rule) -> None:
    """Users copy the Use instead code: no rule of the catalog may report it."""
    _, instead = rule.doc_examples()
    assert instead is not None
    settings = Settings(root=Path("/nonexistent-example-root"))
    sources = {EXAMPLE_FILES[instead.language]: instead.code.encode("utf-8")}
    findings = analyze_sources(sources, settings, CATALOG).findings
    assert [(f.code, f.location.line) for f in findings] == []


def _fix_cases() -> list[pytest.ParameterSet]:
    cases = []
    for rule in CATALOG.rules:
        for declaration in rule.fixes:
            for index, example in enumerate(declaration.examples, start=1):
                case_id = f"{rule.code}-{declaration.fix.transform}-{index}"
                cases.append(pytest.param(rule, declaration, index, example, id=case_id))
    return cases


@pytest.mark.parametrize(("rule", "declaration", "index", "example"), _fix_cases())
def test_fix_example(
    rule: Rule, declaration: FixDeclaration, index: int, example: FixExample
) -> None:
    """Fixing `before` gives exactly `after` (or nothing, where the fix must decline), `after`
    is no longer reported, and fixing it again changes nothing."""
    assert check_fix_example(rule, declaration, index - 1, example, CATALOG) == []


@pytest.mark.parametrize("rule", [r for r in CATALOG.rules if r.fixes], ids=lambda r: r.code)
def test_every_fix_shows_where_it_declines(rule: Rule) -> None:
    """Like good examples for a rule: a fix shows at least one near miss it leaves alone."""
    for declaration in rule.fixes:
        assert any(e.after is not None for e in declaration.examples)
        assert any(e.after is None for e in declaration.examples), declaration.fix.transform
