"""`retro backlog`: action items from every reflection, into the team's backlog once.

Stage modules, data flowing one way:

* `items`: sessions -> ranked `BacklogItem`s with stable IDs, near-duplicates merged;
* `markdown`: read ``BACKLOG.md`` strictly, merge items in without undoing edits;
* `state`: the JSON file beside the backlog (``.BACKLOG.md.retro.json``) remembering
  added, deleted, ticked and issue-created items (format in its docstring);
* `formats`: Jira CSV, JSON, JSON Lines, GitHub issue payloads;
* `github`: ``gh issue create`` for items without an issue yet.

The functions here are the I/O edge the command uses: read the backlog and its state,
write them back (backup first, atomic replace).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..safeio import atomic_write, backup, error_about, inside
from .items import DEFAULT_THRESHOLD, BacklogItem, gather_items, item_id
from .markdown import EMPTY, BacklogDoc, MergeResult, known_texts, merge_backlog, parse_backlog
from .state import BacklogState, Problem, dump_state, read_state, state_path

__all__ = [
    "DEFAULT_THRESHOLD",
    "BacklogDoc",
    "BacklogItem",
    "BacklogState",
    "MergeResult",
    "Problem",
    "Written",
    "check_state_writable",
    "gather_items",
    "item_id",
    "known_texts",
    "merge_backlog",
    "read_backlog",
    "select_items",
    "split_done",
    "state_path",
    "write_backlog",
    "write_state",
]


def real_backlog(path: str | Path) -> Path:
    """The backlog file `path` names: a symbolic link's target (the file the user keeps),
    else `path` as given (so messages name it as given)."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def read_backlog(path: str | Path) -> tuple[BacklogDoc, BacklogState, Problem | None]:
    """The backlog file and its state; EMPTY / empty state when they do not exist yet.

    A backlog that is a symbolic link is the file it points to, and its state sits
    beside that file: where `write_backlog` and `write_state` write them."""
    p = real_backlog(path)
    doc = EMPTY
    if p.exists():
        try:
            data = p.read_bytes()
        except OSError as exc:
            return EMPTY, BacklogState(), Problem(str(p), None, f"cannot read: {exc}")
        parsed, problem = parse_backlog(data, str(p))
        if problem:
            return EMPTY, BacklogState(), problem
        doc = parsed
    state, problem = read_state(state_path(p))
    if problem:
        return doc, BacklogState(), problem
    return doc, state, None


def select_items(
    items: tuple[BacklogItem, ...],
    *,
    priorities: frozenset[str] | None = None,
    open_only: bool = False,
) -> tuple[BacklogItem, ...]:
    """Items of the given priorities (``"none"`` for unprioritised), open ones only if asked."""
    out = []
    for it in items:
        if (
            priorities is not None
            and (it.priority.value if it.priority else "none") not in priorities
        ):
            continue
        if open_only and it.done:
            continue
        out.append(it)
    return tuple(out)


def split_done(
    items: tuple[BacklogItem, ...], doc: BacklogDoc
) -> tuple[tuple[BacklogItem, ...], tuple[BacklogItem, ...]]:
    """(open, done): done when its reflections say so or its backlog line is ticked.

    `--create` files issues for open items only: done work needs no issue, wherever the
    team recorded it (the newest reflection listing it, or the box in the backlog file).
    """
    ticked = {e.id for e in doc.entries if e.done}
    still: list[BacklogItem] = []
    done: list[BacklogItem] = []
    for it in items:
        (done if it.done or it.id in ticked else still).append(it)
    return tuple(still), tuple(done)


@dataclass(frozen=True, slots=True)
class Written:
    backlog: Path | None
    """None when the file's content did not change (nothing written)."""
    backup: Path | None
    state: Path | None
    state_error: OSError | None = None
    """Why the state could not be written after the backlog was (raised by the caller
    once it has said what was written and where the copy is)."""


def _state_file(backlog: str | Path) -> Path:
    """Where the state of `backlog` is written: beside the real backlog (a link's
    target), never through a link that leads out of that folder (`UnsafePath`)."""
    p = real_backlog(backlog)
    return inside(p.resolve().parent, state_path(p).name)


def write_state(backlog: str | Path, state: BacklogState) -> Path | None:
    """Write the state beside `backlog` when it changed; its path, or None."""
    target = _state_file(backlog)
    text = dump_state(state)
    if target.exists() and target.read_text(encoding="utf-8", errors="replace") == text:
        return None
    return atomic_write(target, text)


def check_state_writable(backlog: str | Path) -> Path:
    """The state file beside `backlog`, once a file was made and removed in its folder.

    Raises `UnsafePath` (a link there leading out of the folder) or `OSError` (a
    read-only or full folder) naming the state file. Checked before `gh` creates an
    issue, which only the state then records: an issue created and not recorded would
    be created again by the next run.
    """
    target = _state_file(backlog)
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".probe"
        ):
            pass
    except OSError as exc:
        raise error_about(exc, target) from None
    return target


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_backlog(path: str | Path, result: MergeResult) -> Written:
    """Back up and atomically replace the backlog when it changed, then write the state.

    The backlog goes first: if the state write fails, the next run rebuilds the new
    lines' state from their ID comments instead of mistaking them for deleted ones.
    That failure, once the backlog is replaced, is returned (`Written.state_error`),
    not raised: the caller still names the copy it made.
    """
    p = real_backlog(path)
    new = result.doc.render().encode("utf-8")
    written = kept = None
    old = p.read_bytes() if p.exists() else None
    if new != old and (old is not None or new):
        kept = backup(p)
        mode = p.stat().st_mode & 0o777 if old is not None else _default_mode()
        written = atomic_write(inside(p.resolve().parent, p.name), new)
        # atomic_write's temp file is private (0600); a team's backlog keeps its mode
        written.chmod(mode)
    try:
        return Written(written, kept, write_state(p, result.state))
    except OSError as exc:
        if written is None:
            raise  # nothing replaced: the error says all
        return Written(written, kept, None, exc)
