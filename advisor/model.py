"""The values that flow between pipeline stages.

Every stage after reading exchanges only these frozen dataclasses: per-file work can then be
cached by content hash and run in other processes (they pickle), and output is deterministic
(they compare and sort). Facts describe what the code or spec *does*; whether that is wrong is
decided later by the rule files in the policy catalog.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import field
from typing import Any, ClassVar

from advisor.records import record


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for `fail-on` comparisons."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@record
class Location:
    """A place in a file: 1-based line and column (columns count characters, not bytes)."""

    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None


@record
class Hop:
    """One step of the way from an entry point to a fact: a route, or a function (or call)
    written at `path:line` (relative to the project root, like every location)."""

    name: str
    path: str | None = None
    line: int | None = None


@record
class Evidence:
    """Where a fact was seen, with enough context for a reader (and the engine) to act on it.

    `anchors` are the line spans on which a suppression comment applies to this evidence (the
    reported expression and the signatures of its enclosing functions); `pointer` is the JSON
    pointer of the spec node in `location.path`, and `scope` is `file#pointer` of the enclosing
    operation (possibly in another file), which is where `x-advisor-ignore` is written.
    """

    location: Location
    snippet: str = ""
    anchors: tuple[tuple[int, int], ...] = ()
    pointer: str | None = None
    scope: str | None = None
    function: str | None = None
    trail: tuple[Hop, ...] = ()
    """How an entry point reaches this place: `POST /chat` -> handler -> helper -> here."""


def doc(text: str) -> Any:
    """Field metadata: the user-facing description of a fact field (shown by `advisor facts`)."""
    return field(metadata={"doc": text})


def doc_default(text: str, default: Any) -> Any:
    return field(default=default, metadata={"doc": text})


@record(kw_only=True)
class Fact:
    """Base of every fact kind. Rule files select facts by `kind` and test their fields."""

    kind: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    evidence: Evidence = doc("Where the fact was seen.")


@record(kw_only=True)
class ParseFailure(Fact):
    kind: ClassVar[str] = "parse-failure"
    summary: ClassVar[str] = "A file that could not be decoded or parsed."
    reader: str = doc("What failed: `python`, `yaml`, `json` or `text` (decoding, size).")
    message: str = doc("The reader's own explanation.")


@record(kw_only=True)
class Header:
    name: str = doc("Header name, lower-cased.")
    value: str | None = doc("Header value when it is a literal, else null.")


@record(kw_only=True)
class Reach:
    """Who runs a piece of code, from the project call graph (filled in across files)."""

    user_facing: bool | None = doc_default(
        "Reached from a route handler (true), only from scripts/CLIs/workers/schedulers "
        "(false), or from no known entry point (null).",
        None,
    )
    entries: tuple[str, ...] = doc_default(
        "The kinds of entry point that reach it: `handler`, `script`, `cli`, `task`, "
        "`scheduler`, `test` (test functions and the `__main__` block of test files).",
        (),
    )
    endpoints: tuple[str, ...] = doc_default("Routes that reach it, e.g. `POST /v1/chat`.", ())
    jobs_for: tuple[str, ...] = doc_default(
        "Routes whose handler hands this work to a worker (`task.delay()`, `queue.enqueue()`, "
        "`BackgroundTasks`): nobody waits in the request, but someone may wait for the job.",
        (),
    )


@record(kw_only=True)
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
    added_headers: tuple[str, ...] = doc(
        "Headers added around the view: Django cache decorators, and response hooks "
        '(`after_request`, `middleware("http")`) in the same module.'
    )
    effective_header_names: tuple[str, ...] = doc(
        "Sorted lower-cased names of every header the response will carry."
    )
    status_code: int | None = doc("The literal status code (200 if not given); null if computed.")
    streams: bool | None = doc(
        "The body is sent incrementally: a streaming class, or a generator / iterator body."
    )
    content_async: bool | None = doc("The body is an async iterator (null when unknown).")
    frames: str | None = doc(
        "What goes on the wire: `sse` (`data:` frames written by the code, or by a library "
        "that frames each item), `ndjson`, `text` (raw tokens); null when it cannot be seen "
        "(a generator in another module, a piece built by a helper, say)."
    )
    frames_by_library: bool = doc_default(
        "The library writes the SSE framing of each item itself (sse-starlette, FastAPI's "
        "SSE, Litestar `ServerSentEvent`, aiohttp-sse).",
        False,
    )
    frames_unterminated: bool | None = doc(
        "A `data:` frame is never followed by the blank line that ends an SSE event: no piece "
        "ends one, or token frames inside a loop over a model stream end with one newline."
    )
    raw_text_in_data: bool | None = doc(
        "Model text is put in a `data:` line as is: a newline inside it breaks the frame."
    )
    double_framed: bool | None = doc_default(
        "Pieces that already are SSE frames (`data: ...`) are handed to a library that frames "
        "each item again.",
        None,
    )
    unterminated_at: tuple[Evidence, ...] = doc_default(
        "The strings that build the `data:` frames leaving their event open (not those of a "
        "loop over the lines of one text); what ADV205's fix ends with a blank line.",
        (),
    )
    raw_text_at: tuple[Evidence, ...] = doc_default(
        "The model text values written raw into a `data:` line.", ()
    )
    double_framed_at: tuple[Evidence, ...] = doc_default(
        "The items that already are SSE frames, handed to a library that frames them again.", ()
    )
    emits_event_ids: bool | None = doc(
        "Events carry ids: `id:` lines, or an id given to the library's event objects "
        "(`ServerSentEvent(id=...)`, a dict with `id`, aiohttp-sse `send(..., id=...)`, "
        "Litestar `event_id=`)."
    )
    reads_last_event_id: bool | None = doc(
        "The handler or generator reads the `Last-Event-ID` request header."
    )
    resume_parameter: str | None = doc_default(
        "A handler parameter that resumes the stream (`starting_after`, `last_event_id`, ...).",
        None,
    )
    multi_step: bool | None = doc(
        "The stream runs several model calls one after another, model calls per item of a "
        "collection, or a tool-using loop, in its body or in the helpers the body calls; "
        "false for a single call; null when the body is not seen."
    )
    long_running: bool | None = doc_default(
        "A `# advisor: long-running=true|false` hint on the handler or the generator (the "
        "generator's wins).",
        None,
    )
    stream_function: str | None = doc_default(
        "The function that produces the body (the generator, or the handler that writes it), "
        "as a call-graph symbol.",
        None,
    )
    reach: Reach = doc_default("Who runs the handler (project call graph).", Reach())


@record(kw_only=True)
class LlmCall(Fact):
    kind: ClassVar[str] = "llm-call"
    summary: ClassVar[str] = "A call into an LLM provider SDK whose receiver could be resolved."
    provider: str = doc("Provider family, e.g. `openai`, `anthropic`, `litellm`, `langchain`.")
    sdk: str = doc("Python distribution whose API is called, e.g. `openai`.")
    api: str = doc("Method path on the client, e.g. `chat.completions.create`.")
    api_kind: str = doc(
        "`chat`, `completion`, `embeddings`, `batch-submit`, `batch-status`, `batch-results`, "
        "`batch-upload`, `background-status` (polling a background response), or `fan-out` "
        "(client-side concurrency such as LangChain `.batch()`)."
    )
    client: str = doc("Qualified client class, or the SDK module for module-level calls.")
    is_async: bool = doc("True when the client or the call is asynchronous.")
    streamed: bool | None = doc("True when the call streams tokens; null when unknown.")
    structured_output: bool | None = doc(
        "True when the call asks for JSON / a schema / a parsed model; null when unknown."
    )
    forced_tool_call: bool | None = doc("True when a tool call is forced (tool_choice).")
    structured_via: str | None = doc("Which argument asks for structured output, for messages.")
    resumes: bool = doc(
        "The call attaches to an existing generation (`response_id`) instead of starting one."
    )
    tools: bool | None = doc("Tools are offered to the model (`tools=`, `bind_tools`).")
    thinking: bool | None = doc("Visible reasoning is turned on (`thinking=`, `reasoning=`).")
    max_tokens: int | None = doc("A literal output cap (`max_tokens` and its variants).")
    loop: str | None = doc(
        "`for` / `comprehension` / `fan-out` when the call runs once per item of a collection "
        "(also through a thread pool or asyncio.gather), `while` inside a while loop."
    )
    loop_bound: int | None = doc("Number of items when the collection is a literal or range.")
    loop_carried: bool | None = doc(
        "The call's arguments depend on state the loop changes (a growing conversation, a "
        "running summary): each request needs the previous answer. Null outside such loops."
    )
    polled: bool = doc("Inside a `while` loop (a polling or retry loop).")
    in_loop: bool = doc_default(
        "Inside any loop of its function, retry loops and `range(3)` included (an agent loop "
        "with a step budget is one).",
        False,
    )
    branch: tuple[str, ...] = doc_default(
        "The `if` / `try` / `match` arms around the call in its function (`if@12:body`), "
        "outermost first: calls in different arms of one statement never both run.",
        (),
    )
    reach: Reach = doc_default("Who runs the call (project call graph).", Reach())


@record(kw_only=True)
class LlmCallLoop(Fact):
    kind: ClassVar[str] = "llm-call-loop"
    summary: ClassVar[str] = (
        "A model call made once per item of a collection: in a loop, a comprehension or a "
        "fan-out (`executor.map`, `df.apply`), directly or through functions the loop calls "
        "(project call graph). Reported where the loop makes the call."
    )
    provider: str = doc("Provider family of the model call.")
    api: str = doc("The model call, e.g. `chat.completions.create`.")
    api_kind: str = doc("Its kind, as for `llm-call` (`chat`, `embeddings`, ...).")
    streamed: bool | None = doc("The model call streams.")
    is_async: bool = doc("The model call is asynchronous.")
    loop: str = doc("`for`, `comprehension` or `fan-out`.")
    loop_bound: int | None = doc("Number of items when the collection is a literal or range.")
    carried: bool | None = doc(
        "Each request depends on the previous answer (state carried from one iteration to the "
        "next): not a set of independent requests."
    )
    depth: int = doc("Function calls between the loop and the model call (0: in the loop).")
    call_at: Evidence = doc("Where the model call is written.")
    reach: Reach = doc_default("Who runs the loop (project call graph).", Reach())


@record(kw_only=True)
class Hints:
    """Explicit statements about an endpoint (`x-advisor`, `# advisor:` comments, config)."""

    user_facing: bool | None = doc_default("Someone waits for the answer (`user-facing`).", None)
    long_running: bool | None = doc_default("The work outlasts one request (`long-running`).", None)
    output: str | None = doc_default(
        "`text`, `structured`, `embedding` or `classification` (`output`).", None
    )
    expected_output_tokens: int | None = doc_default(
        "Typical length of the answer (`expected-output-tokens`).", None
    )
    strategy: str | None = doc_default(
        "Declared strategy: `stream`, `sync`, `batch` or `async-job` (`strategy`).", None
    )


@record(kw_only=True)
class FunctionHints(Fact):
    kind: ClassVar[str] = "function-hints"
    summary: ClassVar[str] = (
        "A `# advisor: key=value` hint comment on a Python function (on its `def` line, a "
        "decorator line, or the comment line just above them); one fact per comment."
    )
    function: str = doc("The function the hints are written on, as module.qualname")
    hints: Hints = doc(
        "The valid hints of the comment (invalid ones are `invalid-hint` facts); fields the "
        "comment does not give are null."
    )


@record(kw_only=True)
class RouteHandler(Fact):
    kind: ClassVar[str] = "route"
    summary: ClassVar[str] = "A function registered as an HTTP route handler."
    framework: str = doc(
        "`fastapi`, `starlette`, `flask`, `quart`, `django`, `aiohttp`, `litestar`, `sanic`."
    )
    methods: tuple[str, ...] = doc("HTTP methods, upper-case (`ANY` when not restricted).")
    path: str | None = doc(
        "Path as served: the declared path behind the prefixes of its router and of every "
        "mount (`include_router`, `register_blueprint`, `Mount`, Django `include`) that the "
        "project shows."
    )
    handler: str = doc("The handler function (module.qualname).")
    router: str | None = doc(
        "The app or router object it is registered on (module.name; Django: module.urlpatterns)."
    )
    router_prefix: str | None = doc_default(
        "The prefix the router itself declares (`APIRouter(prefix=...)`), part of `path`.", None
    )
    is_async: bool = doc("An `async def` handler.")


@record(kw_only=True)
class StreamConsumption(Fact):
    kind: ClassVar[str] = "stream-consumption"
    summary: ClassVar[str] = (
        "How code consumes a streamed model response (an llm-call with `streamed` true whose "
        "stream the module follows: a loop, `with ... as s`, a variable assigned once, or a "
        "generator of the same module it is passed to)."
    )
    api: str = doc("The streaming call, e.g. `chat.completions.create`.")
    provider: str = doc("Provider family of the call.")
    sdk: str = doc_default("Python distribution whose API is called (as in llm-call).", "")
    mode: str = doc(
        "`forwarded` (each piece goes on while the stream runs: yielded, sent, written, printed, "
        "rendered, put on a queue, passed to a callback), `buffered` (pieces are only collected "
        "into local variables and used after the stream ends), or `unknown`."
    )
    reads: tuple[str, ...] = doc(
        "What the consumer reads from the stream, sorted: `text` (text deltas), `tool-calls` "
        "(tool-call deltas or blocks), `thinking` (reasoning deltas), `final-message` (an SDK "
        "accumulator such as `get_final_message()`), `events` (whole events passed on, or "
        "fields the advisor does not know)."
    )
    tools: bool | None = doc("The call offers tools.")
    thinking: bool | None = doc("The call turns visible reasoning on.")
    structured_output: bool | None = doc_default(
        "The call asks for structured output or forces a tool call (see llm-call).", None
    )
    max_tokens: int | None = doc_default("A literal output cap of the call.", None)
    sync_allowed: bool | None = doc_default(
        "The same request could be made without streaming: false when the SDK refuses a "
        "non-streaming call with this output cap (anthropic above max_tokens 8,192, FACTS.md "
        "§3.2), null when that depends on a cap that is not a literal.",
        None,
    )
    resumes: bool = doc_default("The call replays an existing generation (`response_id`).", False)
    unread: tuple[str, ...] = doc_default(
        "Parts the call turns on that the consumer never reads: `tool-calls` (tools offered), "
        "`thinking` (reasoning on); empty when it reads them, an accumulator, or whole events.",
        (),
    )
    render: str | None = doc(
        "A renderer called on the whole accumulated text for every piece, as the code spells "
        "it (`placeholder.markdown`, `console.print(Markdown(...))`, `json.loads`, ...)."
    )
    render_throttled: bool | None = doc(
        "The render is guarded by a time or count check (or throttled by the library, as rich "
        "`Live.update` without `refresh=True`); null when a guard cannot be judged."
    )
    render_at: Evidence | None = doc_default("Where that render call is.", None)
    loop_at: Evidence | None = doc_default("Where the consuming loop is.", None)
    reach: Reach = doc_default("Who runs the code (project call graph).", Reach())


@record(kw_only=True)
class ChunkDecode(Fact):
    kind: ClassVar[str] = "chunk-decode"
    summary: ClassVar[str] = "Network chunks of an HTTP response body decoded one by one."
    library: str = doc("`requests`, `httpx` or `aiohttp`.")
    iterator: str = doc(
        "The byte source, e.g. `iter_content`, `aiter_bytes`, `iter_chunked`, `read` (aiohttp "
        "`await resp.content.read(n)` in a loop)."
    )
    decoder: str = doc("The call that decodes one chunk, e.g. `chunk.decode('utf-8')`.")
    encoding: str | None = doc(
        "Canonical codec name (`utf-8` when none is given); null when computed at run time."
    )
    multibyte: bool | None = doc(
        "One character of that encoding can span several bytes, so a chunk boundary can split "
        "it (false for ASCII, Latin-1 and other single-byte codecs); null when unknown."
    )
    errors: str | None = doc("The literal `errors=` argument, when given (`replace`, `ignore`).")
    chunk_size: int | None = doc(
        "The literal chunk size (requests' default is 1); null when not limited or not literal."
    )
    resolved: bool = doc(
        "The response object was traced to the library's request call or response class; false "
        "when only the method name, which that library alone has, says so."
    )
    loop_at: Evidence | None = doc_default("Where the loop over the chunks is.", None)


@record(kw_only=True)
class PollingLoop(Fact):
    kind: ClassVar[str] = "polling-loop"
    summary: ClassVar[str] = "A `while` loop that polls the status of a batch or a job."
    target: str = doc(
        "What is polled, e.g. `batches.retrieve`, `AsyncResult.state`, `requests.get` (an HTTP "
        "GET whose JSON status the loop tests)."
    )
    library: str = doc(
        "The SDK or library polled: `openai`, `anthropic`, `celery`, `rq`, `arq`, `requests`..."
    )
    sleeps: bool | None = doc(
        "The loop pauses between polls (`time.sleep`, `asyncio.sleep`, a helper of the module "
        "that sleeps; pauses in `except` handlers do not count); null when it calls something "
        "that may wait (an event wait, a helper named like `wait_*`) or polls only when a clock "
        "or counter test allows."
    )
    sleep_seconds: float | None = doc(
        "The longest literal pause in the loop; null when some pause is computed at run time "
        "or repeated by an inner loop."
    )
    backoff: bool | None = doc(
        "The delay grows between polls (multiplied or added to in the loop, or a retry "
        "decorator with exponential wait); null when the loop does not sleep."
    )
    poll_at: Evidence | None = doc_default("Where the status is read.", None)
    reach: Reach = doc_default("Who runs the loop (project call graph).", Reach())


@record(kw_only=True)
class Middleware(Fact):
    kind: ClassVar[str] = "middleware"
    summary: ClassVar[str] = "A compression middleware installed on an application."
    name: str = doc("Qualified class, or Django's dotted path.")
    library: str = doc("`starlette`, `django`, `flask-compress`, `brotli-asgi`, `litestar`.")
    app: str | None = doc(
        "The application object it is installed on (module.name), when the code shows it."
    )
    streams_option: bool | None = doc(
        "Flask-Compress `COMPRESS_STREAMS` when set literally in code; null when it is not set "
        "(the library default applies)."
    )
    media_types: tuple[str, ...] | None = doc(
        "Flask-Compress `COMPRESS_MIMETYPES` when set literally in code; null when it is not set."
    )
    config_known: bool = doc(
        "False when the options that decide cannot all be seen: the app is built in another "
        "module (passed in, imported), its configuration is also loaded from elsewhere "
        "(`app.config.from_object(...)`, files, the environment), or an option is computed at "
        "run time."
    )


@record(kw_only=True)
class Dependency(Fact):
    kind: ClassVar[str] = "dependency"
    summary: ClassVar[str] = "A package version pinned in a requirements, pyproject or lock file."
    package: str = doc("Normalised distribution name (`flask-compress`).")
    version: str = doc("The exact version.")
    manifest: str = doc(
        "`requirements`, `pyproject`, `poetry.lock`, `uv.lock`, `pdm.lock`, `Pipfile.lock`."
    )
    folder: str = doc(
        "The folder whose code the pin applies to: the manifest's own folder (its parent for "
        "files in a `requirements/` folder; the including file's for `-r` includes)."
    )


@record(kw_only=True)
class ContentEncodingHook(Fact):
    kind: ClassVar[str] = "content-encoding-hook"
    summary: ClassVar[str] = (
        "Code that sets `Content-Encoding` on a response it did not build (a middleware, an "
        "`after_request` hook, a helper): compression middleware skips such responses."
    )
    value: str | None = doc("The value set, when it is a literal.")


@record(kw_only=True)
class BufferingMiddleware(Fact):
    kind: ClassVar[str] = "buffering-middleware"
    summary: ClassVar[str] = (
        "A compression middleware that, in the installed version, holds back the body of some "
        "streaming response of the project (computed across files)."
    )
    name: str = doc("The middleware.")
    library: str = doc("Its library.")
    version: str = doc(
        "The installed version of the library, or the range another pin implies "
        "(`>=0.40.0,<0.46.0` for a pinned FastAPI); several when the manifests agree."
    )
    version_source: str = doc(
        "Where the version comes from (file and line; `required by fastapi==0.115.8, ...` "
        "for an implied range)."
    )
    media_types: tuple[str, ...] = doc(
        "Media types of the project's streams it buffers (`no media type` for a stream sent "
        "without Content-Type)."
    )
    streams: int = doc("How many streaming responses of the project it buffers.")
    example: str = doc("One of them (file:line).")
    reason: str = doc("What the library does in that version (FACTS.md).")


@record(kw_only=True)
class SpecOperation(Fact):
    kind: ClassVar[str] = "operation"
    summary: ClassVar[str] = "An operation (method + path) of an OpenAPI or Swagger document."
    method: str = doc("HTTP method, upper-case.")
    path: str = doc("Path template as written in the spec.")
    operation_id: str | None = doc("operationId, if any.")
    spec_version: str = doc("The `openapi` / `swagger` version string.")
    strategies: tuple[str, ...] = doc(
        "Observed delivery: `stream` (a sequential media type such as text/event-stream), "
        "`sync` (a whole body), `async-job` (202 Accepted on a non-GET operation); several "
        "when a stream flag or content negotiation selects."
    )
    media_types: tuple[str, ...] = doc("Media types of the 2xx responses, sorted.")
    streaming_media_types: tuple[str, ...] = doc("The sequential ones among them.")
    status_codes: tuple[str, ...] = doc("Documented response status codes, sorted.")
    stream_flag: str | None = doc(
        "A boolean `stream` parameter: `query` or `body` (through $ref/allOf/oneOf); null if none."
    )
    stream_flag_default: bool | None = doc("Its declared default.")
    stream_operation: str | None = doc(
        "A separate operation that streams the same thing (`POST /x#stream`, `.../x:stream`)."
    )
    stream_flag_shared: str | None = doc(
        "Another operation whose request uses the same `stream` property and does stream: the "
        "flag comes from a shared schema."
    )
    response_headers: tuple[str, ...] = doc("Headers documented on 2xx responses, lower-cased.")
    accepted: bool = doc("A non-GET operation that documents 202 Accepted.")
    accepted_headers: tuple[str, ...] = doc("Headers documented on the 202 response.")
    accepted_fields: tuple[str, ...] | None = doc(
        "Top-level fields of the 202 body; null when the schema is opaque."
    )
    accepted_job_like: bool | None = doc(
        "The 202 hands out a job: a status/state field, a job id, a Location header, or a hint."
    )
    accepted_handle: bool | None = doc(
        "The client can follow the job: Location-style header, id/url field, or the status is "
        "read at the same URL or the resource the action targets; null when unknown."
    )
    job_status_operation: str | None = doc(
        "The operation that reads the job's status (`GET /jobs/{id}`), if the spec has one."
    )
    long_stream: bool | None = doc(
        "The stream is long-lived: hinted `long-running`, or the event stream of a job resource."
    )
    last_event_id: bool = doc("A `Last-Event-ID` header parameter is declared.")
    resume_parameters: tuple[str, ...] = doc(
        "Query parameters that resume a stream (`starting_after`, `last_event_id`, ...)."
    )
    event_id_declared: bool | None = doc(
        "The SSE item schema (OAS 3.2 `itemSchema`) declares `id`; null when only the payload "
        "schema is documented."
    )
    structured_request: tuple[str, ...] = doc(
        "Request properties that ask for structured output (`response_format`, ...)."
    )
    structured_required: bool = doc("One of them is required.")
    max_tokens_parameter: str | None = doc("The max-tokens style request property, if any.")
    output_token_cap: int | None = doc("Its `maximum`: the longest answer the API allows.")
    output_token_default: int | None = doc("Its `default`.")
    hints: Hints = doc("`x-advisor` hints (operation over path item over document).")
    streaming_at: Evidence | None = doc_default("Where the streaming media type is written.", None)
    stream_flag_at: Evidence | None = doc_default("Where the stream flag is written.", None)
    accepted_at: Evidence | None = doc_default("Where the 202 response is written.", None)
    structured_at: Evidence | None = doc_default("Where the structured-output property is.", None)
    max_tokens_at: Evidence | None = doc_default("Where the max-tokens property is written.", None)


@record(kw_only=True)
class Answer:
    """One question of the flowchart, answered for one endpoint."""

    value: str = doc("`yes`, `no` or `unknown`.")
    source: str = doc(
        "Where the answer comes from: `code`, `spec`, `hint` (an explicit statement) or "
        "`default`; empty when the question was not reached."
    )
    reason: str = doc("The signal that decided it, in a sentence.")
    evidence: tuple[Evidence, ...] = doc_default("Where that signal is written.", ())
    settle: str | None = doc_default(
        "For an unknown answer, the hint that would settle it (`# advisor: output=text`).", None
    )


@record(kw_only=True)
class Estimate:
    """Latency under a strategy, from the essay's model: TTFT + tokens / rate per call."""

    strategy: str = doc("`stream`, `sync` or `async-job`.")
    first_seen_s: float | None = doc("Seconds until the user sees something.")
    total_s: float | None = doc("Seconds until the whole answer is there.")


