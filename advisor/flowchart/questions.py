"""The three questions, each answered yes / no / unknown from one endpoint's evidence.

Every answer names its source: a `hint` (an explicit statement always wins), the `code` (what
the handler's request does), the `spec`, or a `default`. An answer the evidence does not
support is `unknown`, with the hint that would settle it: the flowchart stops there and the
endpoint needs review, which is what a design review wants to know.
"""

from __future__ import annotations

from advisor.flowchart.work import RequestWork
from advisor.model import Answer, Evidence, Hints, LlmCall, SpecOperation
from advisor.records import record
from advisor.settings import Thresholds

STRUCTURED_OUTPUTS = frozenset({"structured", "classification", "embedding"})


@record
class Material:
    """Everything the questions may look at for one endpoint."""

    label: str
    work: RequestWork | None
    operation: SpecOperation | None
    route_at: Evidence | None
    hints: Hints
    hint_sources: dict[str, str]
    observed_code: tuple[str, ...]
    thresholds: Thresholds


def _hinted(material: Material, field: str, text: str) -> str:
    """The reason of a hinted answer: what the hint says, and where it is written."""
    return f"{text} (hint: {material.hint_sources.get(field, 'a hint')})"


def waiting(material: Material) -> Answer:
    """Q1: is someone waiting for the answer?"""
    if material.hints.user_facing is not None:
        value = "yes" if material.hints.user_facing else "no"
        reason = _hinted(
            material,
            "user_facing",
            "someone waits for the answer"
            if material.hints.user_facing
            else "nobody waits for the answer",
        )
        return Answer(value=value, source="hint", reason=reason)
    if material.route_at is not None:
        return Answer(
            value="yes",
            source="code",
            reason="an HTTP route handler: its caller waits for the response",
            evidence=(material.route_at,),
        )
    assert material.operation is not None
    return Answer(
        value="yes",
        source="spec",
        reason="an HTTP operation: its client waits for the response",
        evidence=(material.operation.evidence,),
    )


def outlasts(material: Material) -> Answer:
    """Q2: does the work outlast one HTTP request?"""
    hints, work, operation = material.hints, material.work, material.operation
    if hints.long_running is not None:
        reason = _hinted(
            material,
            "long_running",
            "the work outlasts one request" if hints.long_running else "the work fits one request",
        )
        return Answer(value="yes" if hints.long_running else "no", source="hint", reason=reason)
    settle = "# advisor: long-running=true (or false) on the handler, or x-advisor long-running"
    if work is not None:
        found = _work_outlasts(work, material.thresholds)
        if found is not None:
            return found
        if operation is not None and operation.accepted and operation.accepted_job_like:
            return _accepted(operation)
        if not work.calls:
            return Answer(
                value="unknown",
                source="code",
                reason="the request calls no model the advisor can see (another service, or a "
                "client it cannot resolve)",
                settle=settle,
            )
        return Answer(
            value="unknown",
            source="code",
            reason=(
                f"{len(work.generating)} model calls are reached, but the code does not show "
                "whether they run one after another"
            ),
            evidence=tuple(c.evidence for c in work.generating[:3]),
            settle=settle,
        )
    assert operation is not None
    if operation.accepted and operation.accepted_job_like:
        return _accepted(operation)
    return Answer(
        value="unknown",
        source="spec",
        reason="the spec documents the response, not how long the work behind it takes",
        evidence=(operation.evidence,),
        settle="x-advisor: {long-running: false} (or true) on the operation",
    )


def _accepted(operation: SpecOperation) -> Answer:
    return Answer(
        value="yes",
        source="spec",
        reason="202 Accepted with a job: the work already runs outside the request",
        evidence=(operation.accepted_at or operation.evidence,),
    )


def in_request_pipeline(work: RequestWork, thresholds: Thresholds) -> str | None:
    """The multi-step work the request runs itself (not handed to a worker or a batch): a
    loop of model calls, an agent loop, or a chain of calls over the request budget."""
    answer = _work_outlasts(work, thresholds)
    if answer is None or answer.value != "yes" or work.handoffs:
        return None
    if any(c.api_kind == "batch-submit" for c in work.calls):
        return None
    return answer.reason


