"""Did the fix work? One waste category's minutes before and after a protocol change.

A *change* is a day on which a startup-protocol line addressing a waste category
landed (from the protocol file's git history, a ticked backlog item, `--changed
CATEGORY=DATE` or a changes file). For each change this module compares the sessions
of two equal windows around that day:

* before: the `window` days before the change day; after: the change day and the
  `window` − 1 days after it. The change day counts as after: a reflection states its
  day, rarely its hour, and a change written down that day is what the next session
  starts from (``--changed skipped-discovery=2026-10-01`` with the default 30 days
  compares 2026-09-01..09-30 with 2026-10-01..10-30);
* per session, the category's wasted minutes (failed and abandoned attempts in that
  category, stated minutes only, 0 for a session without such waste). Durations are
  skewed, so each side is summarised by its median and p90, never its mean;
* the category's share of all wasted minutes on each side;
* a bootstrap 95% interval for the difference in medians (after − before), from a
  fixed seed so the same data always gives the same interval;
* a verdict read off that interval: improved (entirely below 0), worse (entirely above
  0), no clear change (it contains 0), or too few sessions (fewer than `min_sessions`
  on a side, where no interval and no verdict are given).

It says what changed alongside the change, not that the change caused it: other
changes that landed in the same weeks are listed beside each one. Minutes are the
authors' own estimates, and attempts without a stated duration add nothing to the
sums; both are said beside the figures.

Everything here is pure: the frames come from `frame`/`classify`, the changes from
`protocol_history` or the CLI.

Example:
    >>> parse_changed("flaky-tests=2026-10-15")
    Change(category='flaky-tests', date=datetime.date(2026, 10, 15), source='--changed', text='', where='--changed flaky-tests=2026-10-15', sha=None)
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from .classify import UNCLASSIFIED, Taxonomy
from .recommend import normalize

DEFAULT_WINDOW = 30
"""Days on each side of a change."""
MIN_SESSIONS = 5
"""Fewer sessions than this on a side: no verdict."""
DEFAULT_SEED = 20261001
DEFAULT_RESAMPLES = 2000
DEFAULT_MATCH_THRESHOLD = 85.0
"""Score (rapidfuzz, 0-100) at or above which a protocol line says a target's words."""

SOURCES = ("--changed", "changes file", "backlog", "git")
"""Where a change's day comes from, most explicit first (see `select_changes`)."""

CAVEAT = (
    "Minutes are the authors' own estimates, and attempts without a stated duration add "
    "nothing to the figures. Before and after are the sessions around the change, not a "
    "controlled comparison: other things changed in the same weeks, so a difference is "
    "not proof that the change caused it."
)

_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")


class Verdict(StrEnum):
    IMPROVED = "improved"
    NO_CLEAR_CHANGE = "no clear change"
    WORSE = "worse"
    TOO_FEW = "too few sessions"


class ChangeError(ValueError):
    """A change cannot be read; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class Change:
    """A startup-protocol change addressing one waste category, landed on one day."""

    category: str
    """Taxonomy category id."""
    date: date
    source: str
    """Where the day comes from: one of `SOURCES`."""
    text: str = ""
    """The protocol line or the note that describes the change."""
    where: str = ""
    """``CLAUDE.md@1a2b3c4``, ``sessions/protocol-changes.toml:12``, ``--changed …``."""
    sha: str | None = None
    """The commit that added the line (git only)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A text whose appearance in the protocol means a category's change landed."""

    category: str
    text: str
    kind: str
    """``taxonomy`` (the category's protocol_change) or ``recommendation`` (a ranked title)."""


# ---- reading changes ---------------------------------------------------------------------


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
"""The days a change may land on: its windows (at most `MAX_WINDOW` days each side)
then stay inside the calendar, where 9999-12-31 plus a day would overflow."""

MAX_WINDOW = 36_500
"""Days each side of a change, at most (a century)."""


def parse_day(value: object, what: str) -> date:
    """A day from a TOML date or datetime, or a ``YYYY-MM-DD`` string (an ISO time after
    it is allowed and dropped), between `FIRST_DAY` and `LAST_DAY`; ChangeError naming
    `what` otherwise."""
    day = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str) and (m := _DAY.fullmatch(value.strip())):
        with contextlib.suppress(ValueError):  # 2026-02-30: not a day, said below
            day = date.fromisoformat(m.group(1))
    if day is None:
        raise ChangeError(
            f"{what}: {value!r} is not a day; write it as YYYY-MM-DD, e.g. 2026-10-01"
        )
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ChangeError(
            f"{what}: {day.isoformat()} is not a day a change could land on "
            f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
        )
    return day


