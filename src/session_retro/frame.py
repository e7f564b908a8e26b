"""Parsed sessions as three tidy pandas tables: sessions, attempts, action items.

The columns and dtypes of each table are declared once, here (`SESSION_COLUMNS`,
`ATTEMPT_COLUMNS`, `ACTION_COLUMNS`); builders only fill them, and a test checks the
declaration against what the builders return. Every later stage (classify, aggregate,
exports, the HTML report, the impact analysis) reads these tables, so their shape is
a contract.

Rules the numbers follow:

* minutes the author did not state stay missing (`pd.NA` in a nullable ``Float64``
  column), never 0; the count of attempts without minutes travels beside the sums;
* waste = minutes of failed and abandoned attempts; partial minutes are their own
  column; productive = minutes of succeeded attempts;
* one row per readable file: a file that could not be read (``Session.error``) is not
  a session and is reported as an error instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from .model import Outcome, Priority, Result, Session

OUTCOME_DTYPE = pd.CategoricalDtype([o.value for o in Outcome])
RESULT_DTYPE = pd.CategoricalDtype([r.value for r in Result])
PRIORITY_DTYPE = pd.CategoricalDtype([p.value for p in Priority], ordered=True)
# Waste categories come from the taxonomy, which is only known at classify time; the
# declared dtype is a plain categorical and classify sets its categories in taxonomy order.
CATEGORY_DTYPE = "category"

SESSION_COLUMNS: dict[str, object] = {
    "source": "string",  # the path as given; the key that joins the three tables
    "title": "string",
    "date": "datetime64[ns]",  # NaT when the reflection states no date
    "month": "string",  # "YYYY-MM", NA without a date
    "project": "string",
    "total_minutes": "Float64",  # as stated by the author
    "ideal_minutes": "Float64",
    "wasted_minutes": "Float64",  # failed + abandoned attempts with stated minutes
    "partial_minutes": "Float64",
    "productive_minutes": "Float64",  # succeeded attempts
    "waste_share": "Float64",  # wasted / total, NA without a stated total
    "total_over_ideal": "Float64",  # total / ideal, NA without both
    "attempts": "Int64",
    "wasted_attempts": "Int64",
    "attempts_without_minutes": "Int64",
    "attempts_before_success": "Int64",  # attempts written before the first success; NA if none succeeded
    "result": RESULT_DTYPE,
    "warnings": "Int64",
}

ATTEMPT_COLUMNS: dict[str, object] = {
    "source": "string",
    "date": "datetime64[ns]",
    "month": "string",
    "project": "string",
    "index": "Int64",  # 1-based position in the session
    "line": "Int64",  # 1-based source line of the attempt
    "approach": "string",
    "minutes": "Float64",  # NA when the text states none
    "minutes_low": "Float64",
    "minutes_high": "Float64",
    "outcome": OUTCOME_DTYPE,
    "is_waste": "boolean",
    "root_cause": "string",
    "should_have": "string",
    "category": CATEGORY_DTYPE,  # waste category (classify fills it for wasted attempts)
    "rule": "string",  # the taxonomy rule that decided the category
}

ACTION_COLUMNS: dict[str, object] = {
    "source": "string",
    "date": "datetime64[ns]",
    "month": "string",
    "project": "string",
    "line": "Int64",
    "text": "string",
    "priority": PRIORITY_DTYPE,
    "done": "boolean",
}


def _typed(rows: list[dict], columns: dict[str, object]) -> pd.DataFrame:
    """A frame with exactly `columns`, in order and with their dtypes, even when empty."""
    return from_columns({name: [r[name] for r in rows] for name in columns}, columns)


def from_columns(values: dict[str, list], columns: dict[str, object]) -> pd.DataFrame:
    """A frame of `columns` from one list of plain values per column (None = missing).

    Each column is built once, straight into its dtype: going through a frame of
    object columns first and converting them afterwards costs twice as much on
    10,000 sessions (issue 8).
    """
    data = {}
    for name, dtype in columns.items():
        col = values[name]
        if str(dtype).startswith("datetime64"):
            data[name] = pd.to_datetime(
                pd.Series(col, dtype=object), format="%Y-%m-%d", errors="coerce"
            ).astype(dtype)
        elif str(dtype) == "category":
            # through object, so a column with no value yet keeps object categories
            data[name] = pd.Series(col, dtype=object).astype(dtype)
        elif dtype == "string":
            data[name] = _strings(col)
        else:
            # pd.array turns None into pd.NA for nullable dtypes (never NaN-then-0)
            data[name] = pd.array(col, dtype=dtype)
    return pd.DataFrame(data, columns=list(columns))


def _strings(values: list) -> pd.api.extensions.ExtensionArray:
    """`pd.array(values, dtype="string")`, built by Arrow straight from the list.

    pandas checks every value in Python first: 43 ms for 65,000 texts against 6 ms,
    and the tables hold ~600,000 at 10,000 sessions (issue 8). Same array (Arrow large
    strings, None as NA); a list holding anything but text or None takes pandas' way,
    which converts or refuses it as it always did.
    """
    try:
        return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
    except (pa.ArrowException, TypeError, ValueError):
        return pd.array(values, dtype="string")


def _month(date: str | None) -> str | None:
    return date[:7] if date and len(date) >= 7 else None


def _sum_stated(values: Iterable[float | None]) -> float | None:
    """Sum of the stated values; None when there is something but nothing is stated.

    An empty group sums to 0 (there was genuinely no such time); a group whose minutes
    are all missing sums to None, so unknown never masquerades as zero.
    """
    values = list(values)
    stated = [v for v in values if v is not None]
    if values and not stated:
        return None
    return float(sum(stated))


def readable(sessions: Iterable[Session]) -> list[Session]:
    """The sessions that were read (no `error`); the frames are built from these."""
    return [s for s in sessions if not s.error]


def session_row(s: Session) -> dict:
    """One row of the sessions table (see `SESSION_COLUMNS`)."""
    waste = [a for a in s.attempts if a.outcome.is_waste]
    partial = [a for a in s.attempts if a.outcome is Outcome.PARTIAL]
    good = [a for a in s.attempts if a.outcome is Outcome.SUCCEEDED]
    wasted = _sum_stated(a.minutes for a in waste)
    total = s.total_minutes
    first_success = next((a.index for a in s.attempts if a.outcome is Outcome.SUCCEEDED), None)
    return {
        "source": s.source,
        "title": s.title,
        "date": s.date,
        "month": _month(s.date),
        "project": s.project,
        "total_minutes": total,
        "ideal_minutes": s.ideal_minutes,
        "wasted_minutes": wasted,
        "partial_minutes": _sum_stated(a.minutes for a in partial),
        "productive_minutes": _sum_stated(a.minutes for a in good),
        "waste_share": wasted / total if wasted is not None and total else None,
        "total_over_ideal": total / s.ideal_minutes if total and s.ideal_minutes else None,
        "attempts": len(s.attempts),
        "wasted_attempts": len(waste),
        "attempts_without_minutes": sum(a.minutes is None for a in s.attempts),
        "attempts_before_success": first_success - 1 if first_success else None,
        "result": s.result.value,
        "warnings": len(s.warnings),
    }


def sessions_frame(sessions: Iterable[Session]) -> pd.DataFrame:
    """One row per readable reflection, columns and dtypes as `SESSION_COLUMNS`."""
    return _typed([session_row(s) for s in readable(sessions)], SESSION_COLUMNS)


def attempts_frame(sessions: Iterable[Session]) -> pd.DataFrame:
    """One row per attempt with its session's keys; `category`/`rule` are left for classify."""
    owners = [s for s in readable(sessions) if s.attempts]
    attempts = [a for s in owners for a in s.attempts]
    cols = _session_keys(owners, [len(s.attempts) for s in owners])
    for name in (
        "index",
        "line",
        "approach",
        "minutes",
        "minutes_low",
        "minutes_high",
        "root_cause",
        "should_have",
    ):
        cols[name] = [getattr(a, name) for a in attempts]
    cols["outcome"] = [a.outcome.value for a in attempts]
    cols["is_waste"] = [a.outcome.is_waste for a in attempts]
    cols["category"] = cols["rule"] = [None] * len(attempts)
    return from_columns(cols, ATTEMPT_COLUMNS)


def _session_keys(sessions: list[Session], repeats: list[int]) -> dict[str, list]:
    """The session key columns (source, date, month, project), each session's values
    repeated for its rows: built per session, not per row."""
    cols: dict[str, list] = {"source": [], "date": [], "month": [], "project": []}
    for s, n in zip(sessions, repeats, strict=True):
        cols["source"] += [s.source] * n
        cols["date"] += [s.date] * n
        cols["month"] += [_month(s.date)] * n
        cols["project"] += [s.project] * n
    return cols


def actions_frame(sessions: Iterable[Session]) -> pd.DataFrame:
    """One row per action item, columns and dtypes as `ACTION_COLUMNS`."""
    owners = [s for s in readable(sessions) if s.action_items]
    items = [it for s in owners for it in s.action_items]
    cols = _session_keys(owners, [len(s.action_items) for s in owners])
    cols["line"] = [it.line for it in items]
    cols["text"] = [it.text for it in items]
    cols["priority"] = [it.priority.value if it.priority else None for it in items]
    cols["done"] = [it.done for it in items]
    return from_columns(cols, ACTION_COLUMNS)
