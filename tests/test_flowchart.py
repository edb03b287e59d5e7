"""The decision flowchart: the inventory, the answers, the walk, hints, estimates, explain."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import Run

from advisor.engine import Result, analyze_sources
from advisor.flowchart.graph import flowchart, walk
from advisor.model import Endpoint
from advisor.settings import Settings

SETTINGS = Settings(root=Path("/nonexistent-project-root"))


def run(files: Mapping[str, str], settings: Settings = SETTINGS) -> Result:
    sources = {path: textwrap.dedent(text).lstrip().encode() for path, text in files.items()}
    return analyze_sources(sources, settings)


def endpoint(result: Result, label: str) -> Endpoint:
    (found,) = [e for e in result.endpoints if e.label == label]
    return found


@pytest.mark.parametrize(
    ("answers", "strategy", "open_question"),
    [
        ({"waiting": "no"}, "batch", None),
        ({"waiting": "yes", "outlasts": "yes"}, "async-job", None),
        ({"waiting": "yes", "outlasts": "no", "whole": "yes"}, "sync", None),
        ({"waiting": "yes", "outlasts": "no", "whole": "no"}, "stream", None),
        ({"waiting": "unknown"}, None, "waiting"),
        ({"waiting": "yes", "outlasts": "no", "whole": "unknown"}, None, "whole"),
        # an unknown answer that is never reached does not matter
        ({"waiting": "no", "outlasts": "unknown", "whole": "unknown"}, "batch", None),
    ],
)
def test_the_walk(answers: dict[str, str], strategy: str | None, open_question: str | None) -> None:
    result = walk(answers)
    assert (result.strategy, result.open_question) == (strategy, open_question)


def test_the_flowchart_is_three_questions_and_four_answers() -> None:
    graph = flowchart()
    kinds = sorted(data.kind for _, data in graph.nodes())
    assert kinds == ["question"] * 3 + ["strategy"] * 4
    assert all(len(list(graph.out_edges(n))) == 2 for n, d in graph.nodes() if d.kind == "question")


SYNC_TEXT = """
    from fastapi import FastAPI
    from openai import OpenAI

    app = FastAPI()
    client = OpenAI()


    @app.post("/reply")
    def reply(message: str) -> dict:
        completion = client.chat.completions.create(
            model="gpt-4.1-mini", messages=[{"role": "user", "content": message}]
        )
        return {"reply": completion.choices[0].message.content}
    """


def spec(hints: str = "") -> str:
    return f"""
        openapi: 3.1.0
        info: {{title: T, version: "1"}}
        paths:
          /reply:
            post:
              {hints}
              responses:
                "200":
                  description: the reply
                  content:
                    application/json: {{schema: {{type: object}}}}
        """


def test_an_unknown_answer_means_needs_review_not_a_finding() -> None:
    result = run({"app.py": SYNC_TEXT})
    reply = endpoint(result, "POST /reply")
    assert reply.needs_review
    assert reply.open_questions == ("whole",)
    assert reply.recommended is None
    assert reply.whole.value == "unknown"
    assert reply.whole.settle is not None and "output=" in reply.whole.settle
    assert result.findings == ()


def test_a_hint_changes_the_verdict_and_the_evidence_says_so() -> None:
    long_form = run(
        {
            "app.py": SYNC_TEXT,
            "openapi.yaml": spec("x-advisor: {output: text, expected-output-tokens: 1500}"),
        }
    )
    reply = endpoint(long_form, "POST /reply")
    assert (reply.recommended, reply.needs_review, reply.whole.source) == ("stream", False, "hint")
    assert "openapi.yaml:5 x-advisor" in reply.whole.reason
    assert [f.code for f in long_form.findings] == ["ADV104"]
    assert reply.current is not None and reply.current.first_seen_s == 25.4  # 0.4 + 1500 / 60
    assert reply.advised is not None and reply.advised.first_seen_s == 0.4

    structured = run({"app.py": SYNC_TEXT, "openapi.yaml": spec("x-advisor: {output: structured}")})
    reply = endpoint(structured, "POST /reply")
    assert (reply.recommended, reply.decided_by) == ("sync", "whole")
    assert structured.findings == ()

    offline = run({"app.py": SYNC_TEXT, "openapi.yaml": spec("x-advisor: {user-facing: false}")})
    reply = endpoint(offline, "POST /reply")
    assert (reply.recommended, reply.decided_by, reply.waiting.source) == (
        "batch",
        "waiting",
        "hint",
    )


def test_the_inventory_joins_spec_and_code_and_keeps_the_rest() -> None:
    result = run(
        {
            "web.py": """
                from flask import Blueprint
                from openai import OpenAI
                bp = Blueprint("users", __name__, url_prefix="/v1")
                client = OpenAI()
                @bp.post("/users/<int:uid>/chat/")
                def user_chat(uid): ...
                @bp.post("/summaries")
                def summarize_everything(): ...
                @bp.get("/internal/metrics")
                def metrics(): ...
                """,
            "openapi.yaml": """
                openapi: 3.1.0
                info: {title: T, version: "1"}
                paths:
                  /v1/users/{user_id}/chat:
                    post: {responses: {"200": {description: ok}}}
                  /summarize:
                    post: {operationId: summarize_everything, responses: {"200": {description: ok}}}
                  /v1/models:
                    get: {responses: {"200": {description: ok}}}
                """,
        }
    )
    seen = sorted((e.label, e.in_code, e.in_spec, e.joined_by) for e in result.endpoints)
    assert seen == [
        ("GET /v1/internal/metrics", True, False, None),
        ("GET /v1/models", False, True, None),
        ("POST /summarize", True, True, "operation-id"),
        ("POST /v1/users/{user_id}/chat", True, True, "path"),
    ]
    assert not any(e.model_output for e in result.endpoints)
    assert all(e.verdict.startswith("not judged") for e in result.endpoints)


def pipeline(body: str) -> Endpoint:
    source = (
        "from fastapi import FastAPI\nfrom openai import OpenAI\napp = FastAPI()\n"
        "client = OpenAI()\n@app.post('/work')\ndef work(q: str, flag: bool):\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + "\n"
    )
    return endpoint(analyze_sources({"app.py": source.encode()}, SETTINGS), "POST /work")


def test_calls_in_the_arms_of_an_if_are_alternatives_not_a_chain() -> None:
    found = pipeline(
        """
        if flag:
            a = client.responses.create(model="m", input=q)
        else:
            a = client.responses.create(model="n", input=q)
        try:
            b = client.responses.create(model="m", input=q)
        except Exception:
            b = client.responses.create(model="fallback", input=q)
        return a, b
        """
    )
    assert (found.model_calls, found.sequential_calls) == (4, 2)


def test_a_chain_of_calls_and_the_request_budget() -> None:
    three = pipeline(
        """
        a = client.responses.create(model="m", input=q)
        b = client.responses.create(model="m", input=a.output_text)
        return client.responses.create(model="m", input=b.output_text)
        """
    )
    assert (three.outlasts.value, three.recommended) == ("yes", "async-job")
    assert three.pipeline is not None and "chain of 3" in three.pipeline
    long_pair = pipeline(
        """
        a = client.responses.create(model="m", input=q, max_output_tokens=1200)
        return client.responses.create(model="m", input=a.output_text, max_output_tokens=1000)
        """
    )
    assert long_pair.outlasts.value == "yes"  # 0.8 s + 2200 / 60 s > 30 s
    short_pair = pipeline(
        """
        a = client.responses.create(model="m", input=q, max_output_tokens=50)
        return client.responses.create(model="m", input=a.output_text, max_output_tokens=100)
        """
    )
    assert (short_pair.outlasts.value, short_pair.recommended) == ("no", "sync")
    unknown_pair = pipeline(
        """
        a = client.responses.create(model="m", input=q)
        return client.responses.create(model="m", input=a.output_text)
        """
    )
    assert unknown_pair.needs_review and unknown_pair.open_questions == ("outlasts",)
    assert unknown_pair.outlasts.settle is not None


def test_work_handed_to_a_worker_is_an_async_job() -> None:
    result = run(
        {
            "app.py": """
                from celery import Celery
                from fastapi import FastAPI
                from openai import OpenAI
                app = FastAPI()
                celery = Celery()
                client = OpenAI()
                @celery.task
                def job(q):
                    return client.responses.create(model="m", input=q)
                @app.post("/jobs")
                def start(q: str):
                    job.delay(q)
                    return {"ok": True}
                """
        }
    )
    start = endpoint(result, "POST /jobs")
    assert start.observed_code == ("async-job",)
    assert (start.outlasts.value, start.recommended) == ("yes", "async-job")
    assert start.pipeline is None  # the request itself runs nothing long: no ADV105
    assert result.findings == ()


@pytest.fixture
def chat_service(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(textwrap.dedent(SYNC_TEXT).lstrip(), encoding="utf-8")
    return tmp_path


def test_explain_walks_one_endpoint(chat_service: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("explain", "POST", "/reply", ".", cwd=chat_service)
    assert result.status == 0
    assert result.out.splitlines()[0] == "POST /reply"
    assert "3. Does the next consumer need the whole response before it can act?  unknown" in (
        result.out
    )
    assert "to settle it: # advisor: output=text" in result.out
    assert "Verdict: needs review" in result.out
    by_name = run_cli("explain", "reply", "--format", "json", cwd=chat_service)
    (document,) = json.loads(by_name.out)
    assert (document["label"], document["needs_review"]) == ("POST /reply", True)


def test_explain_names_what_it_knows_when_nothing_matches(
    chat_service: Path, run_cli: Callable[..., Run]
) -> None:
    result = run_cli("explain", "POST /replies", cwd=chat_service)
    assert result.status == 2
    assert (
        "no endpoint matches 'POST /replies' (1 endpoints found); did you mean 'POST /reply'?"
        in (result.err)
    )


def test_the_text_summary_lists_endpoints_that_need_review(
    chat_service: Path, run_cli: Callable[..., Run]
) -> None:
    result = run_cli("check", ".", cwd=chat_service)
    assert result.out.splitlines()[-1] == (
        "1 endpoint needs review: POST /reply (`advisor explain ENDPOINT` shows the open question)."
    )
