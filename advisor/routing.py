"""Paths of HTTP routes compared across frameworks and specs.

A spec writes `/users/{user_id}`, Flask `/users/<int:uid>`, aiohttp `/users/{uid:\\d+}`, Express-
style routers `/users/:uid`; they are the same route. Parameters become `{}` and a trailing
slash is dropped (Django routes end in one, specs rarely do).
"""

from __future__ import annotations

import re

_PARAMETER = re.compile(r"\{[^}]*\}|<[^>]*>|(?<=/):[A-Za-z_][A-Za-z0-9_]*")


def normalize_path(path: str) -> str:
    normalized = _PARAMETER.sub("{}", path.strip())
    if not normalized.startswith("/"):
        normalized = "/" + normalized
    if len(normalized) > 1:
        normalized = normalized.rstrip("/")
    return normalized


def endpoint_label(method: str, path: str | None, fallback: str = "") -> str:
    """`POST /v1/chat`: how endpoints are named in messages, the report and `advisor explain`."""
    return f"{method} {path}" if path else f"{method} {fallback}".rstrip()
