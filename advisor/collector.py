"""When Python's cyclic garbage collector runs during a check.

A check allocates millions of objects that live until it ends: each file's syntax tree while
the file is summarized, then every file's summary, the call graph, the facts. The collector is
tuned for programs whose working set is small; here it walks those objects again and again as
they age through its generations, and finds almost nothing to free. On litellm's tree that was
a fifth of the per-file stage and three quarters of building the pre-filter's call index. So a
check runs with automatic collection paused, and collects explicitly where garbage cycles are
made: after each file is summarized, its scopes and syntax tree (which refer to each other)
are garbage, and they are the youngest objects, so one pass over what that file allocated
frees them (a run with no collection at all held four times the memory on openai-python).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside; the caller's setting is restored after (the advisor is
    also a library, and its caller's process goes on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def summarizing() -> Iterator[None]:
    """Around one file's summary. Its garbage cycles are then the youngest objects, and one
    pass over them frees them: the next automatic collection, or, when the whole check is
    paused (one process doing everything), an explicit one, with what is older set aside
    meanwhile (else that pass would walk every summary gathered so far). `gc.freeze` and
    `gc.unfreeze` move whole generations at no cost; the set-aside objects go back to the
    oldest generation, as would anything the caller had frozen."""
    if gc.isenabled():
        gc.disable()
        try:
            yield
        finally:
            gc.enable()
        return
    gc.freeze()
    try:
        yield
        gc.collect(0)
    finally:
        gc.unfreeze()


def worker_started() -> None:
    """In a worker process forked from a paused check: what it inherited stays for its whole
    life, so it is set aside, and collection runs between files."""
    gc.freeze()
    gc.enable()
