"""An attempt's own minutes (issue 4): the time the text says it took, never a
setting it changed, a state the system was in, or the session's length.

Each case is a short reflection of our own whose figures tempt the reader.
"""

from __future__ import annotations

import pytest

from session_retro.parse import parse_session


def _minutes(text: str) -> list[float | None]:
    return [a.minutes for a in parse_session(text, "x.md").attempts]


def _listed(*items: str) -> str:
    lines = [f"{i}. {item}" for i, item in enumerate(items, 1)]
    return "# Retro\n\nDate: 2026-03-02\n\n## Attempts\n\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("header", "date", "total", "result"),
    [
        pytest.param(
            "Date: 2026-09-21 | Duration: 45 min | Result: fixed",
            "2026-09-21",
            45,
            "success",
            id="pipes",
        ),
        pytest.param(
            "**Date:** 2026-09-21 · **Total:** 2.5 hours", "2026-09-21", 150, None, id="middots"
        ),
    ],
)
def test_several_fields_on_one_line(header, date, total, result):
    text = (
        f"# Retro: upload limit\n\n{header}\n\n## What I tried\n\n- Raised the limit (10 min) ✅\n"
    )
    session = parse_session(text, "x.md")
    assert (str(session.date), session.total_minutes) == (date, total)
    if result is not None:
        assert session.result == result


LOG = """# Session log: webhook storm

## Log

- 09:10 tried replaying the dead letters ❌
- 09:30 tried a lower concurrency ❌
- 09:55 tried a token bucket ✅
- {end}
"""


@pytest.mark.parametrize(
    "end",
    ["10:20 wrapped up, wrote the summary", "10:20 wrapped things up"],
    ids=["up", "things-up"],
)
def test_the_logs_closing_entry_is_no_attempt(end):
    assert _minutes(LOG.format(end=end)) == [20, 25, 25]


def test_wrapping_something_is_still_an_attempt():
    log = LOG.format(end="10:20 wrapped the client in a retry ✅\n- 10:40 done")
    assert _minutes(log) == [20, 25, 25, 20]
