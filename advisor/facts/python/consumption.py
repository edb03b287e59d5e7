"""How code consumes a streamed model response: `stream-consumption` facts.

The LLM call detector runs first on every call node and says whether the call streams (its
resolution is not repeated here). This detector then follows the stream as far as the module
shows it: the loop that iterates it (`for` / `async for`, also over `enumerate(...)`), a
variable assigned once in the same function (closures included), `with ... as s`, `await`, the
SDK helpers (`s.text_stream`, `s.get_final_message()`), and into a function of the same module
it is passed to (the SSE generator of a route, say). Anything else — the stream returned,
stored on an object, handed to other code — produces no fact, because a guess would become a
false finding.

Inside the consuming loop each statement is classified: a piece that is yielded, sent, printed,
rendered or passed to a callback is *forwarded*; a piece only appended to or concatenated into
a local collection is *buffered*; anything the advisor cannot judge makes the mode *unknown*.
Which parts of an event are read (text, tool calls, thinking, the SDK's accumulated message) and
which calls re-render a whole text come from `advisor/data/stream_consumers.yaml`.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass, field

from advisor.facts.python.clients import annotation_class, instance_class
from advisor.facts.python.llm_calls import LlmCallDetector
from advisor.facts.python.scopes import Scope, local_callee
from advisor.facts.python.values import bind_parameters
from advisor.facts.python.walk import Context, signature_span
from advisor.model import Evidence, Fact, LlmCall, Pending, StreamConsumption
from advisor.tables import Renderer, StreamConsumers, stream_consumers

MAX_HOPS = 3
"""Functions of the module followed from the call (each hop is one call with the stream)."""
MAX_STEPS = 24
"""Aliases and wrappers followed from one stream value (`a = stream; with a as b: ...`)."""
MAX_NESTING = 40
"""Deeper expressions or blocks inside a consuming loop are not judged (mode `unknown`)."""

CONTENT_PARTS = ("text", "tool-calls", "thinking", "final-message")
COLLECTION_TYPES = frozenset(
    {
        "list",
        "dict",
        "set",
        "str",
        "collections.defaultdict",
        "collections.deque",
        "collections.OrderedDict",
        "io.StringIO",
        "io.BytesIO",
    }
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class _Render:
    node: ast.Call
    scope: Scope
    spelled: str
    throttled: bool | None


@dataclass
class _Site:
    """One place the stream is consumed."""

    mode: str
    reads: set[str]
    node: ast.AST
    scope: Scope
    loop: bool = False
    render: _Render | None = None


class StreamConsumptionDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.Call,)

    def __init__(self, calls: LlmCallDetector) -> None:
        self._calls = calls

    def visit(self, node: ast.AST, context: Context) -> None:
        latest = self._calls.latest
        if latest is None or latest[0] is not node:
            return
        assert isinstance(node, ast.Call)
        result = latest[1]
        candidates = result.candidates if isinstance(result, Pending) else (result,)
        streamed = [
            c
            for c in candidates
            if isinstance(c, LlmCall)
            and c.streamed is True
            and c.api_kind in ("chat", "completion")
        ]
        if not streamed:
            return
        sites = _Tracer(stream_consumers()).value_uses(node, context.scope, 0, 0)
        if not sites:
            return
        facts: tuple[Fact, ...] = tuple(_fact(call, node, sites, context) for call in streamed)
        if isinstance(result, Pending):
            context.module.pending.append(Pending(receiver=result.receiver, candidates=facts))
        else:
            context.facts.append(facts[0])


def _fact(call: LlmCall, node: ast.Call, sites: list[_Site], context: Context) -> StreamConsumption:
    tables = stream_consumers()
    reads: set[str] = set().union(*(site.reads for site in sites))
    modes = {site.mode for site in sites}
    mode = "forwarded" if "forwarded" in modes else "unknown" if "unknown" in modes else "buffered"
    renders = [site.render for site in sites if site.render is not None]
    renders.sort(key=lambda r: {False: 0, None: 1, True: 2}[r.throttled])
    render = renders[0] if renders else None
    loops = sorted(
        (site for site in sites if site.loop), key=lambda s: getattr(s.node, "lineno", 0)
    )
    covered = bool(reads & {"final-message", "events"})
    unread = []
    if call.tools is True and not covered and "tool-calls" not in reads:
        unread.append("tool-calls")
    if call.thinking is True and not covered and "thinking" not in reads:
        unread.append("thinking")
    limit = tables.sync_limits.get(call.provider)
    sync_allowed: bool | None = True
    if limit is not None:
        sync_allowed = None if call.max_tokens is None else call.max_tokens <= limit
    flags = (call.structured_output, call.forced_tool_call)
    structured = True if True in flags else (None if None in flags else False)
    return StreamConsumption(
        evidence=context.evidence(node),
        api=call.api,
        provider=call.provider,
        sdk=call.sdk,
        mode=mode,
        reads=tuple(sorted(reads)),
        tools=call.tools,
        thinking=call.thinking,
        structured_output=structured,
        max_tokens=call.max_tokens,
        sync_allowed=sync_allowed,
        resumes=call.resumes,
        unread=tuple(unread),
        render=render.spelled if render else None,
        render_throttled=render.throttled if render else None,
        render_at=_evidence(context, render.node, render.scope, False) if render else None,
        loop_at=_evidence(context, loops[0].node, loops[0].scope, True) if loops else None,
    )


def _evidence(context: Context, node: ast.AST, scope: Scope, header: bool) -> Evidence:
    """Evidence for a node that may sit in another function than the visited call."""
    start = getattr(node, "lineno", 1)
    end = getattr(node, "end_lineno", None) or start
    if header and isinstance(node, ast.For | ast.AsyncFor):
        end = getattr(node.iter, "end_lineno", None) or start
    signatures = []
    current: Scope | None = scope
    while current is not None:
        if isinstance(current.node, ast.FunctionDef | ast.AsyncFunctionDef):
            signatures.append(signature_span(current.node, context.source))
        current = current.parent
    if scope.qualname:
        function: str | None = scope.qualname
    else:
        function = "__main__" if context.main_guard else None
    return Evidence(
        location=context.location(node),
        snippet=context.source.snippet(node),
        anchors=((start, max(start, end)), *signatures),
        function=function,
    )


def call_path(expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
    """What a callee or receiver is, as a call path: `streamlit.empty().markdown` for
    `placeholder.markdown` with `placeholder = st.empty()`; builtins by their bare name."""
    if depth > MAX_STEPS:
        return None
    if isinstance(expr, ast.Await):
        return call_path(expr.value, scope, depth + 1)
    if isinstance(expr, ast.Name):
        binding = scope.single(expr.id)
        if binding is None:
            return expr.id if not scope.lookup(expr.id) else None
        if binding.kind == "import":
            return binding.qualified
        if binding.kind == "value" and isinstance(binding.node, ast.expr):
            return call_path(binding.node, binding.scope, depth + 1)
        if binding.kind in ("param", "annotation"):
            cls = annotation_class(binding.annotation, binding.scope)
            return f"{cls}()" if cls else None
        if binding.kind in ("def", "class"):
            owner = binding.scope.qualname
            name = getattr(binding.node, "name", "?")
            return f"{binding.scope.module}.{owner}.{name}" if owner else f"{scope.module}.{name}"
        return None
    if isinstance(expr, ast.Attribute):
        if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
            cls = instance_class(expr, scope)
            return f"{cls}()" if cls else None
        base = call_path(expr.value, scope, depth + 1)
        return f"{base}.{expr.attr}" if base else None
    if isinstance(expr, ast.Call):
        func = expr.func
        tables = stream_consumers()
        if isinstance(func, ast.Attribute) and func.attr in tables.typed_lookups:
            for arg in reversed(expr.args):  # `query_one(Markdown)`, `query_one("#id", Markdown)`
                if isinstance(arg, ast.Name | ast.Attribute):
                    found = call_path(arg, scope, depth + 1)
                    return f"{found}()" if found else None
            return None
        base = call_path(func, scope, depth + 1)
        return f"{base}()" if base else None
    return None


def _renderer(path: str | None, tables: StreamConsumers) -> Renderer | None:
    if path is None:
        return None
    for renderer in tables.renderers:
        if fnmatch.fnmatchcase(path, renderer.call):
            return renderer
    return None


def _builtin(call: ast.Call, name: str, scope: Scope) -> bool:
    func = call.func
    return isinstance(func, ast.Name) and func.id == name and not scope.lookup(name)


class _Tracer:
    """Follows one stream value to the places that consume it."""

    def __init__(self, tables: StreamConsumers) -> None:
        self.tables = tables

    def value_uses(self, expr: ast.AST, scope: Scope, hops: int, steps: int) -> list[_Site] | None:
        """What the code does with `expr`, which evaluates to the stream; None when it escapes."""
        if steps > MAX_STEPS:
            return None
        parents = scope.parents
        node = expr
        parent = parents.get(id(node))
        while isinstance(parent, ast.Await):
            node, parent = parent, parents.get(id(parent))
        if isinstance(parent, ast.For | ast.AsyncFor) and parent.iter is node:
            return [self.loop_site(parent, parent.target, scope, "structure", None)]
        if isinstance(parent, ast.comprehension) and parent.iter is node:
            comprehension = parents.get(id(parent))
            if not isinstance(comprehension, _COMPREHENSIONS):
                return None
            return [self.comprehension_site(comprehension, parent, scope, "structure")]
        if isinstance(parent, ast.withitem) and parent.context_expr is node:
            target = parent.optional_vars
            if isinstance(target, ast.Name):
                return self.name_uses(target.id, scope, node, hops, steps + 1)
            if target is None and isinstance(node, ast.Name):
                return []  # `with stream:` only closes it at the end
            return None
        if isinstance(parent, ast.Assign) and parent.value is node:
            if len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                return self.name_uses(parent.targets[0].id, scope, node, hops, steps + 1)
            return None
        if isinstance(parent, ast.AnnAssign) and parent.value is node:
            if isinstance(parent.target, ast.Name):
                return self.name_uses(parent.target.id, scope, node, hops, steps + 1)
            return None
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return self.attribute_use(parent, scope, hops, steps)
        if isinstance(parent, ast.keyword):
            call = parents.get(id(parent))
            if isinstance(call, ast.Call):
                return self.argument_use(call, node, scope, hops, steps, "structure")
            return None
        if isinstance(parent, ast.Call) and node is not parent.func:
            return self.argument_use(parent, node, scope, hops, steps, "structure")
        if isinstance(parent, ast.Compare | ast.BoolOp | ast.UnaryOp):
            return []  # `if stream is None`, `if not stream`
        if isinstance(parent, ast.Return) and parent.value is node:
            return self.returned(scope, hops, steps)
        return None

    def returned(self, scope: Scope, hops: int, steps: int) -> list[_Site] | None:
        """`def ask(...): return client.chat.completions.create(..., stream=True)`: the stream
        is consumed wherever this module calls `ask` (and escapes if other modules do)."""
        function = scope.node
        if (
            hops >= MAX_HOPS
            or scope.parent is None
            or not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        ):
            return None
        sites = _call_sites(function, scope.parent)
        if not sites:
            return None
        found: list[_Site] = []
        for call, where in sites:
            uses = self.value_uses(call, where, hops + 1, steps + 1)
            if uses is None:
                return None
            found.extend(uses)
        return found

    def name_uses(
        self, name: str, scope: Scope, value: ast.AST, hops: int, steps: int
    ) -> list[_Site] | None:
        binding = scope.single(name)
        if binding is None or binding.kind != "value" or binding.node is not value:
            return None
        return self._loads_uses(name, scope, hops, steps)

    def _loads_uses(self, name: str, scope: Scope, hops: int, steps: int) -> list[_Site] | None:
        uses = _loads(name, scope, 0)
        if not uses:
            return None
        sites: list[_Site] = []
        for load, where in uses:
            found = self.value_uses(load, where, hops, steps + 1)
            if found is None:
                return None
            sites.extend(found)
        return sites

    def attribute_use(
        self, attribute: ast.Attribute, scope: Scope, hops: int, steps: int
    ) -> list[_Site] | None:
        tables = self.tables
        name = attribute.attr
        parents = scope.parents
        parent = parents.get(id(attribute))
        if name in tables.text_iterables:
            if isinstance(parent, ast.For | ast.AsyncFor) and parent.iter is attribute:
                return [self.loop_site(parent, parent.target, scope, "text", None)]
            if isinstance(parent, ast.comprehension) and parent.iter is attribute:
                comprehension = parents.get(id(parent))
                if isinstance(comprehension, _COMPREHENSIONS):
                    return [self.comprehension_site(comprehension, parent, scope, "text")]
            if isinstance(parent, ast.Call) and attribute is not parent.func:
                return self.argument_use(parent, attribute, scope, hops, steps, "text")
            return None
        called = isinstance(parent, ast.Call) and parent.func is attribute
        if name in tables.final_methods:
            return [_Site("buffered", {"final-message"}, attribute, scope)]
        if name in tables.text_methods and called:
            return [_Site("buffered", {"text"}, attribute, scope)]
        if name in tables.drain_methods and called:
            return [_Site("buffered", set(), attribute, scope)]
        if name in tables.neutral_methods and called:
            return []
        if name in ("__next__", "__anext__") and called:
            return [_Site("unknown", {"events"}, attribute, scope)]
        return None

    def argument_use(
        self, call: ast.Call, arg: ast.AST, scope: Scope, hops: int, steps: int, element: str
    ) -> list[_Site] | None:
        parents = scope.parents
        if _builtin(call, "enumerate", scope) and call.args and call.args[0] is arg:
            loop = parents.get(id(call))
            if (
                isinstance(loop, ast.For | ast.AsyncFor)
                and loop.iter is call
                and isinstance(loop.target, ast.Tuple)
                and len(loop.target.elts) == 2
                and isinstance(loop.target.elts[0], ast.Name)
            ):
                counter = loop.target.elts[0].id
                return [self.loop_site(loop, loop.target.elts[1], scope, element, counter)]
            return None
        if (_builtin(call, "next", scope) or _builtin(call, "anext", scope)) and call.args:
            return [_Site("unknown", {"events"}, call, scope)]  # one piece, used elsewhere
        collectors = self.tables.collectors
        if call.args and call.args[0] is arg and any(_builtin(call, n, scope) for n in collectors):
            return [
                _Site("buffered", {"events" if element == "structure" else "text"}, call, scope)
            ]
        if hops >= MAX_HOPS:
            return None
        callee = local_callee(call.func, scope)
        if callee is None:
            return None
        function, outer, method = callee
        parameter = _parameter_for(function, call, arg, method)
        if parameter is None:
            return None
        inner = outer.child(function)
        binding = inner.single(parameter)
        if binding is None or binding.kind != "param":
            return None
        return self._loads_uses(parameter, inner, hops + 1, steps)

    def loop_site(
        self,
        loop: ast.For | ast.AsyncFor,
        target: ast.expr,
        scope: Scope,
        element: str,
        counter: str | None,
    ) -> _Site:
        first = _Body(self.tables, scope, frozenset())
        first.run_loop(loop, target, element, counter)
        body = _Body(self.tables, scope, frozenset(first.confirmed))
        body.run_loop(loop, target, element, counter)
        reads = set(body.reads)
        if element == "text":
            reads.add("text")
        return _Site(body.mode(), reads, loop, scope, loop=True, render=body.best_render())

    def comprehension_site(
        self, node: ast.expr, generator: ast.comprehension, scope: Scope, element: str
    ) -> _Site:
        body = _Body(self.tables, scope, frozenset())
        body.bind(generator.target, element)
        assert isinstance(node, _COMPREHENSIONS)
        for other in node.generators:
            if other is not generator:
                body.bind(other.target, body.evaluate(other.iter))
            for test in other.ifs:
                body.evaluate(test)
        if isinstance(node, ast.DictComp):
            body.evaluate(node.key, escaping=True)
            body.evaluate(node.value, escaping=True)
        else:
            body.evaluate(node.elt, escaping=True)
        reads = set(body.reads)
        if element == "text":
            reads.add("text")
        if "forward" in body.effects:
            mode = "forwarded"
        elif body.effects & {"unknown", "stop"}:
            mode = "unknown"
        elif not isinstance(node, ast.GeneratorExp):
            mode = "buffered"
        else:
            mode = self._generator_expression_mode(node, scope)
        return _Site(mode, reads, node, scope, loop=True)

    def _generator_expression_mode(self, node: ast.GeneratorExp, scope: Scope) -> str:
        """A generator expression is lazy: what consumes it decides."""
        parent = scope.parents.get(id(node))
        if isinstance(parent, ast.Call) and node in parent.args:
            func = parent.func
            joins = (
                isinstance(func, ast.Attribute)
                and func.attr == "join"
                and isinstance(func.value, ast.Constant)
            )
            collects = any(_builtin(parent, n, scope) for n in self.tables.collectors)
            return "buffered" if joins or collects else "forwarded"
        if isinstance(parent, ast.Return | ast.Yield | ast.YieldFrom):
            return "forwarded"
        return "unknown"


def _call_sites(
    function: ast.FunctionDef | ast.AsyncFunctionDef, defining: Scope
) -> list[tuple[ast.Call, Scope]]:
    """Calls of `function` by its name anywhere in its module, with the scope of each."""
    key = ("call-sites", id(function))
    cached = defining.memo.get(key)
    if isinstance(cached, list):
        return cached
    module = defining.module_scope
    sites: list[tuple[ast.Call, Scope]] = []
    stack: list[tuple[ast.AST, Scope]] = [(module.node, module)]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _SCOPES):
                stack.append((child, scope.child(child)))
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
                binding = scope.single(child.func.id)
                if binding is not None and binding.kind == "def" and binding.node is function:
                    sites.append((child, scope))
            stack.append((child, scope))
    sites.sort(key=lambda site: (site[0].lineno, site[0].col_offset))
    defining.memo[key] = sites
    return sites


def _loads(name: str, scope: Scope, depth: int) -> list[tuple[ast.Name, Scope]]:
    """Every read of `name` in `scope`'s own code and in the functions it defines that do not
    bind the name themselves (closures: a generator defined beside the stream)."""
    found = [(load, scope) for load in scope.loads(name)]
    if depth > 3:
        return found
    for node in _own_nodes(scope.node):
        if isinstance(node, _SCOPES):
            inner = scope.child(node)
            if name not in inner.bindings:
                found.extend(_loads(name, inner, depth + 1))
    return found


def _own_nodes(node: ast.AST) -> list[ast.AST]:
    """Nodes of a scope's body, stopping at (but including) nested functions and classes."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(node))
    while stack:
        current = stack.pop()
        found.append(current)
        if not isinstance(current, (*_SCOPES, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(current))
    return found


def _parameter_for(
    function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, arg: ast.AST, method: bool
) -> str | None:
    """The parameter of `function` that receives `arg` in this call."""
    for name, value in bind_parameters(function, call, method).items():
        if value is arg:
            return name
    return None


def _ends_with_continue(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Continue)


def _root_name(expr: ast.expr) -> str | None:
    while isinstance(expr, ast.Attribute | ast.Subscript):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _literal_strings(expr: ast.expr) -> list[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        return [
            e.value for e in expr.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def _merge(classes: list[str | None]) -> str | None:
    found = {c for c in classes if c is not None}
    if not found:
        return None
    if "buffer" in found:
        return "buffer"
    return found.pop() if len(found) == 1 else "value"


@dataclass
class _Body:
    """What one consuming loop does with each piece of the stream.

    Names hold a class: `structure` (an event or a part of it whose meaning is not known yet),
    `text` / `tool-calls` / `thinking` / `final-message` (a known part), `metadata`, `buffer`
    (a local accumulation of pieces) or `value` (something computed from a piece). `effects`
    collects `forward`, `accumulate`, `unknown` and `stop` (a `break` / `return`).
    """

    tables: StreamConsumers
    scope: Scope
    buffers: frozenset[str]
    classes: dict[str, str] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    counters: set[str] = field(default_factory=set)
    clocks: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    effects: set[str] = field(default_factory=set)
    guards: list[ast.expr] = field(default_factory=list)
    renders: list[_Render] = field(default_factory=list)
    dispatch: list[str | None] = field(default_factory=list)
    """The part an enclosing `if event.type == "..."` selects (`yield event.delta` under
    `response.output_text.delta` is text), innermost last."""
    depth: int = 0

    def __post_init__(self) -> None:
        for name in self.buffers:
            self.classes[name] = "buffer"
        self._scan_function()

    def _scan_function(self) -> None:
        """Counters (`n += 1`) and clock readings (`last = time.monotonic()`) of the function."""
        nodes = _own_nodes(self.scope.node)
        for node in nodes:
            if (
                isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, int | float)
            ):
                self.counters.add(node.target.id)
        for _ in range(2):  # `now = time.monotonic(); last = now`
            for node in nodes:
                if isinstance(node, ast.Assign) and self._reads_clock(node.value):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.clocks.add(target.id)

    def _reads_clock(self, expr: ast.expr) -> bool:
        for node in ast.walk(expr):
            if (
                isinstance(node, ast.Call)
                and call_path(node.func, self.scope) in self.tables.clocks
            ):
                return True
            if isinstance(node, ast.Name) and node.id in self.clocks:
                return True
        return False

    # -- the loop ---------------------------------------------------------------------------

    def run_loop(
        self, loop: ast.For | ast.AsyncFor, target: ast.expr, element: str, counter: str | None
    ) -> None:
        self.bind(target, element)
        if counter is not None:
            self.counters.add(counter)
        self.block(loop.body)

    def mode(self) -> str:
        if "forward" in self.effects:
            return "forwarded"
        if self.effects & {"unknown", "stop"}:
            return "unknown"
        return "buffered"

    def best_render(self) -> _Render | None:
        if not self.renders:
            return None
        order = {False: 0, None: 1, True: 2}
        return sorted(self.renders, key=lambda r: order[r.throttled])[0]

    def block(self, body: list[ast.stmt]) -> None:
        if self.depth > MAX_NESTING:
            self.effects.add("unknown")
            return
        self.depth += 1
        saved = len(self.guards)
        for statement in body:
            self.statement(statement)
            if isinstance(statement, ast.If) and _ends_with_continue(statement.body):
                self.guards.append(statement.test)  # what follows runs only when it is false
        del self.guards[saved:]
        self.depth -= 1

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            self.evaluate(node.value)
        elif isinstance(node, ast.Assign):
            self.assign(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign([node.target], node.value)
        elif isinstance(node, ast.AugAssign):
            self.augmented(node)
        elif isinstance(node, ast.If | ast.While):
            self.evaluate(node.test)
            self.guards.append(node.test)
            self.dispatch.append(self._selected_part(node.test))
            self.block(node.body)
            self.dispatch.pop()
            self.guards.pop()
            self.block(node.orelse)
        elif isinstance(node, ast.For | ast.AsyncFor):
            found = self.evaluate(node.iter)
            self.bind(node.target, found)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                found = self.evaluate(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, found)
            self.block(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.block(node.body)
            for handler in node.handlers:
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, ast.Match):
            subject = self.evaluate(node.subject)
            for case in node.cases:
                selected = None
                if subject is not None:
                    self._classify_pattern(case.pattern)
                    selected = self._pattern_part(case.pattern)
                if case.guard is not None:
                    self.evaluate(case.guard)
                self.dispatch.append(selected)
                self.block(case.body)
                self.dispatch.pop()
        elif isinstance(node, ast.Break):
            self.effects.add("stop")
        elif isinstance(node, ast.Return):
            self.evaluate(node.value, escaping=True)
            self.effects.add("stop")
        elif isinstance(node, ast.Raise | ast.Assert):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.evaluate(child)
        elif not isinstance(
            node, ast.Continue | ast.Pass | ast.Delete | ast.Import | ast.ImportFrom
        ):
            self.effects.add("unknown")  # nested definitions, global/nonlocal, ...

    def assign(self, targets: list[ast.expr], value: ast.expr) -> None:
        if (
            len(targets) == 1
            and isinstance(targets[0], ast.Name)
            and isinstance(value, ast.BinOp)
            and isinstance(value.op, ast.Add)
            and isinstance(value.left, ast.Name)
            and value.left.id == targets[0].id
        ):  # `full = full + piece`
            self._accumulate_into(targets[0].id, self.evaluate(value.right, escaping=True))
            return
        found = self.evaluate(value)
        for target in targets:
            self.bind(target, found)

    def augmented(self, node: ast.AugAssign) -> None:
        found = self.evaluate(node.value, escaping=True)
        target = node.target
        if isinstance(target, ast.Name):
            if found is not None:
                self._accumulate_into(target.id, found)
            return
        if isinstance(target, ast.Subscript):
            self.evaluate(target.slice)
        if found is None:
            return
        root = _root_name(target)
        if isinstance(target, ast.Subscript) and root is not None and self._local(root):
            self.effects.add("accumulate")
            self.confirmed.add(root)
        else:
            self.effects.add("unknown")  # `self.text += piece`: others may read it meanwhile

    def _accumulate_into(self, name: str, found: str | None) -> None:
        if found is None:
            return
        if self._local(name):
            self.effects.add("accumulate")
            self.confirmed.add(name)
            self.classes[name] = "buffer"
        else:
            self.effects.add("unknown")

    def bind(self, target: ast.expr, found: str | None) -> None:
        if isinstance(target, ast.Name):
            if found is None:
                self.classes.pop(target.id, None)
            else:
                self.classes[target.id] = found
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.bind(element, None if found is None else "value")
        elif isinstance(target, ast.Starred):
            self.bind(target.value, found)
        elif isinstance(target, ast.Subscript):
            self.evaluate(target.slice)
            root = _root_name(target)
            if found is None:
                return
            if root is not None and self._local(root):
                self.effects.add("accumulate")
                self.confirmed.add(root)
            else:
                self.effects.add("unknown")
        elif isinstance(target, ast.Attribute) and found is not None:
            self.effects.add("unknown")

    def _local(self, name: str) -> bool:
        """A variable of the consuming function itself (not a parameter, global or import)."""
        bindings = self.scope.bindings.get(name, [])
        return bool(bindings) and all(b.kind in ("value", "opaque", "annotation") for b in bindings)

    def _collection(self, name: str) -> bool:
        """A local list / dict / set / StringIO: appending to it keeps the piece here."""
        if not self._local(name):
            return False
        values = [b for b in self.scope.bindings.get(name, []) if b.kind == "value"]
        if not values:
            return False
        for binding in values:
            node = binding.node
            if isinstance(node, ast.List | ast.Dict | ast.Set | ast.Tuple | ast.Constant):
                continue
            if isinstance(node, ast.ListComp | ast.DictComp | ast.SetComp):
                continue
            if isinstance(node, ast.Call) and call_path(node.func, self.scope) in COLLECTION_TYPES:
                continue
            return False
        return True

    # -- expressions ------------------------------------------------------------------------

    def evaluate(self, expr: ast.expr | None, escaping: bool = False, depth: int = 0) -> str | None:
        """The class of `expr` (None: nothing from the stream), recording what it reads and
        does. `escaping`: the value is handed on whole (passed, yielded, stored)."""
        if expr is None:
            return None
        if depth > MAX_NESTING:
            self.effects.add("unknown")
            return "value"
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in self.tables.accumulators
        ):
            return self.call(expr, escaping, depth)  # `parts.append(piece)`, not a read of parts
        chained = self.chain(expr, depth)
        if chained is not None:
            if escaping and chained == "structure":
                selected = next((p for p in reversed(self.dispatch) if p is not None), None)
                self.reads.add(selected or "events")
            return chained
        if isinstance(expr, ast.Name | ast.Constant):
            return None
        if isinstance(expr, ast.Await):
            return self.evaluate(expr.value, escaping, depth + 1)
        if isinstance(expr, ast.Yield | ast.YieldFrom):
            self.effects.add("forward")
            self.evaluate(expr.value, True, depth + 1)
            return None
        if isinstance(expr, ast.Call):
            return self.call(expr, escaping, depth)
        if isinstance(expr, ast.Compare):
            self.compare(expr, depth)
            return None
        if isinstance(expr, ast.NamedExpr):
            found = self.evaluate(expr.value, escaping, depth + 1)
            self.bind(expr.target, found)
            return found
        if isinstance(expr, ast.Lambda):
            return None
        if isinstance(expr, _COMPREHENSIONS):
            return self.comprehension(expr, depth)
        passes = isinstance(expr, ast.BoolOp | ast.IfExp | ast.Starred)
        classes = [
            self.evaluate(child, escaping if passes else True, depth + 1)
            for child in ast.iter_child_nodes(expr)
            if isinstance(child, ast.expr)
        ]
        if isinstance(expr, ast.IfExp):
            classes = classes[1:]  # the test decides, it is not the value
        return _merge(classes)

    def chain(self, expr: ast.expr, depth: int) -> str | None:
        """`chunk.choices[0].delta.content`, `event["delta"]["text"]`, `delta.get("content")`,
        `getattr(delta, "reasoning_content", None)`: the class of the last known part."""
        path: list[str] = []
        calls: list[ast.Call] = []
        node = expr
        root: str | None = None
        for _ in range(MAX_NESTING):
            if isinstance(node, ast.Name):
                root = self.classes.get(node.id)
                break
            if isinstance(node, ast.Attribute):
                path.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Subscript):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    path.append(key.value)
                node = node.value
            elif isinstance(node, ast.Call):
                func = node.func
                first = node.args[0] if node.args else None
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    path.append(first.value)
                    node = func.value
                elif (
                    isinstance(func, ast.Name)
                    and func.id in ("getattr", "hasattr")
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)
                ):
                    path.append(node.args[1].value)
                    node = node.args[0]
                elif isinstance(func, ast.Attribute):
                    calls.append(node)  # a method of a piece: `text.strip()`, `ev.model_dump()`
                    path.append(func.attr)
                    node = func.value
                else:
                    return None
            else:
                return None
        if root is None:
            return None
        found = root
        for segment in reversed(path):
            found = self._step(found, segment)
            if found in CONTENT_PARTS:
                self.reads.add(found)
        for call in calls:
            for arg in (*call.args, *(k.value for k in call.keywords)):
                self.evaluate(arg, True, depth + 1)
        if isinstance(expr, ast.Subscript) and not (
            isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str)
        ):
            self.evaluate(expr.slice, False, depth + 1)
        return found

    def _step(self, found: str, segment: str) -> str:
        if found != "structure":
            return found  # a method of text is text; buffer stays buffer
        part = self.tables.parts.get(segment)
        if part is not None:
            return part
        if segment in self.tables.final_methods:
            return "final-message"
        return "structure"

    def compare(self, node: ast.Compare, depth: int) -> None:
        sides = [node.left, *node.comparators]
        classes = [self.evaluate(side, False, depth + 1) for side in sides]
        if not any(c is not None for c in classes):
            return
        for side in sides:
            for literal in _literal_strings(side):
                self._classify_literal(literal)

    def _selected_part(self, test: ast.expr) -> str | None:
        """The one part an event-type test selects: `event.type == "content.delta"`."""
        parts: set[str] = set()
        for node in ast.walk(test):
            if not isinstance(node, ast.Compare):
                continue
            if not all(isinstance(op, ast.Eq | ast.In) for op in node.ops):
                continue
            sides = [node.left, *node.comparators]
            if not any(self._peek(side) == "metadata" for side in sides):
                continue
            for side in sides:
                for literal in _literal_strings(side):
                    part = self.tables.event_types.get(literal)
                    parts.add(part or "?")
        return parts.pop() if len(parts) == 1 and "?" not in parts else None

    def _pattern_part(self, pattern: ast.pattern) -> str | None:
        literals = [
            literal
            for node in ast.walk(pattern)
            if isinstance(node, ast.MatchValue)
            for literal in _literal_strings(node.value)
        ]
        parts = {self.tables.event_types.get(literal) for literal in literals}
        return parts.pop() if len(parts) == 1 else None

    def _peek(self, expr: ast.expr) -> str | None:
        """The class of a chain, without recording anything."""
        reads, effects = set(self.reads), set(self.effects)
        found = self.chain(expr, MAX_NESTING)
        self.reads, self.effects = reads, effects
        return found

    def _classify_literal(self, literal: str) -> None:
        part = self.tables.event_types.get(literal) or self.tables.parts.get(literal)
        if part is not None and part != "metadata":
            self.reads.add(part)

    def _classify_pattern(self, pattern: ast.pattern) -> None:
        for node in ast.walk(pattern):
            if isinstance(node, ast.MatchValue):
                for literal in _literal_strings(node.value):
                    self._classify_literal(literal)
            elif isinstance(node, ast.MatchClass):
                name = ast.unparse(node.cls).rsplit(".", 1)[-1]
                part = self.tables.classes.get(name)
                if part is not None:
                    self.reads.add(part)
            elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
                self.classes[node.name] = "structure"

    def comprehension(self, node: ast.expr, depth: int) -> str | None:
        assert isinstance(node, _COMPREHENSIONS)
        found: list[str | None] = []
        for generator in node.generators:
            iterated = self.evaluate(generator.iter, False, depth + 1)
            self.bind(generator.target, iterated)
            found.append(iterated)
            for test in generator.ifs:
                self.evaluate(test, False, depth + 1)
        if isinstance(node, ast.DictComp):
            found.append(self.evaluate(node.key, True, depth + 1))
            found.append(self.evaluate(node.value, True, depth + 1))
        else:
            found.append(self.evaluate(node.elt, True, depth + 1))
        return "value" if _merge(found) else None

    def call(self, node: ast.Call, escaping: bool, depth: int) -> str | None:
        tables = self.tables
        func = node.func
        path = call_path(func, self.scope)
        arguments = [*node.args, *(k.value for k in node.keywords)]
        receiver = _root_name(func.value) if isinstance(func, ast.Attribute) else None
        if path == "isinstance" and len(node.args) == 2:
            if self.evaluate(node.args[0], False, depth + 1) is not None:
                for cls in _class_names(node.args[1]):
                    part = tables.classes.get(cls)
                    if part is not None:
                        self.reads.add(part)
            return None
        logs = (
            receiver in tables.neutral_receivers
            and isinstance(func, ast.Attribute)
            and func.attr in tables.neutral_methods_of_receivers
        )
        if path in tables.neutral_functions or logs:
            for argument in arguments:
                self.evaluate(argument, False, depth + 1)
            return None
        if path in tables.clocks:
            return None
        render = self._render(node, path)
        classes = [self.evaluate(argument, True, depth + 1) for argument in arguments]
        if isinstance(func, ast.Attribute):
            self.evaluate(func.value, False, depth + 1)
        tainted = _merge(classes)
        if render is not None:
            self.effects.add("forward")
            self.renders.append(render)
            return "value"
        if path in tables.final_functions and tainted is not None:
            self.reads.add("final-message")
            return "final-message"
        if (
            isinstance(func, ast.Attribute)
            and func.attr in tables.accumulators
            and receiver is not None
            and self._collection(receiver)
        ):
            if tainted is not None:
                self.effects.add("accumulate")
                self.confirmed.add(receiver)
                self.classes[receiver] = "buffer"
            return None
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "join"
            and isinstance(func.value, ast.Constant)
        ):
            return tainted
        if path in tables.pure or path in tables.collectors:
            return tainted
        if tainted is not None:
            self.effects.add("forward")  # a piece handed to a callback, a queue, a socket
            return "value"
        self.effects.add("unknown")
        return None

    def _render(self, node: ast.Call, path: str | None) -> _Render | None:
        renderer = _renderer(path, self.tables)
        if renderer is None:
            return None
        spelled = ast.unparse(node.func)
        if renderer.wrapper is None:
            if not any(self._is_buffer(a) for a in _text_arguments(node)):
                return None
        else:
            wrapped = [
                inner
                for argument in node.args
                for inner in ast.walk(argument)
                if isinstance(inner, ast.Call)
                and call_path(inner.func, self.scope) == renderer.wrapper
                and any(self._is_buffer(a) for a in _text_arguments(inner))
            ]
            if not wrapped:
                return None
            spelled = f"{spelled}({ast.unparse(wrapped[0].func)}(...))"
        throttled = self.throttled()
        if renderer.throttled_unless is not None and throttled is not True:
            forced = next(
                (k.value for k in node.keywords if k.arg == renderer.throttled_unless), None
            )
            if not (isinstance(forced, ast.Constant) and forced.value is True):
                throttled = True  # the library redraws on its own clock
        return _Render(node, self.scope, spelled, throttled)

    def _is_buffer(self, expr: ast.expr, depth: int = 0) -> bool:
        """The whole accumulated text: `full`, `full + "▌"`, `f"{full}▌"`, `"".join(parts)`."""
        if depth > 8:
            return False
        if isinstance(expr, ast.Name):
            return self.classes.get(expr.id) == "buffer"
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self._is_buffer(expr.left, depth + 1) or self._is_buffer(expr.right, depth + 1)
        if isinstance(expr, ast.JoinedStr):
            return any(
                isinstance(v, ast.FormattedValue) and self._is_buffer(v.value, depth + 1)
                for v in expr.values
            )
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            func = expr.func
            if func.attr == "join" and isinstance(func.value, ast.Constant) and expr.args:
                return self._is_buffer(expr.args[0], depth + 1)
            if func.attr in ("strip", "rstrip", "lstrip", "getvalue", "replace"):
                return self._is_buffer(func.value, depth + 1)
        return False

    def throttled(self) -> bool | None:
        """Whether the guards around the current statement limit how often it runs."""
        verdict: bool | None = False
        for test in self.guards:
            kind = self._guard(test)
            if kind == "throttle":
                return True
            if kind == "unknown":
                verdict = None
        return verdict

    def _guard(self, test: ast.expr) -> str:
        known = True
        for node in ast.walk(test):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Sub):
                return "throttle"
            if (
                isinstance(node, ast.Call)
                and call_path(node.func, self.scope) in self.tables.clocks
            ):
                return "throttle"
            if isinstance(node, ast.Name):
                if node.id in self.clocks or node.id in self.counters:
                    return "throttle"
                if node.id not in self.classes and node.id not in ("len", "isinstance"):
                    known = False
        return "content" if known else "unknown"


def _text_arguments(call: ast.Call) -> list[ast.expr]:
    """The first positional argument, or a keyword one (`Markdown(markup=text)`)."""
    return [*call.args[:1], *(k.value for k in call.keywords if k.arg is not None)]


def _class_names(expr: ast.expr) -> list[str]:
    nodes = expr.elts if isinstance(expr, ast.Tuple) else [expr]
    return [
        ast.unparse(n).rsplit(".", 1)[-1] for n in nodes if isinstance(n, ast.Name | ast.Attribute)
    ]
