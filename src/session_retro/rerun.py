"""Skip a `retro analyze` whose inputs, options and outputs are all as the last run left them.

After a full run, `save_run` writes ``OUT/.retro-run.json``: a fingerprint of what
decides the output besides the reflections (the options, the taxonomy, template,
protocol and changes files, the protocol's git history, the package's code and the
parser fingerprint from `cache.parser_version`), each reflection's size, mtime and
content hash, and a hash of every file the run wrote (history/ excluded: it is a log
of runs). The next run calls `unchanged_run` first: when the fingerprint matches,
every reflection has the same size and mtime (or, when only its mtime moved, the same
content hash) and every output still hashes as written, nothing would change, so the
command says so and writes nothing (no new history entry). This reads stats and the
outputs' bytes only: no cached session is unpickled, no report rendered.

Like the parse cache, a file written within `_RACY_NS` of the run has its mtime
stored as 0, so the next run compares its content hash instead of trusting an mtime
that may not have ticked since.

Example:
    >>> state = unchanged_run("reports", fingerprint, found)  # doctest: +SKIP
    >>> state.finished if state else "run it"  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import orjson

from . import __version__
from .cache import Key, file_hash, parser_version
from .safeio import atomic_write, copy_aside, inside, output_path

RUN_NAME = ".retro-run.json"
"""The run record, inside the output folder (hidden: not an output, not an input)."""

RUN_VERSION = 1
"""Bump when the record's layout changes; another version is never trusted."""

_RACY_NS = 2_000_000_000

# Package files whose content decides the output: code, the default taxonomy, templates.
_CODE_PATTERNS = ("*.py", "*/*.py", "*.toml", "schema/*.json")
# Libraries whose upgrade can change the bytes written (chart SVG, parsing, CSV, merging).
_LIBRARIES = ("pyromark", "ftfy", "python-dateutil", "pandas", "pyarrow", "matplotlib")
_LIBRARIES += ("jinja2", "rapidfuzz", "markupsafe", "numpy")


@dataclass(frozen=True, slots=True)
class InputKey:
    """One reflection as the run saw it."""

    path: str
    """As discovered (the same string the report shows)."""
    problem: str | None
    """Why discovery could not read it, else None."""
    size: int
    """-1 when it could not be stat'ed."""
    mtime_ns: int
    """0 when too fresh to trust (compare the hash instead)."""
    digest: str
    """blake2b of the content (hex), "" when unreadable."""


@dataclass(frozen=True, slots=True)
class RunState:
    """What `.retro-run.json` holds."""

    fingerprint: str
    inputs: tuple[InputKey, ...]
    outputs: tuple[tuple[str, str], ...]
    """(name inside the output folder, blake2b hex) of every file written, sorted."""
    finished: str
    """When the run finished (``YYYY-MM-DD HH:MM UTC``), for the "up to date" message."""
    exit_code: int
    messages: tuple[str, ...]
    """The input problems the run printed (file: error), repeated by a skipped run."""


def _hex(data: bytes) -> str:
    return file_hash(data).hex()


