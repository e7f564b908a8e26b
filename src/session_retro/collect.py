"""Parse every reflection under some paths: the one entry point commands use.

`collect_sessions` finds the files, takes what it can from the cache (issue 8), parses
the rest (in a process pool when there are enough of them to pay for one) and returns
one `Session` per file in discovery (sorted) order. With or without the pool or the
cache, the records are the same: workers run the very `read_file` the serial path
runs, on the path as given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import sqlite3
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext

from . import cache as _cache
from .discover import iter_reflections
from .gcpause import collector_paused
from .ingest import DEFAULT_MAX_BYTES
from .load import read_file
from .model import Session
from .rerun import without_own_reports

POOL_THRESHOLD = 64
"""Fewer files to parse than this and the pool's start-up (~0.2 s) costs more than it saves."""

CHANGED_WHILE_READ = _cache.Key(-1, 0, b"")
"""The key of a file that changed while it was parsed (or, reached twice, was parsed
from two different states): it vouches for no bytes, so a run record holding it has
the file read again next time, and the cache never stores it."""

_WRITE_BATCH = 500
"""Parsed rows are committed to the cache in batches: an interrupted run keeps them."""


def collect_sessions(
    paths: list[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = None,
    cache_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    warnings: list[str] | None = None,
    pool_threshold: int = POOL_THRESHOLD,
    keys: dict[str, _cache.Key] | None = None,
    skip: tuple[str, ...] = (),
    found: list[tuple[str, str | None]] | None = None,
    reuse: Mapping[str, bytes] | None = None,
) -> list[Session]:
    """Sessions for every reflection under `paths`, in a stable (sorted) order.

    A file that cannot be read yields a Session with `error` set; nothing raises.
    `progress(done, total)` is called after each file when given. `jobs` caps the
    worker processes (default: one per CPU; 1 parses in this process). With
    `cache_path`, unchanged files come from that SQLite cache and new parses go into
    it; cache trouble (corrupted, locked, another version) is appended to `warnings`
    as a sentence and the run goes on. `keys`, when given, is filled with what each
    readable record was made from, by path as found: the size, mtime and content hash
    of the bytes parsed or cached; size and mtime alone (no hash) for a file not read
    whole; `CHANGED_WHILE_READ` for one that changed under the parser. Folders in
    `skip` are not walked (`discover.iter_reflections`), nor read the report.md files
    runs of analyze and report left as written (`rerun.without_own_reports`). `found`,
    when given, is that walk already made by the caller: the records are then exactly
    its files. `reuse` maps paths (as found) to content hashes: a file whose cached
    record was parsed from those very bytes is not unpickled, and its slot in the list
    is None (the caller holds what it needs of it: `pieces.collect_pieces`).

    Example:
        >>> sessions = collect_sessions(["sessions/"], cache_path="reports/.retro-cache.sqlite")  # doctest: +SKIP
    """
    if found is None:
        found = find_reflections(paths, skip)
    total = len(found)
    out: list[Session | None] = [None] * total
    sink = warnings if warnings is not None else []
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    sink_keys = keys if keys is not None else {}
    todo: list[int] = []
    for i, (path, problem) in enumerate(found):
        if problem:
            out[i] = Session(source=path, error=problem)
            tick()
        else:
            todo.append(i)

    # Opened only when something is left to read: a run over missing paths writes nothing.
    db = _cache.open_cache(cache_path, sink) if cache_path and todo else None
    try:
        if db is not None:
            try:
                todo = _from_cache(db, found, todo, out, tick, sink_keys, max_bytes, reuse or {})
            except sqlite3.DatabaseError as exc:
                db.close()
                db = None
                if _cache.is_corrupt(exc) and _cache.discard(cache_path, exc, sink):
                    db = _cache.open_cache(cache_path, sink)
                else:
                    sink.append(f"cache {cache_path}: cannot be read ({exc}); not cached this run")
                todo = [i for i in todo if out[i] is None]
        pending: list[tuple[str, _cache.Key, bytes]] = []
        # Workers parse; this process only unpickles: no cyclic garbage to collect.
        pooled = len(todo) > pool_threshold and jobs != 1
        with collector_paused() if pooled else nullcontext():
            for i, (blob, key) in zip(
                todo,
                _parse_all([found[i][0] for i in todo], max_bytes, jobs, pool_threshold),
                strict=True,
            ):
                out[i] = _cache.loads(blob)
                tick()
                path = found[i][0]
                earlier = sink_keys.get(path, key)
                # one file reached twice and parsed from two states: neither key holds
                sink_keys[path] = key if earlier == key else CHANGED_WHILE_READ
                if not key.digest:  # not read whole, or CHANGED_WHILE_READ: not cacheable
                    key = None
                absolute = _cache_name(path)
                if db is not None and key is not None and absolute is not None:
                    pending.append((absolute, key, blob))
                    if len(pending) >= _WRITE_BATCH:
                        db = _store(db, pending, sink)
                        pending = []
        if db is not None:
            db = _store(db, pending, sink)
    finally:
        if db is not None:
            db.close()
    return out  # type: ignore[return-value]  # every slot is filled above


def _from_cache(
    db: _cache.Cache,
    found: list[tuple[str, str | None]],
    todo: list[int],
    out: list[Session | None],
    tick: Callable[[], None],
    keys: dict[str, _cache.Key],
    max_bytes: int,
    reuse: Mapping[str, bytes],
) -> list[int]:
    """Fill `out` from the cache, and `keys` for each hit; return the indexes still to parse.
    A hit whose entry was parsed from the bytes `reuse` names for it is not unpickled.

    A hit needs the same size and mtime, or the same size and content hash (the file
    was touched, not changed), and a size within `max_bytes`: a record another command
    parsed under a larger limit is not this run's to use (the parse says it is too
    big). Entries of files that no longer exist are pruned, so the cache does not grow
    forever; other entries (files of another run's folders) are kept. Keys and payloads are read in one snapshot, so a concurrent run that
    rewrites an entry in between cannot hand us a payload for other bytes.
    """
    hits: dict[str, list[int]] = {}  # one file may be reached twice ("a/" and "a/x.md")
    touched: list[tuple[str, int]] = []
    misses: list[int] = []
    seen: set[str] = set()
    with db.snapshot():
        entries = db.entries()
        for i in todo:
            given = found[i][0]
            absolute = os.path.abspath(given)
            seen.add(absolute)
            entry = entries.get(absolute)
            if entry is None:
                misses.append(i)
                continue
            try:
                st = os.stat(given)
            except OSError:
                misses.append(i)  # read_file reports what is wrong with it
                continue
            if st.st_size != entry.size or st.st_size > max_bytes or not stat.S_ISREG(st.st_mode):
                misses.append(i)  # a pipe or device now is parsed (and reported), not opened
                continue
            if st.st_mtime_ns == entry.mtime_ns:
                hits.setdefault(absolute, []).append(i)
            elif _same_content(given, entry):
                if absolute not in hits:
                    touched.append((absolute, st.st_mtime_ns))
                hits.setdefault(absolute, []).append(i)
            else:
                misses.append(i)
                continue
            # the file as stat'ed now holds the bytes the entry was parsed from
            keys[given] = _cache.Key(st.st_size, st.st_mtime_ns, entry.digest)
            if reuse.get(given) == entry.digest:
                hits[absolute].remove(i)  # the caller has what it needs of this one
                if not hits[absolute]:
                    del hits[absolute]
                tick()
        with collector_paused():
            _load_hits(db, hits, found, out, misses, tick)
    for rest in hits.values():  # not in the table after all
        misses.extend(rest)
        for i in rest:
            keys.pop(found[i][0], None)
    db.touch_many(touched)
    db.delete_many(p for p in entries if p not in seen and not os.path.exists(p))
    misses.sort()
    return misses


def _load_hits(
    db: _cache.Cache,
    hits: dict[str, list[int]],
    found: list[tuple[str, str | None]],
    out: list[Session | None],
    misses: list[int],
    tick: Callable[[], None],
) -> None:
    """Unpickle the cached Session of every hit into `out`; hits left are not in the table."""
    for absolute, blob in db.payloads(list(hits)):
        for i in hits.pop(absolute):
            session = _cache.loads(blob)
            given = found[i][0]
            if session.source != given:
                # The same file reached as "x.md", "../x.md" or "/abs/x.md" (another
                # working folder, a cron job): besides `source`, a parse reads only the
                # file name and the folder name of the absolute path (`project_of`, the
                # project when the text names none), both the same for one absolute
                # path; a re-parse of everything would cost a cold run.
                session = dataclasses.replace(session, source=given)
            out[i] = session
            tick()


def cached_sessions(
    cache_path: str | None, wanted: Mapping[str, bytes]
) -> tuple[dict[str, Session], set[str]]:
    """The Session of each path (as found) of `wanted` parsed from the bytes whose hash
    `wanted` gives: from the cache at `cache_path`, else read again. The second value
    holds the paths whose file no longer holds those bytes (another run stored newer
    ones meanwhile): their Session is of the bytes there now. For the few sessions a
    report details, of a run that reused the rest (`reuse`)."""
    out: dict[str, Session] = {}
    changed: set[str] = set()
    db = _cache.open_cache(cache_path, []) if cache_path else None
    if db is not None:
        with db, contextlib.suppress(sqlite3.Error):
            for path, digest in wanted.items():
                name = _cache_name(path)
                row = db.payload(name) if name is not None else None
                if row is not None and row[0] == digest:
                    out[path] = dataclasses.replace(_cache.loads(row[1]), source=path)
    for path, digest in wanted.items():
        if path not in out:
            _, data, out[path] = read_file(path)
            if data is None or _cache.file_hash(data) != digest:
                changed.add(path)
    return out, changed


def find_reflections(
    paths: list[str], skip: tuple[str, ...] = (), skipped: list[str] | None = None
) -> list[tuple[str, str | None]]:
    """The files a run reads under `paths`: `discover.iter_reflections` (folders in
    `skip` not walked, each met appended to `skipped`) without the report.md files runs
    of analyze and report left as written (`rerun.without_own_reports`). Callers that
    need the list before parsing pass it back as `collect_sessions(found=...)`."""
    return without_own_reports(iter_reflections(paths, skip, skipped))


def _cache_name(path: str) -> str | None:
    """The cache's key for `path`, its absolute path; None when that is not UTF-8 (run
    from a folder whose name is other bytes): SQLite text cannot hold it, and storing
    it raised out of the run. Such a file is parsed each run instead."""
    absolute = os.path.abspath(path)
    try:
        absolute.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return absolute


def _same_content(path: str, entry: _cache.Key) -> bool:
    try:
        with open(path, "rb") as fh:
            data = fh.read(entry.size + 1)
    except OSError:
        return False
    return len(data) == entry.size and _cache.file_hash(data) == entry.digest


def _store(
    db: _cache.Cache, rows: list[tuple[str, _cache.Key, bytes]], sink: list[str]
) -> _cache.Cache | None:
    """Write rows; on a database error warn once and carry on without the cache."""
    try:
        db.put_many(rows)
    except sqlite3.DatabaseError as exc:
        sink.append(f"cache {db.path}: cannot write ({exc}); not cached this run")
        db.close()
        return None
    return db


def _parse_all(
    paths: list[str], max_bytes: int, jobs: int | None, threshold: int
) -> Iterator[tuple[bytes, _cache.Key]]:
    """(pickled Session, cache key) per path, in order, streamed as they finish."""
    workers = min(jobs or os.cpu_count() or 1, max(1, len(paths)))
    if workers <= 1 or len(paths) <= threshold:
        for p in paths:
            yield _parse_one(p, max_bytes)
        return
    # fork starts a worker in milliseconds, but forking while another thread holds a
    # lock can deadlock the child, and the caller may run threads (rich's progress bar
    # refreshes from one): then spawn, which re-imports the package in each worker and
    # needs the usual `if __name__ == "__main__":` guard in the calling script. Either
    # way workers run in this working directory, so relative paths mean the same.
    method = "fork" if threading.active_count() == 1 and sys.platform == "linux" else "spawn"
    ctx = multiprocessing.get_context(method)
    # Chunks big enough to amortise the pickling round trip, small enough that both
    # workers stay busy to the end and results stream back steadily.
    chunksize = max(1, min(32, len(paths) // (workers * 8)))
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        results = pool.map(_parse_one, paths, [max_bytes] * len(paths), chunksize=chunksize)
    except (OSError, ImportError, NotImplementedError):
        # no process pool here (a sandbox without semaphores or fork): parse in-process
        yield from (_parse_one(p, max_bytes) for p in paths)
        return
    with pool:
        yield from results


def _parse_one(path: str, max_bytes: int) -> tuple[bytes, _cache.Key]:
    """Parse one file; returns the pickled Session and, when cacheable, its key.

    Runs in a worker. The Session is pickled here so the parent unpickles once and
    stores the same bytes in the cache. Only content decides a cacheable result: a
    file read whole gets the key of the very bytes parsed; one not read whole (too big,
    not a regular file) the key of its stat alone, with no hash, which the cache does
    not store and a run record compares by size and mtime; an unreadable one its size
    alone (made readable, it is read next time); one that changed while we parsed it,
    or that cannot even be stat'ed, `CHANGED_WHILE_READ`.
    """
    st, data, session = read_file(path, max_bytes=max_bytes)
    if st is None:
        return _cache.dumps(session), CHANGED_WHILE_READ
    if data is not None:
        key = _cache.Key(len(data), st.st_mtime_ns, _cache.file_hash(data))
    elif stat.S_ISREG(st.st_mode) and st.st_size <= max_bytes:
        key = _cache.Key(st.st_size, 0, b"")  # unreadable: an mtime cannot tell a chmod
    else:
        key = _cache.Key(st.st_size, st.st_mtime_ns, b"")
    del data  # hold one copy at a time
    try:
        after = os.stat(path)
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            key = CHANGED_WHILE_READ
    except OSError:
        key = CHANGED_WHILE_READ
    return _cache.dumps(session), key
