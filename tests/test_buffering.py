"""The project stage that decides whether compression middleware buffers the project's streams.

The rule's own examples (rules/ADV203-*.yaml) pin the main cases; these tests cover the
cross-file decisions: which manifest governs which code, pins that disagree, versions the
tables do not cover, iterators and options, and projects with several apps.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from advisor.engine import analyze_sources
from advisor.model import BufferingMiddleware
from advisor.project import project_facts
from advisor.settings import Settings

SETTINGS = Settings(root=Path("/nonexistent"), select=("ADV203",))


def buffering(files: Mapping[str, str]) -> list[BufferingMiddleware]:
    sources = {p: textwrap.dedent(t).lstrip("\n").encode() for p, t in files.items()}
    summaries = analyze_sources(sources, SETTINGS).summaries
    return [f for f in project_facts(summaries) if isinstance(f, BufferingMiddleware)]


# -- the project stage ---------------------------------------------------------------------

FASTAPI_TEXT = """
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import StreamingResponse

app = FastAPI()
app.add_middleware(GZipMiddleware)


@app.post("/chat")
async def chat(prompt: str):
    return StreamingResponse(tokens(prompt), media_type="text/plain")


@app.post("/events")
async def events(prompt: str):
    return StreamingResponse(tokens(prompt), media_type="text/event-stream")
