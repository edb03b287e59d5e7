"""Package data: JSON Schemas, the SDK/framework tables and the built-in rule catalog.

The catalog sits at the top of the repository (`rules/`) and is mapped to the `advisor.rules`
resource package in the wheel. In a source checkout where `advisor` is imported straight from
the work tree (``python -m advisor`` in the repository root) that package does not exist, so the
catalog is read from the `rules/` folder beside the package instead.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.read.bundled import load_bundled

if TYPE_CHECKING:  # imported where a schema is used: most runs validate nothing but a config
    import jsonschema
    import referencing


def builtin_rules_dir() -> Traversable:
    try:
        return resources.files("advisor.rules")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "rules"


@functools.cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("advisor.schemas").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def schema_registry() -> referencing.Registry[Any]:
    """Our schemas by `$id`, so that one can `$ref` another (the configuration's `hints` use
    the hints schema) without anything ever being fetched from the network."""
    import referencing

    folder = resources.files("advisor.schemas")
    documents = [
        schema(entry.name) for entry in folder.iterdir() if entry.name.endswith(".schema.json")
    ]
    return referencing.Registry().with_resources(
        (document["$id"], referencing.Resource.from_contents(document))
        for document in documents
        if "$id" in document
    )


@functools.cache
def validator(name: str) -> jsonschema.protocols.Validator:
    """A validator for one of our schemas. The schemas themselves are checked against their
    metaschema by the test suite (`table_problems`), not on every run: that check alone cost
    most of a one-file run."""
    import jsonschema

    document = schema(name)
    cls = jsonschema.validators.validator_for(document)
    instance: jsonschema.protocols.Validator = cls(document, registry=schema_registry())
    return instance


DATA_TABLES = (
    "frameworks",
    "http_clients",
    "llm_sdks",
    "middleware",
    "polling",
    "responses",
    "spec_vocabulary",
    "stream_consumers",
)


@functools.cache
def data_table(name: str) -> Any:
    """A YAML table from `advisor/data`. The tables ship with the package and are validated
    against their schemas in `advisor/schemas` by the test suite (`table_problems`), so a run
    only reads them (with the fast reader, `advisor.read.bundled`)."""
    return load_bundled(data_table_text(name))


def data_table_text(name: str) -> str:
    return resources.files("advisor.data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def table_problems() -> list[str]:
    """Every way the shipped schemas and data tables are invalid (empty when they are not)."""
    import jsonschema

    problems = []
    folder = resources.files("advisor.schemas")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".schema.json"):
            document = schema(entry.name)
            try:
                jsonschema.validators.validator_for(document).check_schema(document)
            except jsonschema.SchemaError as exc:
                problems.append(f"advisor/schemas/{entry.name}: {exc.message}")
    for name in DATA_TABLES:
        table = data_table(name)
        for error in sorted(validator(f"{name}.schema.json").iter_errors(table), key=str):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"advisor/data/{name}.yaml: {where}: {error.message}")
    return problems
