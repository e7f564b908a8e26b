"""An SQLite cache of parsed sessions, so a re-run parses only new or changed files.

One row per reflection, keyed by absolute path, holding the file's size, mtime_ns and
blake2b content hash and the pickled `Session`. A row is trusted when size and mtime
match; when only the mtime moved (a `touch`, a checkout) the content hash decides, so
a touched-but-unchanged file is still a hit. The parser version and the cache schema
version are stored in a `meta` table: a cache written by another version is emptied
and rebuilt, never trusted. The parser version is a fingerprint of the parser's own
source (plus `PARSER_VERSION` and the Python version), so an edited parser never reads
records an older one wrote, even when nobody remembered to bump the number.

Several runs may share one cache (two terminals, CI jobs on one folder): WAL mode
lets readers go on while one writer commits, every write is a short transaction, and a
busy timeout makes a second writer wait instead of failing. A file that is not an
SQLite database at all is moved aside and rebuilt; the caller gets a warning string,
never an exception, because a broken cache must not stop a report.

Pickle, not JSON: JSON would need a hand-written decoder back to nested frozen
dataclasses and Enums. Records are pickled as constructor calls (see `dumps`), which
loads 10,000 sessions in about 1 s. The cache lives in the user's own output folder,
so it is trusted like the code that wrote it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import pickle
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .parse import PARSER_VERSION

SCHEMA_VERSION = "2"
"""Bump when the table layout or the pickled record shape changes."""

CACHE_NAME = ".retro-cache.sqlite"
"""The default file name, inside the output folder."""

BUSY_TIMEOUT_MS = 30_000

# A file written this recently may change again within the same mtime tick, so its
# mtime is not stored: the next run falls back to the content hash (git's "racily
# clean" problem).
_RACY_NS = 2_000_000_000


# What a parsed record depends on besides the file: every module between the bytes on
# disk and the pickled `Session`.
_PARSER_SOURCES = ("parse/*.py", "ingest.py", "load.py", "discover.py", "model.py")


@cache
def parser_version() -> str:
    """`PARSER_VERSION`, the Python version and a hash of the parser's source files."""
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{PARSER_VERSION}|{sys.version_info[0]}.{sys.version_info[1]}".encode())
    package = Path(__file__).parent
    for pattern in _PARSER_SOURCES:
        for f in sorted(package.glob(pattern)):
            h.update(f.relative_to(package).as_posix().encode() + b"\0")
            h.update(f.read_bytes())
    return f"{PARSER_VERSION}-{h.hexdigest()}"


def file_hash(data: bytes) -> bytes:
    """The content hash stored with each entry (blake2b, 16 bytes)."""
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Key:
    """What a cached parse depends on, besides the parser version."""

    size: int
    mtime_ns: int
    """0 when the file was too fresh to trust its mtime (see `_RACY_NS`)."""
    digest: bytes


