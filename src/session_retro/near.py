"""Near-duplicate pairs kept between runs, and the greedy merges replayed from them (issue 8).

`recommend.cluster` (recommendations, root causes, lessons) and `backlog.items._cluster`
(action items) merge greedily: each text joins the head it scores best with among the
groups so far. A real team writes its notes in its own words, so nearly every text is a
head and each merge compares every text with every other: 40,000 lines at 4,000
sessions took 14 s, and every re-run paid it again.

A `Near` keeps, for one rule and threshold, every pair of distinct forms (normalized
texts) the rule accepts, with the pair's score. The pairs of two forms do not depend on
any other text, so the next run only scores the forms it has not seen against all the
others (`grow`: one row each, in C++), and the greedy merge is then a replay over the
pairs (`replay_notes`, `replay_items`), linear in the texts and their pairs, which gives
the same groups as the merge from nothing (tests/test_near.py).

Texts near each other in their thousands (one templated line whose number changes)
would hold the square of their count in pairs: past a bound (`_PAIRS_PER_FORM`) a
graph is dense, keeps none, and its merge runs as with no pairs kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

NOTES = "notes"
"""The rule of `recommend.cluster`: `recommend.same`, scored by token_set_ratio."""
ITEMS = "items"
"""The rule of `backlog.items._cluster`: fuzz.ratio of the sorted words, at least the
threshold."""

_ROWS = 256
"""New forms scored together against all forms (a window's bounds: 256 x forms)."""
_COLUMNS = 8192
"""Forms scored against a window's rows at once (scores of 256 x 8,192 pairs: 16 MB)."""
_PAIRS_PER_FORM = 16
_PAIRS_SLACK = 50_000
"""A graph holds at most 16 pairs a form and 50,000 more (~0.1 KB each): a team's own
words give about 1 a form (its form with itself), a phrase pool under 10, a short
line that many longer ones contain 2 for each of those. Only texts that are near each
other in their thousands (one templated line with a number that changes) give the
square of their count: such a graph is dense (`grow`)."""
_FEW = 64
"""Up to this many new forms (a re-run after an edit), `recommend.same` is scored
exactly against every form in C++: cheaper than the bounds' per-form preparation of
every form (0.36 -> 0.1 s against 10,000 forms)."""


@dataclass
class Near:
    """Every pair of distinct forms `rule` accepts at `threshold`, with its score.

    A form is near itself. Forms are only ever added: one the texts no longer hold
    stays, harmless (a replay only looks at the forms of its texts' heads), until a run
    over every session (no filter) uses half the forms or fewer and `prune` drops the
    others.
    """

    rule: str
    threshold: float
    pairs: dict[str, dict[str, float]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set, compare=False)
    """The forms grown by since `near_for` handed it out: the reduce's child sends them
    back with the pairs, `keep_nears` leaves them out."""
    dense: frozenset[str] = frozenset()
    """The forms its pairs outgrew their bound on (`grow`); empty while they have not.
    A dense graph holds no pairs, and while half the forms a run grows it by or more
    are these, grows no more and the merges run as without it; texts mostly other than
    these (the templated lines gone) make it try again."""

    def kept(self) -> Near:
        """This graph as it is kept: its pairs, no record of a run's forms."""
        return Near(self.rule, self.threshold, self.pairs, dense=self.dense)

    def grow(self, forms: list[str]) -> bool:
        """Score each of `forms` the graph lacks against every form it holds and each
        other; whether the merges may replay from the pairs.

        Not when the pairs pass their bound (`_PAIRS_PER_FORM`): thousands of texts
        near each other would hold the square of their count (10,000 variants of one
        templated line: 100 million pairs, gigabytes). The graph is then dense: its
        pairs are dropped at once, and while the texts are mostly the same it grows no
        more and the merges run as with no pairs kept (the same groups; heads, which
        such texts share, keep that fast).
        """
        self.used.update(forms)
        if self.dense:
            if 2 * sum(f in self.dense for f in forms) >= len(forms):
                return False  # the texts it was dense on, still: as without pairs
            self.dense = frozenset()  # other texts now: grown again from nothing
        # an empty form never reaches a replay of notes (`cluster` skips it); an item's
        # is scored as any other, as `backlog.items._cluster` scores it
        new = [f for f in dict.fromkeys(forms) if (f or self.rule == ITEMS) and f not in self.pairs]
        if not new:
            return True
        old = len(self.pairs)
        everything = [*self.pairs, *new]
        held = sum(map(len, self.pairs.values()))
        most = _PAIRS_PER_FORM * len(everything) + _PAIRS_SLACK
        for f in new:
            self.pairs[f] = {}
        accepted = _Scorer(self.rule, everything, self.threshold, few=len(new) <= _FEW)
        for lo in range(old, len(everything), _ROWS):
            hi = min(lo + _ROWS, len(everything))
            # rows lo..hi against every form up to hi: the old ones and the new ones so
            # far, each pair of new forms met twice at most, a form with itself
            for r, c, score in accepted(lo, hi):
                a, b = everything[r], everything[c]
                # a form's pair with itself is one entry, another pair two
                held += (b not in self.pairs[a]) + (a != b and a not in self.pairs[b])
                self.pairs[a][b] = score
                self.pairs[b][a] = score
                if held > most:
                    self.pairs, self.dense = {}, frozenset(everything)
                    return False
        return True

    def prune(self, forms: set[str] | None = None) -> None:
        """Drop the forms not in `forms` (default: those grown by since `near_for`),
        once they are half of the graph or more."""
        forms = self.used if forms is None else forms
        if len(self.pairs) < 2 * max(len(forms), 1):
            return
        self.pairs = {
            f: {g: s for g, s in near.items() if g in forms}
            for f, near in self.pairs.items()
            if f in forms
        }


def near_for(nears: Mapping[str, Near], name: str, rule: str, threshold: float) -> Near:
    """The kept pairs of merge `name` when they are of `rule` and `threshold`, else new,
    empty ones."""
    kept = nears.get(name)
    if isinstance(kept, Near) and kept.rule == rule and kept.threshold == threshold:
        kept.used = set()  # this reduce's, for `Near.prune`
        return kept
    return Near(rule, threshold)


class _Scorer:
    """The pairs `rule` accepts among `forms`, a window of rows at a time: each form's
    representation is made once per `Near.grow`, not once per window."""

    def __init__(self, rule: str, forms: list[str], threshold: float, few: bool) -> None:
        self._rule, self._threshold, self._few = rule, threshold, few
        self._texts = forms
        if rule == ITEMS:
            from .backlog.items import sorted_words

            self._sorted = [sorted_words(f) for f in forms]
        elif not few:
            from .recommend import _forms

            self._forms = _forms(forms, {})

    def __call__(self, lo: int, hi: int) -> Iterator[tuple[int, int, float]]:
        """(row, column, score) of the pairs accepted among rows lo..hi and columns 0..hi,
        a few thousand at a time: a caller that stops (a dense graph) never holds more."""
        threshold = self._threshold
        if self._rule == ITEMS or self._few:
            for start in range(0, hi, _COLUMNS):  # a block of scores: 256 x 8,192 at most
                end = min(start + _COLUMNS, hi)
                scores, ok = self._exactly(lo, hi, start, end)
                for r, c in _indices(ok):
                    yield lo + r, start + c, float(scores[r, c])
            return
        from .recommend import _may_be_same, same

        forms = self._forms
        maybe = _may_be_same(_part(forms, lo, hi), _part(forms, 0, hi), threshold)
        for r, c in _indices(maybe):
            a, b = forms.texts[lo + r], forms.texts[c]
            if same(a, b, threshold):
                yield lo + r, c, fuzz.token_set_ratio(a, b)

    def _exactly(self, lo: int, hi: int, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores of rows lo..hi against columns start..end, every pair in C++, and
        which pairs the rule accepts: for ITEMS the ratio of the sorted words; for NOTES
        `recommend.same` by its definition (token_set_ratio, or fuzz.ratio when either
        text has fewer than three words), scored by token_set_ratio."""
        options = {"dtype": np.float64, "workers": -1}
        threshold = self._threshold
        if self._rule == ITEMS:
            rows, cols = self._sorted[lo:hi], self._sorted[start:end]
            scores = process.cdist(rows, cols, scorer=fuzz.ratio, **options)
            return scores, scores >= threshold
        rows, cols = self._texts[lo:hi], self._texts[start:end]
        scores = process.cdist(rows, cols, scorer=fuzz.token_set_ratio, **options)
        short_rows = np.array([len(t.split()) < 3 for t in rows])
        short_cols = np.array([len(t.split()) < 3 for t in cols])
        judged = scores
        if short_rows.any() or short_cols.any():
            whole = process.cdist(rows, cols, scorer=fuzz.ratio, **options)
            judged = np.where(short_rows[:, None] | short_cols[None, :], whole, scores)
        return scores, judged >= threshold


def _indices(mask: np.ndarray) -> Iterator[tuple[int, int]]:
    """(row, column) of each True of `mask`, in row order, a few thousand at a time."""
    rows, cols = np.nonzero(mask)
    for k in range(0, len(rows), 4096):
        yield from zip(rows[k : k + 4096].tolist(), cols[k : k + 4096].tolist(), strict=True)


def _part(forms, lo: int, hi: int):
    """Forms lo..hi of a `recommend._Forms`."""
    return type(forms)(
        forms.texts[lo:hi],
        tuple(part[lo:hi] for part in forms.letters),
        tuple(part[lo:hi] for part in forms.words),
        forms.lengths[lo:hi],
        forms.short[lo:hi],
    )


def replay_notes(texts: list[str], near: Near, normal: dict[str, str], headline) -> list[list[int]]:
    """`recommend.cluster(texts, near.threshold)` from the pairs, step for step: each
    text joins the head it scores best with so far (the earliest of equals), else the
    first group whose head has its headline, else it heads a group; a form seen before
    starts from where it went then. `normal` maps each text to its normalized form
    (`recommend.normalize`), every form of which is in `near` (`Near.grow`); `headline`
    is `recommend.headline`."""
    groups: list[list[int]] = []
    head_of: dict[str, int] = {}  # a head's form -> its group
    by_headline: dict[str, int] = {}  # a headline -> the first group whose head has it
    seen: dict[str, tuple[int | None, float]] = {}  # form -> its group and score then
    placed: dict[str, tuple[int, int]] = {}  # text -> its group, and the heads then
    for i, t in enumerate(texts):
        spot = placed.get(t)
        if spot is not None and spot[1] == len(groups):
            groups[spot[0]].append(i)  # no head came since: the same choice
            continue
        n = normal[t]
        if not n:
            continue
        # Heads that came before the form's last choice score no higher than it did
        # (an equal one is later), and heads that came since are later still: the best
        # of all its near heads, the earlier on a tie, is the scan's choice.
        best, best_score = seen.get(n, (None, -1.0))
        for form, score in near.pairs[n].items():
            g = head_of.get(form)
            if g is not None and (
                score > best_score or (score == best_score and best is not None and g < best)
            ):
                best, best_score = g, score
        lead = headline(t) if best is None and near.threshold < 100 else None
        if lead is not None:
            best = by_headline.get(lead)
        if best is None:
            best = len(groups)
            groups.append([])
            head_of[n] = best
            if lead is not None:
                by_headline[lead] = best
            best_score = fuzz.token_set_ratio(n, n)
        groups[best].append(i)
        seen[n] = (best, best_score)
        placed[t] = (best, len(groups))
    return groups


def replay_items(norms: list[str], near: Near) -> list[list[int]]:
    """`backlog.items._cluster(norms, near.threshold)` from the pairs: each distinct text,
    in first-seen order, joins the head it scores best with (the earliest of equals),
    else heads a group; a repeated text goes where it went first."""
    groups: list[list[int]] = []
    head_of: dict[str, int] = {}
    group_of: dict[str, int] = {}
    for i, n in enumerate(norms):
        g = group_of.get(n)
        if g is None:
            best, best_score = None, -1.0
            for form, score in near.pairs[n].items():
                h = head_of.get(form)
                if h is not None and (score > best_score or (score == best_score and h < best)):
                    best, best_score = h, score
            if best is None:
                best = len(groups)
                groups.append([])
                head_of[n] = best
            g = group_of[n] = best
        groups[g].append(i)
    return groups
