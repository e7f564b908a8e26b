"""`Analysis`: the one view model every report renders from.

`analyze()` runs the stages in order (filter → frame → classify → aggregate →
recommend) and returns an `Analysis`; the Markdown report, the HTML report (issue 6),
the monthly report and the before/after impact analysis (issue 10) read it and
compute nothing of their own beyond presentation. `analysis_to_dict` is what
`analysis.json` and `history/*.json` hold.

Example:
    >>> from session_retro.collect import collect_sessions
    >>> a = analyze(collect_sessions(["sessions/"]), generated="2026-03-01")  # doctest: +SKIP
    >>> a.figures.headline.sessions, a.recommendations[0].text  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

import pandas as pd

from .aggregate import Figures, Filters, aggregate, filter_sessions
from .classify import Classification, Taxonomy, classify_attempts, load_taxonomy, with_categories
from .frame import actions_frame, attempts_frame, sessions_frame
from .model import Session
from .recommend import (
    DEFAULT_THRESHOLD,
    RankedRecommendation,
    RecurringNote,
    rank_recommendations,
    recurring_notes,
)


@dataclass(frozen=True, slots=True)
class Problem:
    """A parse warning or an unreadable file, shown as ``file:line: message``."""

    source: str
    line: int | None
    code: str
    """``error`` for an unreadable file, else the parser's diagnostic code."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything a report shows, computed once.

    Frames are pandas tables (columns declared in `frame`); every other field is a
    frozen record, so templates only loop and format. Minutes are as the authors stated
    them; a figure that could not be computed is None, never 0.
    """

    generated: str
    """When the analysis ran, injected by the caller (the CLI honours SOURCE_DATE_EPOCH)
    so reports are byte-stable under test."""
    filters: Filters
    taxonomy: Taxonomy
    files_read: int
    """Reflection files found (readable or not), after filtering."""
    errors: tuple[Problem, ...]
    """Files that could not be read; they count in `files_read` but not as sessions."""
    warnings: tuple[Problem, ...]
    """Parse warnings of readable files, by source then line."""
    files_with_warnings: int
    undated_excluded: int
    """Sessions left out by --since/--until because they state no date."""
    figures: Figures
    """Headline, time-analysis tables (category, outcome, project, month), worst sessions."""
    classifications: tuple[Classification, ...]
    """One per wasted attempt: its category and the rule matches behind it."""
    recommendations: tuple[RankedRecommendation, ...]
    """All merged recommendations, ranked; `top` says how many a report shows."""
    top: int
    root_causes: tuple[RecurringNote, ...]
    """Most recurrent root causes (near-duplicates merged)."""
    lessons: tuple[RecurringNote, ...]
    sessions: pd.DataFrame = field(compare=False, repr=False)
    """One row per session (`frame.SESSION_COLUMNS`)."""
    attempts: pd.DataFrame = field(compare=False, repr=False)
    """One row per attempt, categories filled (`frame.ATTEMPT_COLUMNS`)."""
    actions: pd.DataFrame = field(compare=False, repr=False)
    """One row per action item (`frame.ACTION_COLUMNS`)."""

    @property
    def top_recommendations(self) -> tuple[RankedRecommendation, ...]:
        return self.recommendations[: self.top]


def problems_of(sessions: list[Session]) -> tuple[tuple[Problem, ...], tuple[Problem, ...]]:
    """(errors, warnings) of the sessions, sorted by file and line."""
    errors = tuple(Problem(s.source, None, "error", s.error) for s in sessions if s.error)
    warnings = tuple(
        Problem(s.source, w.line, w.code, w.message)
        for s in sessions
        if not s.error
        for w in sorted(s.warnings, key=lambda w: (w.line or 0, w.code, w.message))
    )
    return errors, warnings


def analyze(
    sessions: list[Session],
    *,
    generated: str,
    filters: Filters | None = None,
    taxonomy: Taxonomy | None = None,
    top: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    worst: int = 5,
) -> Analysis:
    """The whole analysis of `sessions` (from `collect.collect_sessions`). Pure."""
    filters = filters or Filters()
    taxonomy = taxonomy or load_taxonomy()
    kept, undated = filter_sessions(sessions, filters)
    kept = sorted(kept, key=lambda s: s.source)
    sdf = sessions_frame(kept)
    classifications = classify_attempts(kept, taxonomy)
    adf = with_categories(attempts_frame(kept), classifications, taxonomy)
    errors, warnings = problems_of(kept)
    return Analysis(
        generated=generated,
        filters=filters,
        taxonomy=taxonomy,
        files_read=len(kept),
        errors=errors,
        warnings=warnings,
        files_with_warnings=len({w.source for w in warnings}),
        undated_excluded=undated,
        figures=aggregate(kept, sdf, adf, taxonomy, worst=worst),
        classifications=classifications,
        recommendations=rank_recommendations(kept, classifications, taxonomy, threshold=threshold),
        top=top,
        root_causes=recurring_notes(kept, "root_cause", threshold=threshold),
        lessons=recurring_notes(kept, "lesson", threshold=threshold),
        sessions=sdf,
        attempts=adf,
        actions=actions_frame(kept),
    )


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset({str, int, bool, type(None)})
"""Types `_plain` returns as they are (exact types: a str Enum is no leaf)."""


def _fields_plain(value: Any, names: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for n in names:
        v = getattr(value, n)
        out[n] = v if type(v) in _LEAVES else _plain(v)  # no call for a leaf (issue 8)
    return out


def _plain(value: Any) -> Any:
    # exact types first: most values are leaves, and analysis.json of 10,000 sessions
    # holds millions of them (issue 8); subclasses (str Enums) take the full path below
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is float:
        return round(value, 4)
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        return _fields_plain(value, names)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [v if type(v) in _LEAVES else _plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
        return _fields_plain(value, names)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


def analysis_to_dict(a: Analysis) -> dict:
    """The JSON record of an analysis: figures, recommendations and explanations.

    The tables themselves go to the `--export` files; this holds what the report
    shows plus, for every wasted attempt, which rule matched which text.
    """
    return {
        "generated": a.generated,
        "filters": _plain(a.filters),
        "taxonomy": {
            "source": a.taxonomy.source,
            "categories": [
                {"id": c.id, "label": c.label, "mast": c.mast, "protocol_change": c.protocol_change}
                for c in a.taxonomy.categories
            ],
        },
        "files_read": a.files_read,
        "files_with_errors": len(a.errors),
        "files_with_warnings": a.files_with_warnings,
        "undated_excluded": a.undated_excluded,
        "figures": _plain(a.figures),
        "recommendations": _plain(a.top_recommendations),
        "root_causes": _plain(a.root_causes),
        "lessons": _plain(a.lessons),
        "classifications": _plain(a.classifications),
        "errors": [str(p) for p in a.errors],
        "warnings": [str(p) for p in a.warnings],
    }
