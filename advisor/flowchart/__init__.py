"""Flowchart stage: every endpoint through the essay's three questions.

For each endpoint of the inventory (spec operations and code routes, joined), the questions
are answered from hints, the code its handler runs, and the spec; the flowchart graph is walked
to a recommended strategy, or stops at an unknown answer (the endpoint needs review). The
result is an `endpoint` fact, which rules test like any other (ADV104, ADV105, ADV108) and the
report and `advisor explain` show.
"""

from __future__ import annotations

from collections.abc import Mapping

from advisor.flowchart.estimates import estimate
from advisor.flowchart.graph import QUESTIONS, STRATEGY_NAMES, walk
from advisor.flowchart.hints import endpoint_hints
from advisor.flowchart.inventory import Sighting, inventory
from advisor.flowchart.questions import (
    Material,
    in_request_pipeline,
    outlasts,
    waiting,
    whole,
)
from advisor.flowchart.work import RequestWork, WorkFinder
from advisor.hints import HINT_KEYS, comment_hint_index
from advisor.model import Answer, Endpoint, Hints, SpecOperation
from advisor.project import Project
from advisor.routing import endpoint_label
from advisor.settings import Settings
from advisor.tables import spec_vocabulary

MODEL_KINDS = frozenset({"chat", "completion", "embeddings", "batch-submit", "fan-out"})
NOT_JUDGED = Answer(value="unknown", source="", reason="not judged: it serves no model output")


def decide_endpoints(project: Project, settings: Settings) -> tuple[Endpoint, ...]:
    finder = WorkFinder(project.graph, project.facts)
    comments = comment_hint_index(project.facts)
    return tuple(
        _decide(sighting, finder, comments, settings) for sighting in inventory(project.facts)
    )


def _decide(
    sighting: Sighting,
    finder: WorkFinder,
    comments: Mapping[str, list[tuple[Hints, str]]],
    settings: Settings,
) -> Endpoint:
    route, operation = sighting.route, sighting.operation
    work = finder.work(route.handler) if route is not None else None
    observed_code = _observed_code(work) if work is not None else ()
    observed_spec = operation.strategies if operation is not None else ()
    observed = observed_code or observed_spec
    label = endpoint_label(sighting.method, sighting.path, route.handler if route else "")
    hints, sources = endpoint_hints(sighting, settings, comments)
    material = Material(
        label=label,
        work=work,
        operation=operation,
        route_at=route.evidence if route is not None else None,
        hints=hints,
        hint_sources=sources,
        observed_code=observed_code,
        thresholds=settings.flowchart,
    )
    judged = _serves_model_output(work, operation, hints)
    answers = (
        (waiting(material), outlasts(material), whole(material))
        if judged
        else (NOT_JUDGED, NOT_JUDGED, NOT_JUDGED)
    )
    result = walk(
        {
            "waiting": answers[0].value,
            "outlasts": answers[1].value,
            "whole": answers[2].value,
        }
    )
    recommended = result.strategy if judged else None
    tokens, tokens_source = _output_tokens(hints, work, operation)
    calls = len(work.chain) if work is not None else 1
    thresholds = settings.flowchart
    evidence = route.evidence if route is not None else operation.evidence if operation else None
    assert evidence is not None
    return Endpoint(
        evidence=evidence,
        method=sighting.method,
        path=sighting.path,
        label=label,
        handler=route.handler if route else None,
        operation_id=operation.operation_id if operation else None,
        in_code=route is not None,
        in_spec=operation is not None,
        joined_by=sighting.joined_by,
        model_output=judged,
        observed=observed,
        observed_code=observed_code,
        observed_spec=observed_spec,
        model_calls=len(work.generating) if work else 0,
        sequential_calls=len(work.chain) if work else 0,
        output_tokens=tokens,
        output_tokens_source=tokens_source,
        output_length=_length(tokens, tokens_source),
        waiting=answers[0],
        outlasts=answers[1],
        whole=answers[2],
        recommended=recommended,
        decided_by=result.decided_by if judged else None,
        verdict=_verdict(judged, recommended, result.open_question),
        needs_review=judged and result.open_question is not None,
        open_questions=(result.open_question,) if judged and result.open_question else (),
        hints=hints,
        hint_sources=tuple(
            f"{HINT_KEYS.get(field, field)}: {where}" for field, where in sorted(sources.items())
        ),
        pipeline=in_request_pipeline(work, thresholds) if work is not None else None,
        drift=_drift(observed_code, observed_spec, operation) if route and operation else None,
        hint_unmet=(
            hints.strategy
            if hints.strategy is not None and observed and hints.strategy not in observed
            else None
        ),
        current=estimate(_main(observed), tokens, calls, thresholds) if observed else None,
        advised=estimate(recommended, tokens, calls, thresholds) if recommended else None,
        rates=thresholds.describe(),
        code_at=route.evidence if route else None,
        spec_at=operation.evidence if operation else None,
    )


