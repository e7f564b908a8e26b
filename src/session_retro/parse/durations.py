"""Durations as people write them: "10 min", "1h 5m", "~1.5 hours", "10-15 min",
"2+ hours", "< 1 min", "40 sec", "21:00-22:10", "30分", "2 heures".

This is inline text, not structure, so a regex is the right tool here.

>>> find_duration("Attempt 3 (10-15 min)").minutes
12.5
>>> find_duration("took 1h 5m").minutes
65.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from . import vocab

# Unit words to minutes per unit. Add a language here.
_UNITS: tuple[tuple[str, float], ...] = (
    # Spellings that share a first letter share its branch: the engine tries each
    # branch after every figure, and one that fails on its first letter costs least.
    (r"d(ays?)?|jours?|日", 1440.0),
    (r"h(ours?|rs?|r|oras?)?|heures?|stunden?|std(?!::)|時間|小时|시간|giờ|tiếng", 60.0),
    (r"m(in(ute)?s?|inutos?|inuten)?|minutes?|分|분|phút", 1.0),
    (r"s(ec(ond)?s?|egundos?|ekunden?)?|secondes?|秒|giây", 1 / 60),
)
_UNIT_RE = "|".join(f"(?:{u})" for u, _ in _UNITS)
_NUM = r"\d+(?:[.,]\d+)?"
# The same figure, never given back: what follows a figure in these patterns (a
# blank, a unit, a range mark) cannot open with a digit, a dot or a comma, so no
# match needs a shorter one, and the engine stops trying them (issue 4).
_NUM_ATOMIC = r"\d++(?:[.,]\d++)?"

# "1h 5m", "1h5m", "2 hours 30 minutes", "1 hr 5 min", "32m 56s", "1時間20分", and
# "1h30" / "~1h45" / "1 h 30": an hour then two digits of minutes, which need no unit.
_COMPOUND = re.compile(
    rf"(?<![\w.])(?P<a>{_NUM})\s*(?P<ua>h(?:ours?|rs?|r|oras?)?|heures?|stunden?|d(?:ays?)?|時間)"
    rf"(?:\s*,?\s*(?:(?:and|y|et|und)\s+)?(?P<b>{_NUM})\s*"
    r"(?P<ub>m(?:in(?:ute)?s?|inutos?|inuten)?|minutes?|s(?:ec(?:ond)?s?)?|分)(?![a-zA-Z])"
    r"|\s?(?P<f>[0-5]\d)(?![\w.,:]\d|\w)"
    # "1時間半", "2 horas y media", "2 heures et demie", "2 hours and a half".
    r"|\s*(?P<half>半|(?:and a half|y media|et demie)\b))"
    rf"|(?<![\w.])(?P<c>{_NUM})\s*(?P<uc>m(?:in(?:ute)?s?)?)\s*,?\s*(?P<d>{_NUM})\s*(?P<ud>s(?:ec(?:ond)?s?)?)(?![a-zA-Z])",
    re.IGNORECASE,
)
# "~10-15 min", "3 to 4 hours", "2+ hours", "< 1 min", "10 minutes", "30-minute". A figure starts
# where no digit stands before it: a match from inside a run of digits would be one
# from the run's start, found first (a date line, "2026-05-04 21:00-22:10", cost
# 26 us of attempts from every digit; 10 now).
_SIMPLE = re.compile(
    rf"(?P<bound>[<>≤≥~≈]|about|around|approx\.?|roughly|over|under|less than|more than|almost|nearly|約|environ)?\s*"
    rf"(?<!\d)(?P<lo>{_NUM_ATOMIC})\s*(?:(?P<u1>{_UNIT_RE})\s*)?"
    rf"(?:(?:-|–|—|to|à|~|〜|～)\s*(?P<hi>{_NUM_ATOMIC})\s*)?(?P<plus>\+)?\s*"
    # A hyphen joins a spelled-out unit to its figure: "a 30-minute job", "2-hour call";
    # "2-hour-old data" is an age.
    rf"(?:-(?=[a-z]{{2}}))?(?P<unit>{_UNIT_RE})(?![a-zA-Z])(?!-old\b)",
    re.IGNORECASE,
)
# "21:00-22:10", "21:00 – 22:10", "9:30am-11:10am"
_CLOCK_RANGE = re.compile(
    r"(?<![\d:])(?P<h1>[0-2]?\d):(?P<m1>[0-5]\d)(?::\d\d)?\s*(?P<ap1>[ap]m)?\s*"
    r"(?:-|–|—|to|→|~|〜)\s*(?P<h2>[0-2]?\d):(?P<m2>[0-5]\d)(?::\d\d)?\s*(?P<ap2>[ap]m)?(?![\d:])",
    re.IGNORECASE,
)

_DIGIT = re.compile(r"\d")
# A half or quarter hour in words ("half an hour", "an hour and a half", "media hora",
# "hora y media",
# "a quarter of an hour", "three quarters of an hour"): "an hour" alone is left out, as
# often a moment ("an hour later") as a length.
_HALF_HOUR = re.compile(
    r"\b(?:(?P<half>(?:an? )?half[- ](?:an )?hour|media hora|une demi-heure|eine halbe stunde)"
    r"|(?P<three>three[- ]quarters? of an hour|trois quarts d'heure|tres cuartos de hora"
    r"|eine dreiviertelstunde)"
    r"|(?P<quarter>(?:a |one )?quarter[- ](?:of an )?hour|un quart d'heure|un cuarto de hora"
    r"|eine viertelstunde)"
    r"|an hour and a half|(?:una )?hora y media|une heure et demie|(?:anderthalb|eineinhalb) stunden)\b",
    re.IGNORECASE,
)
# Minutes of each named group of `_HALF_HOUR`; "an hour and a half" names none.
_HOUR_PARTS = {"half": 30.0, "three": 45.0, "quarter": 15.0}
# Where a half hour in words can be: an `in` test for each spares the regex most texts.
_HALF_HOUR_HINTS = ("our", "ora", "eure", "tunde")

MAX_MINUTES = 60 * 24 * 366  # a year; anything larger is a typo, not a duration


@dataclass(frozen=True, slots=True)
class Duration:
    minutes: float
    low: float | None
    high: float | None
    text: str
    start: int = 0
    """Offset of the match in the searched text."""
    clock: tuple[int, int, int, int] | None = None
    """(h1, m1, h2, m2) when written as a clock range."""


def _num(s: str) -> float:
    return float(s.replace(",", "."))


@lru_cache(maxsize=512)
def _unit_minutes(unit: str) -> float | None:
    u = unit.lower()
    for pattern, mult in _UNITS:
        if re.fullmatch(pattern, u, re.IGNORECASE):
            return mult
    return None


def _clean(x: float) -> float:
    if not math.isfinite(x):
        return x  # left for _valid to reject; int(inf) would raise
    x = round(x, 2)
    return float(int(x)) if x == int(x) else x


def _hour24(h: int, ap: str | None) -> int:
    if not ap:
        return h
    ap = ap.lower()
    if ap == "pm" and h < 12:
        return h + 12
    if ap == "am" and h == 12:
        return 0
    return h


def clock_minutes(h1: int, m1: int, h2: int, m2: int) -> float:
    """Minutes from h1:m1 to h2:m2; an end earlier than the start crosses midnight."""
    span = (h2 * 60 + m2) - (h1 * 60 + m1)
    if span < 0:
        span += 1440
    return float(span)


def _valid(x: float) -> bool:
    return math.isfinite(x) and 0 <= x <= MAX_MINUTES


@lru_cache(maxsize=4096)  # readers ask about the same title or cell several times
def find_duration(text: str, *, clock: bool = True) -> Duration | None:
    """The first duration written in `text`, or None.

    A range gives its midpoint with both bounds kept; a bound ("2+ hours",
    "< 1 min") gives its number. Negative, absurd and non-numeric figures are
    not durations.
    """
    # Every form needs a digit; half the texts asked about have none, and the
    # patterns below cannot skip ahead (they open with optional words or a look-behind).
    if _DIGIT.search(text) is None:
        return _half_hour(text)
    found: list[Duration] = []
    m = _COMPOUND.search(text)
    if m:
        if m.group("f") and (_unit_minutes(m.group("ua")) != 60 or not m.group("a").isdigit()):
            total = math.nan  # only whole hours take bare minutes: not "2d30", "1.5h30"
        elif m.group("half"):
            unit = _unit_minutes(m.group("ua")) or 60
            total = _num(m.group("a")) * unit + unit / 2
            at = m.start("a")
        elif m.group("a"):
            big = _num(m.group("a")) * (_unit_minutes(m.group("ua")) or 60)
            small = _num(m.group("b") or m.group("f")) * (_unit_minutes(m.group("ub") or "m") or 1)
            at = m.start("a")
            total = big + small
        else:
            big = _num(m.group("c"))
            small = _num(m.group("d")) / 60
            at = m.start("c")
            total = big + small
        if _valid(total):
            found.append(Duration(_clean(total), None, None, m.group(0).strip(), at))
    pos = 0
    while (m := _SIMPLE.search(text, pos)) is not None:
        pos = m.end()
        unit = _unit_minutes(m.group("unit"))
        if unit is None:
            continue
        # A single letter unit glued to a word ("5m" is fine, "10 s" in prose risky):
        # accept "s" only when written as a number-unit pair.
        hi_s = m.group("hi")
        if (
            m.group("u1")
            and hi_s is None
            and _unit_minutes(m.group(0)[m.start("u1") - m.start() :].strip()) is None
        ):
            # A unit after the first figure opens a range ("1h-2h") or is the start
            # of the unit word ("minute" + "s"); two units glued ("ms") are none:
            # "200 ms" once read as 200 minutes.
            continue
        if hi_s is None and not m.group("u1") and _names_no_length(text, m):
            continue
        lo = _num(m.group("lo")) * (_unit_minutes(m.group("u1")) if m.group("u1") else unit)
        if hi_s is not None:
            hi = _num(hi_s) * unit
            if hi < lo:
                # Not a range ("from 10 to 40 — 10 min"): read on from the second number.
                pos = m.start("hi")
                continue
            mid = (lo + hi) / 2
            d = Duration(_clean(mid), _clean(lo), _clean(hi), m.group(0).strip(), m.start("lo"))
        else:
            d = Duration(_clean(lo), None, None, m.group(0).strip(), m.start("lo"))
        if _valid(d.minutes):
            # A sign right before the number makes it negative: not a duration.
            s0 = m.start("lo")
            if not m.group("bound") and s0 > 0 and text[s0 - 1] == "-":
                continue
            found.append(d)
            break
    if clock:
        m = _CLOCK_RANGE.search(text)
        if m:
            h1 = _hour24(int(m.group("h1")), m.group("ap1") or m.group("ap2"))
            h2 = _hour24(int(m.group("h2")), m.group("ap2"))
            m1, m2 = int(m.group("m1")), int(m.group("m2"))
            if h1 < 24 and h2 < 24:
                span = clock_minutes(h1, m1, h2, m2)
                found.append(
                    Duration(span, None, None, m.group(0).strip(), m.start(), (h1, m1, h2, m2))
                )
    if not found:
        return _half_hour(text)
    # A compound ("1h 5m") starts where its simple reading ("1h") does: prefer it,
    # even when the simple one's text is longer for its bound ("about 1h" of "about 1h 5m").
    # It was found first, and the sort keeps that order on a tie.
    found.sort(key=lambda d: d.start)
    first = found[0]
    if first.clock is None and _GLUED_HOUR.match(first.text):
        m = _HOUR_CLOCK.match(text, first.start)
        if m is not None and _clock_hours(text, m):
            return _hour_clock(text, m, clock)
    return first


# A French or Spanish clock time: "14h", "9h30", "de 14h à 16h30", "14h-16h".
_GLUED_HOUR = re.compile(r"\d{1,2}h(?:[0-5]\d)?(?![a-z])", re.IGNORECASE)
_HOUR_CLOCK = re.compile(
    r"(?P<h1>[01]?\d|2[0-3])h(?P<m1>[0-5]\d)?"
    r"(?:\s*(?:-|–|—|à|a)\s*(?P<h2>[01]?\d|2[0-3])h(?P<m2>[0-5]\d)?)?(?![\w])",
    re.IGNORECASE,
)
# Words before a clock time: "à 14h", "vers 9h30", "a las 14h", "um 14h", "Heure : 21h05".
_AT_HOUR = re.compile(
    r"(?:\b(?:à|a las|vers|dès|jusqu'à|um|ab|at|de|desde|hasta)|\b(?:heure|hora|uhrzeit)\s*:)\s*$",
    re.I,
)


def _clock_hours(text: str, m: re.Match[str]) -> bool:
    """True when `m`'s hours are clock times, not lengths: a range from 7 o'clock on
    ("14h-16h", "9h30 - 11h"), or one opened by "de" or "à" ("de 2h à 4h", "à 14h").
    "1h30" and "2h-3h" stay lengths."""
    before = text[max(0, m.start() - 10) : m.start()]
    if m.group("h2") is not None:
        return int(m.group("h1")) >= 7 or before.rstrip().lower().endswith("de")
    return _AT_HOUR.search(before) is not None


def _hour_clock(text: str, m: re.Match[str], clock: bool) -> Duration | None:
    """The clock range `m` as a span (with `clock`), else the first length after it."""
    if m.group("h2") is not None and clock:
        h1, m1 = int(m.group("h1")), int(m.group("m1") or 0)
        h2, m2 = int(m.group("h2")), int(m.group("m2") or 0)
        span = clock_minutes(h1, m1, h2, m2)
        return Duration(span, None, None, m.group(0), m.start(), (h1, m1, h2, m2))
    rest = find_duration(text[m.end() :], clock=clock)
    if rest is None:
        return None
    return Duration(rest.minutes, rest.low, rest.high, rest.text, rest.start + m.end(), rest.clock)


# What a count of millions ("10m rows", "40M filas") counts: an "m" before one of these
# is no minute.
_COUNTED = re.compile(
    r"\s*\+?\s*(?:rows?|records?|users?|requests?|events?|messages?|lines?|items?|entries"
    r"|documents?|docs|tokens?|param(?:eter)?s|keys|objects|files|vectors|downloads|calls"
    r"|queries|visits|views|hits|filas|registros|usuarios|lignes|utilisateurs|zeilen"
    r"|datensätze|nutzer)\b",
    re.IGNORECASE,
)
# Words around a status code's plural that make it a length after all ("a 500s timeout",
# "sleep 400s").
_TIME_BEFORE = re.compile(
    r"(?:took|after|for|in|within|every|spent|lasted|timeout|ttl|delay|sleep|wait|[=:~])\s*$",
    re.IGNORECASE,
)
_TIME_AFTER = re.compile(
    r"\s*(?:timeout|time-out|ttl|delay|wait|window|interval|backoff|later|ago)\b"
)


def _names_no_length(text: str, m: re.Match[str]) -> bool:
    """True when `m`'s figure and unit count something else: millions ("10m rows",
    "40M users": a capital M alone is never a minute), dimensions ("3D model", "a 2d
    array"), decades ("the 2010s"), tens ("10s of thousands"), a reading time ("5 min
    read"), or the plural of an HTTP status ("got 502s from the gateway", "a wave of
    500s") unless the words around it make it a length ("a 500s timeout", "after 450s")."""
    unit = m.group("unit")
    end = m.end()
    if unit == "M" or (unit == "m" and _COUNTED.match(text, end)):
        return True
    lo = m.group("lo")
    glued = m.end("lo") == m.start("unit")
    if unit == "D" or (
        unit == "d" and glued and lo in ("2", "3") and _DIMENSIONED.match(text, end)
    ):
        return True
    if _READ_AFTER.match(text, end):
        return True
    if unit != "s" or not glued or m.group("bound"):
        return False
    decade = len(lo) == 4 and lo.endswith("0") and lo[:2] in ("18", "19", "20")
    if decade or _TENS_OF.match(text, end):
        return True  # "the 1990s", "10s of thousands"; "waited 2500s" is a length
    return (
        len(lo) == 3
        and lo[0] in "45"
        and not _TIME_BEFORE.search(text, max(0, m.start("lo") - 12), m.start("lo"))
        and not _TIME_AFTER.match(text, end)
    )


# What a figure of dimensions ("3d viewer", "2d array") is written before.
_DIMENSIONED = re.compile(
    r" (?:models?|viewers?|arrays?|grids?|print\w*|graphics|scenes?|space|render\w*|games?"
    r"|engines?|canvas|textures?|mesh(?:es)?|assets?|views?|plots?|charts?|maps?|matri(?:x|ces)"
    r"|tensors?|objects?|animations?|shapes?|geometry|art|cameras?)\b",
    re.IGNORECASE,
)
_READ_AFTER = re.compile(r"\s+read\b", re.IGNORECASE)
_TENS_OF = re.compile(r"\s+of\s+(?:thousands|hundreds|millions|billions)\b", re.IGNORECASE)


def _half_hour(text: str) -> Duration | None:
    """A half or quarter hour written in words; the `in` test spares the regex most texts."""
    if not any(map(text.__contains__, _HALF_HOUR_HINTS)):
        return None
    m = _HALF_HOUR.search(text)
    if m is None:
        return None
    return Duration(_HOUR_PARTS.get(m.lastgroup, 90.0), None, None, m.group(0), m.start())


# How prose says a length is time spent on something: after a verb of spending ("took
# me about 5 minutes", "spent ~40 min") or of giving up ("reverted it after 15
# minutes"; a bare "after 10 min" is a moment), as a sentence's opening words ("15
# minutes. The next run passed.", "For about an hour I ..."), or before a word of
# spending ("20 minutes wasted", "an hour of bisecting", "30分近く", "10 Minuten verbracht").
_SPENT_VERB = re.compile(
    # A stopwatch before a figure times the step it closes ("Dead end. ⏱ 10 min").
    r"(?:[\u23f1\u23f2]\ufe0f?"
    # What a thing "still took" measures it ("the page still took 2.8 s").
    r"|\b(?:(?<!still )took|spent|spending|lasted|cost|wasted|lost|burn(?:ed|t)|ate(?: up)?"
    r"|(?:gave up|stopped|abandoned|reverted|dropped|killed|aborted|cancell?ed"
    r"|(?:rolled|backed)(?: it| this| that)? (?:back|out))"
    r"(?: it| this| that)? after"
    # In Spanish and French: "tardé 30 minutos", "lo abandoné a los 15 minutos",
    # "j'ai mis 20 minutes", "abandonné au bout de 10 minutes".
    r"|tardé|tardó|tardamos|(?:me|nos) llevó|perdí|perdimos|dediqué"
    r"|(?:abandoné|dejé|cancelé|revertí)(?: a los| tras| después de)"
    r"|(?:j'|j’)ai mis|on a mis|(?:m'|m’|nous )a pris"
    r"|(?:abandonné|arrêté|annulé)(?: après| au bout de)))"
    r"(?:\s+(?:me|us|him|her|them|another|an extra|only|just|a good|over))*\s+",
    re.IGNORECASE,
)
_SPENT_VERB_LOWER = vocab.case_sensitive_twin(_SPENT_VERB)
# Words a verb of spending opens with: an `in` test for each rules most texts out
# faster than the case-blind search tried at every position.
_SPENT_STARTS = (
    "took", "spent", "spend", "lasted", "cost", "wasted", "lost", "burn", " ate ", "\u23f1", "\u23f2",
    "gave up", "stopped", "abandoned", "reverted", "dropped", "rolled", "backed",
    "killed", "aborted", "cancel",
    "tard", "llevó", "perd", "dediqu", "abandon", "dejé", "revertí", " mis", "a pris",
    "arrêté", "annulé",
)  # fmt: skip
# A sentence's end; a pattern opening with a character set gets the engine's fast scan.
_SENTENCE_BREAK = re.compile(r"[.!?]\s+")
# Counts people spell out in a length ("ten minutes", "an hour", "zwanzig Minuten").
_NUMBER_WORDS = {
    **dict.fromkeys(("a", "an", "one", "un", "une", "eine", "una"), 1),
    **dict.fromkeys(("two", "deux", "zwei", "dos"), 2),
    **dict.fromkeys(("three", "trois", "drei", "tres"), 3),
    **dict.fromkeys(("five", "cinq", "fünf", "cinco"), 5),
    **dict.fromkeys(("ten", "dix", "zehn", "diez"), 10),
    **dict.fromkeys(("fifteen", "quinze", "fünfzehn", "quince"), 15),
    **dict.fromkeys(("twenty", "vingt", "zwanzig", "veinte"), 20),
    **dict.fromkeys(("thirty", "trente", "dreißig", "treinta"), 30),
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
}
_WORDED_UNITS = (
    (r"minutes?|minutos?|minuten", 1.0),
    (r"hours?|heures?|stunden?|horas?", 60.0),
)
_WORDED = re.compile(
    r"\s*(?:(?:about|around|roughly|nearly|almost|environ|etwa|ungefähr|unos|unas)\s+)?"
    rf"(?P<n>{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})[ -]"
    rf"(?P<u>{'|'.join(u for u, _ in _WORDED_UNITS)})\b",
    re.I,
)
# What a text holds when it spells a length out ("hour", "heure", "Stunde", "hora", "minutes").
_WORDED_HINTS = (*_HALF_HOUR_HINTS, "inut")
_OPENS_WITH_FIGURE = re.compile(
    r"\s*(?:about|around|roughly|nearly|almost|approx\.|~|≈|unos|unas|etwa|ungefähr|ca\.|environ)?\s*"
    r"(?:\d|(?:an? )?half|media hora|une demi|eine halbe|[a-zäöüß-]{1,10}[ -][mhs])",
    re.I,
)
# "For about an hour I bisected": a sentence opening with "for" and a length.
_OPENS_WITH_FOR = re.compile(r"\s*(?:for|pendant|während|durante)\s+", re.I)
# An aside holding nothing but a length: "(about 10 min)".
_SPENT_ASIDE = re.compile(r"\(([^()]{1,30})\)")
# What may follow a sentence's opening length: not "later" or "after" (a moment),
# but an end, "of ...", "including ...", or what was done ("reading the docs"). "Of"
# a state the system was in ("30 seconds of silence", "15 minutes of downtime") tells
# what happened to it, not time the author spent.
_SENTENCE_DURATION_END = re.compile(
    r"\s*(?:[.,;:]|\s(?:of(?!\s+(?:silence|downtime|inactivity|idle|outage|lag|latency|delay"
    r"|traffic|data|logs?|uptime|load|retention|video|audio|buffering)\b)"
    r"|on|in|for|including|counting)\b|\s[a-z]{3,}(?:ing|ando|iendo)\b|$)"
)
_SPENT_AFTER = re.compile(
    r"\s*(?:近く|ほど|くらい|ぐらい|かけ|かかっ|費や"
    r"|(?:wasted|lost|gone|perdue?s?|verloren|(?:damit )?verbracht|perdid[oa]s?)\b|of [a-z]{3,}ing\b)",
    re.I,
)
# Words one of which a text must hold for `_SPENT_AFTER` to follow a length in it.
_SPENT_AFTER_HINTS = (
    "分", "時間", "wasted", "lost", "gone", "perdu", "verloren", "verbracht", "perdid", " of ",
)  # fmt: skip


def spent_duration(text: str) -> Duration | None:
    """The first length `text` tells as time spent, or None: a figure in passing
    ("raised the timeout to 30 s", "retry after 10 min") is a setting, not a length.

    >>> spent_duration("Took 5 minutes. The retry hit a 30 s timeout.").minutes
    5.0
    >>> spent_duration("Raised the timeout to 30 s.") is None
    True
    """
    if _DIGIT.search(text) is None and not any(map(text.__contains__, _WORDED_HINTS)):
        return None  # neither a figure nor a length in words
    low = vocab.lowered(text)
    if low is None or any(map(low.__contains__, _SPENT_STARTS)):
        # On the lowered text, the case-sensitive twin: half the cost of a blind scan.
        scan = _SPENT_VERB if low is None else _SPENT_VERB_LOWER
        for m in scan.finditer(text if low is None else low):
            rest = text[m.end() : m.end() + 40]
            d = _opening_duration(rest)
            if d is not None and not _RATE.match(rest, d[1]):
                return d[0]
    if "(" in text:
        for m in _SPENT_ASIDE.finditer(text):
            d = _opening_duration(m.group(1))
            if d is not None and not m.group(1)[d[1] :].strip():
                return d[0]
    for start in (0, *(m.end() for m in _SENTENCE_BREAK.finditer(text))):
        lead = _OPENS_WITH_FOR.match(text, start)
        if lead is not None:
            d = _opening_duration(text[lead.end() : lead.end() + 40])
            if d is not None:
                return d[0]
            continue
        if _OPENS_WITH_FIGURE.match(text, start) is None:
            continue
        rest = text[start : start + 40]
        d = _opening_duration(rest)
        if d is not None and _SENTENCE_DURATION_END.match(rest, d[1]):
            return d[0]
    hay = text if low is None else low
    if any(map(hay.__contains__, _SPENT_AFTER_HINTS)):
        pos = 0
        while (d := find_duration(text[pos:], clock=False)) is not None:
            end = pos + text[pos:].find(d.text) + len(d.text)
            if _SPENT_AFTER.match(text, end):
                return d
            pos = end
    return None


# A length given per unit of work ("took 3s per request", "5 min each", "2 s on
# average") measures the thing, not the time the author spent.
_RATE = re.compile(r"\s*(?:per\b|each\b|apiece\b|on average\b|/\s*[a-z])", re.IGNORECASE)


_BOUND_WORDS = frozenset(
    ("", "about", "around", "roughly", "nearly", "almost", "approx.")
    + ("unos", "unas", "etwa", "ungefähr", "ca.", "environ")
)


def _opening_duration(text: str) -> tuple[Duration, int] | None:
    """The duration `text` opens with (after an "about" or "~"), and where it ends.

    Here, where a length is expected, a count in words is one ("took about an hour",
    "ten minutes").
    """
    if _OPENS_WITH_FIGURE.match(text) is None:
        return None  # spares find_duration's scan of a text that opens with words
    d = find_duration(text, clock=False)
    if d is None or text[: d.start].strip(" ~≈").lower() not in _BOUND_WORDS:
        m = _WORDED.match(text)
        if m is None:
            return None
        unit = next(mult for u, mult in _WORDED_UNITS if re.fullmatch(u, m.group("u"), re.I))
        minutes = _NUMBER_WORDS[m.group("n").lower()] * unit
        return Duration(minutes, None, None, m.group(0).strip(), m.start()), m.end()
    return d, text.find(d.text) + len(d.text)


# A unit named by a table column's header: "(min)", "(h)", "(分)" in parentheses, or a
# unit word of three letters or more ("Minutes", "Hours", "mins"). A bare letter or a
# CJK word alone ("時間" is "time" as often as "hours") names no unit.
_HEADER_UNIT = re.compile(
    rf"\(\s*(?P<paren>{_UNIT_RE})\s*\)|(?<![a-zA-Z])(?P<word>[a-zA-Z]{{3,}})(?![a-zA-Z])",
    re.IGNORECASE,
)
# A cell holding only a figure: "20", "**95**", "~10", "10-15", "2+".
_BARE_FIGURE = re.compile(rf"[~≈<>]?\s*{_NUM}(?:\s*[-–]\s*{_NUM})?\+?")


def header_unit(header: str) -> str | None:
    """The unit a column header names for its bare figures, or None.

    >>> header_unit("Time (min)"), header_unit("Hours"), header_unit("Phase")
    ('min', 'Hours', None)
    """
    for m in _HEADER_UNIT.finditer(header):
        unit = m.group("paren") or m.group("word")
        if _unit_minutes(unit) is not None:
            return unit
    return None


def cell_duration(cell: str, unit: str | None) -> Duration | None:
    """The duration in a table cell: its own ("20 min"), else a bare figure ("20")
    read in the column's `unit` (see `header_unit`); never a clock time."""
    d = find_duration(cell, clock=False)
    if d is None and unit:
        bare = cell.strip().strip("*_").strip()
        if _BARE_FIGURE.fullmatch(bare):
            d = find_duration(f"{bare} {unit}", clock=False)
    return d


# Figures find_duration refuses: a sign glued to the number, NaN/infinity, or a
# number long enough to exceed MAX_MINUTES. "10-15 min" is a range, not "-15". This
# runs on every document, so each pattern opens with a literal or an ASCII digit run,
# which the regex engine scans far faster than an alternation behind a look-behind.
# `[0-9][0-9]{3,}` rather than `[0-9]{4,}`: a pattern opening with a repeat gets no
# first-character prefix, and scans twice as slowly.
_UNIT_AFTER = rf"\s*(?P<unit>(?i:{_UNIT_RE}))(?![a-zA-Z])"
_NEGATIVE = re.compile(rf"-(?P<n>{_NUM}){_UNIT_AFTER}")
_NOT_A_NUMBER = re.compile(rf"(?P<n>nan|inf(?:inity)?){_UNIT_AFTER}", re.IGNORECASE)
_HUGE = re.compile(rf"(?P<n>[0-9][0-9]{{3,}}(?:[.,][0-9]+)?){_UNIT_AFTER}")
# Where "nan"/"inf" can start: found with str.find, far cheaper than a case-blind scan.
_NOT_A_NUMBER_STARTS = ("nan", "NaN", "NAN", "Nan", "inf", "Inf", "INF")

# Even opening with a digit, the _HUGE scan tests every character (~0.06 ms a
# document), while a _HUGE match needs a run of 4+ ASCII digits whose maximal run is
# followed by a decimal separator, whitespace or a unit (a shorter reading of the run
# is followed by a digit, which none of those is). Documents hold few such runs
# (mostly years, followed by "-"), and bytes find them at C speed: digits become "0",
# then each "0000" run's next byte is looked at. That byte may be: "." or ",", ASCII
# whitespace (\s also takes \x1c-\x1f), the first letter of a unit (lowercased bytes,
# so d/j/h/g/t/m/p/s), or any non-ASCII byte (Unicode spaces, 時間, 分, and letters
# such as "ſ" that match an ASCII one case-blind).
# One C pass folds the UTF-8 bytes for both scans: ASCII letters lowercased (the
# spellings of "nan"/"inf" and the units are ASCII), digits made "0".
_FOLD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ123456789", b"abcdefghijklmnopqrstuvwxyz000000000"
)
_MAY_FOLLOW_HUGE_RUN = frozenset(b".,djhgtmps \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f") | frozenset(
    range(0x80, 0x100)
)


