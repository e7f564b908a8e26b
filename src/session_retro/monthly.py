"""One month's analysis beside the month before: what `retro report --month` shows.

Pure, like `analysis`: sessions in, a `MonthReport` out. The month's figures are an
ordinary `Analysis` restricted to the month (so every renderer works unchanged), and
`MonthDeltas` says what moved against the previous calendar month: waste share, wasted
minutes, categories new, grown or gone, and recommendations not seen the month before.

Sessions without a date belong to no month: they are left out and counted
(`Analysis.undated_excluded`), never guessed into one.

Example:
    >>> parse_month("2026-02")
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    >>> previous_month("2026-01")
    '2025-12'
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .aggregate import AttemptGroup, Filters, SessionGroup, by_month, filter_sessions
from .analysis import Analysis, analyze
from .classify import Taxonomy
from .frame import sessions_frame
from .model import Session
from .recommend import DEFAULT_THRESHOLD, RankedRecommendation, headline, normalize, same

MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
TREND_MONTHS = 12
"""How many months, ending with the report's, the trend chart shows."""


def parse_month(text: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``; ValueError for anything else (``2026-13``, ``feb``)."""
    m = MONTH_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-02")
    year, month = int(m[1]), int(m[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(month: str) -> str:
    first, _ = parse_month(month)
    return f"{first.year - 1}-12" if first.month == 1 else f"{first.year}-{first.month - 1:02d}"


@dataclass(frozen=True, slots=True)
class Delta:
    """A figure this month and last; `change` is None when either is unknown."""

    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True, slots=True)
class CategoryChange:
    """A waste category that had wasted attempts in either month."""

    key: str
    label: str
    status: str
    """``new`` (none last month), ``gone`` (none this month), ``grown``, ``shrunk`` or
    ``same`` (by stated minutes)."""
    current: float
    """Stated wasted minutes this month (0 when it has no attempts)."""
    previous: float
    current_attempts: int
    previous_attempts: int

    @property
    def change(self) -> float:
        return self.current - self.previous


@dataclass(frozen=True, slots=True)
class MonthDeltas:
    sessions: Delta
    total_minutes: Delta
    wasted_minutes: Delta
    waste_share: Delta
    """Fractions (0.25 = 25%); `change` is in fraction points."""
    categories: tuple[CategoryChange, ...]
    """New first, then grown, shrunk, same, gone; larger changes first within each."""
    new_recommendations: tuple[RankedRecommendation, ...]
    """This month's shown recommendations that match none of last month's."""

    def with_status(self, status: str) -> tuple[CategoryChange, ...]:
        return tuple(c for c in self.categories if c.status == status)

    @property
    def categories_new(self) -> tuple[CategoryChange, ...]:
        return self.with_status("new")

    @property
    def categories_grown(self) -> tuple[CategoryChange, ...]:
        return self.with_status("grown")

    @property
    def categories_gone(self) -> tuple[CategoryChange, ...]:
        return self.with_status("gone")


@dataclass(frozen=True, slots=True)
class MonthReport:
    month: str
    """``YYYY-MM``."""
    previous_month: str
    current: Analysis
    """The month's analysis: an ordinary `Analysis` filtered to the month."""
    previous_sessions: int
    """Sessions dated in the previous month (0: nothing to compare with)."""
    deltas: MonthDeltas | None
    """None when the previous month has no sessions."""
    trend: tuple[SessionGroup, ...]
    """By-month figures of up to `TREND_MONTHS` months ending with this one."""

    @property
    def empty(self) -> bool:
        return self.current.figures.headline.sessions == 0


_STATUS_ORDER = {"new": 0, "grown": 1, "shrunk": 2, "same": 3, "gone": 4}


def category_changes(
    current: tuple[AttemptGroup, ...], previous: tuple[AttemptGroup, ...]
) -> tuple[CategoryChange, ...]:
    cur = {g.key: g for g in current if g.attempts}
    prev = {g.key: g for g in previous if g.attempts}
    rows = []
    for key in cur.keys() | prev.keys():
        c, p = cur.get(key), prev.get(key)
        now = c.minutes.sum if c else 0.0
        before = p.minutes.sum if p else 0.0
        if p is None:
            status = "new"
        elif c is None:
            status = "gone"
        else:
            status = "grown" if now > before else "shrunk" if now < before else "same"
        rows.append(
            CategoryChange(
                key=key,
                label=(c or p).label,
                status=status,
                current=now,
                previous=before,
                current_attempts=c.attempts if c else 0,
                previous_attempts=p.attempts if p else 0,
            )
        )
    rows.sort(key=lambda r: (_STATUS_ORDER[r.status], -abs(r.change), r.label))
    return tuple(rows)


def new_recommendations(
    current: Analysis, previous: Analysis, threshold: float = DEFAULT_THRESHOLD
) -> tuple[RankedRecommendation, ...]:
    """Shown recommendations of `current` that no recommendation of `previous` matches.

    Compared with the rules that merged them (`recommend.same`, or the same
    `recommend.headline`), against all of last month's recommendations, not only the
    ones it showed: a line that ranked 11th last month is not new.
    """
    before = [normalize(r.text) for r in previous.recommendations]
    leads = {headline(r.text) for r in previous.recommendations} if threshold < 100 else set()
    leads.discard(None)
    return tuple(
        r
        for r in current.top_recommendations
        if headline(r.text) not in leads
        and not any(same(normalize(r.text), b, threshold) for b in before)
    )


def month_deltas(
    current: Analysis, previous: Analysis, threshold: float = DEFAULT_THRESHOLD
) -> MonthDeltas:
    hc, hp = current.figures.headline, previous.figures.headline
    return MonthDeltas(
        sessions=Delta(hc.sessions, hp.sessions),
        total_minutes=Delta(hc.total.sum, hp.total.sum),
        wasted_minutes=Delta(hc.wasted.sum, hp.wasted.sum),
        waste_share=Delta(hc.waste_share, hp.waste_share),
        categories=category_changes(current.figures.by_category, previous.figures.by_category),
        new_recommendations=new_recommendations(current, previous, threshold),
    )


def month_report(
    sessions: list[Session],
    month: str,
    *,
    generated: str,
    project: str | None = None,
    taxonomy: Taxonomy | None = None,
    top: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    nears: dict | None = None,
) -> MonthReport:
    """The analysis of `month` (``YYYY-MM``) and its deltas against the month before.

    Both months are analysed the same way (same taxonomy, `top` and merge threshold,
    same `project` filter), so the deltas compare like with like. ValueError for a
    malformed month. `nears`: kept near-duplicate pairs (`analysis.analyze_pieces`).
    """
    first, last = parse_month(month)
    prev = previous_month(month)
    p_first, p_last = parse_month(prev)
    kw = {
        "generated": generated,
        "taxonomy": taxonomy,
        "top": top,
        "threshold": threshold,
        "nears": nears,
    }
    current = analyze(sessions, filters=Filters(first, last, project), **kw)
    before = analyze(sessions, filters=Filters(p_first, p_last, project), **kw)
    upto, _ = filter_sessions(sessions, Filters(until=last, project=project))
    trend = by_month(sessions_frame(upto))
    trend = tuple(g for g in trend if g.key != "undated")[-TREND_MONTHS:]
    has_before = before.figures.headline.sessions > 0
    return MonthReport(
        month=f"{first:%Y-%m}",
        previous_month=prev,
        current=current,
        previous_sessions=before.figures.headline.sessions,
        deltas=month_deltas(current, before, threshold) if has_before else None,
        trend=trend,
    )
