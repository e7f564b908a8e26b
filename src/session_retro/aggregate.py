"""The numbers: where the time went, across sessions and within the worst ones.

Pure functions over the frames (`frame`) with categories filled (`classify`). Nothing
here prints or writes. Durations are skewed (one 3-hour rabbit hole beside ten 5-minute
slips), so every sum travels with its median and 90th percentile, and every sum
travels with how many values were missing from it.

Percentiles use linear interpolation between closest ranks (pandas' default), so the
p90 of 10, 20, 30 is 28.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from .classify import UNCLASSIFIED, Taxonomy
from .frame import readable
from .model import Outcome, Session, TimeRow


@dataclass(frozen=True, slots=True)
class Filters:
    """Which sessions to analyse; applied before anything is counted."""

    since: date | None = None
    """Keep sessions dated on or after this day."""
    until: date | None = None
    """Keep sessions dated on or before this day."""
    project: str | None = None
    """Keep sessions of this project (case-insensitive)."""

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.since, self.until, self.project))


def filter_sessions(sessions: Iterable[Session], filters: Filters) -> tuple[list[Session], int]:
    """(sessions kept, readable sessions left out only because they have no date).

    Unreadable files (`error` set) always pass: they are reported, never counted.
    A session without a date cannot be placed in a --since/--until window, so it is
    left out of a dated run and counted, rather than silently included.
    """
    kept, undated = [], 0
    for s in sessions:
        verdict = keeps(s.date, s.project, s.error, filters)
        if verdict is None:
            undated += 1
        elif verdict:
            kept.append(s)
    return kept, undated


def keeps(day: str | None, project: str | None, error: str | None, filters: Filters) -> bool | None:
    """Whether `filters` keep a session of that date, project and error; None when it
    is left out only because it states no date."""
    if error:
        return True
    if filters.project is not None and (project or "").casefold() != filters.project.casefold():
        return False
    if filters.since or filters.until:
        if not day:
            return None
        d = date.fromisoformat(day[:10])
        if (filters.since and d < filters.since) or (filters.until and d > filters.until):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Stat:
    """A sum with its spread and its gaps."""

    sum: float
    """Sum of the stated values (0 when none are stated: see `missing`)."""
    median: float | None
    p90: float | None
    count: int
    """How many values were stated."""
    missing: int
    """How many values were not stated (left out of sum, median and p90)."""


def stat(values: pd.Series) -> Stat:
    stated = values.dropna().astype(float)
    if stated.empty:
        return Stat(0.0, None, None, 0, int(values.isna().sum()))
    return Stat(
        sum=float(stated.sum()),
        median=float(stated.median()),
        p90=float(stated.quantile(0.9)),
        count=int(stated.size),
        missing=int(values.isna().sum()),
    )


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures a reader sees first. Minutes are as stated by the authors."""

    sessions: int
    """Sessions analysed (every readable reflection that passed the filters)."""
    attempts: int
    wasted_attempts: int
    """Failed or abandoned attempts."""
    total: Stat
    """Session total minutes (per session)."""
    wasted: Stat
    """Wasted minutes per session (failed + abandoned attempts)."""
    partial_minutes: float
    productive_minutes: float
    waste_share: float | None
    """Wasted / total minutes over the sessions that state both; None without any."""
    total_over_ideal: Stat
    """Total / ideal minutes per session that states both."""
    unclassified_minutes: float
    """Wasted minutes no taxonomy rule explains: a prompt to extend the taxonomy."""
    unclassified_attempts: int
    attempts_without_minutes: int
    wasted_attempts_without_minutes: int
    sessions_without_total: int


@dataclass(frozen=True, slots=True)
class AttemptGroup:
    """A row of the by-category or by-outcome table (units: attempts)."""

    key: str
    label: str
    attempts: int
    sessions: int
    minutes: Stat
    """Minutes per attempt in the group."""
    share: float | None
    """Of all wasted minutes (categories) or of all attempt minutes (outcomes)."""
    mast: str | None = None
    protocol_change: str | None = None


@dataclass(frozen=True, slots=True)
class SessionGroup:
    """A row of the by-project or by-month table (units: sessions)."""

    key: str
    sessions: int
    total: Stat
    wasted: Stat
    partial_minutes: float
    waste_share: float | None
    attempts_without_minutes: int


