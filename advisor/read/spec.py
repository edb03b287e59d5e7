"""Recognise OpenAPI/Swagger documents by content and load them with positions.

Spec-ness is decided from the text *before* parsing: a file whose top level declares `openapi:`
or `swagger:` is a spec, so if it then fails to parse that is a finding (ADV001); any other YAML
or JSON (CI files, Helm templates, fixtures) is skipped quietly and never parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from advisor.read.jsonpos import JsonLocator
from advisor.read.source import TextFailure, decode_text
from advisor.read.yamlload import SafeLoader

# A top-level key at column 0 in YAML (optionally quoted), with a version-looking value.
_YAML_SPEC_KEY = re.compile(
    r"""^["']?(?P<key>openapi|swagger)["']?[ \t]*:[ \t]*["']?(?P<version>[0-9][0-9.]*)""",
    re.MULTILINE,
)
_JSON_SPEC_KEY = re.compile(r'"(?P<key>openapi|swagger)"\s*:\s*"(?P<version>[0-9][0-9.]*)')
# Go/Helm template actions: such files are not YAML until rendered.
_TEMPLATE_ACTION = re.compile(
    r"\{\{-?\s*(?:[.$]|(?:if|else|end|range|with|include|template|define|toYaml|tpl)\b)"
)


@dataclass(frozen=True)
class SpecKind:
    key: str
    """`openapi` or `swagger`."""
    version: str
    syntax: str
    """`json` when the document is JSON text, else `yaml`."""


def sniff_spec(text: str) -> SpecKind | None:
    """Whether `text` is an OpenAPI/Swagger document, judged without parsing it."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        match = _JSON_SPEC_KEY.search(text)
        return SpecKind(match["key"], match["version"], "json") if match else None
    match = _YAML_SPEC_KEY.search(text)
    if match is None or _TEMPLATE_ACTION.search(text):
        return None
    return SpecKind(match["key"], match["version"], "yaml")


@dataclass
class SpecDocument:
    text: str
    kind: SpecKind
    data: Any
    node: yaml.Node | None = field(default=None, repr=False)

    def locate(self, pointer: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, column) where the pointer's last member is written (its key)."""
        if self.node is None:
            return self._json_locator.locate(pointer) or (1, 1)
        return _locate_yaml(self.node, pointer)

    def line_text(self, line: int) -> str:
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def _json_locator(self) -> JsonLocator:
        return JsonLocator(self.text)


@dataclass(frozen=True)
class SpecFailure:
    failure: TextFailure
    kind: SpecKind


def load_spec(data: bytes) -> SpecDocument | SpecFailure | None:
    """The parsed spec; a failure to report; or None for YAML/JSON that is not a spec."""
    text = decode_text(data)
    if isinstance(text, TextFailure):
        # Undecodable bytes are only our business if the file declares itself a spec.
        declared = sniff_spec(data[: 1 << 20].decode("utf-8", errors="replace"))
        return SpecFailure(text, declared) if declared else None
    kind = sniff_spec(text)
    if kind is None:
        return None
    if kind.syntax == "json":
        try:
            return SpecDocument(text, kind, json.loads(text))
        except json.JSONDecodeError as exc:
            return SpecFailure(TextFailure(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno), kind)
        except RecursionError:
            return SpecFailure(TextFailure("invalid JSON: nested too deeply"), kind)
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and not exc.context.startswith("while "):
            problem = f"{exc.context}, {exc.problem}"  # "expected a single document, but ..."
        return SpecFailure(TextFailure(f"invalid YAML: {problem}", line, column), kind)
    except yaml.YAMLError as exc:
        return SpecFailure(TextFailure(f"invalid YAML: {exc}"), kind)
    except RecursionError:
        return SpecFailure(TextFailure("invalid YAML: nested too deeply"), kind)
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        return SpecFailure(TextFailure("not a mapping at the top level"), kind)
    return SpecDocument(text, kind, document, node)


def _locate_yaml(root: yaml.Node, pointer: Sequence[str | int]) -> tuple[int, int]:
    node: yaml.Node = root
    mark = root.start_mark
    for segment in pointer:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(segment):
                    mark, node = key_node.start_mark, value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and str(segment).isdigit():
            index = int(segment)
            if index >= len(node.value):
                break
            node = node.value[index]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1


def pointer_text(pointer: Sequence[str | int]) -> str:
    """RFC 6901 form of a pointer."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in pointer)
