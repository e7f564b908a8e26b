"""Scans of a lowered text find what IGNORECASE finds in the text (`vocab.lowered`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.parse import _DOC_FAILURE, _DOC_SUCCESS, _verdict_counts
from session_retro.parse.vocab import lowered

# Verdict words in any case, the characters IGNORECASE folds to ASCII letters
# (İ ı ſ K), accents that do fold (É), marks and the joints a \\b looks at.
_PIECES = [
    "done", "DONE", "Completed", "fixed", "shipped", "Works now", "now works",
    "all tests pass", "failed to", "FAILURE", "couldn't", "did not work", "gave up",
    "Échec", "échec", "réussi", "RÉUSSI", "完了", "失敗", "✅", "❌", "\u0130", "\u0131", "\u017f", "\u212a", "K",
    "-", "_", " ", "\n", "x", "2",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_verdict_counts_equal_the_case_blind_scan(pieces: list[str]):
    text = "".join(pieces)
    expected = (len(_DOC_SUCCESS.findall(text)), len(_DOC_FAILURE.findall(text)))
    assert _verdict_counts(text) == expected


def test_a_text_with_a_folding_trap_is_left_to_the_case_blind_scan():
    assert lowered("Done ✅") == "done ✅"
    assert lowered("ſhipped") is None  # IGNORECASE reads "shipped"; lower() does not
    assert _verdict_counts("ſhipped, Fixed") == (2, 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + ["Should Have", "IDEAL", "で終わる"]), max_size=12))
def test_lowered_utf8_holds_every_phrase_ignorecase_finds(pieces: list[str]):
    # The prefilter of find_ideal: absent from lowered_utf8 means IGNORECASE finds none.
    import re

    from session_retro.parse.vocab import lowered_utf8

    text = "".join(pieces)
    low = lowered_utf8(text.encode())
    # ASCII phrases, and phrases without a cased letter: what the function promises.
    for phrase in ("done", "should have", "ideal", "failed to", "aurait d", "で終わる"):
        if low is not None and re.search(re.escape(phrase), text, re.I):
            assert phrase.encode() in low, (phrase, text)
    assert (low is None) == any(c in text for c in "\u0130\u0131\u017f\u212a")


def test_case_sensitive_twin_only_where_exact():
    import re

    from session_retro.parse import _DOC_WORDS_LOWER
    from session_retro.parse.vocab import case_sensitive_twin

    plain = re.compile(r"\bdone\b|réussi", re.I)
    assert not case_sensitive_twin(plain).flags & re.I
    # A capital would never match a lowered text; ſ matches "s" only case-blind.
    for kept in (re.compile("Done", re.I), re.compile("ſhipped", re.I)):
        assert case_sensitive_twin(kept) is kept
    # The verdict patterns get their fast twins (a capital added to them would not).
    assert all(not rx.flags & re.I for rx in _DOC_WORDS_LOWER)
