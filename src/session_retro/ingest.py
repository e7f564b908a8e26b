"""Bytes to clean text: decoding, newline normalisation, mojibake repair.

This is the only parsing stage that knows about bytes. It never raises on content;
whatever it had to guess is returned as diagnostics so the user can fix the file.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

from .model import Diagnostic

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class IngestError(Exception):
    """The bytes are not a text document at all (binary, too large)."""


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str
    encoding: str
    diagnostics: tuple[Diagnostic, ...] = ()
    repaired: bool = False
    utf8: bytes | None = None
    """`text` as UTF-8 when the file's bytes are exactly that (a UTF-8 file that needed
    no change), else None: the parser then need not encode the text again (issue 4)."""


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of formats people drop into a notes folder by mistake.
_BINARY_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"PK\x03\x04", "zip archive"),
    (b"%PDF", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\x7fELF", "executable"),
    (b"\x1f\x8b", "gzip archive"),
)

# Sequences that UTF-8 text read as cp1252/latin-1 leaves behind: a lead byte
# C2-F4 shown as Â..ô followed by a continuation byte shown as one of cp1252's
# 0x80-0xBF glyphs. A cheap scan for these decides whether ftfy runs at all.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\ufffd]"
)  # U+FFFD: a byte cp1252 has no glyph for, replaced by the decoder (see below)

# A cp1252 round trip drops bytes that cp1252 leaves undefined (0x81 0x8D 0x8F
# 0x90 0x9D); ftfy cannot restore what is gone. These are the cases seen in the
# wild, mapped by hand: "âŒ" is E2 9D 8C (❌) with 0x9D lost.
# A decoder run with errors="replace" leaves U+FFFD where the byte was: the same
# repairs apply (issue 9).
_LOST_BYTE_REPAIRS = {
    "\u00e2\u0152": "\u274c",  # âŒ -> ❌
    "\u00e2\u009d\u0152": "\u274c",
    "\u00e2\ufffd\u0152": "\u274c",
    "\u00e2\u009d\u201c": "\u2753",  # â“ with lost 9D -> ❓
    "\u00e2\ufffd\u201c": "\u2753",
    "\u00e2\u009d\u2014": "\u2757",  # ❗
    "\u00e2\ufffd\u2014": "\u2757",
}


def _looks_binary(data: bytes) -> str | None:
    for magic, name in _BINARY_MAGIC:
        if data.startswith(magic):
            return name
    return None


# Text has no control characters but tab, newline, vertical tab, form feed, carriage
# return and ESC (terminal colours in a pasted log); random bytes decode (as cp1252)
# to about 11% of them, and no reflection comes near 5%. NUL has its own check below.
_MAX_CONTROL_SHARE = 0.05
_NOT_CONTROL = bytes(b for b in range(256) if not (1 <= b <= 8 or 14 <= b <= 26 or 28 <= b <= 31))
"""Every byte but the control characters counted (C0 less NUL, tab, LF, VT, FF, CR, ESC)."""


def _control_share(data: bytes) -> float:
    """The share of control characters in the first 8,192 bytes (ASCII-compatible)."""
    head = data[:8192]
    # deleting every other byte leaves the controls: one C pass, ~3 µs a document
    return len(head.translate(None, _NOT_CONTROL)) / len(head) if head else 0.0


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE or BE when every other byte is NUL (ASCII-heavy text without a BOM)."""
    head = data[:8192]
    if len(head) < 4 or b"\x00" not in head[:64]:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str, list[Diagnostic]]:
    """Decode bytes: BOM first, then UTF-8, then UTF-16 without BOM, then cp1252."""
    diags: list[Diagnostic] = []
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc, diags
    # UTF-16 without a BOM, checked before UTF-8: NUL bytes are valid UTF-8, so
    # ASCII text in UTF-16 would "decode" as UTF-8 with a NUL after every letter.
    enc16 = _utf16_without_bom(data)
    if enc16:
        diags.append(
            Diagnostic(
                None,
                "no-bom",
                f"file has no byte-order mark; read it as {enc16.upper()} "
                "(save it as UTF-8 to silence this)",
            )
        )
        return data.decode(enc16, errors="replace"), enc16, diags
    try:
        return data.decode("utf-8"), "utf-8", diags
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = data.count(b"\n", 0, bad) + 1
    diags.append(
        Diagnostic(
            line,
            "not-utf8",
            "file is not valid UTF-8; read it as cp1252 (save it as UTF-8 to silence this)",
        )
    )
    return data.decode("cp1252", errors="replace"), "cp1252", diags


