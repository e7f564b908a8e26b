"""What a hand-edited file can hold that the extractors silently step over (issue 9).

A code fence never closed swallows the rest of the file; a date that is no day and a
duration that is no duration ("-5 min", "99999 hours", "NaN min") leave a field
missing. Each becomes a warning naming its line, so the author can fix the text.
Dates and durations inside code fences are not prose and are left alone.

This reads the text line by line rather than the block tree: it must be right
exactly where the Markdown is broken.

>>> [(d.line, d.code) for d in text_warnings("# x\\n\\nTook -5 min\\n\\n```\\ncode\\n")]
[(3, 'invalid-duration'), (5, 'unclosed-fence')]
"""

from __future__ import annotations

import re

from ..model import Diagnostic
from .dates import invalid_dates
from .durations import invalid_durations

# An opening fence may sit in a quote or open a list item; a closing one is the same
# character, at least as long, alone on its line.
_FENCE_OPEN = re.compile(r"[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(`{3,}|~{3,})(.*)")
_FENCE_CLOSE = re.compile(r"[ \t>]*(`{3,}|~{3,})[ \t]*$")


def _fence_marks(text: str, lit: str) -> list[int]:
    """Offsets of the first "```" or "~~~" of each line holding one.

    Found by single-character finds: a three-character find scans a text holding
    any non-Latin-1 character (an emoji) ~30x slower than a one-character find, and
    most documents hold few fences, if any. Past 16 lone marks in the document
    (inline `code`, "~15 min"), plain finds take over, so a text full of them costs
    no Python step per mark.
    """
    mark = lit[0]
    probes = 16
    found = []
    i = text.find(mark)
    while i != -1:
        if text.startswith(lit, i):
            found.append(i)
            end = text.find("\n", i)
            if end == -1:
                break
            i = end
        elif probes:
            probes -= 1
            i += 1
        else:
            i = text.find(lit, i)
            continue
        i = text.find(mark, i) if probes else text.find(lit, i)
    return found


def _fence_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line, text) of each line holding ``` or ~~~, found with str.find:
    far cheaper than a line loop or a multi-line regex on every document."""
    starts = {text.rfind("\n", 0, i) + 1 for lit in ("```", "~~~") for i in _fence_marks(text, lit)}
    out, line, pos = [], 1, 0
    for start in sorted(starts):
        line += text.count("\n", pos, start)
        pos = start
        end = text.find("\n", start)
        out.append((line, text[start:] if end == -1 else text[start:end]))
    return out


def fenced_ranges(text: str) -> tuple[list[tuple[int, int]], int | None, str]:
    """1-based (first, last) line of each fence, plus the line and fence of one left
    open (None, "" when all are closed).

    >>> fenced_ranges("a\\n```py\\nx\\n```\\n````\\nopen\\n```\\n")
    ([(2, 4), (5, 8)], 5, '````')
    """
    ranges: list[tuple[int, int]] = []
    fence, opened = "", 0
    for line, body in _fence_lines(text):
        if not fence:
            m = _FENCE_OPEN.match(body)
            # ```x``` on one line is inline code, not a fence.
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence, opened = m.group(1), line
        else:
            c = _FENCE_CLOSE.match(body)
            if c and c.group(1)[0] == fence[0] and len(c.group(1)) >= len(fence):
                ranges.append((opened, line))
                fence = ""
    if fence:
        ranges.append((opened, text.count("\n") + 1))
        return ranges, opened, fence
    return ranges, None, ""


def text_warnings(text: str, data: bytes | None = None) -> list[Diagnostic]:
    """Warnings for unclosed fences, impossible dates and refused durations, by line.

    `data` is the text's UTF-8 when the caller has it already.
    """
    out: list[Diagnostic] = []
    # No "```" in text test first: a three-character find is the slow scan the
    # fence search avoids, and a text without fences costs it a few finds.
    code, open_line, fence = fenced_ranges(text)
    if open_line is not None:
        out.append(
            Diagnostic(
                open_line,
                "unclosed-fence",
                f"code fence {fence} is never closed, so what follows is read as code "
                f"(close it with {fence})",
            )
        )

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    def in_code(line: int) -> bool:
        return any(a < line <= z for a, z in code)

    start = 0
    for bad in invalid_dates(text):
        at = text.find(bad, start)
        if at < 0:  # not written verbatim; still worth saying
            out.append(Diagnostic(None, "invalid-date", f"{bad} is not a real date"))
            continue
        start = at + 1
        if not in_code(line_of(at)):
            out.append(Diagnostic(line_of(at), "invalid-date", f"{bad} is not a real date"))
    for written, at, why in invalid_durations(text, data):
        if not in_code(line_of(at)):
            out.append(
                Diagnostic(
                    line_of(at),
                    "invalid-duration",
                    f"'{written}' is not a duration ({why}); its minutes stay missing",
                )
            )
    out.sort(key=lambda d: d.line or 0)
    return out
