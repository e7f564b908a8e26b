"""What to change in the agent's startup protocol, ranked by the waste it addresses.

Candidates come from the sessions' own words (recommendations, lessons, "what I should
have done") and from the taxonomy (each category's protocol change). Near-duplicates
across sessions are merged with rapidfuzz's `token_set_ratio`; each merged
recommendation then addresses a set of wasted attempts:

* a "should have" line addresses the attempt it was written under;
* a session's recommendation or lesson addresses that session's wasted attempts in the
  category its own text falls in (none when it falls in no category);
* a taxonomy protocol change addresses every wasted attempt of its category, and
  absorbs the authors' lines that fall in that category (they become its evidence).

Ranking: stated wasted minutes of the union of those attempts, then how many sessions
the evidence spans, then how much evidence there is, then the text (so ties are stable).
Also here: recurring root causes and lessons, merged the same way, and the unified diff
that adds the top recommendations to a CLAUDE.md / AGENTS.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import starmap
from operator import attrgetter, itemgetter
from typing import NamedTuple, TypeVar

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from .classify import UNCLASSIFIED, Classification, Taxonomy
from .frame import readable
from .model import Session

DEFAULT_THRESHOLD = 85.0
"""token_set_ratio at or above which two texts are the same recommendation."""

# Which wording a merged recommendation shows: the taxonomy's phrasing is written as
# a protocol instruction; otherwise the most deliberate of the authors' own lines.
_KIND_ORDER = {
    "protocol": 0,
    "recommendation": 1,
    "should_have": 2,
    "lesson": 3,
    "root_cause": 4,
    "attempt": 5,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A line in a reflection (or the taxonomy) that supports a recommendation or note."""

    source: str
    line: int
    kind: str
    """recommendation, lesson, should_have, root_cause, protocol, or attempt (an attempt
    a taxonomy protocol change addresses)."""
    text: str


class Candidate(NamedTuple):
    """A line that could become a recommendation; it lives only inside the ranking.

    A named tuple rather than a frozen dataclass: there is one per recommendation,
    lesson and should-have line (64,000 at 10,000 sessions), and a tuple is made in a
    third of the time (issue 8). Its first four fields are an Evidence's, in order.
    """

    source: str
    line: int
    kind: str
    text: str
    category: str
    addresses: frozenset[tuple[str, int]]
    """(source, attempt index) of the wasted attempts it addresses."""


@dataclass(frozen=True, slots=True)
class RankedRecommendation:
    rank: int
    """1 = addresses the most wasted minutes."""
    text: str
    kind: str
    """Where the shown wording comes from: protocol (the taxonomy), recommendation,
    should_have or lesson."""
    categories: tuple[str, ...]
    """Waste categories it addresses, in taxonomy order."""
    wasted_minutes: float
    """Stated minutes of the wasted attempts it addresses (each attempt counted once)."""
    wasted_attempts: int
    attempts_without_minutes: int
    """Addressed attempts whose minutes were not stated (not in `wasted_minutes`)."""
    sessions: int
    """Distinct sessions of the wasted attempts it addresses: the reports print "N
    wasted min in K attempt(s) across S session(s)". A lesson from a session with no
    such attempt is evidence but not counted here; the ranking counts it."""
    evidence: tuple[Evidence, ...]
    """Sorted by source and line."""


@dataclass(frozen=True, slots=True)
class RecurringNote:
    """A root cause or lesson that several sessions share (near-duplicates merged)."""

    text: str
    sessions: int
    evidence: tuple[Evidence, ...]


def normalize(text: str) -> str:
    """Lowercase, no markdown punctuation, single spaces: what fuzzy matching compares."""
    text = re.sub(r"[*_`#>\[\]()\"'“”’:;,.!?]+", " ", text.lower())
    return " ".join(text.split())


def same(a: str, b: str, threshold: float) -> bool:
    """Whether two normalized texts say the same thing.

    token_set_ratio scores 100 whenever one text's words are a subset of the other's,
    which would merge "ask first" into any sentence holding both words; texts of one or
    two words must match as whole strings instead.
    """
    if min(len(a.split()), len(b.split())) < 3:
        return fuzz.ratio(a, b) >= threshold
    return fuzz.token_set_ratio(a, b) >= threshold


