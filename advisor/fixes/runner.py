"""Apply the fixes of a whole project, verified, in rounds until nothing is left to fix.

A round asks every fixable finding's transformation for its edits, file by file; the edits of
one file are applied together in one libcst pass. Two fixes whose edits overlap cannot both be
applied to the same text: the first in the findings' order (path, line, column, code) wins and
the other waits for the next round, when the project is analysed again and the other finding,
if it is still there, is fixed on the new text. A file whose rewrite does not parse again is put
back as it was, left out of later rounds and reported; so is a file that still changes after
the last round (fixes that do not converge). Nothing is written here: the caller gets the new
bytes of each file and the analysis of the project as it will be.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from advisor.engine import Result, analyze_sources
from advisor.fixes import registry
from advisor.fixes.imports import add_imports
from advisor.fixes.tree import Declined, Edits, FixRequest, SourceTree
from advisor.model import Evidence, Finding, Location
from advisor.policy.catalog import Catalog
from advisor.records import record
from advisor.settings import Settings

MAX_ROUNDS = 6
"""Fixes of different rules may touch the same node (a media type, then the headers of the
same response): each needs a round of its own. More rounds than this means a transformation
keeps changing what it already changed."""


@record
class Change:
    """A fix applied (or that would be applied) to a finding."""

    path: str
    line: int
    column: int
    code: str
    title: str
    safe: bool


@record
class NotFixed:
    """A finding whose rule has a fix that was not applied, and why."""

    path: str
    line: int
    column: int
    code: str
    reason: str


@record
class Failure:
    """A file left as it was because fixing it went wrong."""

    path: str
    reason: str


@dataclass
class FixOutcome:
    original: dict[str, bytes] = field(default_factory=dict)
    """The bytes each changed file had."""
    fixed: dict[str, bytes] = field(default_factory=dict)
    """Their new bytes (only files that change)."""
    changes: list[Change] = field(default_factory=list)
    not_fixed: list[NotFixed] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    result: Result | None = None
    """The analysis of the project with the fixed files."""

    @property
    def fixed_count(self) -> int:
        return len(self.changes)


def wanted(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.safe or unsafe)


def fix_project(
    result: Result,
    analyse: Callable[[Mapping[str, bytes]], Result],
    read: Callable[[str], bytes],
    *,
    unsafe: bool,
    max_rounds: int = MAX_ROUNDS,
) -> FixOutcome:
    """Fix what `result` reports. `analyse(overlay)` analyses the project with some files'
    content replaced; `read(path)` gives a file's bytes (paths as findings give them)."""
    outcome = FixOutcome()
    overlay: dict[str, bytes] = {}
    excluded: set[str] = set()
    declined: dict[tuple[str, int, int, str, str], str] = {}
    applied: dict[str, list[Change]] = {}
    changed_last: set[str] = set()
    for _ in range(max_rounds):
        requests = _requests(result, unsafe, excluded)
        changed_last = set()
        for path in sorted(requests):
            if path not in overlay and path not in outcome.original:
                try:
                    outcome.original[path] = read(path)
                except OSError as exc:
                    outcome.failures.append(Failure(path, f"cannot read: {exc.strerror or exc}"))
                    excluded.add(path)
                    continue
            current = overlay.get(path, outcome.original[path])
            rewritten = fix_file(current, requests[path], unsafe=unsafe)
            for finding, reason in rewritten.declined:
                declined[_key(finding)] = reason
            if rewritten.failure is not None:
                outcome.failures.append(Failure(path, rewritten.failure))
                excluded.add(path)
                applied.pop(path, None)
                if overlay.pop(path, None) is not None:
                    changed_last.add(path)
                continue
            if rewritten.data is not None and rewritten.data != current:
                overlay[path] = rewritten.data
                applied.setdefault(path, []).extend(rewritten.changes)
                changed_last.add(path)
        if not changed_last:
            break
        result = analyse(dict(overlay))
    else:
        if changed_last:  # still changing after the last round: give those files up
            for path in sorted(changed_last):
                if path in overlay:
                    del overlay[path]
                    applied.pop(path, None)
                    excluded.add(path)
                    outcome.failures.append(
                        Failure(path, f"fixes still change the file after {max_rounds} rounds")
                    )
            result = analyse(dict(overlay))
    outcome.result = result
    outcome.fixed = {path: data for path, data in overlay.items() if data != outcome.original[path]}
    outcome.original = {path: outcome.original[path] for path in outcome.fixed}
    outcome.changes = sorted(
        (c for path in outcome.fixed for c in applied.get(path, ())),
        key=lambda c: (c.path, c.line, c.column, c.code),
    )
    failed = {f.path for f in outcome.failures}
    for finding in result.findings:
        if finding.fix is None:
            continue
        loc = finding.location
        if loc.path in failed:
            reason = "the file could not be fixed (see above)"
        elif not finding.fix.safe and not unsafe:
            reason = f"unsafe fix, applied with --unsafe-fixes: {finding.fix.title}"
        else:
            reason = declined.get(_key(finding), "the fix did not remove the finding")
        outcome.not_fixed.append(NotFixed(loc.path, loc.line, loc.column, finding.code, reason))
    return outcome


def _key(finding: Finding) -> tuple[str, int, int, str, str]:
    loc = finding.location
    return (loc.path, loc.line, loc.column, finding.code, finding.message)


