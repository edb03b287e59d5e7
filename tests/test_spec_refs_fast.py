"""The quick ways through `$ref` give what the thorough ways give.

Within one document a reference is walked directly rather than through `referencing`; a
document whose references all resolve is not walked for them. Both must give the same answer
as the slow path, which is kept for everything else (and for every failure's wording).
"""

from __future__ import annotations

import re

import pytest
from support import CORPUS

from advisor.facts.spec.documents import Located, SpecFiles
from advisor.facts.spec.ref_scan import _references, _targets_if_all_resolve, scan_refs
from advisor.facts.spec.resolver import RefFailure, Resolver
from advisor.read.spec import SpecDocument, parse_document

REFS = re.compile(r"""\$ref["']?\s*:\s*["']?(#[^"'\n]*)""")


def resolver_for(text: str, syntax: str = "yaml") -> tuple[Resolver, SpecDocument]:
    document = parse_document(text, syntax)
    assert isinstance(document, SpecDocument)
    files = SpecFiles(lambda path: None)
    files.add("spec.yaml", document)
    return Resolver(files), document


def same(fast: Located | None, slow: object) -> None:
    if fast is None:
        return
    assert isinstance(slow, Located), slow
    assert fast.value is slow.value and fast.path == slow.path and fast.pointer == slow.pointer


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not found")
@pytest.mark.parametrize(
    "name", ["openai-openapi.yaml", "stripe-spec3.yaml", "twilio-api_v2010.json"]
)
def test_every_local_reference_of_a_real_spec_resolves_as_referencing_does(name: str) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    resolver, _ = resolver_for(text, "json" if name.endswith(".json") else "yaml")
    refs = set(REFS.findall(text))
    assert len(refs) > 100
    for ref in refs:
        fast = resolver._within(ref, "spec.yaml")
        slow = resolver._lookup_with_referencing(ref, "spec.yaml")
        same(fast, slow)
        assert (fast is None) == (not isinstance(slow, Located)), ref


SPEC = """\
openapi: 3.1.0
paths: {}
components:
  schemas:
    a~b: {type: string}
    a/b: {type: integer}
    "a b": {type: object}
    list: [{type: string}, {type: integer}]
    '200': {description: quoted}
  responses:
    200: {description: an integer key}
"""


@pytest.mark.parametrize(
    "ref",
    [
        "#",
        "#/components/schemas/a~0b",
        "#/components/schemas/a~1b",
        "#/components/schemas/a%20b",
        "#/components/schemas/list/1",
        "#/components/schemas/list/-1",
        "#/components/schemas/list/9",
        "#/components/schemas/200",
        "#/components/responses/200",
        "#/components/schemas/missing",
        "#/components/schemas/a~1b/type/deeper",
    ],
)
def test_tricky_local_references_resolve_as_referencing_does(ref: str) -> None:
    resolver, _ = resolver_for(SPEC)
    fast = resolver._within(ref, "spec.yaml")
    slow = resolver._lookup_with_referencing(ref, "spec.yaml")
    if fast is None:
        assert resolver._lookup(ref, "spec.yaml") == slow  # the slow path answers
    else:
        same(fast, slow)


@pytest.mark.parametrize(
    ("text", "shortcut"),
    [
        ('a:\n  $ref: "#/b"\nb: {type: string}\n', True),
        ("a:\n  - $ref: '#/b'\nb: 1\n", True),
        ('{"a": {"$ref": "#/b"}, "b": 1}', True),
        ('a:\n  $ref: "#/missing"\n', False),
        ("a:\n  $ref: >-\n    #/b\nb: 1\n", False),  # folded: read by walking
        ("a:\n  description: see $ref docs\nb: 1\n", False),  # prose
        ("a:\n  $ref: '#/b'\nb:\n  $ref: '#/a'\n", False),  # a cycle
        ("a:\n  $ref: '#/b'\n  x: 1\nb: 1\n", True),  # plain key after: fine
        ("a:\n  $ref: #/b\n", False),  # a comment, not a value
        ("a:\n  $ref: b\n    c\nb: 1\n", False),  # a plain value over two lines: "b c"
        ("examples:\n  x:\n    $ref: '#/nowhere'\n", False),  # the walk skips examples
    ],
)
def test_the_text_shortcut_is_taken_only_when_every_reference_resolves(
    text: str, shortcut: bool
) -> None:
    resolver, document = resolver_for(text, "json" if text.startswith("{") else "yaml")
    targets = _targets_if_all_resolve(document, "spec.yaml", resolver)
    assert (targets is not None) == shortcut
    # whichever way, the problems are those the walk finds
    files = SpecFiles(lambda path: None)
    files.add("spec.yaml", document)
    problems = scan_refs("spec.yaml", files, Resolver(files))
    walker = Resolver(files)
    walked = [
        ref
        for _, ref in _references(document.data)
        if not isinstance(walker.follow(ref, "spec.yaml"), Located)
    ]
    assert [p.ref for p in problems] == walked


def test_a_pointer_into_a_string_is_a_broken_pointer_not_a_crash() -> None:
    resolver, _ = resolver_for(SPEC)
    found = resolver.lookup("#/components/schemas/a~1b/type/deeper", "spec.yaml")
    assert isinstance(found, RefFailure) and found.reason == "broken-pointer"
