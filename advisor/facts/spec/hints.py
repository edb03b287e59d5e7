"""`x-advisor` hints and `x-advisor-ignore` lists, validated (ADV003 facts when malformed).

The hints are checked by the same helpers as `# advisor:` comments and the configuration's
`hints` table (advisor/hints.py), against advisor/schemas/hints.schema.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from advisor.facts.spec.documents import Located, SpecFiles
from advisor.hints import HINT_FIELDS, invalid_value, unknown_hint
from advisor.model import Hints, InvalidHint, Suppression
from advisor.read.spec import pointer_text

HINT_KEY = "x-advisor"
IGNORE_KEY = "x-advisor-ignore"
_CODE = re.compile(r"^[A-Z]+[0-9]+$")


def read_hints(
    owner: Located, files: SpecFiles, inherited: Hints, problems: list[InvalidHint]
) -> Hints:
    """Hints written on `owner` (a document, path item or operation) over the inherited ones."""
    raw = owner.value.get(HINT_KEY) if isinstance(owner.value, Mapping) else None
    if raw is None:
        return inherited
    where = owner.child(HINT_KEY)
    if not isinstance(raw, Mapping):
        problems.append(_problem(files, where, None, "x-advisor must be a mapping of hints"))
        return inherited
    accepted: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)
        unknown = unknown_hint(name)
        if unknown is not None:
            problems.append(_problem(files, where.child(key), name, unknown))
            continue
        expected = invalid_value(name, value)
        if expected is not None:
            problems.append(
                _problem(
                    files,
                    where.child(key),
                    name,
                    f"'{name}: {value!r}' is invalid; expected {expected}",
                )
            )
            continue
        accepted[HINT_FIELDS[name]] = value
    return replace(inherited, **accepted)


def read_ignore(
    owner: Located, files: SpecFiles, problems: list[InvalidHint]
) -> Suppression | None:
    """`x-advisor-ignore: [ADV601]`, or `true` for every code."""
    raw = owner.value.get(IGNORE_KEY) if isinstance(owner.value, Mapping) else None
    if raw is None or raw is False:
        return None
    where = owner.child(IGNORE_KEY)
    codes: frozenset[str] | None
    if raw is True:
        codes = None
    elif isinstance(raw, str) and _CODE.match(raw.strip().upper()):
        codes = frozenset({raw.strip().upper()})
    elif (
        isinstance(raw, list)
        and raw
        and all(isinstance(c, str) and _CODE.match(c.strip().upper()) for c in raw)
    ):
        codes = frozenset(c.strip().upper() for c in raw)
    else:
        problems.append(
            _problem(
                files,
                where,
                None,
                f"x-advisor-ignore must be a list of rule codes (or true), not {raw!r}",
                source=IGNORE_KEY,
            )
        )
        return None
    return Suppression(
        path=owner.path,
        codes=codes,
        pointer=pointer_text(owner.pointer),
        written=files.evidence(where),
    )


def _problem(
    files: SpecFiles, where: Located, key: str | None, message: str, *, source: str = HINT_KEY
) -> InvalidHint:
    return InvalidHint(evidence=files.evidence(where), key=key, source=source, message=message)