@record(kw_only=True)
class Endpoint(Fact):
    kind: ClassVar[str] = "endpoint"
    summary: ClassVar[str] = (
        "An endpoint (method + path) of the service, from its spec, its code or both, with the "
        "flowchart's three answers and the strategy they lead to. Reported at the handler when "
        "the code has one, else at the spec operation."
    )
    method: str = doc("HTTP method, upper-case (`ANY` when the code does not restrict it).")
    path: str | None = doc("Path as served (spec template, or the code's path with prefixes).")
    label: str = doc("`POST /v1/chat`, the name the report and `advisor explain` use.")
    handler: str | None = doc("The handler function (module.qualname), when the code has one.")
    operation_id: str | None = doc("The spec's operationId, when the spec has the endpoint.")
    in_code: bool = doc("The code has a route for it.")
    in_spec: bool = doc("A spec documents it.")
    joined_by: str | None = doc(
        "How the spec operation and the handler were matched: `path` or `operation-id`."
    )
    model_output: bool = doc(
        "It serves model output: its handler reaches a model call or streams, or its spec "
        "operation streams or takes model parameters (`stream`, `max_tokens`, structured "
        "output), or it has hints. Other endpoints are listed but not judged."
    )
    observed: tuple[str, ...] = doc(
        "How it delivers today: `stream`, `sync`, `async-job`, `batch` (the code's when it has "
        "a handler, else the spec's)."
    )
    observed_code: tuple[str, ...] = doc("What the code does.")
    observed_spec: tuple[str, ...] = doc("What the spec documents.")
    model_calls: int = doc("Generating model calls the request runs (chat and completion).")
    sequential_calls: int = doc("The longest chain of those that run one after another.")
    output_tokens: int | None = doc("Expected or maximum answer length, when known.")
    output_tokens_source: str | None = doc(
        "Where that length comes from: the expected-output-tokens hint, the `max_tokens` cap "
        "of the code, or the spec's maximum or default."
    )
    output_length: str | None = doc_default(
        "That length in words: `up to 1500 tokens (the max_tokens cap)`, `about 900 tokens "
        "(the expected-output-tokens hint)`.",
        None,
    )
    waiting: Answer = doc("Q1: is someone waiting for the answer?")
    outlasts: Answer = doc("Q2: does the work outlast one HTTP request?")
    whole: Answer = doc("Q3: does the next consumer need the whole response before it can act?")
    recommended: str | None = doc(
        "`stream`, `sync`, `batch` or `async-job`; null when an open question stops the walk."
    )
    decided_by: str | None = doc(
        "The question whose answer decided it: `waiting`, `outlasts` or `whole`."
    )
    verdict: str = doc(
        "The verdict in words: `STREAM`, `SYNC`, `BATCH`, `ASYNC JOB`, `needs review (...)` "
        "naming the open question, or `not judged` for an endpoint without model output."
    )
    needs_review: bool = doc("An answer on the way is unknown: a person must decide.")
    open_questions: tuple[str, ...] = doc("The unknown questions on the way.")
    hints: Hints = doc("The hints that apply (config < spec < comment).")
    hint_sources: tuple[str, ...] = doc("`field: where it was written` for each hint set.")
    pipeline: str | None = doc_default(
        "The multi-step work the request runs itself (a loop of model calls, an agent loop, a "
        "chain of calls over the request budget), in a sentence; null when there is none.",
        None,
    )
    drift: str | None = doc_default(
        "How the spec and the code disagree on the way the answer is delivered; null when they "
        "agree, or when one of them is missing or silent.",
        None,
    )
    hint_unmet: str | None = doc_default(
        "The hinted `strategy` when the code (or, without code, the spec) does not implement it.",
        None,
    )
    current: Estimate | None = doc_default("Latency estimate of what it does today.", None)
    advised: Estimate | None = doc_default("Latency estimate under the recommendation.", None)
    rates: str = doc_default("The rates the estimates assume.", "")
    code_at: Evidence | None = doc_default("Where the handler is.", None)
    spec_at: Evidence | None = doc_default("Where the spec operation is.", None)


