"""The schemas and data tables that ship with the package are valid (checked here, not on
every run)."""

from __future__ import annotations

from importlib import resources

from advisor.resources import DATA_TABLES, table_problems


def test_every_schema_and_data_table_is_valid() -> None:
    assert table_problems() == []


def test_every_data_table_is_listed() -> None:
    shipped = sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files("advisor.data").iterdir()
        if entry.name.endswith(".yaml")
    )
    assert shipped == sorted(DATA_TABLES)
