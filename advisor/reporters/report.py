"""The design-review report: every endpoint, what it does today, what the flowchart recommends
and why, the estimates, and the findings grouped by rule with the rule's reasoning.

One document model, two renderings: Markdown (Mermaid pictures, which GitHub draws) and a single
self-contained HTML file (inline CSS and SVG, no script, nothing fetched). No timestamps: the
same input gives the same report.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advisor import __version__
from advisor.engine import Result
from advisor.flowchart.graph import QUESTIONS, STRATEGY_NAMES
from advisor.model import Endpoint, Finding, Severity
from advisor.policy.catalog import Rule
from advisor.reporters import RenderOptions, display_path
from advisor.reporters.drawing import mermaid, svg
from advisor.reporters.endpoints import ORDER, endpoint_dict, where
from advisor.reporters.json import finding_dict

TITLE = "Design review"


@dataclass(frozen=True)
class _Row:
    endpoint: Endpoint
    findings: tuple[Finding, ...]


def _rows(result: Result) -> list[_Row]:
    attached: dict[int, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        for index, endpoint in enumerate(result.endpoints):
            if _belongs(finding, endpoint):
                attached[index].append(finding)
    return [_Row(e, tuple(attached[i])) for i, e in enumerate(result.endpoints)]


def _belongs(finding: Finding, endpoint: Endpoint) -> bool:
    """A finding is an endpoint's when the call graph reached it from the route, when it is in
    the handler itself, or when it is about the endpoint's spec operation."""
    evidence = finding.evidence
    if evidence.trail and evidence.trail[0].path is None:
        return evidence.trail[0].name == endpoint.label
    location = evidence.location
    for place in (endpoint.code_at, endpoint.spec_at):
        if place is not None and place.location == location:
            return True
    code = endpoint.code_at
    if (
        code is not None
        and endpoint.handler
        and evidence.function
        and location.path == code.location.path
        and endpoint.handler.endswith("." + evidence.function)
    ):
        return True
    spec = endpoint.spec_at
    if spec is not None and spec.pointer is not None and evidence.scope is not None:
        return evidence.scope == f"{spec.location.path}#{spec.pointer}"
    return False


def _summary_counts(result: Result) -> dict[str, int]:
    judged = [e for e in result.endpoints if e.model_output]
    counts = {
        "endpoints": len(result.endpoints),
        "model_output": len(judged),
        "needs_review": len(result.needs_review()),
        "findings": len(result.findings),
    }
    for strategy in STRATEGY_NAMES:
        counts[strategy] = sum(1 for e in judged if e.recommended == strategy)
    counts["differs"] = sum(
        1 for e in judged if e.recommended and e.observed and e.recommended not in e.observed
    )
    for severity in Severity:
        counts[severity.value] = result.count(severity)
    return counts


def _rules_fired(result: Result) -> list[tuple[Rule, list[Finding]]]:
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_code[finding.code].append(finding)
    rules = {rule.code: rule for rule in result.rules}
    return [(rules[code], by_code[code]) for code in sorted(by_code) if code in rules]


def _strategies(values: Sequence[str]) -> str:
    return ", ".join(STRATEGY_NAMES.get(v, v) for v in values) or "not visible"


def _estimate_text(endpoint: Endpoint) -> list[str]:
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


def _project_name(result: Result) -> str:
    """The folder that holds every analysed file (`examples/chat-service`), else the root's."""
    folders = [path.split("/")[:-1] for path in result.files]
    common: list[str] = []
    for parts in zip(*folders, strict=False) if folders else ():
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common) or result.settings.root.name or "project"


# Markdown -------------------------------------------------------------------------------------


