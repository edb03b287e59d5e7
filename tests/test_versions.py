"""Version parsing and comparison (a small PEP 440 subset; `packaging` is not a dependency)."""

from __future__ import annotations

import itertools

import pytest

from advisor.versions import (
    Version,
    VersionRange,
    exact_version,
    parse_specifier,
    parse_version,
    within,
)


def v(text: str) -> Version:
    parsed = parse_version(text)
    assert parsed is not None, text
    return parsed


@pytest.mark.parametrize(
    "ordered",
    [
        ["0.9", "0.10", "0.45.3", "0.46.0rc1", "0.46.0", "0.46.0.post1", "0.46.1", "1.5"],
        ["1.0.dev1", "1.0a1", "1.0a2.dev3", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1.dev1"],
        ["1.0.post1", "1.0.1", "2", "1!0.1"],
    ],
)
def test_pep440_order(ordered: list[str]) -> None:
    versions = [v(t) for t in ordered]
    assert versions == sorted(versions)
    assert all(a < b for a, b in itertools.pairwise(versions))


def test_trailing_zeros_local_labels_and_spellings() -> None:
    assert v("1.5") == v("1.5.0") == v("1.5.0.0")
    assert hash(v("1.5")) == hash(v("1.5.0"))
    assert v("2.1.0+cpu") == v("2.1.0")
    assert v("V1.0-1") == v("1.0.post1")
    assert v("1.0-rc.1") == v("1.0rc1")
    assert v("1.0alpha") == v("1.0a0")
    assert str(v(" 0.27.0 ")) == "0.27.0"


@pytest.mark.parametrize(
    "text", ["", "abc", "1.2.x", "==1.0", "1..2", "1.0-", "1." + "1." * 20 + "1"]
)
def test_not_versions(text: str) -> None:
    assert parse_version(text) is None


def test_specifiers() -> None:
    r = parse_specifier(">=0.40.0,<0.46.0")
    assert r == VersionRange(v("0.40.0"), v("0.46.0"), True, False)
    assert str(r) == ">=0.40.0,<0.46.0"
    assert parse_specifier("==0.13.6") == VersionRange.pinned(v("0.13.6"))
    assert parse_specifier(">=0.11.1,<=0.12.0") == VersionRange(v("0.11.1"), v("0.12"), True, True)
    assert parse_specifier(">=0.46.0") == VersionRange(v("0.46"), None)
    assert parse_specifier(">=1, >=2, <5, <3, !=2.5") == VersionRange(v("2"), v("3"))
    for unknown in ("~=1.2", "==1.*", "", ">=abc", "^1.2", "==1.0,==2.0"):
        assert parse_specifier(unknown) is None, unknown


def test_exact_version_only_for_pins() -> None:
    assert exact_version("==1.2.3") == v("1.2.3")
    assert exact_version(" === 1.2.3 ") == v("1.2.3")
    for not_pin in (">=1.2.3", "~=1.2", "==1.2.*", "==1.2,<2", "1.2.3", "!=1.2.3"):
        assert exact_version(not_pin) is None, not_pin


def test_within_for_pins() -> None:
    pin = VersionRange.pinned
    assert within(pin(v("0.45.3")), None, v("0.46.0")) is True
    assert within(pin(v("0.46.0")), None, v("0.46.0")) is False
    assert within(pin(v("0.46.0")), v("0.46.0"), v("1.5.0")) is True
    assert within(pin(v("1.10.0")), v("1.5.0"), None) is True
    assert within(pin(v("5.2.19")), v("6.0"), v("6.1")) is False


def test_prerelease_of_a_boundary_is_unknown() -> None:
    pin = VersionRange.pinned
    assert within(pin(v("6.1a1")), v("6.0"), v("6.1")) is None
    assert within(pin(v("6.1a1")), v("6.1"), None) is None
    assert within(pin(v("6.1.dev20250101")), v("6.1"), None) is None
    assert within(pin(v("6.0.3")), v("6.0"), v("6.1")) is True
    assert within(pin(v("0.45.0rc1")), None, v("0.46.0")) is True  # not the boundary itself


def test_within_for_ranges() -> None:
    below = parse_specifier(">=0.40.0,<0.46.0")
    across = parse_specifier(">=0.40.0,<0.47.0")
    above = parse_specifier(">=0.46.0")
    assert below is not None and across is not None and above is not None
    assert within(below, None, v("0.46.0")) is True
    assert within(across, None, v("0.46.0")) is None
    assert within(across, None, v("1.5.0")) is True
    assert within(above, v("0.46.0"), v("1.5.0")) is None  # no upper bound
    assert within(above, None, v("0.46.0")) is False
    inclusive = parse_specifier(">=0.11.1,<=0.46.0")
    assert inclusive is not None and within(inclusive, None, v("0.46.0")) is None