# The headline a note opens with: up to 80 characters before ": ", ". " or a dash.
_LEAD = re.compile(r"\s*(.{4,80}?)(?::|\.|\s[—–])\s+\S")
# Words that make no headline alone: function words ("This was a mistake.", "It was my
# fault.") and the lead-ins reflections open notes of every kind with ("What I should
# have done:", "Next time I should:", "The real root cause:", "Lesson learned the hard
# way:"), which name no cause: as headlines they merged unlike notes.
_GENERIC_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an the this that it its was is were be been my our i we you he she they to of in on"
        " at for and or not no so as by with me us here there again"
        " what why how should could would have had do did done next time went go wrong right"
        " real actual root cause lesson lessons learned learnt hard way key takeaway main"
        " biggest mistake problem issue note",
    )
)


def headline(text: str) -> str | None:
    """The normalized headline `text` opens with, when it has one worth grouping by.

    Authors name a recurring cause the same way and explain it differently each time
    ("Flaky test treated as a real failure: I assumed a red CI run..." / "... . It is
    the same flaky test as in September"): whole-text similarity keeps those apart. A
    headline is 3 to 10 words before a colon, a full stop or a dash, 2 of them more
    than function words or a lead-in's, with more text after it; "Resolution:" or
    "Lesson 1:" is a label, not a headline, and "This was a mistake." or "What I
    should have done:" says nothing of which.
    """
    m = _LEAD.match(text)
    if m is None:
        return None
    words = normalize(m.group(1)).split()
    if not 3 <= len(words) <= 10 or sum(w not in _GENERIC_WORDS for w in words) < 2:
        return None
    return " ".join(words)


