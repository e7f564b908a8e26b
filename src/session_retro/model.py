"""Records the parser produces. Every stage after `parse` reads these and nothing else.

All records are frozen, slotted and hold tuples, so a parsed session can be shared
between processes, cached and compared without defensive copies. Lines are 1-based
source lines of the cleaned text (front matter included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """How the author judged one attempt."""

    FAILED = "failed"
    ABANDONED = "abandoned"
    PARTIAL = "partial"
    SUCCEEDED = "succeeded"
    UNKNOWN = "unknown"

    @property
    def is_waste(self) -> bool:
        return self in (Outcome.FAILED, Outcome.ABANDONED)


class Result(StrEnum):
    """How the author judged the whole session."""

    SUCCESS = "success"
    PARTIAL = "partial"
    FAILURE = "failure"
    UNKNOWN = "unknown"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class TotalSource(StrEnum):
    """Where `Session.total_minutes` came from."""

    STATED = "stated"
    """A duration field or sentence in the text ("Duration: ~3 hours")."""
    TIME_RANGE = "time_range"
    """End minus start of a written range ("21:00-22:10")."""
    FRONT_MATTER = "front_matter"
    TIME_TABLE = "time_table"
    """The total row of a time-analysis table."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something the parser could not interpret, or that does not add up."""

    line: int | None
    """1-based line, or None for the whole file."""
    code: str
    """Stable short code, e.g. ``attempt-no-duration``; lint tools key on it."""
    message: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A diagnostic with its file: a parse warning, a lint finding, an unreadable file.

    Printed as reports show it, ``file:line: message`` (``file: message`` for the whole
    file); `check.Problem` prints the lint form with the code.
    """

    source: str
    """The path as given."""
    line: int | None
    """1-based line, or None for the whole file."""
    code: str
    """The diagnostic's code (``attempt-no-duration``); ``error`` or ``unreadable`` for
    a file that could not be read."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Attempt:
    index: int
    """1-based position in the session, in the order written."""
    approach: str
    minutes: float | None
    """Stated minutes (midpoint for a range); None when the text gives none."""
    minutes_low: float | None
    minutes_high: float | None
    duration_text: str | None
    """The duration as written, e.g. ``10-15 min``."""
    outcome: Outcome
    root_cause: str | None
    should_have: str | None
    """What the author says they should have done instead."""
    line: int


@dataclass(frozen=True, slots=True)
class TimeRow:
    """One row of a time-analysis table (phase, minutes, percent)."""

    phase: str
    minutes: float | None
    percent: float | None
    line: int
    is_total: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """A root cause, lesson, or what-went-right line."""

    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Recommendation:
    title: str
    priority: Priority | None
    line: int


@dataclass(frozen=True, slots=True)
class ActionItem:
    text: str
    priority: Priority | None
    done: bool
    line: int


@dataclass(frozen=True, slots=True)
class Session:
    """One reflection file, parsed."""

    source: str
    """The path as the user gave it."""
    title: str | None = None
    title_line: int | None = None
    date: str | None = None
    """``YYYY-MM-DD``."""
    date_line: int | None = None
    started_at: str | None = None
    """ISO ``YYYY-MM-DDTHH:MM:SS`` when a start time is written."""
    ended_at: str | None = None
    project: str | None = None
    tags: tuple[str, ...] = ()
    total_minutes: float | None = None
    total_source: TotalSource | None = None
    ideal_minutes: float | None = None
    result: Result = Result.UNKNOWN
    attempts: tuple[Attempt, ...] = ()
    time_analysis: tuple[TimeRow, ...] = ()
    root_causes: tuple[Note, ...] = ()
    lessons: tuple[Note, ...] = ()
    went_right: tuple[Note, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    key_takeaway: str | None = None
    warnings: tuple[Diagnostic, ...] = ()
    error: str | None = None
    """Set when the file could not be read at all; the other fields are then empty."""
    extra: dict = field(default_factory=dict, compare=False, hash=False)
    """Ingest facts (encoding, repairs); not part of the record's identity."""
