"""Options shared by several commands, declared once in `cli_options`."""

from __future__ import annotations

from datetime import datetime

import pytest

from session_retro.cli_options import DAY


def test_since_and_until_help_show_the_form_to_write(cli_invoke):
    # review nit: click.DateTime showed its strptime format, `[%Y-%m-%d]`
    out = cli_invoke("analyze", "--help").output
    assert "--since YYYY-MM-DD" in out and "--until YYYY-MM-DD" in out
    assert "%Y" not in out


@pytest.mark.parametrize(
    ("given", "says"),
    [
        # not the form at all: say which form
        pytest.param(
            "14.02.2026", "is not a day: write it as YYYY-MM-DD, e.g. 2026-02-14", id="form"
        ),
        # the form, but no such day
        pytest.param("2026-02-30", "is not a real day", id="no-such-day"),
        pytest.param("2026-13-01", "is not a real day", id="no-such-month"),
    ],
)
def test_a_bad_day_is_a_usage_error_saying_what_to_write(cli_invoke, tmp_path, given, says):
    # review nit: the message was "does not match the format '%Y-%m-%d'"
    r = cli_invoke("analyze", str(tmp_path), "--since", given, expect=2)
    assert f"'{given}' {says}" in r.output
    assert "does not match the format" not in r.output


def test_day_is_a_datetime_at_midnight():
    assert DAY.convert(" 2026-02-14 ", None, None) == datetime(2026, 2, 14)
