"""Call-graph material of one module: its functions, who calls whom, and its entry points.

Callees are recorded as symbols the way this module names them (`app.llm.ask` for an imported
function); the project stage matches them with the functions of other modules. Entry points
where nobody waits (scripts, CLI commands, task workers, schedulers, background tasks) come from
decorators and registration calls listed in `advisor/data/frameworks.yaml`, always checked
against the receiver's class, so a look-alike method on an unrelated object is not taken for one.
"""

from __future__ import annotations

import ast

from advisor.facts.python.clients import infer_client, instance_class
from advisor.facts.python.scopes import Binding, Scope
from advisor.facts.python.values import attribute_chain, call_argument, qualified_name, string
from advisor.facts.python.walk import Context, is_main_guard
from advisor.model import Edge, Entry, Export, FunctionInfo, Mount
from advisor.tables import frameworks

FAN_OUT_METHODS = frozenset(
    {"map", "imap", "imap_unordered", "starmap", "map_async", "starmap_async", "apply"}
)
MOUNT_METHODS = {"include_router": "prefix", "register_blueprint": "url_prefix"}


def symbol_of(expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
    """The call-graph symbol `expr` names: a function or class of this module, an imported
    name, or a method of `self`'s class."""
    if depth > 8:
        return None
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None:
            return None
        if binding.kind in ("def", "class"):
            return _defined_symbol(binding)
        if binding.kind == "import":
            return binding.qualified
        if binding.kind == "value" and isinstance(binding.node, ast.Name | ast.Attribute):
            return symbol_of(binding.node, binding.scope, depth + 1)
        return None
    if isinstance(expr, ast.Attribute):
        owner = expr.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            method: Scope | None = scope
            while method is not None and method.enclosing_class is None:
                method = method.parent
            if method is not None and method.parent is not None:
                cls = method.enclosing_class
                assert cls is not None
                prefix = method.parent.qualname
                name = f"{prefix}.{cls.name}" if prefix else cls.name
                return f"{scope.module}.{name}.{expr.attr}"
            return None
        dotted = qualified_name(expr, scope)
        if dotted:
            return dotted
        owner_class = instance_class(owner, scope)
        if owner_class:
            return f"{owner_class}.{expr.attr}"
    return None


def _defined_symbol(binding: Binding) -> str:
    name = getattr(binding.node, "name", "")
    owner = binding.scope.qualname
    module = binding.scope.module
    return f"{module}.{owner}.{name}" if owner else f"{module}.{name}"


class GraphDetector:
    node_types: tuple[type[ast.AST], ...] = (
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Call,
        ast.If,
        ast.ClassDef,
    )

    def __init__(self) -> None:
        self._main_seen = False

    def visit(self, node: ast.AST, context: Context) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._function(node, context)
        elif isinstance(node, ast.Call):
            self._call(node, context)
        elif (
            isinstance(node, ast.If)
            and context.scope.parent is None
            and is_main_guard(node)
            and not self._main_seen
        ):
            self._main_seen = True
            context.module.functions.append(
                FunctionInfo(f"{context.module.module}.__main__", node.lineno, False, "script")
            )
        elif isinstance(node, ast.ClassDef) and node.name == frameworks().arq_class:
            self._arq_settings(node, context)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, context: Context) -> None:
        owner = context.scope.qualname
        qualname = f"{owner}.{node.name}" if owner else node.name
        entry = None
        for decorator in node.decorator_list:
            entry = entry or offline_decorator_kind(decorator, context.scope)
        context.module.functions.append(
            FunctionInfo(
                f"{context.module.module}.{qualname}",
                node.lineno,
                isinstance(node, ast.AsyncFunctionDef),
                entry,
            )
        )

    def _call(self, node: ast.Call, context: Context) -> None:
        scope = context.scope
        caller = context.caller
        looped = bool(context.loops)
        func = node.func
        registration = _offline_registration(node, scope)
        if registration is not None:
            target, kind = registration
            context.module.entries.append(Entry(target, kind, node.lineno))
            return
        if isinstance(func, ast.Attribute) and func.attr in MOUNT_METHODS:
            self._mount(node, func, context)
        callee = symbol_of(func, scope)
        if callee is not None:
            context.module.edges.append(Edge(caller, callee, node.lineno, looped))
        fan_out = (isinstance(func, ast.Attribute) and func.attr in FAN_OUT_METHODS) or (
            isinstance(func, ast.Name) and func.id == "map" and not scope.lookup("map")
        )
        references = [*node.args, *(kw.value for kw in node.keywords)]
        for index, argument in enumerate(references):
            if not isinstance(argument, ast.Name | ast.Attribute):
                continue
            referenced = symbol_of(argument, scope)
            if referenced is not None and _is_function_reference(argument, scope):
                context.module.edges.append(
                    Edge(caller, referenced, node.lineno, looped or (fan_out and index == 0))
                )

    def _mount(self, node: ast.Call, func: ast.Attribute, context: Context) -> None:
        parent = symbol_of(func.value, context.scope) or _module_level_name(func.value, context)
        child_expr = node.args[0] if node.args else call_argument(node, "router", None)
        child = symbol_of(child_expr, context.scope) if child_expr is not None else None
        if child is None and child_expr is not None:
            child = _module_level_name(child_expr, context)
        prefix = string(call_argument(node, MOUNT_METHODS[func.attr], None), context.scope)
        if parent and child:
            context.module.mounts.append(
                Mount(parent, child, prefix if isinstance(prefix, str) else None, node.lineno)
            )

    def _arq_settings(self, node: ast.ClassDef, context: Context) -> None:
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign):
                continue
            for target in stmt.targets:
                kind = frameworks().arq_attributes.get(getattr(target, "id", ""))
                if kind is None or not isinstance(stmt.value, ast.List | ast.Tuple):
                    continue
                for element in stmt.value.elts:
                    function = (
                        element.args[0]
                        if isinstance(element, ast.Call) and element.args
                        else element
                    )
                    symbol = symbol_of(function, context.scope)
                    if symbol:
                        context.module.entries.append(Entry(symbol, kind, stmt.lineno))

    def finish(self, context: Context) -> None:
        module = context.module
        if not any(f.symbol == module.module for f in module.functions):
            first_line = context.source.line_text(1)
            script = first_line.startswith("#!") and "python" in first_line
            module.functions.append(
                FunctionInfo(module.module, 1, False, "script" if script else None)
            )
        module.exports.extend(_exports(context))


