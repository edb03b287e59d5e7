"""Test code, by pytest's and unittest's conventions.

Tests exercise behaviour on purpose (a gzip test serves an event stream without headers, an SDK
test streams a JSON schema), and a developer or a CI job waits for them, so the engine does not
report findings in them unless `include-tests` is set, and the call graph treats test functions
as entry points where someone waits.
"""

from __future__ import annotations

TEST_FOLDERS = frozenset({"tests", "test"})


def is_test_module(path: str) -> bool:
    """`test_*.py`, `*_test.py`, `conftest.py`, Django's `tests.py`, or any file below a
    `tests/` or `test/` folder."""
    parts = path.split("/")
    name = parts[-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name in ("conftest.py", "tests.py")
        or any(part in TEST_FOLDERS for part in parts[:-1])
    )


def is_test_function(qualname: str | None) -> bool:
    """A `test*` function or anything inside a `Test*` class (pytest's default collection),
    wherever it is: a production function whose name starts with `test` is rare, and taking it
    for a test only ever hides a finding."""
    if not qualname:
        return False
    parts = qualname.split(".")
    return parts[-1].startswith("test") or any(part.startswith("Test") for part in parts[:-1])


def is_test_code(path: str, qualname: str | None) -> bool:
    return is_test_module(path) or is_test_function(qualname)
