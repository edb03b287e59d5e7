"""ADV205's fixes: the SSE frames a streaming body writes.

The detector classifies each piece from the literal parts of the string that builds it; the
fixes edit those literals where they are written (the value a generator yields, the argument of
`resp.write(...)`), never a helper or a name bound elsewhere, which other code may share.

- `end_events`: a `data:` frame that ends with one line break gets a second one, so every frame
  ends its event (`f"data: {x}\\n"` -> `f"data: {x}\\n\\n"`). A client received nothing for
  such a frame until the next blank line; now it gets each event when it is sent.
- `json_encode_data`: model text put raw into a `data:` line goes through `json.dumps`, which
  escapes its line breaks. Unsafe: the client then receives a JSON string and must parse it.
- `unwrap_frames`: an item that already is a frame, handed to a library that frames each item
  (sse-starlette, aiohttp-sse: both send a `str` as the event's data), loses its own framing
  (`f"data: {json.dumps(x)}\\n\\n"` -> `json.dumps(x)`). Unsafe: a client that stripped the
  doubled `data: ` prefix itself sees the payload change.
"""

from __future__ import annotations

import libcst as cst

from advisor.fixes.tree import Declined, Edits, FixRequest, Replacement, SourceTree
from advisor.model import ResponseConstruction

_BREAKS = ("\\r\\n", "\\n", "\\r")
"""Line breaks as written in a (non-raw) string literal, longest first."""
_FRAMING_STR_AS_DATA = frozenset({"sse-starlette", "aiohttp-sse"})
"""Libraries that send a `str` item as the event's data, unchanged (FACTS.md §1.3, §1.6)."""
_JSON_CALLS = frozenset({"json.dumps"})
_JSON_METHODS = frozenset({"model_dump_json", "json"})


def _response(request: FixRequest) -> ResponseConstruction | Declined:
    fact = request.fact
    if not isinstance(fact, ResponseConstruction):
        return Declined("the finding is not about a response")
    if not request.targets:
        return Declined("the advisor did not record where the frames are built")
    return fact


def _nodes(request: FixRequest, tree: SourceTree) -> list[cst.BaseExpression] | Declined:
    """The expressions that build the frames of the response the finding is about."""
    fact = _response(request)
    if isinstance(fact, Declined):
        return fact
    nodes = []
    for location in request.targets:
        node = tree.find(location, (cst.BaseExpression,))
        if node is None:
            return Declined("the code at the finding's position is not what was analysed")
        nodes.append(node)
    return nodes


def end_events(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    nodes = _nodes(request, tree)
    if isinstance(nodes, Declined):
        return nodes
    replacements = []
    for node in nodes:
        literal = _last_literal(node)
        if literal is None:
            return Declined(
                "a frame is not built from a string literal here (a name, a helper, a value "
                "computed at run time)"
            )
        new = _with_second_break(literal)
        if new is None:
            return Declined("a frame does not end with a line break written as an escape")
        replacements.append(Replacement(literal, new))
    return Edits(tuple(replacements))


def _last_literal(
    node: cst.BaseExpression,
) -> cst.SimpleString | cst.FormattedStringText | None:
    """The literal piece that ends the string `node` builds."""
    current: cst.BaseExpression = node
    for _ in range(8):
        if isinstance(current, cst.SimpleString):
            return current
        if isinstance(current, cst.FormattedString):
            last = current.parts[-1] if current.parts else None
            return last if isinstance(last, cst.FormattedStringText) else None
        if isinstance(current, cst.ConcatenatedString):
            right = current.right
            current = right
            continue
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Add):
            current = current.right
            continue
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Modulo):
            current = current.left
            continue
        if (
            isinstance(current, cst.Call)
            and isinstance(current.func, cst.Attribute)
            and current.func.attr.value in ("encode", "format")
        ):
            current = current.func.value
            continue
        return None
    return None


def _with_second_break(
    literal: cst.SimpleString | cst.FormattedStringText,
) -> cst.SimpleString | cst.FormattedStringText | None:
    if isinstance(literal, cst.SimpleString):
        if "r" in literal.prefix.lower() or len(literal.quote) == 3:
            return None
        body = literal.raw_value
        for line_break in _BREAKS:
            if body.endswith(line_break):
                quote = literal.quote
                return literal.with_changes(
                    value=f"{literal.prefix}{quote}{body}{line_break}{quote}"
                )
        return None
    for line_break in _BREAKS:
        if literal.value.endswith(line_break):
            return literal.with_changes(value=literal.value + line_break)
    return None


def json_encode_data(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    nodes = _nodes(request, tree)
    if isinstance(nodes, Declined):
        return nodes
    json_name = tree.module_import("json")
    if json_name == "":
        return Declined("`json` means something else in this module")
    imports = ("json",) if json_name is None else ()
    json_name = json_name or "json"
    replacements = []
    for node in nodes:
        parent = tree.parent(node)
        if isinstance(parent, cst.FormattedStringExpression) and (
            parent.conversion is not None or parent.format_spec is not None
        ):
            return Declined("the text is formatted with a conversion or a format spec")
        dumps = cst.Call(
            func=cst.Attribute(value=cst.Name(json_name), attr=cst.Name("dumps")),
            args=(cst.Arg(value=node.with_changes(lpar=(), rpar=())),),
        )
        replacements.append(Replacement(node, dumps.with_changes(lpar=node.lpar, rpar=node.rpar)))
    return Edits(tuple(replacements), imports=imports)


def unwrap_frames(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    fact = _response(request)
    if isinstance(fact, Declined):
        return fact
    if fact.library not in _FRAMING_STR_AS_DATA:
        return Declined(f"{fact.library} does not send a string item as the data unchanged")
    nodes = _nodes(request, tree)
    if isinstance(nodes, Declined):
        return nodes
    replacements = []
    for node in nodes:
        payload = _payload(tree, node)
        if payload is None:
            return Declined("a frame is not `data: ` plus one JSON-encoded value and a blank line")
        replacements.append(Replacement(node, payload))
    return Edits(tuple(replacements))


def _payload(tree: SourceTree, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """What goes after `data: ` in a one-line frame, when it is a string already."""
    if isinstance(node, cst.SimpleString):
        if "r" in node.prefix.lower() or "b" in node.prefix.lower() or len(node.quote) == 3:
            return None
        body = node.raw_value
        inner = _strip_frame(body)
        if inner is None or "\\" in inner or not inner:
            return None
        return node.with_changes(value=f"{node.prefix}{node.quote}{inner}{node.quote}")
    if not isinstance(node, cst.FormattedString) or len(node.parts) != 3:
        return None
    head, middle, end = node.parts
    if not (
        isinstance(head, cst.FormattedStringText)
        and isinstance(end, cst.FormattedStringText)
        and isinstance(middle, cst.FormattedStringExpression)
        and middle.conversion is None
        and middle.format_spec is None
        and head.value in ("data: ", "data:")
        and end.value in ("\\n\\n", "\\r\\n\\r\\n")
    ):
        return None
    value = middle.expression
    if not isinstance(value, cst.Call):
        return None
    if tree.qualified_names(value.func) & _JSON_CALLS:
        return value
    if isinstance(value.func, cst.Attribute) and value.func.attr.value in _JSON_METHODS:
        return value
    return None


def _strip_frame(body: str) -> str | None:
    for prefix in ("data: ", "data:"):
        if body.startswith(prefix):
            for end in ("\\n\\n", "\\r\\n\\r\\n"):
                if body.endswith(end):
                    inner = body[len(prefix) : -len(end)]
                    return inner if "\\n" not in inner and "\\r" not in inner else None
    return None
