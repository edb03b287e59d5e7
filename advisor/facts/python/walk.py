"""One traversal per module feeds every detector (as Fixit batches its visitors).

The walk is iterative (deeply nested code cannot overflow the interpreter stack), keeps the
scope chain that name resolution needs, and gives detectors a `Context` that turns nodes into
evidence. Detectors subscribe to node types; nothing else is visited twice.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from advisor.facts.python.scopes import Scope
from advisor.model import Evidence, Fact, Location
from advisor.read.python import PythonSource

_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_TERMINATORS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_BLOCKS = (
    ast.Module,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.ExceptHandler,
    ast.match_case,
)


@dataclass
class Context:
    """What a detector knows at the node it is looking at."""

    path: str
    source: PythonSource
    scope: Scope
    signatures: tuple[tuple[int, int], ...] = ()
    """Line spans of the signatures of the enclosing functions (suppression anchors)."""
    facts: list[Fact] = field(default_factory=list)

    def location(self, node: ast.AST) -> Location:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None)
        end_offset = getattr(node, "end_col_offset", None)
        return Location(
            path=self.path,
            line=line,
            column=self.source.column(line, getattr(node, "col_offset", 0)),
            end_line=end_line,
            end_column=(
                self.source.column(end_line, end_offset)
                if end_line is not None and end_offset is not None
                else None
            ),
        )

    def evidence(self, node: ast.AST) -> Evidence:
        start = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or start
        return Evidence(
            location=self.location(node),
            snippet=self.source.snippet(node),
            anchors=((start, end), *self.signatures),
            function=self.scope.qualname or None,
        )


class Detector(Protocol):
    """Looks at the nodes it subscribes to and appends facts to the context."""

    node_types: tuple[type[ast.AST], ...]

    def visit(self, node: ast.AST, context: Context) -> None: ...


def signature_span(
    node: ast.FunctionDef | ast.AsyncFunctionDef, source: PythonSource
) -> tuple[int, int]:
    """Lines from `def` to the colon that ends the signature, however it is wrapped."""
    last = node.lineno
    for part in (*ast.walk(node.args), node.returns):
        end = getattr(part, "end_lineno", None)
        if end is not None:
            last = max(last, end)
    limit = node.body[0].lineno - 1 if node.body else last
    for line in range(last, max(limit, last) + 1):
        code = source.line_text(line).split("#", 1)[0].rstrip()
        if code.endswith(":"):
            return node.lineno, line
    return node.lineno, last


def unreachable(node: ast.AST) -> set[int]:
    """Statements of a block that can never run: after `return`/`raise`/`continue`/`break`,
    and the body of `if False:` / `while False:`. Findings in dead code would be noise."""
    dead: set[int] = set()
    for _, value in ast.iter_fields(node):
        if isinstance(value, list):
            for index, statement in enumerate(value):
                if isinstance(statement, _TERMINATORS):
                    dead.update(id(s) for s in value[index + 1 :])
                    break
    if isinstance(node, ast.If | ast.While):
        test = node.test
        if isinstance(test, ast.Constant) and not test.value:
            dead.update(id(s) for s in node.body)
    return dead


def run_detectors(
    path: str, source: PythonSource, module: str, detectors: Sequence[Detector]
) -> list[Fact]:
    dispatch: dict[type[ast.AST], list[Callable[[ast.AST, Context], None]]] = {}
    for detector in detectors:
        for node_type in detector.node_types:
            dispatch.setdefault(node_type, []).append(detector.visit)

    module_scope = Scope(source.tree, None, module)
    context = Context(path, source, module_scope)
    Frame = tuple[ast.AST, Scope, tuple[tuple[int, int], ...]]
    stack: list[Frame] = [(source.tree, module_scope, ())]
    while stack:
        node, scope, signatures = stack.pop()
        context.scope, context.signatures = scope, signatures
        for handler in dispatch.get(type(node), ()):
            handler(node, context)
        if isinstance(node, _SCOPE_NODES):
            inner = Scope(node, scope)
            inner_signatures = signatures
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner_signatures = (signature_span(node, source), *signatures)
            body = node.body if isinstance(node.body, list) else [node.body]
            body_ids = {id(child) for child in body}
            children: list[Frame] = [
                (child, inner, inner_signatures)
                if id(child) in body_ids
                else (child, scope, signatures)  # decorators, defaults, bases: outer scope
                for child in ast.iter_child_nodes(node)
            ]
        else:
            children = [(child, scope, signatures) for child in ast.iter_child_nodes(node)]
        if isinstance(node, _BLOCKS):
            dead = unreachable(node)
            if dead:
                children = [frame for frame in children if id(frame[0]) not in dead]
        stack.extend(reversed(children))
    return context.facts
