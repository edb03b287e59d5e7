"""Building blocks that add to a call or a dict literal the way its author wrote the rest.

An argument or a dict entry is appended after the last one with the separator the code already
uses between items (a space, or a line break and the indentation of a one-item-per-line
layout), and the last item's own trailer (a trailing comma, the line break before the closing
bracket) moves to the new last item, so a formatter has nothing to undo.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

_SPACE = cst.SimpleWhitespace(" ")


def _separator(
    previous: cst.Comma | cst.MaybeSentinel,
    opening: cst.BaseParenthesizableWhitespace,
) -> cst.Comma:
    if isinstance(previous, cst.Comma):
        return previous
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=opening)
    return cst.Comma(whitespace_after=_SPACE)


def keyword_argument(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def append_arguments(call: cst.Call, new: Sequence[cst.Arg]) -> cst.Call:
    """`call` with `new` arguments after its last one."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=tuple(new))
    last = args[-1]
    previous = args[-2].comma if len(args) >= 2 else cst.MaybeSentinel.DEFAULT
    separator = _separator(previous, call.whitespace_before_args)
    items = [
        *args[:-1],
        last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace("")),
    ]
    for index, arg in enumerate(new):
        final = index == len(new) - 1
        items.append(
            arg.with_changes(
                comma=last.comma if final else separator,
                whitespace_after_arg=last.whitespace_after_arg
                if final
                else cst.SimpleWhitespace(""),
            )
        )
    return call.with_changes(args=tuple(items))


def dict_entry(key: cst.BaseExpression, value: cst.BaseExpression) -> cst.DictElement:
    return cst.DictElement(
        key=key,
        value=value,
        whitespace_before_colon=cst.SimpleWhitespace(""),
        whitespace_after_colon=_SPACE,
    )


def append_entries(
    literal: cst.Dict, new: Sequence[tuple[cst.BaseExpression, cst.BaseExpression]]
) -> cst.Dict:
    """`literal` with `key: value` entries after its last one."""
    elements = list(literal.elements)
    entries = [dict_entry(k, v) for k, v in new]
    if not elements:
        joined = [
            e.with_changes(comma=cst.Comma(whitespace_after=_SPACE)) if i < len(entries) - 1 else e
            for i, e in enumerate(entries)
        ]
        return literal.with_changes(elements=tuple(joined))
    last = elements[-1]
    previous = elements[-2].comma if len(elements) >= 2 else cst.MaybeSentinel.DEFAULT
    separator = _separator(previous, literal.lbrace.whitespace_after)
    if isinstance(last, cst.DictElement):
        entries = [
            e.with_changes(
                whitespace_before_colon=last.whitespace_before_colon,
                whitespace_after_colon=last.whitespace_after_colon,
            )
            for e in entries
        ]
    items: list[cst.BaseDictElement] = [*elements[:-1], last.with_changes(comma=separator)]
    for index, entry in enumerate(entries):
        final = index == len(entries) - 1
        items.append(entry.with_changes(comma=last.comma if final else separator))
    return literal.with_changes(elements=tuple(items))


def replace_node(root: cst.CSTNode, old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`root` with the node `old` (by identity) replaced by `new`."""
    return root.deep_replace(old, new)


LINE_LENGTH = 88
"""Past this, a call that grew is laid out one argument per line (black's default width)."""


def _line_break(extra: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=(),
        indent=True,
        last_line=cst.SimpleWhitespace(extra),
    )


def one_per_line(node: cst.Call | cst.Dict, base: str, indent: str) -> cst.Call | cst.Dict:
    """`node` with each argument (or entry) on a line of its own and a trailing comma, as
    black lays it out; `base` is the indentation of the line it starts on, relative to its
    statement's."""
    inner = base + indent
    if isinstance(node, cst.Call):
        args = list(node.args)
        items = [
            arg.with_changes(
                comma=cst.Comma(
                    whitespace_after=_line_break(base if i == len(args) - 1 else inner)
                ),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            for i, arg in enumerate(args)
        ]
        return node.with_changes(whitespace_before_args=_line_break(inner), args=tuple(items))
    elements = list(node.elements)
    entries = [
        element.with_changes(
            comma=cst.Comma(whitespace_after=_line_break(base if i == len(elements) - 1 else inner))
        )
        for i, element in enumerate(elements)
    ]
    return node.with_changes(
        lbrace=cst.LeftCurlyBrace(whitespace_after=_line_break(inner)),
        rbrace=cst.RightCurlyBrace(whitespace_before=cst.SimpleWhitespace("")),
        elements=tuple(entries),
    )
