"""The "Did it work?" section's view model and its before/after chart per change.

`impact_section` turns an `impact.ImpactReport` into what the Markdown and HTML
templates show: one row per change with its figures as text, and one chart per change
(each session a dot at its wasted minutes in the category, the median as a bar, p90 as
a dashed line, before and after side by side). Charts follow `render.charts`: the Agg
backend, `Figure` objects, the Okabe-Ito palette and byte-stable SVG+PNG, kept as
``charts/impact-<category>-<YYYY-MM-DD>.svg|png``; matplotlib is imported only when a
chart is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from ..impact import (
    Impact,
    ImpactReport,
    change_label,
    empty_after,
    impact_to_dict,
    report_notes,
)
from .charts import (
    OKABE_ITO,
    Chart,
    Plot,
    _figure,
    _minutes_axis,
    _outputs,
    _style,
    chart_files,
    draw_plots,
)
from .markdown import minutes

SIDE_COLOURS = (OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"])


def chart_name(i: Impact) -> str:
    return f"impact-{i.change.category}-{i.change.date.isoformat()}"


def impact_chart(i: Impact) -> Chart:
    """Wasted minutes per session in the change's category, before and after it."""
    title = f"{i.label}: wasted minutes per session before and after {i.change.date.isoformat()}"
    with _style():
        fig = _figure(3.0)
        ax = fig.add_subplot()
        top = 1.0
        for x, (side, colour) in enumerate(zip((i.before, i.after), SIDE_COLOURS, strict=True)):
            values = list(side.per_session)
            if values:
                # a fixed, evenly spread offset per dot: no randomness, so output is stable
                n = len(values)
                xs = [x + (k - (n - 1) / 2) * min(0.5 / max(n - 1, 1), 0.08) for k in range(n)]
                ax.scatter(xs, values, s=22, color=colour, alpha=0.8, zorder=3, linewidths=0)
                ax.hlines(side.median, x - 0.3, x + 0.3, color=colour, linewidth=3, zorder=2)
                ax.hlines(
                    side.p90, x - 0.3, x + 0.3, color=colour, linewidth=1, linestyle="--", zorder=2
                )
                ax.annotate(
                    f"median {minutes(side.median)} (solid), p90 {minutes(side.p90)} (dashed)",
                    (x + 0.32, side.median),
                    fontsize=8,
                    va="center",
                    annotation_clip=False,
                )
                top = max(top, *values)
        ax.set_xticks(
            [0, 1],
            [
                f"{name}\n{s.start.isoformat()} … {s.end.isoformat()}\n{s.sessions} session(s)"
                for name, s in (("Before", i.before), ("After", i.after))
            ],
        )
        ax.set_xlim(-0.6, 1.9)
        ax.set_ylim(0, top * 1.15)
        _minutes_axis(ax.yaxis)
        ax.set_ylabel("Wasted minutes in the category")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=0)
        t = ax.set_title(f"{i.label}: {i.verdict.value}")
        t.set_parse_math(False)
        return Chart(chart_name(i), title, *_outputs(fig))


@dataclass(frozen=True, slots=True)
class ImpactRow:
    """One change as the templates show it."""

    impact: Impact
    name: str
    """The change as ``category YYYY-MM-DD``."""
    difference: str
    """``−35`` / ``+5`` / ``—``: after − before median."""
    interval: str
    """``[−50, −15]``, or why there is none."""
    alongside: str
    """Other changes inside the same windows, comma-separated ("" when none)."""
    empty_after: str
    """Why the after side is empty, when it is (`impact.empty_after`), else ""."""
    chart: str
    """``charts/<name>.png``, relative to the report."""
    svg: Markup
    """The chart inline, for the HTML page."""


@dataclass(frozen=True, slots=True)
class ImpactSection:
    """The "Did it work?" view model: rows, notes under them, and the charts."""

    report: ImpactReport
    rows: tuple[ImpactRow, ...]
    notes: tuple[str, ...]
    charts: tuple[Chart, ...]


def _signed(v: float | None) -> str:
    if v is None:
        return "—"
    text = minutes(abs(v))
    return "±0" if text == "0" else ("+" if v > 0 else "−") + text


def impact_section(report: ImpactReport, memo: str | None = None) -> ImpactSection:
    """The section of `report`; `memo` is the run's cache, where its charts drawn before
    are kept (`render.charts.draw_plots`), or None to draw them all."""
    plots = tuple(Plot(chart_name(i), impact_chart, (i,)) for i in report.impacts)
    charts = draw_plots(plots, memo, scope="impact")
    rows = tuple(
        ImpactRow(
            impact=i,
            name=change_label(i.change),
            difference=_signed(i.difference),
            interval=(
                f"[{_signed(i.interval[0])}, {_signed(i.interval[1])}]"
                if i.interval
                else f"none (fewer than {report.min_sessions} sessions on a side)"
            ),
            alongside=", ".join(change_label(o) for o in i.alongside),
            empty_after=empty_after(i),
            chart=f"charts/{c.name}.png",
            svg=Markup(c.inline_svg),
        )
        for i, c in zip(report.impacts, charts, strict=True)
    )
    return ImpactSection(report, rows, report_notes(report), charts)


def impact_files(section: ImpactSection) -> dict[str, bytes]:
    """The before/after charts as files (``charts/impact-*.png|svg``)."""
    return chart_files(section.charts)


def impact_json(section: ImpactSection | None) -> dict:
    """The ``impact`` section of `analysis.json`, or nothing when there is none."""
    return {} if section is None else {"impact": impact_to_dict(section.report)}
