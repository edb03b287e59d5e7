"""The catalog's own invariants: identity, documentation, and that its harness can fail."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from support import REPO

from advisor.dev import stale_files
from advisor.errors import RuleFileError
from advisor.policy.catalog import (
    REQUIRED_DOC_SECTIONS,
    Catalog,
    _digest,
    _load_traversable,
    load_catalog,
    load_rule_text,
    validated_digests,
    validated_manifest,
)
from advisor.policy.selftest import check_examples

CATALOG = load_catalog()

# Codes are an API: every code ever assigned, with its name (PRODUCT.md §4). A rule may be
# added here, never renamed or renumbered; a retired code stays listed so it is never reused.
ASSIGNED_CODES = {
    "ADV001": "parse-error",
    "ADV002": "unresolved-ref",
    "ADV003": "invalid-hint",
    "ADV004": "unused-suppression",  # issue 6: the next free ADV0xx code
    "ADV101": "stream-structured-output",
    "ADV102": "stream-short-output",
    "ADV103": "stream-then-buffer",
    "ADV104": "sync-long-form",
    "ADV105": "sync-long-pipeline",
    "ADV106": "batchable-offline-loop",
    "ADV107": "batch-in-request-path",
    "ADV108": "spec-code-drift",
    "ADV201": "sse-missing-no-buffer-headers",
    "ADV202": "sse-wrong-media-type",
    "ADV203": "sse-buffering-middleware",
    "ADV204": "sse-no-resume",
    "ADV205": "sse-malformed-frame",
    "ADV301": "chunkwise-utf8-decode",
    "ADV302": "per-token-heavy-render",
    "ADV303": "text-only-stream-handler",
    "ADV401": "poll-without-backoff",
    "ADV501": "job-without-status-url",
    "ADV502": "job-without-status-endpoint",
    "ADV601": "stream-flag-undocumented",
}

RULE_FILE = """\
code: {code}
name: {name}
severity: warning
summary: Event streams must send Cache-Control.
message: "event stream without {{missing}} ({{constructor}})"
when:
  fact: response
  where:
    all:
      - {{field: media_type, equals: text/event-stream}}
      - {{field: headers_known, is: true}}
      - {{field: effective_header_names, lacks-any: [cache-control], capture: missing}}
docs:
  what-it-does: Flags event streams without Cache-Control.
  why-is-this-bad: Caches may hold them.
  example: |
    ```python
    from fastapi.responses import StreamingResponse
    r = StreamingResponse(g(), media_type="text/event-stream")
    ```
  use-instead: |
    ```python
    from fastapi.responses import StreamingResponse
    r = StreamingResponse(g(), media_type="text/event-stream", headers={{"Cache-Control": "no-cache"}})
    ```
examples:
  bad:
    - code: |
        from fastapi.responses import StreamingResponse
        r = StreamingResponse(g(), media_type="text/event-stream")
      expect: [{line}]
    - code: |
        from flask import Response
        r = Response(g(), mimetype="text/event-stream")
      expect: [2]
  good:
    - code: |
        from fastapi.responses import StreamingResponse
        r = StreamingResponse(g(), media_type="text/event-stream", headers={{"cache-control": "x"}})
    - code: |
        from fastapi.responses import StreamingResponse
        r = StreamingResponse(g(), media_type="text/plain")
