"""The flowchart drawn for one endpoint: Mermaid for Markdown (GitHub renders it), inline SVG for
the HTML report (no script, no network). Both are drawn from the flowchart graph itself, so the
picture cannot drift from the questions the engine asks.

The endpoint's way through it is highlighted: the answers taken (green), the question whose
answer is unknown (amber), the rest grey.
"""

from __future__ import annotations

import html
import itertools

from advisor.flowchart.graph import QUESTIONS, START, STRATEGY_NAMES, flowchart, walk
from advisor.model import Endpoint
from advisor.records import record

SHORT_QUESTIONS = {
    "waiting": "Someone waiting?",
    "outlasts": "Outlasts a request?",
    "whole": "Consumer needs it whole?",
}


@record
class _Drawn:
    taken_nodes: frozenset[str]
    taken_edges: frozenset[tuple[str, str]]
    open_question: str | None


def _taken(endpoint: Endpoint) -> _Drawn:
    answers = {name: getattr(endpoint, name).value for name in QUESTIONS}
    result = walk(answers)
    path = result.path
    return _Drawn(
        taken_nodes=frozenset(path),
        taken_edges=frozenset(itertools.pairwise(path)),
        open_question=result.open_question,
    )


def _style(node: str, drawn: _Drawn) -> str:
    if node == drawn.open_question:
        return "open"
    return "taken" if node in drawn.taken_nodes else "idle"


def _layout() -> dict[str, tuple[int, int]]:
    """Column and row of each node: questions down the left, the answer that leaves the chain
    to their right; the last question's other answer below it."""
    graph = flowchart()
    positions: dict[str, tuple[int, int]] = {}
    node, row = START, 0
    while graph.data(node).kind == "question":
        positions[node] = (0, row)
        targets = [v for v, _ in graph.out_edges(node)]
        following = [v for v in targets if graph.data(v).kind == "question"]
        leaving = [v for v in targets if v not in following]
        if following:
            for target in leaving:
                positions[target] = (1, row)
            node, row = following[0], row + 1
            continue
        below, right = sorted(leaving, key=lambda v: graph.edge(node, v) != "no")
        positions[below] = (0, row + 1)  # the last question: "no" continues down,
        positions[right] = (1, row)  # "yes" leaves to the right like the others
        break
    return positions


def mermaid(endpoint: Endpoint) -> str:
    graph = flowchart()
    drawn = _taken(endpoint)
    lines = ["flowchart TD"]
    for node, data in graph.nodes():
        if data.kind == "question":
            lines.append(f'  {_id(node)}{{"{SHORT_QUESTIONS[node]}"}}')
        else:
            lines.append(f'  {_id(node)}["{STRATEGY_NAMES[node]}"]')
    edges = list(graph.edges())
    for source, target, answer in edges:
        lines.append(f"  {_id(source)} -->|{answer}| {_id(target)}")
    taken = [i for i, (s, t, _) in enumerate(edges) if (s, t) in drawn.taken_edges]
    if taken:
        lines.append(f"  linkStyle {','.join(map(str, taken))} stroke:#059669,stroke-width:3px")
    lines.append("  classDef taken fill:#d1fae5,stroke:#059669,stroke-width:2px")
    lines.append("  classDef open fill:#fef3c7,stroke:#d97706,stroke-width:2px")
    lines.append("  classDef idle fill:#f3f4f6,stroke:#9ca3af,color:#6b7280")
    for node in graph:
        lines.append(f"  class {_id(node)} {_style(node, drawn)}")
    return "\n".join(lines)


def _id(node: str) -> str:
    return node.replace("-", "_")


BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 190, 44, 90, 40, 12
COLOURS = {
    "taken": ("#d1fae5", "#059669", "#064e3b"),
    "open": ("#fef3c7", "#d97706", "#78350f"),
    "idle": ("#f3f4f6", "#9ca3af", "#6b7280"),
}


def svg(endpoint: Endpoint) -> str:
    graph = flowchart()
    drawn = _taken(endpoint)
    positions = _layout()
    columns = max(c for c, _ in positions.values()) + 1
    rows = max(r for _, r in positions.values()) + 1
    width = 2 * MARGIN + columns * BOX_W + (columns - 1) * GAP_X
    height = 2 * MARGIN + rows * BOX_H + (rows - 1) * GAP_Y

    def box(node: str) -> tuple[int, int]:
        column, row = positions[node]
        return MARGIN + column * (BOX_W + GAP_X), MARGIN + row * (BOX_H + GAP_Y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="The flowchart for {html.escape(endpoint.label)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/>'
        "</marker></defs>",
    ]
    for source, target, answer in graph.edges():
        sx, sy = box(source)
        tx, ty = box(target)
        same_row = positions[source][1] == positions[target][1]
        if same_row:
            x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H // 2, tx, ty + BOX_H // 2
        else:
            x1, y1 = sx + BOX_W // 2, sy + BOX_H
            x2, y2 = tx + BOX_W // 2, ty
        taken = (source, target) in drawn.taken_edges
        colour, thickness = ("#059669", 3) if taken else ("#9ca3af", 1.5)
        parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="{thickness}" marker-end="url(#arrow)"/>'
        )
        lx, ly = (x1 + x2) // 2, (y1 + y2) // 2
        parts.append(
            f'<text x="{lx + 6}" y="{ly - 4}" font-size="12" fill="{colour}" '
            f'font-family="sans-serif">{answer}</text>'
        )
    for node, data in graph.nodes():
        x, y = box(node)
        style = (
            "open"
            if node == drawn.open_question
            else "taken"
            if node in drawn.taken_nodes
            else "idle"
        )
        fill, stroke, text = COLOURS[style]
        radius = 22 if data.kind == "question" else 4
        label = SHORT_QUESTIONS[node] if data.kind == "question" else STRATEGY_NAMES[node]
        parts.append(
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{x + BOX_W // 2}" y="{y + BOX_H // 2 + 5}" text-anchor="middle" '
            f'font-size="14" font-family="sans-serif" fill="{text}">{html.escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
