"""The bundled example service: its findings are pinned, and each one is expected."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from support import REPO, Run, check_snapshot

from advisor.exitcodes import ExitCode

RunCli = Callable[..., Run]
SNAPSHOTS = REPO / "tests" / "snapshots"


def test_text_output_of_the_examples(run_cli: RunCli) -> None:
    result = run_cli("check", "examples/", cwd=REPO)
    assert result.status == ExitCode.FINDINGS
    check_snapshot(SNAPSHOTS / "examples.txt", result.out)


def test_json_output_of_the_examples(run_cli: RunCli) -> None:
    result = run_cli("check", "--format", "json", "examples", cwd=REPO)
    check_snapshot(SNAPSHOTS / "examples.json", result.out)


def test_every_example_finding_is_announced(run_cli: RunCli) -> None:
    """Each finding is one the examples' README lists as deliberately wrong, and vice versa."""
    result = run_cli("check", "-q", "examples", cwd=REPO)
    found = {
        (line.split(":")[0], line.split()[1])
        for line in result.out.splitlines()
        if not line.startswith(" ")  # `via` lines belong to the finding above
        and "needs review" not in line  # the review summary is not a finding
    }
    readme = (REPO / "examples" / "README.md").read_text(encoding="utf-8")
    announced = set(re.findall(r"^\| `([a-z-]+/[^`]+)` \| (ADV\d+) \|", readme, re.M))
    assert found == {(f"examples/{path}", code) for path, code in announced}
    assert found == {
        ("examples/chat-service/app/routes/chat.py", "ADV201"),
        ("examples/chat-service/app/routes/extract.py", "ADV101"),
        ("examples/chat-service/app/routes/classify.py", "ADV101"),
        ("examples/chat-service/openapi.yaml", "ADV204"),
        ("examples/chat-service/app/routes/answers.py", "ADV104"),
        ("examples/chat-service/app/routes/answers.py", "ADV105"),
        ("examples/chat-service/app/routes/answers.py", "ADV108"),
        ("examples/flask-service/reports_app/chat.py", "ADV201"),
        ("examples/flask-service/reports_app/batching.py", "ADV107"),
        ("examples/enrichment/label_tickets.py", "ADV106"),
        ("examples/streamlit-ui/app.py", "ADV302"),
        ("examples/streaming-client/client.py", "ADV301"),
        ("examples/streaming-client/client.py", "ADV401"),
    }


def test_readme_shows_the_real_output(run_cli: RunCli) -> None:
    """The README's console examples are what the commands print today."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(
        r"```console\n\$ advisor (check examples/|explain [^\n]+)\n(.*?)```", readme, re.S
    )
    assert [command for command, _ in blocks][:1] == ["check examples/"]
    assert len(blocks) >= 2
    for command, shown in blocks:
        actual = run_cli(*command.split(), cwd=REPO)
        assert shown == actual.out, f"README block `advisor {command}` is out of date"


def test_the_inventory_of_the_examples(run_cli: RunCli) -> None:
    """Every endpoint of the examples with its verdict (spec-only and code-only ones too)."""
    result = run_cli("endpoints", "examples", cwd=REPO)
    assert result.status == ExitCode.OK
    check_snapshot(SNAPSHOTS / "endpoints.txt", result.out)


def test_every_endpoint_of_the_examples_can_be_explained(run_cli: RunCli) -> None:
    listed = run_cli("endpoints", "examples", "--format", "json", cwd=REPO)
    for endpoint in json.loads(listed.out):
        explained = run_cli("explain", endpoint["label"], "examples", cwd=REPO)
        assert explained.status == ExitCode.OK, endpoint["label"]
        assert explained.out.startswith(endpoint["label"] + "\n")
        verdict = f"Verdict: {endpoint['verdict']}"
        assert verdict in explained.out or "Not judged" in explained.out
