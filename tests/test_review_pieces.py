"""Hostile review of the kept pieces (issue 8): `retro analyze` on kept pieces must write
byte for byte what `retro analyze --no-cache` writes, whatever happened to the folder
or to the files the run depends on since the last run.

Each test changes something between runs and compares a cached run with a run from
nothing (`_as_from_nothing`, as in test_pieces).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_cache import ENV
from test_collect import _make_corpus

from session_retro import cache
from session_retro.classify import load_taxonomy

NEGATED = """\
# Session Reflection: Negated stale cache (90 min journey)

**Date**: 2026-01-05 10:00
**Result**: ✅ SUCCESS
**Time to Solution**: 90 minutes (should have been 20 minutes)

## What I tried

1. Rewrite the cache (60 min) - failed
2. Fix the ordering (30 min) - succeeded

## Root Cause Analysis

### 1. ❌ It was not stale data in the cache but the ordering of writes
### 2. ❌ The data was not outdated at all
"""
"""A session whose root causes name a category's keywords right after a negation."""


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    _make_corpus().generate(80, folder, seed=11, broken=0.05)
    (folder / "billing" / "2026-01-05-negated.md").write_text(NEGATED, encoding="utf-8")
    return folder


@pytest.fixture
def folder(tmp_path, generated, monkeypatch) -> Path:
    shutil.copytree(generated, tmp_path / "sessions")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "sessions"


def _outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".retro-") and "history" not in p.parts
    }


def _as_from_nothing(cli_invoke, *extra: str, paths=("sessions",), out="out") -> None:
    cli_invoke("analyze", *paths, "--out", out, "-q", *extra, env=ENV, expect=None)
    fresh = Path("fresh")
    shutil.rmtree(fresh, ignore_errors=True)
    cli_invoke("analyze", *paths, "--out", fresh, "-q", "--no-cache", *extra, env=ENV, expect=None)
    assert _outputs(Path(out)) == _outputs(fresh)


# ---- defects ----------------------------------------------------------------------------


def _negations(words: list[str]) -> str:
    """The packaged taxonomy with `words` as its negations, after 20 that never occur:
    a pattern of more than 200 characters, the length `repr` of a re.Pattern stops at."""
    source = (Path(cache.__file__).with_name("taxonomy.toml")).read_text(encoding="utf-8")
    line = next(x for x in source.splitlines() if x.startswith("words = "))
    padded = [f"padword{i:02d}" for i in range(20)] + words
    return source.replace(line, "words = [" + ", ".join(f'"{w}"' for w in padded) + "]", 1)


def test_a_taxonomy_edited_past_200_characters_of_a_pattern_is_not_the_old_one(folder, cli_invoke):
    # pieces.memo_fingerprint hashes repr(taxonomy), and repr(re.Pattern) keeps only the
    # first 200 characters of the pattern: an edit further on leaves the fingerprint as
    # it was, and the pieces classified under the old negations are reused
    taxonomy = Path("taxonomy.toml")
    taxonomy.write_text(_negations(["no", "not", "never", "without"]), encoding="utf-8")
    before = load_taxonomy(str(taxonomy))
    _as_from_nothing(cli_invoke, "--taxonomy", str(taxonomy))
    with_not = Path("out/analysis.json").read_bytes()
    taxonomy.write_text(_negations(["never", "without"]), encoding="utf-8")
    after = load_taxonomy(str(taxonomy))
    assert before != after and repr(before) == repr(after)  # the premise
    _as_from_nothing(cli_invoke, "--taxonomy", str(taxonomy))
    assert Path("fresh/analysis.json").read_bytes() != with_not  # the edit matters


# ---- cases that hold --------------------------------------------------------------------


def test_another_spelling_of_the_folder_writes_the_same(folder, cli_invoke):
    _as_from_nothing(cli_invoke)
    _as_from_nothing(cli_invoke, paths=("./sessions",))
    _as_from_nothing(cli_invoke, paths=(str(folder),))
    _as_from_nothing(cli_invoke)


