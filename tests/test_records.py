"""`@record` behaves as `@dataclass(frozen=True)`: same equality, hash, repr, immutability,
`replace`, pickling, and the methods a class writes itself kept."""

from __future__ import annotations

import dataclasses
import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.records import record


def _plain(decorate: Callable[[type], type]) -> Any:
    """The same class, made a dataclass or a record."""

    @decorate
    class Plain:
        name: str
        count: int = 0
        tags: tuple[str, ...] = ()
        note: str = field(default="", compare=False)
        hidden: float = field(default=0.0, repr=False)
        unhashed: int = field(default=0, hash=False)

    return Plain


PlainDataclass = _plain(dataclass(frozen=True))
PlainRecord = _plain(record)


@record(kw_only=True)
class Base:
    where: str


@record(kw_only=True)
class Child(Base):
    what: int = 1


@record
class Single:
    value: float


@record
class Empty:
    pass


@record(eq=False)
class ByIdentity:
    value: int


@record
class OwnMethods:
    value: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnMethods) and abs(self.value) == abs(other.value)

    def __hash__(self) -> int:
        return hash(abs(self.value))

    def __repr__(self) -> str:
        return f"<{self.value}>"


@record
class OwnEqOnly:
    value: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnEqOnly) and self.value % 2 == other.value % 2


@dataclass(frozen=True)
class OwnEqOnlyDataclass:
    value: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnEqOnlyDataclass) and self.value % 2 == other.value % 2


@record
class Nested:
    children: list[Any]


values = st.builds(
    lambda *a: a,
    st.text(max_size=3),
    st.integers(-2, 2),
    st.lists(st.sampled_from(["a", "b"]), max_size=2).map(tuple),
    st.sampled_from(["", "x"]),
    st.sampled_from([0.0, 1.5, math.nan]),
    st.integers(0, 1),
)


@given(values, values)
def test_equality_hash_and_repr_are_the_dataclass_ones(
    first: tuple[Any, ...], second: tuple[Any, ...]
) -> None:
    ours = PlainRecord(*first), PlainRecord(*second)
    theirs = PlainDataclass(*first), PlainDataclass(*second)
    assert (ours[0] == ours[1]) == (theirs[0] == theirs[1])
    assert (ours[0] != ours[1]) == (theirs[0] != theirs[1])
    assert repr(ours[0]) == repr(theirs[0])
    if ours[0] == ours[1]:
        assert hash(ours[0]) == hash(ours[1])
    assert hash(ours[0]) == hash(theirs[0])  # the same tuple of the same fields


def test_fields_that_do_not_compare_or_hash_are_left_out() -> None:
    assert PlainRecord("a", note="x") == PlainRecord("a", note="y")
    assert hash(PlainRecord("a", unhashed=1)) == hash(PlainRecord("a", unhashed=2))
    assert PlainRecord("a", unhashed=1) != PlainRecord("a", unhashed=2)
    assert "hidden" not in repr(PlainRecord("a", hidden=2.0))


def test_only_the_same_class_compares_equal() -> None:
    assert Base(where="x") != Child(where="x")
    assert Base(where="x").__eq__(Child(where="x")) is NotImplemented
    assert Child(where="x") == Child(where="x", what=1)
    assert repr(Child(where="x")) == "Child(where='x', what=1)"
    assert PlainRecord("a") != ("a", 0, (), "", 0.0, 0)


def test_one_field_compares_as_a_tuple_and_no_fields_compare_equal() -> None:
    nan = math.nan
    assert Single(nan) == Single(nan)  # (nan,) == (nan,): the same object
    assert Single(math.nan) != Single(float("nan"))
    assert Empty() == Empty()
    assert hash(Empty()) == hash(())
    assert repr(Empty()) == "Empty()"


def test_eq_false_compares_by_identity() -> None:
    one = ByIdentity(1)
    assert one == one
    assert one != ByIdentity(1)
    assert hash(one) == object.__hash__(one)
    assert repr(one) == "ByIdentity(value=1)"


def test_methods_written_in_the_class_are_kept() -> None:
    assert OwnMethods(-2) == OwnMethods(2)
    assert hash(OwnMethods(-2)) == hash(OwnMethods(2))
    assert repr(OwnMethods(3)) == "<3>"
    # As with dataclasses: a class that writes `__eq__` only gets the fields' hash.
    assert OwnEqOnly(1) == OwnEqOnly(3)
    assert hash(OwnEqOnly(1)) == hash(OwnEqOnlyDataclass(1))


def test_a_record_is_a_frozen_dataclass() -> None:
    item = Child(where="x", what=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.what = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del item.where  # type: ignore[misc]
    assert dataclasses.is_dataclass(item)
    assert [f.name for f in dataclasses.fields(item)] == ["where", "what"]
    assert dataclasses.replace(item, what=5) == Child(where="x", what=5)
    assert dataclasses.asdict(item) == {"where": "x", "what": 2}
    assert pickle.loads(pickle.dumps(item)) == item
    with pytest.raises(TypeError):
        Child("x")  # type: ignore[misc]


def test_a_recursive_repr_ends() -> None:
    loop = Nested([])
    loop.children.append(loop)
    assert repr(loop) == "Nested(children=[...])"


def test_the_methods_are_named_after_their_class() -> None:
    assert Single.__eq__.__qualname__ == "Single.__eq__"
    assert Single.__repr__.__qualname__ == "Single.__repr__"