def _work_outlasts(work: RequestWork, thresholds: Thresholds) -> Answer | None:
    batches = [c for c in work.calls if c.api_kind == "batch-submit"]
    if batches:
        return Answer(
            value="yes",
            source="code",
            reason=f"the request submits a provider batch (`{batches[0].api}`): the answers come "
            "within 24 hours, not within the request",
            evidence=(batches[0].evidence,),
        )
    if work.handoffs:
        task = work.handoffs[0].task.rsplit(".", 1)[-1]
        return Answer(
            value="yes",
            source="code",
            reason=f"the handler hands the work to a worker (`{task}`): it runs outside the "
            "request",
        )
    repeated = [loop for loop in work.loops if loop.api_kind in ("chat", "completion")]
    if repeated:
        loop = repeated[0]
        items = f"{loop.loop_bound} items" if loop.loop_bound else "a collection"
        return Answer(
            value="yes",
            source="code",
            reason=f"a `{loop.api}` call per item of {items} inside the request",
            evidence=(loop.evidence,),
        )
    agent = [c for c in work.generating if c.tools and c.in_loop]
    if agent:
        return Answer(
            value="yes",
            source="code",
            reason=f"an agent loop: `{agent[0].api}` with tools, called again and again",
            evidence=(agent[0].evidence,),
        )
    if not work.chain_known:
        return None
    chain = work.chain
    if len(chain) >= 3:
        return Answer(
            value="yes",
            source="code",
            reason=f"a chain of {len(chain)} model calls, one after another, in one request",
            evidence=tuple(c.evidence for c in chain),
        )
    if len(chain) == 2:
        seconds = _chain_seconds(chain, thresholds)
        if seconds is None:
            return None
        over = seconds > thresholds.request_budget_s
        return Answer(
            value="yes" if over else "no",
            source="code",
            reason=(
                f"two model calls one after another, about {seconds:.0f} s in all: "
                f"{'over' if over else 'within'} the {thresholds.request_budget_s:g} s request "
                "budget"
            ),
            evidence=tuple(c.evidence for c in chain),
        )
    if len(chain) == 1:
        alternatives = len(work.generating) - 1
        tail = f" ({alternatives} other calls are alternatives to it)" if alternatives else ""
        return Answer(
            value="no",
            source="code",
            reason=f"one model call per request{tail}",
            evidence=(chain[0].evidence,),
        )
    if work.calls:
        return Answer(
            value="no",
            source="code",
            reason="the request makes no generating model call",
            evidence=(work.calls[0].evidence,),
        )
    return None  # the model work is not visible (another service, an unknown client)


def _chain_seconds(chain: tuple[LlmCall, ...], thresholds: Thresholds) -> float | None:
    caps = [c.max_tokens for c in chain]
    if any(cap is None for cap in caps):
        return None
    tokens = sum(cap for cap in caps if cap is not None)
    return len(chain) * thresholds.first_token_s + tokens / thresholds.tokens_per_second


def whole(material: Material) -> Answer:
    """Q3: does the next consumer need the whole response before it can act?"""
    hints, work, operation = material.hints, material.work, material.operation
    long_form = material.thresholds.long_form_tokens
    settle = (
        "# advisor: output=text, expected-output-tokens=N (or output=structured) on the "
        "handler, or the same keys in x-advisor"
    )
    if hints.output is not None:
        needs_whole = hints.output in STRUCTURED_OUTPUTS
        reason = _hinted(material, "output", f"the output is {hints.output}")
        if needs_whole or hints.expected_output_tokens is None:
            return Answer(value="yes" if needs_whole else "no", source="hint", reason=reason)
    if hints.expected_output_tokens is not None:
        tokens = hints.expected_output_tokens
        short = tokens < long_form
        text = f"answers of about {tokens} tokens ({'under' if short else 'at least'} {long_form})"
        reason = _hinted(material, "expected_output_tokens", text)
        return Answer(value="yes" if short else "no", source="hint", reason=reason)
    if work is not None and work.calls:
        answer = _whole_from_code(work, material.observed_code, long_form, settle)
        if answer.value != "unknown" or operation is None:
            return answer
        from_spec = _whole_from_spec(operation, long_form, settle)
        return from_spec if from_spec.value != "unknown" else answer
    if operation is not None:
        return _whole_from_spec(operation, long_form, settle)
    return Answer(
        value="unknown", source="code", reason="no model output is visible", settle=settle
    )


