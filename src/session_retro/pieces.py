"""What the analysis needs of each session, as tables: the map half of `analyze`.

Everything `analysis` computes splits in two. Most of the work is per session and
depends on nothing else: its rows in the three frames, the classification of each
wasted attempt, the category each recommendation, lesson and should-have line falls
in, its warnings. The rest (filters, figures, ranking, recurring notes) reduces those
rows across sessions. `pieces_of` does the first half and returns `Pieces`: tables with
a ``source`` column, one block of rows per session, sessions in source order.

Because every table is keyed by source, the pieces of a folder can be kept between
runs and patched (issue 8): `patch` drops the rows of the sessions that changed or
went away and puts in the pieces of the ones that changed or came, in source order;
the result equals `pieces_of` over the whole folder. `retro analyze` keeps them beside
its parse cache (`collect_pieces`, `load_pieces`), so a re-run after one file changed
maps one session and no longer unpickles the other 9,999.

Example:
    >>> p = pieces_of(sessions, load_taxonomy())  # doctest: +SKIP
    >>> p = patch(p, pieces_of([changed], taxonomy), drop={changed.source})  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cache import PIECES_DELTA as DELTA
from .cache import PIECES_NEAR as NEAR
from .cache import pieces_path
from .classify import (
    Classification,
    RuleMatcher,
    Taxonomy,
    classify_attempts,
    match_text,
    with_categories,
)
from .forked import in_child
from .frame import actions_frame, attempts_frame, from_columns, readable, sessions_frame
from .model import Session
from .recommend import LineRow

PIECES_VERSION = 1
"""Bump when the tables' layout changes: pieces of another version are never read."""

INDEX_COLUMNS: dict[str, object] = {
    "source": "string",
    "date": "string",  # as the reflection states it (the filters read its first 10 characters)
    "project": "string",
    "error": "string",  # why the file could not be read; NA for a readable session
}

LINE_COLUMNS: dict[str, object] = {
    "source": "string",
    "line": "Int64",
    "kind": "string",  # recommendation, lesson, should_have, root_cause, attempt_root_cause
    "text": "string",
    "category": "string",  # the category a candidate line falls in; NA for root causes
    "index": "Int64",  # the attempt of a should-have or attempt root cause
    "classified": "boolean",  # a should-have written under a wasted (classified) attempt
}

WARNING_COLUMNS: dict[str, object] = {
    "source": "string",
    "line": "Int64",
    "code": "string",
    "message": "string",
}

CLASSIFICATION_COLUMNS: dict[str, object] = {
    "source": "string",
    # one Classification: the record as mapped, or its compact JSON (bytes) as kept
    # between runs (`encoded`)
    "json": object,
}


@dataclass(frozen=True)
class Pieces:
    """Per-session rows, sessions in source order; every table has a ``source`` column."""

    index: pd.DataFrame
    """One row per session, readable or not (`INDEX_COLUMNS`): what the filters read."""
    sessions: pd.DataFrame
    """`frame.sessions_frame` of the readable sessions."""
    attempts: pd.DataFrame
    """`frame.attempts_frame` with categories filled (`classify.with_categories`)."""
    actions: pd.DataFrame
    lines: pd.DataFrame
    """Recommendation, lesson, should-have and root-cause lines (`LINE_COLUMNS`), per
    session in that order (should-haves and attempt root causes in attempt order)."""
    warnings: pd.DataFrame
    """Each readable session's warnings sorted by line, code and message."""
    classifications: pd.DataFrame
    """Each wasted attempt's `Classification`, or its JSON (`CLASSIFICATION_COLUMNS`)."""

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SPLIT_FROM = 2000
"""Sessions from which `pieces_of` maps the later half in a second process."""


def pieces_of(sessions: Iterable[Session], taxonomy: Taxonomy) -> Pieces:
    """The pieces of `sessions` (any order; the tables come in source order).

    With a second CPU and many sessions, a forked child maps the later half while this
    process maps the first (10,000 sessions: about 1.2 s alone, issue 8); the tables
    are blocks by source, so the halves join end to end. Same pieces either way.
    """
    ordered = sorted(sessions, key=lambda s: s.source)
    if len(ordered) < SPLIT_FROM:
        return _map(ordered, taxonomy)
    half = len(ordered) // 2
    later = in_child(_map, ordered[half:], taxonomy)
    try:
        first = _map(ordered[:half], taxonomy)
    finally:
        second = later()  # also on failure: the child waits to be read
    return Pieces(
        **{
            name: pd.concat([table, getattr(second, name)], ignore_index=True)
            for name, table in first.tables().items()
        }
    )


