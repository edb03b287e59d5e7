"""A module parsed with libcst, with what transformations need to find and build nodes.

Detection reads the stdlib `ast`; a finding's evidence carries the positions `ast` gave (line,
1-based character column, end line and end column). libcst's PositionProvider gives the same
positions for the same expressions and statements (its columns are 0-based characters), so a
node is found again by its exact span, and by its type, which tells a call from the name it
calls when both start at the same place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeVar

import libcst as cst
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
)

from advisor.fixes.edit import LINE_LENGTH, one_per_line
from advisor.model import Fact, Finding, Fix, Location
from advisor.records import record

N = TypeVar("N", bound=cst.CSTNode)
C = TypeVar("C", cst.Call, cst.Dict)

SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@record
class FixRequest:
    """One finding to fix: its fix declaration and fact, and the places to edit."""

    finding: Finding
    targets: tuple[Location, ...]

    @property
    def fix(self) -> Fix:
        assert self.finding.fix is not None
        return self.finding.fix

    @property
    def fact(self) -> Fact | None:
        return self.finding.fact


@record
class Replacement:
    """Put `new` where `node` (a node of the parsed tree) is. A statement may be replaced by
    several (`cst.FlattenSentinel`)."""

    node: cst.CSTNode
    new: cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]


@record
class Edits:
    """What one fix changes: its replacements (never nested in one another) and the modules it
    needs imported (`import json`)."""

    replacements: tuple[Replacement, ...]
    imports: tuple[str, ...] = ()
    unsafe: str | None = None
    """Why this particular change may alter behaviour, when the fix is safe elsewhere (it is
    then applied only with `--unsafe-fixes`); a fix declared unsafe is unsafe everywhere."""


@record
class Declined:
    """The transformation will not touch this finding, and why (shown by `--show-fixes`)."""

    reason: str


class SourceTree:
    """One parsed module: positions, parents and qualified names of its nodes."""

    def __init__(self, data: bytes) -> None:
        self.wrapper = MetadataWrapper(cst.parse_module(data))
        self.module = self.wrapper.module

    @cached_property
    def positions(self) -> dict[cst.CSTNode, CodeRange]:
        return dict(self.wrapper.resolve(PositionProvider))

    @cached_property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        return dict(self.wrapper.resolve(ParentNodeProvider))

    def find(self, location: Location, types: tuple[type[N], ...]) -> N | None:
        """The node of one of `types` whose span is the location's (the outermost one when the
        location has no end)."""
        line, column = location.line, location.column - 1
        matches = [
            node
            for node, span in self.positions.items()
            if isinstance(node, types) and span.start.line == line and span.start.column == column
        ]
        if location.end_line is not None and location.end_column is not None:
            end = (location.end_line, location.end_column - 1)
            matches = [
                n
                for n in matches
                if (self.positions[n].end.line, self.positions[n].end.column) == end
            ]
        if not matches:
            return None
        return max(matches, key=lambda n: self._span_length(n))

    def _span_length(self, node: cst.CSTNode) -> tuple[int, int]:
        span = self.positions[node]
        return (span.end.line - span.start.line, span.end.column - span.start.column)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def enclosing(self, node: cst.CSTNode, types: tuple[type[N], ...]) -> N | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, types):
                return ancestor
        return None

    def statement(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        """The statement (simple line or compound) that contains `node`."""
        for ancestor in (node, *self.ancestors(node)):
            if isinstance(ancestor, cst.BaseStatement):
                return ancestor
        return None

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """What a name or attribute refers to through the module's imports."""
        return self._qualified.get(node, set())

    @cached_property
    def _qualified(self) -> dict[cst.CSTNode, set[str]]:
        resolved: Mapping[cst.CSTNode, Any] = self.wrapper.resolve(QualifiedNameProvider)
        found: dict[cst.CSTNode, set[str]] = {}
        for node, names in resolved.items():
            value = names() if callable(names) else names  # libcst computes some lazily
            found[node] = {q.name for q in value if isinstance(q, QualifiedName)}
        return found

    def span(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    @cached_property
    def lines(self) -> list[str]:
        return self.module.code.splitlines()

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def grown(self, old: C, new: C) -> C:
        """`new` (a call or dict literal that replaces `old`), laid out one item per line when
        a line it is written on would get longer than LINE_LENGTH."""
        span = self.span(old)
        first, last = self.line(span.start.line), self.line(span.end.line)
        statement = self.statement(old)
        top = self.line(self.span(statement).start.line) if statement is not None else first
        block = _indentation(top)
        code = self.code(new).split("\n")
        lines = [first[: span.start.column] + code[0]]
        lines += [block + line for line in code[1:]]
        lines[-1] += last[span.end.column :]
        if max(len(line.rstrip("\r")) for line in lines) <= LINE_LENGTH:
            return new
        base = _indentation(first)[len(block) :]
        laid_out = one_per_line(new, base, self.module.default_indent)
        assert isinstance(laid_out, type(new))
        return laid_out

    @cached_property
    def identifiers(self) -> frozenset[str]:
        """Every name written in the module (fresh names avoid all of them)."""
        return frozenset(n.value for n in self.positions if isinstance(n, cst.Name))

    def fresh(self, base: str, taken: Sequence[str] = ()) -> str:
        """`base`, or `base_2`, `base_3`... : a name the module does not use anywhere."""
        name, number = base, 1
        while name in self.identifiers or name in taken:
            number += 1
            name = f"{base}_{number}"
        return name

    def module_import(self, module: str) -> str | None:
        """How `module` can be named here: the name of a top-level `import module` (or
        `import module as alias`); None when it is not imported that way. A name that means
        something else in the module makes the import impossible: "" then."""
        for statement in self.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if not isinstance(small, cst.Import):
                    continue
                for alias in small.names:
                    if _dotted(alias.name) == module:
                        if alias.asname is None:
                            return module
                        target = alias.asname.name
                        if isinstance(target, cst.Name):
                            return target.value
        return "" if module in self.identifiers else None

    def quote_in(self, node: cst.CSTNode) -> str:
        """The quote of the first plain string literal in `node`, else the module's."""
        for child in (node, *walk_scope(node)):
            if isinstance(child, cst.SimpleString) and child.quote in ('"', "'"):
                return child.quote
        return self.quote

    @cached_property
    def quote(self) -> str:
        """The quote most string literals of the module use."""
        double = single = 0
        for node in self.positions:
            if isinstance(node, cst.SimpleString):
                if node.quote.startswith('"'):
                    double += 1
                elif node.quote.startswith("'"):
                    single += 1
        return "'" if single > double else '"'


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def string_literal(text: str, quote: str) -> cst.SimpleString:
    """A plain string literal of `text` (ASCII printable text, no quote of that kind)."""
    return cst.SimpleString(f"{quote}{text}{quote}")


def literal_text(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, or None."""
    if not isinstance(node, cst.SimpleString):
        return None
    prefix = node.prefix.lower()
    if "b" in prefix or "f" in prefix:
        return None
    value = node.evaluated_value
    return value if isinstance(value, str) else None


def walk_scope(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes under `root` (not `root`), without entering nested functions, classes and
    lambdas (which are yielded themselves)."""
    stack = list(reversed(root.children))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, SCOPES):
            stack.extend(reversed(node.children))


def bound_names(target: cst.CSTNode) -> Iterator[str]:
    """Names an assignment target binds (`a`, `a, b`, `[a, *b]`)."""
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            yield node.value
        elif isinstance(node, cst.Tuple | cst.List):
            stack.extend(e.value for e in node.elements)
        elif isinstance(node, cst.StarredElement):
            stack.append(node.value)
        elif isinstance(node, cst.AsName):
            stack.append(node.name)


def bindings(function: cst.FunctionDef, name: str) -> list[cst.CSTNode] | None:
    """The statements of `function` that bind `name` (an assignment, a loop or `with`
    target, a walrus, an import, a nested definition...); None when `name` is a parameter or
    declared global or nonlocal, which makes it not the function's own."""
    params = function.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    extra = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    if any(p.name.value == name for p in (*every, *extra)):
        return None
    found: list[cst.CSTNode] = []
    for node in walk_scope(function.body):
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.Global | cst.Nonlocal):
            if any(n.name.value == name for n in node.names):
                return None
        elif isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor):
            targets = [node.target]
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            targets = [node.asname]
        elif isinstance(node, cst.NamedExpr):
            targets = [node.target]
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            targets = [node.name]
        elif isinstance(node, cst.Del):
            targets = [node.target]
        elif isinstance(node, cst.Import | cst.ImportFrom) and not isinstance(
            node.names, cst.ImportStar
        ):
            for alias in node.names:
                local = alias.asname.name if alias.asname is not None else alias.name
                if (isinstance(local, cst.Name) and local.value == name) or (
                    isinstance(local, cst.Attribute) and _dotted(local).split(".")[0] == name
                ):
                    found.append(node)
        elif isinstance(node, cst.FunctionDef | cst.ClassDef) and node.name.value == name:
            found.append(node)
        if any(n == name for t in targets for n in bound_names(t)):
            found.append(node)
    return found
