"""Compression middleware facts, field by field, and the table they come from."""

from __future__ import annotations

import textwrap

from advisor.facts import summarize_python
from advisor.model import ContentEncodingHook, Middleware
from advisor.tables import compression_middleware, implied_versions
from advisor.versions import parse_version


def middleware(source: str, path: str = "app/main.py") -> list[Middleware]:
    summary = summarize_python(path, textwrap.dedent(source).lstrip("\n").encode())
    return [f for f in summary.facts if isinstance(f, Middleware)]


# -- the data table ------------------------------------------------------------------------


def test_behaviour_ranges_are_ordered_and_do_not_overlap() -> None:
    for entry in {id(e): e for e in compression_middleware().values()}.values():
        previous_end = None
        for index, behaviour in enumerate(entry.behaviours):
            if index and previous_end is not None:
                assert behaviour.start is not None and behaviour.start >= previous_end
            if behaviour.start is not None and behaviour.end is not None:
                assert behaviour.start < behaviour.end
            previous_end = behaviour.end


def test_fastapi_starlette_rows_are_ordered() -> None:
    (fastapi,) = implied_versions()["starlette"]
    assert fastapi.by == "fastapi"
    starts = [r.start for r in fastapi.ranges]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(r.start < r.end for r in fastapi.ranges)
    row = next(r for r in fastapi.ranges if r.start == parse_version("0.115.7"))
    assert row.text == ">=0.40.0,<0.46.0"


# -- middleware facts ----------------------------------------------------------------------


def test_asgi_installation_shapes() -> None:
    found = middleware(
        """
        from fastapi import FastAPI
        from fastapi.middleware.gzip import GZipMiddleware
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware
        from starlette.middleware.gzip import GZipMiddleware as GZip
        import brotli_asgi

        app = FastAPI()
        app.add_middleware(GZipMiddleware, minimum_size=1000)
        app.add_middleware(CORSMiddleware, allow_origins=["*"])
        app.add_middleware(middleware_class=GZip)
        other = Starlette(middleware=[Middleware(GZip), Middleware(CORSMiddleware)])
        plain = brotli_asgi.BrotliMiddleware(other)
        listed = [Middleware(GZip)]
        """
    )
    assert [(f.evidence.location.line, f.name, f.library, f.app) for f in found] == [
        (10, "fastapi.middleware.gzip.GZipMiddleware", "starlette", "app.main.app"),
        (12, "starlette.middleware.gzip.GZipMiddleware", "starlette", "app.main.app"),
        (13, "starlette.middleware.gzip.GZipMiddleware", "starlette", "app.main.other"),
        (14, "brotli_asgi.BrotliMiddleware", "brotli-asgi", "app.main.other"),
        (15, "starlette.middleware.gzip.GZipMiddleware", "starlette", None),
    ]
    assert all(f.config_known and f.streams_option is None for f in found)


def test_unresolved_names_are_not_middleware() -> None:
    assert not middleware(
        """
        from myproject.compression import GZipMiddleware

        app.add_middleware(GZipMiddleware)
        add_middleware(GZipMiddleware)
        GZipMiddleware(app)
        """
    )


def test_django_settings() -> None:
    gzip = "django.middleware.gzip.GZipMiddleware"
    found = middleware(
        f"""
        BASE = ["django.middleware.common.CommonMiddleware"]
        MIDDLEWARE = BASE + ["{gzip}", *EXTRA]
        MIDDLEWARE += ("{gzip}",)
        MIDDLEWARE.insert(0, "{gzip}")
        MIDDLEWARE.append("{gzip}")
        MIDDLEWARE.extend(["{gzip}"])
        OTHER = ["{gzip}"]
        NOT_GZIP = [m for m in MIDDLEWARE if m != "{gzip}"]

        class Production:
            MIDDLEWARE_CLASSES = ["{gzip}"]

        def configure():
            MIDDLEWARE = ["{gzip}"]
        """,
        "site/settings.py",
    )
    assert [(f.evidence.location.line, f.name, f.library, f.app) for f in found] == [
        (2, gzip, "django", None),
        (3, gzip, "django", None),
        (4, gzip, "django", None),
        (5, gzip, "django", None),
        (6, gzip, "django", None),
        (11, gzip, "django", None),
    ]


def test_django_removal_undoes_it() -> None:
    assert not middleware(
        """
        from .base import *

        MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware"]
        MIDDLEWARE.remove("django.middleware.gzip.GZipMiddleware")
        """
    )


