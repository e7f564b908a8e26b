"""Lint rules for reflections: what `retro check` reports (issue 9).

Each rule is a pure function from a parsed `Session` to `Diagnostic`s; `check_session`
runs them all and returns `Problem`s that print as ``file:line: code: message``, the
form editors (vim's errorformat, VS Code problem matchers) and pre-commit show as-is.

The rules are the parser's own warnings (attempts without durations, minutes that
exceed the total, unknown outcomes, a missing or impossible date, broken encodings
and fences) plus what the parser accepts but a reader of the backlog misses: open
action items without a priority, and time tables whose phases do not add up to
their total row.

>>> from session_retro.parse import parse_session
>>> s = parse_session("# X\\n\\n**Date**: 2026-02-02\\n\\n## Action Items\\n\\n- [ ] Add a test\\n", "x.md")
>>> [str(p) for p in check_session(s)]
["x.md:7: action-no-priority: action item 'Add a test' has no priority (add (HIGH), (MEDIUM) or (LOW))"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import model
from .model import Diagnostic, Session
from .terminal import escape_controls

UNREADABLE = "unreadable"
"""Code of a file that could not be read at all (binary, empty, missing, too large)."""


class Problem(model.Problem):
    """One lint finding in one file, printed in lint form with its code (`--ignore`
    takes these); a whole-file finding is printed at line 1, where editors jump."""

    __slots__ = ()

    def __str__(self) -> str:
        # one line per problem, which editors and hooks parse: a newline or other
        # control character in a file's name is shown as \xNN
        source = self.source
        if not source.isprintable():
            source = escape_controls(source, lines=False)
        return f"{source}:{self.line or 1}: {self.code}: {self.message}"


def parser_warnings(session: Session) -> Iterable[Diagnostic]:
    """What the parser could not read or found not to add up, as it said it."""
    return session.warnings


def action_without_priority(session: Session) -> Iterable[Diagnostic]:
    """Open action items with no priority cannot be ranked in the backlog."""
    for item in session.action_items:
        if item.priority is None and not item.done:
            text = item.text if len(item.text) <= 50 else item.text[:49] + "…"
            yield Diagnostic(
                item.line,
                "action-no-priority",
                f"action item '{text}' has no priority (add (HIGH), (MEDIUM) or (LOW))",
            )


def time_table_sum(session: Session) -> Iterable[Diagnostic]:
    """A time table's phases should add up to its total row (within 5% and a minute)."""
    rows = session.time_analysis
    total = next((r for r in rows if r.is_total and r.minutes is not None), None)
    phases = [r.minutes for r in rows if not r.is_total and r.minutes is not None]
    if total is None or not phases:
        return
    got = sum(phases)
    if abs(got - total.minutes) > max(1.0, 0.05 * total.minutes):
        yield Diagnostic(
            total.line,
            "time-table-sum",
            f"phases add up to {got:g} min but the total row says {total.minutes:g} min",
        )


Rule = Callable[[Session], Iterable[Diagnostic]]
RULES: tuple[Rule, ...] = (parser_warnings, action_without_priority, time_table_sum)
"""Every rule, in the order its findings are listed for one line."""


def check_session(session: Session, *, ignore: frozenset[str] = frozenset()) -> list[Problem]:
    """Problems of one parsed file, sorted by line (whole-file findings first)."""
    if session.error:
        if UNREADABLE in ignore:
            return []
        return [Problem(session.source, None, UNREADABLE, session.error)]
    found: list[Problem] = []
    seen: set[tuple[int | None, str, str]] = set()
    for rule in RULES:
        for d in rule(session):
            key = (d.line, d.code, d.message)
            if d.code in ignore or key in seen:
                continue
            seen.add(key)
            found.append(Problem(session.source, d.line, d.code, d.message))
    found.sort(key=lambda p: p.line or 0)  # stable: rule order within a line
    return found


def check_sessions(
    sessions: Iterable[Session], *, ignore: frozenset[str] = frozenset()
) -> list[Problem]:
    """Problems of many files, in the order the files were given."""
    return [p for s in sessions for p in check_session(s, ignore=ignore)]
