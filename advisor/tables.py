"""Typed, immutable views of the data tables in `advisor/data` (validated by their schemas)."""

from __future__ import annotations

import codecs
import functools
from typing import Any

from advisor.records import record
from advisor.resources import data_table
from advisor.versions import Version, VersionRange, parse_specifier, parse_version


@record
class Slot:
    """Where an argument is passed: by keyword, by position, or not at all (default)."""

    keyword: str | None = None
    position: int | None = None
    default: str | None = None
    alternatives: tuple[Slot, ...] = ()
    default_unknown: bool = False


@record
class LibraryHeader:
    name: str
    value: str
    forced: bool


@record
class ResponseClass:
    names: tuple[str, ...]
    library: str
    media_type: Slot
    headers: Slot | None
    sets_headers: tuple[LibraryHeader, ...]
    source: str
    status: Slot | None = None
    streaming: str = "always"
    content: Slot | None = None
    frames_by_library: bool = False
    method: bool = False
    """Called on an instance (`request.respond(...)`): names are `Class.method`."""
    passthrough: Slot | None = None
    return_tuple: bool = False
    body_methods: frozenset[str] = frozenset()
    inert_methods: frozenset[str] = frozenset()


def _slot(raw: dict[str, Any] | None) -> Slot | None:
    if raw is None:
        return None
    return Slot(
        keyword=raw.get("keyword"),
        position=raw.get("position"),
        default=raw.get("default"),
        alternatives=tuple(s for s in map(_slot, raw.get("alternatives", ())) if s is not None),
        default_unknown=bool(raw.get("default-unknown", False)),
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
            streaming=raw["streaming"],
            content=_slot(raw.get("content")),
            frames_by_library=bool(raw.get("frames-by-library", False)),
            method=raw.get("call") == "method",
            passthrough=_slot(raw.get("passthrough")),
            return_tuple=bool(raw.get("return-tuple", False)),
            body_methods=frozenset(raw.get("body-methods", ())),
            inert_methods=frozenset(raw.get("inert-methods", ())),
        )
        for name in entry.names:
            index[name] = entry
    return index


@record
class GeneratorRoute:
    """How a framework serves a route function that `yield`s (FastAPI)."""

    keyword: str
    default_media_type: str
    default_library: str
    temporal_response: frozenset[str]


@record(eq=False)
class StreamTables:
    """The rest of the responses table: view returns, generator routes, event ids."""

    view_returns: dict[str, str]
    """Framework -> the response class its views' returned bodies become."""
    generator_routes: dict[str, GeneratorRoute]
    event_id_keywords: dict[str, str]
    """Qualified event class -> the keyword that sets its id."""
    dict_items: frozenset[str]
    """Libraries that turn a yielded dict into an event (its `id` key is the id)."""
    raw_bytes_items: frozenset[str]
    """Libraries that send a yielded `bytes` item as it is, unframed."""
    response_id_keywords: dict[str, str]
    """Library -> keyword of the response constructor that sets an id on every event."""
    send_methods: dict[str, tuple[str, str, int | None]]
    """Library -> (method, id keyword, id position) of its send-an-event method."""


@functools.cache
def stream_tables() -> StreamTables:
    raw = data_table("responses")
    views = raw.get("view-returns", {}).get("frameworks", {})
    routes = raw.get("generator-routes", {}).get("frameworks", {})
    ids = raw.get("event-ids", {})
    return StreamTables(
        view_returns=dict(views),
        generator_routes={
            name: GeneratorRoute(
                keyword=entry["keyword"],
                default_media_type=entry["default-media-type"],
                default_library=entry["default-library"],
                temporal_response=frozenset(entry.get("temporal-response", ())),
            )
            for name, entry in routes.items()
        },
        event_id_keywords={
            name: event["keyword"] for event in ids.get("events", ()) for name in event["names"]
        },
        dict_items=frozenset(ids.get("dict-items", ())),
        raw_bytes_items=frozenset(ids.get("raw-bytes-items", ())),
        response_id_keywords=dict(ids.get("response-keywords", {})),
        send_methods={
            library: (entry["method"], entry["keyword"], entry.get("position"))
            for library, entry in ids.get("send-methods", {}).items()
        },
    )


