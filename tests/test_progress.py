"""The progress bar: on a terminal's stderr for long runs, never in pipes, files or CI logs."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from support import Run

import advisor.cli
import advisor.progress
from advisor.progress import ProgressBar, wanted

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_before_the_delay_then_a_bar_then_nothing_left() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar(stream, delay=0.5, interval=0.1, clock=clock)
    bar(1, 40)
    clock.now += 0.4
    bar(2, 40)
    assert stream.getvalue() == ""  # a quick run prints nothing at all
    clock.now += 0.2
    bar(10, 40)
    assert stream.getvalue() == "\radvisor: [#######-----------------------] 10/40 files"
    clock.now += 0.05
    bar(11, 40)  # redrawn at most every interval
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.01
    bar(40, 40)  # the last file is always drawn
    assert stream.getvalue().endswith("\radvisor: [##############################] 40/40 files")
    bar.close()
    width = len("advisor: [##############################] 40/40 files")
    assert stream.getvalue().endswith("\r" + " " * width + "\r")  # erased


def test_a_quick_run_closes_silently() -> None:
    stream = Terminal()
    bar = ProgressBar(stream, clock=Clock())
    bar(1, 1)
    bar.close()
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    ("stream", "environ", "expected"),
    [
        (Terminal(), {}, True),
        (io.StringIO(), {}, False),  # a pipe or a file
        (Terminal(), {"CI": "true"}, False),  # CI systems that give jobs a pseudo-terminal
        (Terminal(), {"TERM": "dumb"}, False),
    ],
)
def test_wanted_only_on_a_terminal_outside_ci(
    stream: io.StringIO, environ: dict[str, str], expected: bool
) -> None:
    assert wanted(stream, environ) is expected


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Terminal]:
    """Replaces stderr by a terminal, outside CI, with a bar that draws at once. Called in the
    test itself: pytest's capture takes stderr back between a fixture's setup and the test."""

    def install() -> Terminal:
        stream = Terminal()
        monkeypatch.setattr("sys.stderr", stream)
        monkeypatch.delenv("CI", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        # The command imports the bar when it runs: patch it where it is defined.
        monkeypatch.setattr(
            advisor.progress, "ProgressBar", functools.partial(ProgressBar, delay=0)
        )
        return stream

    return install


def test_the_command_draws_on_a_terminal(
    terminal: Callable[[], Terminal], project: Project, run_cli: RunCli
) -> None:
    root = project({f"m{i}.py": "x = 1\n" for i in range(3)})
    stream = terminal()
    result = run_cli("check", cwd=root)
    assert result.out == "All checks passed (3 files checked).\n"
    drawn = stream.getvalue()
    assert "\radvisor: [##############################] 3/3 files" in drawn
    assert drawn.endswith("\r")  # erased before the report


def test_quiet_draws_nothing(
    terminal: Callable[[], Terminal], project: Project, run_cli: RunCli
) -> None:
    root = project({"m.py": "x = 1\n"})
    stream = terminal()
    run_cli("check", "-q", cwd=root)
    assert stream.getvalue() == ""


def test_ci_draws_nothing(
    terminal: Callable[[], Terminal],
    project: Project,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = project({"m.py": "x = 1\n"})
    stream = terminal()
    monkeypatch.setenv("CI", "true")
    run_cli("check", cwd=root)
    assert stream.getvalue() == ""


def test_a_pipe_gets_nothing(project: Project, run_cli: RunCli) -> None:
    root = project({"m.py": "x = 1\n"})
    assert run_cli("check", cwd=root).err == ""