def _is_function_reference(expr: ast.expr, scope: Scope) -> bool:
    """A name that (probably) holds a function: a def here, or an imported lower-case name."""
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None:
            return False
        if binding.kind == "def":
            return True
        return binding.kind == "import" and expr.id[:1].islower()
    if isinstance(expr, ast.Attribute):
        return expr.attr[:1].islower() and not expr.attr.isupper()
    return False


def _module_level_name(expr: ast.expr, context: Context) -> str | None:
    if isinstance(expr, ast.Name) and context.scope.module_scope.bindings.get(expr.id):
        return f"{context.module.module}.{expr.id}"
    return None


def offline_decorator_kind(decorator: ast.expr, scope: Scope) -> str | None:
    """`cli` / `task` / `scheduler` for `@click.command()`, `@app.task`, `@huey.periodic_task`."""
    table = frameworks()
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = qualified_name(target, scope)
    if name in table.offline_functions:
        return table.offline_functions[name]
    if not isinstance(target, ast.Attribute) or target.attr not in table.offline_methods:
        return None
    receiver = target.value
    receiver_class = instance_class(receiver, scope)
    for receivers, kind in table.offline_methods[target.attr]:
        if receiver_class in receivers:
            return kind
    if target.attr == "command" and isinstance(receiver, ast.Name):
        binding = scope.single(receiver.id)  # @cli.command() where cli is a click group
        if binding is not None and binding.kind == "def":
            node = binding.node
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if any(offline_decorator_kind(d, binding.scope) == "cli" for d in node.decorator_list):
                return "cli"
    return None


def _offline_registration(node: ast.Call, scope: Scope) -> tuple[str, str] | None:
    """`queue.enqueue(fn)`, `scheduler.add_job(fn)`, `schedule.every(5).minutes.do(fn)`,
    `background_tasks.add_task(fn)`: the function handed over and the kind of entry."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    candidates = frameworks().offline_calls.get(func.attr)
    if not candidates:
        return None
    receiver_class = instance_class(func.value, scope)
    base, _ = attribute_chain(func)
    root = qualified_name(base, scope) if isinstance(base, ast.Name) else None
    for candidate in candidates:
        matches = receiver_class in candidate.receivers or (
            candidate.chain_root is not None and root == candidate.chain_root
        )
        if not matches:
            continue
        function = call_argument(node, candidate.function_keyword, candidate.function_position)
        if isinstance(function, ast.Call) and isinstance(function.func, ast.Attribute):
            function = function.func.value  # celery: task.s(...)
        symbol = symbol_of(function, scope) if function is not None else None
        if symbol:
            return symbol, candidate.kind
    return None


def _exports(context: Context) -> list[Export]:
    """Module-level clients, client factories and apps that other modules may import."""
    scope = context.scope.module_scope
    module = context.module.module
    found: list[Export] = []
    apps = frameworks().apps
    for name, bindings in sorted(scope.bindings.items()):
        if len(bindings) != 1:
            continue
        binding = bindings[0]
        symbol = f"{module}.{name}"
        expr = ast.Name(id=name, ctx=ast.Load())
        if binding.kind == "value":
            client = infer_client(expr, scope)
            if client is not None and not client.module_level:
                found.append(Export(symbol, "client", client.name))
                continue
            cls = instance_class(expr, scope)
            if cls in apps:
                found.append(Export(symbol, "app", cls, apps[cls].framework, _prefix(binding, cls)))
        elif binding.kind == "def":
            call = ast.Call(func=expr, args=[], keywords=[])
            client = infer_client(call, scope)
            if client is not None:
                found.append(Export(symbol, "client-factory", client.name))
    return found


def _prefix(binding: Binding, cls: str) -> str | None:
    keyword = frameworks().apps[cls].prefix_keyword
    if keyword is None or not isinstance(binding.node, ast.Call):
        return None
    value = string(call_argument(binding.node, keyword, None), binding.scope)
    return value if isinstance(value, str) else None
