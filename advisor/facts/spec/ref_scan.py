"""Every `$ref` of a spec and the files it references, checked once (ADV002 facts).

The walk is iterative and visits each object once by identity, so YAML aliases (an alias bomb
is a few lines referring to each other exponentially often) cost their size, not their
expansion. Example payloads and `x-` extensions are not OpenAPI structure and are skipped.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from advisor.facts.spec.documents import Located, SpecFiles
from advisor.facts.spec.resolver import RefFailure, Resolver
from advisor.model import UnresolvedRef
from advisor.read.spec import SpecDocument

SKIPPED_KEYS = frozenset({"example", "examples", "default", "enum", "const"})


def scan_refs(entry: str, files: SpecFiles, resolver: Resolver) -> list[UnresolvedRef]:
    problems: list[UnresolvedRef] = []
    queued = {entry}
    queue = deque([entry])
    while queue:
        path = queue.popleft()
        document = files.document(path)
        if not isinstance(document, SpecDocument):
            continue
        targets = _targets_if_all_resolve(document, path, resolver)
        if targets is not None:
            for target in targets - queued:
                queued.add(target)
                queue.append(target)
            continue
        for pointer, ref in _references(document.data):
            where = Located(ref, path, pointer)
            found = resolver.follow(ref, path) if isinstance(ref, str) else None
            if isinstance(found, Located):
                if found.path not in queued:
                    queued.add(found.path)
                    queue.append(found.path)
                continue
            failure = found or RefFailure("invalid", f"$ref must be a string, not {ref!r}")
            problems.append(
                UnresolvedRef(
                    evidence=files.evidence(where),
                    ref=ref if isinstance(ref, str) else repr(ref),
                    reason=failure.reason,
                    target=failure.target,
                    detail=failure.detail,
                )
            )
    return problems


def _targets_if_all_resolve(
    document: SpecDocument, path: str, resolver: Resolver
) -> set[str] | None:
    """The files a document's references reach, if every reference written in its text
    resolves; None if one does not, or the text cannot be read this way (then the document is
    walked to say which `$ref`, where).

    Most specs have no broken reference, and reading each `$ref` from the text costs a tenth
    of walking a large document. The text holds every reference the walk would see, and more
    (in examples, extensions, prose): a broken one of those also sends the document to the
    walk, which skips them as before.
    """
    text = document.text
    refs: set[str] = set()
    index = text.find("$ref")
    while index >= 0:
        match = _REF_IN_TEXT.match(text, index)
        if match is None or (index and text[index - 1] not in _BEFORE_REF_KEY):
            return None  # prose, or written in a way we do not read here
        if match[3] is not None and _continues(text, index, match.end()):
            return None  # a plain value folded over several lines
        refs.add(next(value for value in match.groups() if value is not None))
        index = text.find("$ref", match.end())
    targets = set()
    for ref in refs:
        found = resolver.follow(ref, path)
        if not isinstance(found, Located):
            return None
        targets.add(found.path)
    return targets


def _continues(text: str, key: int, end: int) -> bool:
    """Whether the line after a plain value (ending at `end`) is indented past its key."""
    column = key - (text.rfind("\n", 0, key) + 1)
    following = _NEXT_LINE.match(text, end)
    return following is not None and len(following[1]) > column


_NEXT_LINE = re.compile(r"[^\n]*\n(?:[ \t]*\n)*( *)(?=[^ \n])")
# `$ref: '#/a'`, `"$ref": "#/a"`, `$ref: a.yaml#/b` (quoted without escapes, or plain)
_REF_IN_TEXT = re.compile(
    r"""\$ref["']?[ \t]*:[ \t]*(?:"([^"\\\n]*)"|'([^'\n]*)'|([^\s#'"{\[&*!|>][^\n#]*?))"""
    r"""[ \t]*(?:$|[,}\]]|[ \t]#)""",
    re.M,
)
_BEFORE_REF_KEY = frozenset(" \t\n\"'{,")


def _references(data: Any) -> list[tuple[tuple[str, ...], Any]]:
    """(pointer of the `$ref` key, its value) for every reference in a document."""
    found: list[tuple[tuple[str, ...], Any]] = []
    seen: set[int] = set()
    # Pointers are kept as (name, parent) chains and spelled out only for a `$ref`: most
    # containers of a large spec hold none, and copying a tuple per container cost most of
    # the walk.
    stack: list[tuple[Any, _Chain]] = [(data, None)]
    while stack:
        value, chain = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if type(value) is dict:
            ref = value.get("$ref")
            if ref is not None:
                found.append(((*_spelled(chain), "$ref"), ref))
            for key, item in value.items():
                kind = type(item)
                if kind is not dict and kind is not list:
                    continue
                name = key if type(key) is str else str(key)
                if name in SKIPPED_KEYS or name.startswith("x-") or name == "$ref":
                    continue
                stack.append((item, (name, chain)))
        elif type(value) is list:
            for index, item in enumerate(value):
                kind = type(item)
                if kind is dict or kind is list:
                    stack.append((item, (str(index), chain)))
    found.sort(key=lambda entry: entry[0])
    return found


_Chain = tuple[str, "_Chain"] | None


def _spelled(chain: _Chain) -> tuple[str, ...]:
    names = []
    while chain is not None:
        name, chain = chain
        names.append(name)
    return tuple(reversed(names))
