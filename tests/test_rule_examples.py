"""The catalog tests itself: every rule's bad and good examples, and its docs' code blocks.

One parametrized test walks the whole catalog, so a new rule file needs no new test code. Each
bad example must be reported with the rule's code at exactly its expected lines; each good
example (correct code that looks similar) must not be reported at all.
"""

from __future__ import annotations

import pytest

from advisor.policy.catalog import Example, Rule, load_catalog
from advisor.policy.selftest import expected_lines, reported_lines

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
