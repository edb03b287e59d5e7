"""The fast YAML reader gives PyYAML's documents, and the locator PyYAML's positions.

PyYAML (`SpecLoader`) is the reference. The fast reader may decline a document (then PyYAML
reads it), but a document it returns must be identical, types included; a position the
locator gives must be the one PyYAML's node has.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support import CORPUS

from advisor.read.fastyaml import fast_load
from advisor.read.spec import SpecDocument, _locate_yaml, parse_document
from advisor.read.yamlload import SpecLoader
from advisor.read.yamlpos import YamlLocator

LARGE_SPECS = ("github-api.yaml", "openai-openapi.yaml", "stripe-spec3.yaml")
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


def identical(a: Any, b: Any) -> bool:
    """Equal, with the same types throughout and the same key order (True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def reference(text: str) -> tuple[Any, yaml.Node | None]:
    loader = SpecLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def pointers(node: yaml.Node, depth: int, prefix: tuple[str | int, ...] = ()) -> list[Any]:
    """Every pointer into a node tree down to `depth`, as PyYAML spells keys."""
    found: list[tuple[str | int, ...]] = [prefix]
    if depth == 0:
        return found
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found.extend(pointers(value, depth - 1, (*prefix, str(key.value))))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            found.extend(pointers(value, depth - 1, (*prefix, index)))
    return found


def assert_same_reading(text: str) -> Any:
    """The fast reader declines or agrees; every position the locator gives is PyYAML's."""
    try:
        expected, node = reference(text)
    except yaml.YAMLError:
        return None  # PyYAML refuses it: the fast reader's answer does not matter
    fast = fast_load(text)
    if fast is None:
        return None
    assert identical(fast.data, expected), (text, fast.data, expected)
    locator = YamlLocator(text)
    if node is not None:
        for pointer in [*pointers(node, 8), ("missing",), (0, "missing")]:
            found = locator.locate(pointer, fast.data)
            if found is not None:
                assert found == _locate_yaml(node, pointer), (text, pointer)
    return fast.data


@corpus
@pytest.mark.parametrize("name", LARGE_SPECS)
def test_the_large_corpus_specs_are_read_fast_and_identically(name: str) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    fast = fast_load(text)
    assert fast is not None, f"{name}: the fast reader declined"
    assert identical(fast.data, reference(text)[0])


@corpus
def test_the_split_digitalocean_spec_reads_identically_file_by_file() -> None:
    folder = CORPUS / "digitalocean"
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert len(files) > 1000
    fast_count = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = fast_load(text)
        if fast is not None:
            fast_count += 1
            assert identical(fast.data, reference(text)[0]), path
    assert fast_count > 0.95 * len(files)  # the others end in a block scalar, no line break


@corpus
@pytest.mark.parametrize("name", ["openai-openapi.yaml", "stripe-spec3.yaml"])
def test_the_locator_points_where_pyyaml_does_on_real_specs(name: str) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    data, node = reference(text)
    assert node is not None
    locator = YamlLocator(text)
    every = pointers(node, 6)
    answered = 0
    for pointer in every:
        found = locator.locate(pointer, data)
        if found is not None:
            answered += 1
            assert found == _locate_yaml(node, pointer), pointer
    assert answered > 0.99 * len(every)


# Where YAML 1.1 (PyYAML) and 1.2 (yaml_rs) differ, and look-alikes where they do not.
TRICKY = [
    "a: yes\nb: no\nc: on\nd: Off\ne: y\nf: n",
    "on: 1\nyes: 2\n",
    "a: 0755\nb: 08\nc: 0o17\nd: 0x1F\ne: 0b101\nf: 012345678912345678",
    "a: 1:20\nb: 190:20:30.15\nc: 1e3\nd: 1.0e+3\ne: 1.5e3\nf: 1_000\ng: .5\nh: 1.",
    "a: .inf\nb: -.Inf\nc: .nan\nd: ~\ne: null\nf: NULL\ng: True\nh: TRUE",
    "a: =\n",
    "a: 2023-08-16\nb: 2001-12-14t21:59:43.10-05:00\nc: '2023-08-16'",
    "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2",
    "a: !!str 1\nb: !custom x\nc: !!binary aGVsbG8=",
    "a: 1\n---\nb: 2",
    "%YAML 1.1\n---\na: yes",
    "---\na: 1\n",
    "# comment\n---\na: 1\n...\n",
    "a: 1\na: 2",
    "? [1, 2]\n: x",
    "? a\n: b",
    "[1, 2]: x\n",
    "a: [yes, no, 0755, '08', \"on\"]\nb: {c: off, d: 1:20}",
    "a: [\n  yes,\n  0755\n]\n",
    "a:\n  - yes\n  - - no\n    - 017\n  - b: on\n    c: 'off'",
    "a: |\n  yes\n  0755\nb: >\n  no\n  on\nc: plain\n  no\n",
    "a: 'multi\n  line\n  0755'\nb: \"x\n  on\"\nc: 017",
    "a: 017 # a comment\nb: on  # another\n",
    "a:\r\n  b: 017\r\n  c: yes\r\n",
    "a: &x 017\nb: *x\n",
    'a: |\n  {"on": [yes, 0755]}\nb: 1',
    "key:\n  017\n",
    "- 017\n- on\n- x: no\n",
    "a:\n- 017\n- b\nc: on\n",
    "a: x\u2028y\n",
    "a: 'it''s 017'\nb: \"say \\\"on\\\"\"\n",
    "description: See [the docs](https://x/#on) and [on\n  more prose: 017\n",
    "a: 1\n\tb: 2\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_are_declined_or_read_the_same(text: str) -> None:
    assert_same_reading(text)


@pytest.mark.parametrize(
    "text",
    [
        "key_id: 012345678912345678\nother: 017\nlist:\n  - 0755\n  - on\n",
        "a: |\n  yes\n  0755\nb: >\n  no\nc: plain\n  no\n",
        "description: See [the docs](https://x/#on) and [on\n  more prose\n  017\n",
        "a: 2023-08-16\n",
    ],
)
def test_differences_in_values_and_prose_are_corrected_not_declined(text: str) -> None:
    assert fast_load(text) is not None
    assert assert_same_reading(text) is not None


SCALARS = st.sampled_from(
    [
        "yes", "no", "on", "Off", "y", "true", "False", "~", "null", "0755", "08", "0o17",
        "0x1F", "1:20", "1e3", "1.0e+3", "1_000", ".5", "-.inf", ".nan", "017", "2023-08-16",
        "'quoted on'", '"dq 0755"', "plain text", "a: b", "x #y", "[on]", "{a: no}", "-1",
        "|\n    block on\n    0755", ">\n    folded\n    no", "'multi\n    line'", "*",
    ]
)  # fmt: skip
KEYS = st.sampled_from(["a", "b", "on", "017", "'k'", '"x y"', "200", "no", "c d", "-x"])


@st.composite
def block_documents(draw: st.DrawFn, depth: int = 0) -> str:
    """Block-style YAML written by hand: plain tokens stay plain (yaml.dump would quote)."""
    indent = "  " * depth
    lines = []
    if depth < 3 and draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                lines.append(f"{indent}- {draw(SCALARS)}")
            else:
                lines.append(f"{indent}-")
                lines.append(draw(block_documents(depth + 1)))
    else:
        for _ in range(draw(st.integers(1, 4))):
            key = draw(KEYS)
            if depth < 3 and draw(st.booleans()):
                lines.append(f"{indent}{key}:")
                lines.append(draw(block_documents(depth + 1)))
            else:
                lines.append(f"{indent}{key}: {draw(SCALARS)}")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(block_documents())
def test_generated_documents_are_declined_or_read_the_same(text: str) -> None:
    assert_same_reading(text + "\n")


YAMLISH = st.sampled_from(
    [
        "a", "b", ":", " ", "  ", "\n", "- ", "[", "]", "{", "}", ",", "'", '"', "#", "|", ">",
        "017", "on", "\t", "&x", "*x", "?", "!", "%", "---", "...", "\\", "é", "key: ", "\n  ",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(YAMLISH, min_size=1, max_size=25), st.booleans())
@example(["key: ", "\n  ", "|", "\n  ", "a"], False)  # a header alone on its line, at the end
def test_yaml_shaped_noise_is_declined_or_read_the_same(parts: list[str], newline: bool) -> None:
    assert_same_reading("".join(parts) + ("\n" if newline else ""))


@pytest.mark.parametrize(
    "text",
    [
        "".join(" " * depth + "a:\n" for depth in range(20_000)) + " " * 20_000 + "b: 1\n",
        "- " * 20_000 + "x\n",
    ],
)
def test_nesting_deeper_than_the_fast_reader_survives_is_left_to_pyyaml(text: str) -> None:
    """yaml_rs overflows its stack on deep block nesting (a crash, not an exception): such
    documents never reach it."""
    assert fast_load(text) is None


def test_a_position_the_locator_cannot_give_is_found_by_composing() -> None:
    text = "openapi: 3.1.0\npaths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n"
    parsed = parse_document(text, "yaml")
    assert isinstance(parsed, SpecDocument)
    assert parsed.node is None  # read by the fast reader
    assert parsed.locate(("paths", "/a", "get")) == (3, 8)  # inside a flow mapping
    assert parsed.node is not None


def test_positions_on_a_fast_read_spec_match_the_reference(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /chat:
            post:
              description: 'a long
                description: 017'
              responses:
                '200':
                  description: ok
        """
    )
    parsed = parse_document(text, "yaml")
    assert isinstance(parsed, SpecDocument) and parsed.node is None
    _, node = reference(text)
    assert node is not None
    for pointer in pointers(node, 6):
        assert parsed.locate(pointer) == _locate_yaml(node, pointer), pointer
