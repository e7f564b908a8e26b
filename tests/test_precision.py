"""Numbers that are no durations and dates that are not the session's (issue 4).

Each row comes from a reflection full of figures of other kinds (status codes,
counts, settings, versions, other events' dates) and says which reading it guards.
"""

from __future__ import annotations

import pytest

from session_retro.parse import parse_session
from session_retro.parse.dates import find_date
from session_retro.parse.durations import find_duration, spent_duration
from session_retro.parse.meta import find_ideal


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # The plural of an HTTP status is no length in seconds.
        pytest.param("Still a wave of 500s during the next deploy.", None, id="wave-of-500s"),
        pytest.param("We got 502s from the gateway on 3% of requests.", None, id="got-502s"),
        pytest.param("429s from the partner API within seconds", None, id="429s-from"),
        # ...unless the words around it make it one.
        pytest.param("a 500s timeout on the export job", 8.33, id="500s-timeout"),
        pytest.param("gave up after 450s", 7.5, id="after-450s"),
        # Millions: "10m rows" and "40M filas" count rows, not minutes.
        pytest.param("One UPDATE over all 10m rows", None, id="million-rows"),
        pytest.param("la tabla de pedidos tiene 40M filas", None, id="million-capital"),
        pytest.param("raised it to a 10m timeout", 10, id="minutes-before-a-setting"),
        # Dimensions, decades, tens and reading times are no lengths either.
        pytest.param("The 3D model still rendered black.", None, id="3d-model"),
        pytest.param("a 2d array of tiles", None, id="2d-array"),
        pytest.param("took 3d in total", 4320, id="days-before-other-words"),
        pytest.param("broke US records from the 2010s", None, id="decade"),
        pytest.param("10s of thousands of rows", None, id="tens-of"),
        pytest.param("*5 min read*", None, id="reading-time"),
    ],
)
def test_figures_that_count_something_else(text, minutes):
    d = find_duration(text)
    assert (d and d.minutes) == minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # An hour and a half written after the figure, in four languages.
        pytest.param("作業時間: 1時間半", 90, id="japanese-and-a-half"),
        pytest.param("Duración: 2 horas y media", 150, id="spanish-and-a-half"),
        pytest.param("Durée : 2 heures et demie", 150, id="french-and-a-half"),
        pytest.param("took 2 hours and a half", 150, id="english-and-a-half"),
        # Hours and minutes joined by the language's "and".
        pytest.param("corte en caliente — 1 hora y 20 minutos, funcionó", 80, id="spanish-y"),
        pytest.param("1 Stunde und 20 Minuten", 80, id="german-und"),
        pytest.param("1 heure et 15 minutes", 75, id="french-et"),
    ],
)
def test_hours_and_minutes_in_other_languages(text, minutes):
    assert find_duration(text).minutes == minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # A length of what the system went through is no time the author spent.
        pytest.param(
            "30 seconds of silence on the stream, then the load balancer dropped it.",
            None,
            id="seconds-of-silence",
        ),
        pytest.param("15 minutes of downtime on every deploy.", None, id="minutes-of-downtime"),
        pytest.param("About 25 minutes of nginx changes.", 25, id="minutes-of-work"),
        # Killing a run after a while is giving up on it, as "reverted after" is.
        pytest.param("Locked the table; I killed it after 12 minutes.", 12, id="killed-after"),
        pytest.param("Aborted it after 20 min.", 20, id="aborted-after"),
        # A rate, or what a thing takes, measures the thing: no time spent.
        pytest.param(
            "Each query still took 3s per request under load.", None, id="took-per-request"
        ),
        pytest.param("It took 2 min each run.", None, id="took-each-run"),
        pytest.param("The suite takes 12 minutes either way.", None, id="suite-takes"),
    ],
)
def test_time_spent_or_time_the_system_went_through(text, minutes):
    d = spent_duration(text)
    assert (d and d.minutes) == minutes


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        # Calendar versions are no days.
        pytest.param("pulled certifi 2024.8.30 and requests began failing", None, id="calver"),
        pytest.param("Pin certifi back to 2023.7.22", None, id="calver-pinned-back"),
        pytest.param("pip install tool==2023.10.01", None, id="calver-pin"),
        pytest.param("upgraded to v2026.03.01", None, id="calver-v"),
        pytest.param("build 2026.03.01.2 failed", None, id="calver-four-parts"),
        # A dotted date written in full stays one.
        pytest.param("Date: 2026.11.30", "2026-11-30", id="dotted-date"),
    ],
)
def test_calendar_versions_are_no_dates(text, iso):
    found = find_date(text)
    assert (found and found.iso) == iso


