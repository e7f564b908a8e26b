"""Session-level facts: title, date and times, result, total and ideal minutes.

Sources, strongest first: YAML front matter, header fields ("**Date**: ..."), the
title, the rest of the text, the file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date
from datetime import datetime, timedelta

from . import vocab
from .attempts import _numbered_title
from .blocks import Block
from .dates import FoundDate, find_date, find_dates, find_time
from .durations import Duration, clock_minutes, find_duration
from .fields import Field, fields_in, is_field, table_fields
from .sections import Section

_LABELS_RE = vocab.words_re(vocab.TITLE_LABELS)
# "Retro: X", "Post-Mortem — X", or the label in brackets: "[Retro] X".
_LEAD_LABEL = re.compile(
    rf"^\s*(?:{_LABELS_RE}\s*(?:[:：]|\s[-–—]\s|\s*[-–—]\s)|[\[(]{_LABELS_RE}[\])])\s*", re.I
)
# The closing patterns open with their separator's character set, not with the blank
# space before it, which `vocab.blank_start` adds (a fast scan instead of a match tried
# at every position of the title). A dash needs a blank before it, a colon does not.
_TRAIL_LABEL = re.compile(rf"[-–—:：](?:(?<=[:：])|(?<=\s[-–—]))\s*{_LABELS_RE}\s*$", re.I)
_LEADING_SYMBOLS = re.compile(r"^[^\w`\"'(\[]+", re.UNICODE)
_TRAIL_PAREN_DURATION = re.compile(
    r"[(\[][^()\[\]]*\d[^()\[\]]*\b(min|minutes?|hours?|h|hrs?)\b[^()\[\]]*[)\]]\s*$", re.I
)
_TITLE_DATE = (
    r"(?:(?:19|20)\d\d[-/.]\d\d?[-/.]\d\d?|[A-Z][a-z]+\.? \d{1,2},? (?:19|20)\d\d"
    r"|\d{1,2} [A-Z][a-z]+ (?:19|20)\d\d)"
)
# A separator and optional blank space, or one blank, then the date.
_TRAIL_DATE = re.compile(rf"[-–—:|,\s](?:(?<=[-–—:|,])\s*)?\(?{_TITLE_DATE}\)?\s*$")
# The date, then a separator ("2026-11-30 — Queue lag") or in brackets ("[2026-11-30] X").
_LEAD_DATE = re.compile(
    rf"^(?:\(?(?P<d>{_TITLE_DATE})\)?\s*[-–—:|]|[\[(](?P<b>{_TITLE_DATE})[\])])\s*"
)
_ONLY_LABEL = re.compile(rf"^\s*{_LABELS_RE}\s*[:：\-–—]?\s*$", re.I)


def clean_title(raw: str) -> str:
    """Drop genre labels, leading emoji, a trailing duration or date.

    >>> clean_title("Session Reflection: Database Schema Fix (70 min journey)")
    'Database Schema Fix'
    >>> clean_title("Session Retrospective: 2025-11-10")
    '2025-11-10'
    >>> clean_title("2025-11-10 — Queue consumer lag")
    'Queue consumer lag'
    """
    t = " ".join(raw.split())
    t = _LEADING_SYMBOLS.sub("", t)
    date_only = None
    for _ in range(3):
        before = t
        t = _LEAD_LABEL.sub("", t, count=1)
        m = _LEAD_DATE.match(t) if t[:1].isdigit() or t[:1] in "[(" or t[:1].isupper() else None
        if m and m.end() < len(t):
            date_only = m.group("d") or m.group("b")
            t = t[m.end() :]
        for closing in (_TRAIL_LABEL, _TRAIL_PAREN_DURATION):  # each ends the title
            m = closing.search(t)
            if m:
                t = t[: vocab.blank_start(t, m)] + t[m.end() :]
        m = _TRAIL_DATE.search(t)
        start = vocab.blank_start(t, m) if m else 0
        if start > 0:
            date_only = t[start:].strip(" -–—:|,()")
            t = t[:start]
        t = t.strip(" -–—:|")
        if t == before:
            break
    if (not t or _ONLY_LABEL.match(t)) and date_only:
        t = date_only
    return t.strip() or " ".join(raw.split())


@dataclass(slots=True)
class Meta:
    title: str | None = None
    title_line: int | None = None
    date: str | None = None
    date_line: int | None = None
    started_at: str | None = None
    ended_at: str | None = None
    total: Duration | None = None
    total_source: str | None = None
    total_line: int | None = None
    ideal: float | None = None
    result: str | None = None
    result_line: int | None = None
    result_by_mark: bool = False
    """The header's status was only a mark (⚠️), no words: weaker evidence."""
    project: str | None = None
    tags: tuple[str, ...] = ()
    unread_date: tuple[int, str] | None = None
    """(line, value) of the first Date field whose value names no day ("2026-12-45",
    "TBD"): what to point at when the session ends up with no date."""