def _map(ordered: list[Session], taxonomy: Taxonomy) -> Pieces:
    classifications = classify_attempts(ordered, taxonomy)
    kept = readable(ordered)
    return Pieces(
        index=from_columns(
            {
                "source": [s.source for s in ordered],
                "date": [s.date for s in ordered],
                "project": [s.project for s in ordered],
                "error": [s.error for s in ordered],
            },
            INDEX_COLUMNS,
        ),
        sessions=sessions_frame(kept),
        attempts=with_categories(attempts_frame(kept), classifications, taxonomy),
        actions=actions_frame(kept),
        lines=line_table(kept, classifications, taxonomy),
        warnings=_warnings(kept),
        classifications=from_columns(
            {
                "source": [c.source for c in classifications],
                "json": list(classifications),
            },
            CLASSIFICATION_COLUMNS,
        ),
    )


def line_table(
    kept: list[Session], classifications: Iterable[Classification], taxonomy: Taxonomy | None
) -> pd.DataFrame:
    """The line rows of readable sessions (`LINE_COLUMNS`); without a taxonomy no
    line has a category (the recurring notes need none)."""
    out: list[tuple] = []
    category_of = {(c.source, c.index): c.category for c in classifications}
    matcher = RuleMatcher(taxonomy) if taxonomy is not None else None
    matched: dict[str, str] = {}  # the same lesson recurs across sessions: match it once

    def category(text: str) -> str | None:
        if matcher is None:
            return None
        cat = matched.get(text)
        if cat is None:
            cat = matched[text] = match_text(text, taxonomy, "should_have", matcher)
        return cat

    for s in kept:
        source = s.source
        for r in s.recommendations:
            out.append((source, r.line, "recommendation", r.title, category(r.title), None, False))
        for n in s.lessons:
            out.append((source, n.line, "lesson", n.text, category(n.text), None, False))
        for a in s.attempts:
            if a.should_have:
                cat = category_of.get((source, a.index))
                if cat is not None:
                    out.append((source, a.line, "should_have", a.should_have, cat, a.index, True))
                else:
                    text = a.should_have
                    out.append((source, a.line, "should_have", text, category(text), None, False))
        for n in s.root_causes:
            out.append((source, n.line, "root_cause", n.text, None, None, False))
        for a in s.attempts:
            if a.root_cause:
                out.append(
                    (source, a.line, "attempt_root_cause", a.root_cause, None, a.index, False)
                )
    columns = list(zip(*out, strict=True)) or [()] * len(LINE_COLUMNS)
    return from_columns(dict(zip(LINE_COLUMNS, map(list, columns), strict=True)), LINE_COLUMNS)


def line_rows(lines: pd.DataFrame) -> list[LineRow]:
    """The rows of a line table as records."""
    return list(map(LineRow._make, rows(lines, LINE_COLUMNS)))


def rows(table: pd.DataFrame, names: Iterable[str]) -> Iterator[tuple]:
    """The values of columns `names`, row by row (missing ones as None)."""
    return zip(*(values(table[name]) for name in names), strict=True)


def values(column: pd.Series) -> list:
    """A column as Python values, missing ones as None."""
    return column.to_numpy(dtype=object, na_value=None).tolist()


def _warnings(kept: list[Session]) -> pd.DataFrame:
    cols: dict[str, list] = {name: [] for name in WARNING_COLUMNS}
    for s in kept:
        for w in sorted(s.warnings, key=lambda w: (w.line or 0, w.code, w.message)):
            cols["source"].append(s.source)
            cols["line"].append(w.line)
            cols["code"].append(w.code)
            cols["message"].append(w.message)
    return from_columns(cols, WARNING_COLUMNS)


def patch(old: Pieces, new: Pieces, drop: Iterable[str] = ()) -> Pieces:
    """`old` without the rows of the sessions in `drop` and of those `new` holds, plus
    `new`'s rows: sessions in source order, each session's rows in their own order.

    Equal to `pieces_of` over the sessions the result holds (a test checks it), since
    every table is the concatenation of per-session blocks: rows are moved as blocks,
    located by each session's row count, and never compared one by one.
    """
    old_sources, new_sources = values(old.index["source"]), values(new.index["source"])
    gone = set(drop) | set(new_sources)
    kept = [n for n, s in enumerate(old_sources) if s not in gone]
    # the sessions of the result, in source order, as positions in old + new
    merged = sorted(
        [(old_sources[n], n) for n in kept]
        + [(s, len(old_sources) + n) for n, s in enumerate(new_sources)]
    )
    at = np.fromiter((n for _, n in merged), np.int64, len(merged))
    tables = {}
    for name, table in old.tables().items():
        other = getattr(new, name)
        counts = np.concatenate([_counts(table, old_sources), _counts(other, new_sources)])
        starts = np.cumsum(counts) - counts  # of each session's block in old + new
        take = counts[at]
        # row k of the result is row k - (its block's start in the result) + (the
        # block's start in old + new)
        shift = np.repeat(starts[at] - (np.cumsum(take) - take), take)
        tables[name] = _gather(table, other, np.arange(len(shift)) + shift)
    return Pieces(**tables)


