"""Fixes of SSE responses: the no-buffering headers (ADV201) and the media type (ADV202).

Both edit the response where the finding points: the constructor call (`StreamingResponse(...)`,
Flask `Response(...)`, `make_response(...)`, Sanic `request.respond(...)`), or a Flask/Quart
view's returned `(body, headers)` tuple. Where the arguments go comes from the response table
(advisor/data/responses.yaml), as for detection. The change stays in the call, or in a dict
literal that the same function binds once and passes to it: a mapping defined at module level
may be shared by other responses, so it is not touched.
"""

from __future__ import annotations

import libcst as cst

from advisor.facts.python.responses import normalize_media_type
from advisor.fixes.edit import append_arguments, append_entries, keyword_argument
from advisor.fixes.tree import (
    Declined,
    Edits,
    FixRequest,
    Replacement,
    SourceTree,
    bindings,
    literal_text,
    string_literal,
)
from advisor.model import ResponseConstruction
from advisor.records import record
from advisor.tables import ResponseClass, Slot, response_classes, stream_tables

NO_BUFFERING = (("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no"))
EVENT_STREAM = "text/event-stream"


@record
class _Site:
    """Where the response is built: a constructor call, or the value a view returns."""

    node: cst.BaseExpression
    entry: ResponseClass
    fact: ResponseConstruction
    call: bool


def _site(request: FixRequest, tree: SourceTree) -> _Site | Declined:
    fact = request.fact
    if not isinstance(fact, ResponseConstruction):
        return Declined("the finding is not about a response")
    entry = response_classes().get(fact.constructor)
    if entry is None:
        return Declined(
            f"`{fact.constructor}` is a response class of the project: its constructor may take "
            "other arguments than the library's"
        )
    node = tree.find(request.targets[0], (cst.BaseExpression,))
    if node is None:
        return Declined("the code at the finding's position is not what was analysed")
    parent = tree.parent(node)
    if isinstance(parent, cst.Decorator):
        return Declined("the framework builds this response from a generator route")
    if isinstance(node, cst.Call) and _constructs(tree, node, fact.constructor, entry):
        return _Site(node, entry, fact, call=True)
    if isinstance(parent, cst.Return) and fact.constructor in stream_tables().view_returns.values():
        return _Site(node, entry, fact, call=False)
    return Declined("the response is not built by a call the advisor can edit")


def _constructs(tree: SourceTree, call: cst.Call, constructor: str, entry: ResponseClass) -> bool:
    if entry.method:
        method = constructor.rsplit(".", 1)[-1]
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == method
    return constructor in tree.qualified_names(call.func)


_UNKNOWN = object()


def _argument(call: cst.Call, slot: Slot | None) -> cst.Arg | object | None:
    """The argument given for `slot`; _UNKNOWN when `*args` / `**kwargs` may hold it."""
    if slot is None:
        return None
    for arg in call.args:
        if (
            arg.keyword is not None
            and slot.keyword is not None
            and arg.keyword.value == slot.keyword
        ):
            return arg
    if slot.position is not None:
        index = 0
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            if arg.star == "*":
                return _UNKNOWN
            if index == slot.position:
                return arg
            index += 1
    if any(arg.star == "**" for arg in call.args):
        return _UNKNOWN
    return None


def _local_dict(tree: SourceTree, name: cst.Name) -> cst.Dict | Declined:
    """The dict literal a name is bound to, when the enclosing function binds it once to one."""
    function = tree.enclosing(name, (cst.FunctionDef,))
    if function is None:
        return Declined(f"`{name.value}` is bound at module level: other code may share it")
    found = bindings(function, name.value)
    if found is None or not found:
        return Declined(f"`{name.value}` comes from outside the function: other code may share it")
    if len(found) != 1:
        return Declined(f"`{name.value}` is bound more than once in the function")
    statement = found[0]
    if not (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
        and isinstance(statement.value, cst.Dict)
    ):
        return Declined(f"`{name.value}` is not bound to a dict literal")
    if tree.span(statement).start.line > tree.span(name).start.line:
        return Declined(f"`{name.value}` is bound after the response is built")
    return statement.value