def test_flask_compress_options() -> None:
    found = middleware(
        """
        from flask import Flask
        from flask_compress import Compress

        TYPES = ["text/plain; charset=utf-8", "application/json"]

        app = Flask(__name__)
        app.config["COMPRESS_STREAMS"] = False
        app.config.update(COMPRESS_MIMETYPES=TYPES)
        Compress(app)

        other = Flask(__name__)
        other.config.update({"COMPRESS_STREAMS": True})
        Compress(app=other)

        loaded = Flask(__name__)
        loaded.config.from_object("settings.Production")
        Compress(loaded)

        computed = Flask(__name__)
        computed.config["COMPRESS_STREAMS"] = env_flag("STREAMS")
        Compress(computed)
        """
    )
    assert [
        (f.evidence.location.line, f.app, f.streams_option, f.media_types, f.config_known)
        for f in found
    ] == [
        (9, "app.main.app", False, ("application/json", "text/plain"), True),
        (13, "app.main.other", True, None, True),
        (17, "app.main.loaded", None, None, False),
        (21, "app.main.computed", None, None, False),
    ]


def test_flask_compress_init_app_and_non_installations() -> None:
    found = middleware(
        """
        from flask import Flask
        from flask_compress import Compress

        compress = Compress()
        lazy = Compress(None)


        def create_app():
            app = Flask(__name__)
            app.config["COMPRESS_MIMETYPES"] = ["text/plain"]
            compress.init_app(app)
            return app


        def per_view_only():
            app = Flask(__name__)
            app.config["COMPRESS_REGISTER"] = False
            compress.init_app(app)


        def nothing_to_compress():
            app = Flask(__name__)
            app.config["COMPRESS_MIMETYPES"] = []
            compress.init_app(app)


        unknown.init_app(app)
        """
    )
    assert [(f.evidence.location.line, f.app, f.media_types) for f in found] == [
        (11, None, ("text/plain",)),
    ]


def test_litestar_config() -> None:
    (found,) = middleware(
        """
        from litestar import Litestar
        from litestar.config.compression import CompressionConfig

        app = Litestar([], compression_config=CompressionConfig(backend="brotli"))
        """
    )
    assert (found.library, found.name) == (
        "litestar",
        "litestar.config.compression.CompressionConfig",
    )


def test_content_encoding_hooks() -> None:
    summary = summarize_python(
        "app/hooks.py",
        textwrap.dedent(
            """
            from django.http import StreamingHttpResponse
            from starlette.middleware.base import BaseHTTPMiddleware


            class Identity(BaseHTTPMiddleware):
                async def dispatch(self, request, call_next):
                    response = await call_next(request)
                    response.headers["Content-Encoding"] = "identity"
                    return response


            def process_response(request, response):
                response["content-encoding"] = ""
                response.headers.setdefault("Content-Encoding", KIND)
                return response


            def view(request):
                response = StreamingHttpResponse(tokens())
                response["Content-Encoding"] = "identity"
                upstream = {"Content-Encoding": "gzip"}
                upstream["Content-Encoding"] = "br"
                response.cookies["Content-Encoding"] = "x"
                return response
            """
        )
        .lstrip("\n")
        .encode(),
    )
    hooks = [f for f in summary.facts if isinstance(f, ContentEncodingHook)]
    assert [(h.evidence.location.line, h.value) for h in hooks] == [
        (8, "identity"),
        (13, ""),
        (14, None),
    ]


def test_flask_compress_mimetypes_set_after_installing_are_unknown() -> None:
    (found,) = middleware(
        """
        from flask import Flask
        from flask_compress import Compress

        app = Flask(__name__)
        Compress(app)
        app.config["COMPRESS_MIMETYPES"] = ["text/event-stream"]
        """
    )
    assert (found.media_types, found.config_known) == (None, False)


def test_flask_compress_on_an_app_built_elsewhere_has_unknown_config() -> None:
    found = middleware(
        """
        from flask_compress import Compress

        from .factory import app


        def init_app(flask_app):
            Compress(flask_app)


        Compress(app)
        Compress(make_app())
        """
    )
    assert [(f.evidence.location.line, f.config_known) for f in found] == [
        (7, False),
        (10, False),
        (11, False),
    ]


def test_a_response_name_bound_in_several_branches_is_not_a_hook() -> None:
    summary = summarize_python(
        "app/views.py",
        textwrap.dedent(
            """
            from django.http import HttpResponse, StreamingHttpResponse


            def proxy(request, upstream):
                if upstream.is_stream:
                    response = StreamingHttpResponse(upstream.iter(), content_type="text/event-stream")
                    response["Content-Encoding"] = "identity"
                else:
                    response = HttpResponse(upstream.body)
                return response
            """
        ).encode(),
    )
    assert not [f for f in summary.facts if isinstance(f, ContentEncodingHook)]
