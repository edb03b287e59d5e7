"""Command-line behaviour as scenarios: files, command, expected output and exit status."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import jsonschema
import pytest
from support import REPO, Run

import advisor.cli
import advisor.engine
from advisor.exitcodes import ExitCode
from advisor.read.python import GRAMMAR
from advisor.resources import schema

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]

SSE_BARE = """
    from fastapi.responses import StreamingResponse


    def events():
        return StreamingResponse(gen(), media_type="text/event-stream")
    """
STRUCTURED_STREAM = """
    from openai import OpenAI

    client = OpenAI()


    def extract():
        return client.chat.completions.create(
            model="m", messages=[], response_format={"type": "json_object"}, stream=True
        )
    """


def test_check_prints_sorted_findings_and_a_summary(project: Project, run_cli: RunCli) -> None:
    root = project({"b.py": SSE_BARE, "a.py": STRUCTURED_STREAM, "sub/c.py": SSE_BARE})
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.FINDINGS
    lines = result.out.splitlines()
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        "a.py:7:12",
        "b.py:5:12",
        "sub/c.py:5:12",
    ]
    assert lines[0].startswith("a.py:7:12: ADV101 `chat.completions.create` streams")
    assert lines[1].startswith("b.py:5:12: ADV201 SSE response without `cache-control`")
    assert lines[-1] == "Found 3 findings (3 warnings) in 3 files."
    assert result.err == ""


def test_clean_project_exits_zero(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": "print('hello')\n"})
    result = run_cli("check", str(root))
    assert result.status == ExitCode.OK
    assert result.out == "All checks passed (1 file checked).\n"


def test_paths_are_shown_relative_to_the_working_folder(project: Project, run_cli: RunCli) -> None:
    root = project({"svc/app.py": SSE_BARE})
    result = run_cli("check", "app.py", cwd=root / "svc")
    assert result.out.startswith("app.py:5:12: ADV201")


@pytest.mark.parametrize(
    ("options", "codes"),
    [
        ((), ["ADV101", "ADV201"]),
        (("--select", "ADV2"), ["ADV201"]),
        (("--select", "ADV1,ADV2"), ["ADV101", "ADV201"]),
        (("--ignore", "ADV101"), ["ADV201"]),
        (("--select", "ADV201", "--ignore", "ADV2"), ["ADV201"]),
        (("--select", "ADV2", "--ignore", "ADV201"), []),
        (("--select", "ADV001", "--extend-select", "adv101"), ["ADV101"]),
    ],
)
def test_selection_follows_ruff_semantics(
    project: Project, run_cli: RunCli, options: tuple[str, ...], codes: list[str]
) -> None:
    root = project({"a.py": STRUCTURED_STREAM, "b.py": SSE_BARE})
    result = run_cli("check", "--quiet", *options, cwd=root)
    assert [line.split()[1] for line in result.out.splitlines()] == codes
    assert result.status == (ExitCode.FINDINGS if codes else ExitCode.OK)


def test_unknown_selector_is_a_usage_error(project: Project, run_cli: RunCli) -> None:
    root = project({"a.py": "x = 1\n"})
    result = run_cli("check", "--select", "XYZ9", cwd=root)
    assert result.status == ExitCode.ERROR
    assert result.err == "advisor: error: select: 'XYZ9' matches no rule code\n"


def test_json_output_matches_its_schema(project: Project, run_cli: RunCli) -> None:
    root = project({"a.py": STRUCTURED_STREAM, "b.py": SSE_BARE})
    result = run_cli("check", "--format", "json", cwd=root)
    document = json.loads(result.out)
    jsonschema.validate(document, schema("output.schema.json"))
    assert [(f["code"], f["path"], f["line"], f["function"]) for f in document["findings"]] == [
        ("ADV101", "a.py", 7, "extract"),
        ("ADV201", "b.py", 5, "events"),
    ]
    assert document["summary"]["by_severity"] == {"error": 0, "warning": 2, "info": 0}
    assert result.status == ExitCode.FINDINGS


def test_output_file_receives_the_report(project: Project, run_cli: RunCli) -> None:
    root = project({"b.py": SSE_BARE})
    result = run_cli("check", "--format", "json", "-o", "out/report.json", cwd=root)
    assert result.out == ""
    assert json.loads((root / "out" / "report.json").read_text())["summary"]["findings"] == 1
    assert result.status == ExitCode.FINDINGS


def test_exit_zero_and_fail_on(project: Project, run_cli: RunCli) -> None:
    root = project({"b.py": SSE_BARE})
    assert run_cli("check", "--exit-zero", cwd=root).status == ExitCode.OK
    relaxed = run_cli("check", "--fail-on", "error", cwd=root)
    assert relaxed.status == ExitCode.OK
    assert relaxed.out.splitlines()[-1] == (
        "Found 1 finding (1 warning) in 1 file. 1 below fail-on=error do not fail the run."
    )
    assert run_cli("check", "--fail-on", "info", cwd=root).status == ExitCode.FINDINGS


def test_quiet_and_statistics(project: Project, run_cli: RunCli) -> None:
    root = project({"a.py": SSE_BARE, "b.py": SSE_BARE, "c.py": STRUCTURED_STREAM})
    quiet = run_cli("check", "-q", cwd=root)
    assert len(quiet.out.splitlines()) == 3
    stats = run_cli("check", "--statistics", cwd=root)
    assert stats.out.splitlines() == [
        "2  ADV201  sse-missing-no-buffer-headers [warning]",
        "1  ADV101  stream-structured-output [warning]",
        "Found 3 findings (3 warnings) in 3 files.",
    ]


def test_broken_files_are_findings_not_crashes(project: Project, run_cli: RunCli) -> None:
    root = project(
        {
            # A file the pre-filter would skip is not parsed at all (advisor/prefilter.py): the
            # broken file mentions a framework, so it is analysed and its error reported.
            "bad.py": "def f(:\n    pass\nimport fastapi\napp = fastapi.FastAPI()\n",
            "spec.yaml": "openapi: 3.1.0\npaths:\n  /a: {get: [\n",
            "ok.py": SSE_BARE,
        }
    )
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.FINDINGS
    assert result.out.splitlines()[:3] == [
        f"bad.py:1:7: ADV001 cannot analyse this file: syntax error under Python {GRAMMAR}: invalid syntax",
        "ok.py:5:12: ADV201 SSE response without `cache-control`, `x-accel-buffering`: nginx and "
        "most CDNs may buffer the stream and deliver it in one late burst",
        "spec.yaml:4:1: ADV001 cannot analyse this file: invalid YAML: did not find expected "
        "node content",
    ]
    assert "Traceback" not in result.err


def test_missing_path_is_a_usage_error(project: Project, run_cli: RunCli) -> None:
    root = project({})
    result = run_cli("check", "nope/", cwd=root)
    assert result.status == ExitCode.ERROR
    assert result.err == "advisor: error: nope: no such file or directory\n"


def test_rules_and_rule(run_cli: RunCli) -> None:
    listing = run_cli("rules")
    assert listing.status == ExitCode.OK
    assert any(
        line.startswith("ADV201  sse-missing-no-buffer-headers")
        for line in listing.out.splitlines()
    )
    as_json = json.loads(run_cli("rules", "--format", "json").out)
    assert {"code": "ADV001", "name": "parse-error", "severity": "error"}.items() <= as_json[
        0
    ].items()
    doc = run_cli("rule", "adv201")
    assert doc.out.startswith("# ADV201 · sse-missing-no-buffer-headers\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in doc.out
    by_name = run_cli("rule", "stream-structured-output")
    assert by_name.out.startswith("# ADV101 ")
    unknown = run_cli("rule", "ADV999")
    assert unknown.status == ExitCode.ERROR
    assert unknown.err == "advisor: error: unknown rule 'ADV999' (see `advisor rules`)\n"


def test_facts_lists_every_kind(run_cli: RunCli) -> None:
    out = run_cli("facts").out
    for kind in ("## `response`", "## `llm-call`", "## `operation`", "## `parse-failure`"):
        assert kind in out


def test_internal_errors_become_one_line(
    project: Project, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(advisor.engine, "analyze", explode)  # the command imports it when run
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)
    result = run_cli("check", cwd=project({}))
    assert result.status == ExitCode.ERROR
    assert result.err == (
        "advisor: internal error: KeyError: 'surprise' "
        "(set ADVISOR_DEBUG=1 for a traceback; please report it)\n"
    )


def test_unknown_option_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("check", "--frobnicate")
    assert result.status == ExitCode.ERROR
    assert "No such option '--frobnicate'" in result.err


def test_help_and_version(run_cli: RunCli) -> None:
    assert run_cli("--version").out == "advisor, version 0.1.0\n"
    help_text = run_cli("check", "--help")
    assert help_text.status == ExitCode.OK
    assert "--select CODES" in help_text.out


_ACME001 = (REPO / "tests" / "fixtures" / "user-rules" / "acme001.yaml").read_text()


def _acme_project(project: Project) -> Path:
    """A project with one rule of its own (`policies/acme001.yaml`) and code it flags."""
    return project(
        {
            "pyproject.toml": '[tool.advisor]\nrule-dirs = ["policies"]\n',
            "policies/acme001.yaml": _ACME001,
            "app.py": SSE_BARE,
        }
    )


def test_test_rules_runs_user_rule_examples(project: Project, run_cli: RunCli) -> None:
    rule = _ACME001
    root = _acme_project(project)
    passed = run_cli("test-rules", cwd=root)
    assert passed.out.splitlines() == ["ACME001 sse-needs-cache-control: ok", "1 passed, 0 failed."]
    assert passed.status == ExitCode.OK
    checked = run_cli("check", "--select", "ACME", cwd=root)
    assert checked.out.splitlines()[0] == (
        "app.py:5:12: ACME001 event stream without `cache-control` "
        "(fastapi.responses.StreamingResponse)"
    )
    (root / "policies" / "acme001.yaml").write_text(rule.replace("expect: [5]", "expect: [4]"))
    failed = run_cli("test-rules", cwd=root)
    assert failed.status == ExitCode.FINDINGS
    assert (
        "  ACME001 bad example 1 (bare StreamingResponse): expected lines [4], reported lines [5]"
        in (failed.out.splitlines())
    )


def test_an_edited_user_rule_is_read_again(project: Project, run_cli: RunCli) -> None:
    # The parsed catalog is kept in the cache by the rule files' contents: an edit shows.
    rule = _ACME001
    root = _acme_project(project)
    first = run_cli("check", "--select", "ACME", cwd=root)
    assert "ACME001 event stream without" in first.out
    (root / "policies" / "acme001.yaml").write_text(
        rule.replace("event stream without", "stream lacks")
    )
    edited = run_cli("check", "--select", "ACME", cwd=root)
    assert "ACME001 stream lacks" in edited.out


def test_invalid_user_rule_file_exits_2(project: Project, run_cli: RunCli) -> None:
    root = project(
        {
            "pyproject.toml": '[tool.advisor]\nrule-dirs = ["policies"]\n',
            "policies/broken.yaml": "code: ACME001\nname: x\n",
            "app.py": "x = 1\n",
        }
    )
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.ERROR
    assert result.err == "advisor: error: policies/broken.yaml: top level: missing 'severity'\n"


def test_a_detector_bug_names_the_file(
    project: Project, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import advisor.facts

    real = advisor.facts.summarize

    def flaky(path: str, *args: object, **kwargs: object) -> object:
        if path == "b.py":
            raise TypeError("unexpected keyword argument 'x'")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(advisor.facts, "summarize", flaky)  # the runner imports it when it runs
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)
    result = run_cli("check", cwd=project({"a.py": "x = 1\n", "b.py": "from flask import Flask\n"}))
    assert result.status == ExitCode.ERROR
    assert result.err == (
        "advisor: internal error: while analysing b.py: TypeError: unexpected keyword argument "
        "'x' (set ADVISOR_DEBUG=1 for a traceback; please report it)\n"
    )
