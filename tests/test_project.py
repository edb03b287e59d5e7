"""The project stage: routes as served, who reaches each function, loops across functions."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import Run, write_tree

from advisor.engine import analyze_sources
from advisor.facts import summarize_python
from advisor.model import Fact, Hop, LlmCall, LlmCallLoop, RouteHandler
from advisor.project import project_facts
from advisor.settings import Settings

SETTINGS = Settings(root=Path("/nonexistent-project-root"))


def project_of(files: Mapping[str, str]) -> list[Fact]:
    sources = {path: textwrap.dedent(text).lstrip().encode() for path, text in files.items()}
    result = analyze_sources(sources, SETTINGS)
    return project_facts(result.summaries)


def hops(trail: tuple[Hop, ...]) -> tuple[str, ...]:
    return tuple(f"{h.path}:{h.line} {h.name}" if h.path else h.name for h in trail)


def routes(files: Mapping[str, str]) -> list[tuple[str, str | None]]:
    found = [f for f in project_of(files) if isinstance(f, RouteHandler)]
    return sorted((",".join(f.methods), f.path) for f in found)


def test_fastapi_router_prefixes_add_up_across_modules() -> None:
    assert routes(
        {
            "app/routes/chat.py": """
                from fastapi import APIRouter
                router = APIRouter(prefix="/v1")
                @router.post("/chat")
                async def chat(): ...
                """,
            "app/main.py": """
                from fastapi import FastAPI
                from app.routes import chat
                app = FastAPI()
                app.include_router(chat.router, prefix="/api")
                app.include_router(chat.router, prefix="/legacy")
                """,
        }
    ) == [("POST", "/api/v1/chat"), ("POST", "/legacy/v1/chat")]


def test_flask_url_prefix_at_registration_replaces_the_blueprints_own() -> None:
    assert routes(
        {
            "web/views.py": """
                from flask import Blueprint
                bp = Blueprint("chat", __name__, url_prefix="/chat")
                @bp.post("/stream")
                def stream(): ...
                """,
            "web/app.py": """
                from flask import Flask
                from web.views import bp
                app = Flask(__name__)
                app.register_blueprint(bp, url_prefix="/v2/chat")
                """,
        }
    ) == [("POST", "/v2/chat/stream")]


def test_django_include_chains_urls_modules() -> None:
    assert routes(
        {
            "site/urls.py": """
                from django.urls import include, path
                urlpatterns = [path("api/", include("chat.urls"))]
                """,
            "chat/urls.py": """
                from django.urls import path
                from chat import views
                urlpatterns = [path("stream/", views.stream), path("", views.index)]
                """,
            "chat/views.py": "def stream(request): ...\ndef index(request): ...\n",
        }
    ) == [("ANY", "/api/"), ("ANY", "/api/stream/")]


def test_starlette_mounts_and_aiohttp_subapps() -> None:
    assert routes(
        {
            "svc.py": """
                from aiohttp import web
                from starlette.applications import Starlette
                from starlette.routing import Mount, Route
                async def chat(request): ...
                async def health(request): ...
                app = Starlette(routes=[
                    Mount("/api", routes=[Mount("/v1", routes=[Route("/chat", chat, methods=["POST"])])]),
                    Route("/health", health),
                ])
                sub = web.Application()
                sub.router.add_post("/ask", chat)
                main = web.Application()
                main.add_subapp("/llm", sub)
                """
        }
    ) == [("GET", "/health"), ("POST", "/api/v1/chat"), ("POST", "/ask")]


def test_litestar_router_paths() -> None:
    assert routes(
        {
            "ls.py": """
                from litestar import Litestar, Router, post
                @post("/chat")
                async def chat() -> str: ...
                api = Router(path="/api", route_handlers=[chat])
                app = Litestar(route_handlers=[api])
                """
        }
    ) == [("POST", "/api/chat")]


def test_a_mount_cycle_ends_instead_of_looping() -> None:
    assert routes(
        {
            "loop.py": """
                from fastapi import APIRouter
                a = APIRouter()
                b = APIRouter()
                @a.get("/x")
                def x(): ...
                a.include_router(b, prefix="/b")
                b.include_router(a, prefix="/a")
                """
        }
    ) == [("GET", "/a/x")]


SHARED = {
    "app/llm.py": """
        from openai import OpenAI
        client = OpenAI()
        def ask(prompt):
            return client.chat.completions.create(model="m", messages=[])
        def nightly_only(prompt):
            return client.chat.completions.create(model="m", messages=[])
        def unused(prompt):
            return client.chat.completions.create(model="m", messages=[])
        """,
    "app/api.py": """
        from fastapi import APIRouter
        from app.llm import ask
        router = APIRouter(prefix="/v1")
        @router.post("/chat")
        def chat(prompt: str):
            return helper(prompt)
        def helper(prompt):
            return ask(prompt)
        """,
    "jobs/nightly.py": """
        from app.llm import ask, nightly_only
        def main(rows):
            for row in rows:
                ask(row)
            return [nightly_only(r) for r in rows]
        if __name__ == "__main__":
            main(load())
        """,
}


def _calls(facts: list[Fact]) -> dict[str, LlmCall]:
    return {f.evidence.function or "": f for f in facts if isinstance(f, LlmCall)}


def test_reach_and_the_path_from_the_route() -> None:
    calls = _calls(project_of(SHARED))
    ask = calls["ask"]
    assert ask.reach.user_facing is True
    assert ask.reach.entries == ("handler", "script")
    assert ask.reach.endpoints == ("POST /v1/chat",)
    assert hops(ask.evidence.trail) == (
        "POST /v1/chat",
        "app/api.py:5 chat",
        "app/api.py:7 helper",
        "app/llm.py:3 ask",
    )
    assert calls["nightly_only"].reach.user_facing is False
    assert calls["nightly_only"].reach.entries == ("script",)
    assert calls["unused"].reach.user_facing is None


def test_loops_are_reported_where_they_are_with_the_path_to_the_call() -> None:
    loops = [f for f in project_of(SHARED) if isinstance(f, LlmCallLoop)]
    summary = sorted((f.evidence.location.line, f.loop, f.depth, f.call_at.function) for f in loops)
    assert summary == [(4, "for", 1, "ask"), (5, "comprehension", 1, "nightly_only")]
    first = min(loops, key=lambda f: f.evidence.location.line)
    assert first.evidence.location.path == "jobs/nightly.py"
    assert first.reach.entries == ("script",)
    assert hops(first.evidence.trail) == (
        "jobs/nightly.py:6 __main__",
        "jobs/nightly.py:2 main",
        "app/llm.py:3 ask",
        "app/llm.py:4 chat.completions.create",
    )


def test_only_the_innermost_loop_is_reported() -> None:
    facts = project_of(
        {
            "batchy.py": """
                from openai import OpenAI
                client = OpenAI()
                def label(texts):
                    return [client.responses.create(model="m", input=t) for t in texts]
                def outer(groups):
                    for group in groups:
                        label(group)
                """
        }
    )
    loops = [f for f in facts if isinstance(f, LlmCallLoop)]
    assert [(f.evidence.location.line, f.depth) for f in loops] == [(4, 0)]


def test_work_a_handler_enqueues_remembers_the_route() -> None:
    facts = project_of(
        {
            "tasks.py": """
                from celery import Celery
                from openai import OpenAI
                celery = Celery()
                client = OpenAI()
                @celery.task
                def research(topic):
                    return client.responses.create(model="m", input=topic)
                """,
            "api.py": """
                from fastapi import FastAPI
                from tasks import research
                app = FastAPI()
                @app.post("/research")
                def start(topic: str):
                    research.delay(topic)
                """,
        }
    )
    (call,) = [f for f in facts if isinstance(f, LlmCall)]
    assert call.reach.user_facing is False
    assert call.reach.entries == ("task",)
    assert call.reach.jobs_for == ("POST /research",)


def test_recursion_and_cycles_are_harmless() -> None:
    facts = project_of(
        {
            "cyc.py": """
                from openai import OpenAI
                client = OpenAI()
                def a(n):
                    return b(n) if n else client.responses.create(model="m", input="x")
                def b(n):
                    return a(n - 1)
                if __name__ == "__main__":
                    for i in items():
                        a(i)
                """
        }
    )
    loops = [f for f in facts if isinstance(f, LlmCallLoop)]
    assert [(f.evidence.location.line, f.depth) for f in loops] == [(9, 1)]


def test_state_carried_by_the_loop_marks_dependent_requests() -> None:
    facts = project_of(
        {
            "chain.py": """
                from openai import OpenAI
                client = OpenAI()
                def ask(messages):
                    return client.chat.completions.create(model="m", messages=messages)
                def run(questions, docs):
                    history = []
                    for q in questions:
                        history.append(q)
                        payload = list(history)
                        history.append(ask(payload))
                    for doc in docs:
                        ask([doc])
                """
        }
    )
    loops = sorted(
        (f.evidence.location.line, f.carried) for f in facts if isinstance(f, LlmCallLoop)
    )
    assert loops == [(10, True), (12, False)]


def test_text_output_shows_the_path(tmp_path: Path, run_cli: Callable[..., Run]) -> None:
    root = write_tree(tmp_path, {".advisor.yaml": "select: [ADV106]\n", **SHARED})
    result = run_cli("check", ".", cwd=root)
    lines = result.out.splitlines()
    assert lines[0].startswith(
        "jobs/nightly.py:4:9: ADV106 `chat.completions.create` runs once per item of a "
        "collection (for) in code nobody waits on (`script`): the flowchart's first question "
        "is no, so the answer is BATCH"
    )
    assert lines[1] == (
        "    via jobs/nightly.py:6 __main__ -> jobs/nightly.py:2 main -> app/llm.py:3 ask -> "
        "app/llm.py:4 chat.completions.create"
    )
    assert lines[2].startswith("jobs/nightly.py:5:13: ADV106")
    assert lines[3] == (
        "    via jobs/nightly.py:6 __main__ -> jobs/nightly.py:2 main -> app/llm.py:5 "
        "nightly_only -> app/llm.py:6 chat.completions.create"
    )


@pytest.mark.parametrize(
    ("body", "loop", "carried"),
    [
        # a retry budget: the counter is unused and success leaves the loop
        (
            "for _ in range(MAX_RETRY):\n    try:\n        r = CALL\n        break\n    except E:\n        pass",
            None,
            None,
        ),
        ("for attempt in range(retries):\n    r = CALL\n    if r:\n        return r", None, None),
        # the counter is used: samples, not retries
        ("for i in range(n):\n    out.append(CALL)", "for", False),
        # a break in an inner loop does not leave this one
        ("for row in rows:\n    for part in row:\n        break\n    CALL", "for", False),
        # an object built afresh each turn, then changed, carries nothing
        (
            "for row in rows:\n    conv = template()\n    conv.add(row)\n    answer(conv)\n    x = CALL",
            "for",
            False,
        ),
        # an object from before the loop, changed in it, is carried
        ("conv = template()\nfor turn in turns:\n    conv.add(turn)\n    x = CALL", "for", True),
        ("total = ''\nfor row in rows:\n    total += CALL", "for", False),
        ("for row in rows:\n    prompt = last + row\n    last = CALL", "for", True),
    ],
)
def test_loop_shapes(body: str, loop: str | None, carried: bool | None) -> None:
    call_text = 'client.responses.create(model="m", input=[conv, prompt])'
    source = (
        "from openai import OpenAI\nclient = OpenAI()\ndef f(rows, turns, n, retries, MAX_RETRY):\n"
        + textwrap.indent(body.replace("CALL", call_text), "    ")
        + "\n"
    )
    (call,) = [f for f in summarize_python("m.py", source.encode()).facts if isinstance(f, LlmCall)]
    assert (call.loop, call.loop_carried) == (loop, carried)


def test_blueprints_registered_in_an_app_factory() -> None:
    assert routes(
        {
            "web/views.py": """
                from flask import Blueprint
                bp = Blueprint("chat", __name__)
                @bp.post("/stream")
                def stream(): ...
                """,
            "web/__init__.py": """
                from flask import Flask
                from web.views import bp
                def create_app():
                    app = Flask(__name__)
                    app.register_blueprint(bp, url_prefix="/v1/chat")
                    return app
                """,
        }
    ) == [("POST", "/v1/chat/stream")]


def test_quart_aiohttp_tables_and_django_class_views() -> None:
    assert routes(
        {
            "q.py": """
                from quart import Blueprint
                bp = Blueprint("q", __name__, url_prefix="/q")
                @bp.route("/sse", methods=["GET", "POST"])
                async def sse(): ...
                """,
            "a.py": """
                from aiohttp import web
                routes = web.RouteTableDef()
                @routes.post("/chat")
                async def chat(request): ...
                """,
            "d/urls.py": """
                from django.urls import path
                from d.views import Stream
                urlpatterns = [path("stream/", Stream.as_view())]
                """,
            "d/views.py": """
                from django.views import View
                class Stream(View):
                    def get(self, request): ...
                """,
        }
    ) == [("ANY", "/stream/"), ("GET,POST", "/q/sse"), ("POST", "/chat")]


def test_class_based_views_make_their_methods_user_facing() -> None:
    facts = project_of(
        {
            "d/urls.py": """
                from django.urls import path
                from d.views import Ask
                urlpatterns = [path("ask/", Ask.as_view())]
                """,
            "d/views.py": """
                from django.views import View
                from openai import OpenAI
                client = OpenAI()
                class Ask(View):
                    def post(self, request):
                        return client.responses.create(model="m", input="q")
                """,
        }
    )
    (call,) = [f for f in facts if isinstance(f, LlmCall)]
    assert call.reach.user_facing is True
    assert call.reach.endpoints == ("ANY /ask/",)
