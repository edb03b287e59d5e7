"""PyYAML's safe loader, in C where libyaml is available (about ten times faster)."""

from __future__ import annotations

import yaml

try:
    SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
    HAS_LIBYAML = True
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    SafeLoader = yaml.SafeLoader
    HAS_LIBYAML = False
