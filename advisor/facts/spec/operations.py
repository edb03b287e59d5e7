"""Operations of an OpenAPI 3.x or Swagger 2.0 document, with where they are written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from advisor.facts.suppressions import spec_suppression
from advisor.model import Evidence, Location, SpecOperation, Suppression
from advisor.read.spec import SpecDocument, pointer_text

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")


def operations(path: str, document: SpecDocument) -> tuple[list[SpecOperation], list[Suppression]]:
    facts: list[SpecOperation] = []
    suppressions: list[Suppression] = []
    data = document.data
    paths = data.get("paths")
    if not isinstance(paths, Mapping):
        return facts, suppressions
    version = document.kind.version
    root_produces = _strings(data.get("produces"))
    for route, item in _sorted_items(paths):
        if not isinstance(item, Mapping):
            continue
        item_pointer = ("paths", route)
        suppression = spec_suppression(path, item_pointer, item)
        if suppression:
            suppressions.append(suppression)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            pointer = (*item_pointer, method)
            suppression = spec_suppression(path, pointer, operation)
            if suppression:
                suppressions.append(suppression)
            line, column = document.locate(pointer)
            responses = operation.get("responses")
            responses = responses if isinstance(responses, Mapping) else {}
            media_types = set(_strings(operation.get("produces")) or root_produces)
            for response in responses.values():
                content = response.get("content") if isinstance(response, Mapping) else None
                if isinstance(content, Mapping):
                    media_types.update(str(key).lower() for key in content)
            operation_id = operation.get("operationId")
            facts.append(
                SpecOperation(
                    evidence=Evidence(
                        location=Location(path, line, column),
                        snippet=document.line_text(line).strip(),
                        pointer=pointer_text(pointer),
                        scope=pointer_text(pointer),
                    ),
                    method=method.upper(),
                    path=str(route),
                    operation_id=operation_id if isinstance(operation_id, str) else None,
                    spec_version=version,
                    response_media_types=tuple(sorted(media_types)),
                    status_codes=tuple(sorted(str(code) for code in responses)),
                )
            )
    return facts, suppressions


def _sorted_items(mapping: Mapping[Any, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        yield str(key), value


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).lower() for v in value if isinstance(v, str)]
    return []