def render_markdown(result: Result, options: RenderOptions) -> str:
    rows = _rows(result)
    counts = _summary_counts(result)
    out: list[str] = [f"# {TITLE}: {_project_name(result)}", ""]
    out.append(
        f"Generated by endpoint-advisor {__version__} from {len(result.files)} files. Every "
        "endpoint goes through the three questions of the decision flowchart; latencies are "
        "estimates from stated rates."
    )
    out += ["", "## Summary", ""]
    out.append(
        f"- **{counts['endpoints']} endpoints**, {counts['model_output']} of them serving model "
        f"output: {counts['stream']} STREAM, {counts['sync']} SYNC, {counts['async-job']} "
        f"ASYNC JOB, {counts['batch']} BATCH recommended; **{counts['needs_review']} "
        f"{'needs' if counts['needs_review'] == 1 else 'need'} review**; {counts['differs']} "
        f"{'delivers' if counts['differs'] == 1 else 'deliver'} differently from the "
        "recommendation."
    )
    out.append(
        f"- **{counts['findings']} findings**: {_plural(counts['error'], 'error')}, "
        f"{_plural(counts['warning'], 'warning')}, {counts['info']} info."
    )
    out += ["", "## Endpoints", ""]
    out.append("| Endpoint | Handler | Today | Recommended | Open questions | Findings |")
    out.append("|---|---|---|---|---|---|")
    for row in rows:
        e = row.endpoint
        handler = f"`{e.handler.rsplit('.', 1)[-1]}`" if e.handler else "spec only"
        recommended = (
            STRATEGY_NAMES[e.recommended]
            if e.recommended
            else "needs review"
            if e.needs_review
            else "not judged"
        )
        questions = ", ".join(QUESTIONS[q] for q in e.open_questions) or ""
        codes = ", ".join(sorted({f.code for f in row.findings}))
        out.append(
            f"| [{_md(e.label)}](#{_anchor(e.label)}) | {handler} | {_strategies(e.observed)} "
            f"| {recommended} | {_md(questions)} | {codes} |"
        )
    for row in rows:
        if row.endpoint.model_output:
            out += ["", *_markdown_endpoint(result, row, options)]
    others = [r.endpoint.label for r in rows if not r.endpoint.model_output]
    if others:
        out += ["", "### Not judged", ""]
        out.append(
            "These endpoints serve no model output the advisor can see: "
            + ", ".join(f"`{label}`" for label in others)
            + "."
        )
    out += ["", "## Findings by rule", ""]
    fired = _rules_fired(result)
    if not fired:
        out.append("No findings.")
    for rule, findings in fired:
        out += [f"### {rule.code} {rule.name} ({rule.severity.value})", ""]
        out.append(rule.summary)
        why = rule.doc("why-is-this-bad")
        if why:
            out += ["", f"**Why:** {' '.join(why.split())}"]
        out.append("")
        for finding in findings:
            loc = finding.location
            path = display_path(result, loc.path, options)
            out.append(f"- `{path}:{loc.line}`: {_md(finding.message)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _markdown_endpoint(result: Result, row: _Row, options: RenderOptions) -> list[str]:
    e = row.endpoint
    out = [f"### {_md(e.label)}", ""]
    seen = []
    if e.code_at:
        seen.append(f"handler `{e.handler}` at `{where(result, e.code_at, options)}`")
    if e.spec_at:
        seen.append(f"spec at `{where(result, e.spec_at, options)}`")
    out.append(f"{'; '.join(seen)}. Today: **{_strategies(e.observed)}**.")
    out += ["", "```mermaid", mermaid(e), "```", ""]
    out.append("| Question | Answer | Source | Why |")
    out.append("|---|---|---|---|")
    for name in ORDER:
        answer = getattr(e, name)
        why = answer.reason
        evidence = ", ".join(f"`{where(result, ev, options)}`" for ev in answer.evidence)
        if evidence:
            why += f" ({evidence})"
        if answer.settle:
            why += f"; to settle it: `{answer.settle}`"
        out.append(f"| {QUESTIONS[name]} | {answer.value} | {answer.source} | {_md(why)} |")
    out += ["", f"**Verdict: {e.verdict}.**"]
    estimates = _estimate_text(e)
    if estimates:
        out += ["", *[f"- {line}" for line in estimates]]
    if e.hint_sources:
        out += ["", "Hints: " + "; ".join(f"`{source}`" for source in e.hint_sources) + "."]
    if row.findings:
        out += ["", "Findings:"]
        for finding in row.findings:
            loc = finding.location
            out.append(
                f"- {finding.code} at `{display_path(result, loc.path, options)}:{loc.line}`: "
                f"{_md(finding.message)}"
            )
    return out


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _md(text: str) -> str:
    """Safe in a Markdown table cell: pipes escaped, and `<id>` not taken for an HTML tag."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _anchor(label: str) -> str:
    """GitHub's heading anchors: lower case, spaces to hyphens, punctuation dropped."""
    kept = "".join(c for c in label.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


# HTML -----------------------------------------------------------------------------------------

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#111827;background:#fff}
h1{font-size:1.7rem}h2{margin-top:2.5rem;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
th,td{border:1px solid #e5e7eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f9fafb}code{background:#f3f4f6;padding:0 .2rem;border-radius:3px}
.pill{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.85rem}
.STREAM,.SYNC,.BATCH,.ASYNC{background:#d1fae5;color:#064e3b}
.review{background:#fef3c7;color:#78350f}.idle{background:#f3f4f6;color:#6b7280}
.error{color:#b91c1c}.warning{color:#b45309}.info{color:#1d4ed8}
section.endpoint{border:1px solid #e5e7eb;border-radius:8px;padding:0 1rem 1rem;margin:1rem 0}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #e5e7eb;border-radius:8px;
padding:.6rem 1rem;min-width:9rem}.card b{font-size:1.5rem;display:block}
"""


def _text(value: str) -> str:
    """Escaped for HTML, with `code spans` of the messages shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(value))


def render_html(result: Result, options: RenderOptions) -> str:
    rows = _rows(result)
    counts = _summary_counts(result)
    name = html.escape(_project_name(result))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{TITLE}: {name}</title><style>{CSS}</style></head><body>",
        f"<h1>{TITLE}: {name}</h1>",
        f"<p>Generated by endpoint-advisor {html.escape(__version__)} from "
        f"{len(result.files)} files. Latencies are estimates from stated rates.</p>",
        "<h2>Summary</h2><div class='cards'>",
    ]
    for label, value in (
        ("endpoints", counts["endpoints"]),
        ("serve model output", counts["model_output"]),
        ("needs review" if counts["needs_review"] == 1 else "need review", counts["needs_review"]),
        (
            "delivers differently" if counts["differs"] == 1 else "deliver differently",
            counts["differs"],
        ),
        ("findings", counts["findings"]),
        ("errors", counts["error"]),
        ("warnings", counts["warning"]),
    ):
        out.append(f"<div class='card'><b>{value}</b>{label}</div>")
    out.append("</div>")
    out.append("<h2>Endpoints</h2><table><tr><th>Endpoint</th><th>Handler</th><th>Today</th>")
    out.append("<th>Recommended</th><th>Open questions</th><th>Findings</th></tr>")
    for row in rows:
        e = row.endpoint
        handler = html.escape(e.handler.rsplit(".", 1)[-1]) if e.handler else "spec only"
        out.append(
            f"<tr><td><a href='#{_anchor(e.label)}'>{html.escape(e.label)}</a></td>"
            f"<td><code>{handler}</code></td><td>{html.escape(_strategies(e.observed))}</td>"
            f"<td>{_verdict_pill(e)}</td>"
            f"<td>{html.escape(', '.join(QUESTIONS[q] for q in e.open_questions))}</td>"
            f"<td>{html.escape(', '.join(sorted({f.code for f in row.findings})))}</td></tr>"
        )
    out.append("</table>")
    for row in rows:
        if row.endpoint.model_output:
            out.append(_html_endpoint(result, row, options))
    fired = _rules_fired(result)
    out.append("<h2>Findings by rule</h2>")
    if not fired:
        out.append("<p>No findings.</p>")
    for rule, findings in fired:
        out.append(
            f"<h3>{rule.code} {html.escape(rule.name)} "
            f"<span class='{rule.severity.value}'>({rule.severity.value})</span></h3>"
        )
        out.append(f"<p>{_text(rule.summary)}</p>")
        why = rule.doc("why-is-this-bad")
        if why:
            out.append(f"<p><b>Why:</b> {_text(' '.join(why.split()))}</p>")
        out.append("<ul>")
        for finding in findings:
            loc = finding.location
            path = html.escape(display_path(result, loc.path, options))
            out.append(f"<li><code>{path}:{loc.line}</code>: {html.escape(finding.message)}</li>")
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _verdict_pill(e: Endpoint) -> str:
    if e.recommended:
        label = STRATEGY_NAMES[e.recommended]
        return f"<span class='pill {label.split()[0]}'>{html.escape(label)}</span>"
    if e.needs_review:
        return "<span class='pill review'>needs review</span>"
    return "<span class='pill idle'>not judged</span>"


def _html_endpoint(result: Result, row: _Row, options: RenderOptions) -> str:
    e = row.endpoint
    out = [f"<section class='endpoint' id='{_anchor(e.label)}'><h3>{html.escape(e.label)}</h3>"]
    seen = []
    if e.code_at:
        seen.append(
            f"handler <code>{html.escape(e.handler or '')}</code> at "
            f"<code>{html.escape(where(result, e.code_at, options) or '')}</code>"
        )
    if e.spec_at:
        seen.append(f"spec at <code>{html.escape(where(result, e.spec_at, options) or '')}</code>")
    out.append(f"<p>{'; '.join(seen)}. Today: <b>{html.escape(_strategies(e.observed))}</b>.</p>")
    out.append(svg(e))
    out.append("<table><tr><th>Question</th><th>Answer</th><th>Source</th><th>Why</th></tr>")
    for name in ORDER:
        answer = getattr(e, name)
        why = _text(answer.reason)
        evidence = ", ".join(
            f"<code>{html.escape(where(result, ev, options) or '')}</code>"
            for ev in answer.evidence
        )
        if evidence:
            why += f" ({evidence})"
        if answer.settle:
            why += f"; to settle it: <code>{html.escape(answer.settle)}</code>"
        out.append(
            f"<tr><td>{html.escape(QUESTIONS[name])}</td><td>{answer.value}</td>"
            f"<td>{answer.source}</td><td>{why}</td></tr>"
        )
    out.append(f"</table><p><b>Verdict: {html.escape(e.verdict)}</b></p>")
    estimates = _estimate_text(e)
    if estimates:
        out.append("<ul>" + "".join(f"<li>{_text(x)}</li>" for x in estimates) + "</ul>")
    if row.findings:
        out.append("<p>Findings:</p><ul>")
        for finding in row.findings:
            loc = finding.location
            path = html.escape(display_path(result, loc.path, options))
            out.append(
                f"<li><span class='{finding.severity.value}'>{finding.code}</span> at "
                f"<code>{path}:{loc.line}</code>: {_text(finding.message)}</li>"
            )
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


# JSON -----------------------------------------------------------------------------------------


def render_json(result: Result, options: RenderOptions) -> str:
    rows = _rows(result)
    document: dict[str, Any] = {
        "schema_version": 1,
        "tool": {"name": "endpoint-advisor", "version": __version__},
        "project": _project_name(result),
        "summary": _summary_counts(result),
        "endpoints": [
            {
                **endpoint_dict(result, row.endpoint, options),
                "findings": [finding_dict(result, f, options) for f in row.findings],
            }
            for row in rows
        ],
        "rules": [
            {
                "code": rule.code,
                "name": rule.name,
                "severity": rule.severity.value,
                "summary": rule.summary,
                "why": rule.doc("why-is-this-bad"),
                "findings": [finding_dict(result, f, options) for f in findings],
            }
            for rule, findings in _rules_fired(result)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