@record(kw_only=True)
class UnresolvedRef(Fact):
    kind: ClassVar[str] = "unresolved-ref"
    summary: ClassVar[str] = "A `$ref` in a spec that could not be followed."
    ref: str = doc("The reference as written.")
    reason: str = doc(
        "`remote` (http/https: never fetched), `outside-root`, `missing-file`, "
        "`unreadable-file`, `broken-pointer`, `cycle` or `invalid`."
    )
    target: str | None = doc("The file or pointer it leads to, when known.")
    detail: str = doc("A sentence for the message.")


@record(kw_only=True)
class InvalidHint(Fact):
    kind: ClassVar[str] = "invalid-hint"
    summary: ClassVar[str] = "An `x-advisor` or `# advisor:` hint that is not understood."
    key: str | None = doc("The hint key, when there is one.")
    source: str = doc("`x-advisor`, `x-advisor-ignore` or `comment` (a `# advisor:` comment).")
    message: str = doc("What is wrong and what is accepted.")


@record(kw_only=True)
class UnusedSuppression(Fact):
    """Produced by the engine (advisor/findings.py) after it has applied the suppressions, not
    by a detector: whether a suppression is used depends on every rule's findings."""

    kind: ClassVar[str] = "unused-suppression"
    summary: ClassVar[str] = (
        "A suppression (`# advisor: ignore[...]` or `x-advisor-ignore`) that hides nothing; "
        "made by the engine after every rule has run."
    )
    form: str = doc("`comment` (a Python comment) or `x-advisor-ignore` (in a spec).")
    covers_all: bool = doc("A bare `ignore` or `x-advisor-ignore: true` (every code).")
    unused_codes: tuple[str, ...] = doc("Listed rule codes that hide no finding here.")
    unknown_codes: tuple[str, ...] = doc("Listed codes that name no rule of the catalog.")
    reason: str = doc("A sentence for the message.")