class Cache:
    """An open cache. Use `open_cache`; close with `close()` or as a context manager."""

    def __init__(self, db: sqlite3.Connection, path: str) -> None:
        self._db = db
        self.path = path

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def entries(self) -> dict[str, Key]:
        """Every cached path with its size, mtime and hash (no payloads: small)."""
        rows = self._db.execute("SELECT path, size, mtime_ns, digest FROM sessions")
        return {p: Key(s, m, d) for p, s, m, d in rows}

    def payloads(self, paths: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(path, pickled session) for each of `paths` in the cache, streamed."""
        wanted = list(paths)
        for i in range(0, len(wanted), 500):  # SQLite caps bound parameters per query
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(
                f"SELECT path, data FROM sessions WHERE path IN ({marks})", chunk
            )

    def payload(self, path: str) -> tuple[bytes, bytes] | None:
        """(content hash, pickled session) of `path`, or None when not cached."""
        row = self._db.execute("SELECT digest, data FROM sessions WHERE path = ?", (path,))
        return row.fetchone()

    def put_many(self, rows: Iterable[tuple[str, Key, bytes]]) -> None:
        """Store (absolute path, key, pickled session) rows in one transaction."""
        now = time.time_ns()
        data = [
            (p, k.size, 0 if now - k.mtime_ns < _RACY_NS else k.mtime_ns, k.digest, blob)
            for p, k, blob in rows
        ]
        if data:
            with self._write():
                self._db.executemany(
                    "INSERT OR REPLACE INTO sessions (path, size, mtime_ns, digest, data)"
                    " VALUES (?, ?, ?, ?, ?)",
                    data,
                )

    def touch_many(self, rows: Iterable[tuple[str, int]]) -> None:
        """Record a new mtime for entries whose content hash still matched."""
        now = time.time_ns()
        data = [(0 if now - m < _RACY_NS else m, p) for p, m in rows]
        if data:
            with self._write():
                self._db.executemany("UPDATE sessions SET mtime_ns = ? WHERE path = ?", data)

    def delete_many(self, paths: Iterable[str]) -> None:
        data = [(p,) for p in paths]
        if data:
            with self._write():
                self._db.executemany("DELETE FROM sessions WHERE path = ?", data)

    def charts(self) -> dict[bytes, tuple[str, tuple[str, str, str, bytes] | None]]:
        """The chart memo (`render.charts.draw_plots`): (scope, (name, title, svg, png)) by key.

        None for an entry whose bytes no longer match the digest stored with them: a
        damaged entry is redrawn, never shown. Raises `sqlite3.Error` when there is no
        memo table of this layout (a cache no run has drawn charts into yet).
        """
        rows = self._db.execute("SELECT key, scope, name, title, svg, png, digest FROM charts")
        out: dict[bytes, tuple[str, tuple[str, str, str, bytes] | None]] = {}
        for key, scope, name, title, svg, png, digest in rows:
            fields = (name, title, svg, png)
            intact = all(isinstance(v, bytes) for v in (svg, png, digest)) and all(
                isinstance(v, str) for v in (name, title)
            )
            entry = None
            if intact and _chart_digest(*fields) == digest:
                entry = (name, title, svg.decode("utf-8"), png)
            out[key] = (str(scope), entry)
        return out

    def keep_charts(self, scope: str, charts: dict[bytes, tuple[str, str, str, bytes]]) -> None:
        """Make `charts` (key -> name, title, svg, png) the memo's entries for `scope`, in
        one transaction.

        A scope is one set of charts a run draws (the report's three, the before/after
        charts of the protocol changes): only what the latest run used of each is kept,
        so the memo never grows. A table of another layout (a later version's, a damaged
        one) is dropped and made again instead of failing every run.
        """
        rows = []
        for key, (name, title, svg, png) in charts.items():
            data = svg.encode("utf-8")
            rows.append((key, scope, name, title, data, png, _chart_digest(name, title, data, png)))
        with self._write():
            try:
                self._db.execute("DELETE FROM charts WHERE scope = ?", (scope,))
            except sqlite3.OperationalError:  # no such table, or not this layout
                self._db.execute("DROP TABLE IF EXISTS charts")
                self._db.execute(
                    "CREATE TABLE charts (key BLOB PRIMARY KEY, scope TEXT NOT NULL,"
                    " name TEXT NOT NULL, title TEXT NOT NULL, svg BLOB NOT NULL,"
                    " png BLOB NOT NULL, digest BLOB NOT NULL)"
                )
            self._db.executemany("INSERT OR REPLACE INTO charts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: what is read inside sees one committed state, even
        while another run writes (WAL keeps the old pages for this reader)."""
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the
        # busy timeout instead of one failing at commit time with "database is locked".
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _chart_digest(name: str, title: str, svg: bytes, png: bytes) -> bytes:
    """The check stored with a memoised chart: its fields, each length-prefixed."""
    h = hashlib.blake2b(digest_size=16)
    for part in (name.encode(), title.encode(), svg, png):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.digest()


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    # NORMAL under WAL: a power cut may lose the last commit, never corrupt the file;
    # a lost entry is only a re-parse.
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _ensure_schema(db: sqlite3.Connection) -> bool:
    """Create or rebuild the tables; True when an old-version cache was emptied."""
    want = {"schema": SCHEMA_VERSION, "parser": parser_version()}
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        have = dict(db.execute("SELECT key, value FROM meta"))
        rebuilt = bool(have) and have != want
        if have != want:
            db.execute("DROP TABLE IF EXISTS sessions")
            db.execute("DELETE FROM meta")
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", want.items())
        db.execute(
            "CREATE TABLE IF NOT EXISTS sessions ("
            " path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
            " digest BLOB NOT NULL, data BLOB NOT NULL)"
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return rebuilt


def _move_aside(path: str) -> str:
    aside = stem = f"{path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    n = 1
    while os.path.lexists(aside):  # never replace an earlier broken copy
        n += 1
        aside = f"{stem}-{n}"
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):  # journal files of the broken database go with it
        with contextlib.suppress(FileNotFoundError):
            os.replace(path + suffix, aside + suffix)
    return aside


def is_corrupt(exc: sqlite3.Error) -> bool:
    """Whether `exc` says the file is damaged (not "locked", "read-only", "no folder")."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def open_cache(path: str, warnings: list[str]) -> Cache | None:
    """Open (creating, upgrading or repairing) the cache at `path`.

    Problems are appended to `warnings` as sentences; None means "run without a
    cache" (the folder is read-only, say), never a failed run. A damaged file is moved
    aside (`PATH.corrupt-YYYYmmdd-HHMMSS`, kept for a bug report) and a new one built;
    anything else that is wrong (locked for too long, not writable, a folder) is only
    reported: the file is not ours to move.
    """
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    except OSError as exc:
        warnings.append(f"cache {path}: cannot create its folder ({exc.strerror}); not cached")
        return None
    for attempt in (1, 2):
        db = None
        try:
            db = _connect(path)
            if _ensure_schema(db):
                warnings.append(
                    f"cache {path}: written by another parser or cache version; rebuilt"
                )
            db.execute("SELECT count(*) FROM sessions").fetchone()
            return Cache(db, path)
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            if attempt == 2 or not is_corrupt(exc):
                warnings.append(f"cache {path}: unusable ({exc}); not cached this run")
                return None
            if not discard(path, exc, warnings):
                return None
    return None  # pragma: no cover - the loop always returns


def discard(path: str, exc: sqlite3.Error, warnings: list[str]) -> bool:
    """Move a damaged cache (and its journal files) aside; False when that failed."""
    try:
        aside = _move_aside(path)
    except OSError as move_exc:
        warnings.append(
            f"cache {path}: corrupted ({exc}) and cannot be moved ({move_exc.strerror}); not cached"
        )
        return False
    warnings.append(f"cache {path}: corrupted ({exc}); moved to {aside} and rebuilt")
    return True


def remove_cache(path: str) -> None:
    """Delete the cache at `path` with its WAL journal files and the analysis' pieces
    kept beside it (`pieces_path`), if they exist."""
    for name in (
        path,
        path + "-wal",
        path + "-shm",
        pieces_path(path),
        pieces_path(path) + PIECES_DELTA,
        pieces_path(path) + PIECES_NEAR,
    ):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


PIECES_DELTA = "-delta"
"""The suffix of the delta file beside `pieces_path` (`pieces`)."""
PIECES_NEAR = "-near"
"""The suffix of the file of near-duplicate pairs beside `pieces_path` (`near`)."""


def pieces_path(path: str) -> str:
    """Where `retro analyze` keeps the pieces of its last run (`pieces`) beside the
    cache at `path`: ``.retro-cache.sqlite.pieces`` (and ``…-delta``)."""
    return path + ".pieces"


_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


class _Pickler(pickle.Pickler):
    """Pickles a dataclass as a call to its constructor with its fields in order.

    The default for a frozen, slotted dataclass is `_dataclass_setstate`, a Python
    function that looks up the fields and sets each one through `object.__setattr__`
    for every object: 40% slower to load than calling the generated `__init__`.
    """

    def reducer_override(self, obj):
        cls = type(obj)
        names = _INIT_FIELDS.get(cls)
        if names is None:
            if isinstance(obj, type) or not dataclasses.is_dataclass(cls):
                return NotImplemented
            names = _INIT_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        return cls, tuple(getattr(obj, n) for n in names)


def dumps(session) -> bytes:
    """The bytes stored for `session`; `loads` gives back an equal Session."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(session)
    return buf.getvalue()


def loads(blob: bytes):
    return pickle.loads(blob)
