"""Call-graph material of one module: its functions, who calls whom, and its entry points.

Callees are recorded as symbols the way this module names them (`app.llm.ask` for an imported
function); the project stage matches them with the functions of other modules. Entry points
where nobody waits (scripts, CLI commands, task workers, schedulers, background tasks) come from
decorators and registration calls listed in `advisor/data/frameworks.yaml`, always checked
against the receiver's class, so a look-alike method on an unrelated object is not taken for one.
"""

from __future__ import annotations

import ast
import functools

from advisor.facts.python.clients import infer_client, instance_class
from advisor.facts.python.loops import repetition
from advisor.facts.python.scopes import Binding, Scope
from advisor.facts.python.values import attribute_chain, call_argument, qualified_name, string
from advisor.facts.python.walk import Context, Loop, fan_out_loop, is_main_guard
from advisor.model import Edge, Entry, Export, FunctionInfo, Mount
from advisor.routing import join_paths
from advisor.tables import Slot, frameworks
from advisor.testcode import is_test_module


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
            found = scope.method_of()
            if found is None:
                return None
            cls, class_scope = found
            prefix = class_scope.qualname
            name = f"{prefix}.{cls.name}" if prefix else cls.name
            return f"{scope.module}.{name}.{expr.attr}"
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
            kind = "test" if is_test_module(context.path) else "script"
            context.module.functions.append(
                FunctionInfo(f"{context.module.module}.__main__", node.lineno, False, kind)
            )
        elif isinstance(node, ast.ClassDef) and node.name == frameworks().arq_class:
            self._arq_settings(node, context)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, context: Context) -> None:
        owner = context.scope.qualname
        qualname = f"{owner}.{node.name}" if owner else node.name
        entry = None
        for decorator in node.decorator_list:
            entry = entry or offline_decorator_kind(decorator, context.scope)
        if entry is None and node.name.startswith("test") and is_test_module(context.path):
            entry = "test"  # pytest / unittest: a developer or CI waits for the result
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
        func = node.func
        registration = _offline_registration(node, scope)
        if registration is not None:
            target, kind = registration
            context.module.entries.append(Entry(target, kind, node.lineno))
            context.module.edges.append(Edge(caller, target, node.lineno, handoff=True))
            return
        if isinstance(func, ast.Attribute) and func.attr in frameworks().mount_methods:
            self._mount_method(node, func, context)
        else:
            self._mount_call(node, context)
        if (
            isinstance(func, ast.Attribute)
            and func.attr in frameworks().handoff_methods
            and _is_function_reference(func.value, scope)
        ):
            task = symbol_of(func.value, scope)  # process.delay(x): enqueued, not run here
            if task is not None:
                context.module.edges.append(Edge(caller, task, node.lineno, handoff=True))
                return
        for callee in _callees(func, scope):
            context.module.edges.append(_edge(caller, callee, node, context.loops, context))
        fan_out = fan_out_loop(node, scope)
        references = [*node.args, *(kw.value for kw in node.keywords)]
        for index, argument in enumerate(references):
            if not isinstance(argument, ast.Name | ast.Attribute):
                continue
            loops = (*context.loops, fan_out) if fan_out and index == 0 else context.loops
            for referenced in _function_references(argument, scope):
                context.module.edges.append(_edge(caller, referenced, node, loops, context))

    def _mount_method(self, node: ast.Call, func: ast.Attribute, context: Context) -> None:
        """`app.include_router(router, prefix="/api")`, `app.register_blueprint(bp, ...)`."""
        spec = frameworks().mount_methods[func.attr]
        parent = (
            symbol_of(func.value, context.scope)
            or _module_level_name(func.value, context)
            or _local_name(func.value, context)  # app = Flask(...) inside create_app()
        )
        child_expr = call_argument(node, spec.child.keyword, spec.child.position)
        child = _object_symbol(child_expr, context)
        prefix = _literal_prefix(node, spec.prefix, context.scope)
        if parent and child:
            context.module.mounts.append(
                Mount(parent, child, prefix, node.lineno, replace=spec.replace and bool(prefix))
            )

    def _mount_call(self, node: ast.Call, context: Context) -> None:
        """`Mount("/api", app=sub)` and Litestar's `Router(path=..., route_handlers=[...])`:
        the children are served under the prefix of every enclosing mount."""
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last not in _mount_call_names():
            return  # most calls: no name resolution needed
        spec = frameworks().mount_calls.get(qualified_name(func, context.scope) or "")
        if spec is None:
            return
        prefix, parent = mount_context(node, context)
        if parent is None:
            return
        children: list[ast.expr] = []
        if spec.child is not None:
            single = call_argument(node, spec.child.keyword, spec.child.position)
            children.extend([single] if single is not None else [])
        if spec.children is not None:
            listed = call_argument(node, spec.children.keyword, spec.children.position)
            if isinstance(listed, ast.List | ast.Tuple):
                children.extend(listed.elts)
        for child_expr in children:
            child = _object_symbol(child_expr, context)
            if child is not None:
                context.module.mounts.append(Mount(parent, child, prefix, node.lineno))

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


