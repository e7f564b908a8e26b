"""Attempts: approaches the author tried and then judged.

They are written as numbered headings ("### Attempt 3: X (15 min) ❌", "## Mistake
#2: X"), rows of an attempts table, items of a "What I tried" list, entries of a
timestamped log, or sub-headings of a "What I tried" section. Each reader below
handles one form; `extract_attempts` takes the strongest form the document uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from . import vocab
from .blocks import Block
from .dates import leading_time
from .durations import (
    Duration,
    cell_duration,
    clock_minutes,
    find_duration,
    header_unit,
    spent_duration,
)
from .fields import _LABEL as _FIELD_LINE
from .fields import Field, fields_of, is_field
from .outcomes import label_verdict, mark_outcome, told_after_verdict, value_outcome, words_outcome
from .sections import Section, kinds_of, label_of

# "Attempt 3:", "Mistake #2 -", "Fix Attempt 9", "Experiment 1:", "試行2", "Tentative 1",
# "Tentativo 2:", "Ansatz 1", "尝试 3：", "시도 2:", "Round 2:"; and an approach lettered instead
# ("Approach B:", "Try C —"): a capital and a separator, so "Try a smaller batch" is none.
# "Option A:" is left out: lettered options are a decision's choices, seldom tried.
_NUMBERED = re.compile(
    r"^\W*(?:fix\s+|failed\s+)?(?:attempts?|try|tries|approach|experiment|mistake|incident|failure|"
    r"iteration|option|試行|トライ|tentative|essai|intento|versuch|lần thử|thử nghiệm|tentativ[ao]|"
    r"ansatz|erro|errore|fehler|尝试|시도|round)"
    r"(?:\s*#?\s*\d+\b\s*(?:[:.)\-–—：]\s*)?|(?<!option)\s+(?-i:[A-Z])\s*[:.)\-–—]\s*)"
    r"|^\W*plan\s+(?-i:[A-Z])\s*[:.)\-–—]\s*",  # "Plan B:", never "Plan 2" (a schedule's step)
    re.I,
)
# A status word or an aside closing a text. Each pattern opens with a character set,
# which the regex engine scans for at C speed; a leading `\s*` would make it try a
# match at every position. The blank space before a match is `vocab.blank_start`'s.
_TRAILING_STATUS = re.compile(
    r"[-–—:]\s*(fixed|resolved|mitigated|failed|success|succeeded|worked|requires investigation|partial|abandoned|done|wip|in progress)\b.*$",
    re.I,
)
_PAREN_ASIDE = re.compile(r"[(\[][^()\[\]]*[)\]]\s*$")
_WIDE_PAREN_ASIDE = re.compile(r"[(\[（][^()\[\]（）]*[)\]）]\s*$")  # "（20分钟）" too
_MARK_SET = (
    "[\u274c\u2705\u26a0\ufe0f\u2714\u2716\u2713\u2717\U0001f6ab\u26d4\U0001f7e1\U0001f7e2"
    "\U0001f534\U0001f504\u23f3\u23f8\u23f9\U0001f50d\U0001f6a8]"
)
_MARKS = re.compile(f"{_MARK_SET}{_MARK_SET}*")  # not `[...]+`: a repeat gets no fast scan


def _unmark(text: str, repl: str) -> str:
    """Marks replaced by `repl`; every mark is non-ASCII, so an ASCII text holds none."""
    return text if text.isascii() else _MARKS.sub(repl, text)


_TRY_VERBS = re.compile(
    r"\b(tried|try(ing)?|attempt(ed)?|switch(ed)?|changed?|added|removed|ran|re-?ran|retr(y|ied)|"
    r"reverted|installed|bumped|downgraded|upgraded|patched|rewrote|restarted|disabled|enabled|"
    r"used|moved|set|deployed|built|tested|replaced|increased|decreased|raised|lowered|"
    r"extended|scaled|resized|cleared|deleted|purged|flushed|rotated|pinned|rebuilt|reinstalled|"
    r"regenerated|rolled back)\b"
    # Wrapping a call in a retry is an attempt; wrapping up ends the session.
    r"|\bwrapped\b(?!\s+(?:it\s+|things\s+|everything\s+)?up\b)|試し|essayé|thử",
    re.I,
)


@dataclass(slots=True)
class RawAttempt:
    approach: str
    line: int
    duration: Duration | None = None
    outcome: str = "unknown"
    root_cause: str | None = None
    should_have: str | None = None


# --- helpers ----------------------------------------------------------------------


# Compiled once: these run per table header cell, row and approach, where a
# module-level re.search(str, ...) pays a pattern-cache lookup on every call.
_LIST_LEAD = re.compile(r"^\s*(#?\d+[.):]?|[-*•])\s+")
_STATUS_ASIDE = re.compile(r"[A-Z]{3,}|landed|in progress|pending")
_WORD_HASH_COL = re.compile(r"^\W*\w+\s*#\W*$")
_ATTEMPT_WORD_COL = re.compile(
    r"attempt|tried|try\b|試行|tentative|intento|versuch|tentativa", re.I
)
_WASTE_COL = re.compile(r"time (lost|wasted)|wasted|temps perdu", re.I)
_APPROACH_WORD_COL = re.compile(
    r"approach|tried|fix|hypothes|idea|change|what (?:i |we )?did", re.I
)
_NOT_ATTEMPT_COL = re.compile(r"^\W*(phase|step|task|metric|file|path|challenge)\W*$", re.I)
_TOTAL_CELL = re.compile(r"^\W*(total|sum|合計|totale?)\b", re.I)
_NOT_TRIED = re.compile(r"\bnot (yet )?(tried|attempted)\b|\buntried\b", re.I)
_NOTHING_CELL = re.compile(r"^\W*(none|n/?a|-)?\W*$", re.I)
_NONE_CELL = re.compile(r"^\W*(none|n/?a)\W*$", re.I)
_FAILURE_HEADER = re.compile(r"fail|error|issue|mistake", re.I)
_SUCCESS_WORD = re.compile(r"\bsuccess\b", re.I)
_NO_WORDS = re.compile(r"^\W*$")


def clean_approach(text: str) -> str:
    # A mark separates the approach from its verdict ("X (25 min) ❌ failed").
    t = _unmark(text, " — ").strip(" —")
    t = _NUMBERED.sub("", t, count=1)
    t = _NUMBERED_PROBLEM.sub("", t, count=1)
    t = _LIST_LEAD.sub("", t)
    # Durations and status asides at the end: "(15 min)", "- FIXED", "(SUCCESS)".
    for _ in range(3):
        before = t
        m = (_PAREN_ASIDE if t.isascii() else _WIDE_PAREN_ASIDE).search(t)
        if m:
            start = vocab.blank_start(t, m)
            aside = t[start : m.end()]
            if find_duration(aside) or _STATUS_ASIDE.search(aside):
                t = t[:start]
        m = _TRAILING_STATUS.search(t)
        if m:
            t = t[: vocab.blank_start(t, m)] + t[m.end() :]
        d = find_duration(t)
        if d is not None and t.rstrip().endswith(d.text) and t.strip() != d.text:
            head = t[: t.rstrip().rfind(d.text)]
            # "Retry - 10 min" ends in its length; "raised it from 5 s to 30 s" in a setting.
            if head.rstrip().endswith(("-", "–", "—", ":", ",", "(", "~")):
                t = head.rstrip(" -–—:,(~")
        t = t.strip(" -–—:*_")
        if t == before:
            break
    return " ".join(t.split())


_PAREN_GROUP = re.compile(r"[(\[]([^()\[\]\d]{0,15}\d[^()\[\]]{0,20})[)\]]")
# An aside with no figure, a length in words: "(a quarter of an hour)", "(half an hour)".
_WORDED_PAREN = re.compile(r"[(\[]([^()\[\]\d]{8,30})[)\]]")
_HOUR_WORDS = re.compile(r"our|ora|eure|tunde")  # what every length in words holds


# A figure right after these words is a setting the attempt changed ("keepalive to
# 75 s", "retry after 200 ms", "cron every 15 min"), not the time it took; in Spanish,
# French and German too ("cada 10 minutos", "un retraso de 5 s", "toutes les 5
# minutes", "von 60 Sekunden auf 10 Minuten", "alle 10 Minuten").
_SETTING_LEAD = re.compile(
    r"\b(?:to|from|at|after|every|by|than"
    r"|a los|cada|de|desde|hasta|tras|à|toutes les|tous les|après|jusqu'à"
    r"|von|auf|alle|nach|bis|(?P<a>a)"
    # ...and one after these is a state the system was in ("the queue was still 25
    # minutes", "the page still took 2.8 s"), not time spent either.
    r"|still(?: t(?:ook|akes?))?|(?:is|was|are|were) (?:already|now))\s+$",
    re.I,
)
# How far before a figure `_SETTING_LEAD` looks: its longest words and their space.
_SETTING_REACH = 16
# A bare "a" sets a value only in Spanish ("el timeout a 120 segundos"); in English it
# is an article ("a 20 min profiling pass").
_SPANISH_UNIT = re.compile(r"(?:segundos?|minutos?|horas?|d[ií]as?)$", re.I)


def _is_setting(text: str, start: int, at: int, d: Duration) -> bool:
    """Do the words before the figure `d`, found at `at`, make it a setting?"""
    m = _SETTING_LEAD.search(text, max(start, at - _SETTING_REACH), at)
    return m is not None and (m.group("a") is None or _SPANISH_UNIT.search(d.text) is not None)


_CODE_SPAN = re.compile(r"`[^`]*`")
# A figure compared with another measures the system ("9 min instead of 6", "40 s vs
# 12 s"), it is no time spent.
_COMPARED = re.compile(r"\s*(?:instead of|rather than|vs\.?|versus|compared (?:to|with))\s", re.I)


def _blank_code(m: re.Match[str]) -> str:
    return " " * len(m.group())


def own_duration(text: str, *, clock_span: bool = True) -> Duration | None:
    """An attempt's length: a parenthesised duration ("(10 min)") outweighs figures in
    its running text ("raised the timeout from 30 s to 120 s (10 min)"), a length
    told as spent (`spent_duration`) outweighs the others, and a setting or a state
    in that text ("to 75 s", "was still 25 minutes") is none. Without `clock_span`,
    a clock range in an aside is no length. A figure in code is a value the attempt
    set ("`lock_timeout = 5s`"), blanked out where it stands."""
    if "`" in text:
        text = _CODE_SPAN.sub(_blank_code, text)
    if "(" in text or "[" in text:
        for m in _PAREN_GROUP.finditer(text):
            inner = m.group(1).strip()
            # "(09:10–09:20)" alone in its aside is the span the attempt took.
            d = find_duration(inner, clock=False) or (find_duration(inner) if clock_span else None)
            if d is not None and len(d.text) >= len(inner) - 3:
                return d
        for m in _WORDED_PAREN.finditer(text) if _HOUR_WORDS.search(text) else ():
            inner = m.group(1).strip()
            d = find_duration(inner)
            if d is not None and len(d.text) >= len(inner) - 6:
                return d
    # A figure the text tells as spent outweighs one before it ("the queue was 25
    # minutes. Spent 20 minutes on it" is 20); a length in words ("took about an
    # hour") is as often another's ("they said the last fix took about an hour").
    spent = spent_duration(text)
    if spent is not None and find_duration(spent.text, clock=False) is not None:
        return spent
    pos, compared_end = 0, -1
    while (d := find_duration(text[pos:], clock=False)) is not None:
        at = text.find(d.text, pos)
        end = at + len(d.text)
        # Both figures of a comparison measure the system ("40 s vs 12 s").
        compared = _COMPARED.match(text, end)
        if compared is not None or at <= compared_end:
            compared_end = compared.end() if compared is not None else -1
            pos = end
            continue
        # A setting or a state is none, unless the words around it tell this very
        # figure as spent ("rolled back after 10 minutes").
        if not _is_setting(text, pos, at, d):
            return d
        told = spent_duration(text[max(pos, at - 40) : end])
        if told is not None and told.text == d.text:
            return d
        pos = end
    return None


def first_clause(text: str) -> str:
    """A list item's approach: its first clause. A separator inside code is part of
    it ("Added `dns: [10.0.0.2]` to the compose file")."""
    spans = [m.span() for m in _CODE_SPAN.finditer(text)] if "`" in text else ()
    # Chinese and Japanese write "——" and "：" with no blanks around them.
    for sep in (" → ", " -> ", " — ", " – ", " - ", ": ", ". ", "; ", "——", "："):
        i = text.find(sep)
        while spans and i != -1 and any(a < i < b for a, b in spans):
            i = text.find(sep, i + 1)
        if i > 3:
            text = text[:i]
            spans = [(a, b) for a, b in spans if b <= i]
    return text.strip()


def _body_text(blocks: list[Block]) -> str:
    parts = []
    for b in blocks:
        for x in b.walk():
            if x.inline is not None:
                parts.append(x.inline.text)
    return "\n".join(parts)


def _field_text(block: Block, f: Field) -> str:
    """A field's value with the lines that go on with it.

    "**Root cause**: local runtime version differed from the one CI and" wraps onto
    the next lines of its paragraph; the cause is the whole sentence, up to the next
    field or the paragraph's end, not its first line.
    """
    inl = block.inline
    if inl is None or f.line not in inl.line_nos:
        return f.value
    parts = [f.value]
    for text in inl.lines[inl.line_nos.index(f.line) + 1 :]:
        m = _FIELD_LINE.match(text)
        if not text or (m and not m.group("label").strip(" *_`")[:1].isdigit()):
            break
        parts.append(text)
    return " ".join(parts)


_EXPLICIT_CAUSE = re.compile(r"root cause|cause racine|根本原因", re.I)


def _cause_rank(label: str) -> int:
    """0 for a label that says "root cause", 1 for "Why it failed", "Cause", "Blocker":
    an attempt that has both is explained by its root cause, wherever it is written."""
    return 0 if _EXPLICIT_CAUSE.search(label) else 1


@dataclass(slots=True)
class _Explanation:
    """An attempt's root cause and should-have, as its labelled lines give them.

    The most explicit root-cause label wins (`_cause_rank`: "Root cause" over "Why it
    failed"), else the first; the first should-have wins. A label names at most one
    of the two (field labels are matched whole).
    """

    root: str | None = None
    should: str | None = None
    rank: int = 2
    """`_cause_rank` of the label `root` came from; 2 while there is none."""

    def offer(self, label: str, text: Callable[[], str]) -> None:
        """Keep `text()` (computed only when kept) if `label` improves on what is held."""
        if is_field(label, "root_cause"):
            rank = _cause_rank(label)
            if rank < self.rank:
                self.root, self.rank = text(), rank
        elif self.should is None and is_field(label, "should_have"):
            self.should = text()


def _judge_body(
    blocks: list[Block], heading_text: str
) -> tuple[str, Duration | None, str | None, str | None]:
    """Outcome, minutes, root cause and should-have from an attempt's body."""
    label_cls = None
    status_cls = None
    duration = None
    duration_rank = 99
    status_worded = False
    why = None  # the error shown under "Why it failed", if no root cause is written
    why_not = _Explanation()
    pending_label: str | None = None
    status_line = None
    for b in blocks:
        if b.kind == "heading":
            continue
        lab = label_of(b)
        if lab is not None:
            v = label_verdict(lab)
            if v and (label_cls is None or _rank(v) > _rank(label_cls)):
                label_cls = v
            pending_label = lab
        for x in b.walk():
            if x.kind not in ("paragraph", "item"):
                continue
            for f in fields_of(x):
                v = label_verdict(f.label)
                if v is None and f.value and _ABANDONED.search(f.value.lower()):
                    v = "abandoned"  # "Time: 20 min + paused for deeper analysis"
                if v and (label_cls is None or _rank(v) > _rank(label_cls)):
                    label_cls = v
                if is_field(f.label, "attempt_status") and f.value:
                    # The last status line that says it in words is the attempt's
                    # final word; a bare mark counts only when none does.
                    worded = value_outcome(_unmark(f.value, " "))
                    if worded:
                        status_cls = worded
                        status_worded = True
                        status_line = f.line
                    elif not status_worded and status_cls is None:
                        status_cls = mark_outcome(f.value)
                if is_field(f.label, "attempt_minutes"):
                    rank = _duration_rank(f.label)
                    d = find_duration(f.value, clock=False)
                    if d is not None and (duration is None or rank < duration_rank):
                        duration, duration_rank = d, rank
                if f.value:
                    why_not.offer(f.label, lambda x=x, f=f: _field_text(x, f))
        if pending_label and lab is None and b.kind == "code" and b.text.strip():
            # "**Why it failed**:" then the error itself, in a fence: its first line.
            if why is None and is_field(pending_label, "root_cause"):
                why = b.text.strip().splitlines()[0].strip()
            pending_label = None
        elif pending_label and lab is None and b.inline is not None:
            why_not.offer(pending_label, lambda b=b: b.inline.text)
            pending_label = None
    root = why_not.root or why
    should = why_not.should
    head_mark = mark_outcome(heading_text)
    if label_cls in ("abandoned", "partial"):
        outcome = label_cls
    elif status_cls and status_cls != "unknown":
        outcome = status_cls
        # "Result: FIXED", then "New finding: ..., but X hangs": part of the way.
        if outcome == "succeeded" and _verdict_after(blocks, status_line) in ("failed", "partial"):
            outcome = "partial"
    elif status_cls == "unknown":
        outcome = "unknown"
    elif head_mark == "succeeded" and label_cls == "failed":
        outcome = "failed"
    elif head_mark == "succeeded" and (persisting := _persists(blocks)):
        # "### ✅ Attempt 1: Pin webpack" over "...but CI was still red": the body
        # outweighs the mark.
        outcome = persisting
    elif head_mark:
        outcome = head_mark
    elif label_cls:
        outcome = label_cls
    elif _MISTAKE_HEADING.match(heading_text):
        # A mistake is an approach taken and judged wrong; the rest of its heading
        # names the approach ("Debugging X on the fix PR"), it does not judge it. An
        # incident only says something happened: its body tells how it ended, if it does.
        incident = _INCIDENT_HEADING.match(heading_text) is not None
        outcome = (_last_verdict(blocks) if incident else None) or "failed"
    # The heading's words are read only when nothing stronger judged it (a cache
    # miss costs ~25 µs, and most headings carry a mark): its status words ("(landed)",
    # "- FIXED"), else the body. The approach's name is no verdict: its words name what
    # was changed ("Raise the gateway timeout").
    elif (head_words := _status_words(heading_text)) and head_words != "unknown":
        outcome = head_words
        # A heading that claims success ("(landed)") over a body saying the problem
        # persists ("Still not good") got part of the way.
        if outcome == "succeeded" and any(_STILL_BAD.search(t) for t in _body_texts(blocks)):
            outcome = "partial"
    else:
        outcome = _last_verdict(blocks) or _error_output(blocks) or "unknown"
    if outcome == "succeeded" and head_mark == "succeeded" and _says_time_wasted(blocks):
        outcome = "partial"
    return outcome, duration, root, should


def _status_words(heading: str) -> str | None:
    """The verdict of a heading's words outside the approach it names: its status
    aside or tail ("Attempt 3: world-space residual (landed)", "Pin X → fixed it").
    The name's own words judge nothing ("Raise the gateway timeout")."""
    name = first_clause(clean_approach(heading))
    plain = " ".join(_unmark(heading, " ").split())
    if name and name in plain:
        return words_outcome(plain.replace(name, " ", 1))
    return words_outcome(heading)


_FAILED_SECTION = re.compile(vocab.FAILED_SECTION, re.I)
_ABANDONED = re.compile(dict(vocab.OUTCOME_WORDS)["abandoned"])
_MISTAKE_HEADING = re.compile(
    r"^\W*(mistake|failure|incident|error|erro|errore|fehler|erreur)\s*#?\s*\d", re.I
)
_INCIDENT_HEADING = re.compile(r"^\W*incident\s*#?\s*\d", re.I)


def _duration_rank(label: str) -> int:
    """Which of an attempt's time fields states its length best: waste first."""
    low = label.lower()
    if re.search(r"wasted|lost|perdu", low):
        return 0
    if re.search(r"time|duration|spent|durée", low):
        return 1
    return 2


def _last_verdict(blocks: list[Block]) -> str | None:
    """The verdict of an attempt's body: its last paragraph or item that judges.

    Bodies tell the story in order and end with what happened, so the last
    judging sentence wins over words met on the way ("works locally, but...").
    """
    texts = [
        x.inline.text
        for b in blocks
        for x in b.walk()
        if x.inline is not None and x.kind != "heading"
    ]
    for text in reversed(texts):
        # Words first; else a mark the paragraph opens with ("✅ Cards load in 150 ms")
        # or closes with ("Reset the offset and the prices caught up. ✅").
        cls = words_outcome(text) or (text[:1] in _MARK_STARTS and mark_outcome(text[:2]))
        if not cls and text and text[-1] in _MARK_ENDS:
            last = text.rstrip(" \ufe0f")[-1:]
            cls = last in _MARK_STARTS and mark_outcome(last)
        if cls:
            return cls
    return None


# A warning sign opening a paragraph is as often a caution ("⚠️ Needs root") as a verdict.
_MARK_STARTS = frozenset(m[0] for m, cls in vocab.MARK_OUTCOME.items() if cls != "partial")
_MARK_ENDS = _MARK_STARTS | {"\ufe0f", " "}


_ERROR_OUTPUT = re.compile(vocab.ERROR_OUTPUT, re.M)


def _error_output(blocks: list[Block]) -> str | None:
    """ "failed" when the body's last code block is output reporting an error.

    Authors often paste what happened instead of saying it: a body with no
    judging sentence that ends in an error log tried something that failed.
    """
    last = next((b for b in reversed(blocks) if b.kind == "code" and b.text.strip()), None)
    if last is not None and _ERROR_OUTPUT.search(last.text):
        return "failed"
    return None


_STILL_BAD = re.compile(vocab.PERSISTS, re.I)
# What every match of PERSISTS holds, found by a case-sensitive scan (a third of the cost).
_PERSIST_HINT = re.compile("till|TILL|etter|ETTER|oujours|OUJOURS|まだ")


def _body_texts(blocks: list[Block]):
    for b in blocks:
        for x in b.walk():
            if x.inline is not None and x.kind != "heading":
                yield x.inline.text


def _persists(blocks: list[Block]) -> str | None:
    """The body's verdict when it ends by saying the problem is still there: "failed"
    ("CI was still red"), "partial" ("passed locally, but CI was still red")."""
    if not any(_STILL_BAD.search(t) for t in _body_texts(blocks) if _PERSIST_HINT.search(t)):
        return None  # the cheaper test first: most ✅ bodies say nothing persists
    verdict = _last_verdict(blocks)
    return verdict if verdict in ("failed", "partial") else None


def _told_duration(blocks: list[Block]) -> Duration | None:
    """The first length an attempt's prose gives as time spent (`spent_duration`)."""
    return next(filter(None, map(spent_duration, _body_texts(blocks))), None)


def _verdict_after(blocks: list[Block], line: int | None) -> str | None:
    """The verdict of the lines right after `line` (a status field's), which qualify
    it ("**Result**: FIXED" / "**New finding**: ..., but X hangs")."""
    if line is None:
        return None
    found = None
    for b in blocks:
        for x in b.walk():
            if x.inline is None or x.kind in ("heading", "list"):
                continue
            for text, n in zip(x.inline.lines, x.inline.line_nos, strict=False):
                if line < n <= line + 3:
                    found = words_outcome(text) or found
    return found


def _says_time_wasted(blocks: list[Block]) -> bool:
    for b in blocks:
        for x in b.walk():
            for f in fields_of(x):
                if re.search(r"time wasted|time lost|temps perdu", f.label, re.I):
                    return True
    return False


def _rank(cls: str) -> int:
    return {"failed": 1, "partial": 2, "abandoned": 3}.get(cls, 0)


# --- readers ----------------------------------------------------------------------


def _section_body(sec: Section) -> list[Block]:
    return list(sec.all_blocks())


def from_numbered_headings(root: Section) -> list[RawAttempt]:
    out, secs = [], []
    for sec in root.walk():
        if not _is_attempt_heading(sec):
            continue
        if sec.within("actions") and not sec.has("attempts"):
            continue
        out.append(_heading_attempt(sec))
        secs.append(sec)
    _drop_session_length(secs, out)
    return out


# Parts of a problem's write-up, as a field label or sub-heading ("Original Issue",
# "Fix Applied", "Possible Root Causes", "Investigation Performed").
_PROBLEM_PART = re.compile(
    r"^\W*(\w+\s+)?(problem|issue|bug|fix|root cause|symptom|investigation|error)s?\b"
    r"|^\W*(問題|原因|problème|lỗi)",
    re.I,
)
_NUMBERED_PROBLEM = re.compile(
    r"^\W*(problem|issue|bug|blocker|問題|problème)\s*#?\s*\d+\s*[:.)\-–—]", re.I
)
_PHASE_TITLE = re.compile(r"^\W*(phase|step|stage|day|part|sprint|task|week|session)\b", re.I)


def _is_problem_section(sec: Section) -> bool:
    """One problem of a session that tackles several: a heading judged with a mark or a
    status ("## ✅ BUG-12: Token refresh - FIXED") over a body that states the problem
    or its fix (a "Problem"/"Fix applied" field or sub-heading). Phases and the
    document's own sections (lessons, what went well...) are not problems."""
    if sec.heading is None or sec.kinds or sec.parent is None:
        return False
    if sec.parent.level == 0 and sec.level == 1:
        return False
    if not (mark_outcome(sec.title) or _TRAILING_STATUS.search(sec.title)):
        return False  # not judged
    bare = _unmark(sec.title, " ")
    if _PHASE_TITLE.match(bare) or _NUMBERED.match(bare):
        return False  # a phase, or an attempt heading of its own
    if _NUMBERED_PROBLEM.match(bare):
        return True  # "## Problem 2: Translations missing (1h) ✅" names its problem
    if any(_PROBLEM_PART.match(_unmark(c.title, " ")) for c in sec.children):
        return True
    # A field that describes the problem or fix, not a ticket reference ("Issue: #123").
    return any(
        _PROBLEM_PART.match(f.label) and len(f.value.split()) >= 3
        for b in sec.blocks
        for x in b.walk()
        if x.kind in ("paragraph", "item")
        for f in fields_of(x)
    )


def from_problem_sections(root: Section) -> list[RawAttempt]:
    """Each problem's section in a session that tackles several (at least two); a
    problem section holding its own "Attempt N" headings gives those instead."""
    problems = []
    for sec in root.walk():
        if not _is_problem_section(sec) or _in_numbered_attempt(sec):
            continue
        if any(_is_problem_section(a) for a in sec.ancestors()):
            continue  # a sub-problem's details belong to its problem
        problems.append(sec)
    # A container of problems ("## ✅ Completed: 3 bugs") is not one itself.
    problems = [p for p in problems if not any(q is not p and p in q.ancestors() for q in problems)]
    if len(problems) < 2:
        return []
    out = [
        _heading_attempt(p)
        for p in problems
        if not any(_is_attempt_heading(c) for c in p.walk() if c is not p)
    ]
    out += from_numbered_headings(root)
    return sorted(out, key=lambda a: a.line)


_LIST_NUMBER_TITLE = re.compile(r"^\W*\d{1,2}[.)]\s+\S")


def from_judged_numbered_sections(root: Section) -> list[RawAttempt]:
    """Sibling sections numbered "1.", "2." with no other name for what they hold,
    whose bodies each end judged and at least one failed ("### 1. Increase the
    timeout" ... "It kept failing."): each tried something and said how it went. A
    numbered phase or topic ("## 1. Setup") ends with no verdict."""
    for sec in root.walk():
        if any(k not in ("attempts", "timeline") for a in (sec, *sec.ancestors()) for k in a.kinds):
            continue  # numbered causes, lessons, recommendations...
        kids = [
            c for c in sec.children if c.heading is not None and _LIST_NUMBER_TITLE.match(c.title)
        ]
        if len(kids) < 2 or len(kids) != len(sec.children) or any(c.kinds for c in kids):
            continue
        found = [_heading_attempt(c) for c in kids]
        if all(a.outcome != "unknown" for a in found) and any(a.outcome == "failed" for a in found):
            return found
    return []


def heading_words_keep(title: str) -> str:
    return _unmark(title, " ").strip()


def _heading_attempt(sec: Section) -> RawAttempt:
    title = sec.title
    body = _section_body(sec)
    outcome, dur, root, should = _judge_body(body, title)
    # The heading's length, a time field's, else what the prose says it took ("Took 5
    # minutes."), else the clock times it tells it between ("Started at 21:40. ...
    # Gave up at 22:15.").
    dur = own_duration(_unmark(title, " ")) or dur or _told_duration(body) or _clock_span(body)
    return RawAttempt(
        approach=_without_verdict_tail(clean_approach(title)),
        line=sec.line,
        duration=dur,
        outcome=outcome,
        root_cause=root,
        should_have=should,
    )


# "Started at 21:40 ... gave up at 22:15", "Began 09:05, green by 09:40": one paragraph.
_STARTED_THEN = re.compile(
    r"\b(?:started|began)(?:\s+(?:at|around))?\s+(?P<a>[0-2]?\d:[0-5]\d)\b[^\n]{0,160}?"
    r"\b(?:at|by|until)\s+(?P<b>[0-2]?\d:[0-5]\d)\b",
    re.I,
)


def _clock_span(blocks: list[Block]) -> Duration | None:
    """The span between the clock time an attempt's paragraph says it started and the
    next one it gives."""
    for text in _body_texts(blocks):
        if "tart" in text or "egan" in text:
            m = _STARTED_THEN.search(text)
            if m is not None:
                return find_duration(f"{m.group('a')}-{m.group('b')}")
    return None


def _time_field_alone(b: Block) -> bool:
    """Is a block one time field and nothing else ("Duration: ~1 hour")?"""
    if b.kind != "paragraph" or b.inline is None or len(b.inline.lines) != 1:
        return False
    found = fields_of(b)
    return len(found) == 1 and is_field(found[0].label, "attempt_minutes")


def _drop_session_length(secs: list[Section], attempts: list[RawAttempt]) -> None:
    """A lone time field closing the last attempt's section, when no other attempt's
    section has one, is the session's length written at the end ("Duration: ~1
    hour"), not the last attempt's: that one gets what its prose says it took."""
    if len(secs) < 2:
        return
    body = _section_body(secs[-1])
    if not body or not _time_field_alone(body[-1]):
        return
    for sec in secs[:-1]:
        for b in _section_body(sec):
            for x in b.walk():
                if x.kind in ("paragraph", "item") and any(
                    is_field(f.label, "attempt_minutes") for f in fields_of(x)
                ):
                    return
    told = _told_duration(body[:-1])
    if told is not None and own_duration(_unmark(secs[-1].title, " ")) is None:
        attempts[-1].duration = told


def _without_verdict_tail(approach: str) -> str:
    """A heading's approach without the verdict an arrow leads to ("Bump the pool size
    (10m) → nope"): the heading names the approach, then judges it."""
    for arrow in (" → ", " -> "):
        if arrow in approach:
            head, tail = approach.rsplit(arrow, 1)
            if value_outcome(tail):
                return clean_approach(head)
    return approach


def from_section_headings(root: Section) -> list[RawAttempt]:
    """Sub-headings of a "What I tried" section, when it has no numbered ones."""
    out = []
    for sec in root.walk():
        if (
            not sec.has("attempts")
            or sec.has("solution")
            or sec.has("lessons")
            or sec.has("recommendations")
        ):
            continue
        if any(a.has("attempts") for a in sec.ancestors()):
            continue
        kids = [c for c in sec.children if not c.has("solution") and not c.has("lessons")]
        if len(kids) < 1:
            continue
        found = [_heading_attempt(c) for c in kids]
        _drop_session_length(kids, found)
        out += found
    return out


_APPROACH_COLS = re.compile(
    r"approach|what (i )?tried|\btr(y|ies)\b|attempt(ed)? fix|fix|change|hypothes|idea|strategy|action|issue|failure|"
    r"problem|mistake|what|method|試したこと|内容|approche|tentative",
    re.I,
)
_DURATION_COLS = re.compile(
    r"duration|time|minutes|mins?|cost|took|lost|wasted|durée|temps|時間|tiempo|duración|dauer|zeit",
    re.I,
)
_OUTCOME_COLS = re.compile(
    r"outcome|result|status|verdict|worked|success|résultat|結果|statut|ergebnis|estado"
    r"|\b(?:fixed|helped|solved)\?",
    re.I,
)
_CAUSE_COLS = re.compile(r"root cause|cause|why|reason|key issue|raison|原因", re.I)
_NOTES_COLS = re.compile(
    r"^\W*(notes?|comments?|remarks?|observations?|what happened|effect|remarques?|notas?"
    r"|bemerkungen?|notizen|備考|メモ)\W*$",
    re.I,
)
_NUM_COLS = re.compile(r"^\W*(#|n[o°]\.?|attempt|try|run|step|iteration|試行)\W*$", re.I)


@lru_cache(maxsize=16384)
def _numbered_title(title: str) -> bool:
    """Does a heading read as a numbered attempt? Cached: readers ask it of every
    section and each of its ancestors."""
    return _NUMBERED.match(heading_words_keep(title)) is not None


def _is_attempt_heading(sec: Section) -> bool:
    """A numbered attempt heading ("### Attempt 3: ..."), not the document's title."""
    if sec.heading is None or not _numbered_title(sec.title):
        return False
    return not (
        sec.level == 1
        and sec.parent is not None
        and sec.parent.level == 0
        and not sec.within("attempts")
    )


def _in_numbered_attempt(sec: Section) -> bool:
    return any(_is_attempt_heading(s) for s in (sec, *sec.ancestors()))


_NUMBER_CELL = re.compile(r"^\W*(#?\d+[a-z]?|[a-z]?\d+|\d+(st|nd|rd|th))\W*$", re.I)


def _numbers_column(rows: list[tuple[int, list[str]]], col: int) -> bool:
    """Do most filled cells of column `col` hold numbers ("1", "#2", "A3", "3rd")?"""
    cells = [c[col] for _, c in rows if col < len(c) and c[col].strip()]
    return not cells or sum(bool(_NUMBER_CELL.match(c)) for c in cells) * 2 >= len(cells)


def from_tables(root: Section) -> list[RawAttempt]:
    out = []
    for sec in root.walk():
        # A table inside one attempt's section is that attempt's detail.
        if "table" not in sec.block_kinds or _in_numbered_attempt(sec):
            continue
        in_attempts = (sec.has("attempts") or sec.has("timeline")) and not sec.has("time_analysis")
        for b in sec.blocks:
            if b.kind != "table" or len(b.rows) < 2:
                continue
            header = [h.strip() for h in b.rows[0][1]]
            num_col = next(
                (i for i, h in enumerate(header) if _NUM_COLS.match(h) or _WORD_HASH_COL.match(h)),
                None,
            )
            if num_col is not None and not _numbers_column(b.rows[1:], num_col):
                # "| Attempt | Duration |" over "| Pin the cache | 5 min |": the column
                # named Attempt holds the approaches, not their numbers.
                num_col = None
            has_attempt_word = any(_ATTEMPT_WORD_COL.search(h) for h in header)
            # "Error # | ... | Time Lost": numbered mistakes, each costing time.
            waste_table = num_col is not None and any(_WASTE_COL.search(h) for h in header)
            approach_col = any(_APPROACH_WORD_COL.search(h) for h in header)
            if not (
                in_attempts
                or has_attempt_word
                or waste_table
                or _judged_approaches(header)
                or _some_change_failed(header, b.rows[1:])
            ):
                continue
            # A timeline of phases ("Time | Activity | Duration") is work done, not
            # approaches tried: under a weak heading the columns must say attempts, or
            # the rows be clock-stamped events, read as a timestamped log is.
            if not sec.has("attempts") and not (
                has_attempt_word or approach_col or waste_table or _stamped_events(header, b.rows)
            ):
                continue
            if any(_NOT_ATTEMPT_COL.search(h) for h in header):
                continue
            appr = next(
                (
                    i
                    for i, h in enumerate(header)
                    if i != num_col
                    and _APPROACH_COLS.search(h)
                    and not _OUTCOME_COLS.search(h)
                    and not _DURATION_COLS.search(h)
                    and not _CAUSE_COLS.search(h)
                ),
                None,
            )
            if appr is None:
                appr = next(
                    (i for i in range(len(header)) if i != num_col and not _clock_column(b, i)),
                    None,
                )
            if appr is None:
                continue
            dur_col = next(
                (i for i, h in enumerate(header) if _DURATION_COLS.search(h) and i != appr), None
            )
            dur_unit = header_unit(header[dur_col]) if dur_col is not None else None
            # A "Time" column of clock stamps ("10:20") times each row by the gap to the
            # next one, as a timestamped log does; its rows that neither try nor judge
            # anything ("11:30 | Wrote it up") only close the last gap.
            stamps = _stamps(b.rows[1:], dur_col) if dur_col is not None else None
            out_col = next(
                (
                    i
                    for i, h in enumerate(header)
                    if _OUTCOME_COLS.search(h) and i not in (appr, dur_col)
                ),
                None,
            )
            cause_col = next(
                (
                    i
                    for i, h in enumerate(header)
                    if _CAUSE_COLS.search(h) and i not in (appr, dur_col, out_col)
                ),
                None,
            )
            # With no outcome column, a "Notes" column is where the author judges.
            notes_col = (
                next(
                    (
                        i
                        for i, h in enumerate(header)
                        if _NOTES_COLS.match(h) and i not in (appr, dur_col, cause_col)
                    ),
                    None,
                )
                if out_col is None
                else None
            )
            for row, (line, cells) in enumerate(b.rows[1:]):
                if appr >= len(cells):
                    continue
                if any(_TOTAL_CELL.match(c) for c in cells):
                    continue
                if any(_NOT_TRIED.search(c) for i, c in enumerate(cells) if i != appr):
                    continue  # an idea listed for later, not an approach tried
                text = cells[appr]
                dur = (
                    _cell_length(cells[dur_col], dur_unit)
                    if dur_col is not None and dur_col < len(cells)
                    else None
                )
                outcome = "failed" if waste_table else "unknown"
                if out_col is not None and out_col < len(cells):
                    outcome = value_outcome(cells[out_col]) or "unknown"
                elif not waste_table:
                    noted = (
                        words_outcome(cells[notes_col])
                        if notes_col is not None and notes_col < len(cells)
                        else None
                    )
                    outcome = (
                        mark_outcome(" ".join(cells))
                        or noted
                        or (
                            "failed"
                            if not _NOTHING_CELL.search(text)
                            and _FAILURE_HEADER.search(" ".join(header))
                            else "unknown"
                        )
                    )
                    if _NONE_CELL.search(text) or _SUCCESS_WORD.search(" ".join(cells)):
                        outcome = "succeeded"
                if stamps is not None:
                    if outcome == "unknown" and not _TRY_VERBS.search(text):
                        continue
                    if outcome == "unknown" and out_col is None:
                        # An event cell tells what was tried and how it went, as a log
                        # entry does ("Tried deleting old WAL files, no real effect").
                        outcome = words_outcome(text) or "unknown"
                    dur = _stamp_gap(stamps, row)
                cause = (
                    cells[cause_col] if cause_col is not None and cause_col < len(cells) else None
                )
                approach = clean_approach(text) or text
                if _NO_WORDS.match(approach):
                    continue
                out.append(RawAttempt(approach, line, dur, outcome, cause or None))
    return out


_NAMED_APPROACH_COL = re.compile(r"approach|what (i |we )?tried", re.I)
_EVENT_COL = re.compile(r"^\W*(events?|what happened|entry|action|activity|notes?)\W*$", re.I)


def _judged_approaches(header: list[str]) -> bool:
    """Does the header name approaches and judge them ("| # | Approach | Time | ✓/✗ |")?"""
    return any(_NAMED_APPROACH_COL.search(h) for h in header) and any(
        _OUTCOME_COLS.search(h) or mark_outcome(h) for h in header
    )


# Columns that name a change made. A hypothesis is an explanation, not an approach:
# "| Hypothesis | Result |" over "Rejected: ..." ranks causes, it tries nothing.
_CHANGE_COL = re.compile(r"approach|tried|fix|idea|change|what (?:i |we )?did", re.I)


def _some_change_failed(header: list[str], rows: list[tuple[int, list[str]]]) -> bool:
    """Does a table of changes say at least one of its two or more rows failed
    ("| Change | Status |" over "| Bump the cache action | 🔴 |")? A task list's rows
    are done or pending; changes that fail were tried."""
    col = next((i for i, h in enumerate(header) if _OUTCOME_COLS.search(h)), None)
    if col is None or len(rows) < 2 or not any(_CHANGE_COL.search(h) for h in header):
        return False
    return any(col < len(c) and value_outcome(c[col]) == "failed" for _, c in rows)


def _clock_column(table: Block, col: int) -> bool:
    """Does every body cell of column `col` hold a clock stamp alone ("02:18")?"""
    return _stamps(table.rows[1:], col) is not None


def _stamped_events(header: list[str], rows: list[tuple[int, list[str]]]) -> bool:
    """Is the table a timestamped log ("| Time | Event |" over "| 02:18 | Tried X |")?"""
    if len(header) != 2 or not _EVENT_COL.match(header[1]):
        return False
    return len(rows) > 3 and _stamps(rows[1:], 0) is not None


def _cell_length(cell: str, unit: str | None) -> Duration | None:
    """A time cell's length: its duration, or the span of a clock range that is all
    the cell holds ("| 10:20–10:50 | Pointed resolv.conf at ... |")."""
    d = cell_duration(cell, unit)
    if d is None and ":" in cell:
        m = _LEADING_RANGE.match(cell.strip(" *_`"))
        if m is not None and m.end() == len(cell.strip(" *_`")):
            d = find_duration(cell)
    return d


def _stamps(rows: list[tuple[int, list[str]]], col: int) -> list[tuple[int, int]] | None:
    """The clock stamp of each row, when every cell of column `col` is one; else None."""
    out = []
    for _, cells in rows:
        cell = cells[col].strip(" *_`[]") if col < len(cells) else ""
        lt = leading_time(cell)
        if lt is None or cell[lt[1] :].strip():
            return None
        out.append(lt[0])
    return out or None


def _stamp_gap(stamps: list[tuple[int, int]], row: int) -> Duration | None:
    """Minutes from row `row`'s stamp to the next row's; the last row has none."""
    if row + 1 >= len(stamps):
        return None
    (h1, m1), (h2, m2) = stamps[row], stamps[row + 1]
    return Duration(
        clock_minutes(h1, m1, h2, m2), None, None, f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"
    )


_WASTED_OR_PARTIAL = frozenset({"failed", "abandoned", "partial"})
"""Outcomes whose account is worth keeping as the attempt's root cause."""


# Words before a figure that make it a length ("for 20 min", "en 10 minutes").
_SPENT_FIGURE_LEAD = re.compile(r"\b(?:for|in|over|pendant|en|durante|während)\s+$", re.I)


def _item_attempt(item: Block, *, clock_span: bool = True) -> RawAttempt | None:
    inl = item.inline
    if inl is None or not inl.text:
        return None
    text = inl.text
    approach = (
        inl.lead_strong
        if inl.lead_strong and len(inl.lead_strong) > 3
        else first_clause(_unmark(text, " — "))
    )
    approach = clean_approach(approach)
    if not approach:
        # "Attempt 1: clear the cache (20 min)": the clause after the label names it.
        approach = clean_approach(first_clause(_NUMBERED.sub("", _unmark(text, " — "), count=1)))
    if not approach:
        return None
    details = " ".join(x.plain for x in item.walk() if x is not item)
    sub = _item_fields(item)
    dur = own_duration(text, clock_span=clock_span)
    lead = inl.lead_strong
    # A figure ending the approach's bold name right after a noun sets a value ("**Mettre
    # en cache les géocodages 24 h**"); after "for" or "in" it is how long it took.
    if (
        dur is not None
        and lead
        and approach in lead
        and approach.endswith(dur.text)
        and text.startswith(lead)
        and not _SPENT_FIGURE_LEAD.search(approach, 0, len(approach) - len(dur.text))
    ):
        dur = own_duration(text[len(lead) :], clock_span=clock_span)
    dur = dur or sub.duration
    # An approach that is itself a revert or a drop ("Reverted the parser change —
    # import works again") names the action in abandonment's words: the words after it
    # judge it, when they do.
    judged = text
    if approach in text and words_outcome(approach) == "abandoned":
        rest = text.split(approach, 1)[1]
        if words_outcome(_unmark(rest, " ") + " " + details):
            judged = rest
    # The words outweigh a mark when they judge more precisely ("⚠️ abandoned when...").
    own_words = words_outcome(_unmark(judged, " "))
    outcome = (
        own_words
        if own_words in ("abandoned", "partial")
        else mark_outcome(text) or sub.verdict or words_outcome(judged + " " + details) or "unknown"
    )
    if outcome == "succeeded" and _qualified_success(text):
        outcome = "partial"
    if inl.opens_struck:
        # The author struck the approach out: rejected, unless the words after it
        # judge more precisely ("~~X~~ abandoned", "~~X~~ helped with Y").
        outcome = words_outcome(text.split(approach, 1)[-1] + " " + details) or "failed"
    root, should = sub.root, sub.should
    if root is None and outcome in _WASTED_OR_PARTIAL:
        root = told_after_verdict(text)
    return RawAttempt(approach, item.line, dur, outcome, root, should)


def _qualified_success(text: str) -> bool:
    """Does a ✅ that follows the approach lead to words saying it fell short ("✅ but
    only on the main screen; the dialogs are still wrong")? An item that opens with
    its mark is told after it, not judged."""
    if text.rstrip(" .\ufe0f")[-1:] in _MARK_ENDS or mark_outcome(text.lstrip()[:2]):
        return False  # nothing told after the mark, or the mark opens the item
    told = told_after_verdict(text)
    return told is not None and words_outcome(told) in ("failed", "partial")


@dataclass(slots=True)
class _ItemFields:
    """What the fields under a list attempt say ("  - Time: 5m", "  - Result: no luck")."""

    root: str | None
    should: str | None
    verdict: str | None
    """The last worded Result/Status value's class, else a verdict label's ("Why it failed")."""
    duration: Duration | None
    """The best-ranked time field's length (`_duration_rank`)."""


def _item_fields(item: Block) -> _ItemFields:
    """Root cause, should-have, verdict and length written as fields under a list
    attempt ("  - Root cause: the runner's clock is UTC"), the explicit root cause first."""
    why_not = _Explanation()
    status = label = None
    duration, duration_rank = None, 99
    for x in item.walk():
        if x is item or x.kind not in ("paragraph", "item"):
            continue
        for f in fields_of(x):
            if not f.value:
                continue
            why_not.offer(f.label, lambda x=x, f=f: _field_text(x, f))
            if is_field(f.label, "attempt_status"):
                status = value_outcome(_unmark(f.value, " ")) or status
            elif is_field(f.label, "attempt_minutes"):
                rank = _duration_rank(f.label)
                d = find_duration(f.value, clock=False)
                if d is not None and rank < duration_rank:
                    duration, duration_rank = d, rank
            label = label or label_verdict(f.label)
    return _ItemFields(why_not.root, why_not.should, status or label, duration)


_ATTEMPT_LEAD = re.compile(
    r"^\W*((first|second|third|fourth|fifth|next|final|last|\d+(st|nd|rd|th)?)\s+)?(attempt|try|approach)\b"
    r"|^\W*final (scope|approach|fix|plan)\b",
    re.I,
)


_LABEL_JOINERS = " #0123456789.:：-–—"
"""What joins an attempt label to the approach it names ("Attempt #2 — X")."""


def _lead_attempts(root: Section) -> list[RawAttempt]:
    """List items led by "**First attempt**: X" / "**Final scope**: Y", wherever they are."""
    out = []
    for sec in root.walk():
        if "list" not in sec.block_kinds:
            continue
        for b in sec.blocks:
            if b.kind != "list":
                continue
            for item in b.children:
                inl = item.inline
                if inl is None or not inl.lead_strong or not _ATTEMPT_LEAD.match(inl.lead_strong):
                    continue
                rest = inl.text[len(inl.lead_strong) :].lstrip(" :：-–—")
                # "**Attempt #2 — drop the regex crate** (40 min): ❌ broke..." names its
                # approach in the lead; "**First attempt**: X" leaves it to the rest.
                named = _ATTEMPT_LEAD.sub("", inl.lead_strong, count=1).strip(_LABEL_JOINERS)
                if not rest and not named:
                    continue
                final = bool(re.match(r"^\W*(final|last)\b", inl.lead_strong, re.I))
                verdict = words_outcome(rest) or (mark_outcome(rest) if named else None)
                out.append(
                    RawAttempt(
                        clean_approach(named or rest),
                        item.line,
                        find_duration(rest, clock=False),
                        verdict or ("succeeded" if final else "unknown"),
                    )
                )
    # "First attempt", "Second attempt", "Final scope": each plan was dropped for the next.
    for a in out[:-1]:
        if a.outcome == "unknown":
            a.outcome = "abandoned"
    return out if len(out) >= 2 else []


def _lead_paragraph_attempts(root: Section) -> list[RawAttempt]:
    """Paragraphs led by a numbered attempt label in bold ("**Try #2** — pin pip to
    23.x. ...", "**Attempt 1: add an index.** ..."), wherever they are: an agent's
    write-up tells each attempt as a paragraph. Each is judged by its own words, else
    by the paragraphs after it, up to the next one ("This also failed.")."""
    out: list[RawAttempt] = []
    for sec in root.walk():
        story: list[Block] | None = None
        for b in sec.blocks:
            inl = b.inline
            lead = inl.lead_strong if b.kind == "paragraph" and inl is not None else None
            if lead and _NUMBERED.match(lead) and any(c.isdigit() for c in lead):
                rest = inl.text[len(lead) :].lstrip(" *_:：-–—")
                named = _NUMBERED.sub("", lead, count=1).strip(_LABEL_JOINERS + "*_")
                approach = clean_approach(named or first_clause(rest))
                if not approach:
                    story = None
                    continue
                verdict = words_outcome(rest) or mark_outcome(rest)
                story = [] if verdict is None else None
                out.append(RawAttempt(approach, b.line, own_duration(rest), verdict or "unknown"))
            elif story is not None and b.kind == "paragraph":
                story.append(b)
                if out[-1].outcome == "unknown":
                    out[-1].outcome = _last_verdict(story) or "unknown"
                if out[-1].duration is None:
                    out[-1].duration = _told_duration(story)
    return out if len(out) >= 2 else []


def _times_items(lst: Block) -> bool:
    """Does the list time its items by clock asides ("(14:10–14:25)") in two or more
    of them? Only then is such an aside an item's span: one alone is a window the
    attempt set ("limited the batch to off-hours (22:00–06:00)")."""
    timed = 0
    for item in lst.children:
        text = item.inline.text if item.inline is not None else ""
        if ":" in text and "(" in text:
            d = own_duration(text)
            timed += d is not None and d.clock is not None
    return timed >= 2


def from_lists(root: Section, *, failed_only: bool = False) -> list[RawAttempt]:
    """Items of "What I tried" lists; with `failed_only`, only lists whose heading
    or label says they failed ("Dead ends", "What didn't work")."""
    out = []
    for sec in root.walk():
        if sec.has("solution"):
            continue
        in_attempts = sec.has("attempts") and not (sec.has("lessons") or sec.has("recommendations"))
        if not in_attempts and "list" not in sec.block_kinds:
            continue  # outside an attempts section, only a labelled list holds attempts
        label_attempts = False
        lab_text = ""
        story: list[tuple[RawAttempt, bool, list[Block]]] = []
        for b in sec.blocks:
            lab = label_of(b)
            if (
                lab is not None
                and b.inline is not None
                and b.inline.text.rstrip().endswith((":", "："))
            ):
                label_attempts = "attempts" in kinds_of(lab)
                lab_text = lab
                continue
            if b.kind == "list" and (in_attempts or label_attempts):
                # Under "What didn't work" / "Key mistakes", an item with no
                # verdict of its own failed: the heading judged it.
                context = lab_text if label_attempts else sec.title
                failed_here = bool(_FAILED_SECTION.search(context or ""))
                if failed_only and not failed_here:
                    continue
                clock_span = _times_items(b)
                # Beside ticked boxes, an empty one is a step still to take, not tried.
                ticked = any(item.task for item in b.children)
                for item in b.children:
                    if leading_time(item.plain) or (ticked and item.task is False):
                        continue
                    a = _item_attempt(item, clock_span=clock_span)
                    if a:
                        if a.outcome == "unknown" and failed_here:
                            a.outcome = "failed"
                        out.append(a)
            elif not in_attempts:
                label_attempts = False
                continue
            elif (
                b.kind == "paragraph"
                and not failed_only
                and b.inline
                and b.inline.lead_strong
                # A field ("**Résultat :** échec") is part of the story, not an attempt.
                and not _is_attempt_field(b.inline.lead_strong, b.inline.text)
            ):
                # "**Did X** → what happened" paragraphs, then the story of it.
                lead = b.inline.lead_strong
                if len(lead) > 5:
                    text = b.inline.text
                    rest = text[len(lead) :]
                    approach = first_clause(lead)
                    # The verdict follows the approach ("→ failed"); words inside
                    # the approach ("kept failing") name it, they do not judge it.
                    verdict = words_outcome(text[len(approach) :])
                    a = RawAttempt(
                        clean_approach(approach),
                        b.line,
                        find_duration(rest, clock=False),
                        verdict or "unknown",
                    )
                    out.append(a)
                    story.append((a, verdict is None, []))
            elif story:
                story[-1][2].append(b)
        # An attempt paragraph that gives no verdict: its story's last judging sentence.
        for a, open_, blocks in story:
            if open_:
                a.outcome = _last_verdict(blocks) or words_outcome(a.approach) or "unknown"
            if a.duration is None:
                a.duration = _told_duration(blocks)
    return out


_ATTEMPT_FIELDS = ("attempt_status", "attempt_minutes", "root_cause", "should_have", "result")


def _is_attempt_field(lead: str, text: str) -> bool:
    """Is a bold lead ("**Result:**", "**Résultat :**") the label of a field?"""
    after = text[len(lead) :].lstrip(" *_")
    if not (lead.rstrip(" *_").endswith((":", "：")) or after.startswith((":", "："))):
        return False
    label = lead.rstrip(" *_:：")
    return any(is_field(label, kind) for kind in _ATTEMPT_FIELDS)


_LEADING_RANGE = re.compile(r"^\W{0,3}[0-2]?\d:[0-5]\d\s*[-–—~〜]\s*[0-2]?\d:[0-5]\d\W{0,4}")


_WORDED_RANGE = re.compile(
    r"^\W{0,3}(?:from|between)\s+(?P<h>[0-2]?\d):(?P<m>[0-5]\d)\s*(?:to|and|until|till|[-–—])\s*"
    r"(?P<end>[0-2]?\d:[0-5]\d)\b\W{0,4}",
    re.I,
)


def from_log(root: Section, end_clock: tuple[int, int] | None) -> list[RawAttempt]:
    """Timestamped entries ("21:05 tried X") in order; minutes from stamp gaps."""
    entries: list[tuple[tuple[int, int], str, int, Duration | None]] = []
    for sec in root.walk():
        for b in sec.blocks:
            cands = []
            if b.kind == "list":
                cands = [(i.plain, i.line) for i in b.children]
            elif b.kind == "paragraph" and b.inline:
                cands = list(zip(b.inline.lines, b.inline.line_nos, strict=False))
            for text, line in cands:
                lt = leading_time(text)
                if lt is None:
                    # "From 14:10 to 14:35 I raised X", "Between 15:05 and 15:40 ...".
                    worded = _WORDED_RANGE.match(text) if ":" in text else None
                    if worded is not None:
                        h, m = worded.group("h"), worded.group("m")
                        span = find_duration(f"{h}:{m}-{worded.group('end')}")
                        rest = text[worded.end() :].strip()
                        entries.append(((int(h), int(m)), rest, line, span))
                else:
                    # "10:05–10:25 tried X": the entry's own span, its end stamp no
                    # part of what it tried.
                    span = _LEADING_RANGE.match(text)
                    rest = text[span.end() if span else lt[1] :].strip()
                    entries.append((lt[0], rest, line, span and find_duration(span.group(0))))
    if len(entries) < 3:
        return []
    out = []
    for i, (stamp, text, line, span) in enumerate(entries):
        # An entry that tries something, or that judges what it did with a mark.
        if not _TRY_VERBS.search(text) and not mark_outcome(text):
            # "[14:20] still failing", "[14:50] this time it worked": an entry that only
            # reports how things stand judges the attempt right before it.
            if out and out[-1].line == entries[i - 1][2] and out[-1].outcome == "unknown":
                out[-1].outcome = words_outcome(text) or "unknown"
            continue
        own = own_duration(text, clock_span=False) or span
        if own is None:
            nxt = entries[i + 1][0] if i + 1 < len(entries) else end_clock
            if nxt is not None:
                gap = clock_minutes(stamp[0], stamp[1], nxt[0], nxt[1])
                own = Duration(
                    gap, None, None, f"{stamp[0]:02d}:{stamp[1]:02d}-{nxt[0]:02d}:{nxt[1]:02d}"
                )
        outcome = mark_outcome(text) or words_outcome(text) or "unknown"
        approach = clean_approach(first_clause(_unmark(text, " — ")))
        told = told_after_verdict(text) if outcome in _WASTED_OR_PARTIAL else None
        out.append(RawAttempt(approach, line, own, outcome, told))
    return out


def extract_attempts(root: Section, end_clock: tuple[int, int] | None = None) -> list[RawAttempt]:
    """The fullest account of attempts the document gives.

    Authors often tell the same attempts twice: as sections, then as a summary
    table. The reader that finds the most wins; on a tie the earlier, more
    explicit form (numbered headings) does.
    """
    best: list[RawAttempt] = []
    for readers in (
        (from_numbered_headings, from_tables, from_problem_sections),
        (
            from_section_headings,
            from_lists,
            _lead_attempts,
            _lead_paragraph_attempts,
            from_judged_numbered_sections,
        ),
    ):
        for reader in readers:
            found = reader(root)
            if len(found) > len(best):
                best = found
        if best:
            break
    if not best:
        return from_log(root, end_clock)
    # A "Dead ends" list beside numbered attempt headings tells other attempts:
    # keep both, in document order, without the ones already told.
    told = {id(a) for a in best}
    extra = [
        a
        for a in from_lists(root, failed_only=True)
        if id(a) not in told and not any(_same_approach(a, b) for b in best)
    ]
    if extra:
        best = sorted(best + extra, key=lambda a: a.line)
    return best


def _same_approach(a: RawAttempt, b: RawAttempt) -> bool:
    x, y = a.approach.lower(), b.approach.lower()
    return a.line == b.line or x in y or y in x
