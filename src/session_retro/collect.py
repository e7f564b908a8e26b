"""Parse every reflection under some paths: the one entry point commands use.

Today serial and uncached; `collect_sessions` keeps its signature when it grows a
process pool and a cache, so callers never change.
"""

from __future__ import annotations

from collections.abc import Callable

from .discover import iter_reflections
from .ingest import DEFAULT_MAX_BYTES
from .load import read_session
from .model import Session


def collect_sessions(
    paths: list[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = None,
    cache_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Session]:
    """Sessions for every reflection under `paths`, in a stable (sorted) order.

    A file that cannot be read yields a Session with `error` set; nothing raises.
    `progress(done, total)` is called after each file when given.
    """
    found = list(iter_reflections(paths))
    out: list[Session] = []
    for i, (path, problem) in enumerate(found, 1):
        if problem:
            out.append(Session(source=path, error=problem))
        else:
            out.append(read_session(path, max_bytes=max_bytes))
        if progress:
            progress(i, len(found))
    return out
