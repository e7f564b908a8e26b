"""Section kinds: the fast ASCII path of `kinds_of` finds exactly what IGNORECASE does."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.parse import vocab
from session_retro.parse.sections import _section_re, _section_re_ascii, kinds_of

# Words of every kind's vocabulary, with regex syntax dropped, so generated headings
# hit the patterns' branches, their edges (hyphens, plurals) and near misses.
_WORDS = sorted(
    {w for words in vocab.SECTION_WORDS.values() for p in words for w in re.findall(r"[a-z']+", p)}
)


def _ignorecase_kinds(words: str) -> set[str]:
    return {k for k in vocab.SECTION_WORDS if _section_re(k).search(words)}


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_WORDS), st.sampled_from(["-", "/", "'", "#", "2", "x"])),
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_ascii_path_matches_ignorecase(parts: list[str], rnd):
    # Random capitals: the fast path lowercases, IGNORECASE ignores; both must agree.
    words = " ".join(parts)
    words = "".join(c.upper() if rnd.random() < 0.3 else c for c in words)
    assert {k for k in vocab.SECTION_WORDS if _section_re_ascii(k).search(words.lower())} == (
        _ignorecase_kinds(words)
    )


def test_kinds_of_reads_headings_in_any_case():
    assert "attempts" in kinds_of("What I Tried")
    assert "actions" in kinds_of("NEXT STEPS")
    assert "lessons" in kinds_of("LEÇONS APPRISES")  # not ASCII: the IGNORECASE path
    assert kinds_of("Attempt 3: Mock the client (15 min) ❌") == frozenset()


def test_every_kind_takes_the_fast_path():
    # A vocabulary word with a capital or a case-only twin of an ASCII letter would
    # silently send its kind back to IGNORECASE: say so here instead.
    assert all(not _section_re_ascii(k).flags & re.I for k in vocab.SECTION_WORDS)


def test_kinds_of_ignores_words_in_code_spans():
    # An attempt heading naming `actions/cache` is no "Actions" section (it was skipped
    # as a to-do heading); words outside the code still count.
    assert kinds_of("試行2: `actions/cache` を v4 に更新 (30分) ✅") == frozenset()
    assert kinds_of("Bump `next-steps` plugin") == frozenset()
    assert "actions" in kinds_of("Next steps for `actions/cache`")
