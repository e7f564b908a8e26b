"""Key-value lines: "**Date**: 2026-02-02", "- Status: ✅ done", "Duration — 2h".

Reflections open with a block of such fields and scatter more through their
bodies (an attempt's "**Time wasted**: 10 minutes"). The label is a bold span or
the text before the first colon; the value is the rest of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from . import vocab
from .blocks import Block

_LABEL = re.compile(
    r"^\s*(?:[-*•]\s*)?(?P<label>[^:：\n]{1,48}?)\s*(?:[:：]|\s[—–]\s)\s*(?P<value>.*)$"
)


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str
    line: int


# What joins several fields written on one line: "Date: 2026-09-21 | Duration: 45 min".
_FIELD_JOIN = re.compile(r"\s+[|·]\s+")
_SENTENCE_JOIN = re.compile(r"(?<=\.)\s+")


def _line_fields(text: str) -> list[re.Match[str]]:
    """The fields of one line: each part between " | " or " · " when every part is
    one ("**Date:** 2026-09-21 · **Total:** 2.5 hours"), or each sentence when every
    one is a short field ("Total: 1h 10m. Result: fixed."), else the line's single
    field (whose value may hold a bar: "Result: fixed | see PR")."""
    m = _LABEL.match(text)
    if m is None:
        return []
    if "|" in text or "·" in text:
        parts = [_LABEL.match(p) for p in _FIELD_JOIN.split(text)]
        if len(parts) > 1 and all(parts):
            return parts
    if ". " in text and text.count(":") > 1:
        # "Total: 1h 10m. Result: fixed.": sentences that are each a short field.
        parts = [_LABEL.match(p) for p in _SENTENCE_JOIN.split(text)]
        if len(parts) > 1 and all(p and len(p.group("label").split()) <= 3 for p in parts):
            return parts
    return [m]


def _has_separator(text: str) -> bool:
    """Can `_LABEL` match anywhere in `text`? (A block's text joins its lines, so a
    block without any separator has no field on any line.)"""
    return ":" in text or "：" in text or "—" in text or "–" in text


def fields_of(block: Block) -> list[Field] | tuple[()]:
    """Fields written in a paragraph's or item's lines (computed once per block;
    most blocks have none and share one empty tuple rather than a list each)."""
    found = block.fields
    if found is not None:
        return found
    inl = block.inline
    if inl is None or not _has_separator(inl.text):
        block.fields = ()
        return ()
    out: list[Field] = []
    for text, line in zip(inl.lines, inl.line_nos, strict=False):
        # Most lines hold no separator at all: skip them before the regex, whose
        # lazy label scan costs ~2 µs on a long line that cannot match.
        if not _has_separator(text):
            continue
        for m in _line_fields(text):
            label = m.group("label").strip(" *_`")
            if label and not label[0].isdigit():
                out.append(Field(label, m.group("value").strip(), line))
    block.fields = out or ()
    return block.fields


@cache
def _field_re(kind: str) -> re.Pattern[str]:
    return vocab.compile_field(kind)


@lru_cache(maxsize=8192)
def is_field(label: str, kind: str) -> bool:
    return bool(_field_re(kind).match(_strip_marks(label)))


def _strip_marks(s: str) -> str:
    return re.sub(r"[^\w\s'/-]", " ", s).strip()


def find_field(blocks, kind: str) -> Field | None:
    for b in blocks:
        if b.kind in ("paragraph", "item"):
            for f in fields_of(b):
                if is_field(f.label, kind):
                    return f
        elif b.kind in ("list", "quote"):
            found = find_field(b.children, kind)
            if found:
                return found
    return None


# Labels a header table gives the session's facts under.
_HEADER_KINDS = ("date", "written", "result", "total", "header_total", "ideal", "project")


def _is_header_label(cell: str) -> bool:
    cell = cell.strip(" *_`")
    return bool(cell) and any(is_field(cell, kind) for kind in _HEADER_KINDS)


def table_fields(table: Block) -> list[Field]:
    """The fields of a table in a document's header: labels over one row of values
    ("| Date | Duration |" over "| 2026-11-30 | 40 min |"), or a label and a value on
    each row ("| Date | 2026-11-30 |", under a "| Field | Value |" row or none).

    Only tables whose labels name session facts: a table of phases or attempts has
    other headers, and its rows are not the session's.
    """
    rows = table.rows
    if len(rows) < 2:
        return []
    header = rows[0][1]
    if len(header) == 2 and not _is_header_label(header[1]):
        # Label-value rows; the header row is one too unless it names the columns.
        pairs = rows if _is_header_label(header[0]) else rows[1:]
        if not any(_is_header_label(cells[0]) for _, cells in pairs if cells):
            return []
        return [
            Field(cells[0].strip(" *_`"), cells[1].strip(), line)
            for line, cells in pairs
            if len(cells) == 2 and cells[0].strip(" *_`") and cells[1].strip()
        ]
    named = [h for h in header if _is_header_label(h)]
    # Every column a session fact, or a date among two or more: one row of an attempts
    # table ("| Attempt | Time | Result |") is one attempt's, not the session's.
    if len(rows) == 2 and (
        len(named) == len(header)
        or (len(named) >= 2 and any(is_field(h.strip(" *_`"), "date") for h in named))
    ):
        line, values = rows[1]
        return [
            Field(label.strip(" *_`"), value.strip(), line)
            for label, value in zip(header, values, strict=False)
            if label.strip(" *_`") and value.strip()
        ]
    return []


def fields_in(blocks) -> list[Field]:
    """Fields of `blocks` and of the lists and quotes inside them, in order.

    A plain list, not a generator: readers ask for the fields of every block of the
    document, and a generator frame per block and nesting level cost more than the
    fields themselves.
    """
    out: list[Field] = []
    for b in blocks:
        kind = b.kind
        if kind == "paragraph":
            # Most paragraphs hold no field: their cached answer, without a call.
            found = b.fields
            if found is None:
                found = fields_of(b)
            if found:
                out += found
        elif kind == "item":
            out += fields_of(b)
            if b.children:
                out += fields_in(b.children)
        elif kind == "list" or kind == "quote":
            out += fields_in(b.children)
    return out
