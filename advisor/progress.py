"""A progress bar on stderr for long runs, drawn only where a person is watching.

It draws only when stderr is a terminal (never into a pipe, a file or a CI log), not in CI
(`CI` set: some CI systems give jobs a pseudo-terminal), not on a `TERM=dumb` terminal, and
only once a run has lasted `delay` seconds, so a quick run prints nothing at all. The line is
redrawn in place at most every `interval` seconds and erased when the run ends, so nothing of
it stays between the command and its report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TextIO

WIDTH = 30


def wanted(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a progress bar belongs on `stream`."""
    env = os.environ if environ is None else environ
    if env.get("CI") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class ProgressBar:
    """`bar(done, total)` after each file; `bar.close()` when the analysis is over."""

    def __init__(
        self,
        stream: TextIO,
        *,
        delay: float = 0.5,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.last_drawn: float | None = None
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < self.delay:
            return
        if self.last_drawn is not None and now - self.last_drawn < self.interval and done < total:
            return
        self.last_drawn = now
        self._draw(done, total)

    def _draw(self, done: int, total: int) -> None:
        filled = WIDTH * done // total if total else WIDTH
        bar = "#" * filled + "-" * (WIDTH - filled)
        text = f"advisor: [{bar}] {done}/{total} files"
        self.width = max(self.width, len(text))
        self._write("\r" + text.ljust(self.width))

    def close(self) -> None:
        if self.last_drawn is not None:
            self._write("\r" + " " * self.width + "\r")
            self.last_drawn = None

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on without a bar
            pass
