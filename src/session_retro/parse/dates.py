"""Dates and clock times as written: ISO stamps, "August 14, 2025", "14 avril 2026",
"30. November 2026", "30 de noviembre de 2026", "2026年5月4日", "2026/05/04", and a
date in a file name.

Candidates are found with patterns, then validated by python-dateutil, so
"2026-02-30" is rejected rather than silently rolled over.

>>> find_date("**Date**: 2026-02-02 21:00-22:10").iso
'2026-02-02'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from dateutil import parser as _du

_MONTHS_EN = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Other languages' month names, mapped to English for dateutil.
_MONTHS_OTHER = {
    "janvier": "january",
    "février": "february",
    "fevrier": "february",
    "mars": "march",
    "avril": "april",
    "mai": "may",
    "juin": "june",
    "juillet": "july",
    "août": "august",
    "aout": "august",
    "septembre": "september",
    "octobre": "october",
    "novembre": "november",
    "décembre": "december",
    "decembre": "december",
    # German (April, August, September, November are the English words).
    "januar": "january",
    "jänner": "january",
    "februar": "february",
    "märz": "march",
    "juni": "june",
    "juli": "july",
    "oktober": "october",
    "dezember": "december",
    # Spanish.
    "enero": "january",
    "febrero": "february",
    "marzo": "march",
    "abril": "april",
    "mayo": "may",
    "junio": "june",
    "julio": "july",
    "agosto": "august",
    "septiembre": "september",
    "setiembre": "september",
    "octubre": "october",
    "noviembre": "november",
    "diciembre": "december",
}
_MONTHS = _MONTHS_EN + "|" + "|".join(_MONTHS_OTHER)

_PATTERNS = (
    # ISO and ISO-like: 2026-02-02, 2026/02/02, 2026.02.02, with optional time
    re.compile(
        r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)"
        r"(?:[T ]+(?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?::\d\d(?:\.\d+)?)?)?"
    ),
    # 2026年5月4日
    re.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*日"),
    # August 14, 2025 / Aug 14 2025 / 14 August 2025 / 14 avril 2026 / 30. November
    # 2026 (German: the day's dot) / 30 de noviembre de 2026 (Spanish: "de" around the month)
    re.compile(
        rf"(?<![\w])(?P<text>(?:{_MONTHS})\.?\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"
        rf"|[0-3]?\d(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:del?\s+)?(?:19|20)\d\d)(?![\w])",
        re.IGNORECASE,
    ),
    # 14/08/2025 is ambiguous with 08/14/2025: only accepted when one side is > 12.
    # The same with dashes, one separator throughout: 30-11-2026.
    re.compile(
        r"(?<![\d/-])(?P<a>[0-3]?\d)(?P<s>[/-])(?P<b>[0-3]?\d)(?P=s)(?P<y>(?:19|20)\d\d)(?![\d/-])"
    ),
    # 12.10.2026: dots put the day first (German and much of Europe), never the month.
    re.compile(r"(?<![\w.])(?P<a>[0-3]?\d)\.(?P<b>[01]?\d)\.(?P<y>(?:19|20)\d\d)(?![\w]|\.\d)"),
)


_DOTTED = 4
"""Index of the dotted day-first pattern in `_PATTERNS`."""


@dataclass(frozen=True, slots=True)
class FoundDate:
    iso: str
    start: int
    time: tuple[int, int] | None = None
    end: int = 0
    """Where the date as written ends in the searched text (its time of day left out)."""


class BadDate(ValueError):
    """Looks like a date but is none (2026-02-30)."""


def _make(y: int, m: int, d: int) -> str:
    return date(y, m, d).isoformat()


_ORDINAL = re.compile(r"(\d)(st|nd|rd|th|er)\b")
_WORD = re.compile(r"[^\W\d_]+")
_NOT_DATE_WORDS = {"de": "", "del": ""}


def _english_month(m: re.Match[str]) -> str:
    """A month name in English for dateutil; "de"/"del" (Spanish) dropped."""
    w = m.group(0)
    return _NOT_DATE_WORDS.get(w, _MONTHS_OTHER.get(w, w))


def _from_match(pat_index: int, m: re.Match[str]) -> FoundDate:
    if pat_index in (0, 1):
        iso = _make(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        time = None
        if pat_index == 0 and m.group("H") is not None:
            h, mi = int(m.group("H")), int(m.group("M"))
            if h < 24:
                time = (h, mi)
        return FoundDate(iso, m.start(), time, m.end("d") if pat_index == 0 else m.end())
    if pat_index == 2:
        text = m.group("text")
        # Word by word: one language's month can hold another's ("juni" in "junio").
        low = _WORD.sub(_english_month, text.lower())
        low = _ORDINAL.sub(r"\1", low)
        dt = _du.parse(low, default=datetime(2000, 1, 1))
        return FoundDate(dt.date().isoformat(), m.start(), None, m.end())
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if pat_index == _DOTTED:
        return FoundDate(_make(y, b, a), m.start(), None, m.end())
    if a > 12:
        return FoundDate(_make(y, b, a), m.start(), None, m.end())
    if b > 12:
        return FoundDate(_make(y, a, b), m.start(), None, m.end())
    raise BadDate("ambiguous day/month")


# Every form above holds a year of four digits: a text without one holds no date,
# and one scan for it (a literal "19" or "20" the engine skips to) costs far less
# than the four patterns, the month names' above all (9 us a title; issue 4).
_YEAR = re.compile(r"(?:19|20)\d\d")


def find_dates(text: str) -> list[FoundDate]:
    """All valid dates in `text`, in order of position."""
    if _YEAR.search(text) is None:
        return []
    out: list[FoundDate] = []
    # A dotted date's year follows a dot: without one, its scan cannot match.
    dotted = ".20" in text or ".19" in text
    for i, pat in enumerate(_PATTERNS):
        if i == _DOTTED and not dotted:
            continue
        for m in pat.finditer(text):
            if i == 0 and _calendar_version(text, m):
                continue
            try:
                out.append(_from_match(i, m))
            except (ValueError, OverflowError):
                continue
    out.sort(key=lambda f: f.start)
    return out


def _calendar_version(text: str, m: re.Match[str]) -> bool:
    """True when a dotted year-first date is a version number ("certifi 2024.8.30",
    "pip==2023.10.01", "v2026.03.01", "2026.03.01.2"): a one-digit month or day, a pin
    or a "v" before it, or a fourth part after it. Dashes and slashes are left alone."""
    if m.group(0)[4] != ".":
        return False
    if len(m.group("m")) == 1 or len(m.group("d")) == 1:
        return True
    if text[max(0, m.start() - 2) : m.start()].endswith(("=", "@", "v", "V")):
        return True
    end = m.end("d")
    return text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit()


def find_date(text: str) -> FoundDate | None:
    found = find_dates(text)
    return found[0] if found else None


# The ISO pattern without its leading look-behind, one per century: a match holds
# four digits, a separator, one or two digits, a separator and one or two digits not
# followed by a third, so no match can start inside another, and the two centuries'
# matches are what one scan would find. Each is tried only where the year's rarer
# digit is written ("9" of 19xx, "2" of 20xx): a one-character find runs at memchr
# speed even over a text holding an emoji, while the regex engine steps through every
# character (~80k instructions a bench document, per century).
_ISO_SCANS = tuple(
    (century, key, re.compile(century + r"\d\d[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)"))
    for century, key in (("19", 1), ("20", 0))
)
# Past this many of a century's key digit (a table of figures), its scan takes over.
_ISO_PROBES = 24


def _iso_matches(text: str, century: str, key: int, scan: re.Pattern[str]):
    """`scan.finditer(text)`, tried at each place `century` is written."""
    probes = _ISO_PROBES
    digit = century[key]
    i = text.find(digit)
    while i != -1:
        start = i - key
        if not probes:
            # Every start before this one was tried; a match cannot hold another's start.
            yield from scan.finditer(text, max(start, 0))
            return
        probes -= 1
        if start >= 0 and text.startswith(century, start):
            m = scan.match(text, start)
            if m:
                yield m
        i = text.find(digit, i + 1)


def invalid_dates(text: str) -> list[str]:
    """ISO-looking dates in `text` that are not real days ("2026-02-30")."""
    found = [m for century, key, scan in _ISO_SCANS for m in _iso_matches(text, century, key, scan)]
    found.sort(key=lambda m: m.start())
    return _not_days(text, found)


def _not_days(text: str, matches) -> list[str]:
    """The dates of ISO `matches` (in order) that name no real day."""
    bad = []
    for m in matches:
        s = m.start()
        if s and text[s - 1].isdigit():
            continue
        try:
            _make(int(text[s : s + 4]), int(m.group("m")), int(m.group("d")))
        except ValueError:
            bad.append(m.group(0)[:10])
    return bad


_TIME = re.compile(
    r"(?<![\d:])(?P<h>[0-2]?\d):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?\s*(?P<ap>[ap]m)?(?![\d:])", re.I
)


def _hour24(h: int, ap: str | None) -> int | None:
    """24-hour clock from h and an optional am/pm; None when it is no hour."""
    ap = (ap or "").lower()
    if ap == "pm" and h < 12:
        h += 12
    elif ap == "am" and h == 12:
        h = 0
    return h if h <= 23 else None


def find_time(text: str) -> tuple[int, int] | None:
    m = _TIME.search(text)
    if not m:
        return None
    h = _hour24(int(m.group("h")), m.group("ap"))
    return None if h is None else (h, int(m.group("m")))


# "21:05", "[14:02]", "**09:10** -", and the same after an ISO day ("2026-03-04 14:05 —").
_LEADING_TIME = re.compile(
    r"^\W{0,3}(?:\d{4}-\d\d-\d\d[ T])?(?:~\s*)?([0-2]?\d):([0-5]\d)(?::[0-5]\d)?\s*([ap]m)?\W{0,4}",
    re.I,
)


def leading_time(text: str) -> tuple[tuple[int, int], int] | None:
    """A clock stamp that opens a log entry ("21:05 tried X", "[14:02]", "**09:10** -")."""
    if ":" not in text:  # asked of every item and line; most hold no clock at all
        return None
    m = _LEADING_TIME.match(text)
    if not m:
        return None
    h = _hour24(int(m.group(1)), m.group(3))
    return None if h is None else ((h, int(m.group(2))), m.end())
