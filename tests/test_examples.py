"""The bundled example service: its findings are pinned, and each one is expected."""

from __future__ import annotations

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
    }
    readme = (REPO / "examples" / "README.md").read_text(encoding="utf-8")
    announced = set(re.findall(r"^\| `([a-z-]+/[^`]+)` \| (ADV\d+) \|", readme, re.M))
    assert found == {(f"examples/{path}", code) for path, code in announced}
    assert found == {
        ("examples/chat-service/app/routes/chat.py", "ADV201"),
        ("examples/chat-service/app/routes/extract.py", "ADV101"),
        ("examples/chat-service/app/routes/classify.py", "ADV101"),
        ("examples/chat-service/openapi.yaml", "ADV204"),
        ("examples/flask-service/reports_app/chat.py", "ADV201"),
        ("examples/flask-service/reports_app/batching.py", "ADV107"),
        ("examples/enrichment/label_tickets.py", "ADV106"),
        ("examples/streamlit-ui/app.py", "ADV302"),
        ("examples/streaming-client/client.py", "ADV301"),
        ("examples/streaming-client/client.py", "ADV401"),
    }


def test_readme_shows_the_real_output() -> None:
    """The README's first console block is `advisor check examples/` as it is today."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```console\n$ advisor check examples/\n", 1)[1].split("```", 1)[0]
    assert block == (SNAPSHOTS / "examples.txt").read_text(encoding="utf-8")
