"""`parse.durations.find_duration`: every written form the issue lists, plus round trips.

Each table row says what it proves. Durations are inline text inside headings, list
items and table cells, so rows also embed the figure in the kind of line it comes from.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from session_retro.parse.durations import (
    MAX_MINUTES,
    cell_duration,
    clock_minutes,
    find_duration,
    format_minutes,
    header_unit,
    spent_duration,
)

# (text, minutes, low, high)
FORMS = [
    pytest.param("10 min", 10, None, None, id="plain-min"),
    pytest.param("1h 5m", 65, None, None, id="compound-h-m"),
    pytest.param("1h5m", 65, None, None, id="compound-glued"),
    pytest.param("2 hours 30 minutes", 150, None, None, id="compound-words"),
    pytest.param("1.5 hours", 90, None, None, id="decimal-hours"),
    pytest.param("1,5 heures", 90, None, None, id="decimal-comma-french"),
    pytest.param("~10 minutes", 10, None, None, id="tilde-approx"),
    pytest.param("about 20 min", 20, None, None, id="about-approx"),
    pytest.param("40 sec", 0.67, None, None, id="seconds-to-fraction"),
    pytest.param("90 seconds", 1.5, None, None, id="seconds-over-a-minute"),
    pytest.param("10-15 min", 12.5, 10, 15, id="range-midpoint-keeps-bounds"),
    pytest.param("10 – 15 minutes", 12.5, 10, 15, id="range-en-dash"),
    pytest.param("3 to 4 hours", 210, 180, 240, id="range-words"),
    pytest.param("21:00-22:10", 70, None, None, id="clock-range"),
    pytest.param("9:30am-11:10am", 100, None, None, id="clock-range-am"),
    pytest.param("23:30-00:40", 70, None, None, id="clock-range-crosses-midnight"),
    pytest.param("2+ hours", 120, None, None, id="lower-bound-is-its-number"),
    pytest.param("< 1 min", 1, None, None, id="upper-bound-is-its-number"),
    pytest.param("32m 56s", 32.93, None, None, id="minutes-seconds"),
    pytest.param("30分", 30, None, None, id="japanese-minutes"),
    pytest.param("3時間", 180, None, None, id="japanese-hours"),
    pytest.param("2 heures", 120, None, None, id="french-hours"),
    pytest.param("5 phút", 5, None, None, id="vietnamese-minutes"),
    pytest.param("waited 2500s", 41.67, None, None, id="seconds-not-a-status"),
    pytest.param("~450s", 7.5, None, None, id="approx-seconds-not-a-status"),
    pytest.param("20分钟", 20, None, None, id="chinese-minutes"),
    pytest.param("1小时", 60, None, None, id="chinese-hours"),
    pytest.param("30분", 30, None, None, id="korean-minutes"),
    pytest.param("2시간", 120, None, None, id="korean-hours"),
    # An hour glued to two digits of minutes, a unit-less tail people write often.
    pytest.param("~1h30", 90, None, None, id="hour-glued-minutes"),
    pytest.param("Total: 1h45", 105, None, None, id="hour-glued-minutes-field"),
    # French writes the same with blanks; a bound before a compound keeps it whole
    # (both once read as the bare hour, 60).
    pytest.param("environ 1 h 30", 90, None, None, id="hour-blank-minutes-french"),
    pytest.param("about 1h 5m", 65, None, None, id="bound-before-compound"),
    pytest.param("1時間20分", 80, None, None, id="japanese-hours-minutes"),
    pytest.param("1,5 Stunden", 90, None, None, id="german-hours-decimal-comma"),
    pytest.param("45 Minuten", 45, None, None, id="german-minutes"),
    pytest.param("2 horas", 120, None, None, id="spanish-hours"),
    pytest.param("20 minutos", 20, None, None, id="spanish-minutes"),
    pytest.param("half an hour", 30, None, None, id="half-hour-in-words"),
    pytest.param("an hour and a half", 90, None, None, id="hour-and-a-half-in-words"),
    pytest.param("a quarter of an hour", 15, None, None, id="quarter-hour-in-words"),
    pytest.param("hora y media", 90, None, None, id="spanish-hour-and-a-half"),
    pytest.param("une heure et demie", 90, None, None, id="french-hour-and-a-half"),
    pytest.param("a 30-minute job", 30, None, None, id="hyphenated-minutes"),
    pytest.param("2 Std.", 120, None, None, id="german-hours-abbreviated"),
    pytest.param("a 2-hour call", 120, None, None, id="hyphenated-hours"),
    pytest.param("a quarter-hour", 15, None, None, id="quarter-hour-hyphen"),
    pytest.param("three quarters of an hour", 45, None, None, id="three-quarters-in-words"),
    pytest.param("un quart d'heure", 15, None, None, id="french-quarter-hour"),
    pytest.param("eine Viertelstunde", 15, None, None, id="german-quarter-hour"),
    # In context: the first duration of a heading, list item or cell is the attempt's.
    pytest.param("### Attempt 3: Enable RDS Data API (15 min) ❌", 15, None, None, id="in-heading"),
    pytest.param("Attempt 3 (10-15 min)", 12.5, 10, 15, id="in-parens-range"),
    pytest.param("- Tried a rebuild, took 1h 5m, failed", 65, None, None, id="in-list-item"),
]


@pytest.mark.parametrize(("text", "minutes", "low", "high"), FORMS)
def test_written_forms(text, minutes, low, high):
    d = find_duration(text)
    assert d is not None, text
    assert d.minutes == pytest.approx(minutes, abs=0.01)
    assert d.low == (None if low is None else pytest.approx(low))
    assert d.high == (None if high is None else pytest.approx(high))


def test_duration_text_is_as_written():
    # `duration_text` in the record must be the author's words, not a re-rendering.
    assert find_duration("Attempt 3 (10-15 min) ❌").text == "10-15 min"
    assert find_duration("took ~10 minutes").text == "~10 minutes"


def test_clock_range_keeps_clock():
    d = find_duration("**Date**: 2026-02-02 21:00-22:10")
    assert d.clock == (21, 0, 22, 10)
    assert d.minutes == 70


def test_clock_off_ignores_clock_ranges():
    # Headers pass clock=False when a clock range means a date's start/end, not a figure.
    assert find_duration("21:00-22:10", clock=False) is None


REJECTED = [
    pytest.param("-5 min", id="negative"),
    pytest.param("99999 hours", id="absurd-over-a-year"),
    pytest.param("NaN min", id="nan"),
    pytest.param("inf min", id="infinity"),
    pytest.param("15-10 min", id="reversed-range"),
    pytest.param("", id="empty"),
    pytest.param("no figure here", id="prose"),
    pytest.param("25:00-26:10", id="clock-out-of-range"),
    pytest.param("an hour later", id="a-moment-not-a-length"),
    # A hyphen joins a figure to a spelled-out unit only: "3-D" is no three days.
    pytest.param("3-D printing", id="hyphen-letter"),
    # An HTTP status in the plural is a response, not seconds.
    pytest.param("this time it worked, 500s gone", id="http-status-plural"),
    # "std" is an abbreviated Stunde, not C++'s namespace.
    pytest.param("copied 2 std::string values", id="cpp-namespace"),
    pytest.param("a 10-mile run", id="hyphen-other-word"),
    # An age, not a length: "2-hour-old data" was 120 minutes.
    pytest.param("ran it against the 2-hour-old staging data", id="hyphen-age"),
    # "quarters" inside a word is no quarter hour.
    pytest.param("the headquarters of an hour-long call", id="quarter-inside-word"),
    # Milliseconds are no minutes: "ms" once read as "m" then "s", 200 minutes.
    pytest.param("retry once after 200 ms", id="milliseconds"),
]


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text):
    assert find_duration(text) is None


@pytest.mark.parametrize(
    ("args", "minutes"),
    [
        pytest.param((21, 0, 22, 10), 70, id="same-day"),
        pytest.param((23, 50, 0, 10), 20, id="crosses-midnight"),
        pytest.param((9, 0, 9, 0), 0, id="zero"),
    ],
)
def test_clock_minutes(args, minutes):
    assert clock_minutes(*args) == minutes


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0.67, "40 sec"), (5, "5 min"), (12.5, "12.5 min"), (60, "1h"), (65, "1h 5m"), (120, "2h")],
)
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text


# ---- properties -------------------------------------------------------------------------

WHOLE_MINUTES = st.integers(min_value=1, max_value=60 * 24 * 30)


@given(WHOLE_MINUTES)
def test_format_minutes_round_trips(m):
    assert find_duration(format_minutes(m)).minutes == m


@given(st.integers(min_value=1, max_value=59))
def test_seconds_round_trip(s):
    d = find_duration(format_minutes(s / 60))
    assert d.minutes == pytest.approx(s / 60, abs=0.005)


def _writers(m: int) -> list[str]:
    """The same whole-minute duration written the ways reflections write it."""
    h, mm = divmod(m, 60)
    out = [f"{m} min", f"{m} minutes", f"~{m} mins", f"about {m} min", f"{m}m"]
    if h and mm:
        out += [f"{h}h {mm}m", f"{h}h{mm}m", f"{h} hours {mm} minutes", f"{h} hr {mm} min"]
    if h and not mm:
        out += [f"{h} hours", f"{h}h", f"{h}+ hours", f"{h} hrs"]
    if h and mm == 30:
        out += [f"{h}.5 hours", f"{h},5 heures"]
    return out


@given(WHOLE_MINUTES, st.sampled_from(["", "Attempt 2: retry the build (", "- took ", "| 3 | "]))
@example(65, "")
@example(90, "Attempt 2: retry the build (")
def test_written_forms_round_trip(m, prefix):
    for written in _writers(m):
        d = find_duration(f"{prefix}{written}) ❌")
        assert d is not None, written
        assert d.minutes == m, written
        assert written.endswith(d.text) or d.text in written


@given(st.integers(1, 600), st.integers(1, 600), st.sampled_from(["-", " - ", "–", " to "]))
def test_ranges_round_trip(a, b, sep):
    lo, hi = min(a, b), max(a, b)
    if lo == hi:
        hi += 1
    d = find_duration(f"({lo}{sep}{hi} min)")
    assert (d.low, d.high) == (lo, hi)
    assert d.minutes == pytest.approx((lo + hi) / 2)
    assert d.low <= d.minutes <= d.high


@given(st.integers(0, 23), st.integers(0, 59), st.integers(1, 1439))
def test_clock_ranges_round_trip(h, m, span):
    end = (h * 60 + m + span) % 1440
    text = f"{h:02d}:{m:02d}-{end // 60:02d}:{end % 60:02d}"
    assert find_duration(text).minutes == span


@given(st.text())
@example("1e309 min")
@example("0.0000001 min")
def test_never_raises_and_stays_sane(text):
    d = find_duration(text)
    if d is not None:
        assert math.isfinite(d.minutes)
        assert 0 <= d.minutes <= MAX_MINUTES
        if d.low is not None:
            assert d.low <= d.minutes <= d.high


# ---- named regressions (shrunk hypothesis failures) -------------------------------------


def test_regression_overlong_number_is_rejected():
    # Shrunk by hypothesis: a number too long for a float became inf, and
    # _clean() raised OverflowError instead of the duration being rejected.
    assert find_duration("1" * 400 + " min") is None


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("Minutes", "Minutes"),
        ("Time (min)", "min"),
        ("Duration (h)", "h"),
        ("Hours", "Hours"),
        ("所要時間 (分)", "分"),
        ("Time", None),  # a word but no unit
        ("時間", None),  # "time" as often as "hours"
        ("Phase", None),
        ("Ms", None),  # too short to be a unit word outside parentheses
    ],
)
def test_header_unit(header, unit):
    assert header_unit(header) == unit


@pytest.mark.parametrize(
    ("cell", "unit", "minutes"),
    [
        ("20", "Minutes", 20),
        ("**95**", "min", 95),
        ("1.5", "Hours", 90),
        ("10-15", "min", 12.5),
        ("20 min", "Hours", 20),  # the cell's own unit wins
        ("20", None, None),  # no unit anywhere: not a duration
        ("see above", "min", None),
        ("14:05", "min", None),  # a clock time is no figure
    ],
)
def test_cell_duration_reads_bare_figures_in_the_header_unit(cell, unit, minutes):
    d = cell_duration(cell, unit)
    assert (d.minutes if d else None) == minutes


# Pieces of written durations and of what sits near them (dates, versions, clocks),
# so generated texts reach every branch of the duration patterns and their edges.
_PIECES = [
    "10", "2026", "05", "1.5", "3,5", "0", "-", "–", "to", "~", "+", " ", "  ", ".", ",",
    ":", "min", "minutes", "h", "hours", "hr", "s", "sec", "d", "days", "分", "about",
    "over", "less than", "<", "≈", "x", "v", "(", ")", "2026-05-04", "21:00-22:10",
]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), max_size=10))
def test_simple_pattern_finds_what_its_backtracking_form_finds(pieces):
    # _SIMPLE never gives back a figure's digits and never starts inside a run of
    # them; the plain form, derived from it, tries both. Same match, same groups.
    import re

    from session_retro.parse.durations import _SIMPLE

    plain = re.compile(
        _SIMPLE.pattern.replace(r"\d++", r"\d+").replace(r"(?<!\d)(?P<lo>", "(?P<lo>"),
        _SIMPLE.flags,
    )
    assert plain.pattern != _SIMPLE.pattern
    text = "".join(pieces)
    fast, slow = _SIMPLE.search(text), plain.search(text)
    assert (fast and (fast.span(), fast.groupdict())) == (slow and (slow.span(), slow.groupdict()))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # A verb of spending, then the length (after an "about" or "~").
        pytest.param("Took 5 minutes. The next run was skipped.", 5, id="took"),
        pytest.param("Spent ~40 minutes re-importing by hand.", 40, id="spent-tilde"),
        pytest.param("This took me 1 hr 10 min.", 70, id="took-me-compound"),
        pytest.param("It took half an hour.", 30, id="took-in-words"),
        # An aside holding only a length.
        pytest.param("Applied last night's plan file (about 10 min).", 10, id="aside"),
        # A sentence that opens with the length.
        pytest.param("Moved the job. 15 minutes. Three runs passed.", 15, id="sentence-opens"),
        pytest.param("About 20 minutes, then the lock again.", 20, id="sentence-opens-about"),
        pytest.param("GSCだけ失敗する理由に30分近く悩んだ。", 30, id="japanese-nearly"),
        # Giving up after a while: the attempt's length.
        pytest.param(
            "It broke two suites; I reverted it after 15 minutes.", 15, id="reverted-after"
        ),
        pytest.param("Gave up after ~25 min of fighting the linker.", 25, id="gave-up-after"),
        # "For about an hour", "took about an hour": an hour in words where a length is due.
        pytest.param("For about an hour I chased the wrong replica.", 60, id="for-an-hour"),
        pytest.param("Cards load fast now. Took about an hour in all.", 60, id="took-an-hour"),
        # A length before a word of spending, or before what was done.
        pytest.param("Lag kept growing after 20 minutes of watching.", 20, id="minutes-of-doing"),
        pytest.param("Backed it out. Half an hour wasted.", 30, id="half-hour-wasted"),
        pytest.param("Around 40 minutes including the rebuild.", 40, id="opens-including"),
        pytest.param("12 minutes reading the changelog.", 12, id="opens-then-doing"),
        # The same in French, German, Spanish and Japanese.
        pytest.param("Environ 20 minutes perdues. Rien.", 20, id="french-lost"),
        pytest.param("Pendant une heure j'ai tout réécrit.", 60, id="french-for-an-hour"),
        pytest.param("Ungefähr 30 Minuten damit verbracht.", 30, id="german-spent"),
        pytest.param("Unos 20 minutos. No sirvió.", 20, id="spanish-opens-about"),
        pytest.param("Media hora configurando el token.", 30, id="spanish-half-hour"),
        pytest.param("約1時間かかったが通った。", 60, id="japanese-took"),
        # A count spelled out, where a length is due.
        pytest.param("Took ten minutes, then the cache warmed.", 10, id="took-ten-minutes"),
        pytest.param("Two hours of bisecting.", 120, id="two-hours-of-doing"),
        pytest.param("Diez minutos. No sirvió.", 10, id="spanish-ten-minutes"),
        # Settings and moments are not time spent.
        pytest.param("An hour later CI went green.", None, id="an-hour-later"),
        pytest.param("Ten minutes later the build passed.", None, id="ten-minutes-later"),
        pytest.param("Took forever to reproduce.", None, id="no-count"),
        pytest.param("Raised the timeout to 30 s.", None, id="setting"),
        pytest.param("Retried after 10 min, same error.", None, id="moment"),
        pytest.param("It took effect after 30 s.", None, id="took-effect"),
        pytest.param("Cron runs every 15 minutes now.", None, id="schedule"),
        pytest.param("30分ごとに実行する。", None, id="japanese-every"),
        # A stopwatch mark, "ate", "gone": time spent in a reflection's shorthand.
        pytest.param("Camera detected. ⏱ 15 min", 15, id="stopwatch"),
        pytest.param("All told this ate 20 minutes.", 20, id="ate"),
        pytest.param("Another half hour gone.", 30, id="half-hour-gone"),
        pytest.param("The page still took 2.8 s to boot.", None, id="still-took-measures"),
        pytest.param("The 502s are gone after the update.", None, id="gone-symptom"),
        pytest.param(
            "Nobody ate lunch; the deploy took effect at 14:00.", None, id="ate-no-figure"
        ),
    ],
)
def test_spent_duration(text, minutes):
    d = spent_duration(text)
    assert (d and d.minutes) == minutes
