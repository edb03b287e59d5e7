"""Latency under a strategy, from the essay's model: each model call takes its time to first
token plus its tokens at the generation rate; the user sees something after the first token of
a stream, after the whole answer of a sync response, and at once (a job id) for an async job.
Always labelled as estimates from stated rates (`Thresholds.describe`).
"""

from __future__ import annotations

from advisor.model import Estimate
from advisor.settings import Thresholds


def estimate(
    strategy: str, tokens: int | None, calls: int, thresholds: Thresholds
) -> Estimate | None:
    """`tokens`: the answer's length; `calls`: model calls one after another (at least 1)."""
    if tokens is None or strategy == "batch":
        return None
    calls = max(calls, 1)
    ttft = thresholds.first_token_s
    total = calls * ttft + tokens / thresholds.tokens_per_second
    if strategy == "stream":
        # Earlier calls finish before the streamed one starts; their length is not known, so
        # only a single call's first words are estimated.
        first = ttft if calls == 1 else None
    elif strategy == "async-job":
        first = 0.0  # a job id (and progress events) at once
    else:
        first = total
    return Estimate(strategy=strategy, first_seen_s=_round(first), total_s=_round(total))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
