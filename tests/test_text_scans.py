"""The whole-text scans behind `text_warnings` (issue 9) find what a plain regex
scan finds: they are tuned for speed (issue 4), with short cuts a plain scan has not."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.parse.dates import _ISO_PROBES, _not_days, invalid_dates

# Pieces that make dates and near-dates: key digits, separators, a digit of another
# script (the regex's \d takes it), a superscript (isdigit, not \d).
DATE_PIECES = ["2", "0", "1", "9", "6", "3", "-", "/", ".", " ", "\n", "٢", "²", "a", "😀"]
DATE_PIECES += ["2026-02-30", "1999-02-29", "2026-02-28", "1900-01-32", "20٢٦-02-30"]


def plain_invalid_dates(text: str) -> list[str]:
    """`invalid_dates` as one regex scan."""
    iso = re.compile(r"(?:19|20)\d\d[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)")
    return _not_days(text, iso.finditer(text))


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        # Past the probe budget of "2"s, the regex scan finds the rest.
        pytest.param(
            "2" * (_ISO_PROBES + 5) + " 2026-02-30 " + "2 " * _ISO_PROBES + "2026-13-01 1999.02.29",
            ["2026-02-30", "2026-13-01", "1999.02.29"],
            id="past-probe-budget",
        ),
        # The budget runs out on a year's own "2", or on the one before it.
        pytest.param("2 " * _ISO_PROBES + "2026-02-30", ["2026-02-30"], id="budget-ends-on-a-year"),
        pytest.param(
            "2 " * (_ISO_PROBES - 1) + "2026-02-30", ["2026-02-30"], id="budget-ends-before"
        ),
        pytest.param("1999-02-29", ["1999-02-29"], id="nineteen-at-offset-0"),
        pytest.param("9 1999-02-29", ["1999-02-29"], id="key-digit-at-offset-0"),
        pytest.param("20٢٦-02-30", ["20٢٦-02-30"], id="other-script-digits"),
        pytest.param("²2026-02-30 12026-02-30", [], id="after-a-digit"),
    ],
)
def test_invalid_dates_cases(text, bad):
    assert invalid_dates(text) == bad == plain_invalid_dates(text)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(DATE_PIECES), max_size=120).map("".join))
def test_invalid_dates_match_one_regex_scan(text):
    assert invalid_dates(text) == plain_invalid_dates(text)
