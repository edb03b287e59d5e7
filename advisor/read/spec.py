"""Recognise OpenAPI/Swagger documents by content and load YAML/JSON documents with positions.

Spec-ness is decided from the text *before* parsing: a file whose top level declares `openapi:`
or `swagger:` is a spec, so if it then fails to parse that is a finding (ADV001); any other YAML
or JSON (CI files, Helm templates, fixtures) is skipped quietly and never parsed. Files that a
spec references by `$ref` are loaded with the same function, without the sniff.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from advisor.read.jsonpos import JsonLocator
from advisor.read.source import TextFailure, decode_text
from advisor.records import record

if TYPE_CHECKING:
    import yaml

    from advisor.read.yamlpos import YamlLocator

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
# libyaml refuses documents nested deeper than 1,000 levels; the pure-Python loader can read
# them with a larger recursion limit (measured: 3,000 levels in under 3 s). Deeper documents
# are reported rather than parsed.
DEEP_RECURSION_LIMIT = 12_000
MAX_NESTING = 3_000
_BRACKETS = re.compile(r"[\[\]{}]")


@record
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
    """A parsed YAML or JSON document and where each of its parts is written."""

    text: str
    syntax: str
    data: Any
    node: yaml.Node | None = field(default=None, repr=False)
    kind: SpecKind | None = None
    yaml_locator: YamlLocator | None = field(default=None, repr=False)

    def locate(self, pointer: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, column) where the pointer's last member is written (its key)."""
        if self.syntax == "json":
            return self._json_locator.locate(pointer) or (1, 1)
        if self.node is None:
            # read by the fast reader: find it in the text, else compose the text (once)
            if self.yaml_locator is None:
                from advisor.read.yamlpos import YamlLocator

                self.yaml_locator = YamlLocator(self.text)
            found = self.yaml_locator.locate(pointer, self.data)
            if found is not None:
                return found
            self.node = _compose(self.text)
            if self.node is None:
                return 1, 1
        return _locate_yaml(self.node, pointer)

    def line_text(self, line: int) -> str:
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def _json_locator(self) -> JsonLocator:
        return JsonLocator(self.text)


@record
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
    parsed = parse_document(text, kind.syntax)
    if isinstance(parsed, TextFailure):
        return SpecFailure(parsed, kind)
    if not isinstance(parsed.data, dict):
        return SpecFailure(TextFailure("not a mapping at the top level"), kind)
    parsed.kind = kind
    return parsed


def load_document(data: bytes, syntax: str) -> SpecDocument | TextFailure:
    """A referenced YAML/JSON file (no spec sniff: fragments have no `openapi` key)."""
    text = decode_text(data)
    if isinstance(text, TextFailure):
        return text
    if syntax == "json" and not text.lstrip().startswith(("{", "[")):
        syntax = "yaml"
    return parse_document(text, syntax)


def parse_document(text: str, syntax: str) -> SpecDocument | TextFailure:
    if syntax == "json":
        return _parse_json(text)
    return _parse_yaml(text)


def _parse_json(text: str) -> SpecDocument | TextFailure:
    try:
        try:
            return SpecDocument(text, "json", json.loads(text))
        except RecursionError:
            with deep_recursion():
                return SpecDocument(text, "json", json.loads(text))
    except json.JSONDecodeError as exc:
        return TextFailure(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except RecursionError:
        return TextFailure("invalid JSON: nested too deeply to analyse")


def _parse_yaml(text: str) -> SpecDocument | TextFailure:
    """YAML's readers are imported here: PyYAML alone costs 20-30 ms, which a project whose
    documents are all JSON does not pay."""
    from advisor.read.fastyaml import fast_load
    from advisor.read.yamlload import PureSpecLoader, SpecLoader

    fast = fast_load(text)
    if fast is not None:
        return SpecDocument(text, "yaml", fast.data, yaml_locator=fast.locator)
    result = _compose_and_construct(text, SpecLoader)
    if isinstance(result, TextFailure) and "maximum nesting depth" in result.message:
        # Legal YAML that libyaml refuses; the pure-Python loader reads it, slowly.
        if _nesting_estimate(text) > MAX_NESTING:
            return TextFailure(
                f"invalid YAML: nested more than {MAX_NESTING:,} levels; too deep to analyse",
                result.line,
                result.column,
            )
        with deep_recursion():
            result = _compose_and_construct(text, PureSpecLoader)
    return result


def _nesting_estimate(text: str) -> int:
    """An upper bound of how deeply `text` nests: flow brackets and block indentation."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    return max(deepest, indent)


def _compose_and_construct(
    text: str, loader_class: type[yaml.SafeLoader]
) -> SpecDocument | TextFailure:
    import yaml

    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and not exc.context.startswith("while "):
            problem = f"{exc.context}, {exc.problem}"  # "expected a single document, but ..."
        return TextFailure(f"invalid YAML: {' '.join(problem.split())}", line, column)
    except yaml.YAMLError as exc:
        return TextFailure(f"invalid YAML: {' '.join(str(exc).split())}")
    except RecursionError:
        return TextFailure("invalid YAML: nested too deeply to analyse")
    finally:
        loader.dispose()
    return SpecDocument(text, "yaml", data, node)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of a document the fast reader read (so PyYAML reads it too)."""
    import yaml

    from advisor.read.yamlload import PureSpecLoader, SpecLoader

    for loader_class in (SpecLoader, PureSpecLoader):
        loader = loader_class(text)
        try:
            with deep_recursion():
                return loader.get_single_node()
        except (yaml.YAMLError, RecursionError):
            continue
        finally:
            loader.dispose()
    return None


@contextlib.contextmanager
def deep_recursion() -> Iterator[None]:
    """Temporarily allow deeper recursion for the standard parsers (restored afterwards)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, DEEP_RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _locate_yaml(root: yaml.Node, pointer: Sequence[str | int]) -> tuple[int, int]:
    import yaml

    node: yaml.Node = root
    mark = root.start_mark
    for segment in pointer:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):  # the last duplicate key wins
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


def pointer_tokens(fragment: str) -> tuple[str, ...]:
    """`/paths/~1chat/post` -> ("paths", "/chat", "post")."""
    if not fragment or fragment == "/":
        return () if not fragment else ("",)
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in fragment.lstrip("/").split("/"))
