"""Rule messages: `str.format` templates over a fact's fields and the condition's captures."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any


class MessageFormatter(string.Formatter):
    """Lists read as `a`, `b`; unknown values as "unknown"; booleans as yes/no."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, list | tuple | set | frozenset):
            return ", ".join(f"`{item}`" for item in value)
        if value is None:
            return "unknown"
        if isinstance(value, bool):
            return "yes" if value else "no"
        formatted: str = super().format_field(value, format_spec)
        return formatted


FORMATTER = MessageFormatter()


def template_fields(template: str) -> list[str]:
    """Names a template refers to (the part before any `.` or `[`)."""
    names = []
    for _, field_name, _, _ in FORMATTER.parse(template):
        if field_name is None:
            continue
        root = field_name.split(".")[0].split("[")[0]
        names.append(root)
    return names


def check_template(template: str, allowed: Iterable[str]) -> list[str]:
    """Problems with a template (unknown names, private attributes, positional fields)."""
    allowed_names = set(allowed)
    problems = []
    try:
        parsed = list(FORMATTER.parse(template))
    except ValueError as exc:
        return [f"invalid template: {exc}"]
    for _, field_name, _, _ in parsed:
        if field_name is None:
            continue
        if field_name == "" or field_name.isdigit():
            problems.append("positional fields like {} are not allowed; name a field")
            continue
        if "._" in field_name or field_name.startswith("_"):
            problems.append(f"'{field_name}' reads a private attribute")
            continue
        root = field_name.split(".")[0].split("[")[0]
        if root not in allowed_names:
            problems.append(f"unknown name '{root}' (fields: {', '.join(sorted(allowed_names))})")
    return problems


def render(template: str, values: Mapping[str, Any]) -> str:
    return FORMATTER.vformat(template, (), dict(values))
