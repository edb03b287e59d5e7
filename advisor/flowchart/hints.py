"""The hints that apply to an endpoint, and where each was written.

Explicit statements beat inference, and the statement closest to the code wins, field by field:
the configuration's `hints` patterns (least specific first), then the spec's `x-advisor` (on the
operation, its path item or the document), then `# advisor:` comments on the handler. Each field
remembers its source so that the flowchart's evidence can say "hint: openapi.yaml:40 x-advisor".
Reading, validating and matching hints is advisor/hints.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from advisor.flowchart.inventory import Sighting
from advisor.hints import config_layers, merge_hints, spec_label
from advisor.model import Hints
from advisor.settings import Settings


def endpoint_hints(
    sighting: Sighting, settings: Settings, comments: Mapping[str, list[tuple[Hints, str]]]
) -> tuple[Hints, dict[str, str]]:
    """Merged hints and, per `Hints` field, the label of the place that set it. `comments` is
    `comment_hint_index(facts)`, built once per run."""
    route, operation = sighting.route, sighting.operation
    handler = route.handler if route is not None else None
    layers = config_layers(settings, sighting.method, sighting.path, handler)
    if operation is not None:
        layers.append((operation.hints, spec_label(operation.evidence)))
    if handler is not None:
        layers.extend(comments.get(handler, []))
    return merge_hints(layers)
