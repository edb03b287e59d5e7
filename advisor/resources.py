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
from typing import Any

import jsonschema
import referencing
import yaml

from advisor.read.yamlload import SafeLoader


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
    document = schema(name)
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    instance: jsonschema.protocols.Validator = cls(document, registry=schema_registry())
    return instance


@functools.cache
def data_table(name: str) -> Any:
    """A YAML table from `advisor/data`, validated against its schema in `advisor/schemas`."""
    text = resources.files("advisor.data").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    table = yaml.load(text, Loader=SafeLoader)
    errors = sorted(validator(f"{name}.schema.json").iter_errors(table), key=str)
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise RuntimeError(f"advisor/data/{name}.yaml: {where}: {first.message}")
    return table