def _mapping(tree: SourceTree, value: cst.BaseExpression) -> cst.Dict | Declined:
    if isinstance(value, cst.Dict):
        return value
    if isinstance(value, cst.Name):
        return _local_dict(tree, value)
    return Declined("the headers are not a dict literal of this function")


def _keys(literal: cst.Dict) -> dict[str, cst.DictElement] | None:
    """Lower-cased literal keys; None when some key is not a literal or `**` unpacks another
    mapping."""
    keys: dict[str, cst.DictElement] = {}
    for element in literal.elements:
        if not isinstance(element, cst.DictElement):
            return None
        text = literal_text(element.key)
        if text is None:
            return None
        keys[text.lower()] = element
    return keys


def _entries(
    tree: SourceTree, near: cst.CSTNode, items: tuple[tuple[str, str], ...]
) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    quote = tree.quote_in(near)
    return [(string_literal(k, quote), string_literal(v, quote)) for k, v in items]


def _new_dict(tree: SourceTree, near: cst.CSTNode, items: tuple[tuple[str, str], ...]) -> cst.Dict:
    """A dict literal of `items`, quoted like the strings of `near` (the call it goes into)."""
    return append_entries(cst.Dict(elements=()), _entries(tree, near, items))


def _merge(
    tree: SourceTree, literal: cst.Dict, items: tuple[tuple[str, str], ...]
) -> Edits | Declined:
    keys = _keys(literal)
    if keys is None:
        return Declined("the header dict has keys that are not literals")
    if any(name.lower() in keys for name, _ in items):
        return Declined("the header dict already names the header")
    new = append_entries(literal, _entries(tree, literal, items))
    return Edits((Replacement(literal, tree.grown(literal, new)),))


