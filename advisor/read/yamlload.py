"""PyYAML's safe loader, in C where libyaml is available (about ten times faster).

`SpecLoader` and `PureSpecLoader` read API documents: they keep unquoted timestamps as the
strings they are in JSON, the data model of OpenAPI (`version: 2023-08-16` is a string to every
OpenAPI tool), and so read the same documents as the fast reader (`advisor.read.fastyaml`).
"""

from __future__ import annotations

import yaml

try:
    SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
    HAS_LIBYAML = True
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    SafeLoader = yaml.SafeLoader
    HAS_LIBYAML = False

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _without_timestamps(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != _TIMESTAMP]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    return type(f"Spec{base.__name__}", (base,), {"yaml_implicit_resolvers": resolvers})


SpecLoader = _without_timestamps(SafeLoader)
PureSpecLoader = _without_timestamps(yaml.SafeLoader)
