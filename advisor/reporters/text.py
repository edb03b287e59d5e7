"""`path:line:col: CODE message` lines, the shape editors and CI problem matchers parse.

A finding reached through the call graph gets one indented `via` line under it: the route (or
script) and the functions that lead to the reported line. Problem matchers skip it, since it
does not start with a path; people read it.
"""

from __future__ import annotations

from collections import Counter

from advisor.engine import Result
from advisor.model import Severity
from advisor.reporters import RenderOptions, display_path, hop_text


def render(result: Result, options: RenderOptions) -> str:
    lines: list[str] = []
    if options.statistics:
        lines.extend(_statistics(result))
    else:
        for finding in result.findings:
            loc = finding.location
            path = display_path(result, loc.path, options)
            lines.append(f"{path}:{loc.line}:{loc.column}: {finding.code} {finding.message}")
            if finding.evidence.trail:
                hops = (hop_text(result, hop, options) for hop in finding.evidence.trail)
                lines.append(f"    via {' -> '.join(hops)}")
    if not options.quiet:
        lines.append(summary_line(result))
        review = result.needs_review()
        if review:
            names = ", ".join(e.label for e in review[:5]) + (", ..." if len(review) > 5 else "")
            noun = "endpoint needs" if len(review) == 1 else "endpoints need"
            lines.append(
                f"{len(review)} {noun} review: {names} "
                "(`advisor explain ENDPOINT` shows the open question)."
            )
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(result: Result) -> str:
    files = len(result.files)
    noun = "file" if files == 1 else "files"
    baselined = ""
    if result.baselined:
        plural = "" if result.baselined == 1 else "s"
        baselined = f" {result.baselined} baselined finding{plural} not reported."
    if not result.findings:
        return f"All checks passed ({files} {noun} checked).{baselined}"
    parts = []
    for severity in Severity:
        count = result.count(severity)
        if count:
            label = severity.value + ("s" if count != 1 and severity is not Severity.INFO else "")
            parts.append(f"{count} {label}")
    total = len(result.findings)
    finding_noun = "finding" if total == 1 else "findings"
    line = f"Found {total} {finding_noun} ({', '.join(parts)}) in {files} {noun}."
    below = total - len(result.failing())
    if below:
        line += f" {below} below fail-on={result.settings.fail_on.value} do not fail the run."
    return line + baselined


def _statistics(result: Result) -> list[str]:
    counts = Counter(f.code for f in result.findings)
    names = {f.code: (f.name, f.severity.value) for f in result.findings}
    width = max((len(str(c)) for c in counts.values()), default=1)
    return [
        f"{count:>{width}}  {code}  {names[code][0]} [{names[code][1]}]"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
