"""Clean text to a `Session`: the reflection parser.

`parse_session` is pure: text in, record out. It never raises on content; what it
cannot interpret becomes a warning with a line number.

>>> s = parse_session("# Session Reflection: Fix CI (20 min)\\n\\n### Attempt 1: Retry (5 min) ❌\\n", "x.md")
>>> s.title, s.attempts[0].approach, s.attempts[0].minutes
('Fix CI', 'Retry', 5.0)
"""

from __future__ import annotations

import re
from textwrap import shorten

from ..gcpause import collector_paused
from ..model import ActionItem, Attempt, Diagnostic, Outcome, Priority, Result, Session, TotalSource
from . import vocab
from .actions import extract_actions
from .attempts import extract_attempts
from .blocks import Block, parse_blocks
from .durations import find_duration
from .fields import fields_in, is_field
from .meta import classify_result, extract_meta, find_ideal, parse_front_matter
from .notes import (
    extract_key_takeaway,
    extract_lessons,
    extract_recommendations,
    extract_root_causes,
    extract_time_analysis,
    extract_went_right,
)
from .sections import Section, build_sections, heading_words, release
from .textchecks import text_warnings

PARSER_VERSION = "1"

# Enum members by value, looked up directly: calling the enum (`Outcome("failed")`)
# goes through its metaclass and costs ~1 µs, paid for every attempt and action item.
_OUTCOME = {o.value: o for o in Outcome}
_PRIORITY = {p.value: p for p in Priority}

__all__ = ["PARSER_VERSION", "parse_session"]


def _ideal(root, text: str, data: bytes) -> float | None:
    """What it should have taken, after an "Ideal time" field (read with the other
    fields, in `extract_meta`): an ideal timeline's total, then a sentence ("should
    have been 10 minutes")."""
    for sec in root.walk():
        if sec.has("ideal"):
            for f in fields_in(sec.all_blocks()):
                if re.match(r"^\W*total", f.label, re.I):
                    d = find_duration(f.value, clock=False)
                    if d:
                        return d.minutes
            # An ideal timeline table's "Total" row.
            for b in sec.all_blocks():
                if b.kind != "table":
                    continue
                for _, cells in b.rows[1:]:
                    if cells and re.match(r"^\W*total\b", cells[0], re.I):
                        d = find_duration(" ".join(cells[1:]), clock=False)
                        if d:
                            return d.minutes
    return find_ideal(text, data)


_VERDICT_RE = re.compile(r"^\W*" + vocab.words_re(vocab.VERDICT_SECTIONS) + r"\b", re.I)


def final_status(root) -> str | None:
    """The last worded Result/Status field outside attempt sections ("**Status**: ✅ COMPLETE")."""
    from .attempts import _NUMBERED, heading_words_keep

    found = None
    for sec in root.walk():
        if sec.heading is not None and (
            _NUMBERED.match(heading_words_keep(sec.title))
            or _ITEM_ID.match(sec.title)
            or sec.within("attempts")
            or sec.within("timeline")
        ):
            continue
        if any(
            a.heading is not None and _NUMBERED.match(heading_words_keep(a.title))
            for a in sec.ancestors()
        ):
            continue
        for f in fields_in(sec.blocks):
            if is_field(f.label, "result") and not re.search(
                r"test|check|build|ci\b", f.label, re.I
            ):
                r = classify_result(_MARKS_ONLY.sub("", f.value))
                if r:
                    found = r
    return found


_MARKS_ONLY = re.compile("[\u2705\u274c\u26a0\U0001f7e1]")
# A sub-heading that names one of several items ("### H5: ...", "### F1: ...",
# "### 2. ..."): a status under it is that item's, not the session's.
_ITEM_ID = re.compile(r"^\W*(?:[A-Z]{1,3}-?\d+|\d+[.)])(?:[:.)]|\s[-–—])\s")
_DOC_SUCCESS = re.compile(
    r"\u2705|\b(all (tests|checks) (pass|passed|green)|completed?|shipped|merged|fixed|resolved|delivered|"
    r"works now|now works|succeeded|successfully|done)\b|完了|通った|解決|réussi|terminé|livré",
    re.I,
)
_DOC_FAILURE = re.compile(
    r"\u274c|\b(failed to|failure|could not|couldn'?t|did not work|didn'?t work|not achieved|"
    r"gave up|fundamental limit|unsolved|still broken|no improvement)\b|失敗|échec",
    re.I,
)
# The same, for the lowered text: a document's verdict words are counted over all of
# it, and a case-blind scan tries every alternative at every word (0.7 ms of a
# real reflection's parse, half of it saved; issue 4).
_DOC_WORDS_LOWER = tuple(vocab.case_sensitive_twin(rx) for rx in (_DOC_SUCCESS, _DOC_FAILURE))


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _verdict_counts(text: str) -> tuple[int, int]:
    """How many success and failure words `text` holds (`_DOC_SUCCESS`, `_DOC_FAILURE`).

    HTML comments are left out: a note to the writer (a template's "✅ done / ❌
    failed" hint) is not what the document says happened.
    """
    if "<!--" in text:
        text = _HTML_COMMENT.sub(" ", text)
    low = vocab.lowered(text)
    if low is None:
        return len(_DOC_SUCCESS.findall(text)), len(_DOC_FAILURE.findall(text))
    ok, bad = _DOC_WORDS_LOWER
    return len(ok.findall(low)), len(bad.findall(low))