@lru_cache(maxsize=1)
def _ftfy_config():
    """Only the encoding repair, built once: keyword arguments would rebuild the
    config on every flagged line."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        normalization=None,
        explain=False,
    )


def repair_mojibake(text: str) -> tuple[str, bool]:
    """Fix UTF-8-read-as-cp1252 text, only when a cheap scan suspects it."""
    if not _MOJIBAKE_HINT.search(text):
        return text, False
    import ftfy  # imported lazily: most files never need it

    # Repair only the lines the scan flags: ftfy costs far more than a parse,
    # and a re-encoded document usually has mojibake on a few lines only.
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _MOJIBAKE_HINT.search(line):
            continue
        for bad, good in _LOST_BYTE_REPAIRS.items():
            line = line.replace(bad, good)
        lines[i] = ftfy.fix_text(line, _ftfy_config())
    fixed = "\n".join(lines)
    return fixed, fixed != text


def clean_text(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CleanText:
    """Turn raw file bytes into text the parser can trust.

    Raises `IngestError` for input that is not a text document at all.
    """
    if len(data) > max_bytes:
        raise IngestError(
            f"file is {len(data) / 1048576:.1f} MiB, over the {max_bytes / 1048576:.0f} MiB limit "
            "(raise it with --max-size)"
        )
    kind = _looks_binary(data)
    if kind:
        raise IngestError(f"binary file ({kind}), not a text reflection")
    text, encoding, diags = decode(data)
    # UTF-16 bytes are not ASCII-compatible: look at the decoded text's UTF-8 instead
    wide = encoding.startswith("utf-16")
    controls = _control_share(text[:8192].encode("utf-8", "replace") if wide else data)
    if controls > _MAX_CONTROL_SHARE:
        raise IngestError(f"binary file ({controls:.0%} control characters), not a text reflection")
    # A strict UTF-8 decode round-trips: until something below changes the text,
    # the file's bytes are its UTF-8.
    utf8 = data if encoding == "utf-8" else None
    # In UTF-8 only NUL itself is a 0 byte: memchr over the bytes finds it, where the
    # text's search for NUL (a 0 low byte) reads character by character, 70,000
    # instructions for a 14 kB document (issue 4).
    if (b"\x00" in data) if utf8 is not None else ("\x00" in text):
        line = text.count("\n", 0, text.index("\x00")) + 1
        if text.count("\x00") > 0.01 * len(text):
            raise IngestError(f"binary file (NUL bytes from line {line})")
        diags.append(Diagnostic(line, "nul-byte", "NUL byte removed"))
        text = text.replace("\x00", "")
        utf8 = None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        utf8 = None
    # Mojibake opens with a character U+00C2-U+00F4, which UTF-8 writes as a C3 byte:
    # a UTF-8 file without that byte has none, and a byte search is ~100x cheaper
    # than the text scan in repair_mojibake.
    if encoding in ("utf-8", "utf-8-sig") and b"\xc3" not in data:
        repaired = False
    else:
        text, repaired = repair_mojibake(text)
    if repaired:
        utf8 = None
        diags.append(Diagnostic(None, "mojibake", "repaired mojibake (text was re-encoded once)"))
    return CleanText(text, encoding, tuple(diags), repaired, utf8)