def parse_changed(spec: str) -> Change:
    """``CATEGORY=YYYY-MM-DD`` (the `--changed` option) as a Change; ChangeError otherwise."""
    category, sep, day = spec.partition("=")
    if not sep or not category.strip() or not day.strip():
        raise ChangeError(f"{spec!r}: expected CATEGORY=YYYY-MM-DD, e.g. flaky-tests=2026-10-15")
    return Change(
        category.strip(),
        parse_day(day, repr(spec)),
        "--changed",
        where=f"--changed {spec.strip()}",
    )


def _table_lines(text: str) -> list[int]:
    """1-based line of each ``[[change]]`` header, in order (tomllib keeps no positions)."""
    return [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if re.match(r"\s*\[\[\s*change\s*\]\]", line)
    ]


def parse_changes_file(text: str, source: str) -> tuple[tuple[Change, ...], tuple[str, ...]]:
    """Changes from a TOML file, and what could not be read in it (``file:line: …``).

    Shape (the same meaning as ``--changed``; `text` is optional)::

        [[change]]
        category = "flaky-tests"
        date = 2026-10-15
        text = "Re-run a failing test once in isolation before chasing it."
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return (), (f"{source}: not valid TOML: {exc}",)
    raw = data.get("change", [])
    if not isinstance(raw, list):
        return (), (f"{source}: expected [[change]] tables with category and date",)
    # a typo such as [[changes]] would otherwise read as a file with no change at all
    unknown = [f"{source}: unknown {k!r}; the tables are [[change]]" for k in data if k != "change"]
    lines = _table_lines(text)
    out, problems = [], unknown
    for n, item in enumerate(raw):
        where = f"{source}:{lines[n]}" if n < len(lines) else f"{source}: change {n + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("category"), str):
            problems.append(f'{where}: no category; write category = "<taxonomy id>"')
            continue
        try:
            day = parse_day(item.get("date"), where)
        except ChangeError as exc:
            problems.append(str(exc))
            continue
        note = item.get("text")
        out.append(
            Change(
                item["category"].strip(),
                day,
                "changes file",
                text=" ".join(note.split()) if isinstance(note, str) else "",
                where=where,
            )
        )
    return tuple(out), tuple(problems)


def unknown_categories(changes: Iterable[Change], taxonomy: Taxonomy) -> list[str]:
    """Category ids of `changes` the taxonomy does not know, sorted."""
    known = {c.id for c in taxonomy.categories}
    return sorted({c.category for c in changes} - known)


def targets_for(taxonomy: Taxonomy, recommendations: Iterable[object] = ()) -> tuple[Target, ...]:
    """Each category's protocol change, then each ranked recommendation title per category.

    `recommendations` are `recommend.RankedRecommendation`s (anything with ``text`` and
    ``categories``); one addressing no category cannot be measured and is left out.
    """
    out = [
        Target(c.id, c.protocol_change, "taxonomy")
        for c in taxonomy.categories
        if c.protocol_change
    ]
    for r in recommendations:
        for cid in getattr(r, "categories", ()):
            if cid != UNCLASSIFIED and taxonomy.get(cid):
                out.append(Target(cid, r.text, "recommendation"))
    return tuple(out)


def match_score(line: str, target: str) -> float:
    """How far `line` says `target` (0-100)."""
    a, b = normalize(line), normalize(target)
    wa, wb = len(a.split()), len(b.split())
    if not wa or not wb:
        return 0.0
    # token_set_ratio is 100 whenever one text's words are a subset of the other's, so
    # "- Run the tests" would match any long instruction holding those words: the
    # shorter text must carry a fair part of the longer one's words first.
    if min(wa, wb) < 3 or min(wa, wb) < 0.4 * max(wa, wb):
        return float(fuzz.ratio(a, b))
    return float(fuzz.token_set_ratio(a, b))


def matching_categories(
    line: str, targets: Iterable[Target], threshold: float = DEFAULT_MATCH_THRESHOLD
) -> tuple[str, ...]:
    """Categories of the best-scoring targets `line` says (score ≥ `threshold`).

    A recommendation addressing two categories is two targets with the same text, so a
    line saying it is a change for both; categories come in target order.
    """
    scored = [(match_score(line, t.text), t.category) for t in targets]
    best = max((s for s, _ in scored), default=0.0)
    if best < threshold:
        return ()
    return tuple(dict.fromkeys(c for s, c in scored if s == best))


def select_changes(changes: Iterable[Change], taxonomy: Taxonomy) -> tuple[Change, ...]:
    """The changes to measure: per category, those of its most explicit source.

    A category dated with ``--changed`` ignores what the changes file, the backlog or
    git say about it (they usually date the same change differently); within a source,
    several days for one category are several changes. One change per (category, day);
    sorted by day, then taxonomy order. Unknown categories are kept (the caller reports them).
    """
    changes = list(changes)
    rank = {s: n for n, s in enumerate(SOURCES)}
    best: dict[str, int] = {}
    for c in changes:
        r = rank.get(c.source, len(SOURCES))
        best[c.category] = min(best.get(c.category, r), r)
    order = {cid: n for n, cid in enumerate(taxonomy.ids())}
    seen: dict[tuple[str, date], Change] = {}
    for c in changes:
        if rank.get(c.source, len(SOURCES)) == best[c.category]:
            seen.setdefault((c.category, c.date), c)
    return tuple(
        sorted(seen.values(), key=lambda c: (c.date, order.get(c.category, len(order)), c.category))
    )


# ---- before and after --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Side:
    """The sessions of one window, as far as one category is concerned."""

    start: date
    end: date
    """Inclusive."""
    sessions: int
    per_session: tuple[float, ...]
    """The category's wasted minutes of each session in the window, by source."""
    median: float | None
    """Median of `per_session`; None without sessions."""
    p90: float | None
    minutes: float
    """The category's stated wasted minutes in the window."""
    share: float | None
    """Of all stated wasted minutes in the window; None when nothing was wasted."""
    wasted_attempts: int
    """The category's failed or abandoned attempts."""
    attempts_without_minutes: int
    """Attempts of the window's sessions (any outcome) that state no duration."""
    category_attempts_without_minutes: int
    """Of the category's wasted attempts, those without a duration (not in `minutes`)."""