def _edge(
    caller: str, callee: str, node: ast.Call, loops: tuple[Loop, ...], context: Context
) -> Edge:
    repeated = repetition(loops, context.scope, node)
    branch = context.branch(node)
    if repeated.loop is None or repeated.loop == "while":
        return Edge(caller, callee, node.lineno, branch=branch)
    return Edge(
        caller,
        callee,
        node.lineno,
        loop=repeated.loop,
        loop_bound=repeated.bound,
        carried=bool(repeated.carried),
        at=context.evidence(node),
        branch=branch,
    )


@functools.cache
def _mount_call_names() -> frozenset[str]:
    return frozenset(name.rsplit(".", 1)[-1] for name in frameworks().mount_calls)


def mount_context(node: ast.expr, context: Context) -> tuple[str | None, str | None]:
    """The prefix that mount calls around `node` give it, and the object they are attached to.

    `app = Starlette(routes=[Mount("/api", routes=[Route("/chat", chat)])])`: for the `Route`
    call, ("/api", "module.app"). The prefix includes the node's own when it is a mount call.
    """
    table = frameworks()
    parents = context.scope.parents
    prefixes: list[str] = []
    current: ast.AST | None = node
    owner: str | None = None
    for _ in range(64):
        if current is None:
            break
        if isinstance(current, ast.Call):
            spec = table.mount_calls.get(qualified_name(current.func, context.scope) or "")
            if spec is not None:
                prefix = _literal_prefix(current, spec.prefix, context.scope)
                if prefix:
                    prefixes.append(prefix)
        parent = parents.get(id(current))
        if isinstance(parent, ast.Assign | ast.AnnAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) == 1:
                owner = _object_symbol(targets[0], context)
            break
        if parent is None or isinstance(parent, ast.stmt):
            owner = f"{context.module.module}.<routes:{node.lineno}>"
            break
        current = parent
    joined = ""
    for prefix in reversed(prefixes):
        joined = join_paths(joined, prefix) or ""
    return joined or None, owner


def _literal_prefix(call: ast.Call, slot: Slot, scope: Scope) -> str | None:
    value = string(call_argument(call, slot.keyword, slot.position), scope)
    return value if isinstance(value, str) else None


def _local_name(expr: ast.expr, context: Context) -> str | None:
    if isinstance(expr, ast.Name) and context.scope.bindings.get(expr.id):
        return f"{context.caller}.{expr.id}"
    return None


def _object_symbol(expr: ast.expr | None, context: Context) -> str | None:
    if expr is None:
        return None
    return symbol_of(expr, context.scope) or _module_level_name(expr, context)


MAX_CANDIDATES = 4
"""A name bound to more functions than this (a dispatch table) is not followed."""


def _callees(expr: ast.expr, scope: Scope) -> list[str]:
    """What a call may run. `run = single if mode == "s" else pair` or a name bound in both
    arms of an `if` may run either function: the call graph keeps both (may-call), which only
    ever widens who reaches a function."""
    found = symbol_of(expr, scope)
    if found is not None:
        return [found]
    if not isinstance(expr, ast.Name):
        return []
    return [symbol for symbol, _ in _alternatives(expr.id, scope)]


def _function_references(expr: ast.expr, scope: Scope) -> list[str]:
    """Functions an argument hands over (`executor.map(work, items)`), as for `_callees`."""
    if _is_function_reference(expr, scope):
        found = symbol_of(expr, scope)
        return [found] if found is not None else []
    if not isinstance(expr, ast.Name):
        return []
    alternatives = _alternatives(expr.id, scope)
    return [symbol for symbol, is_function in alternatives if is_function]


def _alternatives(name: str, scope: Scope) -> list[tuple[str, bool]]:
    """(symbol, is a function) for each binding of a name bound to a few functions."""
    bindings = scope.lookup(name)
    if not 1 < len(bindings) <= MAX_CANDIDATES:
        return []
    found: list[tuple[str, bool]] = []
    for binding in bindings:
        if binding.kind == "def":
            found.append((_defined_symbol(binding), True))
        elif binding.kind == "import" and binding.qualified:
            found.append((binding.qualified, name[:1].islower()))
        elif binding.kind == "value" and isinstance(binding.node, ast.Name | ast.Attribute):
            symbol = symbol_of(binding.node, binding.scope)
            if symbol is None:
                return []
            target = binding.node
            found.append((symbol, _is_function_reference(target, binding.scope)))
        else:
            return []  # bound to something computed: not a choice between functions
    return found


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
