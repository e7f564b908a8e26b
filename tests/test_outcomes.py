"""Outcome words: the verdict an attempt's own text gives."""

import pytest

from session_retro.parse.outcomes import mark_outcome, value_outcome, words_outcome


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Negated success must not read as success (regression: "doesn't work" was succeeded).
        pytest.param("It doesn't work", "failed", id="negated-work"),
        pytest.param("still not working after the restart", "failed", id="still-not-working"),
        pytest.param("This did not help", "failed", id="did-not-help"),
        pytest.param("no longer works after restart", "failed", id="no-longer"),
        pytest.param("Fixed the error", "succeeded", id="fixed-beats-error"),
        pytest.param("worked for pip, not for npm", "partial", id="worked-but-not"),
        pytest.param(
            "Direct API calls work, but backend still returns empty", "partial", id="work-but"
        ),
        pytest.param("Why I abandoned it", "abandoned", id="abandoned"),
        pytest.param("Status: Testing now", "unknown", id="testing-now"),
        pytest.param("エラーは変わらない", "failed", id="japanese-unchanged"),
        pytest.param("Issue の解決策 (その 1)", None, id="japanese-solution-noun-is-no-verdict"),
        pytest.param("Sweep result: everything dropped to F", "failed", id="dropped-to"),
        pytest.param("a plain description of the change", None, id="no-verdict"),
    ],
)
def test_words_outcome(text, expected):
    assert words_outcome(text) == expected


def test_mixed_marks_are_partial():
    assert mark_outcome("✅ ❌") == "partial"
    assert mark_outcome("❌") == "failed"
    assert mark_outcome("no mark") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0/29 wins", "failed"),
        ("29/29 green", "succeeded"),
        ("2/3 bugs fixed", "partial"),
        ("✅", "succeeded"),
    ],
)
def test_value_outcome_scores_and_marks(value, expected):
    assert value_outcome(value) == expected
