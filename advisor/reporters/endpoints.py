"""Endpoints and their flowchart verdicts, for people (`advisor explain`) and tools (JSON).

Pure functions of the result, like every reporter: the CLI decides where the text goes.
"""

from __future__ import annotations

from typing import Any

from advisor.engine import Result
from advisor.flowchart.graph import QUESTIONS, STRATEGY_NAMES, walk
from advisor.model import Answer, Endpoint, Estimate, Evidence
from advisor.reporters import RenderOptions, display_path

ORDER = ("waiting", "outlasts", "whole")
FLIPS: dict[str, dict[str, str]] = {
    # question -> answer -> the hint that states it (comment form; x-advisor uses the same keys)
    "waiting": {"yes": "user-facing=true", "no": "user-facing=false"},
    "outlasts": {"yes": "long-running=true", "no": "long-running=false"},
    "whole": {"yes": "output=structured", "no": "output=text, expected-output-tokens=1000"},
}


def where(result: Result, evidence: Evidence | None, options: RenderOptions) -> str | None:
    if evidence is None:
        return None
    location = evidence.location
    return f"{display_path(result, location.path, options)}:{location.line}"


def endpoint_dict(result: Result, endpoint: Endpoint, options: RenderOptions) -> dict[str, Any]:
    return {
        "label": endpoint.label,
        "method": endpoint.method,
        "path": endpoint.path,
        "handler": endpoint.handler,
        "operation_id": endpoint.operation_id,
        "in_code": endpoint.in_code,
        "in_spec": endpoint.in_spec,
        "code_at": where(result, endpoint.code_at, options),
        "spec_at": where(result, endpoint.spec_at, options),
        "model_output": endpoint.model_output,
        "observed": list(endpoint.observed),
        "recommended": endpoint.recommended,
        "verdict": endpoint.verdict,
        "decided_by": endpoint.decided_by,
        "needs_review": endpoint.needs_review,
        "open_questions": list(endpoint.open_questions),
        "answers": {name: _answer_dict(result, getattr(endpoint, name), options) for name in ORDER},
        "hints": list(endpoint.hint_sources),
        "estimates": {
            "rates": endpoint.rates,
            "output_tokens": endpoint.output_tokens,
            "output_tokens_source": endpoint.output_tokens_source,
            "current": _estimate_dict(endpoint.current),
            "recommended": _estimate_dict(endpoint.advised),
        },
    }


def _answer_dict(result: Result, answer: Answer, options: RenderOptions) -> dict[str, Any]:
    return {
        "value": answer.value,
        "source": answer.source or None,
        "reason": answer.reason,
        "evidence": [where(result, e, options) for e in answer.evidence],
        "settle": answer.settle,
    }


