"""Backlog items from sessions: stable IDs, near-duplicates merged, ranked.

`gather_items` turns the action items of every session into `BacklogItem`s:

* the same item written in several sessions (rapidfuzz `token_sort_ratio` of the
  normalised texts at or above `threshold`, see `similar`) is one item listing every
  source (``file:line``); the number of distinct sessions is its recurrence count,
  and recurrence raises its rank within its priority;
* its ID is a short blake2b of its normalised text (`item_id`), never its position or a
  file's mtime, so re-running over the same reflections gives the same IDs. IDs already
  in the backlog (`known`: ID -> text) are matched by similarity first, so a typo fixed
  in one reflection keeps the item's ID instead of minting a second one;
* priority: the highest one written on the item across its sources (the parser maps
  HIGH/MEDIUM/LOW, P0-P3 and priority headings), else that of the session's
  recommendation whose title it matches; done as its newest dated source says (an item
  ticked in a later reflection was done then; one listed open again later was
  reopened), or, with no dates, when every source is ticked (``[x]``).

Pure: sessions in, records out.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from ..model import Priority, Session
from ..near import ITEMS, Near, replay_items
from ..recommend import normalize, same

DEFAULT_THRESHOLD = 90.0
"""`similar` score at or above which two action items are the same backlog item.

Stricter than the recommendations' 85: two to-dos of one theme ("Create skill X",
"Create KO Y") are different work, while a recommendation merely restates a theme.
"""


def similar(a: str, b: str) -> float:
    """How alike two normalised item texts are, 0-100.

    `token_sort_ratio`, not the recommendations' `token_set_ratio`: the latter scores
    100 whenever one text's words are a subset of the other's, which would fold
    "Update FP solvers" into "Update other HJB solvers" (two items of one reflection
    in the corpus). A typo or a plural still scores well above 90. The rapidfuzz
    `process` calls below pass the same scorer directly, so they run in C.
    """
    return fuzz.token_sort_ratio(a, b)


PRIORITY_ORDER = (Priority.HIGH, Priority.MEDIUM, Priority.LOW, None)
"""Group order in the backlog; None (no priority stated) last."""


@dataclass(frozen=True, slots=True)
class ActionRow:
    """An open item of the backlog: one action item however many reflections wrote it."""

    text: str
    """The wording shown: the earliest reflection's (as in ``BACKLOG.md``)."""
    priority: str | None
    """``high``, ``medium``, ``low`` or None: the highest any reflection gave it."""
    sources: tuple[tuple[str, int], ...]
    """(source, line) of every line that wrote it, oldest session first."""

    @property
    def source(self) -> str:
        """The earliest source, for templates written when a row was one line."""
        return self.sources[0][0]

    @property
    def line(self) -> int:
        return self.sources[0][1]


@dataclass(frozen=True, slots=True)
class Source:
    """One action-item line in one reflection."""

    path: str
    """The reflection as the user named it (`Session.source`)."""
    line: int
    """1-based line of the item."""
    date: str | None
    """The session's day, ``YYYY-MM-DD``."""
    project: str | None
    text: str
    """The item as written in this reflection."""
    done: bool

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class BacklogItem:
    id: str
    """10 hex digits: blake2b of the normalised text (or the ID it already had)."""
    text: str
    """The wording shown: the earliest source's."""
    priority: Priority | None
    done: bool
    """Its newest dated source is ticked (no dates: every source is)."""
    sources: tuple[Source, ...]
    """Sorted by date, path and line."""
    rank: int = 0
    """1-based position in the backlog: priority, then recurrences, then text."""

    @property
    def recurrences(self) -> int:
        """Distinct sessions the item was written in."""
        return len({s.path for s in self.sources})

    @property
    def projects(self) -> tuple[str, ...]:
        return tuple(sorted({s.project for s in self.sources if s.project}))

    @property
    def first_date(self) -> str | None:
        return min((s.date for s in self.sources if s.date), default=None)


