"""Which headings name an attempt of their own: numbered, or lettered ("Approach B:")."""

import pytest

from session_retro.parse.attempts import _numbered_title, clean_approach


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("Attempt 3: Enable the Data API (15 min) ❌", True, id="numbered"),
        pytest.param("Approach B: subset fonts at build time", True, id="lettered"),
        pytest.param("Try C — pin the runner image", True, id="lettered-dash"),
        pytest.param("Plan A: copy the crontab", True, id="plan-lettered"),
        pytest.param("Tentativo 2: sincronizzare l'orologio", True, id="italian"),
        pytest.param("Ansatz 1: Heap-Limit erhöhen", True, id="german"),
        # A lowercase article is no letter: the heading names what was tried, unnumbered.
        pytest.param("Try a smaller batch size", False, id="article-not-letter"),
        # Options a decision weighs are seldom tried; "Plan 2" is a schedule's step.
        pytest.param("Option A: SQS", False, id="option-lettered"),
        pytest.param("Plan 2: migrate the jobs", False, id="plan-numbered"),
    ],
)
def test_attempt_heading(title, expected):
    assert _numbered_title(title) is expected


def test_lettered_label_is_no_part_of_the_approach():
    assert clean_approach("Approach B — memoise the rule engine (40 min)") == (
        "memoise the rule engine"
    )