FACT_KINDS: dict[str, type[Fact]] = {
    cls.kind: cls
    for cls in (
        ParseFailure,
        ResponseConstruction,
        LlmCall,
        LlmCallLoop,
        Endpoint,
        SpecOperation,
        UnresolvedRef,
        InvalidHint,
        FunctionHints,
        RouteHandler,
        StreamConsumption,
        ChunkDecode,
        PollingLoop,
        Middleware,
        Dependency,
        BufferingMiddleware,
        ContentEncodingHook,
        UnusedSuppression,
    )
}


@record
class Suppression:
    """An inline `# advisor: ignore[...]` comment or an `x-advisor-ignore` list.

    `codes` is None for a bare ignore (every code). Python suppressions sit on `line`; spec
    suppressions cover the operation at `pointer`.
    """

    path: str
    codes: frozenset[str] | None
    line: int | None = None
    pointer: str | None = None
    written: Evidence | None = None
    """Where the suppression itself is written (the comment, the `x-advisor-ignore` key): one
    `x-advisor-ignore` on a path item becomes a suppression per operation, all written once."""


class _Compact:
    """Pickled as a tuple of field values, trailing defaults left out, rather than a dict
    keyed by field name: a large project's summaries hold a hundred thousand call edges, sent
    from the workers and kept in the cache (a fifth smaller, and faster to load)."""

    __slots__ = ()

    def __getstate__(self) -> tuple[object, ...]:
        names, defaults = _layout(type(self))
        values = [self.__dict__[name] for name in names]
        while values and values[-1] is defaults[len(values) - 1]:
            values.pop()
        return tuple(values)

    def __setstate__(self, state: tuple[object, ...] | dict[str, object]) -> None:
        if isinstance(state, dict):  # pickled before this class was compact
            self.__dict__.update(state)
            return
        names, defaults = _layout(type(self))
        self.__dict__.update(zip(names, (*state, *defaults[len(state) :]), strict=True))


