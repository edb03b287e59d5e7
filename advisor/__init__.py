"""endpoint-advisor: a static analyzer and policy linter for services that serve LLM output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from advisor.engine import Result, analyze, analyze_sources

__all__ = ["Result", "__version__", "analyze", "analyze_sources"]


def __getattr__(name: str) -> Any:
    """`advisor.analyze` and friends load the engine on first use, so that `advisor --version`
    and modules that only need the version do not import it."""
    if name in ("Result", "analyze", "analyze_sources"):
        from advisor import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