def _whole_from_code(
    work: RequestWork, observed: tuple[str, ...], long_form: int, settle: str
) -> Answer:
    calls = [c for c in work.calls if c.api_kind in ("chat", "completion", "embeddings")]
    if not calls:
        return Answer(value="unknown", source="code", reason="no model output", settle=settle)
    if all(c.api_kind == "embeddings" for c in calls):
        return Answer(
            value="yes",
            source="code",
            reason="embeddings: the consumer needs the whole vector",
            evidence=(calls[0].evidence,),
        )
    generating = [c for c in calls if c.api_kind != "embeddings"]
    structured = [c for c in generating if c.structured_output or c.forced_tool_call]
    if structured and len(structured) == len(generating):
        via = structured[0].structured_via or "structured output"
        return Answer(
            value="yes",
            source="code",
            reason=f"structured output ({via}): the consumer parses the whole document",
            evidence=(structured[0].evidence,),
        )
    if structured:
        return Answer(
            value="unknown",
            source="code",
            reason="some model calls ask for structured output and some for text",
            evidence=tuple(c.evidence for c in generating[:3]),
            settle=settle,
        )
    final = work.chain[-1] if work.chain else generating[-1]
    caps = [c.max_tokens for c in generating]
    if all(cap is not None and cap < long_form for cap in caps):
        return Answer(
            value="yes",
            source="code",
            reason=f"short output: `max_tokens` {max(c for c in caps if c is not None)}, "
            f"under the {long_form}-token long-form threshold",
            evidence=(final.evidence,),
        )
    forwarded = [c for c in work.consumptions if c.mode == "forwarded" and "text" in c.reads]
    if "stream" in observed and forwarded:
        return Answer(
            value="no",
            source="code",
            reason="the handler forwards the text as it is generated: its reader takes it "
            "as it appears",
            evidence=(forwarded[0].evidence,),
        )
    buffered = any(c.mode == "buffered" for c in work.consumptions)
    streamed = [c for c in generating if c.streamed]
    if "stream" in observed and streamed and not buffered:
        return Answer(
            value="no",
            source="code",
            reason="the model streams text and the handler streams its response: its reader "
            "takes the text as it appears",
            evidence=(streamed[0].evidence,),
        )
    if final.max_tokens is not None and final.max_tokens >= long_form:
        return Answer(
            value="no",
            source="code",
            reason=f"long-form text: up to {final.max_tokens} tokens (`max_tokens`), which a "
            "person can read as it is written",
            evidence=(final.evidence,),
        )
    return Answer(
        value="unknown",
        source="code",
        reason="text output of unknown length, for a consumer the code does not show",
        evidence=(final.evidence,),
        settle=settle,
    )


def _whole_from_spec(operation: SpecOperation, long_form: int, settle: str) -> Answer:
    where = (operation.evidence,)
    if operation.structured_required:
        return Answer(
            value="yes",
            source="spec",
            reason=f"a required {', '.join(operation.structured_request)}: structured output",
            evidence=(operation.structured_at or operation.evidence,),
        )
    if operation.output_token_cap is not None and operation.output_token_cap < long_form:
        return Answer(
            value="yes",
            source="spec",
            reason=f"answers of at most {operation.output_token_cap} tokens "
            f"(`{operation.max_tokens_parameter}` maximum): short output",
            evidence=(operation.max_tokens_at or operation.evidence,),
        )
    if operation.strategies == ("stream",) and not operation.structured_request:
        return Answer(
            value="no",
            source="spec",
            reason="it documents only an event stream of text",
            evidence=(operation.streaming_at or operation.evidence,),
        )
    return Answer(
        value="unknown",
        source="spec",
        reason="the spec does not say who consumes the output or how long it is",
        evidence=where,
        settle="x-advisor: {output: text, expected-output-tokens: N} (or output: structured)",
    )