def id_text(text: str) -> str:
    """What an ID is computed from: NFKC, lowercase, no markdown punctuation, one space."""
    return normalize(unicodedata.normalize("NFKC", text))


def item_id(text: str) -> str:
    """The stable ID of an item's text.

    Example:
        >>> item_id("Add a lock timeout") == item_id("  add a **lock** timeout. ")
        True
    """
    return hashlib.blake2b(id_text(text).encode("utf-8"), digest_size=5).hexdigest()


def _priority_of(priorities: Iterable[Priority | None]) -> Priority | None:
    found = {p for p in priorities if p is not None}
    return next((p for p in PRIORITY_ORDER if p in found), None)


def _recommended_priority(session: Session, text: str, threshold: float) -> Priority | None:
    """The priority of the session's recommendation this item belongs to, if any."""
    n = id_text(text)
    best, best_score = None, -1.0
    for r in session.recommendations:
        if r.priority is None:
            continue
        h = id_text(r.title)
        if h and same(n, h, threshold):
            score = fuzz.token_set_ratio(n, h)
            if score > best_score:
                best, best_score = r.priority, score
    return best


def session_sources(
    sessions: Iterable[Session], threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[Source, Priority | None]]:
    """Every action item of the readable `sessions` with its priority (its own, else
    that of the session's recommendation it matches), for `merge_sources`."""
    out = []
    for s in sessions:
        if s.error:
            continue
        for a in s.action_items:
            prio = a.priority or _recommended_priority(s, a.text, threshold)
            out.append((Source(s.source, a.line, s.date, s.project, a.text, a.done), prio))
    return out


def _cluster(norms: list[str], threshold: float, near: Near | None = None) -> list[list[int]]:
    """Greedy groups of normalised texts against each group's first member (see
    `recommend.cluster`): each text joins the head it scores best with by
    `fuzz.token_sort_ratio` (the first of equals), at `threshold` or above.

    Identical normalised texts are looked up in a dict first, so a corpus where most
    items recur costs one fuzzy pass per distinct text, not per line. Each distinct
    text has its words sorted once (`sorted_words`), and heads are scored with
    `fuzz.ratio`, which is token_sort_ratio on such forms: token_sort_ratio sorts both
    texts again on every pair. A real team's items are mostly unique, so every text
    is scored against every head (issue 8): past `_WINDOWS_FROM` distinct texts,
    `_heads_by_window` scores a window of them at once on every CPU. `near`: the pairs
    an earlier run kept (`near.Near`, this rule and threshold), grown by the texts it
    lacks, the groups replayed from them (the same groups).
    """
    firsts = list(dict.fromkeys(norms))  # distinct texts, in first-seen order
    # grown by the texts it lacks; too dense to keep (`Near.grow`): merged as with none
    usable = near is not None and near.rule == ITEMS and near.threshold == threshold
    if usable and near.grow(firsts):
        return replay_items(norms, near)
    forms = [sorted_words(n) for n in firsts]
    if len(forms) < _WINDOWS_FROM:
        group_of = _heads_one_by_one(forms, threshold)
    else:
        group_of = _heads_by_window(forms, threshold)
    groups: list[list[int]] = [[] for _ in range(max(group_of, default=-1) + 1)]
    of_text = dict(zip(firsts, group_of, strict=True))
    for i, n in enumerate(norms):
        groups[of_text[n]].append(i)
    return groups


_WINDOWS_FROM = 1000
"""Distinct texts from which `_cluster` scores them a window at a time."""
_WINDOW = 128
"""Texts scored together against the heads: 40 MB of scores against 40,000 heads."""


def _heads_one_by_one(forms: list[str], threshold: float) -> list[int]:
    """The group of each form (a group is numbered by when its head came)."""
    heads: list[str] = []
    out = []
    for form in forms:
        # the best head (the first of equals), in C
        hit = process.extractOne(form, heads, scorer=fuzz.ratio, score_cutoff=threshold)
        if hit is None:
            out.append(len(heads))
            heads.append(form)
        else:
            out.append(hit[2])
    return out


