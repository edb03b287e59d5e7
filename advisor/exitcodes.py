"""Exit statuses, defined once: CI scripts depend on them (PRODUCT.md §5)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    """Nothing at or above the failing severity was found."""
    FINDINGS = 1
    """At least one finding at or above the failing severity."""
    ERROR = 2
    """Usage, configuration or internal error: the result cannot be trusted."""
