"""The values that flow between pipeline stages.

Every stage after reading exchanges only these frozen dataclasses: per-file work can then be
cached by content hash and run in other processes (they pickle), and output is deterministic
(they compare and sort). Facts describe what the code or spec *does*; whether that is wrong is
decided later by the rule files in the policy catalog.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for `fail-on` comparisons."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based line and column (columns count characters, not bytes)."""

    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Evidence:
    """Where a fact was seen, with enough context for a reader (and the engine) to act on it.

    `anchors` are the line spans on which a suppression comment applies to this evidence (the
    reported expression and the signatures of its enclosing functions); `pointer` is the JSON
    pointer of the spec node, and `scope` the pointer of the enclosing operation, which is where
    `x-advisor-ignore` is written.
    """

    location: Location
    snippet: str = ""
    anchors: tuple[tuple[int, int], ...] = ()
    pointer: str | None = None
    scope: str | None = None
    function: str | None = None


def doc(text: str) -> Any:
    """Field metadata: the user-facing description of a fact field (shown by `advisor facts`)."""
    return field(metadata={"doc": text})


def doc_default(text: str, default: Any) -> Any:
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Base of every fact kind. Rule files select facts by `kind` and test their fields."""

    kind: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    evidence: Evidence = doc("Where the fact was seen.")


@dataclass(frozen=True, kw_only=True)
class ParseFailure(Fact):
    kind: ClassVar[str] = "parse-failure"
    summary: ClassVar[str] = "A file that could not be decoded or parsed."
    reader: str = doc("What failed: `python`, `yaml`, `json` or `text` (decoding, size).")
    message: str = doc("The reader's own explanation.")


@dataclass(frozen=True, kw_only=True)
class Header:
    name: str = doc("Header name, lower-cased.")
    value: str | None = doc("Header value when it is a literal, else null.")


@dataclass(frozen=True, kw_only=True)
class ResponseConstruction(Fact):
    kind: ClassVar[str] = "response"
    summary: ClassVar[str] = (
        "An HTTP response object built in Python code (framework response class)."
    )
    library: str = doc("Library that owns the response class, e.g. `starlette`, `flask`, `django`.")
    constructor: str = doc("Qualified name of the response class as imported.")
    media_type: str | None = doc(
        "Media type without parameters, lower-cased; null when it cannot be known statically."
    )
    media_type_known: bool = doc("False when the media type is computed at run time.")
    headers: tuple[Header, ...] = doc("Headers the code sets explicitly (constructor and later).")
    headers_known: bool = doc(
        "False when some headers are computed at run time or the response escapes to other code."
    )
    library_headers: tuple[Header, ...] = doc("Headers the library adds by itself (FACTS.md).")
    effective_header_names: tuple[str, ...] = doc(
        "Sorted lower-cased names of every header the response will carry (explicit + library)."
    )


@dataclass(frozen=True, kw_only=True)
class LlmCall(Fact):
    kind: ClassVar[str] = "llm-call"
    summary: ClassVar[str] = "A call into an LLM provider SDK whose receiver could be resolved."
    provider: str = doc("Provider family, e.g. `openai`, `anthropic`.")
    sdk: str = doc("Python distribution whose API is called, e.g. `openai`.")
    api: str = doc("Method path on the client, e.g. `chat.completions.create`.")
    client: str = doc("Qualified client class, or the SDK module for module-level calls.")
    is_async: bool = doc("True when the client or the call is asynchronous.")
    streamed: bool | None = doc("True when the call streams tokens; null when unknown.")
    structured_output: bool | None = doc(
        "True when the call asks for JSON / a schema / a parsed model; null when unknown."
    )
    forced_tool_call: bool | None = doc("True when a tool call is forced (tool_choice).")
    structured_via: str | None = doc("Which argument asks for structured output, for messages.")


@dataclass(frozen=True, kw_only=True)
class SpecOperation(Fact):
    kind: ClassVar[str] = "operation"
    summary: ClassVar[str] = "An operation (method + path) of an OpenAPI or Swagger document."
    method: str = doc("HTTP method, upper-case.")
    path: str = doc("Path template as written in the spec.")
    operation_id: str | None = doc("operationId, if any.")
    spec_version: str = doc("The `openapi` / `swagger` version string.")
    response_media_types: tuple[str, ...] = doc(
        "Sorted media types of all documented responses (local content only)."
    )
    status_codes: tuple[str, ...] = doc("Documented response status codes, sorted.")


FACT_KINDS: dict[str, type[Fact]] = {
    cls.kind: cls for cls in (ParseFailure, ResponseConstruction, LlmCall, SpecOperation)
}


@dataclass(frozen=True)
class Suppression:
    """An inline `# advisor: ignore[...]` comment or an `x-advisor-ignore` list.

    `codes` is None for a bare ignore (every code). Python suppressions sit on `line`; spec
    suppressions cover the operation at `pointer`.
    """

    path: str
    codes: frozenset[str] | None
    line: int | None = None
    pointer: str | None = None


@dataclass(frozen=True)
class FileSummary:
    """Everything the per-file stage learned about one file: a pure function of its bytes."""

    path: str
    language: str
    facts: tuple[Fact, ...]
    suppressions: tuple[Suppression, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A rule firing on a fact, after the engine applied suppressions and overrides."""

    code: str
    name: str
    severity: Severity
    message: str
    evidence: Evidence
    fix_title: str | None = None

    @property
    def location(self) -> Location:
        return self.evidence.location

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Path, line, column, code: the order every reporter prints in."""
        loc = self.evidence.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


def fact_fields(kind: type[Fact]) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(kind)}
