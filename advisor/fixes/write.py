"""Replace a file atomically, keeping what the fix did not change about it.

The new bytes go to a temporary file in the same folder (so the final rename never crosses a
file system), are flushed to disk, get the old file's permission bits, and replace the file in
one `os.replace`: a reader sees the old file or the new one, never half of either. Line endings
and encoding are the caller's business (the fixed bytes already have the file's own), and a file
that changed since it was read is not overwritten.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class WriteError(Exception):
    """The file could not be replaced; it is as it was."""


def replace_file(path: Path, data: bytes, expected: bytes) -> None:
    """Write `data` to `path` if it still holds `expected`."""
    target = path.resolve()  # a symbolic link keeps pointing at the fixed file
    try:
        current = target.read_bytes()
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError as exc:
        raise WriteError(f"cannot read it again: {exc.strerror or exc}") from exc
    if current != expected:
        raise WriteError("it changed while it was being fixed; run again")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".advisor-fix"
        )
    except OSError as exc:
        raise WriteError(
            f"cannot create a temporary file beside it: {exc.strerror or exc}"
        ) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(mode)
        Path(temporary).replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise WriteError(f"cannot replace it: {exc.strerror or exc}") from exc
