"""`--format github`: GitHub Actions workflow commands, escaped as the Actions toolkit does."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import REPO, Run

from advisor.exitcodes import ExitCode
from advisor.reporters.github import escape_data, escape_property

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]

SSE_BARE = """
    from fastapi.responses import StreamingResponse


    def events():
        return StreamingResponse(gen(), media_type="text/event-stream")
    """


def test_one_annotation_per_finding(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": SSE_BARE})
    result = run_cli("check", "--format", "github", cwd=root)
    assert result.status == ExitCode.FINDINGS
    annotation, summary = result.out.splitlines()
    assert annotation == (
        "::warning file=app.py,line=5,col=12,endLine=5,endColumn=68,"
        "title=ADV201 sse-missing-no-buffer-headers::"
        "SSE response without `cache-control`, `x-accel-buffering`: nginx and most CDNs may "
        "buffer the stream and deliver it in one late burst"
        "%0Afix: Send `Cache-Control: no-cache` and `X-Accel-Buffering: no` with the response"
    )
    assert summary == "Found 1 finding (1 warning) in 1 file."
    assert run_cli("check", "--format", "github", "-q", cwd=root).out.count("\n") == 1


def test_severities_map_to_error_warning_notice(project: Project, run_cli: RunCli) -> None:
    out = run_cli("check", "--format", "github", "-q", "examples", cwd=REPO).out
    commands = [line.split(" ", 1)[0] for line in out.splitlines()]
    findings = json.loads(run_cli("check", "--format", "json", "examples", cwd=REPO).out)
    severities = [f["severity"] for f in findings["findings"]]
    assert commands.count("::error") == severities.count("error") >= 1  # ADV107
    assert commands.count("::warning") == severities.count("warning")
    assert commands.count("::notice") == severities.count("info")
    root = project({".advisor.yaml": "severity: {ADV201: info}\n", "app.py": SSE_BARE})
    info = run_cli("check", "--format", "github", "-q", cwd=root)
    assert info.out.startswith("::notice file=app.py,line=5,")
    assert info.status == ExitCode.OK


def test_trails_and_paths(run_cli: RunCli) -> None:
    out = run_cli("check", "--format", "github", "-q", ".", cwd=REPO / "examples").out
    line = next(line for line in out.splitlines() if "ADV107" in line)
    # Paths are relative to the git work tree (where GitHub resolves them), whatever the
    # working folder; the trail is a second line of the message.
    assert line.startswith(
        "::error file=examples/flask-service/reports_app/batching.py,line=27,col=17,"
    )
    assert "%0Avia POST /api/reports/now -> flask-service/reports_app/reports.py:26 " in line


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("50% done", "50%25 done", "50%25 done"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("%0A", "%250A", "%250A"),  # an escape sequence in the text stays literal
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
)
def test_escaping_follows_the_actions_toolkit(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_a_hostile_file_name_cannot_break_out(project: Project, run_cli: RunCli) -> None:
    root = project({"a,b:c%.py": SSE_BARE})
    out = run_cli("check", "--format", "github", "-q", cwd=root).out
    assert out.startswith("::warning file=a%2Cb%3Ac%25.py,line=5,")
    assert out.count("\n") == 1
