"""Baselines: `--write-baseline` records today's findings, `--baseline` reports only new ones,
and fingerprints survive edits that only move code around."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import jsonschema
from support import Run

from advisor.engine import analyze
from advisor.exitcodes import ExitCode
from advisor.resources import schema

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]

APP = textwrap.dedent(
    """
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()


    @app.post("/chat")
    async def chat(prompt: str):
        return StreamingResponse(tokens(prompt), media_type="text/event-stream")


    @app.post("/twice")
    async def twice(prompt: str):
        if prompt:
            return StreamingResponse(tokens(prompt), media_type="text/event-stream")
        return StreamingResponse(tokens(prompt), media_type="text/event-stream")
    """
).lstrip("\n")
SPEC = textwrap.dedent(
    """
    openapi: 3.1.0
    info: {title: t, version: "1"}
    paths:
      /completions:
        post:
          parameters:
            - {name: stream, in: query, schema: {type: boolean}}
          responses:
            "200":
              description: ok
              content:
                application/json: {schema: {type: object}}
    """
).lstrip("\n")


def summary(out: str) -> str:
    """The summary line (an endpoints-need-review line may follow it)."""
    return next(line for line in out.splitlines() if line.startswith(("All checks", "Found ")))


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")


def adopt(project: Project, run_cli: RunCli) -> Path:
    root = project({"app.py": APP, "openapi.yaml": SPEC})
    written = run_cli("check", "--write-baseline", "advisor-baseline.json", cwd=root)
    assert written.status == ExitCode.OK
    assert written.out == "Wrote 4 findings to advisor-baseline.json.\n"
    return root


def test_written_baseline_matches_its_schema(project: Project, run_cli: RunCli) -> None:
    root = adopt(project, run_cli)
    document = json.loads((root / "advisor-baseline.json").read_text())
    jsonschema.validate(document, schema("baseline.schema.json"))
    assert document["schema_version"] == 1
    assert document["fingerprint_version"] == "v1"
    assert [(f["code"], f["path"], f["context"]) for f in document["findings"]] == [
        ("ADV201", "app.py", "chat"),
        ("ADV201", "app.py", "twice"),
        ("ADV201", "app.py", "twice"),
        ("ADV601", "openapi.yaml", "openapi.yaml#/paths/~1completions/post"),
    ]
    # The same input gives the same file.
    run_cli("check", "--write-baseline", "again.json", cwd=root)
    assert (root / "again.json").read_text() == (root / "advisor-baseline.json").read_text()


def test_everything_baselined_passes(project: Project, run_cli: RunCli) -> None:
    root = adopt(project, run_cli)
    result = run_cli("check", "--baseline", "advisor-baseline.json", cwd=root)
    assert result.status == ExitCode.OK
    assert summary(result.out) == (
        "All checks passed (2 files checked). 4 baselined findings not reported."
    )


def test_shifted_lines_stay_baselined(project: Project, run_cli: RunCli) -> None:
    root = adopt(project, run_cli)
    before = {(f.code, f.location.line) for f in analyze([root]).findings}
    shifted = APP.replace(
        "app = FastAPI()\n",
        "import logging\n\nlog = logging.getLogger(__name__)\napp = FastAPI()\n",
    ).replace(  # reformatted, not changed
        'return StreamingResponse(tokens(prompt), media_type="text/event-stream")\n\n\n',
        'return StreamingResponse( tokens(prompt),  media_type="text/event-stream" )\n\n\n',
    )
    write(root, "app.py", shifted)
    write(root, "openapi.yaml", SPEC.replace("paths:\n", "tags: [{name: chat}]\npaths:\n"))
    after = {(f.code, f.location.line) for f in analyze([root]).findings}
    assert before.isdisjoint(after)  # every finding moved
    result = run_cli("check", "--baseline", "advisor-baseline.json", cwd=root)
    assert result.status == ExitCode.OK, result.out
    assert summary(result.out).endswith("4 baselined findings not reported.")


def test_changed_and_new_findings_are_reported(project: Project, run_cli: RunCli) -> None:
    root = adopt(project, run_cli)
    changed = APP.replace(
        'return StreamingResponse(tokens(prompt), media_type="text/event-stream")\n\n\n',
        'return StreamingResponse(tokens(prompt[:100]), media_type="text/event-stream")\n\n\n',
    ) + (
        '\n\n@app.post("/more")\nasync def more(prompt: str):\n'
        '    return StreamingResponse(tokens(prompt), media_type="text/event-stream")\n'
    )
    write(root, "app.py", changed)
    result = run_cli("check", "-q", "--baseline", "advisor-baseline.json", cwd=root)
    assert result.status == ExitCode.FINDINGS
    assert [line.split(": ")[0] for line in result.out.splitlines()] == [
        "app.py:9:12",  # the offending line changed
        "app.py:21:12",  # a new endpoint
    ]
    out = run_cli("check", "--baseline", "advisor-baseline.json", cwd=root).out
    assert summary(out) == (
        "Found 2 findings (2 warnings) in 2 files. 3 baselined findings not reported."
    )


def test_one_more_duplicate_in_a_function_is_new(project: Project, run_cli: RunCli) -> None:
    """Two identical findings in one function are two entries (an occurrence index): a third
    one is reported, the first two stay baselined."""
    root = adopt(project, run_cli)
    third = APP.replace(
        "    if prompt:\n",
        "    if prompt == 'x':\n"
        '        return StreamingResponse(tokens(prompt), media_type="text/event-stream")\n'
        "    if prompt:\n",
    )
    write(root, "app.py", third)
    result = run_cli("check", "-q", "--baseline", "advisor-baseline.json", cwd=root)
    assert len(result.out.splitlines()) == 1
    assert result.out.startswith("app.py:")
    assert "ADV201" in result.out


def test_json_output_counts_baselined_findings(project: Project, run_cli: RunCli) -> None:
    root = adopt(project, run_cli)
    document = json.loads(
        run_cli("check", "--format", "json", "--baseline", "advisor-baseline.json", cwd=root).out
    )
    jsonschema.validate(document, schema("output.schema.json"))
    assert document["findings"] == []
    assert document["summary"]["baselined"] == 4


def test_missing_or_broken_baseline_is_a_usage_error(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": APP, "bad.json": "[]", "other.json": '{"schema_version": 1,'})
    missing = run_cli("check", "--baseline", "nope.json", cwd=root)
    assert missing.status == ExitCode.ERROR
    assert missing.err == (
        "advisor: error: nope.json: baseline file not found (write one with --write-baseline)\n"
    )
    wrong = run_cli("check", "--baseline", "bad.json", cwd=root)
    assert wrong.status == ExitCode.ERROR
    assert wrong.err.startswith("advisor: error: bad.json: not a baseline file (top level: ")
    broken = run_cli("check", "--baseline", "other.json", cwd=root)
    assert broken.err.startswith("advisor: error: other.json: baseline is not valid JSON")


def test_fingerprints_ignore_whitespace_but_not_code() -> None:
    from advisor.fingerprints import normalized_snippet

    assert normalized_snippet("f( a,  b )") == normalized_snippet("f(a, b)")
    assert normalized_snippet("f(a, b)") != normalized_snippet("f(a, c)")