def _requests(result: Result, unsafe: bool, excluded: set[str]) -> dict[str, list[FixRequest]]:
    by_file: dict[str, list[FixRequest]] = {}
    for finding in result.findings:
        path = finding.location.path
        if not wanted(finding, unsafe) or path in excluded or not path.endswith(".py"):
            continue
        by_file.setdefault(path, []).append(FixRequest(finding, targets(finding)))
    return by_file


def targets(finding: Finding) -> tuple[Location, ...]:
    """The places the fix edits: the evidence its declaration names, else the finding's."""
    fix = finding.fix
    if fix is None or fix.target is None:
        return (finding.evidence.location,)
    value: object = finding.fact
    for name in fix.target:
        value = getattr(value, name, None)
    if isinstance(value, Evidence):
        return (value.location,)
    if isinstance(value, tuple):
        return tuple(v.location for v in value if isinstance(v, Evidence))
    return ()


@dataclass
class FileRewrite:
    data: bytes | None = None
    changes: list[Change] = field(default_factory=list)
    declined: list[tuple[Finding, str]] = field(default_factory=list)
    failure: str | None = None


def fix_file(data: bytes, requests: Sequence[FixRequest], *, unsafe: bool = True) -> FileRewrite:
    """Apply the fixes of one file in one pass (those that do not overlap an earlier one)."""
    outcome = FileRewrite()
    try:
        tree = SourceTree(data)
    except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
        outcome.failure = f"libcst cannot parse the file: {_first_line(exc)}"
        return outcome
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    table: dict[int, cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]] = {}
    keep: list[cst.CSTNode] = []
    imports: list[str] = []
    for request in sorted(requests, key=lambda r: r.finding.sort_key):
        edits = _edits(request, tree)
        if isinstance(edits, Declined):
            outcome.declined.append((request.finding, edits.reason))
            continue
        if edits.unsafe is not None and not unsafe:
            reason = f"unsafe here ({edits.unsafe}), applied with --unsafe-fixes"
            outcome.declined.append((request.finding, reason))
            continue
        spans = [_span(tree, r.node) for r in edits.replacements]
        if any(_overlaps(a, b) for a in spans for b in taken):
            continue  # another fix changes this code: next round, on the new text
        if all(_unchanged(tree, r.node, r.new) for r in edits.replacements):
            outcome.declined.append((request.finding, "the fix would change nothing"))
            continue
        taken.extend(spans)
        for replacement in edits.replacements:
            table[id(replacement.node)] = replacement.new
            keep.append(replacement.node)
        imports.extend(edits.imports)
        loc = request.finding.location
        outcome.changes.append(
            Change(
                loc.path,
                loc.line,
                loc.column,
                request.finding.code,
                request.fix.title,
                request.fix.safe and edits.unsafe is None,
            )
        )
    if not table:
        outcome.data = data
        return outcome
    try:
        module = tree.module.visit(_Replace(table))
        if imports:
            module = add_imports(module, imports)
        rewritten = module.bytes
    except Exception as exc:  # a transformation built a tree libcst cannot print
        outcome.failure = f"the rewritten code cannot be generated: {_first_line(exc)}"
        return outcome
    problem = parse_problem(rewritten)
    if problem is not None:
        codes = ", ".join(sorted({c.code for c in outcome.changes}))
        outcome.failure = f"the fixed code ({codes}) does not parse: {problem}"
        return outcome
    outcome.data = rewritten
    return outcome


def _edits(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    try:
        transform = registry.load(request.fix.transform)
    except (KeyError, ImportError, AttributeError) as exc:
        return Declined(f"no transformation '{request.fix.transform}': {exc}")
    if not request.targets:
        return Declined("the finding does not say where to edit")
    if any(t.path != request.finding.location.path for t in request.targets):
        return Declined("the code to edit is in another file than the finding")
    try:
        edits = transform(request, tree)
    except Exception as exc:  # a bug in one transformation must not stop the others
        return Declined(f"the transformation failed: {type(exc).__name__}: {_first_line(exc)}")
    if not isinstance(edits, Edits | Declined):
        return Declined("the transformation returned nothing usable")
    return edits


def parse_problem(data: bytes) -> str | None:
    """Why `data` is not a Python module the stdlib parser accepts (None when it is)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return _first_line(exc)
    return None


def _span(tree: SourceTree, node: cst.CSTNode) -> tuple[tuple[int, int], tuple[int, int]]:
    span = tree.span(node)
    return (span.start.line, span.start.column), (span.end.line, span.end.column)


def _overlaps(
    a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]
) -> bool:
    if a == b:
        return True
    return a[0] < b[1] and b[0] < a[1]


def _unchanged(
    tree: SourceTree, node: cst.CSTNode, new: cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]
) -> bool:
    if isinstance(new, cst.FlattenSentinel):
        return False
    return node.deep_equals(new)


class _Replace(cst.CSTTransformer):
    """Puts each replacement where its original node was (by identity)."""

    def __init__(self, table: Mapping[int, cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]]):
        super().__init__()
        self.table = table

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        return self.table.get(id(original_node), updated_node)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def fix_sources(
    sources: Mapping[str, bytes],
    settings: Settings,
    catalog: Catalog | None = None,
    *,
    unsafe: bool = True,
    max_rounds: int = MAX_ROUNDS,
) -> FixOutcome:
    """Fix in-memory files (`{relative path: bytes}`): the rule examples' harness uses this."""
    files = dict(sources)

    def analyse(overlay: Mapping[str, bytes]) -> Result:
        return analyze_sources({**files, **overlay}, settings, catalog)

    return fix_project(
        analyse({}), analyse, lambda path: files[path], unsafe=unsafe, max_rounds=max_rounds
    )
