"""The reflective parts: time-analysis table, root causes, lessons, what went right,
recommendations, key takeaway."""

from __future__ import annotations

import re

from ..model import Note, Recommendation, TimeRow
from .actions import heading_priority, priority_of_word, tag_priority
from .blocks import Block
from .durations import cell_duration, header_unit
from .fields import fields_of
from .sections import Section

_PCT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_PHASE_COL = re.compile(
    r"phase|activity|task|step|stage|what|category|item|work|フェーズ|作業|étape|activité", re.I
)
_TIME_COL = re.compile(
    r"duration|time|minutes|mins?|hours?|hrs?\b|spent|durée|temps|heures?|時間", re.I
)

# Compiled once: these run per table header cell, row and field label.
_PHASE_WORD = re.compile(r"phase", re.I)
_PERCENT_COL = re.compile(r"percent|share|ratio", re.I)
# Emphasis delimiters and code-span backticks; an underscore inside a word
# (`tax_rates`, snake_case) is text.
_EMPHASIS_MARKS = re.compile(r"`|(?<![^\W_])[*_]+|[*_]+(?![^\W_])")
_TOTAL_ROW = re.compile(r"^\W*(total|sum|合計|totale?)\b", re.I)
_TAKEAWAY_LABEL = re.compile(r"^\W*(key takeaway|key insight|takeaway|tl;?dr)\W*$", re.I)


def extract_time_analysis(root: Section) -> list[TimeRow]:
    out: list[TimeRow] = []
    for sec in root.walk():
        if "table" not in sec.block_kinds:
            continue
        for b in sec.blocks:
            if b.kind != "table" or len(b.rows) < 2:
                continue
            header = b.rows[0][1]
            phase = next((i for i, h in enumerate(header) if _PHASE_COL.search(h)), None)
            if phase is None:  # an attempts table, say: no time column to look for
                continue
            tcol = next(
                (i for i, h in enumerate(header) if _TIME_COL.search(h) and i != phase), None
            )
            if tcol is None or not (
                sec.within("time_analysis") or _PHASE_WORD.search(header[phase])
            ):
                continue
            pcol = next(
                (i for i, h in enumerate(header) if "%" in h or _PERCENT_COL.search(h)),
                None,
            )
            unit = header_unit(header[tcol])
            for line, cells in b.rows[1:]:
                if max(phase, tcol) >= len(cells):
                    continue
                name = cells[phase]
                # Most names hold no mark, and the marks' regex is tried at every position.
                if "*" in name or "_" in name or "`" in name:
                    name = _EMPHASIS_MARKS.sub("", name)
                name = name.strip()
                d = cell_duration(cells[tcol], unit)
                pct = None
                if pcol is not None and pcol < len(cells):
                    m = _PCT.search(cells[pcol])
                    if m:
                        pct = float(m.group(1).replace(",", "."))
                is_total = bool(_TOTAL_ROW.match(name))
                out.append(TimeRow(name, d.minutes if d else None, pct, line, is_total))
    return out


_TITLE_DECOR = re.compile(
    "^[\\s\u2705\u274c\u26a0\ufe0f\U0001f300-\U0001faff#*_-]+|[\\s\u2705\u274c\u26a0\ufe0f*_]+$"
)
_LEAD_NUMBER = re.compile(r"^\s*\d+(\.\d+)*[.)]?\s+")


def _title_text(title: str) -> str:
    """A heading as a title: numbering and marks off, file names ("CLAUDE.md") intact."""
    return _TITLE_DECOR.sub("", _LEAD_NUMBER.sub("", _TITLE_DECOR.sub("", title))).strip()


def _items_or_headings(sec: Section) -> list[tuple[str, int, Block | None]]:
    """Child headings, else top-level list items, else paragraphs of a section.

    A child heading that only groups a list ("### For Future Sessions") is not
    an entry itself: its list items are.
    """
    if sec.children:
        out = []
        for c in sec.children:
            lists = [b for b in c.blocks if b.kind == "list"]
            if lists and not any(b.kind == "paragraph" for b in c.blocks):
                for lst in lists:
                    for it in lst.children:
                        if it.inline and it.inline.text:
                            out.append((it.inline.text, it.line, it))
            else:
                out.append((_title_text(c.title), c.line, c.heading))
        return out
    out = []
    for b in sec.blocks:
        if b.kind == "list":
            for it in b.children:
                if it.inline and it.inline.text:
                    out.append((it.inline.text, it.line, it))
    if not out:
        for b in sec.blocks:
            if b.kind == "paragraph" and b.inline and b.inline.text:
                out.append((b.inline.text, b.line, b))
    return out


def _notes(root: Section, kind: str) -> list[Note]:
    out: list[Note] = []
    seen_secs: set[int] = set()
    for sec in root.walk():
        if kind not in sec.kinds or sec.heading is None:
            continue
        if any(id(a) in seen_secs for a in sec.ancestors()):
            continue
        seen_secs.add(id(sec))
        for text, line, _b in _items_or_headings(sec):
            if text:
                out.append(Note(text, line))
    out.sort(key=lambda n: n.line)
    return out


def _top_sections(root: Section, kind: str) -> list[Note]:
    """Entries of the outermost sections of `kind` (nested ones belong to them)."""
    out = []
    for sec in root.walk():
        if (
            kind in sec.kinds
            and sec.heading is not None
            and not any(a.has(kind) for a in sec.ancestors())
        ):
            out.extend(Note(text, line) for text, line, _b in _items_or_headings(sec) if text)
    return out


def extract_root_causes(root: Section) -> list[Note]:
    return _top_sections(root, "root_causes")


def extract_lessons(root: Section) -> list[Note]:
    return _notes(root, "lessons")


def extract_went_right(root: Section) -> list[Note]:
    return _top_sections(root, "went_right")


def extract_recommendations(root: Section) -> list[Recommendation]:
    out = []
    for sec in root.walk():
        if "recommendations" not in sec.kinds or sec.heading is None:
            continue
        if any(a.has("recommendations") for a in sec.ancestors()):
            continue
        for text, line, block in _items_or_headings(sec):
            prio, title = tag_priority(text)
            if prio is None and block is not None and block.kind == "heading":
                # "### 1. Create X ✅ HIGH PRIORITY" or a "**Priority**: P1" field below.
                prio = heading_priority(text)
            if prio is None:
                child = next((c for c in sec.children if c.line == line), None)
                if child is not None:
                    for b in child.blocks:
                        for f in fields_of(b):
                            if re.match(r"priority", f.label, re.I):
                                prio = (
                                    priority_of_word(f.value.split()[0])
                                    if f.value.split()
                                    else None
                                )
            title = re.sub(r"[\u2705\u274c\u26a0\ufe0f]", "", title).strip(" -–—:")
            if title:
                out.append(Recommendation(title, prio, line))
    return out


def extract_key_takeaway(root: Section, blocks_all: list[Block]) -> str | None:
    for sec in root.walk():
        for b in sec.blocks:
            # Most blocks hold no field: their cached answer, without a call.
            for f in b.fields if b.fields is not None else fields_of(b):
                if _TAKEAWAY_LABEL.match(f.label) and f.value:
                    return f.value.strip('*" ')
        if "key_takeaway" in sec.kinds and sec.blocks:
            first = next((b for b in sec.blocks if b.inline), None)
            if first:
                return first.inline.text
    return None