@dataclass(frozen=True, slots=True)
class AttemptLine:
    """One attempt of a worst session, for its own time table."""

    index: int
    line: int
    approach: str
    minutes: float | None
    outcome: str
    category: str | None


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """One of the worst sessions, with its own time tables."""

    source: str
    title: str | None
    date: str | None
    project: str | None
    result: str
    total_minutes: float | None
    ideal_minutes: float | None
    wasted_minutes: float | None
    waste_share: float | None
    attempts: tuple[AttemptLine, ...]
    time_analysis: tuple[TimeRow, ...]
    """The author's own time-analysis table, when the reflection has one."""


@dataclass(frozen=True, slots=True)
class Figures:
    headline: Headline
    by_category: tuple[AttemptGroup, ...]
    """Wasted attempts by category, most minutes first; `unclassified` always present."""
    by_outcome: tuple[AttemptGroup, ...]
    """All attempts by outcome, in Outcome order."""
    by_project: tuple[SessionGroup, ...]
    """Most wasted minutes first."""
    by_month: tuple[SessionGroup, ...]
    """Chronological; sessions without a date under ``undated`` last."""
    worst_sessions: tuple[SessionDetail, ...]


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _waste_share(sessions: pd.DataFrame) -> float | None:
    both = sessions.dropna(subset=["wasted_minutes", "total_minutes"])
    return _share(float(both["wasted_minutes"].sum()), float(both["total_minutes"].sum()))


def headline(sessions: pd.DataFrame, attempts: pd.DataFrame) -> Headline:
    waste = attempts[attempts["is_waste"].fillna(False).astype(bool)]
    unclassified = waste[waste["category"] == UNCLASSIFIED]
    return Headline(
        sessions=len(sessions),
        attempts=len(attempts),
        wasted_attempts=len(waste),
        total=stat(sessions["total_minutes"]),
        wasted=stat(sessions["wasted_minutes"]),
        partial_minutes=float(sessions["partial_minutes"].sum()),
        productive_minutes=float(sessions["productive_minutes"].sum()),
        waste_share=_waste_share(sessions),
        total_over_ideal=stat(sessions["total_over_ideal"]),
        unclassified_minutes=float(unclassified["minutes"].sum()),
        unclassified_attempts=len(unclassified),
        attempts_without_minutes=int(attempts["minutes"].isna().sum()),
        wasted_attempts_without_minutes=int(waste["minutes"].isna().sum()),
        sessions_without_total=int(sessions["total_minutes"].isna().sum()),
    )


def by_category(attempts: pd.DataFrame, taxonomy: Taxonomy) -> tuple[AttemptGroup, ...]:
    waste = attempts[attempts["is_waste"].fillna(False).astype(bool)]
    all_wasted = float(waste["minutes"].sum())
    rows = []
    for cid in taxonomy.ids():
        part = waste[waste["category"] == cid]
        if part.empty and cid != UNCLASSIFIED:
            continue
        cat = taxonomy.get(cid)
        minutes = stat(part["minutes"])
        rows.append(
            AttemptGroup(
                key=cid,
                label=taxonomy.label(cid),
                attempts=len(part),
                sessions=int(part["source"].nunique()),
                minutes=minutes,
                share=_share(minutes.sum, all_wasted),
                mast=cat.mast if cat else None,
                protocol_change=cat.protocol_change if cat else None,
            )
        )
    order = {cid: n for n, cid in enumerate(taxonomy.ids())}
    # unclassified last whatever its size: it is a gap in the taxonomy, not a cause
    rows.sort(key=lambda r: (r.key == UNCLASSIFIED, -r.minutes.sum, -r.attempts, order[r.key]))
    return tuple(rows)


def by_outcome(attempts: pd.DataFrame) -> tuple[AttemptGroup, ...]:
    all_minutes = float(attempts["minutes"].sum())
    rows = []
    for o in Outcome:
        part = attempts[attempts["outcome"] == o.value]
        if part.empty:
            continue
        minutes = stat(part["minutes"])
        rows.append(
            AttemptGroup(
                key=o.value,
                label=o.value,
                attempts=len(part),
                sessions=int(part["source"].nunique()),
                minutes=minutes,
                share=_share(minutes.sum, all_minutes),
            )
        )
    return tuple(rows)


