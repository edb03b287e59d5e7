"""`--format sarif`: valid SARIF 2.1.0 (the official schema, kept in tests/schemas/) in the shape
GitHub code scanning documents ("SARIF support for code scanning")."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import referencing
from support import REPO, Run, check_snapshot

from advisor.exitcodes import ExitCode

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]
SARIF_SCHEMA = json.loads((REPO / "tests" / "schemas" / "sarif-2.1.0.json").read_text())

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_NOT_IN_URIS = re.compile(r"[\s<>\"{}|\\^`]")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    """RFC 3986 absolute URI: a scheme, and no character that must be percent-encoded."""
    return isinstance(value, str) and bool(
        _SCHEME.match(urlsplit(value).scheme) and not _NOT_IN_URIS.search(value)
    )


@FORMATS.checks("uri-reference")
def _is_uri_reference(value: object) -> bool:
    return isinstance(value, str) and not _NOT_IN_URIS.search(value)


def _no_network(uri: str) -> referencing.Resource[Any]:
    raise AssertionError(f"the SARIF schema tried to fetch {uri}")


def validate_sarif(document: Mapping[str, Any]) -> None:
    """Against the official schema, formats included, and never over the network."""
    cls = jsonschema.validators.validator_for(SARIF_SCHEMA)
    cls.check_schema(SARIF_SCHEMA)
    validator = cls(
        SARIF_SCHEMA,
        format_checker=FORMATS,
        registry=referencing.Registry(retrieve=_no_network),
    )
    validator.validate(document)


def sarif_of(run_cli: RunCli, *args: str, cwd: Path) -> dict[str, Any]:
    result = run_cli("check", "--format", "sarif", *args, cwd=cwd)
    assert result.err == ""
    document: dict[str, Any] = json.loads(result.out)
    return document


SSE_BARE = """
    from fastapi.responses import StreamingResponse


    def events():
        return StreamingResponse(gen(), media_type="text/event-stream")
    """


def test_examples_validate_against_the_sarif_schema(run_cli: RunCli) -> None:
    document = sarif_of(run_cli, "examples", cwd=REPO)
    validate_sarif(document)
    (run,) = document["runs"]
    as_json = json.loads(run_cli("check", "--format", "json", "examples", cwd=REPO).out)
    assert len(run["results"]) == len(as_json["findings"]) >= 10
    root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root_uri == REPO.as_uri() + "/"
    # The results are pinned, less what moves when rules are added (rule indexes are checked
    # below, as are the rules themselves: the catalog's documentation).
    results = [{k: v for k, v in r.items() if k != "ruleIndex"} for r in run["results"]]
    text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    check_snapshot(REPO / "tests" / "snapshots" / "examples.sarif-results.json", text)


def test_the_schema_rejects_what_github_would_reject() -> None:
    """The validation is not vacuous: a relative helpUri or a missing message fails it."""
    minimal: dict[str, Any] = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x", "rules": [{"id": "A1", "helpUri": "docs/A1"}]}},
                "results": [],
            }
        ],
    }
    with pytest.raises(jsonschema.ValidationError, match="is not a 'uri'"):
        validate_sarif(minimal)
    minimal["runs"][0]["tool"]["driver"]["rules"] = [{"id": "A1"}]
    minimal["runs"][0]["results"] = [{"ruleId": "A1"}]
    with pytest.raises(jsonschema.ValidationError, match="'message' is a required property"):
        validate_sarif(minimal)


def test_rules_come_from_the_catalog(run_cli: RunCli) -> None:
    document = sarif_of(run_cli, "examples", cwd=REPO)
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "endpoint-advisor"
    assert driver["semanticVersion"] == "0.1.0"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    adv201 = rules["ADV201"]
    assert adv201["name"] == "sse-missing-no-buffer-headers"
    assert adv201["shortDescription"]["text"].startswith("An SSE response sent without")
    assert adv201["fullDescription"]["text"].startswith("Finds Server-Sent-Events responses")
    assert adv201["help"]["markdown"].startswith("# ADV201 · sse-missing-no-buffer-headers\n")
    assert "## Why is this bad?" in adv201["help"]["markdown"]
    assert adv201["help"]["text"]
    assert adv201["defaultConfiguration"] == {"level": "warning"}
    assert rules["ADV102"]["defaultConfiguration"] == {"level": "note"}
    assert rules["ADV107"]["defaultConfiguration"] == {"level": "error"}
    for rule in driver["rules"]:
        # GitHub's documented limits.
        assert len(rule["name"]) <= 255
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert "helpUri" not in rule  # a relative URI would not be a valid `uri`


def test_results_point_at_their_rule_and_region(run_cli: RunCli) -> None:
    document = sarif_of(run_cli, "examples", cwd=REPO)
    run = document["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert run["columnKind"] == "unicodeCodePoints"
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (REPO / artifact["uri"]).is_file()
        assert set(result["partialFingerprints"]) == {"advisorFingerprint/v1"}
    first = next(r for r in run["results"] if r["ruleId"] == "ADV201")
    assert first["level"] == "warning"
    assert first["message"]["text"].startswith("SSE response without `cache-control`")
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {
            "uri": "examples/chat-service/app/routes/chat.py",
            "uriBaseId": "%SRCROOT%",
        },
        "region": {"startLine": 38, "startColumn": 12, "endLine": 38, "endColumn": 89},
    }
    spec = next(r for r in run["results"] if r["ruleId"] == "ADV204")
    # A spec finding covers the line of its key.
    assert spec["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 128,
        "startColumn": 13,
        "endLine": 128,
        "endColumn": 31,
    }


def test_fingerprints_are_those_of_json_and_baselines(run_cli: RunCli) -> None:
    sarif = sarif_of(run_cli, "examples", cwd=REPO)
    as_json = json.loads(run_cli("check", "--format", "json", "examples", cwd=REPO).out)
    assert [
        r["partialFingerprints"]["advisorFingerprint/v1"] for r in sarif["runs"][0]["results"]
    ] == [f["fingerprint"] for f in as_json["findings"]]


def _flow(result: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    (code_flow,) = result["codeFlows"]
    (thread,) = code_flow["threadFlows"]
    return [
        (
            step["location"]["message"]["text"],
            step["location"]["physicalLocation"]["artifactLocation"]["uri"],
            step["location"]["physicalLocation"]["region"]["startLine"],
        )
        for step in thread["locations"]
    ]


def test_call_graph_trails_become_code_flows(run_cli: RunCli) -> None:
    results = sarif_of(run_cli, "examples", cwd=REPO)["runs"][0]["results"]
    by_code = {r["ruleId"]: r for r in results}
    # A route has no file: it names the first step.
    assert _flow(by_code["ADV107"]) == [
        (
            "POST /api/reports/now -> create_reports_now",
            "examples/flask-service/reports_app/reports.py",
            26,
        ),
        ("wait_until_ended", "examples/flask-service/reports_app/batching.py", 25),
        ("ADV107 reported here", "examples/flask-service/reports_app/batching.py", 27),
    ]
    # The loop is in `main`; the model call it reaches comes after it.
    assert _flow(by_code["ADV106"]) == [
        ("__main__", "examples/enrichment/label_tickets.py", 22),
        ("main", "examples/enrichment/label_tickets.py", 14),
        ("ADV106 reported here", "examples/enrichment/label_tickets.py", 18),
        ("classify", "examples/enrichment/llm.py", 10),
        ("chat.completions.create", "examples/enrichment/llm.py", 11),
    ]
    assert "codeFlows" not in by_code["ADV201"]


def test_paths_are_relative_to_the_git_work_tree(project: Project, run_cli: RunCli) -> None:
    """A project configured in a subfolder (a monorepo) still gets repository paths."""
    root = project(
        {
            "services/chat/.advisor.yaml": "select: [ADV2]\n",
            "services/chat/app name.py": SSE_BARE,
        }
    )
    document = sarif_of(run_cli, cwd=root / "services" / "chat")
    validate_sarif(document)
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "services/chat/app%20name.py", "uriBaseId": "%SRCROOT%"}
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]][:1] == ["ADV201"]


def test_severity_overrides_set_the_result_level(project: Project, run_cli: RunCli) -> None:
    root = project({".advisor.yaml": "severity: {ADV201: error}\n", "app.py": SSE_BARE})
    run = sarif_of(run_cli, cwd=root)["runs"][0]
    assert run["results"][0]["level"] == "error"
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "ADV201")
    assert rule["defaultConfiguration"] == {"level": "warning"}


def test_clean_run_is_valid_sarif_and_exits_zero(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": "print('hello')\n"})
    result = run_cli("check", "--format", "sarif", cwd=root)
    assert result.status == ExitCode.OK
    document = json.loads(result.out)
    validate_sarif(document)
    assert document["runs"][0]["results"] == []


def test_a_point_without_an_end_runs_to_the_end_of_its_line(
    project: Project, run_cli: RunCli
) -> None:
    """A parse error is a position: SARIF's default end (the end of the line) says so."""
    broken = "from openai import OpenAI\ndef f(:\n    pass\n"  # names an SDK client, so the pre-filter reads it
    document = sarif_of(run_cli, cwd=project({"bad.py": broken}))
    validate_sarif(document)
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "ADV001"
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 7,
        "endLine": 2,
    }