_MARKS_ONLY = re.compile("[\u2705\u274c\u26a0\U0001f7e1]")


def parse_front_matter(text: str) -> dict[str, str]:
    """Flat `key: value` pairs of a YAML front matter block.

    Reflections use a handful of scalar keys and simple lists; a full YAML
    loader would add a dependency and accept far more than we read.
    """
    out: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if m:
            key = m.group(1).lower()
            out[key] = m.group(2).strip().strip("'\"")
        elif key and re.match(r"^\s+-\s+", line):
            item = line.strip()[1:].strip().strip("'\"")
            out[key] = (out[key] + "," if out[key] else "") + item
    return out


def _tags(value: str) -> tuple[str, ...]:
    v = value.strip("[] ")
    return tuple(t.strip().strip("'\"") for t in v.split(",") if t.strip())


# "39 passed, 0 failed", "no errors": counts of nothing are not failures.
_NO_FAILURES = re.compile(
    r"\b(0|zero|no)\s+(failed|failures?|errors?|regressions?|issues?)\b|without (errors?|failures?)"
)
_SCORE = re.compile(r"(?<![\d/])(\d+)\s*(?:/|of|out of)\s*(\d+)(?![\d/])")


_TESTING = re.compile(r"\b(testing|pending)\b")
# Compiled once: classify_result runs on every status value and field.
_RESULT_WORDS = tuple((cls, re.compile(pattern)) for cls, pattern in vocab.RESULT_WORDS)


def classify_result(text: str) -> str | None:
    """success / partial / failure / unknown from a status value; None if it says nothing.

    A score ("2/3 bugs fixed", "0/29 wins") is judged by its ratio.
    """
    low = text.lower()
    # Each pattern needs a literal the text may lack: the searches, tried at every
    # position, cost more than these scans (status values are asked about twice).
    if "no" in low or "0" in low or "zero" in low or "without" in low:
        low = _NO_FAILURES.sub(" ", low)
    m = _SCORE.search(low) if "/" in low or "of" in low else None
    if m and not _TESTING.search(low):
        got, of = int(m.group(1)), int(m.group(2))
        if of > 0 and got <= of:
            return "success" if got == of else "failure" if got == 0 else "partial"
    for word_class, pattern in _RESULT_WORDS:
        if pattern.search(low):
            return word_class
    for mark, cls in vocab.MARK_RESULT.items():
        if mark in text:
            return cls
    return None


def header_fields(root: Section) -> list[Field]:
    """Fields of the document's header: the preamble, the title's own blocks and,
    when those hold no fields, the first section's (a "Session Context" block).
    Status lines deeper in the text judge parts, not the session."""
    blocks: list[Block] = list(root.blocks)
    top = [c for c in root.children]
    if top and top[0].level == 1:
        blocks.extend(top[0].blocks)
        top = top[0].children + top[1:]
    found = _with_tables(blocks)
    if not found and top and not _attempt_heading(top[0]) and not top[0].has("attempts"):
        # Its fields, not its tables: a one-row table under a heading of its own is the
        # section's subject ("| Release | Date | Status |" of the release at fault).
        # A first section that is an attempt ("## Try 1: ...") or holds them ("## What
        # I tried", each item timed "Time: 20 min") times and judges them, not the session.
        found = fields_in(top[0].blocks)
    return found


