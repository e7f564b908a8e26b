"""The state file `retro backlog` keeps beside the backlog: what it has seen and done.

``.BACKLOG.md.retro.json`` beside ``BACKLOG.md`` (``.NAME.retro.json`` beside any
``--file NAME``). JSON, keys sorted, so a run that changes nothing rewrites nothing::

    {
      "items": {
        "5d41402abc": {
          "text": "Add a lock timeout to the pipeline",
          "priority": "high",
          "added": "2026-11-30",
          "ticked": "2026-12-02",
          "deleted": "2026-12-05",
          "issue": "https://github.com/o/r/issues/7"
        }
      },
      "version": 1
    }

``text`` is the wording the item was added with (the user may reword the line; both
are used to recognise the item in later runs); ``added`` the day a run wrote it into the backlog file (items only
sent to GitHub have none);
``ticked`` the day a run first saw its box ticked (removed when it is unticked);
``deleted`` the day a run found its line gone (it is never added again); ``issue`` what
``gh issue create`` printed (the issue is never created again). Only ``text`` is
required. `protocol_history.parse_backlog_state` (issue 10) reads ``items`` with
``text`` and ``ticked`` from this file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

VERSION = 1
_FIELDS = ("priority", "added", "ticked", "deleted", "issue")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a backlog or state file cannot be used; nothing is written when one is found."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ItemState:
    id: str
    text: str
    """The wording the item was added with."""
    priority: str | None = None
    added: str | None = None
    """``YYYY-MM-DD``: the run that wrote it into the backlog file."""
    ticked: str | None = None
    """``YYYY-MM-DD``: the first run that saw it ticked."""
    deleted: str | None = None
    """``YYYY-MM-DD``: the first run that found its line gone."""
    issue: str | None = None
    """The created GitHub issue (URL, as `gh` printed it)."""


@dataclass(frozen=True, slots=True)
class BacklogState:
    items: tuple[ItemState, ...] = ()
    """Sorted by ID."""

    def get(self, iid: str) -> ItemState | None:
        return next((i for i in self.items if i.id == iid), None)

    def by_id(self) -> dict[str, ItemState]:
        return {i.id: i for i in self.items}

    def with_items(self, items: dict[str, ItemState]) -> BacklogState:
        return BacklogState(tuple(items[k] for k in sorted(items)))

    def mark(self, iid: str, **changes: str | None) -> BacklogState:
        items = self.by_id()
        items[iid] = replace(items[iid], **changes)
        return self.with_items(items)


def state_path(backlog: str | Path) -> Path:
    """``dir/.NAME.retro.json`` for ``dir/NAME``."""
    p = Path(backlog)
    return p.with_name(f".{p.name}.retro.json")


def parse_state(text: str, path: str) -> tuple[BacklogState | None, Problem | None]:
    """The state in `text`, or a Problem naming the line that cannot be read."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        return None, Problem(
            path, line, f"not valid JSON ({exc}); fix it or move it away to start a fresh state"
        )
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, dict):
        return None, Problem(path, None, 'expected an object with an "items" object')
    out = []
    for iid, v in items.items():
        if not isinstance(v, dict) or not isinstance(v.get("text"), str):
            return None, Problem(path, None, f'item {iid!r} has no "text"')
        fields = {f: v[f] for f in _FIELDS if isinstance(v.get(f), str)}
        out.append(ItemState(iid, v["text"], **fields))
    return BacklogState(tuple(sorted(out, key=lambda i: i.id))), None


def read_state(path: str | Path) -> tuple[BacklogState | None, Problem | None]:
    """The state file at `path` (empty when there is none)."""
    p = Path(path)
    if not p.exists():
        return BacklogState(), None
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, Problem(str(p), None, f"cannot read: {exc}")
    return parse_state(text, str(p))


def dump_state(state: BacklogState) -> str:
    """The file's text: stable (sorted keys, no run timestamps), ending in a newline."""
    items = {}
    for i in state.items:
        d = {"text": i.text}
        d.update({f: getattr(i, f) for f in _FIELDS if getattr(i, f) is not None})
        items[i.id] = d
    return (
        json.dumps(
            {"version": VERSION, "items": items}, ensure_ascii=False, indent=2, sort_keys=True
        )
        + "\n"
    )