@cache
def code_fingerprint() -> str:
    """The package version, the parser fingerprint, a hash of the package's files and
    the versions of Python and of the libraries that shape the output."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}|{parser_version()}|{sys.version}".encode())
    for name in _LIBRARIES:
        try:
            h.update(f"|{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"|{name}=-".encode())
    package = Path(__file__).parent
    for pattern in _CODE_PATTERNS:
        for f in sorted(package.glob(pattern)):
            h.update(f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes())
    from .render.templates import template_dirs  # the packaged templates (no user dir)

    for d in template_dirs(None):
        _hash_folder(h, d)
    return h.hexdigest()


def _hash_folder(h, folder: Path) -> None:
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(os.fsencode(f.relative_to(folder)) + b"\0" + f.read_bytes())


def settings_fingerprint(
    options: Mapping[str, object],
    files: Iterable[str | Path] = (),
    folders: Iterable[str | Path] = (),
    extra: Iterable[str] = (),
) -> str:
    """A hash of the options, of the named files' and folders' contents, and of `extra`."""
    h = hashlib.blake2b(digest_size=16)
    h.update(code_fingerprint().encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    for f in files:
        h.update(b"\1" + os.fsencode(f) + b"\0")  # a name need not be UTF-8
        try:
            h.update(Path(f).read_bytes())
        except OSError as exc:
            h.update(f"unreadable: {exc.strerror}".encode())
    for d in folders:
        h.update(b"\2" + os.fsencode(d) + b"\0")
        _hash_folder(h, Path(d))
    for text in extra:
        h.update(b"\3" + text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _digest(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return _hex(fh.read())
    except OSError:
        return ""


def input_keys(
    found: Iterable[tuple[str, str | None]],
    *,
    read: Mapping[str, Key],
    since: int | None = None,
) -> tuple[InputKey, ...]:
    """A key per discovered reflection, from `read`: the keys of what the run actually
    parsed, by path (`collect.collect_sessions`'s `keys`: from the cache or the
    workers, which hash every file they read).

    Nothing is read or hashed here (10,000 files on a cold run: 0.6 s), and the record
    describes what the report was made from even if a file changed since: a key
    without a hash (a file not read whole) is compared by size and mtime next time,
    and a file with no key at all, or one that changed while it was parsed, is read
    again next time. `since` is when that reading began (`time.time_ns()`), for the
    too-fresh-to-trust rule.
    """
    now = time.time_ns() if since is None else since
    keys = []
    for path, problem in found:
        got = None if problem else read.get(path)
        if problem:
            keys.append(InputKey(path, problem, -1, -1, ""))
        elif got is None or got.size < 0:  # nothing vouches for what was parsed
            keys.append(InputKey(path, problem, _NO_KEY, 0, ""))
        elif not got.digest:
            # Not read whole (too big: its report entry is its size; unreadable: its
            # mtime is 0): compared by size and mtime, a recent mtime kept as it is,
            # since no bytes were read that a same-tick edit could differ from.
            keys.append(InputKey(path, problem, got.size, got.mtime_ns, ""))
        else:
            mtime = 0 if now - got.mtime_ns < _RACY_NS else got.mtime_ns
            keys.append(InputKey(path, problem, got.size, mtime, got.digest.hex()))
    return tuple(keys)


_NO_KEY = -2
"""The size of a key that vouches for nothing (the file changed while it was parsed, or
nothing keyed it): it matches no file, present or gone, so the next run reads it again."""


def _same_input(key: InputKey, path: str, problem: str | None) -> bool:
    if (key.path, key.problem) != (path, problem) or key.size == _NO_KEY:
        return False
    if problem:
        return True
    st = _stat(path)
    if st is None:
        return key.size == -1
    if st.st_size != key.size:
        return False
    if key.mtime_ns and st.st_mtime_ns == key.mtime_ns:
        return True
    if not stat.S_ISREG(st.st_mode):  # a pipe or device now: never opened to compare
        return False
    if not key.digest:  # no bytes were read last time: unchanged only if still unreadable
        return not _readable(path)
    return _digest(path) == key.digest  # touched, or too fresh last time: the bytes decide


def _readable(path: str) -> bool:
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError:
        return False
    return True


def _as_written(path: str | Path, digest: str | None) -> bool:
    """Whether the file at `path` holds what a run wrote there, `digest` being the hash
    its record keeps (None: it wrote no such file). Raises OSError when unreadable."""
    return digest is not None and _hex(Path(path).read_bytes()) == digest


class _Inputs:
    """A run's inputs by (device, inode), for "is this output one of them?": stat'ed on
    the first question only (10,000 inputs: 0.03 s), which most runs never ask."""

    def __init__(self, paths: Iterable[str | None]) -> None:
        self._paths = paths
        self._ids: set[tuple[int, int]] | None = None

    def __contains__(self, st: os.stat_result) -> bool:
        if self._ids is None:
            self._ids = set()
            for p in self._paths:
                if p:
                    with contextlib.suppress(OSError):
                        i = os.stat(p)
                        self._ids.add((i.st_dev, i.st_ino))
        return (st.st_dev, st.st_ino) in self._ids


def own_outputs(out_dir: str | Path, previous: RunState | None, names: Iterable[str]) -> list[str]:
    """The paths of `names` in `out_dir` that are still as the last run wrote them."""
    written = dict(previous.outputs) if previous else {}
    out = []
    for name in names:
        path = os.path.join(out_dir, name)
        with contextlib.suppress(OSError):
            if _as_written(path, written.get(name)):
                out.append(path)
    return out


def without_own_reports(
    found: Iterable[tuple[str, str | None]],
) -> list[tuple[str, str | None]]:
    """`found` (`discover.iter_reflections`) without the ``report.md`` files a run of
    analyze or report left still as written: its folder's run record says so.

    Such a file under a folder read is no reflection, wherever its --out was (the
    folder read itself, a month folder, a subfolder given to the other command): read
    back it was a session dated the day it was generated, holding every attempt it
    reports, and a run into that folder refused to overwrite its own input. One of
    the user's stays an input. Only files of that name cost a look at a record.
    """
    records: dict[str, RunState | None] = {}
    kept = []
    for path, problem in found:
        if problem is None and os.path.basename(path) == "report.md":
            folder = os.path.dirname(path) or "."
            if folder not in records:
                records[folder] = load_run(folder)
            if own_outputs(folder, records[folder], ["report.md"]):
                continue
        kept.append((path, problem))
    return kept


def back_up_foreign_outputs(
    out_dir: str | Path,
    previous: RunState | None,
    names: Iterable[str],
    protect: Iterable[str | None] = (),
) -> list[str]:
    """Copy aside each file about to be replaced that the last run did not write as it
    is now (a file of the user's under an output's name, an output edited since); the
    copies' names, sorted.

    The copy is ``NAME.bak`` (``NAME.1.bak``, … when that exists: an earlier copy is
    never replaced). Left out: history/, whose names are never reused, and the run's
    inputs (`protect`): the write refuses to replace those. A file that cannot be
    copied (unreadable, no room for the copy) raises OSError naming it: it is never
    replaced without one.
    """
    written = dict(previous.outputs) if previous else {}
    inputs = _Inputs(protect)
    copies = []
    for name in names:
        if name.startswith("history/"):
            continue
        path = Path(out_dir, name)
        try:
            output_path(out_dir, name)  # outside --out, or a link: the write refuses it
            st = os.stat(path)
        except (OSError, ValueError):
            continue  # missing, or outside --out: nothing to lose, or the write refuses it
        if not stat.S_ISREG(st.st_mode):
            continue  # not a file: writing it fails and says so
        try:
            ours = _as_written(path, written.get(name))
        except OSError:
            ours = False  # unreadable: copied like any other, and the copy says why not
        if ours or st in inputs:
            continue
        try:
            copy = copy_aside(path)
        except OSError as exc:  # the write would replace it with no copy: stop here
            raise OSError(
                exc.errno,
                f"cannot copy it aside before replacing it ({exc.strerror}); nothing written",
                str(path),
            ) from None
        copies.append(str(copy.relative_to(out_dir)))
    return sorted(copies)


def remove_stale_outputs(
    out_dir: str | Path,
    previous: RunState | None,
    written: Iterable[str],
    protect: Iterable[str | None] = (),
) -> list[str]:
    """Delete what the last run wrote and this run did not (an export format no longer
    asked for, a protocol.patch, impact charts), so the folder never mixes two runs'
    files; the names removed, sorted.

    A file goes only when it is still exactly as the last run wrote it: a file the user
    edited or made is never touched, nor one of this run's inputs (`protect`). history/
    is a log of runs and not in the record.
    """
    if previous is None:
        return []
    keep = set(written)
    base = Path(out_dir).resolve()
    inputs = _Inputs(protect)
    removed = []
    for name, digest in previous.outputs:
        if name in keep:
            continue
        try:
            path = inside(out_dir, name)
            st = os.lstat(Path(out_dir, name))
            if not stat.S_ISREG(st.st_mode) or not _as_written(path, digest):
                continue  # a link is never followed; an edited file is the user's
            if st in inputs:
                continue
            path.unlink()
        except (OSError, ValueError):  # gone, unreadable, or a name outside the folder
            continue
        removed.append(name)
        if path.parent != base:
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # charts/ when this emptied it
    return sorted(removed)


def output_digests(outputs: Mapping[str, bytes]) -> dict[str, str]:
    """The hash the run record keeps of each output but history/'s. hashlib lets other
    threads run while it hashes, so a caller may do this while it writes the files."""
    return {name: _hex(data) for name, data in outputs.items() if not name.startswith("history/")}


def load_run(out_dir: str | Path) -> RunState | None:
    """The last run's record in `out_dir`, or None (missing, unreadable, other version)."""
    try:
        raw = orjson.loads(inside(out_dir, RUN_NAME).read_bytes())
        if raw.get("version") != RUN_VERSION:
            return None
        return RunState(
            fingerprint=raw["fingerprint"],
            inputs=tuple(InputKey(*k) for k in raw["inputs"]),
            outputs=tuple((n, d) for n, d in raw["outputs"]),
            finished=raw["finished"],
            exit_code=int(raw["exit_code"]),
            messages=tuple(raw["messages"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # JSON, not a record
        return None


def unchanged_run(
    out_dir: str | Path,
    fingerprint: str,
    found: list[tuple[str, str | None]],
    state: RunState | None = None,
) -> RunState | None:
    """The last run's record when a new run would write the very same files, else None."""
    state = state if state is not None else load_run(out_dir)
    if state is None or state.fingerprint != fingerprint or len(state.inputs) != len(found):
        return None
    if not all(_same_input(k, p, why) for k, (p, why) in zip(state.inputs, found, strict=True)):
        return None
    for name, digest in state.outputs:
        try:
            if not _as_written(inside(out_dir, name), digest):
                return None
        except (OSError, ValueError):
            return None
    return state


def save_run(
    out_dir: str | Path,
    *,
    fingerprint: str,
    inputs: tuple[InputKey, ...],
    outputs: Mapping[str, bytes],
    finished: str,
    exit_code: int,
    messages: Iterable[str] = (),
    digests: Mapping[str, str] | None = None,
) -> None:
    """Write the record of a finished run (history/ files are not outputs to compare);
    `digests` is `output_digests(outputs)` when the caller has it already."""
    record = {
        "version": RUN_VERSION,
        "fingerprint": fingerprint,
        "finished": finished,
        "exit_code": exit_code,
        "messages": list(messages),
        "outputs": sorted(map(list, (digests or output_digests(outputs)).items())),
        "inputs": [[k.path, k.problem, k.size, k.mtime_ns, k.digest] for k in inputs],
    }
    # orjson: 10,000 inputs' keys encode in 0.5 ms, not json's 6 (and decode in half the time)
    atomic_write(output_path(out_dir, RUN_NAME), orjson.dumps(record) + b"\n")