def _estimate_dict(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {
        "strategy": estimate.strategy,
        "first_seen_s": estimate.first_seen_s,
        "total_s": estimate.total_s,
    }


def explain_text(result: Result, endpoint: Endpoint, options: RenderOptions) -> str:
    """The walk through the flowchart, question by question, with evidence and what would
    change the verdict."""
    lines = [endpoint.label]
    if endpoint.handler:
        lines.append(f"  handler  {endpoint.handler} ({where(result, endpoint.code_at, options)})")
    if endpoint.in_spec:
        operation = f" operationId {endpoint.operation_id}" if endpoint.operation_id else ""
        lines.append(f"  spec     {where(result, endpoint.spec_at, options)}{operation}")
    if not endpoint.in_code:
        lines.append("  code     no route handler found for it")
    if not endpoint.in_spec:
        lines.append("  spec     not documented in any spec found")
    observed = ", ".join(STRATEGY_NAMES.get(s, s) for s in endpoint.observed) or "not visible"
    lines.append(f"  today    {observed}")
    lines.extend(f"  hint     {source}" for source in endpoint.hint_sources)
    lines.append("")
    if not endpoint.model_output:
        lines.append("Not judged: the advisor sees no model output in it (no model call is")
        lines.append("reached from its handler, and its spec takes no model parameters).")
        return "\n".join(lines) + "\n"
    reached = set(walk(_values(endpoint)).path)
    for number, name in enumerate(ORDER, start=1):
        answer: Answer = getattr(endpoint, name)
        asked = "" if name in reached else "  (not reached)"
        source = f"  [{answer.source}]" if answer.source else ""
        lines.append(f"{number}. {QUESTIONS[name]}  {answer.value}{source}{asked}")
        lines.append(f"   {answer.reason}")
        lines.extend(f"   at {where(result, e, options)}" for e in answer.evidence)
        if answer.settle:
            lines.append(f"   to settle it: {answer.settle}")
    lines.append("")
    decided = (
        f" (decided by question {ORDER.index(endpoint.decided_by) + 1})"
        if (endpoint.decided_by)
        else ""
    )
    lines.append(f"Verdict: {endpoint.verdict}{decided}")
    lines.extend(f"  {line}" for line in estimate_lines(endpoint))
    changes = _what_would_change(endpoint)
    if changes:
        lines.append("")
        lines.append("What would change it:")
        lines.extend(f"  {change}" for change in changes)
    return "\n".join(lines) + "\n"


def _values(endpoint: Endpoint) -> dict[str, str]:
    return {name: getattr(endpoint, name).value for name in ORDER}


def estimate_lines(endpoint: Endpoint) -> list[str]:
    """The latency estimates in sentences, today's and the recommended strategy's, with the
    assumptions they rest on."""
    lines = []
    for label, estimate in (("Today", endpoint.current), ("Recommended", endpoint.advised)):
        if estimate is None:
            continue
        first = estimate.first_seen_s
        if estimate.strategy == "async-job":
            seen = "a job id at once"
        elif first is None:
            seen = "the first words after an unknown time"
        elif estimate.strategy == "stream":
            seen = f"the first words after about {first:g} s"
        else:
            seen = f"nothing for about {first:g} s"
        total = "an unknown time" if estimate.total_s is None else f"about {estimate.total_s:g} s"
        strategy = STRATEGY_NAMES.get(estimate.strategy, estimate.strategy)
        lines.append(f"{label} ({strategy}): {seen}; all of it after {total}.")
    if lines:
        lines.append(
            f"Estimates for an answer of {endpoint.output_length} at {endpoint.rates}, "
            "not measurements."
        )
    return lines


def _what_would_change(endpoint: Endpoint) -> list[str]:
    """For each question on the way, the verdict if its answer were the other one."""
    values = _values(endpoint)
    path = walk(values).path
    changes = []
    for name in ORDER:
        if name not in path:
            continue
        current = values[name]
        for other in ("yes", "no"):
            if other == current:
                continue
            flipped = walk({**values, name: other})
            outcome = (
                STRATEGY_NAMES[flipped.strategy]
                if flipped.strategy
                else f"still open ({QUESTIONS[flipped.open_question or name]})"
            )
            changes.append(
                f"question {ORDER.index(name) + 1} = {other} -> {outcome}"
                f"   (# advisor: {FLIPS[name][other]})"
            )
    return changes


def inventory_text(result: Result, options: RenderOptions) -> str:
    """One line per endpoint: where it is seen, what it does today, the flowchart's verdict."""
    rows = [("ENDPOINT", "SEEN IN", "TODAY", "VERDICT")]
    for endpoint in result.endpoints:
        seen = " + ".join(
            part
            for part, present in (("code", endpoint.in_code), ("spec", endpoint.in_spec))
            if present
        )
        today = ", ".join(STRATEGY_NAMES.get(s, s) for s in endpoint.observed) or "-"
        rows.append((endpoint.label, seen, today, endpoint.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        for row in rows
    ]
    judged = sum(1 for e in result.endpoints if e.model_output)
    review = len(result.needs_review())
    verb = "needs" if review == 1 else "need"
    lines.append(
        f"{len(result.endpoints)} endpoints: {judged} serve model output, {review} {verb} review."
    )
    return "\n".join(lines) + "\n"
