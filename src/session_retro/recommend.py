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
from operator import itemgetter
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from .classify import UNCLASSIFIED, Classification, Taxonomy
from .frame import readable
from .model import Session
from .near import NOTES, Near, replay_notes

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


@dataclass(frozen=True)
class Evidence:
    """A line in a reflection (or the taxonomy) that supports a recommendation or note.

    Without __slots__, unlike the other records: orjson writes a record with a
    __dict__ three times as fast, and analysis.json holds ~100,000 of these at 10,000
    sessions (0.06 -> 0.02 s; issue 8).
    """

    source: str
    line: int
    kind: str
    """recommendation, lesson, should_have, root_cause, protocol, or attempt (an attempt
    a taxonomy protocol change addresses)."""
    text: str


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


def cluster(
    texts: list[str], threshold: float = DEFAULT_THRESHOLD, near: Near | None = None
) -> list[list[int]]:
    """Groups of indices of near-duplicate texts, in first-seen order.

    Greedy against each group's first member, so the result depends only on the input
    order (callers sort) and a chain of small differences cannot merge unlike texts. A
    text like no head as a whole joins the first group whose head opens with the same
    `headline` (below a threshold of 100, which asks for the same text).

    `near`: the near-duplicate pairs an earlier run kept (`near.Near`, this rule and
    threshold): only the forms it lacks are scored, and the same groups are replayed
    from the pairs (issue 8: every text against every head, again on every run).
    """
    if near is not None and near.rule == NOTES and near.threshold == threshold:
        normal = {t: normalize(t) for t in dict.fromkeys(texts)}
        forms = list(dict.fromkeys(normal.values()))
        if near.grow(forms):  # else too dense to keep: merged as with no pairs
            return replay_notes(texts, near, normal, headline)
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
    chars = "".join(sorted(text))
    # in C: a Python test per character took 1.2 s of the 5.3 s that the pairs of
    # 12,000 unique lines took (issue 8)
    for part, table in zip(parts, _PART_TABLES, strict=True):
        part.append(chars.translate(table))


class _Part(dict):
    """A `str.translate` table keeping the characters of one part (code point modulo
    `_PARTS`), filled as characters come."""

    def __init__(self, part: int) -> None:
        super().__init__()
        self._part = part

    def __missing__(self, code: int) -> int | None:
        kept = code if code % _PARTS == self._part else None
        self[code] = kept
        return kept


_PART_TABLES = tuple(_Part(p) for p in range(_PARTS))


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
    return rank_tables(
        pd.DataFrame(lines, columns=list(LineRow._fields)),
        pd.DataFrame(wasted, columns=list(WastedAttempt._fields)),
        taxonomy,
        threshold=threshold,
    )