_MISSING = object()
_LAYOUTS: dict[type, tuple[tuple[str, ...], tuple[object, ...]]] = {}


def _layout(cls: type) -> tuple[tuple[str, ...], tuple[object, ...]]:
    """(field names, defaults: `_MISSING` where there is none) of a dataclass, in order."""
    found = _LAYOUTS.get(cls)
    if found is None:
        fields = dataclasses.fields(cls)
        defaults = tuple(
            f.default if f.default is not dataclasses.MISSING else _MISSING for f in fields
        )
        found = _LAYOUTS[cls] = (tuple(f.name for f in fields), defaults)
    return found


@record
class FunctionInfo(_Compact):
    symbol: str
    """`module.qualname`; module-level code is the module itself, a `__main__` block
    `module.__main__`."""
    line: int
    is_async: bool
    entry: str | None = None
    """`cli`, `task`, `scheduler`, `script` or `test` when the function itself is an entry
    point."""


@record
class Edge(_Compact):
    """`caller` calls (or hands over) `callee`; callee is a symbol as the module names it."""

    caller: str
    callee: str
    line: int
    loop: str | None = None
    """`for`, `comprehension` or `fan-out` when the call runs once per item of a collection
    (`executor.map(f, items)` is a fan-out); None otherwise, `while` loops included."""
    loop_bound: int | None = None
    """Number of items when the collection is a literal or a constant range."""
    carried: bool = False
    """The call's arguments depend on state the loop changes (each call needs the last)."""
    handoff: bool = False
    """The callee is enqueued for a worker (`task.delay(...)`, `queue.enqueue(f)`), not run."""
    branch: tuple[str, ...] = ()
    """The `if` / `try` / `match` arms around the call in the caller (see facts/branches)."""
    at: Evidence | None = None
    """Where the call is written (kept for looped calls, which rules report at)."""


