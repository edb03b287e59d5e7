"""Facts stage: what one file shows, as a pure function of (path, bytes, settings).

No I/O and no global state here, so results can be cached by content hash and computed in
worker processes. Work that needs several files (call graph, spec-code join) is a later stage.
The one exception is a spec that references other files by `$ref`: its analysis unit is the
entry document plus those files, read through a root-confined reader, and its summary lists
them as dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.model import Evidence, Fact, FileSummary, Location, ParseFailure
from advisor.paths import module_name
from advisor.read.python import PythonSource, parse_python
from advisor.read.source import TextFailure
from advisor.settings import SIZE_SNIFF_BYTES, Settings

if TYPE_CHECKING:
    from advisor.facts.python.walk import Detector
    from advisor.facts.spec.documents import FileReader
    from advisor.read.spec import SpecDocument

# The readers and detectors are imported by the functions that use them: a project without
# specs never pays for the spec readers (jsonschema's `referencing` among them), and the main
# process, which reads the helpers of advisor/facts/python (the flowchart's branches) but
# summarizes nothing when worker processes do, never pays for the detectors (40 ms).


def python_detectors() -> list[Detector]:
    """Fresh detector instances for one module (detectors may keep per-module state)."""
    from advisor.facts.python.consumption import StreamConsumptionDetector
    from advisor.facts.python.decoding import ChunkDecodeDetector
    from advisor.facts.python.graph import GraphDetector
    from advisor.facts.python.hints import FunctionHintDetector
    from advisor.facts.python.llm_calls import LlmCallDetector
    from advisor.facts.python.middleware import MiddlewareDetector
    from advisor.facts.python.polling import PollingDetector
    from advisor.facts.python.responses import ResponseDetector
    from advisor.facts.python.routes import RouteDetector

    llm_calls = LlmCallDetector()
    return [
        GraphDetector(),
        RouteDetector(),
        ResponseDetector(),
        llm_calls,
        StreamConsumptionDetector(llm_calls),  # after llm_calls: reads what it found on a node
        ChunkDecodeDetector(),
        PollingDetector(),
        MiddlewareDetector(),
        FunctionHintDetector(),
    ]


def summarize(
    path: str,
    language: str,
    data: bytes,
    settings: Settings,
    *,
    size: int | None = None,
    read: FileReader | None = None,
) -> FileSummary | None:
    """The facts of one file; None for YAML/JSON that is not an OpenAPI document.

    For a file over `max-file-size` the caller may pass only its first bytes and the real `size`.
    `read` gives the files a spec references (none are readable without it).
    """
    size = len(data) if size is None else size
    if size > settings.max_file_size:
        return _too_large(path, language, data, size, settings)
    if language == "python":
        return summarize_python(path, data)
    if language == "manifest":
        from advisor.facts.manifests import summarize_manifest

        return summarize_manifest(path, data, read or _nothing)
    return summarize_spec(path, data, read or _nothing)


def _nothing(path: str) -> bytes | None:
    return None


def summarize_python(path: str, data: bytes) -> FileSummary:
    from advisor.facts.python.walk import run_detectors
    from advisor.facts.suppressions import python_suppressions

    parsed = parse_python(data)
    if isinstance(parsed, TextFailure):
        return _failure(path, "python", "python", parsed)
    facts, module = run_detectors(path, parsed, module_name(path), python_detectors())
    suppressions = python_suppressions(path, parsed.comments, parsed.line_text)
    return FileSummary(path, "python", tuple(facts), suppressions, module=module)


def summarize_spec(path: str, data: bytes, read: FileReader) -> FileSummary | None:
    from advisor.read.spec import SpecFailure, load_spec

    loaded = load_spec(data)
    if loaded is None:
        return None
    if isinstance(loaded, SpecFailure):
        return _failure(path, "spec", loaded.kind.syntax, loaded.failure)
    from advisor.facts.spec import analyze_spec

    analysis = analyze_spec(path, loaded, read)
    return FileSummary(
        path, "spec", analysis.facts, analysis.suppressions, dependencies=analysis.files[1:]
    )


def _failure(path: str, language: str, reader: str, failure: TextFailure) -> FileSummary:
    fact = ParseFailure(
        evidence=Evidence(location=Location(path, failure.line, failure.column)),
        reader=reader,
        message=failure.message,
    )
    return FileSummary(path, language, (fact,))


def _too_large(
    path: str, language: str, data: bytes, size: int, settings: Settings
) -> FileSummary | None:
    if language == "manifest":
        return None  # a lock file that large is not ours to judge either
    from advisor.read.spec import sniff_spec

    if (
        language != "python"
        and sniff_spec(data[:SIZE_SNIFF_BYTES].decode("utf-8", errors="replace")) is None
    ):
        return None  # a large data file that is not a spec is not ours to judge
    limit = settings.max_file_size
    failure = TextFailure(
        f"file is {size:,} bytes, over the {limit:,}-byte limit (max-file-size); skipped"
    )
    return _failure(path, language, "text", failure)


__all__ = [
    "Fact",
    "PythonSource",
    "SpecDocument",
    "module_name",
    "summarize",
    "summarize_python",
    "summarize_spec",
]