def infer_result(root, attempts, text: str = "") -> str | None:
    """The session's result when no Result/Status field states it.

    Evidence, strongest first: the opening text of a summary or conclusion
    section, a status column that is all done, the attempts' outcomes (a
    solution section after failed attempts means the session got there).
    """
    for sec in root.walk():
        if sec.heading is None or not _VERDICT_RE.match(heading_words(sec.title)):
            continue
        for b in sec.blocks[:3]:
            for f in fields_in([b]):
                if is_field(f.label, "result"):
                    r = classify_result(f.value)
                    if r:
                        return r
            if b.inline is not None:
                r = classify_result(b.inline.text)
                if r:
                    return r
    for sec in root.walk():
        for b in sec.blocks:
            if b.kind == "table" and len(b.rows) > 2:
                header = [h.lower() for h in b.rows[0][1]]
                col = next(
                    (i for i, h in enumerate(header) if re.search(r"^\W*status\W*$", h)), None
                )
                if col is None:
                    continue
                vals = [cells[col] for _, cells in b.rows[1:] if col < len(cells)]
                if vals and all(
                    re.search(r"\b(done|complete[d]?|merged|shipped)\b|\u2705", v, re.I)
                    for v in vals
                ):
                    return "success"
    title = next((s.title for s in root.walk() if s.level == 1), "")
    if _DOC_FAILURE.search(title):
        return "failure"
    has_solution = any(s.has("solution") for s in root.walk())
    has_workaround = any(s.has("workaround") for s in root.walk())
    if attempts:
        if attempts[-1].outcome is Outcome.SUCCEEDED:
            return "success"
        if any(a.outcome is Outcome.SUCCEEDED for a in attempts):
            return "partial"
        if all(a.outcome.is_waste for a in attempts):
            # Failed side attempts in a session that still got its work done
            # (a solution section, a log of shipped work) do not fail it; a
            # workaround gets it part of the way.
            if has_workaround:
                return "partial"
            if has_solution:
                return "success"
            ok, bad = _verdict_counts(text)
            return "success" if ok >= 2 and ok >= 2 * bad else "failure"
        if has_solution and not has_workaround:
            # Dead ends, one of which got part of the way, then "## Solution": solved.
            return "success"
    elif has_solution:
        return "success"
    # Last resort: the balance of the document's own verdict words (counted only
    # here: a scan of the whole text, which most documents never need).
    ok, bad = _verdict_counts(text)
    if ok >= 2 and ok >= 2 * bad:
        return "success"
    if bad >= 2 and bad >= 2 * ok:
        return "failure"
    return None


def parse_session(
    text: str, source: str, *, project: str | None = None, utf8: bytes | None = None
) -> Session:
    """Parse one reflection. `project` is the fallback (usually the folder name);
    `utf8` is the text's UTF-8 when the caller has it (see `CleanText.utf8`)."""
    # A parse allocates tens of thousands of short-lived objects (blocks, inlines,
    # fields) and no garbage that only the cycle collector could free before it
    # returns: pausing the collector for its duration saves ~13% of a parse.
    with collector_paused():
        return _parse_session(text, source, project, utf8)


def _parse_session(text: str, source: str, project: str | None, utf8: bytes | None) -> Session:
    # The UTF-8 bytes, encoded at most once (a file read as UTF-8 brings its own):
    # block line numbers and the duration scan read them.
    data = text.encode("utf-8", "surrogatepass") if utf8 is None else utf8
    blocks = parse_blocks(text, data)
    front: dict[str, str] = {}
    if blocks and blocks[0].kind == "front_matter":
        front = parse_front_matter(blocks[0].text)
    root = build_sections(blocks)
    try:
        return _read(root, blocks, front, text, data, source, project)
    finally:
        # The tree's parent links make cycles: broken here, reference counts free it
        # as the parse returns. Left to the cycle collector, its passes over ~400
        # objects per parse were 6% of a parse (issue 4).
        release(root)