def _heads_by_window(forms: list[str], threshold: float) -> list[int]:
    """`_heads_one_by_one`, each window of forms scored against the heads before it
    and against itself by `process.cdist` on every CPU; the choices are then made
    form by form, as one by one (the best score, the earliest head among equals)."""
    heads: list[str] = []
    out: list[int] = []
    for start in range(0, len(forms), _WINDOW):
        window = forms[start : start + _WINDOW]
        scores = {"scorer": fuzz.ratio, "score_cutoff": threshold, "workers": -1}
        scores["dtype"] = np.float64  # as extractOne compares: float32 could tie two heads
        before = process.cdist(window, heads, **scores) if heads else None
        within = process.cdist(window, window, **scores)
        new: list[tuple[int, int]] = []  # (row in the window, group) of heads it added
        for r, form in enumerate(window):
            best, best_score = None, -1.0
            if before is not None:
                g = int(np.argmax(before[r]))  # the first of the highest
                if before[r, g] >= threshold:
                    best, best_score = g, before[r, g]
            for row, g in new:
                if within[r, row] >= threshold and within[r, row] > best_score:
                    best, best_score = g, within[r, row]
            if best is None:
                best = len(heads)
                heads.append(form)
                new.append((r, best))
            out.append(best)
    return out


def sorted_words(text: str) -> str:
    """`text`'s words sorted and joined by single spaces: `fuzz.ratio` of two such forms
    is `fuzz.token_sort_ratio` of the texts."""
    return " ".join(sorted(text.split()))


def assign_ids(
    texts: list[tuple[str, ...]], known: Mapping[str, Iterable[str]], threshold: float
) -> list[str]:
    """An ID for each group of texts (first text = the shown one), reusing known IDs.

    Order: a group holding a text whose exact ID is known takes it; then groups take
    the most similar known ID not yet taken (best score first, so the closest text
    wins); the rest mint the ID of their first text. Two groups never share an ID.
    """
    known_norm = {k: [id_text(t) for t in ts if id_text(t)] for k, ts in known.items()}
    out: list[str | None] = [None] * len(texts)
    taken: set[str] = set()
    for g, ts in enumerate(texts):
        for t in ts:
            i = item_id(t)
            if i in known_norm and i not in taken:
                out[g] = i
                taken.add(i)
                break
    flat = [(k, kt) for k, kts in known_norm.items() if k not in taken for kt in kts]
    choices = [sorted_words(kt) for _, kt in flat]  # token_sort_ratio as ratio: see _cluster
    offers: list[tuple[float, int, str]] = []
    for g, ts in enumerate(texts):
        if out[g] is not None:
            continue
        best: dict[str, float] = {}
        for t in ts:
            for _, score, j in process.extract(
                sorted_words(id_text(t)),
                choices,
                scorer=fuzz.ratio,
                score_cutoff=threshold,
                limit=None,
            ):
                k = flat[j][0]
                best[k] = max(best.get(k, 0.0), score)
        offers += [(-score, g, k) for k, score in best.items()]
    for _, g, k in sorted(offers):
        if out[g] is None and k not in taken:
            out[g] = k
            taken.add(k)
    for g, ts in enumerate(texts):
        if out[g] is None:
            i, salt = item_id(ts[0]), 0
            while i in taken or i in known_norm:
                # a 40-bit collision with another text: practically never, but IDs must be unique
                salt += 1
                i = item_id(f"{ts[0]} #{salt}")
            out[g] = i
            taken.add(i)
    return out  # type: ignore[return-value]


def _done(rows: list[int], dates: Sequence[str | None], dones: Sequence[bool]) -> bool:
    """Ticked in the newest dated reflection that lists it; undated: ticked in all."""
    dated = [i for i in rows if dates[i]]
    if dated:
        return dones[max(dated, key=dates.__getitem__)]  # max keeps the first of a tie
    return all(dones[i] for i in rows)


