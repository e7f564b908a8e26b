"""A readable terminal summary of parsed sessions (rich)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import terminal
from ..model import Session


def _m(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def print_sessions_table(sessions: list[Session], console: Console | None = None) -> None:
    console = console or Console(file=terminal.unfiltered(sys.stdout))
    t = Table(title=f"{len(sessions)} reflection(s)")
    for col in (
        "source",
        "date",
        "title",
        "result",
        "total",
        "ideal",
        "attempts",
        "wasted",
        "actions",
        "warnings",
    ):
        t.add_column(col, overflow="fold")
    for s in sessions:
        if s.error:
            error = Text(terminal.shown(f"error: {s.error}"), style="red")
            t.add_row(Text(terminal.shown(s.source)), "", error, "", "", "", "", "", "", "")
            continue
        wasted = sum(a.minutes or 0 for a in s.attempts if a.outcome.is_waste)
        # Text, not str: a str cell is rich markup, and a title holding "[/b]" raised;
        # shown: a title holding ESC[2J cleared the terminal
        t.add_row(
            Text(terminal.shown(s.source)),
            s.date or "—",
            Text(terminal.shown(s.title or "—")),
            s.result.value,
            _m(s.total_minutes),
            _m(s.ideal_minutes),
            str(len(s.attempts)),
            _m(wasted),
            str(len(s.action_items)),
            str(len(s.warnings)),
        )
    console.print(t)
