"""`collector_paused()`: the cycle collector off for a stretch that makes no cycles.

The pipeline's big stretches (one parse, unpickling 10,000 cached sessions, the
analysis that turns them into frames, classifications and ranked evidence) allocate millions of
objects and leave no garbage that only the cycle collector could free: everything is
freed by reference counts. With the collector on, each of its full passes walks every
object made so far, so the passes grow with the corpus: at 10,000 sessions they were
40% of loading the sessions and ~0.9 s of the analysis (issue 8). Whatever cycles a
paused stretch does leave are collected as usual once the collector is back on.

Example:
    >>> with collector_paused():
    ...     records = [dict(n=i) for i in range(3)]
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic cycle collection for the block; nested pauses are no-ops."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