def test_a_file_moved_to_another_project_folder_or_given_another_files_bytes(folder, cli_invoke):
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    moving = next(f for f in files if f.parent.name == "billing")
    target = next(f.parent for f in files if f.parent.name != "billing")
    moving.rename(target / moving.name)  # the project of a text naming none is its folder
    _as_from_nothing(cli_invoke)
    # one file takes another's bytes (same digest, another path), mtime and all
    a, b = files[10], files[20]
    shutil.copy2(a, b)
    _as_from_nothing(cli_invoke)
    b.rename(folder / "renamed.md")
    _as_from_nothing(cli_invoke)


def test_unreadable_empty_and_binary_files_coming_and_going(folder, cli_invoke):
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.md").write_bytes(bytes(range(256)) * 4)
    saved = files[2].read_bytes()
    files[2].chmod(0)
    try:
        _as_from_nothing(cli_invoke, "--jobs", "1")
    finally:
        files[2].chmod(0o644)
    (folder / "empty.md").unlink()
    (folder / "binary.md").write_bytes(saved)  # now a copy of a readable one
    _as_from_nothing(cli_invoke)
    assert files[2].read_bytes() == saved


def test_the_parse_cache_or_the_pieces_deleted(folder, cli_invoke):
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    files[1].write_bytes(files[1].read_bytes() + b"\n- Lesson: x\n")
    _as_from_nothing(cli_invoke)
    assert Path("out/.retro-cache.sqlite.pieces-delta").exists()
    Path("out/.retro-cache.sqlite").unlink()
    files[2].write_bytes(files[2].read_bytes() + b"\n- Lesson: y\n")
    _as_from_nothing(cli_invoke)
    for name in (".retro-cache.sqlite.pieces", ".retro-cache.sqlite.pieces-delta"):
        Path("out", name).unlink(missing_ok=True)
    files[3].write_bytes(files[3].read_bytes() + b"\n- Lesson: z\n")
    _as_from_nothing(cli_invoke)


def test_one_cache_shared_by_two_folders_and_two_outs(folder, cli_invoke):
    other = folder.parent / "other"
    other.mkdir()
    for f in sorted(folder.rglob("*.md"))[:30]:
        shutil.move(f, other / f.name)
    shared = str(folder.parent / "shared.sqlite")
    for paths in [("sessions",), ("other",), ("sessions",), ("other", "sessions")]:
        _as_from_nothing(cli_invoke, "--cache", shared, paths=paths, out="out")
        _as_from_nothing(cli_invoke, "--cache", shared, paths=paths, out="out2")
    _as_from_nothing(cli_invoke, "--cache", shared, "--project", "billing", out="out2")
    _as_from_nothing(
        cli_invoke, "--cache", shared, "--since", "2025-10-01", "--until", "2026-01-31"
    )


def test_a_run_stopped_after_the_base_before_the_delta(folder, cli_invoke):
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    files[1].write_bytes(files[1].read_bytes() + b"\n- Lesson: x\n")
    _as_from_nothing(cli_invoke)
    delta = Path("out/.retro-cache.sqlite.pieces-delta").read_bytes()
    base = Path("out/.retro-cache.sqlite.pieces").read_bytes()
    files[4].unlink()
    _as_from_nothing(cli_invoke)
    # the delta of this base comes back, but the folder went on: a stale delta
    Path("out/.retro-cache.sqlite.pieces").write_bytes(base)
    Path("out/.retro-cache.sqlite.pieces-delta").write_bytes(delta)
    files[5].write_bytes(files[5].read_bytes() + b"\n- Lesson: y\n")
    _as_from_nothing(cli_invoke)


def test_an_empty_folder_after_a_full_one_then_full_again(folder, cli_invoke):
    _as_from_nothing(cli_invoke)
    aside = folder.parent / "aside"
    folder.rename(aside)
    folder.mkdir()
    # nothing to read: both runs fail alike and write nothing (out keeps the last report)
    kept = _outputs(Path("out"))
    shutil.rmtree("fresh")
    codes = [
        cli_invoke("analyze", "sessions", "--out", out, "-q", *extra, env=ENV, expect=None)
        for out, extra in (("out", ()), ("fresh", ("--no-cache",)))
    ]
    assert [r.exit_code for r in codes] == [1, 1]
    assert _outputs(Path("out")) == kept and not Path("fresh").exists()
    folder.rmdir()
    aside.rename(folder)
    _as_from_nothing(cli_invoke)