def test_the_session_day_beats_the_day_the_note_was_updated():
    text = (
        "# Queue consumer lag\n\n_Last updated: 2026-05-10_\n\n## Session info\n\n"
        "- Date: 2026-05-02\n- Duration: 2h 15m\n\n## Attempts\n\n"
        "### Attempt 1: Scale consumers from 4 to 12 (30 min)\nLag kept growing.\n"
    )
    assert parse_session(text, "x.md").date == "2026-05-02"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        # A release's day written first, the session's later in running text.
        pytest.param(
            "# Android build broken by AGP 8.5\n\nAGP 8.5 was released on 2026-06-04; the "
            "nightly broke after it.\n\nI worked on this on 2026-06-08, about 2 hours.\n",
            "2026-06-08",
            id="release-day-first",
        ),
        # A linked issue's title holds the day of the release at fault.
        pytest.param(
            '# Fixing "Nightly export broken since 2026-01-05 release" (#812)\n\n'
            "- **Written**: 2026-01-14\n- **Time**: 19:30-21:00\n",
            "2026-01-14",
            id="issue-title-release",
        ),
        # The day the bug was reported, and a deadline in French.
        pytest.param(
            "# CSV export drops the last row\n\nThe bug was first reported on 2026-02-02 by "
            "finance.\n\nI picked this up on 2026-02-09.\n",
            "2026-02-09",
            id="reported-day",
        ),
        pytest.param(
            "# Quotas de l'API Maps\n\nLa date limite de la facturation était le 15 mars "
            "2026 ; la séance a eu lieu le 10 mars 2026.\n",
            "2026-03-10",
            id="french-deadline",
        ),
        pytest.param(
            "# Node upgrade\n\nNode 18 reached end of life on 2025-04-30; I upgraded the "
            "service on 2025-05-12.\n",
            "2025-05-12",
            id="end-of-life-day",
        ),
        # With no other day written, the event's day is still the only one there is.
        pytest.param(
            "# Upgrade notes\n\nThe 2026-03-01 release broke the importer.\n",
            "2026-03-01",
            id="only-an-event-day",
        ),
        # A post-mortem's incident is its session: its day stays.
        pytest.param(
            "# Incident 2026-04-17: DNS outage\n\nThe cluster released 3 nodes on 2026-04-18.\n",
            "2026-04-17",
            id="incident-day",
        ),
    ],
)
def test_another_events_day_is_not_the_sessions(text, iso):
    assert parse_session(text, "x.md").date == iso


@pytest.mark.parametrize(
    ("sentence", "minutes"),
    [
        # The sentence's capture stops at a dot: the decimal one too.
        pytest.param("Total session time was 1.5 hours.", 90, id="decimal-hours"),
        # The suite's wall time, not the session's.
        pytest.param("The suite's 12 min of wall time dropped to 4 min.", None, id="suites"),
        pytest.param("Wall time went from 40 min to 12 min wall time.", None, id="comparison"),
        # A user's login session is no working session.
        pytest.param(
            "Support said a user session lasted 15 minutes instead of 8 hours.",
            None,
            id="login-session",
        ),
        pytest.param("It came close to 4h wall time.", 240, id="close-to-wall-time"),
    ],
)
def test_a_length_told_in_a_sentence_is_the_sessions_only(sentence, minutes):
    text = f"# Title\n\n**Date**: 2026-11-30\n\n## Notes\n\n{sentence}\n"
    assert parse_session(text, "x.md").total_minutes == minutes


@pytest.mark.parametrize(
    ("sentence", "ideal"),
    [
        # What a setting should have been is no length of the work.
        pytest.param(
            "The client timeout should have been 10 seconds from the start.", None, id="timeout"
        ),
        pytest.param(
            "The retry count should have been 2, not 5, with a 3 seconds backoff.",
            None,
            id="retry-count",
        ),
        pytest.param("The cache TTL really should have been 15 minutes.", None, id="ttl"),
        pytest.param("This should have taken 1.5 hours.", 90, id="decimal-hours"),
    ],
)
def test_what_a_setting_should_have_been_is_no_ideal(sentence, ideal):
    assert find_ideal(sentence) == ideal


@pytest.mark.parametrize(
    ("text", "minutes", "clock"),
    [
        # French clock times are no lengths: a range from 7 o'clock on is a span...
        pytest.param("**Durée** : 14h-16h30", 150, (14, 0, 16, 30), id="french-range"),
        pytest.param("de 14h à 16h30", 150, (14, 0, 16, 30), id="french-de-a"),
        # ...a time after "à" or "Heure :" is a moment, and a length after it still counts.
        pytest.param("relancer le job de 14h", None, None, id="job-of-2pm"),
        pytest.param("Le job planifié à 14h15 a échoué ; 20 min perdues.", 20, None, id="a-14h15"),
        pytest.param("Heure : 21h05", None, None, id="heure-field"),
        # "1h30" and "2h-3h" stay lengths.
        pytest.param("corriger le cron (1h30)", 90, None, id="length-1h30"),
        pytest.param("2h-3h", 150, None, id="length-range"),
    ],
)
def test_clock_hours_in_french(text, minutes, clock):
    d = find_duration(text)
    assert (d and d.minutes, d and d.clock) == (minutes, clock)


ATTEMPTS_WITH_DURATIONS = """# Session Reflection: Redis eviction storm

**Date**: 2026-07-01

## Attempts

### Attempt 1: Raise maxmemory to 4 GB
- **Duration**: 20 min
- **Result**: ❌ evictions continued

### Attempt 2: Switch to allkeys-lfu
- **Duration**: 35 min
- **Result**: ✅ fixed
"""


@pytest.mark.parametrize(
    ("tail", "total"),
    [
        # Each attempt's own Duration field: none of them is the session's.
        pytest.param("", None, id="one-per-attempt"),
        # A field below them that names the whole session still gives it.
        pytest.param("\n## Wrap-up\n\n**Total time**: 1h 10m\n", 70, id="total-label-wins"),
    ],
)
def test_a_duration_field_under_every_attempt_is_no_session_length(tail, total):
    assert parse_session(ATTEMPTS_WITH_DURATIONS + tail, "x.md").total_minutes == total
