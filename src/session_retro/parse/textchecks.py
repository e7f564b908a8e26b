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
_FENCE_OPEN = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"^[ \t>]*(`{3,}|~{3,})[ \t]*$")


def fenced_ranges(lines: list[str]) -> tuple[list[tuple[int, int]], int | None, str]:
    """1-based (first, last) line of each closed fence, plus the line and fence of
    one left open (None, "" when all are closed)."""
    ranges: list[tuple[int, int]] = []
    fence, opened = "", 0
    for i, line in enumerate(lines, 1):
        if not fence:
            m = _FENCE_OPEN.match(line)
            # ```x``` on one line is inline code, not a fence.
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence, opened = m.group(1), i
        else:
            m = _FENCE_CLOSE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                ranges.append((opened, i))
                fence = ""
    if fence:
        ranges.append((opened, len(lines)))
        return ranges, opened, fence
    return ranges, None, ""


def text_warnings(text: str) -> list[Diagnostic]:
    """Warnings for unclosed fences, impossible dates and refused durations, by line."""
    out: list[Diagnostic] = []
    code: list[tuple[int, int]] = []
    if "```" in text or "~~~" in text:
        code, open_line, fence = fenced_ranges(text.split("\n"))
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
    for written, at, why in invalid_durations(text):
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