"""


def test_every_rule_has_an_assigned_code_and_name() -> None:
    for rule in CATALOG.rules:
        assert ASSIGNED_CODES.get(rule.code) == rule.name, (
            f"{rule.code} {rule.name}: codes and names are an API; add new codes to "
            "ASSIGNED_CODES, never rename or renumber"
        )


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.code)
def test_rule_file_is_named_after_its_code_and_name(rule: object) -> None:
    assert rule.source == f"rules/{rule.code}-{rule.name}.yaml"  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", CATALOG.rules, ids=lambda r: r.code)
def test_rule_has_all_required_doc_sections(rule: object) -> None:
    docs = dict(rule.docs)  # type: ignore[attr-defined]
    missing = [key for key in REQUIRED_DOC_SECTIONS if not docs.get(key, "").strip()]
    assert not missing, f"missing documentation sections: {missing}"
    assert len(rule.bad) >= 2 and len(rule.good) >= 2  # type: ignore[attr-defined]


def test_generated_docs_are_up_to_date() -> None:
    stale = stale_files(CATALOG)
    assert not stale, (
        f"stale generated docs: {[str(p.relative_to(REPO)) for p in stale]}; "
        "run: python -m advisor.dev docs"
    )


def test_readme_lists_exactly_the_catalog() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = re.findall(
        r"^\| \[(ADV\d{3})\]\(docs/rules/ADV\d{3}\.md\) \| `([a-z0-9-]+)` \|", readme, re.M
    )
    assert listed == [(r.code, r.name) for r in CATALOG.rules]


def test_harness_reports_a_wrong_expected_line() -> None:
    rule = load_rule_text(RULE_FILE.format(code="ACME001", name="needs-cache", line=1), "t.yaml")
    problems = check_examples(rule, Catalog((*CATALOG.rules, rule)))
    assert problems == ["ACME001 bad example 1: expected lines [1], reported lines [2]"]


def test_harness_reports_a_good_example_that_fires() -> None:
    text = RULE_FILE.format(code="ACME001", name="needs-cache", line=2).replace(
        '"cache-control": "x"', '"x-other": "x"'
    )
    rule = load_rule_text(text, "t.yaml")
    problems = check_examples(rule, Catalog((*CATALOG.rules, rule)))
    assert problems == ["ACME001 good example 1: reported at lines [2]"]


def test_a_correct_user_rule_passes_its_own_examples() -> None:
    rule = load_rule_text(RULE_FILE.format(code="ACME001", name="needs-cache", line=2), "t.yaml")
    assert check_examples(rule, Catalog((*CATALOG.rules, rule))) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("severity: warning", "severity: fatal"), "t.yaml: severity: 'fatal' is not one of"),
        (("fact: response", "fact: responses"), "t.yaml: when.fact: unknown fact kind 'responses'"),
        (
            ("field: media_type,", "field: mediatype,"),
            "t.yaml: when.where.all[0].field: fact kind has no field 'mediatype'",
        ),
        (("{{constructor}}", "{{constructer}}"), "t.yaml: message: unknown name 'constructer'"),
        (
            ("  what-it-does: Flags event streams without Cache-Control.\n", ""),
            "t.yaml: docs: missing 'what-it-does'",
        ),
        (("      expect: [2]\n", ""), "t.yaml: examples.bad[0]: missing expect"),
        (
            ("code: ACME001", "code: ADV901"),
            "t.yaml: code: ADV901 must not start with ADV (reserved)",
        ),
        (
            ("equals: text/event-stream", "equals: text/event-stream, is: true"),
            "t.yaml: when.where.all[0]: a test needs exactly one operator",
        ),
        (("name: needs-cache", "name: Needs_Cache"), "t.yaml: name: 'Needs_Cache' does not match"),
    ],
)
def test_invalid_rule_files_name_the_file_and_the_field(
    change: tuple[str, str], message: str
) -> None:
    text = RULE_FILE.format(code="ACME001", name="needs-cache", line=2)
    old, new = change
    old = old.replace("{{", "{").replace("}}", "}")
    new = new.replace("{{", "{").replace("}}", "}")
    assert old in text, old
    with pytest.raises(RuleFileError) as caught:
        load_rule_text(text.replace(old, new, 1), "t.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_broken_yaml_in_a_rule_file_names_the_line() -> None:
    with pytest.raises(RuleFileError, match=r"^t.yaml: line 3: invalid YAML"):
        load_rule_text("code: X\nname: [oops\n", "t.yaml")


def test_user_rule_dirs_join_the_catalog_and_may_not_reuse_codes(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "acme.yaml").write_text(
        RULE_FILE.format(code="ACME001", name="needs-cache", line=2), encoding="utf-8"
    )
    catalog = load_catalog([folder])
    rule = catalog.get("ACME001")
    assert rule is not None and not rule.builtin
    (folder / "again.yaml").write_text(
        RULE_FILE.format(code="ACME001", name="another-name", line=2), encoding="utf-8"
    )
    with pytest.raises(RuleFileError, match="code ACME001 is already used by"):
        load_catalog([folder])


def test_new_rule_scaffold_is_schema_shaped_but_incomplete() -> None:
    from advisor.dev import SCAFFOLD

    text = SCAFFOLD.format(code="ADV999", name="x", fact="response", severity="warning")
    with pytest.raises(
        RuleFileError, match=r"field: TODO|fact kind has no field 'TODO'|does not match"
    ):
        load_rule_text(textwrap.dedent(text), "rules/ADV999-x.yaml", builtin=True)


def test_every_builtin_rule_file_matches_the_schema() -> None:
    """The shipped manifest of validated rule files is only written after validating each one."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted((REPO / "rules").glob("*.yaml"))}
    manifest = validated_manifest(files)
    assert len(manifest.splitlines()) == len(files)
    broken = dict(files)
    name = sorted(broken)[-1]
    broken[name] = broken[name].replace("severity: warning", "severity: loud", 1)
    assert broken[name] != files[name]
    with pytest.raises(RuleFileError, match=rf"^rules/{name}: severity: 'loud' is not one of"):
        validated_manifest(broken)


def test_a_rule_file_the_fast_reader_reads_differently_is_never_listed() -> None:
    """Listed built-in files are read by the fast reader: `010` is 8 to PyYAML (YAML 1.1) and
    10 to yaml_rs (1.2), so a file that holds it cannot be listed."""
    text = RULE_FILE.format(code="ADV999", name="needs-cache", line="010")
    with pytest.raises(RuleFileError, match="reads this file differently"):
        validated_manifest({"ADV999-needs-cache.yaml": text})
    alike = RULE_FILE.format(code="ADV999", name="needs-cache", line="10")  # 10 to both
    assert len(validated_manifest({"ADV999-needs-cache.yaml": alike}).splitlines()) == 1


def test_listed_builtin_rules_are_the_rules_pyyaml_reads() -> None:
    for path in sorted((REPO / "rules").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        label = f"rules/{path.name}"
        assert _digest(text) in validated_digests(), path.name
        fast = _load_traversable(path, label, builtin=True)
        assert fast == load_rule_text(text, label, builtin=True), path.name


def test_an_edited_builtin_rule_file_is_validated_at_load(tmp_path: Path) -> None:
    """Only files byte-identical to validated ones skip the schema: an installed rule file that
    was edited afterwards is checked like a user's."""
    source = next(iter(sorted((REPO / "rules").glob("*.yaml"))))
    text = source.read_text(encoding="utf-8")
    assert _digest(text) in validated_digests()
    edited = text.replace("severity:", "severity: loud\nx-severity:", 1)
    (tmp_path / source.name).write_text(edited, encoding="utf-8")
    with pytest.raises(RuleFileError, match=rf"^rules/{source.name}: "):
        _load_traversable(tmp_path / source.name, f"rules/{source.name}", builtin=True)