def _attempt_heading(sec: Section) -> bool:
    """Is `sec` a numbered or lettered attempt's section ("## Ansatz 1: ...")?"""
    return sec.heading is not None and _numbered_title(sec.title)


def _total_outside_attempts(root: Section) -> tuple[Duration, Field] | None:
    """`_body_total` of the fields outside attempt sections: an attempt's own
    "Duration: 20 Min" is no session length. Asked only when some field states one."""
    inside: set[int] = set()
    blocks = []
    for sec in root.walk():  # parents come before their children
        if (sec.parent is not None and id(sec.parent) in inside) or _attempt_heading(sec):
            inside.add(id(sec))
        else:
            blocks.extend(sec.blocks)
    return _body_total(fields_in(blocks))


def _with_tables(blocks: list[Block]) -> list[Field]:
    """`fields_in(blocks)` and the fields of the header tables among them, in order
    ("| Date | Duration | Result |" over one row of values)."""
    found = fields_in(blocks)
    tables = [f for b in blocks if b.kind == "table" for f in table_fields(b)]
    if tables:
        found = sorted(found + tables, key=lambda f: f.line)
    return found


_WASTE = re.compile(vocab.WASTE_WORDS, re.I)


def find_total(fields: list[Field], *, header: bool = False) -> tuple[Duration, Field] | None:
    """The first field stating the session's length; with `header`, the fields of the
    document's header, where a plain "Time" or "Total" label states it too."""
    for f in fields:
        named = is_field(f.label, "total")
        if (named or (header and is_field(f.label, "header_total"))) and not _WASTE.search(f.label):
            d = find_duration(f.value) or (_stopwatch(f.value) if named else None)
            if d is not None:
                return d, f
    return None


# A label that says its length is the whole session's ("Total time", "Session length").
_WHOLE_LABEL = re.compile(r"total|session|whole|entire|full|overall|gesamt|所要", re.I)


def _body_total(fields: list[Field]) -> tuple[Duration, Field] | None:
    """The session's length from a field below the header. When several fields there
    state a length, each part's own ("**Duration**: 20 min" under every attempt), only
    one whose label says it is the whole session's counts."""
    found = find_total(fields)
    if found is None:
        return None
    rest = fields[fields.index(found[1]) + 1 :]
    if find_total(rest) is None or _WHOLE_LABEL.search(found[1].label):
        return found
    return _whole_total(rest)


def _whole_total(fields: list[Field]) -> tuple[Duration, Field] | None:
    """A field saying it holds the whole session's length ("Total time: 1h 10m"), even
    inside an attempt's section (written at the end, under the last attempt)."""
    return find_total([f for f in fields if _WHOLE_LABEL.search(f.label)])


_STOPWATCH = re.compile(r"[~≈]?\s*(\d{1,2}):([0-5]\d)(?::([0-5]\d))?")


def _stopwatch(value: str) -> Duration | None:
    """A length read off a stopwatch, under a label that names a length ("Elapsed:
    01:10" = 70, "Duration: 1:05:30"); under "Time:" the same figure is a clock."""
    m = _STOPWATCH.fullmatch(value.strip(" *_`"))
    if m is None:
        return None
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    return Duration(h * 60 + mi + round(sec / 60, 2), None, None, m.group(0), 0)


# The case-blind sentence patterns below are scanned at every position of every text,
# most of which lack the word each one needs; a `text.lower()` and an `in` test rule
# that out first (`vocab.lowered`: None for a text only the regex can read).
# Each pattern of vocab.TOTAL_PATTERNS with a word it cannot match without.
_TOTAL_SENTENCES = tuple(
    (re.compile(p, re.I), word)
    for p, word in zip(
        vocab.TOTAL_PATTERNS, ("wall", "session ", "total session time"), strict=True
    )
)