def test_a_file_reached_twice_under_two_spellings(folder, cli_invoke):
    one = sorted(folder.rglob("*.md"))[7].relative_to(folder.parent)
    _as_from_nothing(cli_invoke)
    _as_from_nothing(cli_invoke, paths=("sessions", f"./{one}"))
    _as_from_nothing(cli_invoke, paths=("sessions", os.path.abspath(one)))
    _as_from_nothing(cli_invoke)


def test_a_file_name_that_is_not_utf8_comes_and_goes(folder, cli_invoke):
    # the parse cache cannot hold its name, and Arrow cannot hold it in a table
    _as_from_nothing(cli_invoke)
    files = sorted(folder.rglob("*.md"))
    odd = os.path.join(os.fsencode(folder / "billing"), b"caf\xe9-session.md")
    with open(odd, "wb") as fh:
        fh.write(files[9].read_bytes())
    _as_from_nothing(cli_invoke)
    files[11].write_bytes(files[11].read_bytes() + b"\n- Lesson: x\n")
    _as_from_nothing(cli_invoke)
    os.unlink(odd)
    _as_from_nothing(cli_invoke)


def test_a_file_of_the_users_beside_the_cache_under_the_pieces_name_is_not_lost(folder, cli_invoke):
    # cache.pieces_path drops the cache's extension: --cache notes.sqlite keeps its
    # pieces in notes.pieces and notes.pieces-delta, written over (and unlinked)
    # whatever is there, where a foreign file at the cache's own path is moved aside
    notes = Path("notes.pieces")
    mine = b"my notes on the pieces of the puzzle\n"
    notes.write_bytes(mine)
    delta = Path("notes.pieces-delta")
    delta.write_bytes(mine)
    _as_from_nothing(cli_invoke, "--cache", "notes.sqlite")
    kept = [p for p in Path().iterdir() if p.is_file() and p.read_bytes() == mine]
    assert len(kept) == 2, "both files of the user's are still there, or moved aside"


def test_a_session_whose_bytes_change_under_a_run_is_read_again_next_run(
    folder, cli_invoke, monkeypatch
):
    # The report details its worst sessions from the cache, by the hash their pieces
    # were made from. If another run sharing the cache stored a file's new bytes in
    # between, that row is gone: the session is detailed as its file is now, and the
    # run record keys it as changed while read, so the next run reads it again and
    # writes what a run from nothing writes of the folder as it is then.
    from session_retro import cli_analyze
    from session_retro.collect import collect_sessions

    _as_from_nothing(cli_invoke, "--cache", "shared.sqlite")
    worst = json.loads(Path("out/analysis.json").read_bytes())["figures"]["worst_sessions"]
    source = Path(worst[0]["source"])
    text = source.read_bytes()
    title = worst[0]["title"].encode()
    assert title in text
    real = cli_analyze.analyze_pieces

    def meanwhile(*args, **kwargs):
        # the other run: the author renames the session, the other run parses it
        source.write_bytes(text.replace(title, title + b" (renamed)", 1))
        collect_sessions(["sessions"], cache_path="shared.sqlite", jobs=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_analyze, "analyze_pieces", meanwhile)
    args = ("analyze", "sessions", "--out", "out", "-q", "--cache", "shared.sqlite")
    cli_invoke(*args, "--force", env=ENV, expect=None)
    record = json.loads(Path("out/.retro-run.json").read_bytes())
    key = next(k for k in record["inputs"] if k[0] == str(source))
    assert key[2] < 0, "keyed to be read again"
    monkeypatch.setattr(cli_analyze, "analyze_pieces", real)
    r = cli_invoke(*args, env=ENV, expect=None)
    assert "nothing changed" not in r.output
    fresh = Path("fresh")
    shutil.rmtree(fresh)
    cli_invoke("analyze", "sessions", "--out", fresh, "-q", "--no-cache", env=ENV, expect=None)
    assert b"(renamed)" in Path("out/analysis.json").read_bytes()
    assert _outputs(Path("out")) == _outputs(fresh)
