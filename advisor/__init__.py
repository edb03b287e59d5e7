"""endpoint-advisor: a static analyzer and policy linter for services that serve LLM output."""

from __future__ import annotations

from advisor.engine import Result, analyze, analyze_sources

__version__ = "0.1.0"

__all__ = ["Result", "__version__", "analyze", "analyze_sources"]