def _total_sentence(root: Section) -> tuple[Duration, int] | None:
    """A length stated in running text ("~4h wall time", "the session lasted 2 hours")."""
    for sec in root.walk():
        for text, line in _texts(sec):
            low = vocab.lowered(text)
            for rx, word in _TOTAL_SENTENCES:
                if low is not None and word not in low:
                    continue
                m = rx.search(text)
                if m and not _someone_elses_length(text, m):
                    d = _duration_at(text, m.start("d"), len(m.group("d")))
                    if d is not None:
                        return d, line
            if low is None or "start" in low or "began" in low:
                m = _PROSE_SPAN.search(text)
                if m:
                    d = find_duration(f"{m.group('a')}-{m.group('b')}")
                    if d is not None:
                        return d, line
    return None


def _duration_at(text: str, at: int, width: int) -> Duration | None:
    """The duration that opens within `width` characters of `at`, read whole: a
    sentence pattern's capture stops at a dot, the decimal one of "1.5 hours" too."""
    d = find_duration(text[at : at + width + 20], clock=False)
    return d if d is not None and d.start < width else None


# What makes a stated length another thing's: a possessive or a comparison before it
# ("the suite's 12 min of wall time", "from 40 min to 12 min"), a change after it ("... dropped to
# 4 min"), or a session that is a user's login ("a user session lasted 15 minutes").
_ELSES_BEFORE = re.compile(r"(?:['’]s|\bfrom|\d\s*[a-z]*\s+to)\s*[~≈]?\s*$", re.I)
_ELSES_AFTER = re.compile(
    r"[^.;\n]{0,12}?\b(?:dropped|fell|went|rose|grew|drops|falls)\b|\s*(?:→|->)"
)
_LOGIN_SESSION = re.compile(
    r"\b(?:user|login|browser|auth|ssh|tmux|client|web|cookie|oauth)\s+session\s+\w+\s*$", re.I
)


def _someone_elses_length(text: str, m: re.Match[str]) -> bool:
    """True when the length `m` captured in a sentence is not the session's."""
    at = m.start("d")
    before = text[max(0, at - 40) : at]
    return bool(
        _ELSES_BEFORE.search(before)
        or _LOGIN_SESSION.search(before)
        or _ELSES_AFTER.match(text, m.end())
    )


_CLOCK = r"\d{1,2}:\d\d(?:\s*[ap]m)?"
# A start and an end told in a sentence: "Started 14:05, wrapped up at 15:20". The
# sentence opens with them (a capital: lines of a paragraph come joined) or names the
# author or the work as what started: "the outage started 14:05 and ... wrapped up at
# 15:20" is the outage's span.
_PROSE_SPAN = re.compile(
    r"(?:(?:^|[.!?;:]\s)\s*(?:started|began)|(?-i:\b(?:Started|Began))"
    r"|\b(?:I|we|work|session|debugging)\s+(?:started|began))"
    rf"(?:\s+(?:at|around))?\s+(?P<a>{_CLOCK})\b[^.;\n]{{0,30}}?"
    rf"\b(?:finished|ended|wrapped up|stopped|done)(?:\s+(?:at|by|around))?\s+(?P<b>{_CLOCK})",
    re.I,
)


# Each pattern of vocab.IDEAL_PATTERNS with a word it cannot match without.
_IDEAL_SENTENCES = tuple(
    (re.compile(p, re.I), word)
    for p, word in zip(
        vocab.IDEAL_PATTERNS,
        (b"should have", b"could have", b"ideal", "で終わる".encode(), b"aurait d"),
        strict=True,
    )
)


