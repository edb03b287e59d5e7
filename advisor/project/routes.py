"""Routes as served: the prefixes of the mounts above each router, across modules.

`app.include_router(chat.router, prefix="/api")` in main.py serves the routes of chat.py's
router under `/api`; a blueprint registered with `url_prefix` replaces its own prefix; Django's
`include()` chains urls modules. A router mounted twice serves its routes at two paths, so a
route fact becomes one fact per path. Mount chains are followed to a bounded depth, and a cycle
(a router including itself through others) ends the chain instead of looping.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from advisor.model import Fact, Mount, RouteHandler
from advisor.project.symbols import ProjectIndex
from advisor.routing import join_paths

MAX_DEPTH = 8


def mounted_routes(facts: Sequence[Fact], index: ProjectIndex) -> list[Fact]:
    """`facts` with every route's path completed by the mounts the project shows."""
    mounts = _mounts_by_child(index)
    if not mounts:
        return list(facts)
    result: list[Fact] = []
    for fact in facts:
        if not isinstance(fact, RouteHandler):
            result.append(fact)
            continue
        attached = fact.router or fact.handler
        paths = _served_paths(fact, index.module_attribute(attached), mounts)
        result.extend(dataclasses.replace(fact, path=path) for path in paths)
    return result


def _mounts_by_child(index: ProjectIndex) -> dict[str, list[Mount]]:
    found: dict[str, list[Mount]] = defaultdict(list)
    for summary in index.summaries:
        if summary.module is None:
            continue
        for mount in summary.module.mounts:
            child = index.module_attribute(mount.child)
            parent = index.module_attribute(mount.parent)
            found[child].append(dataclasses.replace(mount, parent=parent))
    return found


def _served_paths(
    route: RouteHandler, attached: str, mounts: dict[str, list[Mount]]
) -> list[str | None]:
    """Every path the route is served at (its own path when nothing mounts its router)."""
    if route.path is None or attached not in mounts:
        return [route.path]
    paths: list[str | None] = []
    stack: list[tuple[str, str, int, frozenset[str]]] = [
        (attached, route.path, 0, frozenset({attached}))
    ]
    own_prefix = route.router_prefix or ""
    while stack:
        node, path, depth, seen = stack.pop()
        above = mounts.get(node, [])
        if not above or depth >= MAX_DEPTH:
            paths.append(path)
            continue
        for mount in above:
            parent = mount.parent
            if parent in seen:
                paths.append(path)  # a cycle: stop here
                continue
            local = path
            if mount.replace and depth == 0 and own_prefix and path.startswith(own_prefix):
                local = path[len(own_prefix) :] or "/"
            joined = join_paths(mount.prefix, local) or local
            stack.append((parent, joined, depth + 1, seen | {parent}))
    return sorted(set(paths), key=lambda p: p or "")
