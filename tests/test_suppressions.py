"""Suppressions are the engine's job: Python comments and x-advisor-ignore, for every rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import REPO

from advisor.engine import analyze

Project = Callable[[Mapping[str, str | bytes]], Path]


def codes_at(root: Path) -> list[tuple[str, int, str]]:
    """Findings other than ADV004: these fixtures leave some suppressions unused on purpose
    (tests/test_unused_suppressions.py is about those)."""
    findings = analyze([root]).findings
    return [(f.location.path, f.location.line, f.code) for f in findings if f.code != "ADV004"]


@pytest.mark.parametrize(
    "source",
    [
        # on the reported line
        """
        from fastapi.responses import StreamingResponse
        def events():
            return StreamingResponse(gen(), media_type="text/event-stream")  # advisor: ignore[ADV201]
        """,
        # on the last line of a multi-line expression
        """
        from fastapi.responses import StreamingResponse
        def events():
            return StreamingResponse(
                gen(), media_type="text/event-stream"
            )  # advisor: ignore[ADV201]
        """,
        # on the def line of the enclosing function, among other codes
        """
        from fastapi.responses import StreamingResponse
        def events():  # advisor: ignore[ADV101, ADV201] -- served without a proxy
            return StreamingResponse(gen(), media_type="text/event-stream")
        """,
        # on the def line of an outer function, wrapped signature
        """
        from fastapi.responses import StreamingResponse
        def outer(
            request,
        ):  # advisor: ignore
            def inner():
                return StreamingResponse(gen(), media_type="text/event-stream")
            return inner
        """,
        # next to another tool's comment
        """
        from fastapi.responses import StreamingResponse
        def events():
            return StreamingResponse(gen(), media_type="text/event-stream")  # noqa: E501  # advisor: ignore[adv201]
        """,
    ],
)
def test_python_comment_suppresses(project: Project, source: str) -> None:
    assert codes_at(project({"app.py": source})) == []


@pytest.mark.parametrize(
    "source",
    [
        # another code
        """
        from fastapi.responses import StreamingResponse
        def events():
            return StreamingResponse(gen(), media_type="text/event-stream")  # advisor: ignore[ADV101]
        """,
        # a neighbouring line
        """
        from fastapi.responses import StreamingResponse
        def events():
            # advisor: ignore[ADV201]
            x = 1
            return StreamingResponse(gen(), media_type="text/event-stream")
        """,
        # inside a string, not a comment
        """
        from fastapi.responses import StreamingResponse
        def events():
            return StreamingResponse(gen(), media_type="text/event-stream", headers={"x": "# advisor: ignore"})
        """,
        # a sibling function's def line
        """
        from fastapi.responses import StreamingResponse
        def other():  # advisor: ignore
            pass
        def events():
            return StreamingResponse(gen(), media_type="text/event-stream")
        """,
    ],
)
def test_python_comment_does_not_suppress(project: Project, source: str) -> None:
    assert [code for _, _, code in codes_at(project({"app.py": source}))] == ["ADV201"]


OPERATION_RULE = (REPO / "tests" / "fixtures" / "user-rules-spec" / "acme101.yaml").read_text()


def test_x_advisor_ignore_on_operations_and_path_items(project: Project) -> None:
    root = project(
        {
            ".advisor.yaml": "rule-dirs: [policies]\n",
            "policies/acme101.yaml": OPERATION_RULE,
            "openapi.yaml": """
                openapi: 3.1.0
                info: {title: t, version: "1"}
                paths:
                  /a:
                    post:
                      x-advisor-ignore: [ACME101]
                      responses: {"200": {description: ok}}
                    put:
                      x-advisor-ignore: [ADV201]
                      responses: {"200": {description: ok}}
                  /b:
                    x-advisor-ignore: true
                    post:
                      responses: {"200": {description: ok}}
                  /c:
                    post:
                      responses: {"200": {description: ok}}
                """,
        }
    )
    assert codes_at(root) == [("openapi.yaml", 8, "ACME101"), ("openapi.yaml", 16, "ACME101")]
