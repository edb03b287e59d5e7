"""LLM SDK call sites and their traits (streamed, structured output, forced tool call).

Which methods exist and which arguments matter is data (`advisor/data/llm_sdks.yaml`); this
module only knows how to read arguments. Each trait is True, False or None (unknown): a trait
that depends on a run-time value stays None and no rule fires on it.
"""

from __future__ import annotations

import ast
from functools import cached_property

from advisor.facts.python.clients import ClientRef, infer_client
from advisor.facts.python.scopes import Scope
from advisor.facts.python.values import (
    UNKNOWN,
    Unknown,
    attribute_chain,
    boolean,
    call_argument,
    has_unknown_arguments,
    mapping,
    qualified_name,
    string,
)
from advisor.facts.python.walk import Context
from advisor.model import LlmCall
from advisor.tables import ForcedTool, MethodShape, Sdk, StructuredArgument, sdks

Trait = bool | None


class LlmCallDetector:
    node_types: tuple[type[ast.AST], ...] = (ast.Call,)

    @cached_property
    def _method_names(self) -> frozenset[str]:
        """Last attribute of every known API: a cheap filter before any resolution."""
        return frozenset(api.split(".")[-1] for sdk in sdks() for api in sdk.methods)

    def visit(self, node: ast.AST, context: Context) -> None:
        assert isinstance(node, ast.Call)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in self._method_names:
            return
        base, attributes = attribute_chain(func)
        client = _receiver(base, attributes, context.scope)
        if client is None:
            return
        client_ref, path = client
        api = ".".join(a for a in path if a not in client_ref.sdk.transparent)
        shape = client_ref.sdk.methods.get(api)
        if shape is None:
            return
        sdk = client_ref.sdk
        structured, via = _structured_output(shape, node, context.scope, sdk)
        forced = _forced_tool(shape.forced_tool, node, context.scope, sdk)
        if forced and not structured and shape.forced_tool is not None:
            via = f"a forced tool call, `{shape.forced_tool.keyword}`"
        context.facts.append(
            LlmCall(
                evidence=context.evidence(node),
                provider=sdk.provider,
                sdk=sdk.sdk,
                api=api,
                client=client_ref.name,
                is_async=client_ref.is_async,
                streamed=_streamed(shape, node, context.scope),
                structured_output=structured,
                forced_tool_call=forced,
                structured_via=via,
                resumes=shape.always_resumes
                or any(call_argument(node, k, None) is not None for k in shape.resume_keywords),
            )
        )


def _receiver(
    base: ast.expr, attributes: list[str], scope: Scope
) -> tuple[ClientRef, list[str]] | None:
    """The client and the method path called on it.

    `client.chat.completions.create` -> (client, [chat, completions, create]); for
    `self.llm.messages.create` the base is `self.llm`, so the first attribute may belong to it.
    """
    client = infer_client(base, scope)
    if client is not None:
        return client, attributes
    if isinstance(base, ast.Name) and base.id in ("self", "cls") and attributes:
        owner = ast.Attribute(value=base, attr=attributes[0], ctx=ast.Load())
        client = infer_client(owner, scope)
        if client is not None:
            return client, attributes[1:]
    return None


def _streamed(shape: MethodShape, call: ast.Call, scope: Scope) -> Trait:
    if shape.stream_always is not None:
        return shape.stream_always
    value = call_argument(call, shape.stream_keyword, None)
    if value is None:
        return None if has_unknown_arguments(call) else False
    result = boolean(value, scope)
    return None if isinstance(result, Unknown) else result


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
    current: ast.expr | None = None
    target_scope = scope
    for key in argument.at:
        entry = found.get(key)
        if entry is None:
            return False if found.complete else None
        current, target_scope = entry
        found_inner = mapping(current, target_scope)
        if isinstance(found_inner, Unknown):
            return _looks_like_model_class(current, target_scope)
        found = found_inner
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
