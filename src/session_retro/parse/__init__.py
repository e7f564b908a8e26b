"""Clean text to a `Session`: the reflection parser.

`parse_session` is pure: text in, record out. It never raises on content; what it
cannot interpret becomes a warning with a line number.

>>> s = parse_session("# Session Reflection: Fix CI (20 min)\\n\\n### Attempt 1: Retry (5 min) ❌\\n", "x.md")
>>> s.title, s.attempts[0].approach, s.attempts[0].minutes
('Fix CI', 'Retry', 5.0)
"""

from __future__ import annotations

import re

from ..model import ActionItem, Attempt, Diagnostic, Outcome, Priority, Result, Session, TotalSource
from .actions import extract_actions
from .attempts import extract_attempts
from .blocks import parse_blocks
from .dates import invalid_dates
from .meta import extract_meta, find_ideal, parse_front_matter
from .notes import (
    extract_key_takeaway,
    extract_lessons,
    extract_recommendations,
    extract_root_causes,
    extract_time_analysis,
    extract_went_right,
)
from .sections import build_sections

PARSER_VERSION = "1"

__all__ = ["PARSER_VERSION", "parse_session"]


def _ideal(root, text: str) -> float | None:
    for sec in root.walk():
        if sec.has("ideal"):
            from .fields import iter_fields
            from .durations import find_duration

            for f in iter_fields(list(sec.all_blocks())):
                if re.match(r"^\W*total", f.label, re.I):
                    d = find_duration(f.value, clock=False)
                    if d:
                        return d.minutes
    return find_ideal(text)


def parse_session(text: str, source: str, *, project: str | None = None) -> Session:
    """Parse one reflection. `project` is the fallback (usually the folder name)."""
    blocks = parse_blocks(text)
    front: dict[str, str] = {}
    if blocks and blocks[0].kind == "front_matter":
        front = parse_front_matter(blocks[0].text)
    root = build_sections(blocks)
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    meta = extract_meta(root, front, name)
    warnings: list[Diagnostic] = []

    end_clock = None
    if meta.ended_at:
        end_clock = (int(meta.ended_at[11:13]), int(meta.ended_at[14:16]))
    raw_attempts = extract_attempts(root, end_clock)
    attempts = []
    for i, a in enumerate(raw_attempts, 1):
        d = a.duration
        attempts.append(
            Attempt(
                index=i,
                approach=a.approach,
                minutes=d.minutes if d else None,
                minutes_low=d.low if d else None,
                minutes_high=d.high if d else None,
                duration_text=d.text if d else None,
                outcome=Outcome(a.outcome),
                root_cause=a.root_cause,
                should_have=a.should_have,
                line=a.line,
            )
        )
        if d is None:
            warnings.append(Diagnostic(a.line, "attempt-no-duration", f"attempt {i} ({a.approach[:40]}) states no duration"))
        if a.outcome == "unknown":
            warnings.append(Diagnostic(a.line, "attempt-unknown-outcome", f"attempt {i} has no clear outcome (add ✅/❌ or a Result line)"))

    actions = tuple(
        ActionItem(a.text, Priority(a.priority) if a.priority else None, a.done, a.line)
        for a in extract_actions(root)
    )
    time_rows = tuple(extract_time_analysis(root))

    total = meta.total
    total_source = TotalSource(meta.total_source) if meta.total_source else None
    total_minutes = total.minutes if total else None
    if total_minutes is None:
        tot_row = next((r for r in time_rows if r.is_total and r.minutes), None)
        if tot_row:
            total_minutes, total_source = tot_row.minutes, TotalSource.TIME_TABLE

    # What does not add up.
    stated = [a.minutes for a in attempts if a.minutes is not None]
    if total_minutes and stated and sum(stated) > total_minutes * 1.05 + 1:
        warnings.append(
            Diagnostic(meta.total_line, "minutes-exceed-total", f"attempt minutes sum to {sum(stated):g}, more than the stated total {total_minutes:g}")
        )
    pcts = [r.percent for r in time_rows if r.percent is not None and not r.is_total]
    if pcts and abs(sum(pcts) - 100) > 5:
        warnings.append(Diagnostic(time_rows[0].line, "percent-sum", f"time-analysis percents sum to {sum(pcts):g}%, not 100%"))
    if meta.date is None:
        warnings.append(Diagnostic(None, "no-date", "no session date found (add a '**Date**: YYYY-MM-DD' line)"))
    for bad in invalid_dates(text):
        warnings.append(Diagnostic(None, "invalid-date", f"{bad} is not a real date"))
    for a in actions:
        if a.priority is None and not a.done:
            pass  # priorities are optional; `retro check` reports them separately

    result = meta.result
    if result is None and attempts:
        last = attempts[-1].outcome
        if any(a.outcome is Outcome.SUCCEEDED for a in attempts):
            result = "success" if last is Outcome.SUCCEEDED else "partial"
        elif all(a.outcome.is_waste for a in attempts):
            result = "failure"
    meta_project = meta.project or project

    return Session(
        source=source,
        title=meta.title,
        title_line=meta.title_line,
        date=meta.date,
        date_line=meta.date_line,
        started_at=meta.started_at,
        ended_at=meta.ended_at,
        project=meta_project,
        tags=meta.tags,
        total_minutes=total_minutes,
        total_source=total_source,
        ideal_minutes=_ideal(root, text),
        result=Result(result) if result else Result.UNKNOWN,
        attempts=tuple(attempts),
        time_analysis=time_rows,
        root_causes=tuple(extract_root_causes(root)),
        lessons=tuple(extract_lessons(root)),
        went_right=tuple(extract_went_right(root)),
        recommendations=tuple(extract_recommendations(root)),
        action_items=actions,
        key_takeaway=extract_key_takeaway(root, blocks),
        warnings=tuple(warnings),
    )
