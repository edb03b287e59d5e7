"""One traversal per module feeds every detector (as Fixit batches its visitors).

The walk is iterative (deeply nested code cannot overflow the interpreter stack), keeps the
scope chain that name resolution needs, the loops around the current node, and whether it is
inside an `if __name__ == "__main__":` block; it skips statements that can never run. Detectors
subscribe to node types; nothing else is visited twice.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from advisor.facts.python.branches import (
    SCOPE_ROOTS,
    Branch,
    Remembered,
    remembered_branch_of,
)
from advisor.facts.python.nodes import child_nodes, fields_of, walk
from advisor.facts.python.scopes import Scope, walrus_lines
from advisor.model import (
    Edge,
    Entry,
    Evidence,
    Export,
    Fact,
    FunctionInfo,
    Location,
    ModuleInfo,
    Mount,
    Pending,
)
from advisor.read.python import PythonSource
from advisor.records import record
from advisor.tables import frameworks

_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
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


@record
class Loop:
    """A loop around the current node (within its function)."""

    node: ast.AST
    kind: str
    """`for`, `while`, `comprehension`, or `fan-out` (a function handed to `executor.map`,
    `df.apply` and the like runs once per item)."""
    iterable: ast.expr | None


@dataclass
class ModuleBuilder:
    """Call-graph material collected while walking one module."""

    module: str
    functions: list[FunctionInfo] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)

    def build(self) -> ModuleInfo:
        return ModuleInfo(
            module=self.module,
            functions=tuple(self.functions),
            edges=tuple(dict.fromkeys(self.edges)),
            entries=tuple(dict.fromkeys(self.entries)),
            exports=tuple(self.exports),
            mounts=tuple(self.mounts),
            pending=tuple(self.pending),
        )


@dataclass
class Context:
    """What a detector knows at the node it is looking at."""

    path: str
    source: PythonSource
    scope: Scope
    module: ModuleBuilder
    functions: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...] = ()
    """The enclosing functions, innermost first."""
    loops: tuple[Loop, ...] = ()
    """Loops around the node, innermost last (reset in each function)."""
    main_guard: bool = False
    """Inside `if __name__ == "__main__":`."""
    facts: list[Fact] = field(default_factory=list)
    parents: dict[int, ast.AST] = field(default_factory=dict)
    """The parent of every node the walk has entered so far, whichever scope it is in: all
    the ancestors of the node being looked at, without a second walk of its scope
    (`Scope.parents`, which also holds the nodes not reached yet, costs one)."""

    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    """`signature_span` of the functions asked about."""
    branches: Remembered = field(default_factory=dict)

    def branch(self, node: ast.AST) -> Branch:
        """`branch_of` the node being looked at (or any node the walk has entered)."""
        return remembered_branch_of(node, self.parents, SCOPE_ROOTS, self.branches)

    @property
    def signatures(self) -> tuple[tuple[int, int], ...]:
        """Line spans of the signatures of the enclosing functions (suppression anchors):
        found when a fact needs them, not for every function."""
        found = []
        for function in self.functions:
            span = self.spans.get(id(function))
            if span is None:
                span = self.spans[id(function)] = signature_span(function, self.source)
            found.append(span)
        return tuple(found)

    callers: dict[tuple[int, bool], str] = field(default_factory=dict)
    """`caller` of each scope: one string for all the edges of a function (stored once, not
    once per edge, when the summary is pickled)."""

    @property
    def caller(self) -> str:
        """The call-graph symbol of the code being walked."""
        key = (id(self.scope), self.main_guard)
        found = self.callers.get(key)
        if found is None:
            if self.scope.qualname:
                found = f"{self.module.module}.{self.scope.qualname}"
            elif self.main_guard:
                found = f"{self.module.module}.__main__"
            else:
                found = self.module.module
            self.callers[key] = found
        return found

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
            function=self.scope.qualname or ("__main__" if self.main_guard else None),
        )


class Detector(Protocol):
    """Looks at the nodes it subscribes to and appends facts to the context."""

    node_types: tuple[type[ast.AST], ...]

    def visit(self, node: ast.AST, context: Context) -> None: ...


class Finisher(Protocol):
    """A detector with work to do once the whole module has been walked."""

    def finish(self, context: Context) -> None: ...


def signature_span(
    node: ast.FunctionDef | ast.AsyncFunctionDef, source: PythonSource
) -> tuple[int, int]:
    """Lines from `def` to the colon that ends the signature, however it is wrapped."""
    last = node.lineno
    for part in (*walk(node.args), node.returns):
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
    for name in fields_of(type(node)):
        value = getattr(node, name, None)
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


def fan_out_loop(call: ast.Call, scope: Scope) -> Loop | None:
    """`executor.map(f, items)`, `map(f, items)`, `df["x"].apply(f)`: the function passed first
    runs once per item (the table in advisor/data/frameworks.yaml)."""
    table = frameworks()
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr not in table.fan_out_methods:
            return None
    elif isinstance(func, ast.Name):
        binding = scope.single(func.id)
        name = binding.qualified if binding is not None and binding.kind == "import" else None
        if name is None and not scope.lookup(func.id):
            name = func.id  # a builtin
        if name not in table.fan_out_functions:
            return None
    else:
        return None
    if not call.args:
        return None
    return Loop(call, "fan-out", call.args[1] if len(call.args) > 1 else None)


def is_main_guard(node: ast.AST) -> bool:
    """`if __name__ == "__main__":`."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    sides = [test.left, *test.comparators]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq) and bool(names and mains)


