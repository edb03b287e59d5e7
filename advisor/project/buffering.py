"""Compression middleware that buffers the project's streams, in the versions installed.

What a compression middleware does to a streamed body depends on its version (FACTS.md §2:
Starlette's GZipMiddleware buffers every stream before 0.46.0 and every stream but SSE before
1.5.0; Django's before 6.1; Flask-Compress never flushes), so a `buffering-middleware` fact needs
three things to agree:

- a `middleware` fact (where it is installed);
- the installed version of its package, from the manifests that govern the middleware's
  folder: the deepest folder above it with a pin of the package wins. A pin of another package
  may imply a range (FastAPI pins Starlette); a range decides only when every version in it
  behaves the same. Several pins (dev and prod files, a lock file forked by markers) must all
  agree. Anything else is unknown, and unknown is no fact;
- the streaming responses it wraps: those of its framework in the same project (files whose
  deepest manifest folder is the middleware's), and when the project holds several apps of
  the framework, only those reached from routes of the app it is installed on. Code in the
  project that sets `Content-Encoding` on responses it did not build (a hook) may exempt any
  of them, so then nothing is claimed.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence

from advisor.model import (
    BufferingMiddleware,
    ContentEncodingHook,
    Dependency,
    Fact,
    Middleware,
    ResponseConstruction,
    RouteHandler,
)
from advisor.project.symbols import ProjectIndex
from advisor.read.manifest_kinds import manifest_folder
from advisor.records import record
from advisor.tables import (
    Behaviour,
    CompressionMiddleware,
    compression_middleware,
    implied_versions,
    token_stream_media_types,
)
from advisor.versions import VersionRange, parse_version, within


@record
class InstalledVersion:
    """One piece of evidence of the versions that may be installed."""

    versions: VersionRange
    shown: str
    """`0.45.3`, or `>=0.40.0,<0.46.0` for a range implied by another pin."""
    at: str
    """Where the pin is written: `uv.lock:120`."""
    via: str = ""
    """`required by fastapi==0.115.0` for a range implied by another package's pin."""


def buffering_facts(facts: Sequence[Fact], index: ProjectIndex | None = None) -> list[Fact]:
    middleware = [f for f in facts if isinstance(f, Middleware)]
    if not middleware:
        return []
    pins: dict[str, list[Dependency]] = defaultdict(list)
    for fact in facts:
        if isinstance(fact, Dependency):
            pins[fact.package].append(fact)
    streams = [f for f in facts if isinstance(f, ResponseConstruction) and f.streams is True]
    hooks = [f for f in facts if isinstance(f, ContentEncodingHook)]
    routes = [f for f in facts if isinstance(f, RouteHandler)]
    projects = _Projects(
        {p.folder for group in pins.values() for p in group}
        | {
            manifest_folder(s.path)
            for s in (index.summaries if index is not None else ())
            if s.language == "manifest"
        }
    )
    found: list[Fact] = []
    seen: set[tuple[str, str, str | None]] = set()
    for fact in sorted(middleware, key=lambda f: _place(f)):
        key = (fact.name, fact.evidence.location.path, fact.app)
        if key in seen:
            continue  # `MIDDLEWARE = [...]` and `MIDDLEWARE += [...]` in one settings file
        seen.add(key)
        entry = compression_middleware().get(fact.name)
        if entry is None or all(b.buffers == "none" for b in entry.behaviours):
            continue
        installed = installed_versions(entry.package, _folder_of(fact), pins)
        if not installed:
            continue  # the version is unknown: FACTS.md cannot say what it does
        project = projects.of(fact)
        if entry.skips_encoded and any(projects.of(h) == project for h in hooks):
            continue  # some code sets Content-Encoding on responses: which ones is not known
        mine = [s for s in streams if s.library in entry.responses and projects.of(s) == project]
        wrapped = _served_by(fact, entry, mine, routes, index, projects)
        result = _buffered(fact, entry, installed, wrapped)
        if result is not None:
            found.append(result)
    return found


