"""Package versions and the ranges a project pins them to, compared the PEP 440 way.

`packaging` is not a runtime dependency, and the advisor needs only a small part of it: order
two versions, and say whether everything a requirement allows falls on one side of a version
where a library changed behaviour. A version that cannot be parsed, or a pre-release of the very
version where the behaviour changed (`6.1a1` against a change "in 6.1": the change may or may
not be in it), compares as unknown, and unknown never becomes a finding.
"""

from __future__ import annotations

import re

from advisor.records import record

_VERSION = re.compile(
    r"""
    ^v?
    (?:(?P<epoch>\d+)!)?
    (?P<release>\d+(?:\.\d+)*)
    (?:[-_.]?(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?
    (?:-(?P<post_implicit>\d+)|(?P<post>[-_.]?(?:post|rev|r)[-_.]?(?P<post_n>\d*)))?
    (?P<dev>[-_.]?dev[-_.]?(?P<dev_n>\d*))?
    (?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?
    $""",
    re.VERBOSE | re.IGNORECASE,
)
_PHASES = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_MAX_RELEASE_PARTS = 8


@record
class Version:
    """A parsed version: compare with `<`, `==` (PEP 440 order; local labels are ignored)."""

    text: str
    epoch: int
    release: tuple[int, ...]
    """Without trailing zeros, so that 1.5 == 1.5.0."""
    pre: tuple[int, int] | None
    post: int | None
    dev: int | None

    @property
    def is_prerelease(self) -> bool:
        return self.pre is not None or self.dev is not None

    def sort_key(self) -> tuple[int, tuple[int, ...], tuple[int, int], int, tuple[int, int]]:
        if self.pre is not None:
            pre = self.pre
        elif self.dev is not None and self.post is None:
            pre = (-1, 0)  # 1.0.dev1 sorts before 1.0a1
        else:
            pre = (3, 0)  # a final release sorts after its pre-releases
        post = -1 if self.post is None else self.post
        dev = (1, 0) if self.dev is None else (0, self.dev)
        return (self.epoch, self.release, pre, post, dev)

    def __lt__(self, other: Version) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: Version) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: Version) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: Version) -> bool:
        return self.sort_key() >= other.sort_key()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.sort_key() == other.sort_key()

    def __hash__(self) -> int:
        return hash(self.sort_key())

    def __str__(self) -> str:
        return self.text


def parse_version(text: str) -> Version | None:
    """The version `text` spells, or None when it is not a PEP 440 version."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    parts = [int(p) for p in match["release"].split(".")]
    if len(parts) > _MAX_RELEASE_PARTS:
        return None
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    pre = None
    if match["pre"]:
        pre = (_PHASES[match["pre"].lower()], int(match["pre_n"] or 0))
    post = None
    if match["post_implicit"] is not None:
        post = int(match["post_implicit"])
    elif match["post"] is not None:
        post = int(match["post_n"] or 0)
    dev = int(match["dev_n"] or 0) if match["dev"] is not None else None
    return Version(
        text=text.strip(),
        epoch=int(match["epoch"] or 0),
        release=tuple(parts),
        pre=pre,
        post=post,
        dev=dev,
    )


@record
class VersionRange:
    """The versions a project may run: one pinned version, or what a requirement allows.

    `low`/`high` of None mean unbounded. A pin is a range with `low == high`, both inclusive.
    """

    low: Version | None
    high: Version | None
    low_inclusive: bool = True
    high_inclusive: bool = False

    @classmethod
    def pinned(cls, version: Version) -> VersionRange:
        return cls(version, version, True, True)

    @property
    def is_pin(self) -> bool:
        return self.low is not None and self.low == self.high

    def __str__(self) -> str:
        if self.is_pin:
            return str(self.low)
        parts = []
        if self.low is not None:
            parts.append(f"{'>=' if self.low_inclusive else '>'}{self.low}")
        if self.high is not None:
            parts.append(f"{'<=' if self.high_inclusive else '<'}{self.high}")
        return ",".join(parts) or "any"


_CLAUSE = re.compile(r"^\s*(===|==|>=|<=|!=|~=|>|<)\s*([^\s,;]+)\s*$")


def parse_specifier(text: str) -> VersionRange | None:
    """The range a simple specifier set allows (`>=0.40.0,<0.46.0`, `==0.13.6`).

    Only what bounds the range is understood (`==`, `===`, `>=`, `>`, `<=`, `<`); `!=`
    excludes single versions and is ignored, which can only make the range wider. Wildcards,
    `~=` and anything unparsable give None.
    """
    low: Version | None = None
    high: Version | None = None
    low_inclusive = True
    high_inclusive = False
    clauses = [c for c in text.split(",") if c.strip()]
    if not clauses:
        return None
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            return None
        operator, raw = match.groups()
        if operator == "!=":
            continue
        if operator == "~=" or "*" in raw:
            return None
        version = parse_version(raw)
        if version is None:
            return None
        if operator in ("==", "==="):
            if (low is not None and version < low) or (high is not None and version > high):
                return None  # contradictory: nothing installable
            low = high = version
            low_inclusive = high_inclusive = True
        elif operator in (">=", ">"):
            if low is None or version > low or (version == low and operator == ">"):
                low, low_inclusive = version, operator == ">="
        elif high is None or version < high or (version == high and operator == "<"):
            high, high_inclusive = version, operator == "<="
    return VersionRange(low, high, low_inclusive, high_inclusive)


def exact_version(specifier: str) -> Version | None:
    """The version of an exact pin (`==1.2.3` or `===1.2.3`); None for anything else."""
    match = _CLAUSE.match(specifier) if "," not in specifier else None
    if match is None or match.group(1) not in ("==", "===") or "*" in match.group(2):
        return None
    return parse_version(match.group(2))


def within(versions: VersionRange, start: Version | None, end: Version | None) -> bool | None:
    """Whether every version of `versions` lies in `[start, end)`.

    True: all of them; False: none of them; None: some do and some do not, or a pinned
    pre-release of `start` or `end` itself (whether it has the change is not known).
    """
    for edge in (start, end):
        if edge is None or not versions.is_pin:
            continue
        pinned = versions.low
        assert pinned is not None
        if pinned.is_prerelease and pinned.release == edge.release and pinned.epoch == edge.epoch:
            return None
    above_start = _all_at_or_above(versions, start)
    below_end = _all_below(versions, end)
    if above_start and below_end:
        return True
    if _none_at_or_above(versions, start) or _none_below(versions, end):
        return False
    return None


def _all_at_or_above(versions: VersionRange, start: Version | None) -> bool:
    if start is None:
        return True
    return versions.low is not None and versions.low >= start


def _all_below(versions: VersionRange, end: Version | None) -> bool:
    if end is None:
        return True
    if versions.high is None:
        return False
    return versions.high < end or (versions.high == end and not versions.high_inclusive)


def _none_at_or_above(versions: VersionRange, start: Version | None) -> bool:
    """Every version is below `start`."""
    if start is None:
        return False
    return _all_below(versions, start)


def _none_below(versions: VersionRange, end: Version | None) -> bool:
    """Every version is at or above `end`."""
    if end is None:
        return False
    return _all_at_or_above(versions, end)