def _session_groups(sessions: pd.DataFrame, key: pd.Series) -> list[SessionGroup]:
    rows = []
    # one grouping pass, not a mask over every row per key (rows keep their order)
    for k, part in sessions.groupby(key, sort=True):
        rows.append(
            SessionGroup(
                key=k,
                sessions=len(part),
                total=stat(part["total_minutes"]),
                wasted=stat(part["wasted_minutes"]),
                partial_minutes=float(part["partial_minutes"].sum()),
                waste_share=_waste_share(part),
                attempts_without_minutes=int(part["attempts_without_minutes"].sum()),
            )
        )
    return rows


def by_project(sessions: pd.DataFrame) -> tuple[SessionGroup, ...]:
    key = sessions["project"].fillna("(none)").astype(str)
    rows = _session_groups(sessions, key)
    rows.sort(key=lambda r: (-r.wasted.sum, r.key))
    return tuple(rows)


def by_month(sessions: pd.DataFrame) -> tuple[SessionGroup, ...]:
    # "undated" sorts after every "YYYY-MM", so chronological order holds
    key = sessions["month"].fillna("undated").astype(str)
    return tuple(_session_groups(sessions, key))


def worst_sessions(
    sessions: Iterable[Session] | Mapping[str, Session],
    sessions_df: pd.DataFrame,
    attempts: pd.DataFrame,
    n: int = 5,
) -> tuple[SessionDetail, ...]:
    """The `n` sessions with the most wasted minutes (ties: larger share, then source).

    `sessions`, or a mapping giving the Session of a source (only those `n` are asked
    for), supplies each one's details."""
    ranked = sessions_df[sessions_df["wasted_minutes"].fillna(0) > 0].copy()
    ranked["_w"] = ranked["wasted_minutes"].astype(float)
    ranked["_s"] = ranked["waste_share"].astype(float).fillna(-1.0)
    ranked = ranked.sort_values(["_w", "_s", "source"], ascending=[False, False, True]).head(n)
    by_source = (
        sessions if isinstance(sessions, Mapping) else {s.source: s for s in readable(sessions)}
    )
    out = []
    for row in ranked.itertuples(index=False):
        s = by_source[row.source]
        mine = attempts[attempts["source"] == row.source]
        cats = {
            int(i): (None if pd.isna(c) else str(c))
            for i, c in zip(mine["index"], mine["category"], strict=True)
        }
        out.append(
            SessionDetail(
                source=s.source,
                title=s.title,
                date=s.date,
                project=s.project,
                result=s.result.value,
                total_minutes=s.total_minutes,
                ideal_minutes=s.ideal_minutes,
                wasted_minutes=float(row.wasted_minutes),
                waste_share=None if pd.isna(row.waste_share) else float(row.waste_share),
                attempts=tuple(
                    AttemptLine(
                        a.index, a.line, a.approach, a.minutes, a.outcome.value, cats.get(a.index)
                    )
                    for a in s.attempts
                ),
                time_analysis=s.time_analysis,
            )
        )
    return tuple(out)


def aggregate(
    sessions: Iterable[Session] | Mapping[str, Session],
    sessions_df: pd.DataFrame,
    attempts_df: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    worst: int = 5,
) -> Figures:
    """All figures of one analysis. `attempts_df` must have categories filled."""
    # only the columns read: each mask and group copies every column it is given
    # (10,000 sessions: 50,000 attempts of 16 columns, a dozen strings; issue 8)
    sessions_df = sessions_df[[c for c in _SESSION_FIGURES if c in sessions_df.columns]]
    attempts_df = attempts_df[[c for c in _ATTEMPT_FIGURES if c in attempts_df.columns]]
    return Figures(
        headline=headline(sessions_df, attempts_df),
        by_category=by_category(attempts_df, taxonomy),
        by_outcome=by_outcome(attempts_df),
        by_project=by_project(sessions_df),
        by_month=by_month(sessions_df),
        worst_sessions=worst_sessions(sessions, sessions_df, attempts_df, worst),
    )


_SESSION_FIGURES = (
    "source",
    "project",
    "month",
    "total_minutes",
    "wasted_minutes",
    "partial_minutes",
    "productive_minutes",
    "total_over_ideal",
    "waste_share",
    "attempts_without_minutes",
)
_ATTEMPT_FIGURES = ("source", "index", "outcome", "minutes", "is_waste", "category")