@record
class Entry:
    """A function registered with a worker, scheduler or route table by a call."""

    symbol: str
    kind: str
    line: int


@record
class Export:
    """A module-level object other modules may import: a client, a client factory, an app."""

    symbol: str
    kind: str
    """`client`, `client-factory` or `app`."""
    target: str
    """Qualified client or app class."""
    framework: str | None = None
    prefix: str | None = None


@record
class Mount:
    """`app.include_router(router, prefix=...)` and its equivalents: `child` (a router, an app,
    a handler function, or a Django `module.urlpatterns`) is served under `prefix` of `parent`."""

    parent: str
    child: str
    prefix: str | None
    line: int
    replace: bool = False
    """The prefix replaces the child's own prefix (Flask's `url_prefix` at registration)."""


@record
class Pending:
    """A fact whose receiver is imported from another module of the project: resolved across
    files. `candidates` holds one fact per way the receiver could turn out (one per SDK)."""

    receiver: str
    """Symbol of the imported object, with `()` when its call result is used."""
    candidates: tuple[Fact, ...]


@record
class ModuleInfo:
    module: str
    functions: tuple[FunctionInfo, ...] = ()
    edges: tuple[Edge, ...] = ()
    entries: tuple[Entry, ...] = ()
    exports: tuple[Export, ...] = ()
    mounts: tuple[Mount, ...] = ()
    pending: tuple[Pending, ...] = ()


