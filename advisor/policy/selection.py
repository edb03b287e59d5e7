"""Which rules run: ruff's `select` / `extend-select` / `ignore` semantics over code prefixes.

The most specific selector wins (`select = ["ADV201"]` beats `ignore = ["ADV2"]`); on a tie,
`ignore` wins. A selector that matches no rule is a usage error, not a silent no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from advisor.errors import UsageError
from advisor.policy.catalog import Catalog, Rule
from advisor.settings import Settings


def matches(selector: str, code: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def _specificity(selectors: Iterable[str], code: str) -> int | None:
    lengths = [0 if s == "ALL" else len(s) for s in selectors if matches(s, code)]
    return max(lengths) if lengths else None


def check_selectors(selectors: Iterable[str], catalog: Catalog, origin: str) -> None:
    for selector in selectors:
        if not any(matches(selector.upper(), code) for code in catalog.codes):
            raise UsageError(f"{origin}: '{selector}' matches no rule code")


def selected_rules(catalog: Catalog, settings: Settings) -> tuple[Rule, ...]:
    positive = [s.upper() for s in (*settings.select, *settings.extend_select)]
    negative = [s.upper() for s in settings.ignore]
    check_selectors(positive, catalog, "select")
    check_selectors(negative, catalog, "ignore")
    chosen = []
    for rule in catalog.rules:
        on = _specificity(positive, rule.code)
        off = _specificity(negative, rule.code)
        if on is not None and (off is None or on > off):
            chosen.append(rule)
    return tuple(chosen)


def code_matches_any(code: str, selectors: Sequence[str]) -> bool:
    return any(matches(s.upper(), code) for s in selectors)
