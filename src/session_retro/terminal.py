"""What reaches a terminal: file names and reflection text, never their control codes.

A file name or a line of a reflection can hold escape sequences (``ESC ]0;…`` retitles
the window, ``ESC [2J`` clears the screen, a carriage return hides what came before on
the line) that `retro` prints in its messages. When stdout or stderr is a terminal,
`guard` puts a filter in front of it that shows every control character but newline
and tab as ``\\xNN``, as ``ls`` shows such names. rich writes its own colours and its
progress bar through `unfiltered`, the stream behind the filter, so the text rich
prints goes through `shown` first (rich drops BEL, BS, VT, FF and CR, not ESC). Pipes
and files get the text as it is: JSON escapes them itself, and a script reads the bytes.
"""

from __future__ import annotations

import io
import re
import sys
from typing import TextIO

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str, *, lines: bool = True) -> str:
    """`text` with each control character but newline and tab written as ``\\xNN``;
    with ``lines=False`` newline and tab too (a one-line record: a file's name)."""
    pattern = _CONTROL if lines else _ANY_CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class _Escaping(io.TextIOBase):
    """A text stream writing to `raw` with `escape_controls` applied."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(escape_controls(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.raw.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.raw.errors


def guard() -> None:
    """Filter stdout and stderr where they are terminals (see the module's docstring)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _Escaping) and stream.isatty():
            setattr(sys, name, _Escaping(stream))


def unfiltered(stream: TextIO) -> TextIO:
    """The stream behind `guard`'s filter (rich's own escape codes must pass), else `stream`."""
    return stream.raw if isinstance(stream, _Escaping) else stream


def shown(text: str) -> str:
    """`text` for a rich console on stdout: escaped as the filter would (rich writes
    behind it), where `guard` put one; as it is on a pipe or a file."""
    return escape_controls(text) if isinstance(sys.stdout, _Escaping) else text
