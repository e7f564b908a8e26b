"""The published JSON Schema describes exactly what `retro parse` prints.

The schema ships inside the package (`session_retro/schema/session.schema.json`), so
other tools can validate our output without this repository.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from session_retro.ingest import clean_text
from session_retro.load import read_session
from session_retro.parse import parse_session
from session_retro.serialize import _SESSION_KEYS, session_to_dict


@pytest.fixture(scope="module")
def schema() -> dict:
    text = (
        resources.files("session_retro").joinpath("schema/session.schema.json").read_text("utf-8")
    )
    return json.loads(text)


@pytest.fixture(scope="module")
def validator(schema) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _assert_valid(validator: Draft202012Validator, record: dict) -> None:
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:10]
    )


def test_schema_is_draft_2020_12(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_lists_keys_in_serializer_order(schema):
    # The schema's `required` list documents the key order `session_to_dict` emits.
    assert tuple(schema["required"]) == _SESSION_KEYS
    assert list(schema["properties"]) == [*_SESSION_KEYS, "error"]


def test_schema_rejects_unknown_keys_and_bad_enums(validator):
    # A schema that accepts anything proves nothing: check it bites.
    good = session_to_dict(parse_session("# T\n\n### Attempt 1: X (5 min) ❌\n", "x.md"))
    _assert_valid(validator, good)
    assert not validator.is_valid({**good, "surprise": 1})
    assert not validator.is_valid({**good, "result": "won"})
    assert not validator.is_valid({**good, "date": "2 Feb 2026"})
    bad_attempt = {**good["attempts"][0], "outcome": "meh"}
    assert not validator.is_valid({**good, "attempts": [bad_attempt]})
    missing = dict(good)
    del missing["warnings"]
    assert not validator.is_valid(missing)


def test_seed_validates(validator, shared_dir: Path):
    seed = shared_dir / "seed" / "session-reflection-db-schema-fix.md"
    _assert_valid(validator, session_to_dict(read_session(str(seed))))


def _corpus_files() -> list[Path]:
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return sorted(corpus.glob("*.md")) if corpus.is_dir() else []


@pytest.mark.parametrize("name", [p.name for p in _corpus_files()] or ["<no corpus>"])
def test_corpus_validates(validator, shared_dir: Path, name: str):
    path = shared_dir / "corpus" / name
    if not path.is_file():
        pytest.skip("corpus not present")
    record = session_to_dict(read_session(str(path)))
    assert "error" not in record, record.get("error")
    _assert_valid(validator, record)


INLINE = {
    # Nothing but prose: every list empty, every optional field null.
    "prose-only": "Just some words about a day with no structure at all.\n",
    # Front matter wins; total from front matter.
    "front-matter": "---\ntitle: Cache bug\ndate: 2026-03-01\nduration: 45 min\nresult: partial\n---\n\nBody.\n",
    # Ranges keep low/high; a clock range gives started_at/ended_at.
    "ranges": (
        "# Fixing CI\n\n**Date**: 2026-02-02 23:30-00:40\n\n"
        "### Attempt 1: Retry job (10-15 min) ❌\n\nFailed.\n\n"
        "### Attempt 2: Pin version (~5 min) ✅\n\nWorked.\n"
    ),
    # Time table with percents and a total row; a priority action list.
    "tables": (
        "# T\n\n## Time Analysis\n\n| Phase | Time | % |\n|---|---|---|\n| Debug | 30 min | 60% |\n"
        "| Fix | 20 min | 40% |\n| **Total** | 50 min | 100% |\n\n"
        "## Action Items\n\n- [ ] (HIGH) Add a test\n- [x] P3 Update docs\n"
    ),
    # Invalid date and attempt without a duration produce warnings with codes.
    "warnings": "# T\n\nDate: 2026-02-30\n\n### Attempt 1: Guess\n\nNo idea how long.\n",
}


@pytest.mark.parametrize("doc", INLINE.values(), ids=INLINE.keys())
def test_inline_docs_validate(validator, doc: str):
    _assert_valid(validator, session_to_dict(parse_session(doc, "inline/x.md")))


def test_inline_bytes_validate(validator):
    # UTF-16 with BOM and CRLF still yields a valid record.
    data = "\ufeff# Titre\r\n\r\n### Tentative 1 : cache (5 min) ❌\r\n".encode("utf-16-le")
    clean = clean_text(data)
    _assert_valid(validator, session_to_dict(parse_session(clean.text, "x.md")))


def test_error_record_validates(validator, tmp_path: Path):
    record = session_to_dict(read_session(str(tmp_path / "missing.md")))
    assert record["error"]
    _assert_valid(validator, record)
    empty = tmp_path / "empty.md"
    empty.write_text("")
    _assert_valid(validator, session_to_dict(read_session(str(empty))))