def add_no_buffer_headers(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    """ADV201: add `Cache-Control: no-cache` and `X-Accel-Buffering: no` (those missing)."""
    site = _site(request, tree)
    if isinstance(site, Declined):
        return site
    present = set(site.fact.effective_header_names)
    missing = tuple((k, v) for k, v in NO_BUFFERING if k.lower() not in present)
    if not missing:
        return Declined("the response already has both headers")
    if not site.call:
        return _add_to_tuple(tree, site.node, missing, "headers")
    call = site.node
    assert isinstance(call, cst.Call)
    if site.entry.return_tuple:
        return _add_to_call_tuple(tree, call, missing)
    if site.entry.headers is None or site.entry.headers.keyword is None:
        return Declined(f"`{site.fact.constructor}` takes no headers argument")
    given = _argument(call, site.entry.headers)
    if given is _UNKNOWN:
        return Declined("`*args` or `**kwargs` may already pass the headers")
    if isinstance(given, cst.Arg):
        literal = _mapping(tree, given.value)
        if isinstance(literal, Declined):
            return literal
        return _merge(tree, literal, missing)
    headers = keyword_argument(site.entry.headers.keyword, _new_dict(tree, call, missing))
    return Edits((Replacement(call, tree.grown(call, append_arguments(call, [headers]))),))


def _add_to_tuple(
    tree: SourceTree, node: cst.BaseExpression, items: tuple[tuple[str, str], ...], what: str
) -> Edits | Declined:
    """A view's `(body, status, headers)` return: merge into its headers dict, or add one."""
    if not isinstance(node, cst.Tuple):
        return Declined(f"the view returns its body alone: no {what} to add to")
    rest = [e.value for e in node.elements[1:]]
    if any(isinstance(e, cst.StarredElement) for e in node.elements):
        return Declined("the returned tuple unpacks another sequence")
    merged = _merge_into_headers(tree, rest, items, "the returned tuple")
    if merged is not None:
        return merged
    if len(node.elements) > 2:
        return Declined("the returned tuple is not `(body, status)`")
    return Edits((Replacement(node, _append_element(node, _new_dict(tree, node, items))),))


def _merge_into_headers(
    tree: SourceTree,
    rest: list[cst.BaseExpression],
    items: tuple[tuple[str, str], ...],
    what: str,
) -> Edits | Declined | None:
    """Merge into the headers among a view's `(body, status, headers)` values (or the same
    arguments of `make_response`); None when there is no headers value yet."""
    mappings = [v for v in rest if not isinstance(v, cst.Integer)]
    if len(mappings) > 1:
        return Declined(f"{what} has more than one headers value")
    if not mappings:
        return None
    literal = _mapping(tree, mappings[0])
    if isinstance(literal, Declined):
        return literal
    return _merge(tree, literal, items)


def _add_to_call_tuple(
    tree: SourceTree, call: cst.Call, items: tuple[tuple[str, str], ...]
) -> Edits | Declined:
    """`make_response(body, status, headers)`: the arguments read like a view's tuple."""
    if any(a.keyword is not None or a.star for a in call.args) or not call.args:
        return Declined("`make_response` is not called with plain positional arguments")
    rest = [a.value for a in call.args[1:]]
    merged = _merge_into_headers(tree, rest, items, "the call")
    if merged is not None:
        return merged
    if len(call.args) > 2:
        return Declined("the call is not `make_response(body, status)`")
    new = append_arguments(call, [cst.Arg(_new_dict(tree, call, items))])
    return Edits((Replacement(call, tree.grown(call, new)),))


def _append_element(node: cst.Tuple, value: cst.BaseExpression) -> cst.Tuple:
    elements = list(node.elements)
    last = elements[-1]
    previous = elements[-2].comma if len(elements) >= 2 else cst.MaybeSentinel.DEFAULT
    separator = (
        previous
        if isinstance(previous, cst.Comma)
        else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    )
    trailing = last.comma if len(elements) >= 2 else cst.MaybeSentinel.DEFAULT
    items = [*elements[:-1], last.with_changes(comma=separator), cst.Element(value, comma=trailing)]
    return node.with_changes(elements=tuple(items))


def set_event_stream_media_type(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    """ADV202: send the SSE body as `text/event-stream`."""
    site = _site(request, tree)
    if isinstance(site, Declined):
        return site
    if any(h.name == "content-type" for h in site.fact.headers):
        return Declined("the media type comes from a Content-Type header")
    if not site.call:
        return _view_media_type(tree, site.node)
    call = site.node
    assert isinstance(call, cst.Call)
    slots = [site.entry.media_type, *site.entry.media_type.alternatives]
    for slot in slots:
        given = _argument(call, slot)
        if given is _UNKNOWN:
            return Declined("`*args` or `**kwargs` may already pass the media type")
        if isinstance(given, cst.Arg):
            return Edits((Replacement(given.value, _media_literal(tree, given.value)),))
    default = site.entry.media_type.default
    expected = normalize_media_type(default) if default is not None else None
    if site.fact.media_type != expected:
        return Declined("the media type is set after the response is built")
    keyword = site.entry.media_type.keyword
    if keyword is None:
        return Declined(f"`{site.fact.constructor}` takes no media type argument")
    argument = keyword_argument(keyword, string_literal(EVENT_STREAM, tree.quote_in(call)))
    return Edits((Replacement(call, tree.grown(call, append_arguments(call, [argument]))),))


def _media_literal(tree: SourceTree, value: cst.BaseExpression) -> cst.SimpleString:
    """`text/event-stream`, keeping the parameters of a literal (`; charset=utf-8`)."""
    text = literal_text(value)
    quote = value.quote if isinstance(value, cst.SimpleString) else tree.quote
    if quote not in ('"', "'"):
        quote = tree.quote
    parameters = ""
    if text is not None and ";" in text:
        parameters = text[text.index(";") :]
        if quote in parameters or "\\" in parameters:
            parameters = ""
    return string_literal(EVENT_STREAM + parameters, quote)


def _view_media_type(tree: SourceTree, node: cst.BaseExpression) -> Edits | Declined:
    """A Flask/Quart view returning a generator: add the Content-Type to its tuple."""
    items = (("Content-Type", EVENT_STREAM),)
    if not isinstance(node, cst.Tuple):
        quote = tree.quote
        content_type = cst.Dict(
            elements=(
                cst.DictElement(
                    string_literal("Content-Type", quote), string_literal(EVENT_STREAM, quote)
                ),
            )
        )
        pair = cst.Tuple(
            elements=(
                cst.Element(node, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Element(content_type),
            ),
            lpar=(),
            rpar=(),
        )
        return Edits((Replacement(node, pair),))
    return _add_to_tuple(tree, node, items, "Content-Type")
