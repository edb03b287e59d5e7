"""The condition language of rule files: predicates over one fact's fields.

    where:
      all:
        - {field: media_type, equals: text/event-stream}
        - {field: headers_known, is: true}
        - {field: effective_header_names, lacks-any: [cache-control, x-accel-buffering],
           capture: missing}

Deliberately small (all / any / not over single-field tests) so that rules stay readable and
can be checked when they are loaded: every field path must exist on the fact kind, and every
name a message uses must be a field or a capture.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from advisor.model import Fact
from advisor.records import record

Bindings = dict[str, Any]


def _as_items(value: object) -> Sequence[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return []


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], tuple[bool, Any]]:
    def test(value: Any, operand: Any) -> tuple[bool, Any]:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and op(value, operand)
        return ok, value

    return test


def _lacks_any(value: Any, operand: Any) -> tuple[bool, Any]:
    items = _as_items(value)
    missing = [item for item in operand if item not in items]
    return bool(missing), missing


def _lacks_all(value: Any, operand: Any) -> tuple[bool, Any]:
    items = _as_items(value)
    return all(item not in items for item in operand), list(operand)


def _matches(value: Any, operand: Any) -> tuple[bool, Any]:
    return isinstance(value, str) and re.search(operand, value) is not None, value


def _contains_all(value: Any, operand: Any) -> tuple[bool, Any]:
    return all(item in _as_items(value) for item in operand), value


def _contains_any(value: Any, operand: Any) -> tuple[bool, Any]:
    return any(item in _as_items(value) for item in operand), value


# Each operator returns (holds, captured value).
OPERATORS: dict[str, Callable[[Any, Any], tuple[bool, Any]]] = {
    "equals": lambda v, o: (v == o and type(v) is type(o), v),
    "not-equals": lambda v, o: (not (v == o and type(v) is type(o)), v),
    "in": lambda v, o: (v in o, v),
    "not-in": lambda v, o: (v not in o, v),
    "contains": lambda v, o: (o in _as_items(v), v),
    "contains-any": _contains_any,
    "contains-all": _contains_all,
    "lacks-any": _lacks_any,
    "lacks-all": _lacks_all,
    "matches": _matches,
    "is": lambda v, o: (v is o, v),
    "exists": lambda v, o: ((v is not None) == o, v),
    "empty": lambda v, o: ((not v) == o, v),
    "gt": _compare(lambda a, b: a > b),
    "gte": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "lte": _compare(lambda a, b: a <= b),
}


class ConditionError(ValueError):
    """A condition that cannot work on its fact kind; `where` says which part."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


@record
class Test:
    path: tuple[str, ...]
    operator: str
    operand: Any
    capture: str | None = None

    def evaluate(self, fact: Fact) -> Bindings | None:
        value: Any = fact
        for name in self.path:
            value = getattr(value, name, None)
            if value is None:
                break
        holds, captured = OPERATORS[self.operator](value, self.operand)
        if not holds:
            return None
        return {self.capture: captured} if self.capture else {}


@record
class All:
    items: tuple[Predicate, ...]

    def evaluate(self, fact: Fact) -> Bindings | None:
        bindings: Bindings = {}
        for item in self.items:
            found = item.evaluate(fact)
            if found is None:
                return None
            bindings.update(found)
        return bindings


@record
class AnyOf:
    items: tuple[Predicate, ...]

    def evaluate(self, fact: Fact) -> Bindings | None:
        for item in self.items:
            found = item.evaluate(fact)
            if found is not None:
                return found
        return None


@record
class Not:
    item: Predicate

    def evaluate(self, fact: Fact) -> Bindings | None:
        return {} if self.item.evaluate(fact) is None else None


Predicate = Test | All | AnyOf | Not


def compile_predicate(
    raw: Mapping[str, Any], kind: type[Fact], where: str = "when.where"
) -> Predicate:
    """Turn a validated `where` mapping into a predicate, checking fields against `kind`."""
    if "all" in raw:
        return All(
            tuple(compile_predicate(p, kind, f"{where}.all[{i}]") for i, p in enumerate(raw["all"]))
        )
    if "any" in raw:
        return AnyOf(
            tuple(compile_predicate(p, kind, f"{where}.any[{i}]") for i, p in enumerate(raw["any"]))
        )
    if "not" in raw:
        return Not(compile_predicate(raw["not"], kind, f"{where}.not"))
    operators = [key for key in raw if key in OPERATORS]
    if len(operators) != 1:
        raise ConditionError(where, f"a test needs exactly one operator ({', '.join(OPERATORS)})")
    path = tuple(raw["field"].split("."))
    check_field_path(kind, path, f"{where}.field")
    operator = operators[0]
    operand = raw[operator]
    if operator == "matches":
        try:
            re.compile(operand)
        except re.error as exc:
            raise ConditionError(f"{where}.matches", f"invalid regular expression: {exc}") from exc
    return Test(path, operator, operand, raw.get("capture"))


def captures(predicate: Predicate | None) -> set[str]:
    """Names a message may use besides the fact's fields (captures outside `not`)."""
    if predicate is None:
        return set()
    if isinstance(predicate, Test):
        return {predicate.capture} if predicate.capture else set()
    if isinstance(predicate, All | AnyOf):
        return set().union(*(captures(item) for item in predicate.items))
    return set()


def check_field_path(
    kind: type[Any], path: Sequence[str], where: str, expected: type[Any] | None = None
) -> None:
    """Raise unless `path` names a field of `kind` (of type `expected`, when given)."""
    current: Any = kind
    for index, name in enumerate(path):
        if not (isinstance(current, type) and is_dataclass(current)):
            shown = ".".join(path[:index])
            raise ConditionError(where, f"'{shown}' has no fields; cannot read '{name}'")
        names = {f.name for f in fields(current)}
        if name not in names or name.startswith("_"):
            available = ", ".join(sorted(n for n in names if not n.startswith("_")))
            raise ConditionError(
                where,
                f"fact kind has no field '{'.'.join(path[: index + 1])}' (fields: {available})",
            )
        current = _dataclass_of(_type_hints(current)[name])
    if expected is not None and current is not expected:
        raise ConditionError(where, f"'{'.'.join(path)}' is not a {expected.__name__} field")


@functools.cache
def _type_hints(kind: type[Any]) -> dict[str, Any]:
    """Resolved field types of a fact class (resolving them is slow; the classes never change)."""
    return typing.get_type_hints(kind)


def _dataclass_of(hint: Any) -> Any:
    """`Evidence` for `Evidence` or `Evidence | None`; anything else is returned unchanged."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return hint
