"""LLM SDK call sites and their traits (streamed, structured output, tools, thinking, ...).

Which methods exist and which arguments matter is data (`advisor/data/llm_sdks.yaml`); this
module only knows how to read arguments. Each trait is True, False or None (unknown): a trait
that depends on a run-time value stays None and no rule fires on it. A call on an object
imported from another module of the project is kept as pending and resolved across files.
"""

from __future__ import annotations

import ast
from functools import cached_property

from advisor.facts.python.clients import ClientRef, infer_client
from advisor.facts.python.loops import repetition
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    UNKNOWN,
    Unknown,
    attribute_chain,
    call_argument,
    constant,
    flag_argument,
    has_unknown_arguments,
    mapping,
    qualified_name,
    string,
)
from advisor.facts.python.walk import Context
from advisor.model import LlmCall, Pending
from advisor.tables import (
    ForcedTool,
    MethodShape,
    Sdk,
    StructuredArgument,
    client_classes,
    sdk_modules,
    sdks,
)

Trait = bool | None


class LlmCallDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.Call,)

    def __init__(self) -> None:
        self.latest: tuple[ast.Call, LlmCall | Pending] | None = None
        """The last call that produced a fact or a pending fact: detectors that run after this
        one on the same node (stream consumption) read it instead of resolving it again."""

    @cached_property
    def _method_names(self) -> frozenset[str]:
        """Last attribute of every known API: a cheap filter before any resolution."""
        return frozenset(api.split(".")[-1] for sdk in sdks() for api in sdk.methods)

    def visit(self, node: ast.AST, context: Context) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in self._method_names:
            return
        resolved = _resolve(func, context.scope)
        if resolved is None:
            pending = _pending(func, node, context)
            if pending is not None:
                context.module.pending.append(pending)
                self.latest = (node, pending)
            return
        client, path = resolved
        fact = build_call(client, path, node, context)
        if fact is not None:
            context.facts.append(fact)
            self.latest = (node, fact)


def _resolve(func: ast.expr, scope: Scope) -> tuple[ClientRef, list[str]] | None:
    """The client and the method path called on it."""
    if isinstance(func, ast.Name):
        return _module_function(qualified_name(func, scope))
    if not isinstance(func, ast.Attribute):
        return None
    base, attributes = attribute_chain(func)
    client = infer_client(base, scope)
    if client is not None:
        return client, attributes
    if isinstance(base, ast.Name) and base.id in ("self", "cls") and attributes:
        owner = ast.Attribute(value=base, attr=attributes[0], ctx=ast.Load())
        client = infer_client(owner, scope)
        if client is not None:
            return client, attributes[1:]
    return _module_function(qualified_name(func, scope))


def _module_function(name: str | None) -> tuple[ClientRef, list[str]] | None:
    """`litellm.completion` / `from litellm import completion`: the SDK module is the client."""
    if not name:
        return None
    for module, sdk in sdk_modules().items():
        if sdk.module_calls and name.startswith(module + "."):
            return ClientRef(sdk, module, False, True), name[len(module) + 1 :].split(".")
    return None


def _api(sdk: Sdk, path: list[str]) -> tuple[str, bool]:
    """The table's API name for an attribute path, and whether an async segment was used."""
    kept = [a for a in path if a not in sdk.transparent and a not in sdk.async_segments]
    return ".".join(kept), any(a in sdk.async_segments for a in path)


def build_call(
    client: ClientRef, path: list[str], node: ast.Call, context: Context
) -> LlmCall | None:
    sdk = client.sdk
    api, async_segment = _api(sdk, path)
    shape = sdk.methods.get(api)
    if shape is None:
        return None
    scope = context.scope
    if shape.only_when is not None:
        keyword, expected = shape.only_when
        if string(call_argument(node, keyword, None), scope) != expected:
            return None
    structured, via = _structured_output(shape, node, scope, sdk)
    if "structured" in client.traits:
        structured, via = True, "`with_structured_output()`"
    forced = _forced_tool(shape.forced_tool, node, scope, sdk)
    if forced and not structured and shape.forced_tool is not None:
        via = f"a forced tool call, `{shape.forced_tool.keyword}`"
    repeated = repetition(context.loops, scope, node)
    return LlmCall(
        evidence=context.evidence(node),
        provider=sdk.provider,
        sdk=sdk.sdk,
        api=api,
        api_kind=shape.kind,
        client=client.name,
        is_async=client.is_async or shape.is_async or async_segment,
        streamed=_streamed(shape, node, scope),
        structured_output=structured,
        forced_tool_call=forced,
        structured_via=via,
        resumes=shape.always_resumes
        or any(call_argument(node, k, None) is not None for k in shape.resume_keywords),
        tools=True if "tools" in client.traits else _tools(shape, node, scope, sdk),
        thinking=_thinking(shape, node, scope, sdk),
        max_tokens=_max_tokens(shape, node, scope),
        loop=repeated.loop,
        loop_bound=repeated.bound,
        loop_carried=repeated.carried,
        polled=repeated.polled,
        in_loop=bool(context.loops),
        branch=context.branch(node),
    )