def _read(
    root: Section,
    blocks: list[Block],
    front: dict[str, str],
    text: str,
    data: bytes,
    source: str,
    project: str | None,
) -> Session:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    meta = extract_meta(root, front, name)
    warnings: list[Diagnostic] = []

    end_clock = None
    if meta.ended_at:
        end_clock = (int(meta.ended_at[11:13]), int(meta.ended_at[14:16]))
    elif meta.total is not None and meta.total.clock is not None:
        # "Start: 21:00" / "End: 22:10" with no date still ends the last log entry.
        end_clock = meta.total.clock[2:]
    raw_attempts = extract_attempts(root, end_clock)
    attempts = []
    for i, a in enumerate(raw_attempts, 1):
        d = a.duration
        attempts.append(
            Attempt(
                index=i,
                approach=a.approach,
                minutes=d.minutes if d else None,
                minutes_low=d.low if d else None,
                minutes_high=d.high if d else None,
                duration_text=d.text if d else None,
                outcome=_OUTCOME[a.outcome],
                root_cause=a.root_cause,
                should_have=a.should_have,
                line=a.line,
            )
        )
        if d is None:
            warnings.append(
                Diagnostic(
                    a.line,
                    "attempt-no-duration",
                    f"attempt {i} ({shorten(a.approach, 40, placeholder='…')}) states no duration",
                )
            )
        if a.outcome == "unknown":
            warnings.append(
                Diagnostic(
                    a.line,
                    "attempt-unknown-outcome",
                    f"attempt {i} has no clear outcome (add ✅/❌ or a Result line)",
                )
            )

    actions = tuple(
        ActionItem(a.text, _PRIORITY[a.priority] if a.priority else None, a.done, a.line)
        for a in extract_actions(root)
    )
    time_rows = tuple(extract_time_analysis(root))

    total = meta.total
    total_source = TotalSource(meta.total_source) if meta.total_source else None
    total_minutes = total.minutes if total else None
    if total_minutes is None:
        tot_row = next((r for r in time_rows if r.is_total and r.minutes), None)
        if tot_row:
            total_minutes, total_source = tot_row.minutes, TotalSource.TIME_TABLE

    # What does not add up.
    stated = [a.minutes for a in attempts if a.minutes is not None]
    if total_minutes and stated and sum(stated) > total_minutes * 1.05 + 1:
        warnings.append(
            Diagnostic(
                meta.total_line,
                "minutes-exceed-total",
                f"attempt minutes sum to {sum(stated):g}, more than the stated total {total_minutes:g}",
            )
        )
    pcts = [r.percent for r in time_rows if r.percent is not None and not r.is_total]
    if pcts and abs(sum(pcts) - 100) > 5:
        warnings.append(
            Diagnostic(
                time_rows[0].line,
                "percent-sum",
                f"time-analysis percents sum to {sum(pcts):g}%, not 100%",
            )
        )
    if meta.date is None and meta.unread_date:
        line, value = meta.unread_date
        warnings.append(
            Diagnostic(
                line, "no-date", f"the Date field holds no date ({value!r}): write YYYY-MM-DD"
            )
        )
    elif meta.date is None:
        warnings.append(
            Diagnostic(None, "no-date", "no session date found (add a '**Date**: YYYY-MM-DD' line)")
        )
    refused = text_warnings(text, data)
    if refused:
        # "'-5 min' is not a duration" says more than "states no duration" on that line.
        bad_lines = {w.line for w in refused if w.code == "invalid-duration"}
        warnings = [
            w for w in warnings if not (w.code == "attempt-no-duration" and w.line in bad_lines)
        ]
        warnings.extend(refused)
    result = meta.result if meta.result and not meta.result_by_mark else None
    result = result or final_status(root) or meta.result or infer_result(root, attempts, text)
    if result == "unknown" and attempts and attempts[-1].outcome is not Outcome.UNKNOWN:
        # "Status: testing" written mid-way, then attempts judged after it: the
        # status is stale, the attempts tell how the session ended.
        result = infer_result(root, attempts, text) or result
    meta_project = meta.project or project

    return Session(
        source=source,
        title=meta.title,
        title_line=meta.title_line,
        date=meta.date,
        date_line=meta.date_line,
        started_at=meta.started_at,
        ended_at=meta.ended_at,
        project=meta_project,
        tags=meta.tags,
        total_minutes=total_minutes,
        total_source=total_source,
        ideal_minutes=meta.ideal if meta.ideal is not None else _ideal(root, text, data),
        result=Result(result) if result else Result.UNKNOWN,
        attempts=tuple(attempts),
        time_analysis=time_rows,
        root_causes=tuple(extract_root_causes(root)),
        lessons=tuple(extract_lessons(root)),
        went_right=tuple(extract_went_right(root)),
        recommendations=tuple(extract_recommendations(root)),
        action_items=actions,
        key_takeaway=extract_key_takeaway(root, blocks),
        warnings=tuple(warnings),
    )
