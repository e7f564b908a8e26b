"""Session-level fields as authors write them in several languages: the result a
status value states, what the session should have taken, the title without its
decorations, and a length given by separate start and end fields."""

import pytest

from session_retro.parse.meta import classify_result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("completado", "success", id="spanish-done"),
        pytest.param("terminada", "success", id="spanish-finished"),
        pytest.param("sin resolver", "failure", id="spanish-unresolved"),
        pytest.param("abandonado", "failure", id="spanish-abandoned"),
        pytest.param("erledigt", "success", id="german-done"),
        pytest.param("behoben", "success", id="german-fixed"),
        # The negation is read before the word it holds.
        pytest.param("nicht behoben", "failure", id="german-not-fixed"),
        pytest.param("abgebrochen", "failure", id="german-aborted"),
        pytest.param("abandonné, on reprendra plus tard", "failure", id="french-abandoned"),
        pytest.param("résolu", "success", id="french-resolved"),
        pytest.param("pas résolu", "failure", id="french-not-resolved"),
    ],
)
def test_result_words_in_other_languages(text, expected):
    assert classify_result(text) == expected
