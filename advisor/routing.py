"""Paths of HTTP routes compared across frameworks and specs.

A spec writes `/users/{user_id}`, Flask `/users/<int:uid>`, aiohttp `/users/{uid:\\d+}`, Express-
style routers `/users/:uid`; they are the same route. Parameters become `{}` and a trailing
slash is dropped (Django routes end in one, specs rarely do).
"""

from __future__ import annotations

import re

_PARAMETER = re.compile(
    r"\(\?P<[^<>]*>[^()]*\)"  # Django re_path: (?P<pk>[0-9]+)
    r"|\{[^{}]*\}"  # OpenAPI, FastAPI, Starlette, aiohttp, Litestar: {id}, {id:int}, {*}
    r"|<[^<>]*>"  # Flask, Quart, Django, Sanic: <id>, <int:id>, <path:rest>
    r"|(?<=/):[A-Za-z_][A-Za-z0-9_]*"  # Express style, a whole segment: /:id
)
_SLASHES = re.compile(r"/{2,}")


def normalize_path(path: str) -> str:
    """Every parameter written `{}`, rooted at `/`, without a trailing slash (except the root),
    without a Django regex's `^` and `$`, and with repeated slashes collapsed. A `:verb` after a
    parameter (`/models/{m}:generate`) is not a parameter. Config hint patterns go through it
    too (advisor/hints.py): its globs (`*`, `**`, `?`) survive."""
    text = path.strip()
    if text.startswith("^"):
        text = text[1:]
    if text.endswith("$"):
        text = text[:-1]
    text = _SLASHES.sub("/", "/" + text.lstrip("/"))
    text = _PARAMETER.sub("{}", text)
    return text.rstrip("/") or "/"


def endpoint_label(method: str, path: str | None, fallback: str = "") -> str:
    """`POST /v1/chat`: how endpoints are named in messages, the report and `advisor explain`."""
    return f"{method} {path}" if path else f"{method} {fallback}".rstrip()


def join_paths(prefix: str | None, path: str | None) -> str | None:
    """`/v1` + `/chat` -> `/v1/chat`, without doubling or losing the slash between them."""
    if path is None:
        return None
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix.rstrip("/") + "/" + path.lstrip("/")