@record
class FileSummary:
    """Everything the per-file stage learned about one file: a pure function of its bytes."""

    path: str
    language: str
    facts: tuple[Fact, ...]
    suppressions: tuple[Suppression, ...] = ()
    dependencies: tuple[str, ...] = ()
    """Other files the facts were computed from (files a spec references)."""
    module: ModuleInfo | None = None
    """Call-graph material of a Python module."""


@record
class Fix:
    """A rule's automatic fix, as its rule file declares it: the registered transformation
    (Python code, `advisor/fixes/registry.py`) that rewrites the code, whether applying it
    can change behaviour, and what it does in a few words."""

    transform: str
    safety: str
    """`safe` (applied by `--fix`) or `unsafe` (only with `--unsafe-fixes`)."""
    title: str
    target: tuple[str, ...] | None = None
    """Field path of the fact's evidence (an `Evidence` or a tuple of them) that the
    transformation edits; None for the finding's own evidence."""

    @property
    def safe(self) -> bool:
        return self.safety == "safe"


@record
class Finding:
    """A rule firing on a fact, after the engine applied suppressions and overrides."""

    code: str
    name: str
    severity: Severity
    message: str
    evidence: Evidence
    fix_title: str | None = None
    fix: Fix | None = field(default=None, compare=False)
    """The automatic fix the rule declares for this kind of finding, if any."""
    fact: Fact | None = field(default=None, compare=False, repr=False)
    """The fact the rule fired on: what a fix transformation reads besides the positions."""

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
