"""`retro report --month`: the month's `report.md` (through `monthly.md.j2`) and `index.html`.

The Markdown template shows what changed against the previous month and then includes
the ordinary `report.md.j2` for the month's own figures, so a user's override of either
template applies here too. The HTML page is `render.html` with the month's deltas and
its trend (up to a year of months ending with this one) passed in.
"""

from __future__ import annotations

from pathlib import Path

from ..monthly import MonthReport
from .charts import chart_files
from .html import html_files, points, signed
from .markdown import cell, filters_text, minutes, percent, ratio
from .templates import environment

TEMPLATE = "monthly.md.j2"


def month_title(report: MonthReport) -> str:
    return f"Where the agents' time went in {report.month}"


def render_month_markdown(
    report: MonthReport, templates: str | Path | None = None, impact=None
) -> str:
    env = environment(templates)
    env.filters.update(
        minutes=minutes, percent=percent, ratio=ratio, cell=cell, signed=signed, points=points
    )
    a = report.current
    return env.get_template(TEMPLATE).render(
        m=report,
        a=a,
        h=a.figures.headline,
        f=a.figures,
        filters=filters_text(a),
        impact=impact,  # report.md.j2's "Did it work?" section (issue 10), or None
    )


def month_files(
    report: MonthReport, templates: str | Path | None = None, impact=None, memo: str | None = None
) -> dict[str, bytes]:
    """``report.md``, ``index.html`` and ``charts/*`` of one month, by name in its folder.

    `impact` is the "Did it work?" section (`render.impact_chart.ImpactSection`) or None;
    `memo` the run's cache path, where charts drawn before are kept (`html.html_files`).
    """
    files = {
        "report.md": render_month_markdown(report, templates, impact).encode("utf-8"),
        **html_files(
            report.current,
            templates,
            title=month_title(report),
            month=report,
            trend=report.trend,
            impact=impact,
            memo=memo,
        ),
    }
    if impact is not None:
        files.update(chart_files(impact.charts))
    return files