def find_ideal(text: str, data: bytes | None = None) -> float | None:
    """An ideal length stated in a sentence ("should have been 10 minutes").

    `data` is the text's UTF-8 when the caller has it already.
    """
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    low = vocab.lowered_utf8(data)
    for rx, word in _IDEAL_SENTENCES:
        if low is not None and word not in low:
            continue
        for m in rx.finditer(text):
            if _SETTING_SUBJECT.search(text, max(0, m.start() - 30), m.start()):
                continue
            d = (
                find_duration(m.group("d"))
                or _duration_at(text, m.start("d"), len(m.group("d")))
                or _unit_before(text, m)
            )
            if d is not None:
                return d.minutes
    return None


# A setting the sentence says should have had another value ("the client timeout should
# have been 10 seconds", "the retry count should have been 2"): no length of the work.
_SETTING_SUBJECT = re.compile(
    r"\b(?:timeout|time-out|ttl|interval|delay|limit|lifetime|expiry|window|backoff|cache"
    r"|retention|count|size|threshold|poll(?:ing)?|cron|schedule)s?\s+(?:\w+\s+)?$",
    re.I,
)


_BARE_FIGURE = re.compile(r"~?\s*(\d+(?:\.\d+)?)\s*")
_UNIT_TAIL = re.compile(r"[^\W\d_]+\s*$")


def _unit_before(text: str, m: re.Match[str]) -> Duration | None:
    """A bare ideal figure in the unit of the length before it on its line ("Total:
    70 min (ideal: 10)" = 10 minutes); None when nothing before it names a unit."""
    figure = _BARE_FIGURE.fullmatch(m.group("d"))
    if figure is None:
        return None
    before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
    d = find_duration(before, clock=False)
    unit = _UNIT_TAIL.search(d.text) if d is not None else None
    return find_duration(f"{figure.group(1)} {unit.group(0)}") if unit else None