def _gather(table: pd.DataFrame, other: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Rows `rows` of `table` followed by `other`, in that order.

    A re-run after a few edits keeps long runs of `table` as they are: those go over as
    slices, which share the text columns' buffers, rather than row by row (copying
    40 MB of text at 10,000 sessions).
    """
    if not len(rows):
        return table.iloc[:0].reset_index(drop=True)
    # a run ends where the next row is not the next one, and where `other` begins
    breaks = np.flatnonzero((np.diff(rows) != 1) | (rows[1:] == len(table))) + 1
    if len(breaks) > 64:  # many small runs: one take is cheaper than many slices
        return pd.concat([table, other], ignore_index=True).take(rows).reset_index(drop=True)
    parts = []
    for run in np.split(rows, breaks):
        first, last = int(run[0]), int(run[-1]) + 1
        if first >= len(table):
            parts.append(other.iloc[first - len(table) : last - len(table)])
        else:
            parts.append(table.iloc[first:last])
    return pd.concat(parts, ignore_index=True)


def _counts(table: pd.DataFrame, sources: list[str]) -> np.ndarray:
    """How many rows of `table` each of `sources` has (rows come in blocks by source)."""
    if table.empty:
        return np.zeros(len(sources), np.int64)
    try:  # the blocks as runs: 6 ms for 100,000 rows, a third of counting values
        names = pa.array(table["source"].array)
        if isinstance(names, pa.ChunkedArray):  # a column patched together
            names = names.combine_chunks()
        runs = pc.run_end_encode(names)
        ends = np.asarray(runs.run_ends)
        rows = dict(zip(runs.values.to_pylist(), np.diff(ends, prepend=0).tolist(), strict=True))
    except (pa.ArrowException, TypeError, ValueError):  # a name Arrow cannot hold
        found = table["source"].value_counts(sort=False)
        rows = dict(zip(values(found.index.to_series()), found.tolist(), strict=True))
    return np.fromiter((rows.get(s, 0) for s in sources), np.int64, len(sources))


def encoded(pieces: Pieces) -> Pieces:
    """`pieces` with every classification as its compact JSON, as they are kept: bytes
    load in a fraction of the records' time, and analysis.json splices them in as
    they are. Encoding is left to here: a command that writes no analysis.json never
    pays for it (10,000 sessions: 0.3 s)."""
    from .analysis import encode_record  # analysis reads this module: imported late

    table = pieces.classifications
    column = table["json"].tolist()
    if all(type(c) is bytes for c in column):
        return pieces
    done = table.assign(json=[c if type(c) is bytes else encode_record(c) for c in column])
    return Pieces(**(pieces.tables() | {"classifications": done}))


def select(pieces: Pieces, sources: set[str] | None) -> Pieces:
    """The rows of `sources` only (None: all)."""
    if sources is None:
        return pieces
    tables = {
        name: table[table["source"].isin(sources)].reset_index(drop=True)
        for name, table in pieces.tables().items()
    }
    return Pieces(**tables)


# ---- kept between runs ------------------------------------------------------------------
#
# Two files beside the parse cache: the base (`cache.pieces_path`), the pieces of every
# session of some run, and the delta (base name + "-delta"), the pieces of the sessions
# that changed or came since, with the sources gone since. A run after one edit writes
# the small delta, not the 70 MB base of 10,000 sessions; when the delta grows past a
# twentieth of the base, the run writes a new base and no delta.

DELTA_LIMIT = 64
"""A delta may hold this many sessions (changed, added or gone), or a twentieth of the
base when that is more; a run past it writes a new base."""


def memo_fingerprint(taxonomy: Taxonomy) -> str:
    """What pieces depend on besides the sessions: the code, the taxonomy and the
    working folder (a relative path is read from it)."""
    from .rerun import code_fingerprint

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{PIECES_VERSION}|{code_fingerprint()}|".encode())
    # pickled, not repr'd: a compiled pattern's repr stops at 200 characters, and an
    # edit past them (a long negation list) must not pass for the old taxonomy
    h.update(pickle.dumps(taxonomy, protocol=pickle.HIGHEST_PROTOCOL))
    h.update(os.fsencode(os.getcwd()))
    return h.hexdigest()


@dataclass(frozen=True)
class Kept:
    """Pieces as earlier runs left them: a base and the delta since."""

    base: Pieces
    base_id: str
    base_digests: Mapping[str, bytes]
    """By source: the blake2b of the bytes its pieces come from (`cache.Key.digest`)."""
    delta: Pieces
    delta_digests: Mapping[str, bytes]
    dropped: frozenset[str]
    """Sources of the base no longer read."""

    def digests(self) -> dict[str, bytes]:
        """The content hash of each source whose pieces base and delta hold."""
        stale = self.dropped | set(values(self.delta.index["source"]))
        out = {s: d for s, d in self.base_digests.items() if s not in stale}
        out.update(self.delta_digests)
        return out


MAGIC = b"session-retro pieces\n"
"""How a file of kept pieces begins: nothing else is unpickled, or written over."""


def _ours(path: str) -> bool:
    """Whether the file at `path` is kept pieces (FileNotFoundError when none is)."""
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def _read(path: str, fingerprint: str) -> dict | None:
    try:
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                return None
            data = pickle.load(fh)
        if data.get("version") == PIECES_VERSION and data.get("fingerprint") == fingerprint:
            return data
    except Exception:  # noqa: BLE001, S110  (truncated or foreign: rebuilt, never trusted)
        pass
    return None


def load_pieces(path: str, fingerprint: str) -> Kept | None:
    """The pieces kept at `path` (and its delta) for `fingerprint`, else None (missing,
    unreadable, another version or taxonomy: the run maps every session again)."""
    base = _read(path, fingerprint)
    if base is None:
        return None
    try:
        pieces = Pieces(**base["tables"])
        delta = _read(path + DELTA, fingerprint)
        if delta is None or delta["base"] != base["id"]:  # none, or another base's
            delta = {"tables": _empty(pieces).tables(), "digests": {}, "dropped": frozenset()}
        return Kept(
            pieces,
            base["id"],
            base["digests"],
            Pieces(**delta["tables"]),
            delta["digests"],
            frozenset(delta["dropped"]),
        )
    except (KeyError, TypeError):
        return None


def _empty(pieces: Pieces) -> Pieces:
    return Pieces(**{name: table.iloc[:0] for name, table in pieces.tables().items()})


def _save(path: str, data: dict, moved: list[str]) -> None:
    """Write `data` at `path`; a file there that is not kept pieces (a file of the
    user's under that name) is copied aside first, its copy's name added to `moved`."""
    from .safeio import atomic_write, copy_aside

    with contextlib.suppress(FileNotFoundError):
        if not _ours(path):
            moved.append(str(copy_aside(Path(path))))
    blob = MAGIC + pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    atomic_write(path, blob, durable=False)


def load_nears(cache_path: str | None) -> dict | None:
    """The near-duplicate pairs kept beside the cache at `cache_path`, by merge
    (`near.near_for`); empty when none were kept by this code; None without a cache
    (the merges then start from nothing and keep nothing).

    Pairs of texts depend on the code and the merge's threshold only (each `Near`
    names its own), not on the taxonomy or the folder: every command shares them."""
    if not cache_path:
        return None
    kept = _read(pieces_path(cache_path) + NEAR, _near_fingerprint())
    nears = kept.get("nears") if kept else None
    return dict(nears) if isinstance(nears, dict) else {}


def keep_nears(cache_path: str | None, nears: dict | None) -> list[str]:
    """Write `nears` beside the cache; the copies it made of a file of the user's
    standing at their name. A cache folder that cannot be written keeps nothing."""
    moved: list[str] = []
    if cache_path and nears:
        head = {"version": PIECES_VERSION, "fingerprint": _near_fingerprint()}
        kept = {name: near.kept() for name, near in nears.items()}
        with contextlib.suppress(OSError):
            _save(pieces_path(cache_path) + NEAR, head | {"nears": kept}, moved)
    return moved


def _near_fingerprint() -> str:
    from .rerun import code_fingerprint

    return f"{PIECES_VERSION}|{code_fingerprint()}"


class _Details(Mapping[str, Session]):
    """The Session of a source on demand: those read this run, else from the cache,
    parsed from the bytes its pieces were made from (`keys`: what the run read). A file
    whose bytes changed since (another run sharing the cache stored newer ones) is
    detailed as it is now and keyed to be read again next run."""

    def __init__(
        self, read: dict[str, Session], sources: list[str], cache_path: str, keys: dict
    ) -> None:
        self._read = read
        self._sources = sources
        self._cache_path = cache_path
        self._keys = keys

    def __getitem__(self, source: str) -> Session:
        if source not in self._read:
            from .collect import CHANGED_WHILE_READ, cached_sessions

            key = self._keys.get(source)
            got, changed = cached_sessions(
                self._cache_path, {source: key.digest if key is not None else b""}
            )
            self._read.update(got)
            for path in changed:
                self._keys[path] = CHANGED_WHILE_READ
        return self._read[source]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


@dataclass(frozen=True)
class Collected:
    """What `collect_pieces` gives: the pieces, the sessions, and how to keep them."""

    pieces: Pieces
    nears: dict | None
    """The near-duplicate pairs the last run kept, by merge (`load_nears`; None without
    a cache): the reduce grows them, `keep` writes them."""
    details: Mapping[str, Session]
    """The Session of a readable source, on demand."""
    keep: Callable[[], list[str]]
    """Writes what the next run reuses; call it once the run's outputs are written. It
    returns the copies it made of files of the user's standing at the pieces' names."""


def collect_pieces(
    paths: list[str],
    *,
    found: list[tuple[str, str | None]],
    taxonomy: Taxonomy,
    cache_path: str | None,
    keys: dict,
    **collect,
) -> Collected:
    """The pieces of every file `found` under `paths`, and each readable Session on
    demand: `collect.collect_sessions` (same keywords, `keys` filled the same way) and
    `pieces_of`, but with a cache the pieces of the files unchanged since the last run
    are the last run's, patched with those of the files that changed, came or went.

    The same Pieces as `pieces_of(collect_sessions(...))`: a file's pieces are reused
    only when its bytes, the code, the taxonomy and the working folder are those they
    were made from.
    """
    from .collect import collect_sessions

    sources = [p for p, _ in found]
    where = pieces_path(cache_path) if cache_path else None
    fingerprint = memo_fingerprint(taxonomy)
    last = load_pieces(where, fingerprint) if where else None
    nears = load_nears(cache_path)
    if len(set(sources)) != len(sources):
        last = None  # a file reached twice is two sessions: patching goes by source
    sessions = collect_sessions(
        paths,
        found=found,
        cache_path=cache_path,
        keys=keys,
        reuse=last.digests() if last else None,
        **collect,
    )
    read = [s for s in sessions if s is not None]
    new = pieces_of(read, taxonomy)
    details = _Details({s.source: s for s in read if not s.error}, sources, cache_path or "", keys)
    if last is None:
        pieces, delta, dropped = new, None, frozenset()
    else:
        present = set(sources)
        gone = {s for s in values(last.delta.index["source"]) if s not in present}
        delta = patch(last.delta, new, drop=gone)
        base_sources = values(last.base.index["source"])
        dropped = frozenset(s for s in base_sources if s not in present)
        pieces = patch(last.base, delta, drop=dropped)

    def keep() -> list[str]:
        moved: list[str] = []
        if where is None or len(set(sources)) != len(sources):
            return moved  # nothing to keep, or a file reached twice: pieces go by source
        digests = {}
        for source in sources:
            key = keys.get(source)
            if key is not None and key.digest and key.size >= 0:
                digests[source] = key.digest
        head = {"version": PIECES_VERSION, "fingerprint": fingerprint}
        with contextlib.suppress(OSError):  # read-only: the next run maps every session
            changed = 0 if delta is None else len(delta.index) + len(dropped)
            if last is not None and changed <= max(DELTA_LIMIT, len(last.base.index) // 20):
                mine = set(values(delta.index["source"]))
                _save(
                    where + DELTA,
                    head
                    | {
                        "base": last.base_id,
                        "digests": {s: d for s, d in digests.items() if s in mine},
                        "dropped": dropped,
                        "tables": encoded(delta).tables(),
                    },
                    moved,
                )
            else:
                _save(
                    where,
                    head
                    | {
                        "id": secrets.token_hex(8),
                        "digests": digests,
                        "tables": encoded(pieces).tables(),
                    },
                    moved,
                )
                with contextlib.suppress(FileNotFoundError):
                    if _ours(where + DELTA):  # a file of the user's there is left alone
                        os.unlink(where + DELTA)
        moved += keep_nears(cache_path, nears)
        return moved

    return Collected(pieces, nears, details, keep)