def installed_versions(
    package: str, folder: str, pins: dict[str, list[Dependency]]
) -> list[InstalledVersion]:
    """What the manifests governing `folder` say about `package`; empty when nothing does.

    The package's own pins win over a range implied by another package's pin (a lock file
    names Starlette itself), unless the implying pin is written in a deeper folder: then both
    count, and must agree.
    """
    direct = _nearest(pins.get(package, ()), folder)
    found: list[InstalledVersion] = []
    if direct:
        parsed = [(version, pin) for pin in direct if (version := parse_version(pin.version))]
        if len(parsed) != len(direct):
            return []  # a pin we cannot read: the version is not known
        parsed.sort(key=lambda item: (item[0].sort_key(), _place(item[1])))
        found = [
            InstalledVersion(VersionRange.pinned(version), str(version), _at(pin))
            for version, pin in parsed
        ]
    depth = len(direct[0].folder) if direct else -1
    for implied in implied_versions().get(package, ()):
        by_pins = _nearest(pins.get(implied.by, ()), folder)
        if not by_pins or len(by_pins[0].folder) <= depth:
            continue
        for pin in by_pins:
            version = parse_version(pin.version)
            row = next(
                (
                    r
                    for r in implied.ranges
                    if version is not None
                    and within(VersionRange.pinned(version), r.start, r.end) is True
                ),
                None,
            )
            if row is None:
                return []  # a version of `by` the table does not cover: unknown
            found.append(
                InstalledVersion(
                    row.requires,
                    str(row.requires),
                    _at(pin),
                    f"required by {implied.by}=={pin.version}",
                )
            )
    return found


def _nearest(pins: Iterable[Dependency], folder: str) -> list[Dependency]:
    """The pins of the deepest manifest folder that contains `folder`."""
    governing = [p for p in pins if _contains(p.folder, folder)]
    if not governing:
        return []
    deepest = max(len(p.folder) for p in governing)
    chosen = [p for p in governing if len(p.folder) == deepest]
    return sorted(set(chosen), key=lambda p: _place(p))


class _Projects:
    """Which project a file belongs to: the deepest folder above it that has a manifest (a
    monorepo's services each have their own), else the root."""

    def __init__(self, folders: Iterable[str]) -> None:
        self.folders = sorted(set(folders), key=len, reverse=True)
        self._cache: dict[str, str] = {}

    def of(self, fact: Fact) -> str:
        return self.of_path(fact.evidence.location.path)

    def of_path(self, path: str) -> str:
        folder = posixpath.dirname(path)
        if folder not in self._cache:
            self._cache[folder] = next((f for f in self.folders if _contains(f, folder)), "")
        return self._cache[folder]


def _served_by(
    fact: Middleware,
    entry: CompressionMiddleware,
    mine: list[ResponseConstruction],
    routes: Sequence[RouteHandler],
    index: ProjectIndex | None,
    projects: _Projects,
) -> list[ResponseConstruction]:
    """The streams of the project that go through the app the middleware is installed on."""
    if not entry.apps or index is None:
        return mine
    project = projects.of(fact)
    apps = {
        export.symbol
        for summary in index.summaries
        if summary.module is not None and projects.of_path(summary.path) == project
        for export in summary.module.exports
        if export.kind == "app" and export.target in entry.apps
    }
    if len(apps) <= 1:
        return mine
    # Several apps in the project: count only streams served by the app with the middleware.
    app = index.canonical(fact.app) if fact.app else None
    if app is None or app not in apps:
        return []
    served = _endpoints_of(app, routes, index)
    others = set().union(*(_endpoints_of(a, routes, index) for a in apps if a != app))
    return [
        s
        for s in mine
        if s.reach.endpoints
        and set(s.reach.endpoints) <= served
        and not set(s.reach.endpoints) & others
    ]


def _endpoints_of(app: str, routes: Sequence[RouteHandler], index: ProjectIndex) -> set[str]:
    """Endpoint labels of the routes on `app` and on routers mounted on it (transitively)."""
    children: dict[str, set[str]] = defaultdict(set)
    for summary in index.summaries:
        if summary.module is None:
            continue
        for mount in summary.module.mounts:
            parent = index.canonical(mount.parent) or mount.parent
            children[parent].add(index.canonical(mount.child) or mount.child)
    tree = {app}
    stack = [app]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in tree:
                tree.add(child)
                stack.append(child)
    labels = set()
    for route in routes:
        router = index.canonical(route.router) if route.router else None
        if (router or route.router) in tree:
            methods = ",".join(route.methods)
            labels.add(f"{methods} {route.path}" if route.path else f"{methods} {route.handler}")
    return labels