def _may_hold_huge(folded: bytes) -> bool:
    """False when `_HUGE` cannot match the text whose UTF-8, folded by `_FOLD`, is `folded`."""
    end = len(folded)
    i = folded.find(b"0000")
    while i != -1:
        j = i + 4
        while j < end and folded[j] == 0x30:  # the rest of the run
            j += 1
        if j < end and folded[j] in _MAY_FOLLOW_HUGE_RUN:
            return True
        i = folded.find(b"0000", j)
    return False


def invalid_durations(text: str, data: bytes | None = None) -> list[tuple[str, int, str]]:
    """(as written, offset, why) for each duration-looking figure that is none.

    The parser keeps such an attempt's minutes missing; this says why, so the
    author can fix the number (issue 9). `data` is the text's UTF-8 when the caller
    has it already.

    >>> [(w, why) for w, _, why in invalid_durations("a (-5 min), b (99999 hours), c (NaN min)")]
    [('-5 min', 'negative'), ('99999 hours', 'more than a year'), ('NaN min', 'not a number')]
    """
    out = []
    checks = [(_NEGATIVE, "negative", ".)]")]
    # "nan"/"inf" in any case: a search of the folded bytes rules out most
    # documents, cheaper than seven searches of the text.
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    folded = data.translate(_FOLD)
    # `in` (CPython's fastsearch) scans bytes ~2x faster than a literal regex does.
    if b"nan" in folded or b"inf" in folded:
        checks.append((_NOT_A_NUMBER, "not a number", "."))
    if _may_hold_huge(folded):
        checks.append((_HUGE, "more than a year", ".,"))
    for pattern, why, joiners in checks:
        for m in _candidates(pattern, text):
            s = m.start()
            before = text[s - 1] if s else " "
            # Part of a longer token ("10-15 min", "UTC-5 h", "1,000000 s"): skip.
            if before.isalnum() or before == "_" or before in joiners:
                continue
            unit = _unit_minutes(m.group("unit"))
            if unit is None:
                continue
            if pattern is _HUGE and _num(m.group("n")) * unit <= MAX_MINUTES:
                continue
            out.append((m.group(0).strip(), s, why))
    out.sort(key=lambda f: f[1])
    return out


def _candidates(pattern: re.Pattern[str], text: str):
    if pattern is not _NOT_A_NUMBER:
        yield from pattern.finditer(text)
        return
    for lit in _NOT_A_NUMBER_STARTS:
        i = text.find(lit)
        while i != -1:
            m = pattern.match(text, i)
            if m:
                yield m
            i = text.find(lit, i + 1)


def format_minutes(minutes: float) -> str:
    """Render minutes the way the generator and reports write them ("1h 5m", "40 sec")."""
    if minutes < 1:
        return f"{round(minutes * 60)} sec"
    if minutes < 60 or minutes != int(minutes):
        return f"{_clean(minutes):g} min"
    h, m = divmod(int(minutes), 60)
    return f"{h}h {m}m" if m else f"{h}h"