def extract_meta(root: Section, front: dict[str, str], source_name: str) -> Meta:
    meta = Meta()
    # Title: the first H1, else front matter, else the first heading.
    h1 = next((s for s in root.walk() if s.level == 1), None)
    first = next((s for s in root.walk() if s.heading is not None), None)
    if h1 is not None:
        meta.title, meta.title_line = clean_title(h1.title), h1.line
    elif front.get("title"):
        meta.title, meta.title_line = clean_title(front["title"]), 2
    elif first is not None:
        meta.title, meta.title_line = clean_title(first.title), first.line

    fields = header_fields(root)
    all_fields = fields_in([b for s in root.walk() for b in s.blocks])
    # What it should have taken, as a field ("**Ideal time**: 20 minutes").
    for f in all_fields:
        if is_field(f.label, "ideal"):
            d = find_duration(f.value, clock=False)
            if d:
                meta.ideal = d.minutes
                break

    # Date.
    if front.get("date"):
        d = find_date(front["date"])
        if d:
            meta.date, meta.date_line = d.iso, 2
    if meta.date is None:
        for f in fields:
            if is_field(f.label, "date"):
                d = find_date(f.value)
                if d:
                    meta.date, meta.date_line = d.iso, f.line
                    if d.time:
                        meta.started_at = f"{d.iso}T{d.time[0]:02d}:{d.time[1]:02d}:00"
                    break
                if meta.unread_date is None and f.value.strip():
                    meta.unread_date = (f.line, f.value.strip())
    if meta.date is None and h1 is not None:
        d = find_date(h1.title)
        if d and not _other_event(h1.title, d):
            meta.date, meta.date_line = d.iso, h1.line
    # The day it happened beats the day it was written or updated, wherever each stands.
    for kind in ("date", "written"):
        if meta.date is not None:
            break
        for f in all_fields:
            if is_field(f.label, kind):
                d = find_date(f.value)
                if d:
                    meta.date, meta.date_line = d.iso, f.line
                    break
                if meta.unread_date is None and f.value.strip():
                    meta.unread_date = (f.line, f.value.strip())
    if meta.date is None:
        # The first day written, unless it is another event's ("released on 2026-06-04",
        # "since the 2026-01-05 release") and a later one is not.
        event = None
        for sec in root.walk():
            for text, line in _texts(sec):
                for d in find_dates(text):
                    if not _other_event(text, d):
                        meta.date, meta.date_line = d.iso, line
                        break
                    event = event or (d.iso, line)
                if meta.date:
                    break
            if meta.date:
                break
        if meta.date is None and event is not None:
            meta.date, meta.date_line = event
    if meta.date is None:
        d = find_date(source_name)
        if d:
            meta.date = d.iso

    # Start and end time from the date line's range ("2026-02-02 21:00-22:10").
    for f in fields:
        if (
            is_field(f.label, "date")
            or is_field(f.label, "total")
            or is_field(f.label, "header_total")
        ):
            if ":" not in f.value:
                # No clock range without a colon; the duration scan of a bare date
                # ("2026-02-02") costs more than the rest of this function.
                continue
            d = find_duration(f.value)
            if d is not None and d.clock and meta.date:
                h1_, m1, h2, m2 = d.clock
                meta.started_at = f"{meta.date}T{h1_:02d}:{m1:02d}:00"
                start = datetime.combine(
                    _date.fromisoformat(meta.date), datetime.min.time()
                ).replace(hour=h1_, minute=m1)
                end = start + timedelta(minutes=d.minutes)
                meta.ended_at = end.isoformat(timespec="seconds")
                if meta.total is None:
                    meta.total, meta.total_source, meta.total_line = d, "time_range", f.line
                break

    if meta.total is None:
        _start_end(meta, fields)

    # Total minutes: front matter, then a stated field (which beats a clock range).
    d = _front_total(front)
    if d:
        meta.total, meta.total_source, meta.total_line = d, "front_matter", 2
    if meta.total is None or meta.total_source == "time_range":
        found = find_total(fields, header=True) or (
            find_total(all_fields) and (_total_outside_attempts(root) or _whole_total(all_fields))
        )
        if found:
            meta.total, meta.total_source, meta.total_line = found[0], "stated", found[1].line
    if meta.total is None:
        found_sentence = _total_sentence(root)
        if found_sentence:
            meta.total, meta.total_source, meta.total_line = (
                found_sentence[0],
                "stated",
                found_sentence[1],
            )

    # Result.
    if front.get("result") or front.get("status") or front.get("outcome"):
        meta.result = classify_result(
            front.get("result") or front.get("status") or front.get("outcome")
        )
        meta.result_line = 2
    if meta.result is None:
        # A status worded in text beats one given only as a mark (⚠️ DO NOT TRUST).
        judged = [(classify_result(f.value), f) for f in fields if is_field(f.label, "result")]
        judged = [(r, f) for r, f in judged if r]
        # Without a mark to strip, the value's words judged it already.
        worded = [
            (r, f)
            for r, f in judged
            if _MARKS_ONLY.search(f.value) is None or classify_result(_MARKS_ONLY.sub("", f.value))
        ]
        pick = (worded or judged or [None])[0]
        if pick:
            meta.result, meta.result_line = pick[0], pick[1].line
            meta.result_by_mark = not worded

    meta.project = front.get("project") or _project_field(fields)
    if front.get("tags"):
        meta.tags = _tags(front["tags"])
    return meta


# Words that tie a day to another event than the session: a release, a deadline, a
# report of the bug, a start ("since"), an end ("until"). An incident's day is left alone: a post-mortem's
# session is the incident.
_EVENT_BEFORE = re.compile(
    r"\b(?:since|released|release[ds]? on|shipped|published|deadline|due|expir(?:es|ed|y)|until"
    r"|changelog|merged|deprecated|eol|end[- ]of[- ]life|sunset"
    r"|(?:first )?(?:reported|seen|filed|opened|logged)"
    r"|seit|desde|depuis|sortie|publiée?|veröffentlicht|lanzad[oa]|publicad[oa]"
    r"|date limite|échéance|frist|fecha límite|plazo)\b[^.;!?\n]{0,32}$",
    re.I,
)
_EVENT_AFTER = re.compile(r"[\s)\]]*(?:release|rollout|changelog|deadline)\b", re.I)


