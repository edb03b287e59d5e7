"""Typed, immutable views of the data tables in `advisor/data` (validated by their schemas)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from advisor.resources import data_table


@dataclass(frozen=True)
class Slot:
    """Where an argument is passed: by keyword, by position, or not at all (default)."""

    keyword: str | None = None
    position: int | None = None
    default: str | None = None
    alternatives: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class LibraryHeader:
    name: str
    value: str
    forced: bool


@dataclass(frozen=True)
class ResponseClass:
    names: tuple[str, ...]
    library: str
    media_type: Slot
    headers: Slot | None
    sets_headers: tuple[LibraryHeader, ...]
    source: str
    status: Slot | None = None


def _slot(raw: dict[str, Any] | None) -> Slot | None:
    if raw is None:
        return None
    return Slot(
        keyword=raw.get("keyword"),
        position=raw.get("position"),
        default=raw.get("default"),
        alternatives=tuple(s for s in map(_slot, raw.get("alternatives", ())) if s is not None),
    )


@functools.cache
def response_classes() -> dict[str, ResponseClass]:
    """Response classes by every qualified name they are importable under."""
    index: dict[str, ResponseClass] = {}
    for raw in data_table("responses")["responses"]:
        entry = ResponseClass(
            names=tuple(raw["names"]),
            library=raw["library"],
            media_type=_slot(raw["media-type"]) or Slot(),
            headers=_slot(raw.get("headers")),
            sets_headers=tuple(
                LibraryHeader(h["name"], h["value"], h["mode"] == "forced")
                for h in raw["sets-headers"]
            ),
            source=raw["source"],
            status=_slot(raw.get("status")),
        )
        for name in entry.names:
            index[name] = entry
    return index


@dataclass(frozen=True)
class HeaderHooks:
    decorators: dict[str, tuple[str, ...]]
    """Qualified view decorator -> header names it adds."""
    wrappers: frozenset[str]
    hook_attributes: frozenset[str]


@functools.cache
def header_hooks() -> HeaderHooks:
    raw = data_table("responses")
    return HeaderHooks(
        decorators={
            name: tuple(entry["sets"])
            for entry in raw["header-decorators"]["decorators"]
            for name in entry["names"]
        },
        wrappers=frozenset(raw["header-decorators"]["wrappers"]),
        hook_attributes=frozenset(raw["response-hooks"]["attributes"]),
    )


@dataclass(frozen=True)
class StructuredArgument:
    keyword: str
    at: tuple[str, ...] = ()
    plain_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ForcedTool:
    keyword: str
    strings: frozenset[str]
    types: frozenset[str]


@dataclass(frozen=True)
class MethodShape:
    api: str
    stream_keyword: str | None
    stream_always: bool | None
    structured_always: bool | None
    structured_arguments: tuple[StructuredArgument, ...]
    forced_tool: ForcedTool | None
    resume_keywords: tuple[str, ...] = ()
    always_resumes: bool = False


@dataclass(frozen=True, eq=False)
class Sdk:
    """One provider SDK (compared by identity: the table holds exactly one of each)."""

    provider: str
    sdk: str
    modules: tuple[str, ...]
    clients: dict[str, bool]
    """Qualified client class -> is asynchronous."""
    module_calls: bool
    transparent: frozenset[str]
    not_given: frozenset[str]
    methods: dict[str, MethodShape]


def _method(raw: dict[str, Any]) -> MethodShape:
    stream = raw["stream"]
    structured = raw.get("structured-output", {})
    forced = raw.get("forced-tool")
    return MethodShape(
        api=raw["api"],
        stream_keyword=stream.get("keyword"),
        stream_always=stream.get("always"),
        structured_always=structured.get("always"),
        structured_arguments=tuple(
            StructuredArgument(
                a["keyword"], tuple(a.get("at", ())), frozenset(a.get("plain-types", ()))
            )
            for a in structured.get("arguments", ())
        ),
        forced_tool=(
            ForcedTool(
                forced["keyword"],
                frozenset(forced.get("strings", ())),
                frozenset(forced.get("types", ())),
            )
            if forced
            else None
        ),
        resume_keywords=tuple(raw.get("resume-keywords", ())),
        always_resumes=bool(raw.get("resumes", False)),
    )


@functools.cache
def sdks() -> tuple[Sdk, ...]:
    return tuple(
        Sdk(
            provider=raw["provider"],
            sdk=raw["sdk"],
            modules=tuple(raw["modules"]),
            clients={c["name"]: c["async"] for c in raw["clients"]},
            module_calls=raw["module-calls"],
            transparent=frozenset(raw.get("transparent", ())),
            not_given=frozenset(raw.get("not-given", ())),
            methods={m["api"]: _method(m) for m in raw["methods"]},
        )
        for raw in data_table("llm_sdks")["sdks"]
    )


@functools.cache
def client_classes() -> dict[str, tuple[Sdk, bool]]:
    """Qualified client class -> (its SDK, is asynchronous)."""
    return {name: (sdk, is_async) for sdk in sdks() for name, is_async in sdk.clients.items()}


@functools.cache
def sdk_modules() -> dict[str, Sdk]:
    return {module: sdk for sdk in sdks() for module in sdk.modules}


@dataclass(frozen=True)
class SpecVocabulary:
    token_streams: frozenset[str]
    sequential: frozenset[str]
    structured_properties: frozenset[str]
    max_tokens_properties: tuple[str, ...]
    resume_parameters: frozenset[str]
    handle_headers: frozenset[str]
    status_fields: frozenset[str]
    handle_suffixes: tuple[str, ...]
    handle_names: frozenset[str]
    job_collections: frozenset[str]


@functools.cache
def spec_vocabulary() -> SpecVocabulary:
    raw = data_table("spec_vocabulary")
    media = raw["sequential-media-types"]
    jobs = raw["job-fields"]
    return SpecVocabulary(
        token_streams=frozenset(media["token-streams"]),
        sequential=frozenset(media["token-streams"]) | frozenset(media["other"]),
        structured_properties=frozenset(raw["structured-output-properties"]["names"]),
        max_tokens_properties=tuple(raw["max-tokens-properties"]["names"]),
        resume_parameters=frozenset(n.lower() for n in raw["resume-parameters"]["names"]),
        handle_headers=frozenset(raw["job-handle-headers"]["names"]),
        status_fields=frozenset(jobs["status"]),
        handle_suffixes=tuple(jobs["handle-suffixes"]),
        handle_names=frozenset(jobs["handle-names"]),
        job_collections=frozenset(raw["job-collections"]["names"]),
    )
