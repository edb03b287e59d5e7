"""Configuration: discovery, validation with precise messages, and its effect on a run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import Run

from advisor.config import find_config, load_settings
from advisor.errors import ConfigError
from advisor.exitcodes import ExitCode
from advisor.model import Severity

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]

SSE_BARE = """
    from fastapi.responses import StreamingResponse


    def events():
        return StreamingResponse(gen(), media_type="text/event-stream")
    """


def test_pyproject_is_found_by_walking_up(project: Project) -> None:
    root = project(
        {"pyproject.toml": '[tool.advisor]\nfail-on = "error"\n', "pkg/sub/mod.py": "x = 1\n"}
    )
    settings = load_settings([root / "pkg" / "sub" / "mod.py"])
    assert settings.config_path == root / "pyproject.toml"
    assert settings.root == root
    assert settings.fail_on is Severity.ERROR


def test_pyproject_without_advisor_table_is_passed_over(project: Project) -> None:
    root = project(
        {
            ".advisor.yaml": "fail-on: info\n",
            "svc/pyproject.toml": "[tool.ruff]\nline-length = 100\n",
            "svc/app.py": "x = 1\n",
        }
    )
    assert find_config(root / "svc" / "app.py") == root / ".advisor.yaml"
    assert load_settings([root / "svc"]).fail_on is Severity.INFO


def test_advisor_yaml_wins_over_pyproject_in_the_same_folder(project: Project) -> None:
    root = project({".advisor.yaml": "ignore: [ADV2]\n", "pyproject.toml": "[tool.advisor]\n"})
    assert find_config(root) == root / ".advisor.yaml"


def test_no_configuration_means_defaults_and_the_git_root(project: Project) -> None:
    root = project({"a/b.py": "x = 1\n"})
    settings = load_settings([root / "a"])
    assert settings.config_path is None
    assert settings.root == root
    assert settings.fail_on is Severity.WARNING


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'selct = ["ADV2"]',
            "pyproject.toml: [tool.advisor]: unknown key 'selct' (did you mean 'select'?); "
            "allowed keys: exclude, extend-exclude, extend-select, fail-on, flowchart, "
            "force-exclude, hints, ignore, include-tests, max-file-size, per-file-ignores, "
            "respect-gitignore, rule-dirs, select, severity",
        ),
        (
            'ignore = "ADV201"',
            "pyproject.toml: [tool.advisor]: 'ignore': expected a list, got string 'ADV201'",
        ),
        (
            'fail-on = "fatal"',
            "pyproject.toml: [tool.advisor]: 'fail-on': expected one of 'error', 'warning', "
            "'info', got 'fatal'",
        ),
        (
            'select = ["adv2"]',
            "pyproject.toml: [tool.advisor]: 'select.0': 'adv2' is not valid; expected a rule "
            "code (ADV201), a code prefix (ADV2, ADV) or ALL.",
        ),
        (
            "respect-gitignore = 1",
            "pyproject.toml: [tool.advisor]: 'respect-gitignore': expected true or false, got "
            "number 1",
        ),
        (
            '[tool.advisor.severity]\nADV201 = "loud"',
            "pyproject.toml: [tool.advisor]: 'severity.ADV201': expected one of 'error', "
            "'warning', 'info', got 'loud'",
        ),
    ],
)
def test_invalid_configuration_names_file_key_and_expectation(
    project: Project, run_cli: RunCli, table: str, message: str
) -> None:
    header = "" if table.startswith("[") else "[tool.advisor]\n"
    root = project({"pyproject.toml": header + table + "\n", "a.py": "x = 1\n"})
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.ERROR
    assert result.err == f"advisor: error: {message}\n"


def test_explicit_config_file_errors(project: Project, run_cli: RunCli) -> None:
    root = project({"bad.toml": 'selct = ["ADV2"]\n', "broken.toml": "x = [\n", "a.py": ""})
    bad = run_cli("check", "--config", "bad.toml", cwd=root)
    assert bad.status == ExitCode.ERROR
    assert bad.err.startswith("advisor: error: bad.toml: unknown key 'selct' (did you mean")
    broken = run_cli("check", "--config", "broken.toml")
    assert (
        broken.err
        == "advisor: error: broken.toml: invalid TOML: Invalid value (at end of document)\n"
    )
    missing = run_cli("check", "--config", "missing.toml")
    assert missing.err == "advisor: error: missing.toml: configuration file not found\n"
    yaml_list = project({"list.yaml": "- a\n"})
    listed = run_cli("check", "--config", "list.yaml", cwd=yaml_list)
    assert listed.err == "advisor: error: list.yaml: expected a mapping at the top level\n"


def test_unknown_codes_in_severity_and_per_file_ignores(project: Project, run_cli: RunCli) -> None:
    root = project({"pyproject.toml": '[tool.advisor.severity]\nADV999 = "error"\n', "a.py": ""})
    result = run_cli("check", cwd=root)
    assert result.err == "advisor: error: severity: unknown rule code ADV999\n"
    root = project(
        {"pyproject.toml": '[tool.advisor.per-file-ignores]\n"tests/*" = ["XY1"]\n', "a.py": ""}
    )
    result = run_cli("check", cwd=root)
    assert result.err == "advisor: error: per-file-ignores 'tests/*': 'XY1' matches no rule code\n"


def test_configuration_changes_the_run(project: Project, run_cli: RunCli) -> None:
    root = project(
        {
            "pyproject.toml": """
                [tool.advisor]
                extend-exclude = ["generated/"]

                [tool.advisor.per-file-ignores]
                "legacy/**" = ["ADV2"]

                [tool.advisor.severity]
                ADV201 = "error"
                """,
            "app.py": SSE_BARE,
            "legacy/old.py": SSE_BARE,
            "generated/gen.py": SSE_BARE,
        }
    )
    result = run_cli("check", "--format", "json", cwd=root)
    assert '"path": "app.py"' in result.out
    assert "legacy/old.py" not in result.out and "generated/gen.py" not in result.out
    assert '"severity": "error"' in result.out
    assert '"files": 2' in result.out  # generated/ is excluded, legacy/ is analysed


def test_select_in_config_and_on_the_command_line(project: Project, run_cli: RunCli) -> None:
    root = project({".advisor.yaml": "select: [ADV1]\n", "app.py": SSE_BARE})
    assert run_cli("check", "-q", cwd=root).out == ""
    assert run_cli("check", "-q", "--select", "ADV2", cwd=root).out.startswith(
        "app.py:5:12: ADV201"
    )
    assert run_cli("check", "-q", "--extend-select", "ADV201", cwd=root).out.startswith("app.py:5")


def test_config_error_is_raised_by_the_api(project: Project) -> None:
    root = project({".advisor.yaml": "fail-on: [error]\n"})
    with pytest.raises(ConfigError, match="'fail-on': expected one of"):
        load_settings([root])


def test_findings_in_test_code_are_reported_only_on_request(project, run_cli) -> None:  # type: ignore[no-untyped-def]
    files = {
        "tests/test_stream.py": """
            from fastapi.responses import StreamingResponse
            def make_events():
                return StreamingResponse(iter(["data: x\\n\\n"]), media_type="text/event-stream")
            """,
        "app/views.py": """
            from fastapi.responses import StreamingResponse
            def events():
                return StreamingResponse(iter(["data: x\\n\\n"]), media_type="text/event-stream")
            """,
        "tests/broken.py": "def f(:\nfrom fastapi import FastAPI\n",
    }
    root = project(files)
    default = run_cli("check", "-q", ".", cwd=root)
    assert [line.split(":")[0] + " " + line.split()[1] for line in default.out.splitlines()] == [
        "app/views.py ADV201",
        "tests/broken.py ADV001",  # the advisor's own diagnostics are reported everywhere
    ]
    (root / ".advisor.yaml").write_text("include-tests: true\n", encoding="utf-8")
    included = run_cli("check", "-q", ".", cwd=root)
    assert [line.split(":")[0] + " " + line.split()[1] for line in included.out.splitlines()] == [
        "app/views.py ADV201",
        "tests/broken.py ADV001",
        "tests/test_stream.py ADV201",
    ]
