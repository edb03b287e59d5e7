"""Operations of an OpenAPI 3.0/3.1/3.2 or Swagger 2.0 document, as `operation` facts.

Each operation says how it delivers (stream, sync, async job), which parameters select or resume
a stream, what it promises about jobs, and where each of those things is written, so a rule can
report at the offending field. Providers document streaming in several correct ways (a second
`text/event-stream` beside JSON, a separate `...#stream` or `:stream` operation, NDJSON, 3.2
`itemSchema`); all of them are recognised as streaming.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.facts.spec.documents import Located, SpecFiles
from advisor.facts.spec.hints import read_hints, read_ignore
from advisor.facts.spec.resolver import Resolver
from advisor.facts.spec.schemas import ObjectView, object_view, scalar_view
from advisor.model import Evidence, Hints, InvalidHint, SpecOperation, Suppression
from advisor.read.spec import SpecDocument, pointer_text
from advisor.tables import SpecVocabulary, spec_vocabulary

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_PARAM = re.compile(r"^\{[^}]*\}$")
_JOB_ID = re.compile(r"^(job|task|operation|run|batch|request)[_-]?(id|ID|Id)$")


@dataclass
class _Draft:
    """One operation while the whole document is read (cross-operation facts come last)."""

    located: Located
    scope: str
    method: str
    path: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class SpecReadout:
    operations: list[SpecOperation]
    problems: list[InvalidHint]
    suppressions: list[Suppression]


def read_operations(
    entry: str, document: SpecDocument, files: SpecFiles, resolver: Resolver
) -> SpecReadout:
    words = spec_vocabulary()
    problems: list[InvalidHint] = []
    suppressions: list[Suppression] = []
    root = Located(document.data, entry, ())
    document_hints = read_hints(root, files, Hints(), problems)
    document_ignore = read_ignore(root, files, problems)
    swagger = document.kind is not None and document.kind.key == "swagger"
    version = document.kind.version if document.kind else ""
    root_produces = _strings(document.data.get("produces"))
    drafts: list[_Draft] = []
    paths = document.data.get("paths")
    for route, item in _path_items(root, paths, resolver):
        item_hints = read_hints(item, files, document_hints, problems)
        item_ignore = read_ignore(item, files, problems)
        for method, operation in _operations(item, resolver):
            scope = f"{operation.path}#{pointer_text(operation.pointer)}"
            hints = read_hints(operation, files, item_hints, problems)
            own_ignore = read_ignore(operation, files, problems)
            for ignore in (document_ignore, item_ignore, own_ignore):
                if ignore is not None:
                    # Written higher up or in another file: scope it to this operation.
                    suppressions.append(
                        Suppression(
                            path=operation.path,
                            codes=ignore.codes,
                            pointer=pointer_text(operation.pointer),
                            written=ignore.written,
                        )
                    )
            draft = _Draft(operation, scope, method.upper(), route)
            draft.fields = _read_operation(
                draft, item, hints, swagger, root_produces, files, resolver, words
            )
            draft.fields.update(
                method=draft.method,
                path=route,
                spec_version=version,
                hints=hints,
                evidence=_evidence(files, operation, draft.scope),
            )
            drafts.append(draft)
    _relate_operations(drafts, words)
    operations = [SpecOperation(**draft.fields) for draft in drafts]
    return SpecReadout(operations, problems, suppressions)


def _path_items(root: Located, paths: object, resolver: Resolver) -> Iterator[tuple[str, Located]]:
    if not isinstance(paths, Mapping):
        return
    for route in paths:
        name = str(route)
        if name.startswith("x-"):
            continue
        item = resolver.value(root.child("paths", route))
        if item is not None and isinstance(item.value, Mapping):
            yield name, item


def _operations(item: Located, resolver: Resolver) -> Iterator[tuple[str, Located]]:
    for method in HTTP_METHODS:
        if method in item.value:
            operation = resolver.value(item.child(method))
            if operation is not None and isinstance(operation.value, Mapping):
                yield method, operation
    extra = item.value.get("additionalOperations")  # OpenAPI 3.2
    if isinstance(extra, Mapping):
        for method in extra:
            operation = resolver.value(item.child("additionalOperations", method))
            if operation is not None and isinstance(operation.value, Mapping):
                yield str(method).lower(), operation


def _evidence(files: SpecFiles, located: Located, scope: str) -> Evidence:
    return replace(files.evidence(located), scope=scope)


def _read_operation(
    draft: _Draft,
    item: Located,
    hints: Hints,
    swagger: bool,
    root_produces: list[str],
    files: SpecFiles,
    resolver: Resolver,
    words: SpecVocabulary,
) -> dict[str, Any]:
    operation = draft.located
    value = operation.value
    operation_id = value.get("operationId")
    out: dict[str, Any] = {
        "operation_id": operation_id if isinstance(operation_id, str) else None,
        "stream_flag": None,
        "stream_flag_default": None,
        "stream_operation": None,
        "stream_flag_at": None,
        "last_event_id": False,
        "resume_parameters": (),
        "structured_request": (),
        "structured_required": False,
        "structured_at": None,
        "max_tokens_parameter": None,
        "output_token_cap": None,
        "output_token_default": None,
        "max_tokens_at": None,
        "job_status_operation": None,
        "long_stream": True if hints.long_running else None,
    }

    def at(located: Located) -> Evidence:
        return _evidence(files, located, draft.scope)

    # Responses: what each status delivers, in which media types, with which headers.
    produces = _strings(value.get("produces")) or root_produces
    responses = resolver.value(operation.child("responses")) if "responses" in value else None
    codes: list[str] = []
    media_2xx: dict[str, Located] = {}
    headers_2xx: set[str] = set()
    whole_2xx = False
    accepted: Located | None = None
    for code, response in _responses(responses, resolver):
        codes.append(code)
        if not code.startswith("2"):
            continue
        media = _media(response, swagger, produces)
        if code == "202" and draft.method != "GET":
            accepted = response
            continue
        headers_2xx.update(_header_names(response))
        media_2xx.update(media)
        if not media or any(m not in words.sequential for m in media):
            whole_2xx = True
    streaming = {m: loc for m, loc in media_2xx.items() if m in words.token_streams}
    strategies = set()
    if streaming:
        strategies.add("stream")
    if whole_2xx:
        strategies.add("sync")
    if accepted is not None:
        strategies.add("async-job")
    out.update(
        strategies=tuple(sorted(strategies)),
        media_types=tuple(sorted(media_2xx)),
        streaming_media_types=tuple(sorted(streaming)),
        status_codes=tuple(sorted(codes)),
        response_headers=tuple(sorted(headers_2xx)),
        streaming_at=at(next(iter(sorted(streaming.items())))[1]) if streaming else None,
        event_id_declared=_event_id_declared(media_2xx, resolver),
    )

    # Parameters: stream flag in the query, Last-Event-ID, resume parameters, Swagger body.
    body_schemas: list[Located] = []
    resume: set[str] = set()
    for parameter in _parameters(item, operation, resolver):
        where = str(parameter.value.get("in", ""))
        name = str(parameter.value.get("name", ""))
        if where == "header" and name.lower() == "last-event-id":
            out["last_event_id"] = True
        elif where == "query":
            if name.lower() in words.resume_parameters:
                resume.add(name)
            if name == "stream":
                schema = parameter.child("schema") if "schema" in parameter.value else parameter
                types, keywords = scalar_view(schema, resolver)
                if "boolean" in types:
                    out.update(
                        stream_flag="query",
                        stream_flag_default=_bool(keywords.get("default")),
                        stream_flag_at=at(parameter),
                    )
        elif where == "body" and "schema" in parameter.value:
            body_schemas.append(parameter.child("schema"))
    out["resume_parameters"] = tuple(sorted(resume))

    # Request body (OpenAPI 3): every media type's schema, merged.
    if not swagger and "requestBody" in value:
        body = resolver.value(operation.child("requestBody"))
        content = body.value.get("content") if body and isinstance(body.value, Mapping) else None
        if body is not None and isinstance(content, Mapping):
            for media_type, media in content.items():
                if isinstance(media, Mapping) and "schema" in media:
                    body_schemas.append(body.child("content", media_type, "schema"))
    request = _merge(object_view(s, resolver) for s in body_schemas)
    if request is not None:
        _read_request(request, out, at, resolver, words)

    # 202 Accepted: what the client gets to follow the job.
    out.update(accepted=accepted is not None, accepted_headers=(), accepted_fields=None)
    out.update(accepted_job_like=None, accepted_handle=None, accepted_at=None)
    if accepted is not None:
        _read_accepted(accepted, hints, swagger, produces, out, at, resolver, words)
    return out


def _read_request(
    request: ObjectView,
    out: dict[str, Any],
    at: Callable[[Located], Evidence],
    resolver: Resolver,
    words: SpecVocabulary,
) -> None:
    stream = request.properties.get("stream")
    if stream is not None and out["stream_flag"] is None:
        types, keywords = scalar_view(stream, resolver)
        if "boolean" in types:
            out.update(
                stream_flag="body",
                stream_flag_default=_bool(keywords.get("default")),
                stream_flag_at=at(stream),
            )
    structured = sorted(name for name in request.properties if name in words.structured_properties)
    if structured:
        out.update(
            structured_request=tuple(structured),
            structured_required=any(name in request.required for name in structured),
            structured_at=at(request.properties[structured[0]]),
        )
    for name in words.max_tokens_properties:
        if name in request.properties:
            _, keywords = scalar_view(request.properties[name], resolver)
            out.update(
                max_tokens_parameter=name,
                output_token_cap=_int(keywords.get("maximum")),
                output_token_default=_int(keywords.get("default")),
                max_tokens_at=at(request.properties[name]),
            )
            break


def _read_accepted(
    accepted: Located,
    hints: Hints,
    swagger: bool,
    produces: list[str],
    out: dict[str, Any],
    at: Callable[[Located], Evidence],
    resolver: Resolver,
    words: SpecVocabulary,
) -> None:
    headers = tuple(sorted(_header_names(accepted)))
    media = _media(accepted, swagger, produces)
    fields: tuple[str, ...] | None = ()
    complete = True
    if media:
        merged = _merge([object_view(_schema_of(m, swagger), resolver) for m in media.values()])
        fields = tuple(sorted(merged.properties)) if merged is not None else None
        complete = merged is not None and merged.complete
    handle_header = any(h in words.handle_headers for h in headers)
    job_like: bool | None
    handle: bool | None
    job_fields = fields is not None and any(
        f in words.status_fields or _JOB_ID.match(f) for f in fields
    )
    if hints.strategy == "async-job" or hints.long_running or handle_header or job_fields:
        job_like = True
    else:
        job_like = False if complete and fields is not None else None
    if handle_header or (fields is not None and any(_is_handle(f, words) for f in fields)):
        handle = True
    else:
        handle = False if complete and fields is not None else None
    out.update(
        accepted_headers=headers,
        accepted_fields=fields,
        accepted_job_like=job_like,
        accepted_handle=handle,
        accepted_at=at(accepted),
    )


def _is_handle(name: str, words: SpecVocabulary) -> bool:
    return name in words.handle_names or name.endswith(words.handle_suffixes)


def _relate_operations(drafts: list[_Draft], words: SpecVocabulary) -> None:
    """Facts that need the whole document: job status operations and stream siblings."""
    gets = {d.path: d for d in drafts if d.method == "GET"}
    for draft in drafts:
        fields = draft.fields
        if fields["accepted"]:
            status, same_url = _status_operation(draft.path, gets, words)
            if status is not None:
                fields["job_status_operation"] = f"GET {status}"
                if same_url:
                    fields["accepted_handle"] = True
        if fields["stream_flag"] and not fields["streaming_media_types"]:
            sibling = _stream_sibling(draft, drafts)
            if sibling is not None:
                fields["stream_operation"] = f"{sibling.method} {sibling.path}"
    for draft in drafts:
        draft.fields["stream_flag_shared"] = _shared_stream_flag(draft, drafts)
    status_paths = {
        d.fields["job_status_operation"].split(" ", 1)[1]
        for d in drafts
        if d.fields["job_status_operation"]
    }
    for draft in drafts:
        job_events = any(draft.path == p or draft.path.startswith(p + "/") for p in status_paths)
        sse = "text/event-stream" in draft.fields["streaming_media_types"]
        if draft.method == "GET" and sse and job_events:
            draft.fields["long_stream"] = True


def _status_operation(
    path: str, gets: Mapping[str, _Draft], words: SpecVocabulary
) -> tuple[str | None, bool]:
    """The GET that reads the status of a job created at `path`, and whether the client already
    has its URL (the same path, or the resource an action path acts on)."""
    if path in gets:
        return path, True
    segments = path.rstrip("/").split("/")
    if len(segments) > 2 and not _PARAM.match(segments[-1]) and _PARAM.match(segments[-2]):
        parent = "/".join(segments[:-1])
        if parent in gets:  # POST /runs/{id}/cancel -> GET /runs/{id}
            return parent, True
    prefix = path.rstrip("/") + "/"
    for candidate in sorted(gets):
        if candidate.startswith(prefix) and _PARAM.match(candidate[len(prefix) :].split("/")[0]):
            return candidate, False  # POST /jobs -> GET /jobs/{id}
    for candidate in sorted(gets):
        parts = candidate.rstrip("/").split("/")
        if len(parts) >= 3 and _PARAM.match(parts[-1]) and parts[-2] in words.job_collections:
            base = "/".join(parts[:-2])
            if path.startswith(base + "/"):  # POST /v1/reports -> GET /v1/operations/{id}
                return candidate, False
    return None, False


def _stream_sibling(draft: _Draft, drafts: list[_Draft]) -> _Draft | None:
    """A separate operation that streams what `draft` produces: `/x#stream`, `/x/stream`,
    `/x:streamGenerate`, an operationId with `Stream`, or (any method) a streaming operation
    below the path whose remaining path says so (`POST /messages` -> `GET
    /messages/{id}/stream`)."""
    own = _without_stream(draft.path)
    own_id = _without_stream(draft.fields.get("operation_id") or "")
    below = draft.path.rstrip("/") + "/"
    for other in drafts:
        if other is draft or not other.fields["streaming_media_types"]:
            continue
        if other.method == draft.method and (
            _without_stream(other.path) == own
            or (own_id and _without_stream(other.fields.get("operation_id") or "") == own_id)
        ):
            return other
        rest = other.path[len(below) :].lower() if other.path.startswith(below) else ""
        if "stream" in rest or rest.endswith("events"):
            return other
    return None


def _shared_stream_flag(draft: _Draft, drafts: list[_Draft]) -> str | None:
    """Another operation that reads the very same `stream` property and does stream."""
    flag = draft.fields["stream_flag_at"]
    if flag is None or draft.fields["streaming_media_types"]:
        return None
    place = (flag.location.path, flag.pointer)
    for other in drafts:
        other_flag = other.fields["stream_flag_at"]
        if other is draft or other_flag is None:
            continue
        streams = other.fields["streaming_media_types"] or other.fields["stream_operation"]
        if streams and (other_flag.location.path, other_flag.pointer) == place:
            return f"{other.method} {other.path}"
    return None


def _without_stream(text: str) -> str:
    return re.sub("stream", "", text, flags=re.IGNORECASE).rstrip("#/:_-").lower()


def _responses(responses: Located | None, resolver: Resolver) -> Iterator[tuple[str, Located]]:
    if responses is None or not isinstance(responses.value, Mapping):
        return
    for code in responses.value:
        name = str(code).upper()
        if name.startswith("X-"):
            continue
        response = resolver.value(responses.child(code))
        if response is not None and isinstance(response.value, Mapping):
            yield name, response


def _media(response: Located, swagger: bool, produces: list[str]) -> dict[str, Located]:
    """Media type -> where it is written, for one response."""
    if swagger:
        if "schema" not in response.value:
            return {}
        return dict.fromkeys(produces, response) or {"application/json": response}
    content = response.value.get("content")
    if not isinstance(content, Mapping):
        return {}
    return {
        str(media).split(";", 1)[0].strip().lower(): response.child("content", media)
        for media in content
    }


def _schema_of(media: Located, swagger: bool) -> Located | None:
    if swagger:
        return media.child("schema") if "schema" in media.value else None
    if isinstance(media.value, Mapping) and "schema" in media.value:
        return media.child("schema")
    return None


def _event_id_declared(media: Mapping[str, Located], resolver: Resolver) -> bool | None:
    located = media.get("text/event-stream")
    if located is None or not isinstance(located.value, Mapping):
        return None
    if "itemSchema" not in located.value:
        return None  # the `schema` of OpenAI-style specs describes the payload, not the event
    view = object_view(located.child("itemSchema"), resolver)
    if view is None:
        return None
    return "id" in view.properties


def _header_names(response: Located) -> list[str]:
    headers = response.value.get("headers")
    return [str(name).lower() for name in headers] if isinstance(headers, Mapping) else []


def _parameters(item: Located, operation: Located, resolver: Resolver) -> list[Located]:
    """Path-item and operation parameters; the operation's win on (name, in)."""
    chosen: dict[tuple[str, str], Located] = {}
    for owner in (item, operation):
        parameters = owner.value.get("parameters")
        if not isinstance(parameters, list):
            continue
        for index in range(len(parameters)):
            parameter = resolver.value(owner.child("parameters", index))
            if parameter is None or not isinstance(parameter.value, Mapping):
                continue
            key = (str(parameter.value.get("name")), str(parameter.value.get("in")))
            chosen[key] = parameter
    return list(chosen.values())


def _merge(views: Iterator[ObjectView | None] | list[ObjectView | None]) -> ObjectView | None:
    merged: ObjectView | None = None
    for view in views:
        if view is None:
            continue
        if merged is None:
            merged = ObjectView()
        for name, located in view.properties.items():
            merged.properties.setdefault(name, located)
        merged.required |= view.required
        merged.complete &= view.complete
    return merged


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).split(";", 1)[0].strip().lower() for v in value if isinstance(v, str)]
    return []


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