def _buffered(
    fact: Middleware,
    entry: CompressionMiddleware,
    installed: Sequence[InstalledVersion],
    streams: Sequence[ResponseConstruction],
) -> BufferingMiddleware | None:
    behaviours: list[Behaviour] = []
    for version in installed:
        behaviour = _behaviour(entry, version.versions)
        if behaviour is None:
            return None  # a version the table does not cover, or a range across a boundary
        behaviours.append(behaviour)
    held = [s for s in streams if all(_holds_back(b, fact, entry, s) is True for b in behaviours)]
    if not held:
        return None
    held.sort(key=_place)
    example = held[0].evidence.location
    versions = list(dict.fromkeys(v.shown for v in installed))
    return BufferingMiddleware(
        evidence=fact.evidence,
        name=fact.name,
        library=entry.package,
        version=" and ".join(versions),
        version_source=_sources(installed),
        media_types=tuple(sorted({s.media_type or "no media type" for s in held})),
        streams=len(held),
        example=f"{example.path}:{example.line}",
        reason="; ".join(dict.fromkeys(b.reason for b in behaviours)),
    )


def _sources(installed: Sequence[InstalledVersion]) -> str:
    """`requirements.txt:3 and requirements-dev.txt:3`, or `required by fastapi==0.115.8,
    requirements.txt:11`, one group per implying pin."""
    places: dict[str, list[str]] = {}
    for version in installed:
        places.setdefault(version.via, []).append(version.at)
    groups = []
    for via, ats in places.items():
        where = " and ".join(dict.fromkeys(ats))
        groups.append(f"{via}, {where}" if via else where)
    return "; ".join(groups)


def _behaviour(entry: CompressionMiddleware, versions: VersionRange) -> Behaviour | None:
    for behaviour in entry.behaviours:
        if within(versions, behaviour.start, behaviour.end) is True:
            return behaviour
    return None


def _holds_back(
    behaviour: Behaviour,
    fact: Middleware,
    entry: CompressionMiddleware,
    stream: ResponseConstruction,
) -> bool | None:
    """Whether the middleware, behaving so, holds back this stream (None: cannot tell)."""
    if behaviour.buffers == "none" or not _carries_output(stream):
        return False
    if not stream.headers_known:
        return None  # a header set out of sight (Content-Encoding) may make it skip the body
    if entry.skips_encoded and any(h.name == "content-encoding" for h in stream.headers):
        return False
    if behaviour.buffers == "sync":
        return None if stream.content_async is None else not stream.content_async
    if not stream.media_type_known:
        return None if behaviour.except_media_types or behaviour.buffers == "listed" else True
    if behaviour.buffers == "all":
        return stream.media_type not in behaviour.except_media_types
    # `listed` (Flask-Compress): a 2xx stream whose media type is in the compressed list, with
    # stream compression on.
    if not fact.config_known:
        return None
    if behaviour.streams_option and fact.streams_option is False:
        return False
    if stream.status_code is None:
        return None
    if not 200 <= stream.status_code < 300:
        return False
    if stream.media_type is None:
        return None  # the class's default mimetype: left unjudged
    listed = fact.media_types if fact.media_types is not None else behaviour.media_types
    return stream.media_type in (listed or ())


def _carries_output(stream: ResponseConstruction) -> bool:
    """A token stream (SSE, NDJSON, text/plain, ...), or one whose generator is seen writing
    frames or calling a model; not a file download or a CSV export."""
    if stream.media_type in token_stream_media_types():
        return True
    return stream.frames is not None or stream.multi_step is not None


def _contains(folder: str, inner: str) -> bool:
    return folder == "" or inner == folder or inner.startswith(folder + "/")


def _folder_of(fact: Fact) -> str:
    return posixpath.dirname(fact.evidence.location.path)


def _at(fact: Fact) -> str:
    location = fact.evidence.location
    return f"{location.path}:{location.line}"


def _place(fact: Fact) -> tuple[str, int, int]:
    location = fact.evidence.location
    return (location.path, location.line, location.column)