class _State(NamedTuple):
    """The context a node is visited in. The children of most nodes share their parent's
    (one object for all of them); only definitions, loops, comprehensions, fan-out calls and
    the main guard make a new one."""

    scope: Scope
    functions: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]
    loops: tuple[Loop, ...]
    main_guard: bool


_LEAVES: dict[type[ast.AST], tuple[type[ast.AST], ...]] = {
    ast.Constant: (),
    ast.Name: (),
    ast.alias: (),
    ast.Import: (ast.alias,),
    ast.ImportFrom: (ast.alias,),
    ast.Pass: (),
    ast.Break: (),
    ast.Continue: (),
    ast.Global: (),
    ast.Nonlocal: (),
}
"""Nodes with nothing below them that a detector visits (each with the node types that can be
below it): never entered unless a detector asks for one of those types. Import statements are
read by the scopes (advisor/facts/python/scopes.py), not by the walk."""
_NEVER_WALKED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
"""Read as `node.ctx` / `node.op`, never visited (advisor/facts/python/nodes.py)."""


def run_detectors(
    path: str, source: PythonSource, module: str, detectors: Sequence[Detector]
) -> tuple[list[Fact], ModuleInfo]:
    dispatch: dict[type[ast.AST], list[Callable[[ast.AST, Context], None]]] = {}
    for detector in detectors:
        for node_type in detector.node_types:
            dispatch.setdefault(node_type, []).append(detector.visit)

    if any(issubclass(t, _NEVER_WALKED) for t in dispatch):
        raise TypeError("a detector subscribes to contexts or operators, which are not walked")
    leaves = frozenset(
        leaf
        for leaf, below in _LEAVES.items()
        if not any(issubclass(d, t) for d in dispatch for t in (leaf, *below))
    )
    package = module if path.endswith("__init__.py") else None
    module_scope = Scope(
        source.tree, None, module, package=package, walrus=walrus_lines(source.text)
    )
    context = Context(path, source, module_scope, ModuleBuilder(module))
    stack: list[tuple[ast.AST, _State]] = [(source.tree, _State(module_scope, (), (), False))]
    parents = context.parents
    current: _State | None = None
    while stack:
        node, state = stack.pop()
        if state is not current:
            current = state
            context.scope, context.functions, context.loops, context.main_guard = state
        for handler in dispatch.get(node.__class__, ()):
            handler(node, context)
        children = _children(node, state, leaves)
        for child, _ in children:
            parents[id(child)] = node
        stack.extend(reversed(children))
    for detector in detectors:
        finish = getattr(detector, "finish", None)
        if finish is not None:
            finish(context)
    return context.facts, context.module.build()


def _children(
    node: ast.AST, state: _State, leaves: frozenset[type[ast.AST]] = frozenset()
) -> list[tuple[ast.AST, _State]]:
    """The nodes to visit below `node` (not the dead ones), each with its context. A node's
    type is looked up once (this runs for every node of every module analysed)."""
    found = child_nodes(node, leaves)
    if node.__class__ in _BLOCK_TYPES:
        dead = unreachable(node)
        if dead:
            found = [child for child in found if id(child) not in dead]
    special = _SPECIAL.get(node.__class__)
    if special is None:
        return [(child, state) for child in found]
    scope, functions, loops, main = state
    if special == "scope":
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
        inner_functions = functions
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inner_functions = (node, *functions)
        body = node.body if isinstance(node.body, list) else [node.body]
        body_ids = {id(child) for child in body}
        # A lambda runs where it is used, typically right there (`executor.map(lambda r: ...)`),
        # so its body keeps the loops around it; a function's body starts afresh.
        is_lambda = isinstance(node, ast.Lambda)
        inner = _State(
            scope.child(node), inner_functions, loops if is_lambda else (), main and is_lambda
        )
        # decorators, defaults and bases run in the scope around the definition
        return [(child, inner if id(child) in body_ids else state) for child in found]
    if special == "loop":
        assert isinstance(node, ast.For | ast.AsyncFor | ast.While)
        kind = "while" if isinstance(node, ast.While) else "for"
        looped = _State(
            scope, functions, (*loops, Loop(node, kind, getattr(node, "iter", None))), main
        )
        inside = {id(child) for child in node.body}
        if isinstance(node, ast.While):  # the condition runs on every turn, like the body
            inside.add(id(node.test))
        return [(child, looped if id(child) in inside else state) for child in found]
    if special == "comprehension":
        assert isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp)
        loop = Loop(node, "comprehension", node.generators[0].iter)
        looped = _State(scope, functions, (*loops, loop), main)
        return [(child, looped) for child in found]
    if special == "call":
        assert isinstance(node, ast.Call)
        if node.args and isinstance(node.args[0], ast.Lambda):
            fan_out = fan_out_loop(node, scope)
            if fan_out is not None:
                looped = _State(scope, functions, (*loops, fan_out), main)
                return [(child, looped if child is node.args[0] else state) for child in found]
        return [(child, state) for child in found]
    assert isinstance(node, ast.If)
    if scope.parent is None and not main and is_main_guard(node):
        guarded = _State(scope, functions, loops, True)
        body_ids = {id(child) for child in node.body}
        return [(child, guarded if id(child) in body_ids else state) for child in found]
    return [(child, state) for child in found]


_BLOCK_TYPES = frozenset(_BLOCKS)
_SPECIAL: dict[type[ast.AST], str] = {
    **dict.fromkeys(_SCOPE_NODES, "scope"),
    **dict.fromkeys((ast.For, ast.AsyncFor, ast.While), "loop"),
    **dict.fromkeys(_COMPREHENSIONS, "comprehension"),
    ast.Call: "call",
    ast.If: "if",
}
"""Node types whose children may be visited in another context than their own."""
