"""The schemas and data tables that ship with the package are valid (checked here, not on
every run)."""

from __future__ import annotations

from importlib import resources

from advisor.read.bundled import load_bundled, load_reference, same_document
from advisor.resources import DATA_TABLES, data_table, data_table_text, table_problems


def test_every_schema_and_data_table_is_valid() -> None:
    assert table_problems() == []


def test_every_data_table_is_listed() -> None:
    shipped = sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files("advisor.data").iterdir()
        if entry.name.endswith(".yaml")
    )
    assert shipped == sorted(DATA_TABLES)


def test_the_fast_reader_reads_every_data_table_as_pyyaml_does() -> None:
    for name in DATA_TABLES:
        text = data_table_text(name)
        assert same_document(load_bundled(text), load_reference(text)), name
        assert same_document(data_table(name), load_reference(text)), name


def test_same_document_means_same_types_and_key_order() -> None:
    assert same_document(
        {"a": [1, "x", None], "b": {"c": 1.5}}, {"a": [1, "x", None], "b": {"c": 1.5}}
    )
    assert not same_document({"a": True}, {"a": 1})
    assert not same_document({"a": 1}, {"a": 1.0})
    assert not same_document({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same_document([[8]], [[10]])
    assert not same_document(["x"], ["x", "y"])
    # where the two YAML versions differ, the two readers do
    assert not same_document(load_bundled("mode: 010\n"), load_reference("mode: 010\n"))
    assert not same_document(load_bundled("on: yes\n"), load_reference("on: yes\n"))
