"""Real public specs (../shared/corpus): the advisor must read them all and point precisely.

Set ADVISOR_CORPUS to the folder if it is not beside the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import CORPUS

from advisor.facts import summarize
from advisor.model import SpecOperation
from advisor.settings import Settings

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (set ADVISOR_CORPUS)"
)

SPECS = {
    "openai-openapi.yaml": 288,
    "github-api.yaml": 1223,
    "stripe-spec3.yaml": 468,
    "twilio-api_v2010.json": 197,
    "digitalocean/specification/DigitalOcean-public.v2.yaml": 659,
}


@pytest.fixture(scope="module", params=sorted(SPECS))
def spec(request: pytest.FixtureRequest) -> tuple[str, list[SpecOperation], list[str]]:
    name: str = request.param
    path = CORPUS / name
    summary = summarize(name, "data", path.read_bytes(), Settings(root=CORPUS))
    assert summary is not None, f"{name} was not recognised as a spec"
    operations = [f for f in summary.facts if isinstance(f, SpecOperation)]
    assert len(operations) == len(summary.facts), "a corpus spec produced a parse failure"
    return name, operations, path.read_text(encoding="utf-8").splitlines()


def test_every_operation_is_read(spec: tuple[str, list[SpecOperation], list[str]]) -> None:
    name, operations, _ = spec
    assert len(operations) == SPECS[name]
    assert len({(op.method, op.path) for op in operations}) == len(operations)


def test_every_operation_points_at_its_method_key(
    spec: tuple[str, list[SpecOperation], list[str]],
) -> None:
    _, operations, lines = spec
    for op in operations:
        loc = op.evidence.location
        written = lines[loc.line - 1][loc.column - 1 :]
        assert written.lstrip('"').startswith(op.method.lower()), (op.method, op.path, written)
        assert op.evidence.pointer is not None and op.evidence.pointer.endswith(
            "/" + op.method.lower()
        )


def test_openai_streaming_operations_are_seen() -> None:
    path = CORPUS / "openai-openapi.yaml"
    summary = summarize("openai.yaml", "data", path.read_bytes(), Settings(root=CORPUS))
    assert summary is not None
    streaming = {
        (f.method, f.path)
        for f in summary.facts
        if isinstance(f, SpecOperation) and "text/event-stream" in f.response_media_types
    }
    assert {("POST", "/chat/completions"), ("POST", "/responses")} <= streaming


def test_the_whole_corpus_gives_no_finding(tmp_path: Path) -> None:
    from advisor.engine import analyze

    result = analyze([CORPUS], settings=Settings(root=CORPUS))
    assert result.findings == ()
    assert sorted(result.files) == sorted(SPECS)
