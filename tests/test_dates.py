"""`parse.dates`: written date forms, validation and clock stamps."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from session_retro.parse import parse_session
from session_retro.parse.dates import find_date, find_dates, find_time, invalid_dates, leading_time

FORMS = [
    pytest.param("2026-02-02", "2026-02-02", None, id="iso"),
    pytest.param(
        "**Date**: 2026-02-02 21:00-22:10", "2026-02-02", (21, 0), id="iso-with-clock-range"
    ),
    pytest.param("2026-02-02T21:05:33Z", "2026-02-02", (21, 5), id="iso-stamp"),
    pytest.param("2026/05/04", "2026-05-04", None, id="iso-slashes"),
    pytest.param("August 14, 2025", "2025-08-14", None, id="english-month-first"),
    pytest.param("Aug 14 2025", "2025-08-14", None, id="english-abbrev-no-comma"),
    pytest.param("Sept 3rd, 2025", "2025-09-03", None, id="english-ordinal"),
    pytest.param("14 August 2025", "2025-08-14", None, id="english-day-first"),
    pytest.param("14 avril 2026", "2026-04-14", None, id="french"),
    pytest.param("1er mars 2026", "2026-03-01", None, id="french-premier"),
    pytest.param("14 août 2025", "2025-08-14", None, id="french-accent"),
    pytest.param("30. November 2026", "2026-11-30", None, id="german-day-dot"),
    pytest.param("**Datum:** 3. März 2026", "2026-03-03", None, id="german-umlaut"),
    pytest.param("30 de noviembre de 2026", "2026-11-30", None, id="spanish-de"),
    # "junio" holds the German "juni": months are looked up word by word.
    pytest.param("Fecha: 5 de junio del 2026", "2026-06-05", None, id="spanish-del"),
    pytest.param("2026年5月4日", "2026-05-04", None, id="japanese"),
    pytest.param("14/08/2025", "2025-08-14", None, id="day-first-unambiguous"),
    pytest.param("08/14/2025", "2025-08-14", None, id="month-first-unambiguous"),
    pytest.param("30-11-2026", "2026-11-30", None, id="day-first-dashes"),
    pytest.param("11-30-2026", "2026-11-30", None, id="month-first-dashes"),
    # Dots put the day first, even when both sides could be a month.
    pytest.param("12.10.2026", "2026-10-12", None, id="dotted-day-first"),
    pytest.param("Datum: 3.4.2026", "2026-04-03", None, id="dotted-short"),
    pytest.param(
        "Written on 2026-01-05, about the 2025-12-30 outage", "2026-01-05", None, id="first-wins"
    ),
]


@pytest.mark.parametrize(("text", "iso", "time"), FORMS)
def test_written_forms(text, iso, time):
    found = find_date(text)
    assert found is not None, text
    assert found.iso == iso
    assert found.time == time


REJECTED = [
    pytest.param("2026-02-30", id="no-such-day"),
    pytest.param("February 29, 2025", id="not-a-leap-year"),
    pytest.param("2026.13.01", id="month-13"),
    pytest.param("05/04/2026", id="ambiguous-day-month"),
    pytest.param("05-04-2026", id="ambiguous-day-month-dashes"),
    pytest.param("30/11-2026", id="mixed-separators"),
    pytest.param("version 1.2.3", id="version-number"),
    pytest.param("v1.10.2026", id="version-with-a-year-like-part"),
    pytest.param("31.02.2026", id="dotted-no-such-day"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text):
    assert find_date(text) is None


def test_invalid_dates_are_reported_not_rolled_over():
    # 2026-02-30 must not become 2026-03-02: the parser warns about it instead.
    assert invalid_dates("on 2026-02-30 and 2026-02-28") == ["2026-02-30"]
    assert [f.iso for f in find_dates("on 2026-02-30 and 2026-02-28")] == ["2026-02-28"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("at 9:05pm", (21, 5), id="pm"),
        pytest.param("at 12:00am", (0, 0), id="midnight-am"),
        pytest.param("21:05", (21, 5), id="24h"),
        pytest.param("25:00", None, id="out-of-range"),
    ],
)
def test_find_time(text, expected):
    assert find_time(text) == expected


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        pytest.param("21:05 tried X", (21, 5), id="bare"),
        pytest.param("[14:02] ran tests", (14, 2), id="bracketed"),
        pytest.param("**09:10** - rebuilt", (9, 10), id="bold"),
        pytest.param("tried at 21:05", None, id="not-leading"),
        # A log that stamps each entry with its day as well as its time.
        pytest.param("2026-03-04 14:05 — pinned the image", (14, 5), id="iso-day-first"),
        pytest.param("2026-03-04T09:40 retried", (9, 40), id="iso-t-separator"),
        pytest.param("2026-03-04 was the day", None, id="iso-day-alone"),
    ],
)
def test_leading_time(text, clock):
    found = leading_time(text)
    assert (found[0] if found else None) == clock


# ---- properties -------------------------------------------------------------------------

_EN = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
       "octobre", "novembre", "décembre"]  # fmt: skip
_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
       "Oktober", "November", "Dezember"]  # fmt: skip
_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
       "octubre", "noviembre", "diciembre"]  # fmt: skip

DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))


def _writers(d: dt.date) -> list[str]:
    out = [
        d.isoformat(),
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{_EN[d.month - 1]} {d.day}, {d.year}",
        f"{_EN[d.month - 1][:3]} {d.day} {d.year}",
        f"{d.day} {_EN[d.month - 1]} {d.year}",
        f"{d.day} {_FR[d.month - 1]} {d.year}",
        f"{d.day}. {_DE[d.month - 1]} {d.year}",
        f"{d.day} de {_ES[d.month - 1]} de {d.year}",
        f"{d.year}年{d.month}月{d.day}日",
    ]
    if d.day > 12:
        out += [f"{d.day}/{d.month:02d}/{d.year}", f"{d.month:02d}/{d.day}/{d.year}"]
    return out


@given(DAYS, st.sampled_from(["", "**Date**: ", "# Retro - ", "Session on "]))
def test_dates_round_trip(day, prefix):
    for written in _writers(day):
        found = find_date(f"{prefix}{written} (notes)")
        assert found is not None, written
        assert found.iso == day.isoformat(), written


@given(st.integers(1990, 2099), st.integers(1, 12), st.integers(29, 39))
def test_impossible_iso_days_are_rejected(y, m, d):
    try:
        dt.date(y, m, d)
    except ValueError:
        text = f"{y}-{m:02d}-{d:02d}"
        assert find_date(text) is None
        assert invalid_dates(text) == [text]


@given(st.text())
def test_never_raises(text):
    for found in find_dates(text):
        dt.date.fromisoformat(found.iso)
    find_time(text)
    leading_time(text)


_DATE_PIECES = [
    "2026", "1999", "2100", "-", "/", ".", " ", "年", "月", "日", "5", "05", "14", "31",
    "August", "aug", "avril", "14th", "1er", ",", "T", "21:00", "x",
]  # fmt: skip


@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=10))
def test_every_date_form_holds_a_year(pieces):
    # find_dates skips a text without a four-digit year: each pattern must need one.
    from session_retro.parse.dates import _PATTERNS, _YEAR

    text = "".join(pieces)
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            assert _YEAR.search(m.group(0)), (pattern.pattern, m.group(0))


@pytest.mark.parametrize("value", ["2026-12-45", "TBD", "the day after the release"])
def test_a_date_field_naming_no_day_is_pointed_at(value):
    """A Date line the reader cannot read is named with its line, not "add a Date line"."""
    text = f"# Fix the build\n\n**Date:** {value}\n\n## Attempts\n\n1. Tried X (10 min) - failed\n"
    session = parse_session(text, "notes/fix.md")
    assert session.date is None
    (warning,) = [w for w in session.warnings if w.code == "no-date"]
    assert warning.line == 3
    assert repr(value) in warning.message


def test_a_date_field_read_elsewhere_leaves_no_warning():
    text = "# Fix the build\n\n**Date:** TBD\n\n## Attempts\n\n1. Tried X (10 min) - failed\n"
    session = parse_session(text, "notes/2026-03-04-fix.md")
    assert session.date == "2026-03-04"
    assert not [w for w in session.warnings if w.code == "no-date"]
