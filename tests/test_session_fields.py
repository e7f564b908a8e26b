"""Session-level fields as authors write them in several languages: the result a
status value states, what the session should have taken, the title without its
decorations, and a length given by separate start and end fields."""

import pytest

from session_retro.parse import parse_session
from session_retro.parse.meta import classify_result, clean_title, find_ideal


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
        # "未解決" (unresolved) holds "解決" (resolved): read first.
        pytest.param("未解決", "failure", id="japanese-unresolved"),
        pytest.param("Mitigated, root cause still open", "partial", id="mitigated"),
        pytest.param("workaround in place", "partial", id="workaround"),
        pytest.param("Won't fix (the service is being retired)", "failure", id="wont-fix"),
    ],
)
def test_result_words_in_other_languages(text, expected):
    assert classify_result(text) == expected


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        pytest.param("2026-11-30 — Queue consumer lag", "Queue consumer lag", id="lead-iso-dash"),
        pytest.param("[2026-11-30] Queue consumer lag", "Queue consumer lag", id="lead-bracketed"),
        pytest.param("Nov 30, 2026: Deploy freeze", "Deploy freeze", id="lead-month-colon"),
        # Only a date and a label: the date is the title.
        pytest.param("2026-11-30 — Session Reflection", "2026-11-30", id="lead-date-label"),
        pytest.param("2026-11-30", "2026-11-30", id="date-alone"),
        pytest.param("[Retro] Search latency spike", "Search latency spike", id="bracketed-label"),
        pytest.param(
            "Debugging session: websocket drops", "websocket drops", id="debugging-session-label"
        ),
        # A bracketed word that is no genre label stays.
        pytest.param("[WIP] Disk cleanup", "[WIP] Disk cleanup", id="bracketed-other"),
        # A year that opens a title is no date.
        pytest.param("2026 roadmap - planning", "2026 roadmap - planning", id="year-words"),
    ],
)
def test_title_without_a_leading_date(raw, title):
    assert clean_title(raw) == title


@pytest.mark.parametrize(
    ("fields", "minutes", "ended_at"),
    [
        pytest.param("- Start: 09:40\n- End: 11:05", 85, "2026-11-30T11:05:00", id="same-day"),
        pytest.param(
            "- Started: 2026-11-30 23:00\n- Ended: 2026-12-02 01:00",
            1560,
            "2026-12-02T01:00:00",
            id="days-apart",
        ),
        # An end before the start on the same written day names no span.
        pytest.param(
            "- Started: 2026-11-30 09:00\n- Ended: 2026-11-30 08:00", None, None, id="end-first"
        ),
        pytest.param("- Start: Monday\n- End: Tuesday", None, None, id="no-clock"),
    ],
)
def test_length_from_start_and_end_fields(fields, minutes, ended_at):
    session = parse_session(f"# Title\n\n**Date**: 2026-11-30\n\n{fields}\n", "x.md")
    assert session.total_minutes == minutes
    assert session.ended_at == ended_at


@pytest.mark.parametrize(
    ("sentence", "ideal"),
    [
        pytest.param(
            "This could have been done in a quarter of an hour with the logs open.",
            15,
            id="quarter-hour",
        ),
        pytest.param("It should have taken three quarters of an hour.", 45, id="three-quarters"),
    ],
)
def test_ideal_in_words(sentence, ideal):
    session = parse_session(f"# Title\n\n**Date**: 2026-11-30\n\n{sentence}\n", "x.md")
    assert session.ideal_minutes == ideal


@pytest.mark.parametrize(
    ("text", "ideal"),
    [
        pytest.param("Total: 70 min (ideal: 10)", 10, id="unit-of-the-total"),
        pytest.param("Total: 2h (ideal: 1)", 60, id="hours-of-the-total"),
        # A bare figure with no length before it on its line names no unit: never guessed.
        pytest.param("ideal: 10", None, id="no-unit"),
        pytest.param("Total: 70 min.\nIdeal: 10", None, id="unit-on-another-line"),
    ],
)
def test_bare_ideal_takes_the_unit_before_it(text, ideal):
    assert find_ideal(text) == ideal


@pytest.mark.parametrize(
    ("line", "minutes"),
    [
        pytest.param("Whole session: 1h 45m.", 105, id="whole-session"),
        pytest.param("**Entire session**: 50 min", 50, id="entire-session"),
    ],
)
def test_whole_session_label_gives_the_total(line, minutes):
    session = parse_session(f"# Title\n\n**Date**: 2026-11-30\n\nNotes.\n\n{line}\n", "x.md")
    assert session.total_minutes == minutes


@pytest.mark.parametrize(
    ("line", "minutes"),
    [
        pytest.param("Time taken: 90 mins", 90, id="time-taken"),
        pytest.param("- Time invested: ~2.5h", 150, id="time-invested"),
        pytest.param("**Zeitaufwand:** 2 Std.", 120, id="german-effort"),
        pytest.param("**Temps passé :** 45 min", 45, id="french-time-spent"),
    ],
)
def test_time_taken_labels_give_the_total(line, minutes):
    session = parse_session(f"# Title\n\n**Date**: 2026-11-30\n{line}\n", "x.md")
    assert session.total_minutes == minutes


@pytest.mark.parametrize(
    ("line", "minutes"),
    [
        pytest.param("**Elapsed:** 01:10", 70, id="elapsed"),
        pytest.param("Duration: 1:05:30", 65.5, id="hours-minutes-seconds"),
        # Under a label that does not name a length, the figure is a clock time.
        pytest.param("Time: 14:05", None, id="a-clock"),
    ],
)
def test_stopwatch_length(line, minutes):
    session = parse_session(f"# Title\n\n**Date**: 2026-11-30\n{line}\n", "x.md")
    assert session.total_minutes == minutes


@pytest.mark.parametrize(
    ("table", "date", "minutes"),
    [
        pytest.param(
            "| Date | Duration | Author |\n|---|---|---|\n| 2026-11-30 | 40 min | me |",
            "2026-11-30",
            40,
            id="labels-with-a-date",
        ),
        # One row of an attempts table holds that attempt's time, not the session's.
        pytest.param(
            "| Attempt | Time | Result |\n|---|---|---|\n| Restart the pod | 10 min | failed |",
            None,
            None,
            id="one-attempt-row",
        ),
    ],
)
def test_header_table(table, date, minutes):
    session = parse_session(f"# Title\n\n{table}\n", "x.md")
    assert (session.date, session.total_minutes) == (date, minutes)


@pytest.mark.parametrize(
    ("sentence", "minutes"),
    [
        pytest.param("Started 14:05, wrapped up at 15:20.", 75, id="started-wrapped-up"),
        pytest.param("We began at 23:40 and finished around 00:50.", 70, id="across-midnight"),
        # A start alone states no length.
        pytest.param("Started at 14:05 with the logs.", None, id="start-only"),
        # Something else's span is no session length: an outage, a job.
        pytest.param(
            "The outage started 14:05 and the alerts wrapped up at 15:20.", None, id="outage-span"
        ),
        pytest.param("The backup job began 01:10, finished 02:30.", None, id="job-span"),
        pytest.param("Work started 09:10, done by 09:55.", 45, id="work-span"),
        pytest.param("Some context\nStarted 14:05, wrapped up at 15:20.", 75, id="line-start"),
    ],
)
def test_span_told_in_a_sentence(sentence, minutes):
    session = parse_session(f"# Title\n\n**Date**: 2026-11-30\n\n{sentence}\n", "x.md")
    assert session.total_minutes == minutes