@record
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


@record
class StructuredArgument:
    keyword: str
    at: tuple[str, ...] = ()
    plain_types: frozenset[str] = frozenset()


@record
class ForcedTool:
    keyword: str
    strings: frozenset[str]
    types: frozenset[str]


@record
class Thinking:
    keyword: str
    types: frozenset[str] = frozenset()
    key: str | None = None


@record
class MethodShape:
    api: str
    kind: str
    stream_keyword: str | None
    stream_always: bool | None
    structured_always: bool | None
    structured_arguments: tuple[StructuredArgument, ...]
    forced_tool: ForcedTool | None
    resume_keywords: tuple[str, ...] = ()
    always_resumes: bool = False
    tools: tuple[str, ...] = ()
    thinking: Thinking | None = None
    max_tokens: tuple[str, ...] = ()
    only_when: tuple[str, str] | None = None
    is_async: bool = False


@record(eq=False)
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
    factories: frozenset[str] = frozenset()
    async_segments: frozenset[str] = frozenset()
    derived: dict[str, str] | None = None


def _method(raw: dict[str, Any]) -> MethodShape:
    stream = raw["stream"]
    structured = raw.get("structured-output", {})
    forced = raw.get("forced-tool")
    thinking = raw.get("thinking")
    only_when = raw.get("only-when")
    return MethodShape(
        api=raw["api"],
        kind=raw["kind"],
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
        tools=tuple(raw.get("tools", ())),
        thinking=(
            Thinking(thinking["keyword"], frozenset(thinking.get("types", ())), thinking.get("key"))
            if thinking
            else None
        ),
        max_tokens=tuple(raw.get("max-tokens", ())),
        only_when=(only_when["keyword"], only_when["equals"]) if only_when else None,
        is_async=bool(raw.get("async", False)),
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
            factories=frozenset(raw.get("factories", ())),
            async_segments=frozenset(raw.get("async-segments", ())),
            derived=dict(raw.get("derived", {})),
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


@functools.cache
def client_factories() -> dict[str, Sdk]:
    """Qualified factory function -> the SDK whose client it returns."""
    return {name: sdk for sdk in sdks() for name in sdk.factories}


@record
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


@record
class AppClass:
    framework: str
    prefix_keyword: str | None


@record
class RouteCall:
    framework: str
    path_position: int
    handler_position: int
    methods: tuple[str, ...]


@record
class OfflineCall:
    kind: str
    receivers: frozenset[str]
    chain_root: str | None
    function_position: int
    function_keyword: str | None


@record
class MountMethod:
    """`parent.include_router(child, prefix=...)` and its kin."""

    child: Slot
    prefix: Slot
    replace: bool
    """The prefix replaces the child's own (Flask's url_prefix) instead of preceding it."""


@record
class MountCall:
    """`Mount("/api", app=sub)`, `Router(path="/api", route_handlers=[...])`."""

    prefix: Slot
    child: Slot | None
    children: Slot | None


@record(eq=False)
class Frameworks:
    apps: dict[str, AppClass]
    decorator_methods: dict[str, tuple[str, ...]]
    route_functions: dict[str, tuple[str, ...]]
    route_function_framework: str
    route_calls: dict[str, RouteCall]
    route_call_methods: dict[str, tuple[str, ...]]
    offline_functions: dict[str, str]
    offline_methods: dict[str, tuple[tuple[frozenset[str], str], ...]]
    """Decorator method -> ((receiver classes, kind), ...)."""
    offline_calls: dict[str, tuple[OfflineCall, ...]]
    arq_class: str
    arq_attributes: dict[str, str]
    fan_out_methods: frozenset[str]
    fan_out_functions: frozenset[str]
    handoff_methods: frozenset[str]
    mount_methods: dict[str, MountMethod]
    mount_calls: dict[str, MountCall]
    includes: frozenset[str]


@functools.cache
def frameworks() -> Frameworks:
    raw = data_table("frameworks")
    apps = {
        name: AppClass(entry["framework"], entry.get("prefix"))
        for entry in raw["apps"]["classes"]
        for name in entry["names"]
    }
    route_calls = {
        name: RouteCall(
            entry["framework"],
            entry["path"],
            entry["handler"],
            tuple(entry["methods"].split(",")),
        )
        for entry in raw["route-calls"]["calls"]
        for name in entry["names"]
    }
    offline_methods: dict[str, tuple[tuple[frozenset[str], str], ...]] = {}
    for entry in raw["offline-decorators"]["methods"]:
        offline_methods[entry["method"]] = (
            *offline_methods.get(entry["method"], ()),
            (frozenset(entry["receivers"]), entry["kind"]),
        )
    offline_calls: dict[str, tuple[OfflineCall, ...]] = {}
    for entry in raw["offline-calls"]["calls"]:
        offline_calls[entry["method"]] = (
            *offline_calls.get(entry["method"], ()),
            OfflineCall(
                entry["kind"],
                frozenset(entry.get("receivers", ())),
                entry.get("chain-root"),
                entry["function"],
                entry.get("keyword"),
            ),
        )
    return Frameworks(
        apps=apps,
        decorator_methods={k: tuple(v) for k, v in raw["route-decorators"]["methods"].items()},
        route_functions={k: tuple(v) for k, v in raw["route-functions"]["functions"].items()},
        route_function_framework=raw["route-functions"]["framework"],
        route_calls=route_calls,
        route_call_methods={k: tuple(v) for k, v in raw["route-calls"]["methods"].items()},
        offline_functions=dict(raw["offline-decorators"]["functions"]),
        offline_methods=offline_methods,
        offline_calls=offline_calls,
        arq_class=raw["arq-settings"]["class-name"],
        arq_attributes=dict(raw["arq-settings"]["attributes"]),
        fan_out_methods=frozenset(raw["fan-out"]["methods"]),
        fan_out_functions=frozenset(raw["fan-out"]["functions"]),
        handoff_methods=frozenset(raw["handoff"]["methods"]),
        mount_methods={
            entry["method"]: MountMethod(
                child=Slot(entry.get("child-keyword"), entry["child"]),
                prefix=Slot(entry.get("prefix-keyword"), entry.get("prefix")),
                replace=entry["combine"] == "replace",
            )
            for entry in raw["mounts"]["methods"]
        },
        mount_calls={
            name: MountCall(
                prefix=Slot(entry.get("prefix-keyword"), entry.get("prefix")),
                child=Slot(entry["child-keyword"]) if "child-keyword" in entry else None,
                children=Slot(entry["children-keyword"]) if "children-keyword" in entry else None,
            )
            for entry in raw["mounts"]["calls"]
            for name in entry["names"]
        },
        includes=frozenset(raw["mounts"]["includes"]),
    )


@record
class Renderer:
    call: str
    """Call path pattern (`streamlit.*empty().markdown`)."""
    library: str
    wrapper: str | None = None
    throttled_unless: str | None = None


@record(eq=False)
class StreamConsumers:
    """How streamed model responses are consumed (`advisor/data/stream_consumers.yaml`)."""

    parts: dict[str, str]
    """Attribute / key name -> `text`, `tool-calls`, `thinking` or `metadata`."""
    event_types: dict[str, str]
    """Event `type` string -> part (`final-message` included)."""
    classes: dict[str, str]
    """Event / delta class name -> part."""
    final_methods: frozenset[str]
    text_methods: frozenset[str]
    drain_methods: frozenset[str]
    neutral_methods: frozenset[str]
    final_functions: frozenset[str]
    text_iterables: frozenset[str]
    renderers: tuple[Renderer, ...]
    typed_lookups: frozenset[str]
    clocks: frozenset[str]
    accumulators: frozenset[str]
    collectors: frozenset[str]
    neutral_receivers: frozenset[str]
    neutral_methods_of_receivers: frozenset[str]
    """Logging methods: `logger.debug(chunk)` reaches no user."""
    neutral_functions: frozenset[str]
    pure: frozenset[str]
    sync_limits: dict[str, int]
    """Provider -> the largest max_tokens its SDK accepts without streaming."""


@functools.cache
def stream_consumers() -> StreamConsumers:
    raw = data_table("stream_consumers")
    parts: dict[str, str] = {}
    event_types: dict[str, str] = {}
    classes: dict[str, str] = {}
    for part in ("text", "tool-calls", "thinking"):
        entry = raw["parts"][part]
        parts.update(dict.fromkeys(entry["names"], part))
        event_types.update(dict.fromkeys(entry["event-types"], part))
        classes.update(dict.fromkeys(entry["classes"], part))
    parts.update(dict.fromkeys(raw["parts"]["metadata"]["names"], "metadata"))
    final = raw["final-message"]
    event_types.update(dict.fromkeys(final["event-types"], "final-message"))
    renderers = raw["renderers"]
    return StreamConsumers(
        parts=parts,
        event_types=event_types,
        classes=classes,
        final_methods=frozenset(final["methods"]),
        text_methods=frozenset(final["text-methods"]),
        drain_methods=frozenset(final["drain-methods"]),
        neutral_methods=frozenset(final["neutral-methods"]),
        final_functions=frozenset(final["functions"]),
        text_iterables=frozenset(raw["text-iterables"]["names"]),
        renderers=tuple(
            Renderer(r["call"], r["library"], r.get("wrapper"), r.get("throttled-unless"))
            for r in renderers["calls"]
        ),
        typed_lookups=frozenset(renderers["typed-lookups"]),
        clocks=frozenset(raw["clocks"]["names"]),
        accumulators=frozenset(raw["accumulators"]["names"]),
        collectors=frozenset(raw["collectors"]["names"]),
        neutral_receivers=frozenset(raw["neutral"]["receivers"]),
        neutral_methods_of_receivers=frozenset(raw["neutral"]["methods"]),
        neutral_functions=frozenset(raw["neutral"]["functions"]),
        pure=frozenset(raw["pure"]["names"]),
        sync_limits={e["provider"]: e["max-tokens"] for e in raw["sync-limits"]["limits"]},
    )


@record
class Behaviour:
    """What a compression middleware does to streamed bodies in versions [start, end)."""

    start: Version | None
    end: Version | None
    buffers: str
    """`all`, `sync` (synchronous iterators only), `listed` (media types in the list), `none`."""
    except_media_types: frozenset[str]
    media_types: frozenset[str] | None
    streams_option: bool
    reason: str
    source: str


@record
class CompressionMiddleware:
    library: str
    package: str
    install: str
    names: tuple[str, ...]
    responses: frozenset[str]
    apps: frozenset[str]
    skips_encoded: bool
    behaviours: tuple[Behaviour, ...]


def _version(raw: str | None) -> Version | None:
    if raw is None:
        return None
    parsed = parse_version(raw)
    if parsed is None:
        raise RuntimeError(f"advisor/data/middleware.yaml: invalid version {raw!r}")
    return parsed


MIDDLEWARE_WRAPPERS = frozenset(
    {"starlette.middleware.Middleware", "fastapi.middleware.Middleware"}
)
"""`Middleware(GZipMiddleware, ...)` in an app's `middleware=[...]`: the class it wraps is the
middleware installed."""

CONTENT_ENCODING = "content-encoding"
"""The header a content-encoding hook sets (any case); the pre-filter looks for it too."""


@functools.cache
def compression_middleware() -> dict[str, CompressionMiddleware]:
    """Compression middleware by every qualified name (or Django dotted path) it has."""
    index: dict[str, CompressionMiddleware] = {}
    for raw in data_table("middleware")["middleware"]:
        entry = CompressionMiddleware(
            library=raw["library"],
            package=raw["package"],
            install=raw["install"],
            names=tuple(raw["names"]),
            responses=frozenset(raw["responses"]),
            apps=frozenset(raw.get("apps", ())),
            skips_encoded="skips-encoded" in raw,
            behaviours=tuple(
                Behaviour(
                    start=_version(b.get("from")),
                    end=_version(b.get("until")),
                    buffers=b["buffers"],
                    except_media_types=frozenset(b.get("except-media-types", ())),
                    media_types=frozenset(b["media-types"]) if "media-types" in b else None,
                    streams_option=bool(b.get("streams-option", False)),
                    reason=" ".join(b["reason"].split()),
                    source=b["source"],
                )
                for b in raw["versions"]
            ),
        )
        for name in entry.names:
            index[name] = entry
    return index


@record
class ImpliedRange:
    start: Version
    end: Version
    requires: VersionRange
    text: str
    """The requirement as written (`>=0.40.0,<0.46.0`)."""


@record
class ImpliedVersions:
    """The versions of `package` that each version of `by` requires."""

    package: str
    by: str
    ranges: tuple[ImpliedRange, ...]


@functools.cache
def implied_versions() -> dict[str, tuple[ImpliedVersions, ...]]:
    """By the package whose version is implied."""
    found: dict[str, tuple[ImpliedVersions, ...]] = {}
    for raw in data_table("middleware")["implied-versions"]:
        rows = raw["ranges"]
        ranges = []
        for index, row in enumerate(rows):
            requires = parse_specifier(row["requires"])
            start = _version(row["from"])
            end = _version(rows[index + 1]["from"] if index + 1 < len(rows) else raw["until"])
            if requires is None or start is None or end is None:
                raise RuntimeError(f"advisor/data/middleware.yaml: bad row {row!r}")
            ranges.append(ImpliedRange(start, end, requires, row["requires"]))
        implied = ImpliedVersions(raw["package"], raw["by"], tuple(ranges))
        found[implied.package] = (*found.get(implied.package, ()), implied)
    return found


@functools.cache
def token_stream_media_types() -> frozenset[str]:
    """Media types of streams that carry model output as it is generated."""
    extra = data_table("middleware")["token-streams"]["media-types"]
    return spec_vocabulary().token_streams | frozenset(extra)


@record
class HttpCall:
    """A call that sends a request and returns a response (function or client method)."""

    library: str
    verb: str | None
    verb_position: int | None
    stream_keyword: str | None
    stream_always: bool | None


@record
class ChunkIterator:
    library: str
    method: str
    is_async: bool
    on_content: bool = False
    by_name: bool = False
    item: int | None = None
    size: Slot | None = None
    size_default: int | None = None
    size_whole: tuple[int, ...] = ()
    text: Slot | None = None
    """An argument that makes the iterator yield str instead of bytes."""


@record(eq=False)
class HttpClients:
    calls: dict[str, HttpCall]
    """Qualified module-level function -> what it sends."""
    client_methods: dict[str, dict[str, HttpCall]]
    """Qualified client class -> method name -> what it sends."""
    responses: dict[str, str]
    """Qualified response class -> library."""
    readers: dict[str, str]
    """Qualified body-reader class (aiohttp StreamReader) -> library."""
    iterators: dict[str, ChunkIterator]
    """Method name -> the chunk iterator of that name."""
    reads: dict[str, ChunkIterator]
    """Method name -> an awaited partial read of the body."""
    libraries: frozenset[str]


def _http_call(library: str, raw: dict[str, Any]) -> HttpCall:
    stream = raw["stream"]
    return HttpCall(
        library=library,
        verb=raw.get("verb"),
        verb_position=raw.get("verb-position"),
        stream_keyword=stream.get("keyword"),
        stream_always=stream.get("always"),
    )


def _chunk_iterator(raw: dict[str, Any], size_key: str) -> ChunkIterator:
    size = raw.get(size_key)
    return ChunkIterator(
        library=raw["library"],
        method=raw["method"],
        is_async=bool(raw.get("async", True)),
        on_content=bool(raw.get("on-content", False)),
        by_name=bool(raw.get("by-name", False)),
        item=raw.get("item"),
        size=Slot(keyword=size.get("keyword"), position=size.get("position")) if size else None,
        size_default=size.get("default") if size else None,
        size_whole=tuple(size.get("whole", ())) if size else (),
        text=_slot(raw.get("text-argument")),
    )


@functools.cache
def http_clients() -> HttpClients:
    raw = data_table("http_clients")
    calls: dict[str, HttpCall] = {}
    client_methods: dict[str, dict[str, HttpCall]] = {}
    responses: dict[str, str] = {}
    readers: dict[str, str] = {}
    for entry in raw["libraries"]:
        library = entry["library"]
        for call in entry["calls"]:
            for name in call["names"]:
                calls[name] = _http_call(library, call)
        for client in entry["clients"]:
            methods = {m["name"]: _http_call(library, m) for m in client["methods"]}
            for name in client["names"]:
                client_methods[name] = methods
        responses.update((name, library) for name in entry["responses"])
        readers.update((name, library) for name in entry["readers"])
    chunks = raw["chunk-iterators"]
    return HttpClients(
        calls=calls,
        client_methods=client_methods,
        responses=responses,
        readers=readers,
        iterators={i["method"]: _chunk_iterator(i, "chunk-size") for i in chunks["iterators"]},
        reads={r["method"]: _chunk_iterator(r, "size") for r in chunks["reads"]},
        libraries=frozenset(e["library"] for e in raw["libraries"]),
    )


@functools.cache
def single_byte_encodings() -> frozenset[str]:
    """The single-byte encodings of `http_clients.yaml`, by their codecs' names. Apart from
    the HTTP table: `codecs.lookup` imports every codec it names (12 ms), and only a decode
    call that names an encoding needs them, not the pre-filter that reads the table."""
    names = data_table("http_clients")["single-byte-encodings"]["names"]
    return frozenset(codecs.lookup(name).name for name in names)


@record
class JobClass:
    library: str
    attributes: frozenset[str]
    methods: frozenset[str]


@record
class Produced:
    returns: str
    poll: bool


@record
class TaskShape:
    """Task functions whose `.delay()` returns a job handle (Celery)."""

    decorators: frozenset[str]
    app_classes: frozenset[str]
    app_method: str
    methods: frozenset[str]
    returns: str


@record(eq=False)
class Polling:
    sleeps: dict[str, Slot]
    """Qualified sleep function -> where its seconds are passed (default in `default`)."""
    sleep_defaults: dict[str, float]
    wait_functions: frozenset[str]
    wait_methods: frozenset[str]
    wait_fragments: tuple[str, ...]
    backoff_decorators: frozenset[str]
    clocks: frozenset[str]
    job_classes: dict[str, JobClass]
    produced_by_call: dict[str, Produced]
    produced_by_method: dict[tuple[str, str], Produced]
    """(receiver class, method) -> what it returns."""
    tasks: TaskShape
    status_fields: frozenset[str]


@functools.cache
def polling() -> Polling:
    raw = data_table("polling")
    sleeps: dict[str, Slot] = {}
    defaults: dict[str, float] = {}
    for entry in raw["sleeps"]["functions"]:
        seconds = entry["seconds"]
        for name in entry["names"]:
            sleeps[name] = Slot(keyword=seconds["keyword"], position=seconds["position"])
            if "default" in seconds:
                defaults[name] = float(seconds["default"])
    jobs = raw["job-status"]
    job_classes = {
        name: JobClass(
            entry["library"],
            frozenset(entry.get("attributes", ())),
            frozenset(entry.get("methods", ())),
        )
        for entry in jobs["classes"]
        for name in entry["names"]
    }
    by_call: dict[str, Produced] = {}
    by_method: dict[tuple[str, str], Produced] = {}
    for entry in jobs["producers"]:
        produced = Produced(entry["returns"], bool(entry.get("poll", False)))
        for name in entry.get("calls", ()):
            by_call[name] = produced
        for receiver in entry.get("receivers", ()):
            for method in entry.get("methods", ()):
                by_method[(receiver, method)] = produced
    waits = raw["waits"]
    return Polling(
        sleeps=sleeps,
        sleep_defaults=defaults,
        wait_functions=frozenset(waits["functions"]),
        wait_methods=frozenset(waits["methods"]),
        wait_fragments=tuple(waits["name-fragments"]),
        backoff_decorators=frozenset(raw["backoff-decorators"]["names"]),
        clocks=frozenset(raw["clocks"]["names"]),
        job_classes=job_classes,
        produced_by_call=by_call,
        produced_by_method=by_method,
        tasks=TaskShape(
            decorators=frozenset(jobs["tasks"]["decorators"]),
            app_classes=frozenset(jobs["tasks"]["app-classes"]),
            app_method=jobs["tasks"]["app-method"],
            methods=frozenset(jobs["tasks"]["methods"]),
            returns=jobs["tasks"]["returns"],
        ),
        status_fields=frozenset(raw["status-fields"]["names"]),
    )
