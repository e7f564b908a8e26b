"""`cluster` with its head sieve gives exactly the groups of the plain scan (issue 9).

The sieve only skips heads that a bound proves `same` would refuse; these tests hold it
to that: the bound itself on random pairs, and whole clusterings against a copy of the
scan as it was before the sieve, on drawn lists and on real and generated reflections.
Speed is measured by `bench/cluster.py`, not here.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from test_collect import _make_corpus

from session_retro import recommend
from session_retro.collect import collect_sessions
from session_retro.recommend import cluster, headline, normalize, same, session_lines

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPUS = Path("/work/shared/corpus")


def _scan_cluster(texts: list[str], threshold: float) -> list[list[int]]:
    """`cluster` as it was before the sieve: every head scanned in Python (the oracle)."""
    groups: list[list[int]] = []
    heads: list[str] = []
    by_headline: dict[str, int] = {}
    seen: dict[str, tuple[int | None, float, int]] = {}
    normal: dict[str, str] = {}
    placed: dict[str, tuple[int, int]] = {}
    for i, t in enumerate(texts):
        spot = placed.get(t)
        if spot is not None and spot[1] == len(heads):
            groups[spot[0]].append(i)
            continue
        n = normal.get(t)
        if n is None:
            n = normal[t] = normalize(t)
        if not n:
            continue
        best, best_score, start = seen.get(n, (None, -1.0, 0))
        for g in range(start, len(heads)):
            head = heads[g]
            if same(n, head, threshold):
                score = fuzz.token_set_ratio(n, head)
                if score > best_score:
                    best, best_score = g, score
        lead = headline(t) if best is None and threshold < 100 else None
        if lead is not None:
            best = by_headline.get(lead)
        if best is None:
            groups.append([i])
            heads.append(n)
            if lead is not None:
                by_headline[lead] = len(heads) - 1
            best, best_score = len(heads) - 1, fuzz.token_set_ratio(n, n)
        else:
            groups[best].append(i)
        seen[n] = (best, best_score, len(heads))
        placed[t] = (best, len(heads))
    return groups


# A small vocabulary, so that drawn texts share words, subsets and near-subsets often.
WORDS = [
    "flaky",
    "test",
    "treated",
    "as",
    "real",
    "failure",
    "pin",
    "the",
    "order",
    "in",
    "ci",
    "search",
    "repo",
    "for",
    "existing",
    "scripts",
    "first",
    "ask",
    "run",
    "lint",
    "before",
    "push",
    "a",
    "to",
    "of",
    "retry",
    "cache",
    "stale",
    "build",
    "was",
    "réseau",
    "naïve",
    "x",
    "y",
]
HEADLINES = (
    "Flaky test treated as real failure",
    "Stale cache served old build",
    "This was a mistake",  # generic: no headline
    "Lesson 1",  # a label: no headline
)
EMPTY_AFTER_NORMALIZE = ("", "   ", "***", "...", "`#`", "“” ’", "[()]")

_words = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)
_text = st.one_of(
    _words,  # 0 to 12 words: empty, one or two words (fuzz.ratio), longer (token_set_ratio)
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join),
    st.builds(
        lambda lead, sep, rest: f"{lead}{sep}{rest}",
        st.sampled_from(HEADLINES),
        st.sampled_from([": ", ". ", " — ", " "]),
        _words,
    ),
    st.sampled_from(EMPTY_AFTER_NORMALIZE),
    st.builds(lambda w: f"**{w.title()}.**", _words),  # the same words, other markup
)


def _typo(text: str, at: int, char: str, how: int) -> str:
    """`text` with one character replaced, dropped or added: no word in common left."""
    if not text:
        return char
    at %= len(text)
    if how == 0:
        return text[:at] + char + text[at + 1 :]
    if how == 1:
        return text[:at] + text[at + 1 :]
    return text[:at] + char + text[at:]


@st.composite
def _texts(draw, min_size: int = 300, max_size: int = 500) -> list[str]:
    """Texts drawn from a pool, so that exact repeats, typos of each other and fresh
    texts interleave (the scan's resume after a repeat and the headline fallback)."""
    pool = draw(st.lists(_text, min_size=1, max_size=60))
    pick = st.integers(0, len(pool) - 1)
    edits = st.tuples(pick, st.integers(0, 200), st.sampled_from("aeiouxz -"), st.integers(0, 2))
    out = draw(
        st.lists(
            st.one_of(
                pick.map(pool.__getitem__),
                edits.map(lambda e: _typo(pool[e[0]], *e[1:])),
                _text,
            ),
            min_size=min_size,
            max_size=max_size,
        )
    )
    return out


_thresholds = st.one_of(st.sampled_from([0, 50, 85, 95, 100]), st.floats(0, 100))


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(_text, min_size=1, max_size=40),
    b=st.lists(_text, min_size=1, max_size=40),
    threshold=_thresholds,
)
def test_sieve_keeps_every_pair_same_accepts(a, b, threshold):
    # the bound alone: a pair the sieve drops is a pair `same` refuses
    rows = [n for n in map(normalize, a) if n]
    cols = [n for n in map(normalize, b) if n]
    codes: dict[str, str] = {}
    may = recommend._may_be_same(
        recommend._forms(rows, codes), recommend._forms(cols, codes), threshold
    )
    for i, x in enumerate(rows):
        for j, y in enumerate(cols):
            if same(x, y, threshold):
                assert may[i, j], (x, y, threshold)