def cluster(texts: list[str], threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Groups of indices of near-duplicate texts, in first-seen order.

    Greedy against each group's first member, so the result depends only on the input
    order (callers sort) and a chain of small differences cannot merge unlike texts. A
    text like no head as a whole joins the first group whose head opens with the same
    `headline` (below a threshold of 100, which asks for the same text).
    """
    groups: list[list[int]] = []
    heads: list[str] = []
    by_headline: dict[str, int] = {}  # a headline -> the first group whose head has it
    # A text seen before resumes its scan at the heads added since (issue 8: the same
    # lesson recurs across thousands of sessions); same groups as a full scan each time.
    seen: dict[str, tuple[int | None, float, int]] = {}
    normal: dict[str, str] = {}  # and is normalized once
    placed: dict[str, tuple[int, int]] = {}  # text -> its group, and the heads then
    # Past a few dozen heads to scan, a bound computed in C++ skips the heads a text
    # cannot be `same` as (issue 9): the loop below still decides every pair it keeps.
    sieve = _HeadSieve(texts, threshold, normal)
    for i, t in enumerate(texts):
        spot = placed.get(t)
        if spot is not None and spot[1] == len(heads):
            groups[spot[0]].append(i)  # no head added since: nothing to resume
            continue
        n = normal.get(t)
        if n is None:
            n = normal[t] = normalize(t)
        if not n:
            continue
        best, best_score, start = seen.get(n, (None, -1.0, 0))
        maybe = range(start, len(heads))
        if len(maybe) > _SIEVE_FROM:
            maybe = sieve.heads(i, n, start)
        for g in maybe:
            head = heads[g]
            if same(n, head, threshold):
                score = fuzz.token_set_ratio(n, head)
                if score > best_score:
                    best, best_score = g, score
        lead = headline(t) if best is None and threshold < 100 else None
        if lead is not None:
            # a match by headline scores below any whole-text match, so a head added
            # later that is like the text as a whole still takes it
            best = by_headline.get(lead)
        if best is None:
            groups.append([i])
            heads.append(n)
            sieve.add_head(i, n)
            if lead is not None:
                by_headline[lead] = len(heads) - 1
            # its own head scores the maximum: no later head can take the text away
            best, best_score = len(heads) - 1, fuzz.token_set_ratio(n, n)
        else:
            groups[best].append(i)
        seen[n] = (best, best_score, len(heads))
        placed[t] = (best, len(heads))
    return groups


# Up to this many heads, scanning them costs less than a window of the sieve (0.5 ms
# or more): repeated texts, whose few heads are scanned from where they left off, and
# small lists never pay for it.
_SIEVE_FROM = 50
# Texts whose distinct forms are sieved together against the heads (one window's rows).
_WINDOW = 512
# Heads per C++ call: a window's rows x _BLOCK counts stay near 16 MB per array.
_BLOCK = 8192
# Scores below the threshold by more than this cannot come from a pair that reaches
# it: the bounds below hold exactly; the margin absorbs only floating-point rounding.
_MARGIN = 0.5
# `_Forms` strings split by character: the C++ scorer runs several strings at once in
# SIMD lanes when each is at most 64 characters, 3 times faster (texts to ~190).
_PARTS = 3


class _Forms(NamedTuple):
    """Normalized texts, with what the bounds on their similarity need."""

    texts: list[str]
    letters: tuple[list[str], ...]
    """The characters of a text's distinct words joined by spaces, sorted: their
    longest common subsequence counts the characters two texts share. Split in
    `_PARTS` by character (code point modulo `_PARTS`): the parts' subsequences add
    up to the whole's, as each character is in one part."""
    words: tuple[list[str], ...]
    """A character per distinct word, repeated once per letter and once more, sorted
    (and split as `letters`): their longest common subsequence is the length of the
    words two texts share, joined by spaces, plus one (or more, when two words share
    a character)."""
    lengths: np.ndarray
    """Of a text's distinct words joined by spaces, as token_set_ratio joins them."""
    short: np.ndarray
    """Texts of one or two words, which `same` compares as whole strings."""


def _forms(texts: list[str], codes: dict[str, str]) -> _Forms:
    """`texts` with their `_Forms` fields; `codes` (word -> its character) grows."""
    letters: tuple[list[str], ...] = tuple([] for _ in range(_PARTS))
    words: tuple[list[str], ...] = tuple([] for _ in range(_PARTS))
    lengths = []
    short = []
    for n in texts:
        split = n.split()
        distinct = set(split)
        joined = " ".join(distinct)
        lengths.append(len(joined))
        _split_into(letters, joined)
        chars = []
        for w in distinct:
            c = codes.get(w)
            if c is None:
                # one-byte strings score several times faster in C++; words that
                # share a character only make the shared length larger, so the
                # bound stays a bound
                c = codes[w] = chr(1 + len(codes) % 255)
            chars.append(c * (len(w) + 1))
        _split_into(words, "".join(chars))
        short.append(len(split) < 3)
    return _Forms(
        texts, letters, words, np.array(lengths, dtype=np.int64), np.array(short, dtype=bool)
    )


def _split_into(parts: tuple[list[str], ...], text: str) -> None:
    """Append to each of `parts` the sorted characters of `text` that fall in it."""
    chars = sorted(text)
    for p, part in enumerate(parts):
        part.append("".join([c for c in chars if ord(c) % _PARTS == p]))


def _shared(
    rows: tuple[list[str], ...], cols: tuple[list[str], ...], lo: int, hi: int
) -> np.ndarray:
    """Longest common subsequences of each row and column `lo` to `hi`, split strings."""
    total = None
    for row_part, col_part in zip(rows, cols, strict=True):
        part = process.cdist(
            row_part, col_part[lo:hi], scorer=LCSseq.similarity, dtype=np.int32, workers=-1
        )
        if total is None:
            total = part
        else:
            total += part
    return total


def _may_be_same(rows: _Forms, cols: _Forms, threshold: float) -> np.ndarray:
    """Which pairs (row, column) `same` could accept: never False for a pair it accepts.

    token_set_ratio takes the best of three scores over the texts' distinct words
    (rapidfuzz's fuzz_py.token_set_ratio spells them out). Write La, Lb for the
    lengths of each text's words joined by spaces, s for that of the words they
    share. (1) The shared words plus each text's other words, joined, are reorderings
    of the texts' words, so their Indel distance is at least La + Lb - 2 M, with M the
    characters the two share counting repeats (`letters`): that score is at most
    200 M / (La + Lb). (2) The shared words against each text score 200 s / (s + La)
    and 200 s / (s + Lb) (`words` gives s). (3) A text whose words are all the other's
    scores 100. Texts of one or two words are compared by fuzz.ratio itself.
    """
    floor = threshold - _MARGIN
    # (2) and (3) need a shared word and s >= part * min(La, Lb); `words` count s + 1
    part = 1.0 if floor >= 100 else max(floor, 0.0) / (200 - floor)
    la = rows.lengths[:, None]
    need_rows = (1 + part * rows.lengths)[:, None]
    need_cols = (1 + part * cols.lengths)[None, :]
    out = np.empty((len(rows.texts), len(cols.texts)), dtype=bool)
    short_rows = np.flatnonzero(rows.short)
    for lo in range(0, len(cols.texts), _BLOCK):
        hi = min(lo + _BLOCK, len(cols.texts))
        chars = _shared(rows.letters, cols.letters, lo, hi)
        out[:, lo:hi] = 200.0 * chars >= floor * (la + cols.lengths[None, lo:hi])  # (1)
        shared = _shared(rows.words, cols.words, lo, hi)
        out[:, lo:hi] |= shared >= need_rows
        out[:, lo:hi] |= shared >= need_cols[:, lo:hi]
        short_cols = np.flatnonzero(cols.short[lo:hi]) + lo
        if len(short_cols):
            whole = process.cdist(
                rows.texts,
                [cols.texts[j] for j in short_cols],
                scorer=fuzz.ratio,
                dtype=np.float64,
                workers=-1,
            )
            out[:, short_cols] = whole >= floor
        if len(short_rows):
            whole = process.cdist(
                [rows.texts[j] for j in short_rows],
                cols.texts[lo:hi],
                scorer=fuzz.ratio,
                dtype=np.float64,
                workers=-1,
            )
            out[short_rows, lo:hi] = whole >= floor
    return out


class _HeadSieve:
    """The heads a text may be `same` as, a window of texts at a time (issue 9).

    `cluster` compared each new text with every head in Python: hours for 60,000
    mostly unique lines. When the scan reaches a new window of texts, the sieve scores
    the window's distinct forms against every head so far, and against each other
    (the heads the window itself will add), in C++ with `_may_be_same`; a text then
    scans only the heads it keeps.
    """

    def __init__(self, texts: list[str], threshold: float, normal: dict[str, str]) -> None:
        self._texts = texts
        self._threshold = threshold
        self._normal = normal  # cluster's: each text is normalized once
        self._heads: list[str] = []  # and their forms, as `_forms` gives them
        self._letters: tuple[list[str], ...] = tuple([] for _ in range(_PARTS))
        self._words: tuple[list[str], ...] = tuple([] for _ in range(_PARTS))
        self._lengths: list[int] = []
        self._short: list[bool] = []
        self._end = 0  # the text after the window
        self._row: dict[str, int] = {}  # a distinct form in the window -> its row
        self._codes: dict[str, str] = {}  # a word -> the character `_Forms.words` gives it
        self._rows = _forms([], self._codes)
        self._before = np.empty((0, 0), dtype=bool)  # rows x the heads before the window
        self._within = np.empty((0, 0), dtype=bool)  # rows x rows
        self._added = np.empty(0, dtype=np.intp)  # rows of the heads the window added
        self._count = 0

    def heads(self, i: int, n: str, start: int) -> list[int]:
        """Heads from `start` on that text `i` (normalized `n`) may be `same` as, in order."""
        if i >= self._end:
            self._open(i)
        r = self._row[n]
        base = len(self._heads) - self._count
        found = (np.flatnonzero(self._before[r, start:]) + start).tolist() if start < base else []
        skip = max(start - base, 0)
        added = self._added[skip : self._count]
        found += (np.flatnonzero(self._within[r, added]) + base + skip).tolist()
        return found

    def add_head(self, i: int, n: str) -> None:
        """`n`, the form of text `i`, became a head."""
        self._heads.append(n)
        if i >= self._end:
            return  # scanned without the sieve, past any window: `_open` takes its forms
        r = self._row[n]
        self._added[self._count] = r
        self._count += 1
        self._keep(self._rows, r)

    def _keep(self, forms: _Forms, r: int) -> None:
        """Keep the forms of the next head, row `r` of `forms`."""
        for heads, rows in zip(
            self._letters + self._words, forms.letters + forms.words, strict=True
        ):
            heads.append(rows[r])
        self._lengths.append(forms.lengths[r])
        self._short.append(forms.short[r])

    def _open(self, i: int) -> None:
        normal = self._normal
        self._row = {}
        for t in self._texts[i : i + _WINDOW]:
            n = normal.get(t)
            if n is None:
                n = normal[t] = normalize(t)
            if n:
                self._row.setdefault(n, len(self._row))
        self._rows = rows = _forms(list(self._row), self._codes)
        missing = _forms(self._heads[len(self._lengths) :], self._codes)
        for r in range(len(missing.texts)):
            self._keep(missing, r)
        heads = _Forms(
            self._heads,
            self._letters,
            self._words,
            np.array(self._lengths, dtype=np.int64),
            np.array(self._short, dtype=bool),
        )
        self._before = _may_be_same(rows, heads, self._threshold)
        self._within = _may_be_same(rows, rows, self._threshold)
        self._added = np.empty(len(rows.texts), dtype=np.intp)
        self._count = 0
        self._end = i + _WINDOW


class LineRow(NamedTuple):
    """One recommendation, lesson, should-have or root-cause line of a session, with
    the category a candidate line falls in (`pieces.LINE_COLUMNS`)."""

    source: str
    line: int
    kind: str
    """recommendation, lesson, should_have, root_cause or attempt_root_cause."""
    text: str
    category: str | None
    index: int | None
    """The attempt a should-have or an attempt's root cause was written under."""
    classified: bool
    """A should-have of a wasted attempt: it addresses that attempt alone."""


class WastedAttempt(NamedTuple):
    """A classified attempt, as the ranking reads it."""

    source: str
    index: int
    line: int
    minutes: float | None
    category: str
    approach: str


CANDIDATE_KINDS = ("recommendation", "lesson", "should_have")
"""The kinds of line (`LineRow.kind`) that may become a recommendation."""


def gather_candidates(
    lines: Iterable[tuple], wasted: Iterable[WastedAttempt], taxonomy: Taxonomy
) -> list[Candidate]:
    """Every line that could become a recommendation, with the attempts it addresses.

    `lines`: `LineRow`s, or plain tuples of their fields in order."""
    by_cat: dict[str, set[tuple[str, int]]] = {}
    by_session_cat: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for w in wasted:
        key = (w.source, w.index)
        by_cat.setdefault(w.category, set()).add(key)
        by_session_cat.setdefault((w.source, w.category), set()).add(key)
    # Every line of a session in one category addresses the same attempts: one frozenset
    # each, shared by those lines (issue 8: 50,000 lines at 10,000 sessions). A line in
    # no category addresses nothing.
    addresses = {k: frozenset(keys) for k, keys in by_session_cat.items() if k[1] != UNCLASSIFIED}
    nothing: frozenset[tuple[str, int]] = frozenset()
    out = [
        Candidate(
            source,
            line,
            kind,
            text,
            category,
            frozenset({(source, index)})
            if classified
            else addresses.get((source, category), nothing),
        )
        for source, line, kind, text, category, index, classified in lines
        if kind in CANDIDATE_KINDS
    ]
    for cat in taxonomy.categories:
        if cat.protocol_change and by_cat.get(cat.id):
            out.append(
                Candidate(
                    taxonomy.source,
                    0,
                    "protocol",
                    cat.protocol_change,
                    cat.id,
                    frozenset(by_cat[cat.id]),
                )
            )
    return out


def session_lines(
    sessions: Iterable[Session],
    classifications: Iterable[Classification],
    taxonomy: Taxonomy | None,
) -> tuple[list[LineRow], list[WastedAttempt]]:
    """The line rows and wasted attempts of `sessions` (`analysis` reads them from its
    `pieces` instead, which build them the same way)."""
    from .pieces import line_rows, line_table

    kept = readable(sessions)
    classifications = tuple(classifications)
    approach = {(s.source, a.index): a.approach for s in kept for a in s.attempts}
    wasted = [
        WastedAttempt(c.source, c.index, c.line, c.minutes, c.category, approach[c.source, c.index])
        for c in classifications
    ]
    return line_rows(line_table(kept, classifications, taxonomy)), wasted


def rank_recommendations(
    sessions: list[Session],
    classifications: tuple[Classification, ...],
    taxonomy: Taxonomy,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[RankedRecommendation, ...]:
    """All merged recommendations, best first (callers take the top N)."""
    lines, wasted = session_lines(sessions, classifications, taxonomy)
    return rank_lines(lines, wasted, taxonomy, threshold=threshold)


def rank_lines(
    lines: Iterable[tuple],
    wasted: list[WastedAttempt],
    taxonomy: Taxonomy,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[RankedRecommendation, ...]:
    """`rank_recommendations` from the sessions' line rows and wasted attempts."""
    cands = _in_order(gather_candidates(lines, wasted, taxonomy))
    minutes = {(w.source, w.index): w.minutes for w in wasted}
    line_of = {(w.source, w.index): w.line for w in wasted}
    approach = {(w.source, w.index): w.approach for w in wasted}
    order = {cid: n for n, cid in enumerate(taxonomy.ids())}
    groups = cluster([c.text for c in cands], threshold)
    # A line that falls in a category with a protocol change is evidence for that
    # change rather than a rival to it: otherwise the top 10 would list one cause
    # several times in the authors' different words.
    protocol_group = {
        cands[g[0]].category: n for n, g in enumerate(groups) if cands[g[0]].kind == "protocol"
    }
    folded: dict[int, list[Candidate]] = {n: [cands[i] for i in g] for n, g in enumerate(groups)}
    for n, g in enumerate(groups):
        head = cands[g[0]]
        target = protocol_group.get(head.category)
        if head.kind != "protocol" and target is not None and head.addresses:
            folded[target] += folded.pop(n)
    merged = []
    for members in folded.values():
        addressed: set[tuple[str, int]] = set().union(*map(attrgetter("addresses"), members))
        evidence = [m[:4] for m in members if m.kind != "protocol"]
        if members[0].kind == "protocol":
            # the taxonomy's line is also backed by the attempts it addresses
            evidence += [(k[0], line_of[k], "attempt", approach.get(k, "")) for k in addressed]
        stated = [minutes[k] for k in addressed if minutes.get(k) is not None]
        cats = sorted(
            {m.category for m in members if m.category != UNCLASSIFIED}, key=order.__getitem__
        )
        merged.append(
            dict(
                text=members[0].text,
                kind=members[0].kind,
                categories=tuple(cats),
                wasted_minutes=float(sum(stated)),
                wasted_attempts=len(addressed),
                attempts_without_minutes=len(addressed) - len(stated),
                sessions=len(set(map(itemgetter(0), addressed))),
                evidence=tuple(starmap(Evidence, _sorted_rows(evidence, unique=True))),
            )
        )
    merged.sort(
        key=lambda r: (
            -r["wasted_minutes"],
            -len({e.source for e in r["evidence"]}),  # how often it recurs
            -len(r["evidence"]),
            _KIND_ORDER[r["kind"]],
            r["text"],
        )
    )
    return tuple(RankedRecommendation(rank=n, **r) for n, r in enumerate(merged, 1))


def _in_order(cands: list[Candidate]) -> list[Candidate]:
    """`cands` sorted by kind (`_KIND_ORDER`), source, line and text, stably.

    Kind by kind, each sorted by a C-level key: 64,000 candidates at 10,000 sessions,
    and a Python key function building a tuple for each cost 0.1 s (issue 8).
    """
    by_kind: dict[str, list[Candidate]] = {}
    for c in cands:
        by_kind.setdefault(c.kind, []).append(c)
    out: list[Candidate] = []
    for kind in sorted(by_kind, key=_KIND_ORDER.__getitem__):
        out += sorted(by_kind[kind], key=_PLACE)
    return out


_PLACE = itemgetter(0, 1, 3)  # a Candidate's source, line and text


_Row = TypeVar("_Row", bound=tuple)


def _sorted_rows(rows: Iterable[_Row], unique: bool = False) -> list[_Row]:
    """`sorted(rows)` (`sorted(set(rows))` when `unique`), sorted file by file (each row
    starts with its source).

    Tens of thousands of rows (the attempts a protocol change addresses, a corpus's
    root causes) share a few thousand sources, and tuples whose first items are equal
    strings are slow to compare and to hash (issue 8): only a file's own rows are.
    """
    by_source: dict[str, list[_Row]] = {}
    for row in rows:
        by_source.setdefault(row[0], []).append(row)
    out: list[_Row] = []
    for source in sorted(by_source):
        mine = by_source[source]
        out += sorted(set(mine) if unique and len(mine) > 1 else mine)
    return out


def recurring_notes(
    sessions: Iterable[Session], kind: str, *, threshold: float = DEFAULT_THRESHOLD, top: int = 10
) -> tuple[RecurringNote, ...]:
    """The most recurrent root causes (``kind="root_cause"``) or lessons (``"lesson"``).

    Root causes include each attempt's own root cause as well as the session's list.
    """
    lines, _ = session_lines(sessions, (), None)
    kinds = NOTE_KINDS[kind]
    items = [(r.source, r.line, r.text) for r in lines if r.kind in kinds]
    return notes_of(recurring_groups(items, threshold=threshold, top=top), kind)


NOTE_KINDS = {"root_cause": ("root_cause", "attempt_root_cause"), "lesson": ("lesson",)}
"""The line kinds (`LineRow.kind`) each kind of recurring note is drawn from."""


NoteRows = list[tuple[str, int, list[tuple[str, int, str]]]]
"""Recurring notes as plain rows: (text, sessions, the (source, line, text) of each
line of the group). A child process sends these, not records (issue 8: 50,000 lines of
evidence pickle as records in 0.6 s, as tuples in a tenth of that)."""


def recurring_groups(
    items: list[tuple[str, int, str]], *, threshold: float = DEFAULT_THRESHOLD, top: int = 10
) -> NoteRows:
    """The `top` recurring notes among `items` ((source, line, text) rows), as rows."""
    items = _sorted_rows(items)
    groups = cluster([e[2] for e in items], threshold)
    sessions_of = [len({items[i][0] for i in group}) for group in groups]
    ranked = sorted(
        range(len(groups)),
        key=lambda g: (-sessions_of[g], -len(groups[g]), items[groups[g][0]][2]),
    )
    return [
        (items[groups[g][0]][2], sessions_of[g], [items[i] for i in groups[g]])
        for g in ranked[:top]
    ]


def notes_of(rows: NoteRows, kind: str) -> tuple[RecurringNote, ...]:
    """The records of `recurring_groups` rows, their evidence of `kind`."""
    return tuple(
        RecurringNote(
            text,
            sessions,
            tuple(Evidence(source, line, kind, said) for source, line, said in lines),
        )
        for text, sessions, lines in rows
    )


# ---- the protocol patch -------------------------------------------------------------------

SECTION_TITLE = "Startup protocol: changes suggested by retro analyze"


def _section(bullets: list[str], newline: str) -> str:
    """The Markdown section a patch adds when the file has none, holding `bullets`."""
    lines = [
        f"## {SECTION_TITLE}",
        "",
        "<!-- Ranked by the wasted minutes each addresses; the evidence is in the report.md of `retro analyze`. -->",
        "",
    ]
    return newline.join(lines + bullets) + newline


def _bullet(text: str) -> str:
    return f"- {' '.join(text.split())}"


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+(.*)")


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line for patch(1) and git apply; str.splitlines would also split
    # on form feeds and U+2028 and so misnumber the hunk.
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def protocol_patch(
    original: str, name: str, recommendations: Iterable[RankedRecommendation]
) -> str:
    """A unified diff (``a/name`` → ``b/name``) adding the recommendations `original`
    does not hold yet; "" when it holds them all.

    A recommendation already written as a list item anywhere in the file (same words,
    case and punctuation aside) is not proposed again, so a patch applied last week is
    not proposed twice. The new bullets go at the end of the file's own section of
    suggestions when it has one, else in a new section at the end. Every existing line
    is kept as it is; the file's line ending (LF or CRLF) is used for the new lines. A
    file without a final newline gets one, and the diff marks the old last line with
    ``\\ No newline at end of file`` as patch and git apply expect.
    """
    newline = "\r\n" if "\r\n" in original else "\n"
    old = _lines(original)
    held = {normalize(m.group(1)) for line in old if (m := _LIST_ITEM.match(line))}
    bullets = [_bullet(r.text) for r in recommendations]
    bullets = [b for b in dict.fromkeys(bullets) if normalize(b[2:]) not in held]
    if not bullets:
        return ""
    new = list(old)
    if new and not new[-1].endswith("\n"):
        new[-1] += newline
    heading = f"## {SECTION_TITLE}"
    start = next((n for n, line in enumerate(new) if line.strip() == heading), None)
    if start is None:
        if new and new[-1].strip():
            new.append(newline)  # a blank line before the new heading
        new += _lines(_section(bullets, newline))
    else:
        end = next(
            (n for n in range(start + 1, len(new)) if re.match(r"#{1,2}\s", new[n])), len(new)
        )
        while end > start + 1 and not new[end - 1].strip():
            end -= 1  # after the section's last line, before its trailing blank lines
        new[end:end] = [b + newline for b in bullets]
    out = []
    for line in difflib.unified_diff(old, new, fromfile=f"a/{name}", tofile=f"b/{name}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
