"""`Analysis`: the one view model every report renders from.

`analyze()` runs the stages in order and returns an `Analysis`: filter, then map
each session to its pieces (`pieces.pieces_of`: frame rows, classifications, the
lines recommendations and notes are drawn from), then reduce them across sessions
(`reduce_pieces`: aggregate, recommend, recurring notes, open backlog items).
`analyze_pieces()` starts from pieces kept from earlier runs and patched (issue 8):
the same Analysis. The Markdown report, the HTML report (issue 6), the monthly report
and the before/after impact analysis (issue 10) read it and compute nothing of their
own beyond presentation. `analysis_to_dict` is what `analysis.json` and
`history/*.json` hold.

Example:
    >>> from session_retro.collect import collect_sessions
    >>> a = analyze(collect_sessions(["sessions/"]), generated="2026-03-01")  # doctest: +SKIP
    >>> a.figures.headline.sessions, a.recommendations[0].text  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from itertools import starmap
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import orjson
import pandas as pd

from .aggregate import Figures, Filters, aggregate, filter_sessions, keeps
from .backlog.items import DEFAULT_THRESHOLD as ITEM_THRESHOLD
from .backlog.items import ActionRow, merge_rows
from .classify import Classification, Taxonomy, load_taxonomy
from .forked import in_child
from .gcpause import collector_paused
from .model import Priority, Problem, Session
from .near import ITEMS, NOTES, Near, near_for
from .pieces import Pieces, pieces_of, rows, select
from .recommend import (
    DEFAULT_THRESHOLD,
    NOTE_KINDS,
    NoteRows,
    RankedRecommendation,
    RecurringNote,
    notes_of,
    rank_tables,
    recurring_groups,
)


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
    classifications: tuple[Classification | bytes, ...]
    """One per wasted attempt, by source then attempt: its `classify.Classification`
    (its category and the rule matches behind it), or, for a session whose pieces were
    kept from an earlier run, that record as `analysis.json` holds it (compact JSON,
    `encode_record`)."""
    recommendations: tuple[RankedRecommendation, ...]
    """All merged recommendations, ranked; `top` says how many a report shows."""
    top: int
    root_causes: tuple[RecurringNote, ...]
    """Most recurrent root causes (near-duplicates merged)."""
    lessons: tuple[RecurringNote, ...]
    open_items: tuple[ActionRow, ...]
    """The open items of the backlog these sessions' action items make: the items of
    ``retro backlog`` over the same reflections (near-duplicates merged, priority and
    done-ness from every line that wrote the item), in its order. An unprioritised item
    takes no priority from a recommendation here."""
    sessions: pd.DataFrame = field(compare=False, repr=False)
    """One row per session (`frame.SESSION_COLUMNS`)."""
    attempts: pd.DataFrame = field(compare=False, repr=False)
    """One row per attempt, categories filled (`frame.ATTEMPT_COLUMNS`)."""
    actions: pd.DataFrame = field(compare=False, repr=False)
    """One row per action item (`frame.ACTION_COLUMNS`)."""
    encoded: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    """Sections of `analysis.json` encoded already, by key (``recommendations``,
    ``root_causes``, ``lessons``: compact JSON of what `analysis_to_dict` holds there),
    when the caller asked `analyze_pieces` for them; spliced in as they are."""

    @property
    def top_recommendations(self) -> tuple[RankedRecommendation, ...]:
        return self.recommendations[: self.top]


def analyze(
    sessions: list[Session],
    *,
    generated: str,
    filters: Filters | None = None,
    taxonomy: Taxonomy | None = None,
    top: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    worst: int = 5,
    nears: dict[str, Near] | None = None,
) -> Analysis:
    """The whole analysis of `sessions` (from `collect.collect_sessions`). Pure but for
    `nears` (see `analyze_pieces`), grown in place."""
    # ~a million objects, freed by reference counts: the collector's passes would only
    # walk them (0.9 s of 10,000 sessions' analysis, issue 8; see gcpause)
    with collector_paused():
        filters = filters or Filters()
        taxonomy = taxonomy or load_taxonomy()
        kept, undated = filter_sessions(sessions, filters)
        return reduce_pieces(
            pieces_of(kept, taxonomy),
            {s.source: s for s in kept if not s.error},
            generated=generated,
            filters=filters,
            undated=undated,
            taxonomy=taxonomy,
            top=top,
            threshold=threshold,
            worst=worst,
            nears=nears,
        )


def analyze_pieces(
    pieces: Pieces,
    sessions: Mapping[str, Session],
    *,
    generated: str,
    filters: Filters | None = None,
    taxonomy: Taxonomy | None = None,
    top: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    worst: int = 5,
    encode: bool = False,
    nears: dict[str, Near] | None = None,
    selected: Callable[[Pieces], object] | None = None,
) -> Analysis:
    """`analyze` of the sessions whose pieces (`pieces.pieces_of`) are `pieces`, made
    with `taxonomy`; `sessions` gives the Session of a source on demand (the report
    details the few with the most wasted minutes). The same Analysis as `analyze`;
    `encode` fills `Analysis.encoded`, in the processes that compute those sections
    (what `retro analyze` writes anyway: 24 of the 44 MB at 10,000 sessions). `nears`
    holds the near-duplicate pairs an earlier run kept, by merge (`near.near_for`); the
    merges grow them by the texts they lack and replay from them. `selected` is called
    with the pieces of the sessions in scope before anything is made of them:
    `retro analyze` starts drawing the timeline there."""
    with collector_paused():
        filters = filters or Filters()
        kept, undated = filter_index(pieces.index, filters)
        pieces = select(pieces, kept)
        if selected is not None:
            selected(pieces)
        return reduce_pieces(
            pieces,
            sessions,
            generated=generated,
            filters=filters,
            undated=undated,
            taxonomy=taxonomy or load_taxonomy(),
            top=top,
            threshold=threshold,
            worst=worst,
            encode=encode,
            nears=nears,
        )


def filter_index(index: pd.DataFrame, filters: Filters) -> tuple[set[str] | None, int]:
    """`aggregate.filter_sessions` over `Pieces.index`: (sources kept, None when all
    are, and how many readable sessions were left out only for having no date)."""
    if not filters.active:
        return None, 0
    kept, undated = set(), 0
    for source, day, project, error in rows(index, ("source", "date", "project", "error")):
        verdict = keeps(day, project, error, filters)
        if verdict is None:
            undated += 1
        elif verdict:
            kept.add(source)
    return kept, undated


def reduce_pieces(
    pieces: Pieces,
    sessions: Mapping[str, Session],
    *,
    generated: str,
    filters: Filters,
    undated: int,
    taxonomy: Taxonomy,
    top: int,
    threshold: float,
    worst: int,
    encode: bool = False,
    nears: dict[str, Near] | None = None,
) -> Analysis:
    """The Analysis of exactly the sessions `pieces` hold (filters already applied);
    `encode`: with `Analysis.encoded`; `nears`: see `analyze_pieces` (grown in place)."""
    sdf, adf, actions = pieces.sessions, pieces.attempts, pieces.actions
    # The figures and recurring notes need nothing the recommendations compute, and the
    # other way round: with a second CPU a forked child does the former while this
    # process ranks (issue 8). Same result either way.
    split = in_child if len(sdf) >= SPLIT_FROM else functools.partial
    if nears is not None:
        for name, rule, at in _MERGES:
            nears[name] = near_for(nears, name, rule, threshold if at is None else at)
    mine = nears or {}
    later = split(_figures_and_notes, sessions, pieces, taxonomy, worst, threshold, mine)
    try:
        waste = adf[adf["is_waste"].fillna(False).astype(bool)]
        recommendations = rank_tables(
            pieces.lines, waste, taxonomy, threshold=threshold, near=mine.get("candidates")
        )
        # while the child works: the rest of what this process makes of the pieces
        encoded = {"recommendations": encode_record(recommendations[:top])} if encode else {}
        index = pieces.index
        errors = tuple(
            Problem(source, None, "error", error)
            for source, error in rows(index, ("source", "error"))
            if error
        )
        warnings = tuple(
            starmap(Problem, rows(pieces.warnings, ("source", "line", "code", "message")))
        )
        classifications = tuple(pieces.classifications["json"].tolist())
    finally:
        figures, causes, learnt, items, grown = later()  # also on failure: the child waits
    if nears is not None:
        nears.update(grown)  # the child's merges grew their own copies
        if not filters.active:  # every session's texts: the forms no merge used go
            for near in nears.values():
                near.prune()
    root_causes, lessons = notes_of(causes, "root_cause"), notes_of(learnt, "lesson")
    if encode:
        encoded.update(root_causes=encode_record(root_causes), lessons=encode_record(lessons))
    open_items = tuple(starmap(ActionRow, items))
    return Analysis(
        generated=generated,
        filters=filters,
        taxonomy=taxonomy,
        files_read=len(index),
        errors=errors,
        warnings=warnings,
        files_with_warnings=len({p.source for p in warnings}),
        undated_excluded=undated,
        figures=figures,
        classifications=classifications,
        recommendations=recommendations,
        top=top,
        root_causes=root_causes,
        lessons=lessons,
        open_items=open_items,
        sessions=sdf,
        attempts=adf,
        actions=actions,
        encoded=encoded,
    )


def _figures_and_notes(
    sessions: Mapping[str, Session],
    pieces: Pieces,
    taxonomy: Taxonomy,
    worst: int,
    threshold: float,
    nears: dict[str, Near],
) -> tuple[Figures, NoteRows, NoteRows, list[tuple], dict[str, Near]]:
    """The figures, the recurring root causes and lessons, and the open backlog items
    (the last three as plain rows: a child sends them back), and the `nears` of those
    merges, grown."""
    figures = aggregate(sessions, pieces.sessions, pieces.attempts, taxonomy, worst=worst)
    lines = pieces.lines
    notes = []
    for kind in ("root_cause", "lesson"):
        of_kind = lines[lines["kind"].isin(NOTE_KINDS[kind])]
        items = list(rows(of_kind, ("source", "line", "text")))
        notes.append(recurring_groups(items, threshold=threshold, near=nears.get(kind)))
    items = open_item_rows(pieces.actions, nears.get("items"))
    grown = {k: nears[k] for k in ("root_cause", "lesson", "items") if k in nears}
    return figures, notes[0], notes[1], items, grown


_MERGES = (
    ("candidates", NOTES, None),
    ("root_cause", NOTES, None),
    ("lesson", NOTES, None),
    ("items", ITEMS, ITEM_THRESHOLD),
)
"""The merges a reduce keeps pairs for: name, rule, threshold (None: the run's)."""


_PRIORITIES = {p.value: p for p in Priority}


def open_item_rows(actions: pd.DataFrame, near: Near | None = None) -> list[tuple]:
    """The open backlog items of an action table (`frame.ACTION_COLUMNS`), ranked, as
    `ActionRow` fields.

    Column by column, missing values as "" then None: 10,000 sessions hold ~40,000
    action items, and a per-value `pd.isna` cost more than the merge.
    """
    paths = actions["source"].tolist()
    lines = actions["line"].tolist()
    texts = actions["text"].tolist()
    merged = merge_rows(
        paths,
        lines,
        [d or None for d in actions["date"].dt.strftime("%Y-%m-%d").fillna("").tolist()],
        texts,
        actions["done"].fillna(False).astype(bool).tolist(),
        [_PRIORITIES.get(p) for p in actions["priority"].tolist()],  # NaN: None
        near=near,
    )
    return [
        (
            texts[m.rows[0]],
            m.priority.value if m.priority else None,
            tuple(zip([paths[i] for i in m.rows], [lines[i] for i in m.rows], strict=True)),
        )
        for m in merged
        if not m.done
    ]


def encode_record(value: Any) -> bytes:
    """`value` as compact JSON, as `analysis.json` writes it (see `_plain`)."""
    return orjson.dumps(_plain(value))


SPLIT_FROM = 500
"""Sessions from which `analyze` builds its tables in a second process: below, the
fork costs about what it saves."""


_LEAVES = frozenset({str, int, bool, type(None)})
"""Types `_plain` returns as they are (exact types: a str Enum is no leaf)."""


@dataclass(frozen=True, slots=True)
class _Record:
    """A record type's two functions, generated from its field annotations (`_record`)."""

    fits: Callable[[Any], bool]
    """Whether orjson writes the record as it is just as `_plain` would make it: every
    float already at 4 places, every other value one orjson writes the same, no _private
    field (orjson leaves those out)."""
    plain: Callable[[Any], Any]
    """The record itself when it fits, else a dict of its fields, each made plain."""
    always: bool
    """It fits whatever its values (only str, int, bool and such records): not tested."""


_RECORDS: dict[type, _Record] = {}


def _plain(value: Any) -> Any:
    """`value` as data orjson writes: floats to 4 places, Enums and dates as text."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is float:
        return round(value, 4)
    record = _RECORDS.get(kind)
    if record is not None:
        return record.plain(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [v if type(v) in _LEAVES else _plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return _record(kind).plain(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(float(value), 4)  # a float subclass (numpy's): orjson writes only floats
    return value


def _record(kind: type) -> _Record:
    """`kind`'s functions, generated once from its annotations (issue 8).

    analysis.json of 10,000 sessions holds 500,000 values; asking each what it is and
    copying every record into a dict took 1.2 s. The annotations say which fields can
    hold a float, a record or anything else, and the floats are at 4 places already
    (sums of stated minutes and rule weights): a record is tested without a call per
    field and, when it fits, left to orjson, which writes a dataclass as its fields in
    order. Annotations that cannot be resolved leave every field to `_plain`.
    """
    try:
        hints = get_type_hints(kind)
    except (NameError, TypeError):
        hints = {}
    namespace: dict[str, Any] = {"_plain": _plain, "_LEAVES": _LEAVES}
    parts = {f.name: _field(hints.get(f.name, Any), f"v.{f.name}", namespace) for f in fields(kind)}
    tests = [test for test, _ in parts.values() if test is not None]
    if any(name.startswith("_") for name in parts):
        tests = ["False"]
    items = ", ".join(f"{name!r}: {expression}" for name, (_, expression) in parts.items())
    source = (
        f"def fits(v):\n    return {' and '.join(tests) or 'True'}\n"
        f"def plain(v):\n    return v if fits(v) else {{{items}}}\n"
    )
    exec(source, namespace)
    record = _RECORDS[kind] = _Record(namespace["fits"], namespace["plain"], not tests)
    return record


def _field(
    hint: Any, value: str, namespace: dict[str, Any], depth: int = 0
) -> tuple[str | None, str]:
    """Python source for one value declared as `hint` (`value` is its source text): a
    test that it fits as it is (None: it always does) and an expression making it plain.

    The `fits` of a record type inside it joins `namespace`.
    """
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        kinds = [a for a in args if a is not type(None)]
        if all(k in _LEAVES for k in kinds):
            return None, value
        if len(kinds) > 1:
            return f"type({value}) in _LEAVES", f"_plain({value})"
        test, expression = _field(kinds[0], value, namespace, depth)
        if test is None:
            return None, value
        return f"({value} is None or {test})", f"(None if {value} is None else {expression})"
    if hint in _LEAVES:
        return None, value
    if hint is float:
        return (
            f"(round({value}, 4) == {value} if type({value}) is float else type({value}) in _LEAVES)",
            f"(round({value}, 4) if type({value}) is float else _plain({value}))",
        )
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = f"e{depth}"
        test, expression = _field(args[0], item, namespace, depth + 1)
        if test is None:
            return None, value
        return f"all({test} for {item} in {value})", f"[{expression} for {item} in {value}]"
    if origin is tuple and args and Ellipsis not in args:
        parts = [_field(a, f"{value}[{i}]", namespace, depth) for i, a in enumerate(args)]
        tests = [test for test, _ in parts if test is not None]
        if not tests:
            return None, value
        return f"({' and '.join(tests)})", f"[{', '.join(e for _, e in parts)}]"
    if is_dataclass(hint):
        record = _record(hint)
        if record.always:
            return None, value
        name = f"fits{len(namespace)}"
        namespace[name] = record.fits
        return f"{name}({value})", f"_plain({value})"
    return f"type({value}) in _LEAVES", f"_plain({value})"


def analysis_to_dict(a: Analysis, compact: bool = False) -> dict:
    """The JSON record of an analysis: figures, recommendations and explanations.

    The tables themselves go to the `--export` files; this holds what the report
    shows plus, for every wasted attempt, which rule matched which text. Records that
    need no conversion (evidence lines) stay records: write it with orjson, which
    writes a dataclass as its fields in order (`export.tables.analysis_json`).
    `compact`: the classifications are spliced in as they are encoded, for orjson
    writing without indentation (10,000 sessions: 30,000 of them, most of the file);
    so are the sections `Analysis.encoded` holds.
    """
    spliced = {k: orjson.Fragment(v) for k, v in a.encoded.items()} if compact else {}
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
        "recommendations": spliced.get("recommendations") or _plain(a.top_recommendations),
        "root_causes": spliced.get("root_causes") or _plain(a.root_causes),
        "lessons": spliced.get("lessons") or _plain(a.lessons),
        "classifications": orjson.Fragment(
            b"["
            + b",".join([c if type(c) is bytes else encode_record(c) for c in a.classifications])
            + b"]"
        )
        if compact
        else [orjson.loads(c) if type(c) is bytes else _plain(c) for c in a.classifications],
        "errors": [str(p) for p in a.errors],
        "warnings": [str(p) for p in a.warnings],
    }
