"""`index.html`: the Analysis as one self-contained page, through `index.html.j2`.

A view model first (`HtmlPage`: the analysis, its charts as inline SVG, one row and
one anchor per session), then the template, which only loops and formats. The page
needs nothing but itself: CSS is inline, charts are inline SVG, there is no script and
no network fetch.

Safety: the environment autoescapes, so text from reflections (titles, approaches,
root causes, action items, recommendations) can never become markup. The only
unescaped strings are the charts' SVG, which matplotlib wrote and whose text nodes its
XML writer escaped (tests/test_html.py checks both). Links are built only to anchors
of this page, never from URLs found in the reflections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ..aggregate import SessionGroup
from ..analysis import Analysis
from ..backlog.items import ActionRow
from .charts import Chart, chart_file_names, chart_files, draw_charts
from .markdown import filters_text, minutes, percent, ratio
from .templates import environment

TEMPLATE = "index.html.j2"
DEFAULT_TITLE = "Where the agents' time went"


@dataclass(frozen=True, slots=True)
class ChartView:
    name: str
    title: str
    svg: Markup
    """Inline SVG produced by `charts` (ids prefixed by the chart's name)."""
    png: str
    """Path of the PNG copy, relative to the page."""
    svg_file: str
    """Path of the SVG file, relative to the page."""


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session in the page's session index; `anchor` is its element id."""

    anchor: str
    source: str
    title: str | None
    date: str | None
    project: str | None
    result: str
    total_minutes: float | None
    ideal_minutes: float | None
    wasted_minutes: float | None
    waste_share: float | None
    attempts: int
    wasted_attempts: int
    warnings: int


ACTIONS_SHOWN = 30
"""Open action items listed on the page (the backlog's ranking); the rest are counted."""

# Caps that keep a page of 10,000 sessions readable (and quick to write, issue 8); what
# is left out is counted on the page and is in analysis.json or the --export tables.
SESSIONS_SHOWN = 500
"""Rows of the session index: the sessions with the most wasted minutes, by date."""
EVIDENCE_SHOWN = 20
"""Evidence lines under each recommendation."""
REFS_SHOWN = 20
"""Source links under each recurring root cause or lesson."""
WARNINGS_SHOWN = 200
"""Parse warnings (unreadable files are always all listed)."""
SHOWN = {"evidence": EVIDENCE_SHOWN, "refs": REFS_SHOWN, "warnings": WARNINGS_SHOWN}


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """Everything `index.html.j2` shows, ready to loop over."""

    title: str
    a: Analysis
    filters: str
    charts: tuple[ChartView, ...]
    sessions: tuple[SessionRow, ...]
    """The sessions listed (at most `SESSIONS_SHOWN`: the most wasted), by date then source."""
    anchors: dict[str, str]
    """Source -> element id of its row, for listed sessions only: evidence of a session not
    listed shows as ``file:line`` text, never as a link to nowhere."""
    sessions_total: int = 0
    """All analysed sessions (the page may list fewer)."""
    shown: dict[str, int] = field(default_factory=lambda: dict(SHOWN))
    """How many items a long list shows: ``evidence``, ``refs``, ``warnings``."""
    actions: tuple[ActionRow, ...] = ()
    """Open backlog items in the backlog's rank order, at most `ACTIONS_SHOWN`."""
    actions_total: int = 0
    """All open backlog items (the page may show fewer)."""
    month: object | None = None
    """A `monthly.MonthReport` when rendering `retro report --month`, else None."""
    impact: object | None = None
    """The "Did it work?" section's view model (before/after impact of adopted
    recommendations); None renders nothing. The template's ``impact`` block shows it,
    right after the recommendations."""


def anchor_ids(sources: list[str]) -> dict[str, str]:
    """``s-<slug>`` per source, unique even when two paths slug alike.

    >>> anchor_ids(["a/b.md", "a-b.md"])
    {'a/b.md': 's-a-b-md', 'a-b.md': 's-a-b-md-2'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for src in sources:
        base = "s-" + (re.sub(r"[^a-z0-9]+", "-", src.lower()).strip("-") or "session")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        out[src] = anchor
    return out


def _opt(value) -> float | None:
    return None if pd.isna(value) else float(value)


def session_rows(
    a: Analysis, limit: int | None = None
) -> tuple[tuple[SessionRow, ...], dict[str, str]]:
    """Rows of the session index by date then source; with `limit`, only that many of
    the sessions with the most wasted minutes (then by source) are listed."""
    df = a.sessions
    if limit is not None and len(df) > limit:
        df = df.assign(_w=df["wasted_minutes"].fillna(-1.0))
        df = df.sort_values(["_w", "source"], ascending=[False, True], kind="stable")
        df = df.head(limit).drop(columns="_w")
    df = df.assign(_d=df["date"].fillna(pd.Timestamp.max))
    df = df.sort_values(["_d", "source"])
    anchors = anchor_ids(list(df["source"]))
    rows = tuple(
        SessionRow(
            anchor=anchors[r.source],
            source=r.source,
            title=None if pd.isna(r.title) else r.title,
            date=None if pd.isna(r.date) else f"{r.date:%Y-%m-%d}",
            project=None if pd.isna(r.project) else r.project,
            result=str(r.result),
            total_minutes=_opt(r.total_minutes),
            ideal_minutes=_opt(r.ideal_minutes),
            wasted_minutes=_opt(r.wasted_minutes),
            waste_share=_opt(r.waste_share),
            attempts=int(r.attempts),
            wasted_attempts=int(r.wasted_attempts),
            warnings=int(r.warnings),
        )
        for r in df.itertuples(index=False)
    )
    return rows, anchors


def open_actions(a: Analysis, limit: int | None = None) -> tuple[tuple[ActionRow, ...], int]:
    """The first `limit` open backlog items of the analysed sessions (`Analysis.open_items`)
    and how many there are."""
    return a.open_items[:limit], len(a.open_items)


def analysis_charts(
    a: Analysis, trend: tuple[SessionGroup, ...] | None = None, memo: str | None = None
) -> tuple[Chart, ...]:
    """The page's charts; `trend` replaces the analysis' own months (monthly report);
    `memo` is the run's cache, where charts drawn before are kept (`draw_charts`)."""
    return draw_charts(
        a.figures.by_category,
        a.sessions,
        a.attempts,
        a.figures.by_month if trend is None else trend,
        memo,
    )


def html_page(
    a: Analysis,
    charts: tuple[Chart, ...],
    *,
    title: str = DEFAULT_TITLE,
    month=None,
    impact=None,
) -> HtmlPage:
    """The view model of one page; `month` and `impact` are optional extra sections."""
    rows, anchors = session_rows(a, SESSIONS_SHOWN)
    actions, actions_total = open_actions(a, ACTIONS_SHOWN)
    return HtmlPage(
        title=title,
        a=a,
        filters=filters_text(a),
        charts=tuple(
            ChartView(
                c.name,
                c.title,
                # the one unescaped string: SVG matplotlib wrote, its text XML-escaped
                Markup(c.inline_svg),
                f"charts/{c.name}.png",
                f"charts/{c.name}.svg",
            )
            for c in charts
        ),
        sessions=rows,
        anchors=anchors,
        sessions_total=len(a.sessions),
        actions=actions,
        actions_total=actions_total,
        month=month,
        impact=impact,
    )


def signed(value: float | None, unit: str = "") -> str:
    """``+12``, ``−3.5``, ``±0`` (a real minus sign), ``—`` when unknown."""
    if value is None:
        return "—"
    v = round(float(value), 1)
    if v == 0:
        return f"±0{unit}"
    return f"{'+' if v > 0 else '−'}{abs(v):g}{unit}"


def points(value: float | None) -> str:
    """A change of a share, in percentage points: ``+5 pp``."""
    return "—" if value is None else signed(round(100 * value), " pp")


def hours(value: float | None) -> str:
    return "—" if value is None else f"{float(value) / 60:.1f}"


def trend_class(change: float | None) -> str:
    """CSS class of a change in waste: more is bad (``delta-up``), less is good."""
    if change is None or round(float(change), 4) == 0:
        return ""
    return "delta-up" if change > 0 else "delta-down"


def bar_width(share: float | None) -> str:
    """A share as the inline bars' ``--w`` factor (``0.375``), 0 when unknown."""
    return f"{round(float(share or 0), 3):g}"


def render_html(page: HtmlPage, templates: str | Path | None = None) -> str:
    env = environment(templates, autoescape=True)
    env.filters.update(
        minutes=minutes,
        percent=percent,
        ratio=ratio,
        signed=signed,
        points=points,
        hours=hours,
        trend_class=trend_class,
        bar_width=bar_width,
    )
    a = page.a
    return env.get_template(TEMPLATE).render(
        page=page, a=a, h=a.figures.headline, f=a.figures, m=page.month, impact=page.impact
    )


def page_names(charts: list[str]) -> list[str]:
    """The names `html_files` gives its files, for charts of these names."""
    return ["index.html", *(f for name in charts for f in chart_file_names(name))]


def html_files(
    a: Analysis,
    templates: str | Path | None = None,
    *,
    title: str = DEFAULT_TITLE,
    month=None,
    trend: tuple[SessionGroup, ...] | None = None,
    impact=None,
    memo: str | None = None,
    charts: tuple[Chart, ...] | None = None,
) -> dict[str, bytes]:
    """``index.html`` and ``charts/<name>.svg|png`` for `export.tables.write_outputs`.

    `charts`: the page's charts (those of `analysis_charts`) when drawn already; else
    they are drawn here, `memo` being the run's cache path, or None to draw them all.
    """
    if charts is None:
        charts = analysis_charts(a, trend, memo)
    page = html_page(a, charts, title=title, month=month, impact=impact)
    return {"index.html": render_html(page, templates).encode("utf-8"), **chart_files(charts)}
