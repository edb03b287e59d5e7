"""Call edges and function records are pickled as tuples without their trailing defaults (the
workers send a hundred thousand of them on a large project, and the cache keeps them): they
come back equal, with every field, and smaller than a pickled dict."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from advisor.model import Edge, Evidence, FunctionInfo, Location

_AT = Evidence(location=Location("a.py", 3, 1))


@pytest.mark.parametrize(
    "value",
    [
        Edge("m.f", "m.g", 3),
        Edge("m.f", "m.g", 3, loop="for", loop_bound=4, carried=True, branch=("if@2:body",)),
        Edge("m.f", "m.g", 3, handoff=True),
        Edge("m.f", "m.g", 3, at=_AT),
        FunctionInfo("m.f", 1, False),
        FunctionInfo("m.f", 1, True, "cli"),
    ],
)
def test_round_trip(value: Edge | FunctionInfo) -> None:
    again = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == value and hash(again) == hash(value)
    assert vars(again) == vars(value)  # every field is set, defaults included
    compact = pickle.dumps(value.__getstate__(), protocol=pickle.HIGHEST_PROTOCOL)
    assert len(compact) < len(pickle.dumps(vars(value), protocol=pickle.HIGHEST_PROTOCOL))


def test_trailing_defaults_are_left_out() -> None:
    assert Edge("m.f", "m.g", 3).__getstate__() == ("m.f", "m.g", 3)
    assert len(Edge("m.f", "m.g", 3, handoff=True).__getstate__()) == 7


def test_a_dict_state_still_loads() -> None:
    edge = Edge("m.f", "m.g", 3, loop="for")
    loaded = Edge.__new__(Edge)
    loaded.__setstate__(dataclasses.asdict(edge))
    assert loaded == edge
