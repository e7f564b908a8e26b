"""`CleanText.utf8` hands the parser the file's own bytes instead of a second encode
(issue 4): it must be exactly the clean text's UTF-8, or None."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.ingest import IngestError, clean_text
from session_retro.parse import parse_session


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        # The common case: a UTF-8 file the cleaning leaves as it is.
        pytest.param("# Fix ✅ — 5 min\n".encode(), True, id="utf-8-as-read"),
        # Each change to the text makes the file's bytes stale.
        pytest.param(b"# Fix\r\n\r\nText\r\n", False, id="crlf-normalised"),
        pytest.param(b"# Fix\n" + b"a" * 200 + b"\x00\n", False, id="nul-removed"),
        pytest.param("# Fix âœ… done\n".encode(), False, id="mojibake-repaired"),
        # Other encodings: the bytes are not the text's UTF-8.
        pytest.param(b"# Caf\xe9\n", False, id="cp1252"),
        pytest.param(codecs.BOM_UTF8 + b"# Fix\n", False, id="utf-8-bom"),
        pytest.param(codecs.BOM_UTF16_LE + "# Fix\n".encode("utf-16-le"), False, id="utf-16"),
    ],
)
def test_utf8_kept_only_when_exact(data, kept):
    clean = clean_text(data)
    assert (clean.utf8 is not None) is kept
    assert "\x00" not in clean.text  # the NUL check reads the bytes of a UTF-8 file
    if kept:
        assert clean.utf8 == clean.text.encode("utf-8")


@settings(max_examples=200)
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_utf8_is_the_text_and_parses_the_same(data):
    try:
        clean = clean_text(data)
    except IngestError:  # binary input: nothing to parse
        return
    if clean.utf8 is None:
        return
    assert clean.utf8 == clean.text.encode("utf-8", "surrogatepass")
    given_bytes = parse_session(clean.text, "x.md", utf8=clean.utf8)
    assert given_bytes == parse_session(clean.text, "x.md")