def rank_tables(
    lines: pd.DataFrame,
    wasted: pd.DataFrame,
    taxonomy: Taxonomy,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    near: Near | None = None,
) -> tuple[RankedRecommendation, ...]:
    """`rank_recommendations` from the sessions' line table (`LineRow` columns: a
    `pieces.Pieces.lines`) and their wasted attempts (`WastedAttempt` columns).

    The candidates are the lines of `CANDIDATE_KINDS` plus each protocol change whose
    category has a wasted attempt, in kind order, then by source, line and text;
    `cluster` merges them. A group headed by an author's line that addresses attempts
    in a category with a protocol change folds into that change's group.

    Columnar (issue 8): at 10,000 sessions 64,000 candidates back ~100,000 lines of
    evidence, and a Python set and tuple per candidate and per evidence line cost
    0.5 s; here sources, texts and categories are integer codes in the order of their
    values (`_Coded`), attempts are `source * K + index`, and only the clustering and
    the Evidence records are per-item Python (0.2 s). tests/test_rank_tables.py checks
    it against the plain set-by-set ranking.
    """
    c = _coded(lines[lines["kind"].isin(CANDIDATE_KINDS)], wasted, taxonomy)
    heads, group = _merged_groups(c, threshold, near)
    n_groups = max(heads, default=-1) + 1  # group numbers: those of the heads
    addressed = _Addressed.of(c, group, n_groups)
    evidence = _Evidence.of(c, group, heads, addressed, n_groups)
    in_taxonomy = {cid: n for n, cid in enumerate(taxonomy.ids())}
    categories: dict[int, list[str]] = {}
    named = (group >= 0) & c.in_category
    for code in np.unique(group[named] * c.n_cats + c.cat[named]).tolist():
        categories.setdefault(code // c.n_cats, []).append(c.cats[code % c.n_cats])
    merged = []
    for g, h in heads.items():
        shown = evidence.of_group(g)
        record = dict(
            text=c.texts[c.text[h]],
            kind=c.kinds[h],
            categories=tuple(sorted(categories.get(g, ()), key=in_taxonomy.__getitem__)),
            wasted_minutes=float(addressed.minutes[g]),
            wasted_attempts=int(addressed.attempts[g]),
            attempts_without_minutes=int(addressed.attempts[g] - addressed.stated[g]),
            sessions=int(addressed.sessions[g]),
            evidence=shown,
        )
        # most minutes, then how often it recurs, how much evidence, the wording's kind
        key = (
            -record["wasted_minutes"],
            -int(evidence.sources[g]),
            -len(shown),
            int(c.kind_rank[h]),
        )
        merged.append((key, record["text"], g, record))
    merged.sort(key=itemgetter(0, 1, 2))
    return tuple(RankedRecommendation(rank=n, **m[3]) for n, m in enumerate(merged, 1))


class _Coded(NamedTuple):
    """`rank_tables`' candidates (protocol changes last) and wasted attempts (``w_``),
    with sources, texts and categories as codes that sort as their values (-1:
    missing) and each attempt as the key ``source * per_source + index``."""

    kinds: list[str]
    kind_rank: np.ndarray
    src: np.ndarray
    text: np.ndarray
    cat: np.ndarray
    line: np.ndarray
    index: np.ndarray
    classified: np.ndarray
    """A should-have of a wasted attempt: it addresses that attempt alone."""
    is_protocol: np.ndarray
    in_category: np.ndarray
    """Of a category of the taxonomy (not missing, not unclassified)."""
    addressing: np.ndarray
    """An author's unclassified line in a category its session has wasted attempts in:
    it addresses them all."""
    sources: list[str]
    texts: list[str]
    cats: list[str]
    n_cats: int
    per_source: int
    w_key: np.ndarray
    w_pair: np.ndarray
    """(source, category) of each wasted attempt as one code: ``src * n_cats + cat``."""
    w_cat: np.ndarray
    w_text: np.ndarray
    w_line: np.ndarray
    w_minutes: np.ndarray


def _coded(lines: pd.DataFrame, wasted: pd.DataFrame, taxonomy: Taxonomy) -> _Coded:
    categories = wasted["category"].astype(object)
    present = set(categories[categories.notna()].tolist())
    changes = [c for c in taxonomy.categories if c.protocol_change and c.id in present]
    protocol = pd.DataFrame(
        {
            "source": [taxonomy.source] * len(changes),
            "text": [c.protocol_change for c in changes],
            "category": [c.id for c in changes],
        },
        dtype=object,
    )
    (src, w_src), sources = _codes(lines["source"], protocol["source"], wasted["source"])
    (text, w_text), texts = _codes(lines["text"], protocol["text"], wasted["approach"])
    (cat, w_cat), cats = _codes(lines["category"], protocol["category"], categories)
    n = len(src)
    kinds = lines["kind"].astype(object).tolist() + ["protocol"] * len(changes)
    kind_rank = np.fromiter(map(_KIND_ORDER.__getitem__, kinds), dtype=np.int64, count=n)
    # attempt indexes renumbered in order (-1: none): a key source * per_source + index
    # then stays small whatever numbers the tables hold
    numbers, codes = np.unique(
        np.concatenate([_ints(lines["index"], n, -1), _ints(wasted["index"], len(wasted), -1)]),
        return_inverse=True,
    )
    index, w_index = codes[:n], codes[n:]
    classified = np.zeros(n, dtype=bool)
    classified[: len(lines)] = lines["classified"].to_numpy(dtype=bool, na_value=False)
    is_protocol = kind_rank == _KIND_ORDER["protocol"]
    per_source = len(numbers) + 1
    n_cats = len(cats) + 1
    w_pair = w_src * n_cats + w_cat
    unclassified = cats.index(UNCLASSIFIED) if UNCLASSIFIED in cats else -2
    in_category = (cat >= 0) & (cat != unclassified)
    addressing = in_category & ~classified & ~is_protocol
    addressing[addressing] = np.isin(src[addressing] * n_cats + cat[addressing], w_pair)
    return _Coded(
        kinds=kinds,
        kind_rank=kind_rank,
        src=src,
        text=text,
        cat=cat,
        line=_ints(lines["line"], n, 0),
        index=index,
        classified=classified,
        is_protocol=is_protocol,
        in_category=in_category,
        addressing=addressing,
        sources=sources,
        texts=texts,
        cats=cats,
        n_cats=n_cats,
        per_source=per_source,
        w_key=w_src * per_source + w_index,
        w_pair=w_pair,
        w_cat=w_cat,
        w_text=w_text,
        w_line=_ints(wasted["line"], len(wasted), 0),
        w_minutes=wasted["minutes"].to_numpy(dtype=float, na_value=np.nan),
    )


def _merged_groups(
    c: _Coded, threshold: float, near: Near | None
) -> tuple[dict[int, int], np.ndarray]:
    """The candidates clustered in order, each group headed by an author's line that
    addresses attempts of a protocol change's category folded into that change's:
    (each remaining group's head, by group number) and each candidate's group (-1:
    none, a text `cluster` leaves out)."""
    order = np.lexsort((c.text, c.line, c.src, c.kind_rank))
    texts = [c.texts[i] for i in c.text[order].tolist()]
    groups = [order[g] for g in cluster(texts, threshold, near)]
    heads = [int(g[0]) for g in groups]
    protocol_group = {int(c.cat[h]): g for g, h in enumerate(heads) if c.is_protocol[h]}
    final = [
        protocol_group.get(int(c.cat[h]), g)
        if not c.is_protocol[h] and (c.classified[h] or c.addressing[h])
        else g
        for g, h in enumerate(heads)
    ]
    group = np.full(len(c.src), -1, dtype=np.int64)
    for g, rows in enumerate(groups):
        group[rows] = final[g]
    return {g: h for g, h in enumerate(heads) if final[g] == g}, group


class _Addressed(NamedTuple):
    """Every (group, attempt) pair of `rank_tables`, each once, and per group the
    attempts, those with stated minutes, their minutes and their sessions."""

    group: np.ndarray
    key: np.ndarray
    row: np.ndarray
    """The attempt's row of the wasted table (-1: not wasted)."""
    attempts: np.ndarray
    stated: np.ndarray
    minutes: np.ndarray
    sessions: np.ndarray

    @classmethod
    def of(cls, c: _Coded, group: np.ndarray, n_groups: int) -> _Addressed:
        member = group >= 0
        span = len(c.sources) * c.per_source
        mine = member & c.classified
        spread = member & c.addressing
        by_pair, at_pair = _matches(c.w_pair, c.src[spread] * c.n_cats + c.cat[spread])
        change = member & c.is_protocol
        by_cat, at_cat = _matches(c.w_cat, c.cat[change])
        pairs = np.unique(
            np.concatenate(
                [
                    group[mine] * span + c.src[mine] * c.per_source + c.index[mine],
                    group[spread][at_pair] * span + c.w_key[by_pair],
                    group[change][at_cat] * span + c.w_key[by_cat],
                ]
            )
        )
        a_group, a_key = pairs // span, pairs % span
        row = _rows_of(c.w_key, a_key)
        minutes = np.full(len(row), np.nan)  # an attempt not wasted states no minutes here
        minutes[row >= 0] = c.w_minutes[row[row >= 0]]
        n_sources = len(c.sources)
        in_session = np.unique(a_group * n_sources + a_key // c.per_source) // n_sources
        return cls(
            group=a_group,
            key=a_key,
            row=row,
            attempts=np.bincount(a_group, minlength=n_groups),
            stated=np.bincount(a_group, weights=~np.isnan(minutes), minlength=n_groups),
            minutes=np.bincount(a_group, weights=np.nan_to_num(minutes), minlength=n_groups),
            sessions=np.bincount(in_session, minlength=n_groups),
        )


class _Evidence(NamedTuple):
    """Each group's evidence, sorted by source, line, kind and text, each line once: the
    authors' lines and, under a protocol change, every attempt it addresses."""

    bounds: list[int]
    """Group g's lines are rows bounds[g] to bounds[g + 1]."""
    sources: np.ndarray
    """How many distinct sources each group's evidence spans."""
    source: list[str]
    line: list[int]
    kind: list[str]
    text: list[str | None]

    @classmethod
    def of(
        cls, c: _Coded, group: np.ndarray, heads: dict[int, int], a: _Addressed, n_groups: int
    ) -> _Evidence:
        names = sorted({*c.kinds, "attempt"})  # evidence sorts by kind as text
        code = {k: n for n, k in enumerate(names)}
        kind = np.fromiter(map(code.__getitem__, c.kinds), dtype=np.int64, count=len(c.kinds))
        led_by_protocol = np.zeros(n_groups, dtype=bool)
        led_by_protocol[[g for g, h in heads.items() if c.is_protocol[h]]] = True
        said = (group >= 0) & ~c.is_protocol
        backs = led_by_protocol[a.group] & (a.row >= 0)
        rows = a.row[backs]
        columns = [
            np.concatenate(parts)
            for parts in (
                (group[said], a.group[backs]),
                (c.src[said], a.key[backs] // c.per_source),
                (c.line[said], c.w_line[rows]),
                (kind[said], np.full(len(rows), code["attempt"])),
                (c.text[said], c.w_text[rows]),
            )
        ]
        columns = [column[np.lexsort(columns[::-1])] for column in columns]
        first = np.ones(len(columns[0]), dtype=bool)  # of its group, source, line, kind, text
        first[1:] = np.any([column[1:] != column[:-1] for column in columns], axis=0)
        e_group, e_src, e_line, e_kind, e_text = (column[first] for column in columns)
        new_source = np.ones(len(e_group), dtype=bool)
        new_source[1:] = (e_group[1:] != e_group[:-1]) | (e_src[1:] != e_src[:-1])
        return cls(
            bounds=np.searchsorted(e_group, np.arange(n_groups + 1)).tolist(),
            sources=np.bincount(e_group[new_source], minlength=n_groups),
            source=[c.sources[i] for i in e_src.tolist()],
            line=e_line.tolist(),
            kind=[names[i] for i in e_kind.tolist()],
            text=[c.texts[i] if i >= 0 else None for i in e_text.tolist()],
        )

    def of_group(self, g: int) -> tuple[Evidence, ...]:
        a, b = self.bounds[g], self.bounds[g + 1]
        return tuple(
            map(Evidence, self.source[a:b], self.line[a:b], self.kind[a:b], self.text[a:b])
        )


def _codes(*columns: pd.Series) -> tuple[list[np.ndarray], list]:
    """The values of `columns` as codes of one numbering that sorts as the values do
    (missing: -1), split in two: the first columns' codes (one array) and the last's;
    and the values by code."""
    joined = pd.concat([c.astype(object) for c in columns], ignore_index=True)
    codes, values = pd.factorize(joined, sort=True)
    cut = len(joined) - len(columns[-1])
    return [codes[:cut], codes[cut:]], values.tolist()


def _ints(column: pd.Series, n: int, missing: int) -> np.ndarray:
    """`column` as int64, missing values as `missing`, padded with `missing` to `n`."""
    out = np.full(n, missing, dtype=np.int64)
    out[: len(column)] = column.to_numpy(dtype=np.int64, na_value=missing)
    return out


def _matches(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (row of `keys`, item of `wanted`) with equal values: the rows, and which
    item each row matched."""
    by_key = np.argsort(keys, kind="stable")
    ordered = keys[by_key]
    lo = np.searchsorted(ordered, wanted, "left")
    counts = np.searchsorted(ordered, wanted, "right") - lo
    which = np.repeat(np.arange(len(wanted)), counts)
    at = np.arange(counts.sum()) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return by_key[at], which


def _rows_of(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of `keys` holding each item of `wanted` (-1: none)."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    by_key = np.argsort(keys, kind="stable")
    at = np.minimum(np.searchsorted(keys[by_key], wanted), len(keys) - 1)
    return np.where(keys[by_key][at] == wanted, by_key[at], -1)


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
    items: list[tuple[str, int, str]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    top: int = 10,
    near: Near | None = None,
) -> NoteRows:
    """The `top` recurring notes among `items` ((source, line, text) rows), as rows;
    `near` as for `cluster`."""
    items = _sorted_rows(items)
    groups = cluster([e[2] for e in items], threshold, near)
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