@dataclass(frozen=True, slots=True)
class Impact:
    change: Change
    label: str
    """The category's label."""
    before: Side
    after: Side
    difference: float | None
    """after.median − before.median (negative: less waste after); None if a side is empty."""
    interval: tuple[float, float] | None
    """Bootstrap 95% interval of `difference`; None when a side has too few sessions."""
    verdict: Verdict
    alongside: tuple[Change, ...] = ()
    """Other changes that landed inside the two windows: they may explain a difference too."""


def empty_after(i: Impact) -> str:
    """What to say of a change no session follows yet ("" when some do): its verdict
    reads "too few sessions", which alone would not say why."""
    if i.after.sessions:
        return ""
    return (
        f"no session is dated {i.after.start} … {i.after.end} yet: the after side fills as "
        "reflections are written (or the change's date is wrong)"
    )


@dataclass(frozen=True, slots=True)
class ImpactReport:
    """The "Did it work?" figures: one `Impact` per change, with how they were made."""

    impacts: tuple[Impact, ...]
    """By change date, then taxonomy order."""
    window: int
    min_sessions: int
    seed: int
    resamples: int
    undated_sessions: int
    """Sessions without a date: they cannot be placed before or after anything."""
    attempts: int
    """Attempts of the sessions inside any of the impacts' windows: those behind the
    figures (an attempt outside every window changes none of them)."""
    attempts_without_minutes: int
    """Of `attempts`, those that state no duration."""
    caveat: str = CAVEAT


def _side(
    sessions: pd.DataFrame, attempts: pd.DataFrame, category: str, start: date, end: date
) -> Side:
    """The figures of the window [start, end] (both inclusive) for `category`."""
    days = sessions["date"]
    mine = sessions[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]
    sources = pd.Index(sorted(mine["source"].unique()))
    att = attempts[attempts["source"].isin(sources)]
    waste = att[att["is_waste"].fillna(False).astype(bool)]
    cat = waste[(waste["category"].astype("string") == category).fillna(False).astype(bool)]
    stated = cat["minutes"].astype("float64")  # NA -> NaN, which sum() skips
    per = stated.groupby(cat["source"].astype(object)).sum().reindex(sources, fill_value=0.0)
    values = per.to_numpy(dtype=float)
    all_waste = float(waste["minutes"].astype("float64").sum())
    cat_minutes = float(stated.sum())
    return Side(
        start=start,
        end=end,
        sessions=len(values),
        per_session=tuple(float(v) for v in values),
        median=float(np.median(values)) if len(values) else None,
        p90=float(per.quantile(0.9)) if len(values) else None,  # as aggregate.stat
        minutes=cat_minutes,
        share=cat_minutes / all_waste if all_waste else None,
        wasted_attempts=len(cat),
        attempts_without_minutes=int(att["minutes"].isna().sum()),
        category_attempts_without_minutes=int(cat["minutes"].isna().sum()),
    )


