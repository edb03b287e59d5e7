"""Read what a JSON Schema in a spec says about object properties, following `$ref` lazily.

Only what the detectors ask for is followed (the properties of one request or response body,
through `allOf` / `oneOf` / `anyOf`), with a visited set, so recursive schemas end and shared
ones are read once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from advisor.facts.spec.documents import Located
from advisor.facts.spec.resolver import Resolver

MAX_SCHEMAS = 200


@dataclass
class ObjectView:
    """The properties an object schema declares; `complete` is False if some part is opaque."""

    properties: dict[str, Located] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    complete: bool = True


def object_view(schema: Located | None, resolver: Resolver) -> ObjectView | None:
    """Properties of an object schema, or None when nothing can be said about them."""
    if schema is None:
        return None
    view = ObjectView()
    seen: set[tuple[str, tuple[str, ...]]] = set()
    stack = [schema]
    found_any = False
    while stack and len(seen) < MAX_SCHEMAS:
        current = resolver.value(stack.pop())
        if current is None:
            view.complete = False
            continue
        place = (current.path, current.pointer)
        if place in seen or not isinstance(current.value, Mapping):
            continue
        seen.add(place)
        value = current.value
        properties = value.get("properties")
        if isinstance(properties, Mapping):
            found_any = True
            for name in properties:
                view.properties.setdefault(str(name), current.child("properties", name))
        required = value.get("required")
        if isinstance(required, list):
            view.required.update(str(r) for r in required)
        for combinator in ("allOf", "oneOf", "anyOf"):
            parts = value.get(combinator)
            if isinstance(parts, list):
                stack.extend(current.child(combinator, i) for i in range(len(parts)))
        combined = any(isinstance(value.get(c), list) for c in ("allOf", "oneOf", "anyOf"))
        free_form = value.get("type") in (None, "object") and (
            value.get("additionalProperties") is not False
        )
        if not isinstance(properties, Mapping) and not combined and free_form:
            view.complete = False  # no properties at all: a free-form object says nothing
    if not found_any and not view.complete:
        return None
    return view


def scalar_view(
    schema: Located | None, resolver: Resolver
) -> tuple[set[str], Mapping[str, object]]:
    """The JSON types a (possibly nullable / anyOf) scalar schema allows, and its keywords.

    `{"type": "boolean", "default": false}`, `{"type": ["boolean", "null"]}` and OpenAI's
    `{"anyOf": [{"type": "boolean"}, {"type": "null"}]}` all allow boolean.
    """
    types: set[str] = set()
    keywords: dict[str, object] = {}
    stack = [schema] if schema is not None else []
    seen = 0
    while stack and seen < 20:
        seen += 1
        current = resolver.value(stack.pop())
        if current is None or not isinstance(current.value, Mapping):
            continue
        value = current.value
        kind = value.get("type")
        if isinstance(kind, str):
            types.add(kind)
        elif isinstance(kind, list):
            types.update(str(k) for k in kind)
        for key in ("default", "maximum", "minimum"):
            if key in value and key not in keywords:
                keywords[key] = value[key]
        for combinator in ("anyOf", "oneOf", "allOf"):
            parts = value.get(combinator)
            if isinstance(parts, list):
                stack.extend(current.child(combinator, i) for i in range(len(parts)))
    return types, keywords
