"""ADV004 unused-suppression: made by the engine after suppressions are applied, judged against
every rule's findings whatever the selection (the rule's examples cover the basic cases)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from support import Run

from advisor.exitcodes import ExitCode

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]

USED = """
    from fastapi.responses import StreamingResponse


    def events():
        return StreamingResponse(gen(), media_type="text/event-stream")  # advisor: ignore[ADV201]
    """
UNUSED = """
    from fastapi.responses import StreamingResponse


    def events():
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(gen(), media_type="text/event-stream", headers=headers)  # advisor: ignore[ADV201]
    """


def lines(run: Run) -> list[str]:
    return [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in run.out.splitlines()]


def test_judged_alike_whatever_the_selection(project: Project, run_cli: RunCli) -> None:
    root = project({"used.py": USED, "unused.py": UNUSED})
    expected = ["unused.py:6:87: ADV004"]
    assert lines(run_cli("check", "-q", cwd=root)) == expected
    assert lines(run_cli("check", "-q", "--select", "ADV004", cwd=root)) == expected
    assert lines(run_cli("check", "-q", "--select", "ADV0", "--ignore", "ADV2", cwd=root)) == (
        expected
    )
    assert run_cli("check", "-q", "--ignore", "ADV004", cwd=root).out == ""


def test_a_rule_turned_off_in_the_configuration_still_counts(
    project: Project, run_cli: RunCli
) -> None:
    root = project({".advisor.yaml": "ignore: [ADV201]\n", "used.py": USED})
    result = run_cli("check", cwd=root)
    assert result.out == "All checks passed (1 file checked).\n"


def test_findings_dropped_for_other_reasons_count_as_hidden(
    project: Project, run_cli: RunCli
) -> None:
    root = project(
        {
            ".advisor.yaml": "per-file-ignores: {'legacy/*': [ADV201]}\n",
            "legacy/used.py": USED,
            "tests/test_used.py": USED,
        }
    )
    assert run_cli("check", "-q", cwd=root).out == ""


def test_severity_is_info_and_does_not_fail_by_default(project: Project, run_cli: RunCli) -> None:
    root = project({"unused.py": UNUSED})
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.OK
    assert result.out.splitlines() == [
        "unused.py:6:87: ADV004 unused suppression: `ADV201` is not reported here",
        "Found 1 finding (1 info) in 1 file. 1 below fail-on=warning do not fail the run.",
    ]
    assert run_cli("check", "--fail-on", "info", cwd=root).status == ExitCode.FINDINGS
    project({".advisor.yaml": "severity: {ADV004: warning}\n"})  # the same folder, stricter
    assert run_cli("check", "-q", cwd=root).status == ExitCode.FINDINGS


def test_its_own_reports_follow_per_file_ignores(project: Project, run_cli: RunCli) -> None:
    root = project({".advisor.yaml": "per-file-ignores: {'*.py': [ADV004]}\n", "u.py": UNUSED})
    assert run_cli("check", "-q", cwd=root).out == ""


def test_a_bare_ignore_does_not_hide_its_own_report(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": "import json\n\nDATA = json.loads('{}')  # advisor: ignore\n"})
    assert lines(run_cli("check", "-q", cwd=root)) == ["app.py:3:26: ADV004"]


def test_spec_ignores_are_judged_where_written(project: Project, run_cli: RunCli) -> None:
    """A document-level list covers every operation: used if any operation uses it."""
    root = project(
        {
            "openapi.yaml": """
                openapi: 3.1.0
                info: {title: t, version: "1"}
                x-advisor-ignore: [ADV601]
                paths:
                  /a:
                    get:
                      responses: {"200": {description: ok}}
                  /b:
                    post:
                      x-advisor-ignore: [ADV601]
                      parameters:
                        - {name: stream, in: query, schema: {type: boolean}}
                      responses:
                        "200":
                          description: ok
                          content:
                            application/json: {schema: {type: object}}
                """
        }
    )
    assert run_cli("check", "-q", cwd=root).out == ""


def test_a_referenced_path_item_is_judged_once(project: Project, run_cli: RunCli) -> None:
    root = project(
        {
            "openapi.yaml": """
                openapi: 3.1.0
                info: {title: t, version: "1"}
                paths:
                  /a: {$ref: "items.yaml#/A"}
                  /b: {$ref: "items.yaml#/A"}
                """,
            "items.yaml": """
                A:
                  x-advisor-ignore: [ADV601]
                  get:
                    responses: {"200": {description: ok}}
                """,
        }
    )
    out = run_cli("check", "-q", cwd=root).out
    assert out.splitlines() == [
        "items.yaml:2:3: ADV004 unused suppression: `ADV601` is not reported in the operations "
        "it covers"
    ]