def _length(tokens: int | None, source: str | None) -> str | None:
    if tokens is None or source is None:
        return None
    about = "about" if "hint" in source or "default" in source else "up to"
    return f"{about} {tokens} tokens ({source})"


def _verdict(judged: bool, recommended: str | None, open_question: str | None) -> str:
    if not judged:
        return "not judged (no model output)"
    if recommended is not None:
        return STRATEGY_NAMES[recommended]
    return f"needs review ({QUESTIONS.get(open_question or '', 'an open question')})"


def _observed_code(work: RequestWork) -> tuple[str, ...]:
    """What the request visibly does; empty when the code shows nothing either way."""
    found = set()
    sequential = spec_vocabulary().sequential
    streams = [
        r
        for r in work.responses
        if (r.streams or (r.streams is None and r.media_type in sequential))
        and (r.status_code is None or r.status_code < 400)
    ]
    if streams:
        found.add("stream")
    if work.handoffs:
        found.add("async-job")
    if any(c.api_kind == "batch-submit" for c in work.calls):
        found.add("batch")
    whole_calls = [
        c
        for c in work.calls
        if c.api_kind in ("chat", "completion", "embeddings") and not c.streamed
    ]
    collected = [c for c in work.consumptions if c.mode == "buffered" or "final-message" in c.reads]
    if (whole_calls or collected) and "async-job" not in found:
        found.add("sync")
    return tuple(sorted(found))


def _main(observed: tuple[str, ...]) -> str:
    for strategy in ("stream", "async-job", "batch", "sync"):
        if strategy in observed:
            return strategy
    return "sync"


def _serves_model_output(
    work: RequestWork | None, operation: SpecOperation | None, hints: Hints
) -> bool:
    if any(value is not None for value in vars(hints).values()):
        return True
    if work is not None and (
        any(c.api_kind in MODEL_KINDS for c in (*work.calls, *work.job_calls))
        or any(r.streams for r in work.responses)
    ):
        return True
    return operation is not None and bool(
        operation.streaming_media_types
        or operation.stream_flag
        or operation.structured_request
        or operation.max_tokens_parameter
    )


def _output_tokens(
    hints: Hints, work: RequestWork | None, operation: SpecOperation | None
) -> tuple[int | None, str | None]:
    if hints.expected_output_tokens is not None:
        return hints.expected_output_tokens, "the expected-output-tokens hint"
    if work is not None:
        final = work.chain[-1] if work.chain else (work.generating[-1] if work.generating else None)
        if final is not None and final.max_tokens is not None:
            return final.max_tokens, "the `max_tokens` cap"
    if operation is not None:
        if operation.output_token_cap is not None:
            return operation.output_token_cap, "the spec's maximum"
        if operation.output_token_default is not None:
            return operation.output_token_default, "the spec's default"
    return None, None


def _drift(
    code: tuple[str, ...], spec: tuple[str, ...], operation: SpecOperation | None
) -> str | None:
    if not code or not spec or operation is None:
        return None
    if "stream" in spec and "sync" not in spec and "stream" not in code and "sync" in code:
        media = ", ".join(operation.streaming_media_types) or "a stream"
        return f"the spec documents only {media}, the code returns the answer whole"
    if "stream" in code and "sync" not in code and "stream" not in spec:
        media = ", ".join(operation.media_types) or "a whole body"
        return f"the code streams, the spec documents only {media}"
    if "async-job" in spec and "async-job" not in code and code == ("sync",):
        return "the spec documents 202 Accepted, the code answers within the request"
    if "async-job" in code and "async-job" not in spec and "stream" not in spec:
        return "the code hands the work to a worker, the spec documents a direct answer"
    return None
