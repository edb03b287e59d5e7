"""The service's endpoints: spec operations and code routes, joined.

An operation and a route are the same endpoint when their methods and paths match (paths
compared with their parameters normalised, `{id}` = `<int:id>` = `:id`, and the route's path
as served, with its router and mount prefixes); what is left is joined by operationId = the
handler's function name. Endpoints only in the spec, or only in the code, are kept: the
inventory lists them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from advisor.model import Fact, RouteHandler, SpecOperation
from advisor.records import record
from advisor.routing import normalize_path

ANY = "ANY"


@record
class Sighting:
    """One endpoint, and where it is seen."""

    method: str
    path: str | None
    route: RouteHandler | None
    operation: SpecOperation | None
    joined_by: str | None = None


def inventory(facts: Iterable[Fact]) -> list[Sighting]:
    routes: list[tuple[str, RouteHandler]] = []
    operations: list[SpecOperation] = []
    for fact in facts:
        if isinstance(fact, RouteHandler):
            routes.extend((method, fact) for method in fact.methods)
        elif isinstance(fact, SpecOperation):
            operations.append(fact)
    by_path: dict[tuple[str, str], list[SpecOperation]] = defaultdict(list)
    by_bare_path: dict[str, list[SpecOperation]] = defaultdict(list)
    for operation in operations:
        key = normalize_path(operation.path)
        by_path[(operation.method, key)].append(operation)
        by_bare_path[key].append(operation)
    found: list[Sighting] = []
    joined: set[int] = set()
    unmatched: list[tuple[str, RouteHandler]] = []
    for method, route in routes:
        if route.path is None:
            unmatched.append((method, route))
            continue
        key = normalize_path(route.path)
        candidates = by_bare_path[key] if method == ANY else by_path[(method, key)]
        if not candidates:
            unmatched.append((method, route))
            continue
        for operation in candidates:
            joined.add(id(operation))
            found.append(Sighting(operation.method, operation.path, route, operation, "path"))
    by_operation_id: dict[str, list[SpecOperation]] = defaultdict(list)
    for operation in operations:
        if id(operation) not in joined and operation.operation_id:
            by_operation_id[operation.operation_id].append(operation)
    for method, route in unmatched:
        name = route.handler.rsplit(".", 1)[-1]
        candidates = [op for op in by_operation_id.get(name, []) if method in (ANY, op.method)]
        if len(candidates) == 1 and id(candidates[0]) not in joined:
            operation = candidates[0]
            joined.add(id(operation))
            found.append(
                Sighting(operation.method, operation.path, route, operation, "operation-id")
            )
        else:
            found.append(Sighting(method, route.path, route, None))
    for operation in operations:
        if id(operation) not in joined:
            found.append(Sighting(operation.method, operation.path, None, operation))
    return sorted(found, key=_order)


def _order(sighting: Sighting) -> tuple[str, str, str]:
    handler = sighting.route.handler if sighting.route else ""
    return (sighting.path or "", sighting.method, handler)
