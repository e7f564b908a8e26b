"""Golden tests: Markdown in, expected JSON out.

- `golden/cases/*.md`: one small file per reflection format the parser must read, each
  opening with a comment that names the trap it guards; `*.json` beside it is the
  expected record (`session_to_dict` with `source` scrubbed).
- `sessions/`: the bundled example reflections against hand-made gold annotations in
  `tests/data/sessions_gold/`, compared field by field with the scorer's loose rules.
- the seed reflection in ../shared/seed parses exactly to its gold file.

Update the case gold files after a deliberate parser change, then review the diff:

    RETRO_UPDATE_GOLD=1 .venv/bin/pytest tests/test_golden.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from goldtest import compare_gold, disagreements, dump

from session_retro.discover import iter_reflections
from session_retro.ingest import clean_text
from session_retro.load import read_session
from session_retro.serialize import session_to_dict

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CASES = TESTS / "golden" / "cases"

# Cases the parser gets wrong today. Their .json was written by hand (never regenerated)
# and says what a careful reader extracts; remove the entry when the parser is fixed.
# Cases whose expected JSON is right but the parser is not (yet); each reason names the bug.
CASE_XFAIL: dict[str, str] = {}


def _case_params():
    for path in sorted(CASES.glob("*.md")):
        marks = []
        if path.name in CASE_XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=CASE_XFAIL[path.name]))
        yield pytest.param(path, id=path.stem, marks=marks)


def case_record(path: Path) -> dict:
    """The record `retro parse` prints for a case, with the machine-dependent path scrubbed."""
    record = session_to_dict(read_session(str(path)))
    record["source"] = f"cases/{path.name}"
    return record


@pytest.mark.parametrize("path", list(_case_params()))
def test_case(path: Path):
    gold = path.with_suffix(".json")
    # Hand-written expectations of known parser bugs are never overwritten by an update.
    compare_gold(dump(case_record(path)), gold, update=path.name not in CASE_XFAIL)


@pytest.mark.parametrize("path", [p for p in sorted(CASES.glob("*.md"))], ids=lambda p: p.stem)
def test_case_states_its_trap(path: Path):
    # Every case file opens by saying what it guards: an HTML comment, or (front matter
    # must come first) a YAML comment on the line after the opening "---".
    text = clean_text(path.read_bytes()).text
    lines = text.splitlines()
    assert lines[0].startswith("<!--") or (lines[0] == "---" and lines[1].startswith("# Trap")), (
        f"{path.name} does not open with a comment naming its trap"
    )
    assert "trap" in text[:300].lower()


def test_every_case_has_gold():
    missing = [p.name for p in CASES.glob("*.md") if not p.with_suffix(".json").exists()]
    assert not missing, f"run RETRO_UPDATE_GOLD=1 to create: {missing}"


# ---- bundled sessions/ against hand-made gold -------------------------------------------

SESSIONS = REPO / "sessions"
SESSIONS_GOLD = TESTS / "data" / "sessions_gold"

# Files the parser does not agree with yet (relative to sessions/), with the reason.
SESSIONS_XFAIL: dict[str, str] = {}


def _session_params():
    golds = sorted(SESSIONS_GOLD.glob("**/*.gold.json"))
    if not golds:
        yield pytest.param(None, id="no-sessions-gold-yet")
        return
    for gold in golds:
        rel = gold.relative_to(SESSIONS_GOLD).as_posix()[: -len(".gold.json")]
        marks = []
        if rel in SESSIONS_XFAIL:
            marks.append(pytest.mark.xfail(strict=False, reason=SESSIONS_XFAIL[rel]))
        yield pytest.param(rel, id=rel, marks=marks)


@pytest.mark.parametrize("rel", list(_session_params()))
def test_bundled_session_agrees_with_gold(rel: str | None):
    if rel is None:
        pytest.skip("tests/data/sessions_gold/ has no gold files yet")
    path = SESSIONS / rel
    assert path.is_file(), f"gold file without its session: sessions/{rel}"
    gold = json.loads((SESSIONS_GOLD / f"{rel}.gold.json").read_text(encoding="utf-8"))
    record = session_to_dict(read_session(str(path)))
    assert "error" not in record, record["error"]
    problems = disagreements(gold, record)
    assert not problems, f"sessions/{rel}:\n  " + "\n  ".join(problems)


def test_every_bundled_session_has_gold():
    if not SESSIONS.is_dir():
        pytest.skip("no sessions/ folder yet")
    # The same files `retro parse sessions/` reads.
    sessions = {
        Path(p).relative_to(SESSIONS).as_posix() for p, _ in iter_reflections([str(SESSIONS)])
    }
    golds = {
        p.relative_to(SESSIONS_GOLD).as_posix()[: -len(".gold.json")]
        for p in SESSIONS_GOLD.glob("**/*.gold.json")
    }
    assert sessions <= golds, f"sessions without gold: {sorted(sessions - golds)}"


# ---- the seed ---------------------------------------------------------------------------

SEED = "session-reflection-db-schema-fix.md"


def test_seed_parses_exactly_to_gold(shared_dir: Path):
    path = shared_dir / "seed" / SEED
    gold = json.loads((shared_dir / "seed" / f"{SEED}.gold.json").read_text(encoding="utf-8"))
    rec = session_to_dict(read_session(str(path)))
    for key in (
        "title",
        "date",
        "started_at",
        "ended_at",
        "total_minutes",
        "ideal_minutes",
        "result",
    ):
        assert rec[key] == gold[key], key
    got = [(a["index"], a["approach"], a["minutes"], a["outcome"]) for a in rec["attempts"]]
    want = [(a["index"], a["approach"], a["minutes"], a["outcome"]) for a in gold["attempts"]]
    assert got == want
    got = [(a["text"], a["priority"], a["done"]) for a in rec["action_items"]]
    want = [(a["text"], a["priority"], a["done"]) for a in gold["action_items"]]
    assert got == want
    # No leftover mojibake: the repaired text reads ❌, never "âŒ".
    assert not any("â" in a["approach"] for a in rec["attempts"])
