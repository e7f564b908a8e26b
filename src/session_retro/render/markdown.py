"""`report.md`: the Analysis as Markdown, through the `report.md.j2` template.

The template only loops and formats; the filters below are the whole formatting
vocabulary, so the HTML report can reuse them and a user's `--templates` override has
the same tools. Output is deterministic: everything in the view model is sorted, and
the only time shown is the injected `Analysis.generated`.
"""

from __future__ import annotations

from pathlib import Path

from ..analysis import Analysis
from .templates import environment

TEMPLATE = "report.md.j2"

EVIDENCE_SHOWN = 20
"""Evidence lines under each recommendation; the rest are counted. The same cap as
index.html's (`render.html.EVIDENCE_SHOWN`): both pages are the same report."""
REFS_SHOWN = 20
"""Source references after each recurring root cause or lesson; the rest are counted."""
WARNINGS_SHOWN = 200
"""Parse warnings listed (unreadable files are always all listed); all are in analysis.json."""


def minutes(value: float | None) -> str:
    """``12``, ``7.5``, or ``—`` for a value the authors did not state."""
    if value is None:
        return "—"
    value = round(float(value), 1)
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}×"


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks."""
    text = "—" if value is None or value == "" else str(value)
    return " ".join(text.replace("|", "\\|").split())


def filters_text(a: Analysis) -> str:
    f = a.filters
    parts = []
    if f.since:
        parts.append(f"since {f.since.isoformat()}")
    if f.until:
        parts.append(f"until {f.until.isoformat()}")
    if f.project:
        parts.append(f"project {f.project}")
    return ", ".join(parts)


def render_markdown(analysis: Analysis, templates: str | Path | None = None, impact=None) -> str:
    """report.md; `impact` is the "Did it work?" section (`render.impact_chart.ImpactSection`)."""
    env = environment(templates)
    env.filters.update(minutes=minutes, percent=percent, ratio=ratio, cell=cell)
    return env.get_template(TEMPLATE).render(
        a=analysis,
        h=analysis.figures.headline,
        f=analysis.figures,
        filters=filters_text(analysis),
        impact=impact,
        evidence_shown=EVIDENCE_SHOWN,
        refs_shown=REFS_SHOWN,
        warnings_shown=WARNINGS_SHOWN,
    )