def bootstrap_interval(
    before: np.ndarray | Iterable[float],
    after: np.ndarray | Iterable[float],
    *,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of median(after) − median(before).

    Each side is resampled with replacement from its own sessions, all `resamples` at
    once (one index matrix per side); a fresh generator from `seed` per call makes the
    interval depend only on the data.
    """
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    rng = np.random.default_rng(seed)
    mb = np.median(b[rng.integers(0, len(b), size=(resamples, len(b)))], axis=1)
    ma = np.median(a[rng.integers(0, len(a), size=(resamples, len(a)))], axis=1)
    lo, hi = np.percentile(ma - mb, [2.5, 97.5])
    return float(lo), float(hi)


def verdict_of(interval: tuple[float, float] | None) -> Verdict:
    """improved / worse when the interval excludes 0; too few sessions without one."""
    if interval is None:
        return Verdict.TOO_FEW
    lo, hi = interval
    if hi < 0:
        return Verdict.IMPROVED
    if lo > 0:
        return Verdict.WORSE
    return Verdict.NO_CLEAR_CHANGE


def windows(day: date, window: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """((before start, end), (after start, end)), inclusive, `window` days each."""
    return (
        (day - timedelta(days=window), day - timedelta(days=1)),
        (day, day + timedelta(days=window - 1)),
    )


def measure_change(
    change: Change,
    sessions: pd.DataFrame,
    attempts: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    window: int = DEFAULT_WINDOW,
    min_sessions: int = MIN_SESSIONS,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
    others: Iterable[Change] = (),
) -> Impact:
    """Before/after figures of one change. `attempts` must have categories filled."""
    dated = sessions[sessions["date"].notna()]
    (b0, b1), (a0, a1) = windows(change.date, window)
    before = _side(dated, attempts, change.category, b0, b1)
    after = _side(dated, attempts, change.category, a0, a1)
    enough = before.sessions >= min_sessions and after.sessions >= min_sessions
    interval = (
        bootstrap_interval(before.per_session, after.per_session, seed=seed, resamples=resamples)
        if enough
        else None
    )
    difference = (
        after.median - before.median
        if before.median is not None and after.median is not None
        else None
    )
    return Impact(
        change=change,
        label=taxonomy.label(change.category),
        before=before,
        after=after,
        difference=difference,
        interval=interval,
        verdict=verdict_of(interval),
        alongside=tuple(o for o in others if o != change and b0 <= o.date <= a1),
    )


def measure_impact(
    changes: Iterable[Change],
    sessions: pd.DataFrame,
    attempts: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    window: int = DEFAULT_WINDOW,
    min_sessions: int = MIN_SESSIONS,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
) -> ImpactReport:
    """The whole "Did it work?" section for `changes` over the frames of an analysis.

    Changes to categories the taxonomy does not know are left out (check them first
    with `unknown_categories`).
    """
    known = {c.id for c in taxonomy.categories}
    chosen = tuple(c for c in select_changes(changes, taxonomy) if c.category in known)
    impacts = tuple(
        measure_change(
            c,
            sessions,
            attempts,
            taxonomy,
            window=window,
            min_sessions=min_sessions,
            seed=seed,
            resamples=resamples,
            others=chosen,
        )
        for c in chosen
    )
    report = ImpactReport(
        impacts=(),
        window=window,
        min_sessions=min_sessions,
        seed=seed,
        resamples=resamples,
        undated_sessions=int(sessions["date"].isna().sum()),
        attempts=0,
        attempts_without_minutes=0,
    )
    return only(report, impacts, sessions, attempts)


def only(
    report: ImpactReport, impacts: Iterable[Impact], sessions: pd.DataFrame, attempts: pd.DataFrame
) -> ImpactReport:
    """`report` with just `impacts` (a monthly report shows the changes judged in its
    month), its attempt counts those of the sessions inside their windows.

    A note saying "2 of 65 attempt(s) state no duration" under figures made from 25
    of them would count attempts that change none of the figures.
    """
    impacts = tuple(impacts)
    days = sessions["date"]
    inside = pd.Series(False, index=sessions.index)
    for i in impacts:
        inside |= (days >= pd.Timestamp(i.before.start)) & (days <= pd.Timestamp(i.after.end))
    att = attempts[attempts["source"].isin(sessions.loc[inside, "source"])]
    return replace(
        report,
        impacts=impacts,
        attempts=len(att),
        attempts_without_minutes=int(att["minutes"].isna().sum()),
    )


def report_notes(report: ImpactReport) -> tuple[str, ...]:
    """How the figures were made, and what they cannot say: shown under every table of them."""
    out = [
        f"Windows: the {report.window} days before each change, and the change day with the "
        f"{report.window - 1} days after it. Per side: the sessions in the window, the median and "
        "p90 of the category's wasted minutes per session (0 for a session without such waste), "
        "and the category's share of all wasted minutes.",
        f"Interval: bootstrap 95% interval of the difference in medians ({report.resamples} "
        f"resamples, fixed seed {report.seed}). Improved or worse only when the interval excludes 0; "
        f"with fewer than {report.min_sessions} sessions on a side there is no verdict.",
        f"{report.caveat} {report.attempts_without_minutes} of the {report.attempts} attempt(s) "
        "in these windows state no duration.",
    ]
    if report.undated_sessions:
        out.append(f"{report.undated_sessions} session(s) state no date and are in no window.")
    return tuple(out)


# ---- plain records for JSON and CSV -----------------------------------------------------

CSV_COLUMNS = (
    "category",
    "label",
    "change_date",
    "change_source",
    "change_where",
    "change_sha",
    "change_text",
    "before_start",
    "before_end",
    "before_sessions",
    "before_median",
    "before_p90",
    "before_minutes",
    "before_share",
    "before_wasted_attempts",
    "before_attempts_without_minutes",
    "after_start",
    "after_end",
    "after_sessions",
    "after_median",
    "after_p90",
    "after_minutes",
    "after_share",
    "after_wasted_attempts",
    "after_attempts_without_minutes",
    "difference",
    "interval_low",
    "interval_high",
    "verdict",
    "alongside",
)


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _side_dict(s: Side) -> dict:
    return {
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "sessions": s.sessions,
        "median": _r(s.median),
        "p90": _r(s.p90),
        "minutes": _r(s.minutes),
        "share": _r(s.share),
        "wasted_attempts": s.wasted_attempts,
        "attempts_without_minutes": s.attempts_without_minutes,
        "category_attempts_without_minutes": s.category_attempts_without_minutes,
        "per_session": [_r(v) for v in s.per_session],
    }


def change_label(c: Change) -> str:
    """``skipped-discovery 2026-10-01``: how a change is named beside another."""
    return f"{c.category} {c.date.isoformat()}"


def impact_to_dict(report: ImpactReport) -> dict:
    """The JSON record (``retro impact --format json``, ``analysis.json``'s ``impact``)."""
    return {
        "window_days": report.window,
        "min_sessions": report.min_sessions,
        "bootstrap": {"seed": report.seed, "resamples": report.resamples, "level": 0.95},
        "undated_sessions": report.undated_sessions,
        "attempts": report.attempts,
        "attempts_without_minutes": report.attempts_without_minutes,
        "caveat": report.caveat,
        "impacts": [
            {
                "category": i.change.category,
                "label": i.label,
                "change": {
                    "date": i.change.date.isoformat(),
                    "source": i.change.source,
                    "where": i.change.where,
                    "sha": i.change.sha,
                    "text": i.change.text,
                },
                "before": _side_dict(i.before),
                "after": _side_dict(i.after),
                "difference": _r(i.difference),
                "interval": None if i.interval is None else [_r(v) for v in i.interval],
                "verdict": i.verdict.value,
                "alongside": [change_label(o) for o in i.alongside],
            }
            for i in report.impacts
        ],
    }


def impact_rows(report: ImpactReport) -> list[dict]:
    """One flat row per change, keys `CSV_COLUMNS`."""
    rows = []
    for rec in impact_to_dict(report)["impacts"]:
        row = {
            "category": rec["category"],
            "label": rec["label"],
            **{f"change_{k}": v for k, v in rec["change"].items()},
            **{f"{side}_{k}": v for side in ("before", "after") for k, v in rec[side].items()},
            "difference": rec["difference"],
            "interval_low": rec["interval"][0] if rec["interval"] else None,
            "interval_high": rec["interval"][1] if rec["interval"] else None,
            "verdict": rec["verdict"],
            "alongside": "; ".join(rec["alongside"]),
        }
        rows.append({k: row[k] for k in CSV_COLUMNS})
    return rows