def _other_event(text: str, found: FoundDate) -> bool:
    """True when the words around the day `found` in `text` name another event's."""
    return bool(
        _EVENT_BEFORE.search(text, max(0, found.start - 50), found.start)
        or _EVENT_AFTER.match(text, found.end)
    )


def _start_end(meta: Meta, fields: list[Field]) -> None:
    """The session's span from a header's separate start and end fields ("Start: 09:40",
    "End: 11:05"); an end earlier than the start crosses midnight."""
    start = end = None
    for f in fields:
        if ":" not in f.value:  # no clock without one
            continue
        if start is None and is_field(f.label, "start"):
            start = find_time(f.value), f
        elif end is None and is_field(f.label, "end"):
            end = find_time(f.value), f
    if start is None or end is None or start[0] is None or end[0] is None:
        return
    (h1, m1), (h2, m2) = start[0], end[0]
    span = clock_minutes(h1, m1, h2, m2)
    days = find_date(start[1].value), find_date(end[1].value)
    if days[0] and days[1]:  # "Started: 2026-11-30 23:00", "Ended: 2026-12-02 01:00"
        apart = _date.fromisoformat(days[1].iso) - _date.fromisoformat(days[0].iso)
        span = (h2 * 60 + m2) - (h1 * 60 + m1) + apart.days * 1440
        if span < 0:
            return
    text = f"{start[1].value} - {end[1].value}"
    meta.total = Duration(span, None, None, text, 0, (h1, m1, h2, m2))
    meta.total_source, meta.total_line = "time_range", start[1].line
    if meta.date:
        began = datetime.combine(_date.fromisoformat(meta.date), datetime.min.time())
        began = began.replace(hour=h1, minute=m1)
        meta.started_at = began.isoformat(timespec="seconds")
        meta.ended_at = (began + timedelta(minutes=span)).isoformat(timespec="seconds")


# Front matter keys that give the session's length; a bare figure takes the unit the
# key names ("duration_minutes: 45", "hours: 2"), minutes when it names none.
_FRONT_TOTAL_KEY = re.compile(
    r"^(?:duration|time[_-]?spent|total[_-]?time|elapsed|session[_-]?length)"
    r"(?:[_-]?(?P<unit>min(?:ute)?s?|hours?|h))?$"
    r"|^(?:total[_-]?)?(?P<only>minutes|hours)$"
)


def _front_total(front: dict[str, str]) -> Duration | None:
    """The session's length from front matter ("duration: 3h", "duration_minutes: 45")."""
    for key, value in front.items():
        m = _FRONT_TOTAL_KEY.match(key)
        if m is None or not value:
            continue
        unit = m.group("unit") or m.group("only") or "min"
        d = find_duration(value)
        if d is None and re.fullmatch(r"\d+(?:\.\d+)?", value.strip()):
            d = find_duration(f"{value.strip()} {unit}")
        if d is not None:
            return d
    return None


_PROJECT_TAIL = re.compile(r"\s+(?:\(|[-–—]\s).*$")


def _project_field(fields) -> str | None:
    """A header's ``**Project**: billing-api`` (or Repo/Projet): the name, without a
    trailing aside; None when the value reads as a sentence rather than a name."""
    for f in fields:
        if is_field(f.label, "project") and f.value:
            name = _PROJECT_TAIL.sub("", f.value).strip(" `*_[]")
            if name and len(name) <= 60 and len(name.split()) <= 4:
                return name
            return None
    return None


def _texts(sec: Section):
    if sec.heading is not None:
        yield sec.heading.plain, sec.heading.line
    for b in sec.blocks:
        for x in b.walk():
            if x.inline is not None:
                yield x.inline.text, x.line
