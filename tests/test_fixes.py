"""`advisor check --fix / --diff / --show-fixes`, and the promise that a fix never corrupts a
file: it parses again, a second run changes nothing, writes are atomic and keep the file's
permissions, line endings and encoding, and a fix that goes wrong leaves the file untouched."""

from __future__ import annotations

import ast
import stat
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import libcst as cst
import pytest
from support import Run

from advisor.exitcodes import ExitCode
from advisor.fixes import registry
from advisor.fixes.runner import fix_sources
from advisor.fixes.tree import Declined, Edits, FixRequest, Replacement, SourceTree
from advisor.fixes.write import WriteError, replace_file
from advisor.policy.catalog import load_catalog
from advisor.settings import Settings

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]
SETTINGS = Settings(root=Path("/nonexistent-example-root"))

SSE_BARE = """
    from fastapi.responses import StreamingResponse


    def events():
        return StreamingResponse(gen(), media_type="text/event-stream")
    """
SSE_FIXED = """\
from fastapi.responses import StreamingResponse


def events():
    return StreamingResponse(
        gen(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
"""
STRUCTURED_STREAM = """
    from openai import OpenAI

    client = OpenAI()


    def extract():
        return client.chat.completions.create(
            model="m", messages=[], response_format={"type": "json_object"}, stream=True
        )
    """
RAW_TEXT = """
    import json

    from flask import Response
    from openai import OpenAI

    client = OpenAI()
    HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


    def tokens(prompt):
        for chunk in client.chat.completions.create(model="m", messages=[], stream=True):
            content = chunk.choices[0].delta.content or ""
            yield f"data: {content}\\n\\n"


    def chat():
        return Response(tokens("hi"), mimetype="text/event-stream", headers=HEADERS)
    """


