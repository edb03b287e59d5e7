"""Python scopes and the names they bind, computed lazily from `ast`.

Detectors ask "what is `client` here?" only for the rare calls they care about, so a scope's
bindings are collected the first time somebody asks, by a walk over that scope's own statements
(never into nested functions or classes). Resolution is deliberately conservative: a name bound
more than once, or bound by a loop, unpacking, `del` or a walrus, has no single value, and the
detectors then report nothing rather than guess.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property

from advisor.facts.python.nodes import child_nodes
from advisor.records import record

ScopeNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@record
class Binding:
    """One way a name is bound in a scope.

    kind: `import` (qualified holds the imported name), `value` (node is the assigned
    expression), `annotation` (node is the annotation, no value), `param` (node is the ast.arg),
    `def` / `class` (node is the definition), `opaque` (loops, unpacking, augmented assignment).
    """

    kind: str
    node: ast.AST | None
    scope: Scope
    qualified: str | None = None
    annotation: ast.expr | None = None


class Scope:
    def __init__(
        self,
        node: ScopeNode,
        parent: Scope | None,
        module: str = "",
        package: str | None = None,
        *,
        walrus: Sequence[int] | None = None,
    ) -> None:
        """`walrus`: the lines of the module where an assignment expression (`:=`) may be, in
        order (None: anywhere); a statement that spans none of them is not searched for one."""
        self.node = node
        self.parent = parent
        self.walrus: Sequence[int] | None = walrus if parent is None else parent.walrus
        self.memo: dict[object, object] = {} if parent is None else parent.memo
        """Answers computed once per module (scopes of nested definitions, factory results),
        shared by every scope of the module: resolution asks the same questions many times."""
        self.module: str = module if parent is None else parent.module
        self._lookups: dict[str, list[Binding]] = {}
        """`lookup`'s answers: a scope's bindings never change once collected, and the same
        few names (`self`, the module's imports) are asked about at nearly every call."""
        if parent is not None:
            self.package: str = parent.package
        else:  # the package relative imports start from: a module's parent, or itself if __init__
            self.package = package if package is not None else module.rpartition(".")[0]

    def child(self, node: ScopeNode) -> Scope:
        """The scope of a definition nested directly in this one (one instance per node)."""
        key = ("scope", id(node))
        found = self.memo.get(key)
        if not isinstance(found, Scope):
            found = Scope(node, self)
            self.memo[key] = found
        return found

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)

    @property
    def module_scope(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    @cached_property
    def qualname(self) -> str:
        if self.parent is None:
            return ""
        if isinstance(self.node, ast.Lambda):
            return self.parent.qualname  # a lambda's code belongs to the function around it
        name = getattr(self.node, "name", "")
        outer = self.parent.qualname
        return f"{outer}.{name}" if outer else name

    def method_of(self) -> tuple[ast.ClassDef, Scope] | None:
        """The class whose method this code is in (innermost), and the class's scope: what
        `self` means here."""
        scope: Scope | None = self
        while scope is not None and scope.enclosing_class is None:
            scope = scope.parent
        if scope is None or scope.parent is None or scope.enclosing_class is None:
            return None
        return scope.enclosing_class, scope.parent

    @cached_property
    def enclosing_class(self) -> ast.ClassDef | None:
        """The class a method belongs to (for `self.attr` resolution)."""
        if (
            self.is_function
            and self.parent is not None
            and isinstance(self.parent.node, ast.ClassDef)
        ):
            return self.parent.node
        return None

    @cached_property
    def _collected(self) -> tuple[dict[str, list[Binding]], frozenset[str]]:
        bindings: dict[str, list[Binding]] = {}
        declared_global: set[str] = set()
        collector = _Collector(self, bindings, declared_global)
        node = self.node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for arg in _arguments(node.args):
                bindings.setdefault(arg.arg, []).append(
                    Binding("param", arg, self, annotation=arg.annotation)
                )
            if isinstance(node, ast.Lambda):
                return bindings, frozenset()
        collector.statements(node.body)
        return bindings, frozenset(declared_global)

    @property
    def bindings(self) -> dict[str, list[Binding]]:
        return self._collected[0]

    def lookup(self, name: str) -> list[Binding]:
        """The bindings `name` refers to from this scope (local, enclosing functions, module)."""
        found = self._lookups.get(name)
        if found is None:
            found = self._lookups[name] = self._lookup(name)
        return found

    def _lookup(self, name: str) -> list[Binding]:
        scope: Scope | None = self
        first = True
        while scope is not None:
            bindings, declared_global = scope._collected
            if name in declared_global:
                return self.module_scope.bindings.get(name, [])
            # Class bodies are visible to their own statements only, not to their methods.
            if first or not isinstance(scope.node, ast.ClassDef):
                found = bindings.get(name)
                if found:
                    return found
            first = False
            scope = scope.parent
        return []

    @property
    def parents(self) -> dict[int, ast.AST]:
        """Parent of every node of this scope's own code (nested scopes' insides excluded)."""
        return self._index[0]

    def loads(self, name: str) -> list[ast.Name]:
        """Every place this scope's own code reads `name`."""
        return [n for n in self._index[1].get(name, ()) if isinstance(n.ctx, ast.Load)]

    @cached_property
    def _index(self) -> tuple[dict[int, ast.AST], dict[str, list[ast.Name]]]:
        parents: dict[int, ast.AST] = {}
        names: dict[str, list[ast.Name]] = {}
        stack: list[ast.AST] = [self.node]
        while stack:
            node = stack.pop()
            for child in child_nodes(node):
                parents[id(child)] = node
                if isinstance(child, ast.Name):
                    names.setdefault(child.id, []).append(child)
                elif not isinstance(child, _NESTED_SCOPES):
                    stack.append(child)
        return parents, names

    def single(self, name: str) -> Binding | None:
        """The binding of `name` if there is exactly one (else resolution stops)."""
        found = self.lookup(name)
        if len(found) == 1:
            return found[0]
        imports = {b.qualified for b in found if b.kind == "import"}
        if found and len(imports) == 1 and all(b.kind == "import" for b in found):
            return found[0]  # the same import in both arms of an `if`/`try`
        return None


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _arguments(args: ast.arguments) -> Iterator[ast.arg]:
    yield from args.posonlyargs
    yield from args.args
    if args.vararg:
        yield args.vararg
    yield from args.kwonlyargs
    if args.kwarg:
        yield args.kwarg


class _Collector:
    def __init__(
        self, scope: Scope, bindings: dict[str, list[Binding]], declared_global: set[str]
    ) -> None:
        self.scope = scope
        self.bindings = bindings
        self.declared_global = declared_global

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def opaque(self, target: ast.AST) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.add(node.id, Binding("opaque", node, self.scope))
            elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
                self.add(node.name, Binding("opaque", node, self.scope))
            elif isinstance(node, ast.MatchMapping) and node.rest:
                self.add(node.rest, Binding("opaque", node, self.scope))

    def statements(self, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.add(target.id, Binding("value", stmt.value, self.scope))
                elif isinstance(target, ast.Tuple | ast.List | ast.Starred):
                    self.opaque(target)
        elif isinstance(stmt, ast.AnnAssign):
            if isinstance(stmt.target, ast.Name):
                kind = "value" if stmt.value is not None else "annotation"
                node = stmt.value if stmt.value is not None else stmt.annotation
                self.add(
                    stmt.target.id, Binding(kind, node, self.scope, annotation=stmt.annotation)
                )
        elif isinstance(stmt, ast.AugAssign):
            self.opaque(stmt.target)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.add(alias.asname, Binding("import", stmt, self.scope, alias.name))
                else:
                    top = alias.name.split(".")[0]
                    self.add(top, Binding("import", stmt, self.scope, top))
        elif isinstance(stmt, ast.ImportFrom):
            base = self._import_base(stmt)
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                qualified = f"{base}.{alias.name}" if base else alias.name
                self.add(alias.asname or alias.name, Binding("import", stmt, self.scope, qualified))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self.add(stmt.name, Binding("def", stmt, self.scope))
        elif isinstance(stmt, ast.ClassDef):
            self.add(stmt.name, Binding("class", stmt, self.scope))
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            self.opaque(stmt.target)
            self.statements(stmt.body)
            self.statements(stmt.orelse)
        elif isinstance(stmt, ast.While | ast.If):
            self.statements(stmt.body)
            self.statements(stmt.orelse)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    # Clients and streams return themselves from __enter__.
                    self.add(item.optional_vars.id, Binding("value", item.context_expr, self.scope))
                elif item.optional_vars is not None:
                    self.opaque(item.optional_vars)
            self.statements(stmt.body)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self.statements(stmt.body)
            for handler in stmt.handlers:
                if handler.name:
                    self.add(handler.name, Binding("opaque", handler, self.scope))
                self.statements(handler.body)
            self.statements(stmt.orelse)
            self.statements(stmt.finalbody)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self.opaque(case.pattern)
                self.statements(case.body)
        elif isinstance(stmt, ast.Global):
            self.declared_global.update(stmt.names)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self.opaque(target)
        # Walrus targets bind in the enclosing function; they are rare in the code we read and
        # are treated as unknown by making the name ambiguous.
        if _may_hold_walrus(stmt, self.scope.walrus) and not isinstance(
            stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            for part in _expressions(stmt):
                if isinstance(part, ast.NamedExpr) and isinstance(part.target, ast.Name):
                    self.add(part.target.id, Binding("opaque", part, self.scope))

    def _import_base(self, stmt: ast.ImportFrom) -> str:
        module = stmt.module or ""
        if not stmt.level:
            return module
        package = self.scope.package.split(".") if self.scope.package else []
        # `from . import x` in a/b/c.py means package a.b; each extra dot goes one level up.
        up = stmt.level - 1
        parents = package[: len(package) - up] if len(package) >= up else []
        return ".".join(p for p in [*parents, module] if p)


def _may_hold_walrus(stmt: ast.stmt, lines: Sequence[int] | None) -> bool:
    if lines is None:
        return True
    first = bisect.bisect_left(lines, stmt.lineno)
    return first < len(lines) and lines[first] <= (stmt.end_lineno or stmt.lineno)


def walrus_lines(text: str) -> tuple[int, ...] | None:
    """The lines (1-based, in order) where `:=` appears in the text, in code or not: every
    assignment expression's operator is on one of them. None where a lone carriage return
    (which ends a line for the parser) makes counting line feeds wrong."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    lines: list[int] = []
    line, searched = 1, 0
    position = text.find(":=")
    while position >= 0:
        line += text.count("\n", searched, position)
        searched = position
        if not lines or lines[-1] != line:
            lines.append(line)
        position = text.find(":=", position + 2)
    return tuple(lines)


def _expressions(stmt: ast.stmt) -> Iterator[ast.AST]:
    """Expression nodes of a statement, without descending into nested statements/scopes."""
    stack: list[ast.AST] = [child for child in child_nodes(stmt) if not isinstance(child, ast.stmt)]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.Lambda | ast.comprehension):
            continue
        stack.extend(child_nodes(node))


def local_callee(func: ast.expr, scope: Scope) -> tuple[FunctionNode, Scope, bool] | None:
    """The function of this module a call runs: a name bound by `def` (`wait()`), or a method
    of the enclosing class (`self.wait()`); with the scope it is defined in and whether it is a
    method (its first parameter is `self`)."""
    if isinstance(func, ast.Name):
        binding = scope.single(func.id)
        if binding is not None and binding.kind == "def":
            node = binding.node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node, binding.scope, False
        return None
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
    ):
        owner = scope.method_of()
        if owner is None:
            return None
        cls, class_scope = owner
        found = [
            stmt
            for stmt in cls.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == func.attr
        ]
        if len(found) == 1:
            return found[0], class_scope, True
    return None