@settings(max_examples=40, deadline=None)
@given(
    texts=_texts(),
    threshold=_thresholds,
    window=st.sampled_from([1, 7, 64, 512]),
    block=st.sampled_from([3, 50, 8192]),
    sieve_from=st.sampled_from([0, 4]),
)
def test_cluster_equals_the_scan(texts, threshold, window, block, sieve_from):
    # small windows and blocks put heads before the window, within it, and across
    # several C++ calls; the sieve takes any scan (0) or only some, so that heads are
    # also added past every window
    with (
        mock.patch.object(recommend, "_WINDOW", window),
        mock.patch.object(recommend, "_BLOCK", block),
        mock.patch.object(recommend, "_SIEVE_FROM", sieve_from),
    ):
        assert cluster(texts, threshold) == _scan_cluster(texts, threshold)


@settings(max_examples=20, deadline=None)
@given(texts=_texts(min_size=0, max_size=40), threshold=_thresholds)
def test_small_lists_scan_as_before(texts, threshold):
    assert cluster(texts, threshold) == _scan_cluster(texts, threshold)


def _line_texts(paths: list[str]) -> list[list[str]]:
    """The texts `cluster` is given for these reflections: candidates, root causes and
    lessons, in the rows' order and sorted."""
    lines, _ = session_lines(collect_sessions(paths, jobs=1), (), None)
    kinds = (
        recommend.CANDIDATE_KINDS,
        recommend.NOTE_KINDS["root_cause"],
        recommend.NOTE_KINDS["lesson"],
    )
    by_kind = [[r.text for r in lines if r.kind in k] for k in kinds]
    return by_kind + [sorted(t) for t in by_kind]


def _assert_same_groups(paths: list[str]) -> None:
    for texts in _line_texts(paths):
        assert texts
        for threshold in (50, 85, 95):
            with mock.patch.object(recommend, "_WINDOW", 97):
                assert cluster(texts, threshold) == _scan_cluster(texts, threshold)


def test_repo_sessions_cluster_as_before():
    _assert_same_groups([str(REPO / "sessions")])


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="the shared corpus is not here")
def test_shared_corpus_clusters_as_before():
    _assert_same_groups([str(SHARED_CORPUS)])


def test_generated_corpus_clusters_as_before(tmp_path):
    # 2,000 generated reflections: the same lessons recur thousands of times
    _make_corpus().generate(2000, tmp_path, seed=8)
    _assert_same_groups([str(tmp_path)])
