"""The names rule files use for fix transformations, and the code each name runs.

Mechanism and policy apart, as for detection: a rule file says *which* transformation fixes its
findings (`fix.transform: sse-no-buffer-headers`), the transformation itself is Python code in
this package. The table maps names to `module:function` strings so that loading the catalog
(which checks the names) does not import libcst; the code is imported when a fix is applied.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

TRANSFORMS: dict[str, str] = {
    "sse-no-buffer-headers": "advisor.fixes.responses:add_no_buffer_headers",
    "sse-event-stream-media-type": "advisor.fixes.responses:set_event_stream_media_type",
    "sse-end-event": "advisor.fixes.frames:end_events",
    "sse-json-encode-data": "advisor.fixes.frames:json_encode_data",
    "sse-unwrap-frame": "advisor.fixes.frames:unwrap_frames",
    "incremental-decoder": "advisor.fixes.decode:incremental_decoder",
}

_REGISTERED: dict[str, Callable[..., Any]] = {}
"""Transformations registered at run time (tests; a plugin's own fixes)."""


def register(name: str, transform: Callable[..., Any]) -> None:
    """Make `name` usable in rule files (`fix.transform`) for this process."""
    _REGISTERED[name] = transform


def unregister(name: str) -> None:
    _REGISTERED.pop(name, None)


def known(name: str) -> bool:
    return name in TRANSFORMS or name in _REGISTERED


def names() -> list[str]:
    return sorted({*TRANSFORMS, *_REGISTERED})


def load(name: str) -> Callable[..., Any]:
    """The transformation registered under `name` (KeyError when there is none)."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    module_name, _, attribute = TRANSFORMS[name].partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return function
