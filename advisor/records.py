"""`@record`: a frozen dataclass whose `__eq__`, `__hash__` and `__repr__` are not compiled.

`@dataclass(frozen=True)` compiles six methods for each class, one `exec` each, when the module
is imported. The advisor has 145 such classes, and the main process imports 106 of them before
it starts any work: 0.12 s of compiling at the serial start of every run, on a 2-core machine
where a cold run of the standard library's 1,790 files takes 1.2 s. `__init__`, `__setattr__`
and `__delattr__` still come from `dataclasses` (construction is the hot path, and a frozen
`__init__` has to bypass the class's own `__setattr__`). Comparison, hashing and repr are made
of the fields with nothing compiled: 0.05 s less (measured).

The semantics are `dataclasses`' own, so `fields`, `replace`, `asdict`, pickling and the type
checker treat a record as the frozen dataclass it is:
- `__eq__` compares the fields with `compare=True` as a tuple, only with an instance of the very
  same class (else `NotImplemented`);
- `__hash__` hashes the fields that count for it (`hash=` when given, else `compare=`), unless the
  class defines its own;
- `__repr__` is `Name(field=value, ...)` over the fields with `repr=True`, `...` on recursion;
- a method the class body defines itself is kept, as `dataclasses` keeps it.
`eq=False` keeps identity comparison and hashing, as `dataclass(frozen=True, eq=False)` does.
"""

from __future__ import annotations

import dataclasses
import operator
import reprlib
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T", bound=type)


@overload
def record(cls: _T, /) -> _T: ...


@overload
def record(*, kw_only: bool = False, eq: bool = True) -> Callable[[_T], _T]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: Any = None, /, *, kw_only: bool = False, eq: bool = True) -> Any:
    def wrap(klass: Any) -> Any:
        return _record(klass, kw_only=kw_only, eq=eq)

    return wrap if cls is None else wrap(cls)


def _record(cls: Any, *, kw_only: bool, eq: bool) -> Any:
    own = dict(cls.__dict__)
    # As `dataclasses` decides it: `__hash__ = None` set by Python because the body defines
    # `__eq__` is not an explicit hash.
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    cls = dataclasses.dataclass(cls, frozen=True, kw_only=kw_only, eq=False, repr=False)
    fields = dataclasses.fields(cls)
    methods: dict[str, Callable[..., Any]] = {}
    if "__repr__" not in own:
        methods["__repr__"] = _repr([f.name for f in fields if f.repr])
    if eq:
        if "__eq__" not in own:
            methods["__eq__"] = _eq(_values([f.name for f in fields if f.compare]))
        if not explicit_hash:
            hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
            methods["__hash__"] = _hash(_values(hashed))
    for name, method in methods.items():
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    return cls


def _values(names: list[str]) -> Callable[[object], tuple[Any, ...]]:
    """The named attributes of an object, always as a tuple (as `dataclasses` compares them:
    `(x,) == (y,)` is true for the same object even when `x == x` is not, as for NaN)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        name = names[0]
        return lambda instance: (getattr(instance, name),)
    return lambda instance: ()


def _eq(values: Callable[[object], tuple[Any, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[object], tuple[Any, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(values(self))

    return __hash__


def _repr(names: list[str]) -> Callable[[object], str]:
    @reprlib.recursive_repr()
    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__
