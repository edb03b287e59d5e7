"""The design-review report: pinned for the examples, self-contained, and drawn by a browser."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support import REPO, Run, check_snapshot

RunCli = Callable[..., Run]
SNAPSHOTS = REPO / "tests" / "snapshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_markdown_report_of_the_examples(run_cli: RunCli) -> None:
    result = run_cli("report", "examples", cwd=REPO)
    assert result.status == 0
    check_snapshot(SNAPSHOTS / "report.md", result.out)
    assert result.out.count("```mermaid") == _judged(run_cli)  # a picture per judged endpoint


def test_json_report_attaches_findings_to_their_endpoints(run_cli: RunCli) -> None:
    document = json.loads(run_cli("report", "examples", "--format", "json", cwd=REPO).out)
    by_label = {e["label"]: e for e in document["endpoints"]}
    assert [f["code"] for f in by_label["POST /v1/answers"]["findings"]] == ["ADV104"]
    # reached through the call graph: the route is the first hop of the finding's trail
    assert [f["code"] for f in by_label["POST /api/reports/now"]["findings"]] == ["ADV107"]
    assert document["summary"]["needs_review"] == 1
    assert {r["code"] for r in document["rules"]} >= {"ADV101", "ADV104", "ADV201"}


def _judged(run_cli: RunCli) -> int:
    endpoints = json.loads(run_cli("endpoints", "examples", "--format", "json", cwd=REPO).out)
    return sum(1 for endpoint in endpoints if endpoint["model_output"])


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _html(run_cli: RunCli, tmp_path: Path) -> Path:
    target = tmp_path / "report.html"
    result = run_cli("report", "examples", "--format", "html", "-o", str(target), cwd=REPO)
    assert result.status == 0
    return target


def test_html_report_needs_no_network(run_cli: RunCli, tmp_path: Path) -> None:
    text = _html(run_cli, tmp_path).read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(text)
    names = [tag for tag, _ in parser.tags]
    assert "script" not in names and "link" not in names and "img" not in names
    for _, attrs in parser.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert "url(http" not in text and "url(//" not in text and "@import" not in text
    assert names.count("svg") == _judged(run_cli)


def _png_pixels(path: Path) -> bytes:
    """The raw (filtered) scanlines of a PNG: enough to tell a blank page from a drawn one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(data[position + 8 : position + 8 + length])
        position += 12 + length
    return zlib.decompress(b"".join(chunks))


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
def test_html_report_renders_in_headless_chromium(run_cli: RunCli, tmp_path: Path) -> None:
    page = _html(run_cli, tmp_path)
    screenshot = tmp_path / "report.png"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1000,1400",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = _png_pixels(screenshot)
    # A blank page filters to (almost) all zero bytes; text, tables and pictures do not.
    assert len(set(pixels)) > 64
    assert sum(1 for b in pixels if b) > len(pixels) // 50
