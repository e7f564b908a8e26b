"""Properties of hostile and well-formed input (issue 9).

- Any text and any bytes go through ingest + parse without an exception other than
  the documented `IngestError` (not a text document), and through `read_session`
  from disk without any exception at all.
- A generated reflection (title, date, attempts with approach/minutes/outcome, action
  items with priority/done), written as Markdown in one of the supported formats,
  parses back to exactly the values the generator wrote.

Shrunk failures are kept as named regression cases at the bottom.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from session_retro.ingest import IngestError, clean_text
from session_retro.load import read_session
from session_retro.parse import parse_session

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- never crash --------------------------------------------------------------------------

# Text that reaches the fragile spots: fences, tables, NULs, marks, odd durations and dates.
NASTY = st.sampled_from(
    [
        "```",
        "~~~",
        "|",
        "||",
        "\x00",
        "\r",
        "\r\n",
        "\ufeff",
        "\ufffd",
        "âŒ",
        "-5 min",
        "NaN min",
        "99999 hours",
        "2026-02-30",
        "### Attempt 1: x (5 min) ❌\n",
        "- [ ] (HIGH) ",
        "###### ",
        "\n---\n",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(NASTY, st.text(max_size=20)), max_size=30).map("".join)


@SETTINGS
@given(HOSTILE_TEXT)
@example("```\n- [ ] (HIGH) x\n")
@example("~~~\n")
def test_any_text_parses(text):
    s = parse_session(text, "x.md")
    assert all(w.line is None or w.line >= 1 for w in s.warnings)
    assert all(a.minutes is None or a.minutes >= 0 for a in s.attempts)


@SETTINGS
@given(st.one_of(st.binary(max_size=3000), HOSTILE_TEXT.map(lambda t: t.encode("utf-16-le"))))
@example(b"\x89PNG\r\n\x1a\n")
@example(b"PK\x03\x04")
@example(b"#\x00 \x00x\x00")  # UTF-16-LE without a BOM
@example(b"\xe2\x9c\x85 \xc3\xa2\xef\xbf\xbd\xc5\x92")  # mojibake with U+FFFD
def test_any_bytes_ingest_and_parse(data):
    try:
        clean = clean_text(data)
    except IngestError:
        return  # documented: not a text document at all
    parse_session(clean.text, "x.md")


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=2000))
def test_any_file_reads_without_raising(tmp_path, data):
    # From disk, nothing raises at all: a bad file becomes a Session with `error`.
    f = tmp_path / "x.md"
    f.write_bytes(data)
    s = read_session(str(f))
    assert s.source == str(f)
    assert s.error is None or isinstance(s.error, str) and s.error


# ---- generated reflections round-trip -----------------------------------------------------

VERBS = ["Pin", "Clear", "Rebuild", "Rename", "Bump", "Move", "Patch", "Vendor", "Inline"]
NOUNS = ["cache", "runner image", "schema", "config", "lockfile", "index", "queue", "token"]
# How each format writes an outcome.
MARKS = {"failed": "❌", "succeeded": "✅", "abandoned": "⏸️ Abandoned", "partial": "⚠️ Partial"}
HEADING_MARKS = {"failed": "❌", "succeeded": "✅", "abandoned": "⏸️", "partial": "⚠️"}
PRIORITY_TAGS = {"high": "(HIGH)", "medium": "(MEDIUM)", "low": "(LOW)"}


@dataclass(frozen=True)
class GenAttempt:
    approach: str
    minutes: int
    outcome: str


@dataclass(frozen=True)
class GenAction:
    text: str
    priority: str | None
    done: bool


@dataclass(frozen=True)
class GenSession:
    title: str
    date: dt.date
    attempts: tuple[GenAttempt, ...]
    actions: tuple[GenAction, ...]


def _phrase(draw, n: int) -> str:
    words = [draw(st.sampled_from(VERBS)), "the"] + [draw(st.sampled_from(NOUNS)) for _ in range(n)]
    return " ".join(words)


@st.composite
def sessions(draw) -> GenSession:
    title = _phrase(draw, draw(st.integers(1, 2))).capitalize()
    date = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
    attempts = tuple(
        GenAttempt(
            _phrase(draw, draw(st.integers(1, 3))),
            draw(st.integers(1, 600)),
            draw(st.sampled_from(list(MARKS))),
        )
        for _ in range(draw(st.integers(1, 6)))
    )
    actions = tuple(
        GenAction(
            "Document the " + draw(st.sampled_from(NOUNS)) + f" step {i}",
            draw(st.sampled_from([None, "high", "medium", "low"])),
            draw(st.booleans()),
        )
        for i in range(1, draw(st.integers(0, 4)) + 1)
    )
    return GenSession(title, date, attempts, actions)


def _minutes(m: int) -> str:
    return f"{m} min"


def write_headings(s: GenSession) -> str:
    """The `### Attempt N: approach (M min) ❌` format."""
    out = [f"# Session Reflection: {s.title}", "", f"**Date**: {s.date.isoformat()}", ""]
    for i, a in enumerate(s.attempts, 1):
        mark = HEADING_MARKS[a.outcome]
        out += [f"### Attempt {i}: {a.approach} ({_minutes(a.minutes)}) {mark}", ""]
    return "\n".join(out + _actions(s))


def write_table(s: GenSession) -> str:
    """The `| # | Attempt | Duration | Outcome |` table format."""
    out = [
        f"# {s.title}",
        "",
        f"**Date**: {s.date.isoformat()}",
        "",
        "## Attempts",
        "",
        "| # | Attempt | Duration | Outcome |",
        "|---|---------|----------|---------|",
    ]
    for i, a in enumerate(s.attempts, 1):
        out.append(f"| {i} | {a.approach} | {_minutes(a.minutes)} | {MARKS[a.outcome]} |")
    return "\n".join(out + [""] + _actions(s))


def _actions(s: GenSession) -> list[str]:
    if not s.actions:
        return []
    out = ["## Action Items", ""]
    for a in s.actions:
        tag = f"{PRIORITY_TAGS[a.priority]} " if a.priority else ""
        out.append(f"- [{'x' if a.done else ' '}] {tag}{a.text}")
    return out + [""]


WRITERS = {"headings": write_headings, "table": write_table}


def _assert_round_trip(s: GenSession, fmt: str) -> None:
    text = WRITERS[fmt](s)
    got = parse_session(text, "gen.md")
    assert got.title == s.title, text
    assert got.date == s.date.isoformat(), text
    assert [(a.approach, a.minutes, a.outcome.value) for a in got.attempts] == [
        (a.approach, a.minutes, a.outcome) for a in s.attempts
    ], text
    assert [
        (a.text, a.priority.value if a.priority else None, a.done) for a in got.action_items
    ] == [(a.text, a.priority, a.done) for a in s.actions], text
    codes = {w.code for w in got.warnings}
    assert not codes & {"attempt-no-duration", "attempt-unknown-outcome", "no-date"}, got.warnings


@SETTINGS
@given(sessions(), st.sampled_from(sorted(WRITERS)))
def test_generated_reflection_round_trips(s, fmt):
    _assert_round_trip(s, fmt)


# ---- regressions found by the properties above ---------------------------------------------


def test_regression_pause_mark_in_heading():
    # Found by test_generated_reflection_round_trips: a heading's ⏸️ mark stayed in the
    # approach with its duration instead of reading as abandoned.
    s = parse_session(
        "# T\n\n**Date**: 2026-01-01\n\n### Attempt 1: Pin the cache (1 min) ⏸️\n", "x.md"
    )
    assert [(a.approach, a.minutes, a.outcome.value) for a in s.attempts] == [
        ("Pin the cache", 1, "abandoned")
    ]