def test_fix_rewrites_the_file_and_reports_what_remains(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": SSE_BARE, "extract.py": STRUCTURED_STREAM})
    result = run_cli("check", "--fix", cwd=root)
    assert (root / "app.py").read_text(encoding="utf-8") == SSE_FIXED
    assert result.status == ExitCode.FINDINGS  # ADV101 has no fix and remains
    assert "ADV201" not in result.out
    assert result.out.startswith("extract.py:7:12: ADV101")
    assert result.err == "Fixed 1 finding in 1 file.\n"


def test_a_second_fix_run_changes_nothing(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": SSE_BARE})
    first = run_cli("check", "--fix", cwd=root)
    assert first.status == ExitCode.OK
    assert first.out == "All checks passed (1 file checked).\n"
    fixed = (root / "app.py").read_bytes()
    second = run_cli("check", "--fix", cwd=root)
    assert (root / "app.py").read_bytes() == fixed
    assert second.err == "No fixes applied.\n"
    assert second.status == ExitCode.OK


def test_diff_prints_the_change_and_writes_nothing(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": SSE_BARE})
    before = (root / "app.py").read_bytes()
    result = run_cli("check", "--diff", cwd=root)
    assert (root / "app.py").read_bytes() == before
    assert result.status == ExitCode.FINDINGS
    assert result.out.startswith("--- app.py\n+++ app.py\n@@ -2,4 +2,8 @@\n")
    assert '+        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},\n' in (
        result.out
    )
    assert result.err == "Would fix 1 finding in 1 file.\n"
    clean = run_cli("check", "--diff", cwd=project({"app.py": SSE_FIXED}))
    assert (clean.status, clean.out) == (ExitCode.OK, "")


def test_show_fixes_lists_fixes_without_applying_them(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": SSE_BARE, "chat.py": RAW_TEXT})
    before = (root / "app.py").read_bytes()
    result = run_cli("check", "--show-fixes", cwd=root)
    assert (root / "app.py").read_bytes() == before
    assert result.status == ExitCode.FINDINGS
    assert result.err.splitlines() == [
        "Fixes:",
        "  app.py:5:12: ADV201 Add the missing no-buffering headers to the response",
        "Not fixed:",
        "  chat.py:17:12: ADV205 unsafe fix, applied with --unsafe-fixes: "
        "JSON-encode the model text in the `data:` line",
    ]


def test_unsafe_fixes_only_with_the_option(project: Project, run_cli: RunCli) -> None:
    root = project({"chat.py": RAW_TEXT})
    safe = run_cli("check", "--fix", cwd=root)
    assert safe.err == "No fixes applied. 1 more with --unsafe-fixes.\n"
    assert safe.status == ExitCode.FINDINGS
    unsafe = run_cli("check", "--fix", "--unsafe-fixes", "--show-fixes", cwd=root)
    assert 'yield f"data: {json.dumps(content)}\\n\\n"' in (root / "chat.py").read_text()
    assert unsafe.status == ExitCode.OK
    assert "ADV205 JSON-encode the model text in the `data:` line (unsafe)" in unsafe.err


def test_selection_limits_what_is_fixed(project: Project, run_cli: RunCli) -> None:
    root = project({"app.py": SSE_BARE})
    before = (root / "app.py").read_bytes()
    run_cli("check", "--fix", "--select", "ADV1", cwd=root)
    assert (root / "app.py").read_bytes() == before


def test_line_endings_encoding_and_permissions_are_kept(project: Project, run_cli: RunCli) -> None:
    crlf = textwrap.dedent(SSE_BARE).lstrip("\n").replace("\n", "\r\n")
    latin = "# -*- coding: latin-1 -*-\n# café\n" + textwrap.dedent(SSE_BARE).lstrip("\n")
    bom = "\ufeff" + textwrap.dedent(SSE_BARE).lstrip("\n")
    root = project(
        {
            "crlf.py": crlf.encode("utf-8"),
            "latin.py": latin.encode("latin-1"),
            "bom.py": bom.encode("utf-8"),
        }
    )
    (root / "crlf.py").chmod(0o640)
    run_cli("check", "--fix", cwd=root)
    fixed = (root / "crlf.py").read_bytes()
    assert fixed == SSE_FIXED.replace("\n", "\r\n").encode("utf-8")
    assert stat.S_IMODE((root / "crlf.py").stat().st_mode) == 0o640
    latin_fixed = (root / "latin.py").read_bytes()
    assert latin_fixed.startswith(b"# -*- coding: latin-1 -*-\n# caf\xe9\n")
    assert b"X-Accel-Buffering" in latin_fixed
    assert (root / "bom.py").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"X-Accel-Buffering" in (root / "bom.py").read_bytes()
    leftovers = [p.name for p in root.iterdir() if p.name.endswith(".advisor-fix")]
    assert leftovers == []


def test_a_symbolic_link_keeps_pointing_at_the_fixed_file(
    project: Project, run_cli: RunCli
) -> None:
    root = project({"real/app.py": SSE_BARE})
    (root / "app.py").symlink_to(root / "real" / "app.py")
    replace_file(root / "app.py", b"x = 1\n", (root / "real" / "app.py").read_bytes())
    assert (root / "app.py").is_symlink()
    assert (root / "real" / "app.py").read_bytes() == b"x = 1\n"


def test_a_file_changed_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_bytes(b"x = 2\n")
    with pytest.raises(WriteError, match="changed while it was being fixed"):
        replace_file(path, b"x = 3\n", b"x = 1\n")
    assert path.read_bytes() == b"x = 2\n"
    assert list(tmp_path.iterdir()) == [path]


# A user rule whose fix is a transformation registered by the test: the engine must catch
# whatever it does wrong and leave the file as it was.
USER_RULE = """
code: ACME001
name: acme-event-stream
severity: warning
summary: Every event stream is reported (a test rule).
message: event stream
fix:
  transform: {transform}
  safety: safe
  title: Break the code
  examples:
    - before: |
        from fastapi.responses import StreamingResponse


        def events():
            return StreamingResponse(gen(), media_type="text/event-stream")
      after: |
        broken
    - before: |
        x = 1
when:
  fact: response
  where: {{field: media_type, equals: text/event-stream}}
docs:
  what-it-does: test
  why-is-this-bad: test
  example: |
    ```python
    x = 1
    ```
  use-instead: |
    ```python
    x = 1
    ```
examples:
  bad:
    - {{code: "x = 1\\n", expect: [1]}}
    - {{code: "x = 1\\n", expect: [1]}}
  good:
    - {{code: "x = 1\\n"}}
    - {{code: "x = 1\\n"}}
"""


def _breaks_code(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    call = tree.find(request.targets[0], (cst.Call,))
    assert call is not None
    return Edits((Replacement(call, cst.Name("return")),))  # `return return ...`: no parse


def _raises(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    raise RuntimeError("a bug in a transformation")


def _never_converges(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    call = tree.find(request.targets[0], (cst.Call,))
    assert call is not None
    new = call.with_changes(args=(cst.Arg(cst.Integer("1")), *call.args))
    return Edits((Replacement(call, new),))


@pytest.fixture
def test_transforms() -> Iterator[None]:
    for name, function in (
        ("test-breaks-code", _breaks_code),
        ("test-raises", _raises),
        ("test-never-converges", _never_converges),
    ):
        registry.register(name, function)
    yield
    for name in ("test-breaks-code", "test-raises", "test-never-converges"):
        registry.unregister(name)


def _user_project(project: Project, transform: str) -> Path:
    return project(
        {
            "app.py": SSE_BARE,
            "rules/acme.yaml": USER_RULE.format(transform=transform),
            "pyproject.toml": '[tool.advisor]\nrule-dirs = ["rules"]\nselect = ["ACME"]\n',
        }
    )


@pytest.mark.usefixtures("test_transforms")
def test_a_fix_that_would_not_parse_leaves_the_file_byte_identical(
    project: Project, run_cli: RunCli
) -> None:
    root = _user_project(project, "test-breaks-code")
    before = (root / "app.py").read_bytes()
    result = run_cli("check", "--fix", cwd=root)
    assert (root / "app.py").read_bytes() == before
    assert result.status == ExitCode.FINDINGS
    assert result.out.startswith("app.py:5:12: ACME001 event stream")
    assert result.err.splitlines() == [
        "advisor: not fixed: app.py: the fixed code (ACME001) does not parse: line 5: invalid "
        "syntax (the file is unchanged)",
        "No fixes applied.",
    ]
    assert "Traceback" not in result.err


@pytest.mark.usefixtures("test_transforms")
def test_a_transformation_that_raises_is_reported_not_a_traceback(
    project: Project, run_cli: RunCli
) -> None:
    root = _user_project(project, "test-raises")
    before = (root / "app.py").read_bytes()
    result = run_cli("check", "--fix", "--show-fixes", cwd=root)
    assert (root / "app.py").read_bytes() == before
    assert result.status == ExitCode.FINDINGS
    assert (
        "  app.py:5:12: ACME001 the transformation failed: RuntimeError: a bug in a transformation"
    ) in result.err.splitlines()


@pytest.mark.usefixtures("test_transforms")
def test_fixes_that_never_converge_are_given_up(project: Project, run_cli: RunCli) -> None:
    root = _user_project(project, "test-never-converges")
    before = (root / "app.py").read_bytes()
    result = run_cli("check", "--fix", cwd=root)
    assert (root / "app.py").read_bytes() == before
    assert "fixes still change the file after 6 rounds (the file is unchanged)" in result.err


@pytest.mark.usefixtures("test_transforms")
def test_the_harness_reports_a_fix_example_that_does_not_hold(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(USER_RULE.format(transform="test-breaks-code"))
    catalog = load_catalog((tmp_path,))
    rule = catalog.get("ACME001")
    assert rule is not None
    from advisor.policy.selftest import check_examples

    problems = [p for p in check_examples(rule, catalog) if "fix" in p]
    assert problems[0].startswith("ACME001 fix `test-breaks-code` example 1: fixing failed")
    assert "example 2: `before` is not reported with this fix" in problems[1]


def test_an_unknown_transformation_is_a_rule_file_error(tmp_path: Path) -> None:
    from advisor.errors import RuleFileError

    (tmp_path / "acme.yaml").write_text(USER_RULE.format(transform="no-such-fix"))
    with pytest.raises(RuleFileError, match="unknown fix transformation 'no-such-fix'"):
        load_catalog((tmp_path,))


# Every bad example of the catalog, fixed with every fix: parses, converges, no failure.
CATALOG = load_catalog()


def _bad_examples() -> list[pytest.ParameterSet]:
    return [
        pytest.param(rule.code, example, id=f"{rule.code}-bad-{index}")
        for rule in CATALOG.rules
        for index, example in enumerate(rule.bad, start=1)
        if example.language == "python" and any(t.fix for t in rule.triggers)
    ]


def _fix_twice(sources: Mapping[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    first = fix_sources(sources, SETTINGS, CATALOG, unsafe=True)
    assert first.failures == []
    fixed = {**sources, **first.fixed}
    second = fix_sources(fixed, SETTINGS, CATALOG, unsafe=True)
    assert second.failures == []
    return fixed, second.fixed


@pytest.mark.parametrize(("code", "example"), _bad_examples())
def test_fixing_every_bad_example_parses_and_converges(code: str, example: object) -> None:
    from advisor.policy.catalog import Example

    assert isinstance(example, Example)
    sources = {path: text.encode() for path, text in example.files}
    sources["example.py"] = example.code.encode()
    fixed, again = _fix_twice(sources)
    for data in fixed.values():
        ast.parse(data)
    assert again == {}, "a second fix run changed the code"


def test_no_temporary_file_is_left_when_replacing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "app.py"
    path.write_bytes(b"x = 1\n")

    def refuse(self: Path, target: object) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(WriteError, match="cannot replace it: Permission denied"):
        replace_file(path, b"x = 2\n", b"x = 1\n")
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]
    assert path.read_bytes() == b"x = 1\n"
