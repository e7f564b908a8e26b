"""The parse cache: hits, misses, changed, touched and deleted files, damaged and
outdated caches, concurrent writers, and the `retro analyze` options around it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from retro_samples import write_samples

from session_retro import cache, collect
from session_retro.collect import collect_sessions

ENV = {"SOURCE_DATE_EPOCH": str(int(datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timestamp()))}
OLD = 1_700_000_000  # an mtime well in the past: not "racily clean", so it is stored


@pytest.fixture
def sessions_dir(tmp_path) -> Path:
    """sessions/ with three reflections whose mtimes are old enough to be trusted."""
    folder = write_samples(tmp_path)
    for p in folder.rglob("*.md"):
        os.utime(p, (OLD, OLD))
    return folder


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The paths actually parsed (serial path: jobs=1), in order."""
    calls: list[str] = []
    real = collect.read_file

    def counting(path, **kw):
        calls.append(Path(path).name)
        return real(path, **kw)

    monkeypatch.setattr(collect, "read_file", counting)
    return calls


def run(folder: Path, db: Path, warnings: list[str] | None = None):
    return collect_sessions([str(folder)], jobs=1, cache_path=str(db), warnings=warnings)


def test_miss_then_hit_gives_the_same_records(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    fresh = collect_sessions([str(sessions_dir)], jobs=1)
    parses.clear()
    first = run(sessions_dir, db)
    assert len(parses) == 3  # miss: everything parsed and stored
    second = run(sessions_dir, db)
    assert len(parses) == 3  # hit: nothing parsed again
    assert first == second == fresh
    assert [s.extra for s in second] == [s.extra for s in fresh]


def test_pool_fills_the_cache_too(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    pooled = collect_sessions([str(sessions_dir)], jobs=2, pool_threshold=0, cache_path=str(db))
    assert parses == []  # workers parsed, not this process
    assert run(sessions_dir, db) == pooled
    assert parses == []


def test_changed_file_is_parsed_again(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    run(sessions_dir, db)
    target = next(sessions_dir.rglob("2026-01-10-db.md"))
    target.write_text(
        target.read_text().replace("Database migration", "Schema migration"), encoding="utf-8"
    )
    parses.clear()
    out = run(sessions_dir, db)
    assert parses == ["2026-01-10-db.md"]
    assert [s.title for s in out if s.source == str(target)] == ["Schema migration"]


def test_touched_but_unchanged_file_is_a_hit(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    before = run(sessions_dir, db)
    target = next(sessions_dir.rglob("2026-01-10-db.md"))
    os.utime(target, (OLD + 60, OLD + 60))  # a checkout or `touch`: new mtime, same bytes
    parses.clear()
    assert run(sessions_dir, db) == before
    assert parses == []  # the content hash matched
    with cache.open_cache(str(db), []) as c:
        assert c.entries()[str(target.resolve())].mtime_ns == (OLD + 60) * 10**9


def test_new_file_alone_is_parsed(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    run(sessions_dir, db)
    src = next(sessions_dir.rglob("2026-01-10-db.md"))
    (src.parent / "2026-01-11-db.md").write_bytes(src.read_bytes())
    parses.clear()
    out = run(sessions_dir, db)
    assert parses == ["2026-01-11-db.md"]
    assert len(out) == 4


def test_same_files_reached_by_another_path_are_hits(sessions_dir, tmp_path, parses, monkeypatch):
    """A relative run and an absolute one (another working folder, a cron job) share
    the cache: only the records' `source` differs, as from a fresh parse of that path."""
    db = tmp_path / "c.sqlite"
    run(sessions_dir, db)
    monkeypatch.chdir(sessions_dir.parent)
    parses.clear()
    relative = collect_sessions(["sessions"], jobs=1, cache_path=str(db))
    assert parses == []
    assert relative == collect_sessions(["sessions"], jobs=1)
    assert [s.source for s in relative][0] == os.path.join("sessions", "alpha", "2026-01-10-db.md")


def test_a_path_through_dot_dot_is_a_hit_as_a_fresh_parse(
    sessions_dir, tmp_path, parses, monkeypatch
):
    """The paths "alpha/sub/../x.md" and "../x.md" are alpha/x.md, project alpha when the text
    names none (it read ".."): served from the cache, renamed, as a fresh parse of them."""
    db = tmp_path / "c.sqlite"
    run(sessions_dir, db)
    (sessions_dir / "alpha" / "sub").mkdir()
    odd = str(sessions_dir / "alpha" / "sub" / ".." / "2026-01-10-db.md")
    monkeypatch.chdir(sessions_dir / "alpha" / "sub")
    parses.clear()
    again = collect_sessions([odd, "../"], jobs=1, cache_path=str(db))
    assert parses == []
    assert again == collect_sessions([odd, "../"], jobs=1)
    assert [(s.source, s.project) for s in again] == [(odd, "alpha")]


def test_deleted_file_leaves_the_report_and_the_cache(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    run(sessions_dir, db)
    gone = next(sessions_dir.rglob("2026-02-03-ci.md"))
    gone.unlink()
    out = run(sessions_dir, db)
    assert str(gone) not in [s.source for s in out]
    assert len(out) == 2
    with cache.open_cache(str(db), []) as c:
        assert str(gone.resolve()) not in c.entries()
        assert len(c.entries()) == 2


def test_corrupted_cache_is_moved_aside_and_rebuilt(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    db.write_bytes(b"this is not an SQLite database, it is garbage " * 200)
    warnings: list[str] = []
    out = run(sessions_dir, db, warnings)
    assert out == collect_sessions([str(sessions_dir)], jobs=1)
    assert len(warnings) == 1 and "corrupted" in warnings[0] and "rebuilt" in warnings[0]
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("c.sqlite.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    parses.clear()
    warnings.clear()
    run(sessions_dir, db, warnings)
    assert parses == [] and warnings == []  # the rebuilt cache works


def test_damaged_pages_found_while_reading_are_rebuilt(sessions_dir, tmp_path, parses):
    # a valid header with garbage behind it: opening works, reading the rows fails
    db = tmp_path / "c.sqlite"
    run(sessions_dir, db)
    raw = bytearray(db.read_bytes())
    assert len(raw) > 4096
    raw[100:] = b"\xff" * (len(raw) - 100)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(bytes(raw))
    warnings: list[str] = []
    parses.clear()
    out = run(sessions_dir, db, warnings)
    assert len(out) == 3 and all(s.error is None for s in out)
    assert any("corrupted" in w for w in warnings), warnings
    assert len(parses) == 3


def test_cache_of_another_parser_version_is_rebuilt(sessions_dir, tmp_path, parses, monkeypatch):
    db = tmp_path / "c.sqlite"
    with monkeypatch.context() as m:
        m.setattr(cache, "parser_version", lambda: "0-older")
        run(sessions_dir, db)
    parses.clear()
    warnings: list[str] = []
    run(sessions_dir, db, warnings)
    assert len(parses) == 3  # nothing trusted
    assert warnings == [f"cache {db}: written by another parser or cache version; rebuilt"]


def test_parser_version_fingerprints_the_parser_source():
    v = cache.parser_version()
    assert v.startswith(f"{cache.PARSER_VERSION}-") and len(v) > len(cache.PARSER_VERSION) + 8
    assert v == cache.parser_version()


def test_a_folder_in_the_cache_place_is_reported_and_left_alone(sessions_dir, tmp_path):
    db = tmp_path / "c.sqlite"
    db.mkdir()
    (db / "keep.txt").write_text("mine")
    warnings: list[str] = []
    out = run(sessions_dir, db, warnings)
    assert len(out) == 3 and len(warnings) == 1 and "not cached" in warnings[0]
    assert (db / "keep.txt").read_text() == "mine"


def test_concurrent_runs_do_not_corrupt_the_cache(sessions_dir, tmp_path, parses):
    db = tmp_path / "c.sqlite"
    results: list = []
    errors: list = []

    def one():
        try:
            results.append(run(sessions_dir, db))
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r == results[0] for r in results)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    con.close()
    parses.clear()
    run(sessions_dir, db)
    assert parses == []


# --- retro analyze --cache / --no-cache / --jobs ---


def test_analyze_caches_in_the_output_folder_by_default(work, cli_invoke, parses):
    (work / "out").mkdir()
    (work / "out" / "notes.txt").write_text("mine")
    cli_invoke("analyze", "sessions", "--out", "out", "--jobs", "1", env=ENV)
    assert (work / "out" / ".retro-cache.sqlite").is_file()
    assert len(parses) == 3
    report = (work / "out" / "report.md").read_text()
    cli_invoke("analyze", "sessions", "--out", "out", "--jobs", "1", env=ENV)
    assert len(parses) == 3  # the second run read the cache
    assert (work / "out" / "report.md").read_text() == report
    assert (work / "out" / "notes.txt").read_text() == "mine"
    # the cache is ours, not a report output: no report or JSON names it
    for name in ("report.md", "analysis.json"):
        assert "retro-cache" not in (work / "out" / name).read_text()


def test_analyze_cache_option_puts_it_elsewhere(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", "--cache", "c/x.sqlite", env=ENV)
    assert (work / "c" / "x.sqlite").is_file()
    assert not (work / "out" / ".retro-cache.sqlite").exists()


def test_analyze_no_cache_reads_and_writes_none(work, cli_invoke, parses):
    cli_invoke("analyze", "sessions", "--out", "out", "--jobs", "1", env=ENV)
    cli_invoke("analyze", "sessions", "--out", "o2", "--no-cache", "--jobs", "1", env=ENV)
    assert len(parses) == 6  # the cache in out/ was not read...
    assert not list((work / "o2").glob(".retro-cache*"))  # ...and none was written


def test_analyze_jobs_gives_the_same_report(work, cli_invoke):
    # --jobs 2 with three files stays under the pool threshold; the pool itself is
    # compared with the serial path in test_collect.py
    cli_invoke("analyze", "sessions", "--out", "a", "--no-cache", "--jobs", "1", env=ENV)
    cli_invoke("analyze", "sessions", "--out", "b", "--no-cache", "--jobs", "2", env=ENV)
    assert (work / "a" / "report.md").read_bytes() == (work / "b" / "report.md").read_bytes()
    r = cli_invoke("analyze", "sessions", "--jobs", "0", expect=2)
    assert "--jobs" in r.output


def test_analyze_warns_about_a_corrupted_cache(work, cli_invoke):
    (work / "out").mkdir()
    (work / "out" / ".retro-cache.sqlite").write_bytes(b"garbage" * 1000)
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert "warning: cache out/.retro-cache.sqlite: corrupted" in r.output
    assert (work / "out" / "report.md").is_file()
    assert list((work / "out").glob(".retro-cache.sqlite.corrupt-*"))
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert "warning:" not in r.output


def test_a_working_folder_named_in_no_utf_8_is_read_not_cached(sessions_dir, tmp_path, monkeypatch):
    """Relative paths from a folder whose name is not UTF-8 ("\\xff"): the file names are,
    their absolute paths (the cache keys) are not, and storing them raised
    UnicodeEncodeError out of analyze and report. They are parsed, not cached."""
    odd = tmp_path / os.fsdecode(b"\xff")
    shutil.copytree(sessions_dir, odd / "sessions")
    monkeypatch.chdir(odd)
    db = tmp_path / "c.sqlite"
    out = collect_sessions(["sessions"], jobs=1, cache_path=str(db))
    assert out == collect_sessions(["sessions"], jobs=1)
    assert len(out) == 3 and not any(s.error for s in out)
    assert collect_sessions(["sessions"], jobs=1, cache_path=str(db)) == out


# --- check, backlog and impact: the cache `retro analyze` keeps in reports/ ---

READERS = {
    "check": ["check", "sessions", "--format", "json"],
    "backlog": ["backlog", "sessions", "--format", "json"],
    "impact": ["impact", "sessions", "--changed", "flaky-tests=2026-02-01", "--format", "json"],
}


@pytest.mark.parametrize("command", sorted(READERS))
def test_reader_uses_the_cache_analyze_keeps_in_reports(work, cli_invoke, parses, command):
    uncached = cli_invoke(*READERS[command], "--jobs", "1", env=ENV, expect=None)
    assert len(parses) == 3
    assert not (work / "reports").exists()  # nothing made that nobody asked for
    cli_invoke("analyze", "sessions", "--jobs", "1", env=ENV)  # default --out reports
    assert len(parses) == 6
    cached = cli_invoke(*READERS[command], "--jobs", "1", env=ENV, expect=None)
    assert len(parses) == 6  # every record from reports/.retro-cache.sqlite
    assert (cached.exit_code, cached.output) == (uncached.exit_code, uncached.output)
    cli_invoke(*READERS[command], "--jobs", "1", "--no-cache", env=ENV, expect=None)
    assert len(parses) == 9


@pytest.mark.parametrize("command", sorted(READERS))
def test_reader_cache_option_names_its_own(work, cli_invoke, parses, command):
    for _ in range(2):
        cli_invoke(*READERS[command], "--jobs", "1", "--cache", "c.sqlite", env=ENV, expect=None)
    assert len(parses) == 3  # the second run read c.sqlite
    assert (work / "c.sqlite").is_file() and not (work / "reports").exists()


def test_reader_warns_about_a_corrupted_cache_and_goes_on(work, cli_invoke):
    (work / "reports").mkdir()
    (work / "reports" / ".retro-cache.sqlite").write_bytes(b"")  # empty: a new cache
    cli_invoke("check", "sessions", "--ignore", ",".join(_codes()), env=ENV)
    db = work / "reports" / ".retro-cache.sqlite"
    db.write_bytes(b"SQLite format 3\0" + b"garbage" * 1000)
    r = cli_invoke("check", "sessions", "--ignore", ",".join(_codes()), env=ENV)
    assert "warning: cache reports/.retro-cache.sqlite: corrupted" in r.output
    assert "3 file(s) checked, no problems" in r.output


def _codes() -> list[str]:
    from session_retro.cli_check import CODES

    return list(CODES)


def test_a_record_over_this_runs_size_limit_is_not_taken_from_the_cache(sessions_dir, tmp_path):
    """A record parsed under a larger --max-size (analyze's default, say) is parsed
    again under a smaller one, which then says the file is too big."""
    db = tmp_path / "c.sqlite"
    assert not any(s.error for s in run(sessions_dir, db))
    small = collect_sessions([str(sessions_dir)], jobs=1, cache_path=str(db), max_bytes=100)
    assert all(s.error and "over the" in s.error for s in small), [s.error for s in small]
    assert not any(s.error for s in run(sessions_dir, db))  # and the cache still holds them
