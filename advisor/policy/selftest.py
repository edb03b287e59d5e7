"""Run a rule's own examples: the harness behind the test suite and `advisor test-rules`.

Bad examples must be reported with the rule's code at exactly the expected lines, good examples
must not be reported at all, and the code blocks in the rule's documentation (Example / Use
instead) must behave the same way, so the docs cannot drift from the rule. A rule's fix examples
must be reported, and fixing them must give exactly their `after` (or nothing at all, when the
example shows where the fix declines), code the rule no longer reports and that a second fix
leaves as it is.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from advisor.engine import analyze_sources
from advisor.policy.catalog import Catalog, Example, FixDeclaration, FixExample, Rule
from advisor.settings import Settings

EXAMPLE_FILES = {
    "python": "example.py",
    "openapi-yaml": "openapi.yaml",
    "openapi-json": "openapi.json",
}


Position = tuple[str, int]
"""(file, line): the main example file is named by EXAMPLE_FILES, the others by their path."""


def reported_lines(rule: Rule, example: Example, catalog: Catalog) -> list[Position]:
    """Where the rule fires in the example project, in any of its files, sorted."""
    settings = dataclasses.replace(_SETTINGS, select=(rule.code,))
    name = EXAMPLE_FILES[example.language]
    sources = {path: text.encode("utf-8") for path, text in example.files}
    sources[name] = example.code.encode("utf-8")
    result = analyze_sources(sources, settings, catalog)
    return sorted(
        (f.location.path, f.location.line) for f in result.findings if f.code == rule.code
    )


def expected_lines(example: Example) -> list[Position]:
    """The example's `expect`, in the form `reported_lines` returns."""
    name = EXAMPLE_FILES[example.language]
    positions = []
    for item in example.expect:
        if isinstance(item, int):
            positions.append((name, item))
        else:
            path, _, line = item.rpartition(":")
            positions.append((path, int(line)))
    return sorted(positions)


def check_examples(rule: Rule, catalog: Catalog) -> list[str]:
    """Every way the rule disagrees with its own examples (empty when it agrees)."""
    problems = []
    for index, example in enumerate(rule.bad):
        found = reported_lines(rule, example, catalog)
        expected = expected_lines(example)
        if found != expected:
            problems.append(
                f"{rule.code} bad example {index + 1}{_label(example)}: expected "
                f"{_shown(expected, example)}, reported {_shown(found, example)}"
            )
    for index, example in enumerate(rule.good):
        found = reported_lines(rule, example, catalog)
        if found:
            problems.append(
                f"{rule.code} good example {index + 1}{_label(example)}: reported at "
                f"{_shown(found, example)}"
            )
    for declaration in rule.fixes:
        for index, fix_example in enumerate(declaration.examples):
            problems.extend(check_fix_example(rule, declaration, index, fix_example, catalog))
    shown, instead = rule.doc_examples()
    if shown is None:
        problems.append(f"{rule.code} docs: the Example section has no code block")
    elif not reported_lines(rule, shown, catalog):
        problems.append(f"{rule.code} docs: the Example code block is not reported")
    if instead is None:
        problems.append(f"{rule.code} docs: the Use instead section has no code block")
    elif reported_lines(rule, instead, catalog):
        problems.append(f"{rule.code} docs: the Use instead code block is reported")
    return problems


def _shown(positions: list[Position], example: Example) -> str:
    """`lines [3, 7]`, with `path:line` for positions in the example's other files."""
    name = EXAMPLE_FILES[example.language]
    items = [str(line) if path == name else f"{path}:{line}" for path, line in positions]
    return f"lines [{', '.join(items)}]"


def _label(example: Example) -> str:
    return f" ({example.description})" if example.description else ""


_SETTINGS = Settings(root=Path("/nonexistent-example-root"))


def fix_example_output(
    rule: Rule, example: FixExample, catalog: Catalog, text: str | None = None
) -> tuple[str, list[str], list[tuple[str, int]]]:
    """(the example's main file after fixing it, failures, where the rule still fires with
    a fix), with every fix of the rule, unsafe ones included."""
    from advisor.fixes.runner import fix_sources  # libcst: only when fixes are tested

    settings = dataclasses.replace(_SETTINGS, select=(rule.code,))
    name = EXAMPLE_FILES["python"]
    sources = {path: code.encode("utf-8") for path, code in example.files}
    sources[name] = (example.before if text is None else text).encode("utf-8")
    outcome = fix_sources(sources, settings, catalog, unsafe=True)
    fixed = outcome.fixed.get(name, sources[name]).decode("utf-8")
    failures = [f"{f.path}: {f.reason}" for f in outcome.failures]
    result = outcome.result
    left = (
        []
        if result is None
        else [
            (f.location.path, f.location.line)
            for f in result.findings
            if f.code == rule.code and f.fix is not None
        ]
    )
    return fixed, failures, left


def check_fix_example(
    rule: Rule, declaration: FixDeclaration, index: int, example: FixExample, catalog: Catalog
) -> list[str]:
    """How the fix disagrees with one of its examples (empty when it agrees)."""
    label = f"{rule.code} fix `{declaration.fix.transform}` example {index + 1}"
    if example.description:
        label += f" ({example.description})"
    settings = dataclasses.replace(_SETTINGS, select=(rule.code,))
    sources = {path: code.encode("utf-8") for path, code in example.files}
    sources[EXAMPLE_FILES["python"]] = example.before.encode("utf-8")
    found = analyze_sources(sources, settings, catalog).findings
    if not any(f.code == rule.code and f.fix == declaration.fix for f in found):
        return [f"{label}: `before` is not reported with this fix"]
    fixed, failures, left = fix_example_output(rule, example, catalog)
    if failures:
        return [f"{label}: fixing failed: {'; '.join(failures)}"]
    if example.after is None:
        if fixed != example.before:
            return [f"{label}: the fix should leave this code alone, but gives:\n{fixed}"]
        return []
    if fixed != example.after:
        return [f"{label}: the fix gives\n{fixed}\ninstead of\n{example.after}"]
    problems = []
    if left:
        problems.append(f"{label}: `after` is still reported at {left}")
    again, _, _ = fix_example_output(rule, example, catalog, text=fixed)
    if again != fixed:
        problems.append(f"{label}: fixing `after` again changes it:\n{again}")
    return problems