def _pending(func: ast.expr, node: ast.Call, context: Context) -> Pending | None:
    """`client.chat.completions.create(...)` with `client` imported from a project module."""
    if not isinstance(func, ast.Attribute):
        return None
    base, attributes = attribute_chain(func)
    called = isinstance(base, ast.Call)
    target = base.func if isinstance(base, ast.Call) else base
    if not isinstance(target, ast.Name | ast.Attribute):
        return None
    binding_ok = isinstance(target, ast.Attribute) or (
        (b := context.scope.single(target.id)) is not None and b.kind == "import"
    )
    symbol = qualified_name(target, context.scope)
    if not binding_ok or not symbol or symbol in sdk_modules() or symbol in client_classes():
        return None
    candidates = []
    for sdk in sdks():
        if not sdk.clients:
            continue
        name, is_async = next(iter(sdk.clients.items()))
        fact = build_call(ClientRef(sdk, name, is_async), attributes, node, context)
        if fact is not None:
            candidates.append(fact)
    if not candidates:
        return None
    return Pending(receiver=symbol + ("()" if called else ""), candidates=tuple(candidates))


def _streamed(shape: MethodShape, call: ast.Call, scope: Scope) -> Trait:
    if shape.stream_always is not None:
        return shape.stream_always
    return flag_argument(call, shape.stream_keyword, scope)


def _structured_output(
    shape: MethodShape, call: ast.Call, scope: Scope, sdk: Sdk
) -> tuple[Trait, str | None]:
    if shape.structured_always is not None:
        return shape.structured_always, (
            f"`{shape.api.rsplit('.', 1)[-1]}()`" if shape.structured_always else None
        )
    verdict: Trait = False
    for argument in shape.structured_arguments:
        result = _structured_argument(argument, call, scope, sdk)
        if result is True:
            return True, f"`{argument.keyword}`"
        if result is None:
            verdict = None
    return verdict, None


def _absent(value: ast.expr | None, scope: Scope, sdk: Sdk) -> bool:
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return True
    name = qualified_name(value, scope) if isinstance(value, ast.Name | ast.Attribute) else None
    return name is not None and name.split(".")[-1] in sdk.not_given


def _structured_argument(
    argument: StructuredArgument, call: ast.Call, scope: Scope, sdk: Sdk
) -> Trait:
    value = call_argument(call, argument.keyword, None)
    if value is None and has_unknown_arguments(call):
        return None
    if _absent(value, scope, sdk):
        return False
    assert value is not None
    found = mapping(value, scope)
    if isinstance(found, Unknown):
        return _looks_like_model_class(value, scope)
    for key in argument.at:
        entry = found.get(key)
        if entry is None:
            return False if found.complete else None
        inner = mapping(entry[0], entry[1])
        if isinstance(inner, Unknown):
            return _looks_like_model_class(entry[0], entry[1])
        found = inner
    kind = found.get("type")
    if kind is None:
        return None
    kind_value = string(kind[0], kind[1])
    if isinstance(kind_value, str):
        return kind_value not in argument.plain_types
    return None


def _looks_like_model_class(value: ast.expr, scope: Scope) -> Trait:
    """`response_format=Answer`: a (pydantic) class defined here or imported by its name.

    A CamelCase name is a class by convention; an ALL_CAPS constant could hold `{"type":
    "text"}`, and a parameter could hold anything, so those stay unknown.
    """
    if isinstance(value, ast.Name):
        binding = scope.single(value.id)
        if binding is not None and binding.kind == "class":
            return True
        if binding is None or binding.kind != "import":
            return None
    elif not isinstance(value, ast.Attribute):
        return None
    name = qualified_name(value, scope)
    last = name.split(".")[-1] if name else ""
    return True if last[:1].isupper() and any(c.islower() for c in last) else None


def _forced_tool(forced: ForcedTool | None, call: ast.Call, scope: Scope, sdk: Sdk) -> Trait:
    if forced is None:
        return False
    value = call_argument(call, forced.keyword, None)
    if value is None and has_unknown_arguments(call):
        return None
    if _absent(value, scope, sdk):
        return False
    assert value is not None
    text = string(value, scope)
    if isinstance(text, str):
        return text in forced.strings
    found = mapping(value, scope)
    if isinstance(found, Unknown):
        return None
    kind = found.get("type")
    kind_value = string(kind[0], kind[1]) if kind else UNKNOWN
    if isinstance(kind_value, str):
        return kind_value in forced.types
    return None


def _tools(shape: MethodShape, call: ast.Call, scope: Scope, sdk: Sdk) -> Trait:
    if not shape.tools:
        return False
    found: Trait = False
    for keyword in shape.tools:
        value = call_argument(call, keyword, None)
        if value is None:
            continue
        if _absent(value, scope, sdk):
            continue
        if isinstance(value, ast.List | ast.Tuple) and not value.elts:
            continue
        return True
    if has_unknown_arguments(call):
        found = None
    return found


def _thinking(shape: MethodShape, call: ast.Call, scope: Scope, sdk: Sdk) -> Trait:
    if shape.thinking is None:
        return False
    value = call_argument(call, shape.thinking.keyword, None)
    if value is None:
        return None if has_unknown_arguments(call) else False
    if _absent(value, scope, sdk):
        return False
    found = mapping(value, scope)
    if isinstance(found, Unknown):
        return None
    if shape.thinking.key is not None:
        return found.get(shape.thinking.key) is not None or (None if not found.complete else False)
    kind = found.get("type")
    kind_value = string(kind[0], kind[1]) if kind else UNKNOWN
    if isinstance(kind_value, str):
        return kind_value in shape.thinking.types
    return None


def _max_tokens(shape: MethodShape, call: ast.Call, scope: Scope) -> int | None:
    for keyword in shape.max_tokens:
        value = constant(call_argument(call, keyword, None), scope)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