@dataclass(frozen=True, slots=True)
class Merged:
    """One item of `merge_rows`: row numbers of the caller's columns, not `Source`s."""

    id: str
    rows: tuple[int, ...]
    """Its lines, oldest first (date, path, line); the first one's text is shown."""
    priority: Priority | None
    done: bool


def merge_rows(
    paths: Sequence[str],
    lines: Sequence[int],
    dates: Sequence[str | None],
    texts: Sequence[str],
    dones: Sequence[bool],
    priorities: Sequence[Priority | None],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    known: Mapping[str, Iterable[str]] | None = None,
    near: Near | None = None,
) -> list[Merged]:
    """The ranked distinct items among action lines given column by column (row i is
    one line): priority group first, then more recurrences, then the text.

    The one place items are merged: `merge_sources` feeds it the backlog's sources,
    the HTML report the analysis' action table, so both list the same items. Columns,
    not `Source`s: the page reads ~40,000 lines at 10,000 sessions and needs no object
    per line (issue 8). `known` maps IDs the backlog already holds to their texts (the
    original text and the user's wording), so near-identical texts keep their ID.
    """
    # Rows by (date, undated last; path; line), ties in input order: three stable sorts,
    # least significant key first, so no key tuple is built per row.
    days = [d or "9999" for d in dates]
    order = sorted(range(len(days)), key=lines.__getitem__)
    order.sort(key=paths.__getitem__)
    order.sort(key=days.__getitem__)
    # a corpus repeats its items: normalise each distinct text once
    norm_of = {t: id_text(t) for t in dict.fromkeys(texts)}
    kept = [i for i in order if norm_of[texts[i]]]  # nothing left to match on: markup only
    clusters = _cluster([norm_of[texts[i]] for i in kept], threshold, near)
    groups = [[kept[j] for j in g] for g in clusters]
    ids = assign_ids(
        [tuple(dict.fromkeys(texts[i] for i in g)) for g in groups], known or {}, threshold
    )
    items = [
        Merged(iid, tuple(g), _priority_of(priorities[i] for i in g), _done(g, dates, dones))
        for g, iid in zip(groups, ids, strict=True)
    ]
    rank = {p: n for n, p in enumerate(PRIORITY_ORDER)}
    return sorted(
        items,
        key=lambda m: (
            rank[m.priority],
            -len({paths[i] for i in m.rows}),  # recurrences: distinct sessions
            norm_of[texts[m.rows[0]]],
            m.id,
        ),
    )


def merge_sources(
    sources: Iterable[tuple[Source, Priority | None]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    known: Mapping[str, Iterable[str]] | None = None,
    near: Near | None = None,
) -> tuple[BacklogItem, ...]:
    """One ranked BacklogItem per distinct action item among `sources` (see `merge_rows`)."""
    pairs = list(sources)
    srcs = [s for s, _ in pairs]
    merged = merge_rows(
        [s.path for s in srcs],
        [s.line for s in srcs],
        [s.date for s in srcs],
        [s.text for s in srcs],
        [s.done for s in srcs],
        [p for _, p in pairs],
        threshold=threshold,
        known=known,
        near=near,
    )
    return tuple(
        BacklogItem(
            m.id, srcs[m.rows[0]].text, m.priority, m.done, tuple(srcs[i] for i in m.rows), n
        )
        for n, m in enumerate(merged, 1)
    )


def gather_items(
    sessions: Iterable[Session],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    known: Mapping[str, Iterable[str]] | None = None,
    near: Near | None = None,
) -> tuple[BacklogItem, ...]:
    """One ranked BacklogItem per distinct action item across `sessions` (see
    `merge_sources`; `near`: kept pairs, as for `_cluster`)."""
    return merge_sources(
        session_sources(sessions, threshold), threshold=threshold, known=known, near=near
    )
