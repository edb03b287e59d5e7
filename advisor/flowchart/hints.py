"""The hints that apply to an endpoint, and where each was written.

Explicit statements beat inference, and the most specific statement wins: a hint in the spec
(`x-advisor` on the operation, its path item or the document) applies to the endpoint, and
each field remembers its source so that the flowchart's evidence can say "hint: openapi.yaml:40
x-advisor".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from advisor.flowchart.inventory import Sighting
from advisor.model import Fact, Hints
from advisor.settings import Settings


def endpoint_hints(
    sighting: Sighting, facts: Sequence[Fact], settings: Settings
) -> tuple[Hints, dict[str, str]]:
    layers: list[tuple[Hints, str]] = []
    operation = sighting.operation
    if operation is not None:
        location = operation.evidence.location
        layers.append((operation.hints, f"{location.path}:{location.line} x-advisor"))
    return merge(layers)


def merge(layers: Sequence[tuple[Hints, str]]) -> tuple[Hints, dict[str, str]]:
    """Later layers override earlier ones, field by field; unset fields override nothing."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for hints, source in layers:
        for field in dataclasses.fields(hints):
            value = getattr(hints, field.name)
            if value is not None:
                values[field.name] = value
                sources[field.name] = source
    return Hints(**values), sources  # type: ignore[arg-type]
