"""Readers skip a regex when the text lacks what it needs: the answers stay the same.

Each case sits on the edge of one of those shortcuts (issue 4): the literal a pattern
cannot match without, the characters that IGNORECASE folds to ASCII letters where
`str.lower()` does not, a mark that makes a second judgement necessary.
"""

import pytest

from session_retro.parse import parse_session
from session_retro.parse.meta import classify_result, find_ideal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A score needs "/" or "of"; "out of" holds "of".
        pytest.param("✅ 2/3 bugs fixed", "partial", id="score-slash"),
        pytest.param("3 out of 3", "success", id="score-out-of"),
        pytest.param("0 of 29 wins", "failure", id="score-of-zero"),
        pytest.param("Testing 1/2", "unknown", id="score-while-testing"),
        # Counts of nothing are no failures: "0", "zero", "no", "without" open them.
        pytest.param("39 passed, 0 failed", None, id="zero-failed"),
        pytest.param("Zero errors, shipped", "success", id="zero-word"),
        pytest.param("done without errors", "success", id="without-errors"),
        pytest.param("no regressions", None, id="no-regressions"),
        pytest.param("❌", "failure", id="mark-only"),
        pytest.param("Success", "success", id="word-only"),
    ],
)
def test_classify_result(text, expected):
    assert classify_result(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("It should have taken 10 minutes.", 10.0, id="should-have"),
        pytest.param("SHOULD HAVE BEEN 20 min", 20.0, id="upper-case"),
        # IGNORECASE reads "ſ" as "s" and "İ" as "i"; lower() does not make them so.
        pytest.param("It ſhould have been 15 minutes.", 15.0, id="long-s"),
        pytest.param("İdeal: 30 min", 30.0, id="dotted-capital-i"),
        pytest.param("30分で終わる作業", 30.0, id="japanese"),
        pytest.param("nothing here", None, id="no-sentence"),
    ],
)
def test_find_ideal(text, expected):
    assert find_ideal(text) == expected


@pytest.mark.parametrize(
    ("body", "minutes"),
    [
        pytest.param("The ſeſſion lasted 2 hours.", 120.0, id="long-s-session"),
        pytest.param("About ~4h of WALL time.", 240.0, id="wall-time-upper"),
        pytest.param("Total session time was 45 min.", 45.0, id="total-session-time"),
    ],
)
def test_total_from_a_sentence(body, minutes):
    session = parse_session(f"# Title\n\n**Date**: 2026-02-02\n\n{body}\n", "x.md")
    assert session.total_minutes == minutes


_DOC = """# T

**Date**: 2026-02-02
**Status**: ✅ Done

## Time Analysis

| Phase | Time |
|---|---|
| **Fix** | 5 min |
| tax_rates `load` | 10 min |

## Notes

- [ ] outer task
  - [x] inner task
- TODO: write docs
"""


def test_marks_and_nesting():
    session = parse_session(_DOC, "x.md")
    # A status with a mark is judged again without it; its words still say done.
    assert session.result.value == "success"
    # Emphasis goes from a phase name; an underscore inside a word stays.
    assert [(r.phase, r.minutes) for r in session.time_analysis] == [
        ("Fix", 5.0),
        ("tax_rates load", 10.0),
    ]
    # Task items outside a to-do section, nested ones included, in document order.
    assert [(a.text, a.done, a.line) for a in session.action_items] == [
        ("outer task", False, 15),
        ("inner task", True, 16),
        ("write docs", False, 17),
    ]