"""


def test_count_example_media_types_and_source() -> None:
    (fact,) = buffering({"svc/main.py": FASTAPI_TEXT, "requirements.txt": "starlette==0.45.3\n"})
    assert (fact.name, fact.library, fact.version, fact.version_source) == (
        "fastapi.middleware.gzip.GZipMiddleware",
        "starlette",
        "0.45.3",
        "requirements.txt:1",
    )
    assert (fact.streams, fact.media_types, fact.example) == (
        2,
        ("text/event-stream", "text/plain"),
        "svc/main.py:11",
    )
    assert fact.evidence.location.line == 6
    (fact,) = buffering({"svc/main.py": FASTAPI_TEXT, "requirements.txt": "starlette==0.46.0\n"})
    assert (fact.streams, fact.media_types) == (1, ("text/plain",))


@pytest.mark.parametrize(
    ("manifests", "reported"),
    [
        (
            {
                "requirements.txt": "starlette==1.6.0\n",
                "svc/requirements.txt": "starlette==0.41.3\n",
            },
            True,
        ),
        (
            {
                "requirements.txt": "starlette==0.41.3\n",
                "svc/requirements.txt": "starlette==1.6.0\n",
            },
            False,
        ),
        ({"other/requirements.txt": "starlette==0.41.3\n"}, False),
        (
            {
                "requirements.txt": "starlette==0.41.3\n",
                "requirements-dev.txt": "starlette==0.45.3\n",
            },
            True,
        ),
        (
            {
                "requirements.txt": "starlette==0.41.3\n",
                "requirements-dev.txt": "starlette==1.6.0\n",
            },
            False,
        ),
        ({"requirements.txt": "fastapi==0.110.0\nstarlette==1.6.0\n"}, False),
        (
            {
                "requirements.txt": "starlette==0.45.0\n",
                "svc/requirements.txt": "fastapi==0.110.0\n",
            },
            True,
        ),
        (
            {
                "requirements.txt": "starlette==1.6.0\n",
                "svc/requirements.txt": "fastapi==0.110.0\n",
            },
            False,
        ),
        (
            {
                "requirements.txt": "fastapi==0.110.0\n",
                "svc/requirements.txt": "starlette==1.6.0\n",
            },
            False,
        ),
        ({"requirements.txt": "fastapi==0.110.0\n"}, True),
        ({"requirements.txt": "fastapi==0.150.0\n"}, False),
        ({"requirements.txt": "fastapi==0.1.12\n"}, False),
        ({"requirements.txt": "starlette==1.5.0rc1\n"}, False),
        ({"requirements.txt": "starlette>=0.30,<0.40\n"}, False),
    ],
)
def test_which_manifest_decides(manifests: dict[str, str], reported: bool) -> None:
    assert bool(buffering({"svc/main.py": FASTAPI_TEXT, **manifests})) is reported


def test_agreeing_pins_are_all_named() -> None:
    (fact,) = buffering(
        {
            "main.py": FASTAPI_TEXT,
            "requirements.txt": "starlette==0.41.3\n",
            "requirements-dev.txt": "starlette==0.45.3\n",
        }
    )
    assert fact.version == "0.41.3 and 0.45.3"
    assert fact.version_source == "requirements.txt:1 and requirements-dev.txt:1"


def test_streams_of_another_project_folder_do_not_count() -> None:
    stream = FASTAPI_TEXT.replace("app.add_middleware(GZipMiddleware)\n", "")
    files = {
        "gateway/main.py": FASTAPI_TEXT.split("@app.post")[0],
        "gateway/requirements.txt": "starlette==0.41.3\n",
        "chat/main.py": stream,
        "chat/requirements.txt": "starlette==0.41.3\n",
    }
    assert not buffering(files)


def test_unknown_headers_and_encoded_streams_do_not_count() -> None:
    source = """
    from fastapi import FastAPI
    from fastapi.middleware.gzip import GZipMiddleware
    from fastapi.responses import StreamingResponse

    app = FastAPI()
    app.add_middleware(GZipMiddleware)


    @app.post("/a")
    async def a():
        return StreamingResponse(tokens(), media_type="text/plain", headers=make_headers())


    @app.post("/b")
    async def b():
        return StreamingResponse(
            tokens(), media_type="text/plain", headers={"Content-Encoding": "identity"}
        )


    @app.post("/c")
    async def c(kind: str):
        return StreamingResponse(tokens(), media_type=kind)


    @app.post("/d")
    async def d():
        return StreamingResponse(tokens(), media_type="text/plain")
    """
    (fact,) = buffering({"main.py": source, "requirements.txt": "starlette==0.45.0\n"})
    assert (fact.streams, fact.example) == (1, "main.py:28")  # only /d is known to be held


def test_several_apps_count_only_streams_of_the_app_with_the_middleware() -> None:
    files = {
        "app/main.py": """
            from fastapi import FastAPI
            from fastapi.middleware.gzip import GZipMiddleware

            from app.routes import chat

            public = FastAPI()
            public.add_middleware(GZipMiddleware)
            public.include_router(chat.router, prefix="/v1")

            internal = FastAPI()
            internal.include_router(chat.admin)
            """,
        "app/routes/chat.py": """
            from fastapi import APIRouter
            from fastapi.responses import StreamingResponse

            router = APIRouter()
            admin = APIRouter()


            @router.post("/chat")
            async def chat(prompt: str):
                return StreamingResponse(tokens(prompt), media_type="text/plain")


            @admin.post("/debug")
            async def debug(prompt: str):
                return StreamingResponse(tokens(prompt), media_type="text/plain")
            """,
        "requirements.txt": "starlette==0.45.3\n",
    }
    (fact,) = buffering(files)
    assert (fact.streams, fact.example) == (1, "app/routes/chat.py:10")
    files["app/main.py"] = files["app/main.py"].replace(
        "public.add_middleware", "internal.add_middleware"
    )
    (fact,) = buffering(files)
    assert (fact.streams, fact.example) == (1, "app/routes/chat.py:15")


def test_django_versions_and_iterators() -> None:
    settings = 'MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware"]\n'
    views = """
    from django.http import StreamingHttpResponse


    def sync_view(request):
        def gen():
            yield "a"

        return StreamingHttpResponse(gen(), content_type="text/plain")


    async def async_view(request):
        async def gen():
            yield "a"

        return StreamingHttpResponse(gen(), content_type="text/event-stream")


    def unknown_view(request, body):
        return StreamingHttpResponse(body, content_type="text/plain")
    """

    def streams(django: str) -> int | None:
        found = buffering(
            {"site/settings.py": settings, "chat/views.py": views, "requirements.txt": django}
        )
        return found[0].streams if found else None

    assert streams("Django==4.2.16\n") == 1
    assert streams("Django==5.2.8\n") == 1
    assert streams("Django==6.0\n") == 3
    assert streams("Django==6.1\n") is None
    assert streams("Django==6.1a1\n") is None
    assert streams("Django>=5.0\n") is None


def test_flask_compress_versions_and_config() -> None:
    source = """
    import json

    from flask import Flask, Response
    from flask_compress import Compress

    app = Flask(__name__)
    Compress(app)


    def tokens():
        for chunk in model_stream():
            yield json.dumps(chunk) + "\\n"


    @app.post("/text")
    def text():
        return Response(tokens(), mimetype="text/plain")


    @app.post("/json")
    def json_lines():
        return Response(tokens(), mimetype="application/json")


    @app.post("/events")
    def events():
        return Response(tokens(), mimetype="text/event-stream")


    @app.post("/failed")
    def failed():
        return Response(tokens(), status=500, mimetype="application/json")
    """

    def streams(version: str, code: str = source) -> int | None:
        found = buffering({"app.py": code, "requirements.txt": f"flask-compress=={version}\n"})
        return found[0].streams if found else None

    assert streams("1.11") == 1  # application/json (text/plain joined the defaults in 1.17)
    assert streams("1.12") is None
    assert streams("1.16") == 1
    assert streams("1.17") == 2
    assert streams("1.25") == 2
    assert streams("1.26") is None  # newer than anything checked
    assert streams("1.4.0") is None
    off = source.replace(
        "Compress(app)", 'app.config["COMPRESS_STREAMS"] = False\n    Compress(app)'
    )
    assert streams("1.25", off) is None
    assert streams("1.11", off) == 1  # there was no COMPRESS_STREAMS yet
    loaded = source.replace("Compress(app)", 'app.config.from_object("cfg")\n    Compress(app)')
    assert streams("1.25", loaded) is None
    sse = source.replace(
        "Compress(app)",
        'app.config["COMPRESS_MIMETYPES"] = ["text/event-stream"]\n    Compress(app)',
    )
    assert streams("1.25", sse) == 1


def test_non_buffering_middleware_needs_no_version() -> None:
    source = FASTAPI_TEXT.replace(
        "fastapi.middleware.gzip import GZipMiddleware", "brotli_asgi import BrotliMiddleware"
    ).replace("GZipMiddleware", "BrotliMiddleware")
    assert not buffering({"main.py": source, "requirements.txt": "starlette==0.30.0\n"})


def test_a_content_encoding_hook_in_the_folder_silences_it() -> None:
    hook = """
    from starlette.middleware.base import BaseHTTPMiddleware


    class NoCompressionForStreams(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            response = await call_next(request)
            if request.url.path.startswith("/chat"):
                response.headers["Content-Encoding"] = "identity"
            return response
    """
    files = {"main.py": FASTAPI_TEXT, "requirements.txt": "starlette==0.41.3\n"}
    assert buffering(files)
    assert not buffering({**files, "hooks.py": hook})
    assert buffering({**files, "other/hooks.py": hook, "other/requirements.txt": "x==1\n"})


def test_a_subfolder_with_its_own_manifest_is_another_project() -> None:
    views = """
    from django.http import StreamingHttpResponse


    def stream(request):
        def gen():
            yield "a"

        return StreamingHttpResponse(gen(), content_type="text/plain")
    """
    files = {
        "site/settings.py": 'MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware"]\n',
        "requirements.txt": "Django==5.2.8\n",
        "svc/views.py": views,
    }
    assert buffering(files)
    # svc/ declares its own dependencies (ranges only): its streams are not the root site's
    files["svc/pyproject.toml"] = '[project]\nname = "svc"\ndependencies = ["django>=5"]\n'
    assert not buffering(files)


def test_file_downloads_are_not_token_streams() -> None:
    source = """
    import io

    from fastapi import FastAPI
    from fastapi.middleware.gzip import GZipMiddleware
    from fastapi.responses import StreamingResponse

    app = FastAPI()
    app.add_middleware(GZipMiddleware)


    @app.get("/export.csv")
    async def export():
        return StreamingResponse(rows(), media_type="text/csv")


    @app.get("/report.xlsx")
    async def report():
        data = io.BytesIO(build())
        return StreamingResponse(data, media_type="application/vnd.ms-excel")


    @app.post("/raw")
    async def raw(prompt: str):
        async def frames():
            async for token in model(prompt):
                yield f"data: {token}\\n\\n"

        return StreamingResponse(frames())
    """
    (fact,) = buffering({"main.py": source, "requirements.txt": "starlette==0.45.0\n"})
    assert (fact.streams, fact.media_types, fact.example) == (1, ("no media type",), "main.py:28")
