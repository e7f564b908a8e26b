"""The run record (issue 8): `rerun.input_keys` keys each reflection by what the run
parsed (the keys `collect.collect_sessions` fills), `_same_input` compares them on the
next run, and the record reads back as it was saved."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from session_retro import rerun

OLD_NS = 1_700_000_000 * 10**9  # long ago: a trusted mtime


def test_a_problem_file_is_keyed_by_its_problem(tmp_path):
    gone = str(tmp_path / "gone.md")
    (key,) = rerun.input_keys([(gone, "missing")], read={})
    assert key == rerun.InputKey(gone, "missing", -1, -1, "")
    assert rerun._same_input(key, gone, "missing")


def test_a_record_that_is_json_but_no_object_is_no_record(tmp_path):
    (tmp_path / rerun.RUN_NAME).write_text("[1, 2]\n")  # read with .get: not a crash
    assert rerun.load_run(tmp_path) is None


def test_the_record_reads_back_what_was_saved(tmp_path):
    key = rerun.InputKey("sessions/ä.md", None, 12, OLD_NS, "ab")
    gone = rerun.InputKey("sessions/gone.md", "missing", -1, -1, "")
    rerun.save_run(
        tmp_path,
        fingerprint="f",
        inputs=(key, gone),
        outputs={"report.md": b"r", "history/2026-03-01.json": b"{}"},
        finished="2026-03-01 09:30 UTC",
        exit_code=1,
        messages=["sessions/gone.md: error: missing"],
    )
    state = rerun.load_run(tmp_path)
    assert state == rerun.RunState(
        "f",
        (key, gone),
        (("report.md", rerun._hex(b"r")),),  # history/ is a log, not an output to compare
        "2026-03-01 09:30 UTC",
        1,
        ("sessions/gone.md: error: missing",),
    )


def _corpus(tmp_path, n=3):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        f = folder / f"s{i}.md"
        f.write_text(f"# Session {i}\n\n## Attempts\n\n1. Try {i} (5 min) - failed\n")
        os.utime(f, ns=(OLD_NS, OLD_NS))
    return folder


def test_the_run_record_keys_the_bytes_collect_parsed_without_reading_them_again(
    tmp_path, monkeypatch
):
    # The workers hash every file they read for the parse cache: the run record takes
    # those keys instead of reading and hashing 10,000 files again (cold: 0.6 s).
    from session_retro.cache import file_hash
    from session_retro.collect import collect_sessions
    from session_retro.discover import iter_reflections

    folder = _corpus(tmp_path)
    found = list(iter_reflections([str(folder)]))
    db = str(tmp_path / "cache.sqlite")
    for _ in ("parsed", "from the cache"):
        read: dict = {}
        collect_sessions([str(folder)], jobs=1, cache_path=db, keys=read)
        assert set(read) == {p for p, _ in found}
        monkeypatch.setattr(rerun, "_digest", lambda path: pytest.fail(f"{path} read again"))
        keys = rerun.input_keys(found, read=read, since=time.time_ns())
        monkeypatch.undo()
        for k in keys:  # the keys reading and hashing every file would give
            data = Path(k.path).read_bytes()
            assert (k.size, k.mtime_ns, k.digest) == (len(data), OLD_NS, file_hash(data).hex())


def test_a_touched_file_from_the_cache_is_keyed_with_its_new_mtime(tmp_path):
    from session_retro.collect import collect_sessions

    folder = _corpus(tmp_path, 1)
    db = str(tmp_path / "cache.sqlite")
    collect_sessions([str(folder)], jobs=1, cache_path=db)
    f = folder / "s0.md"
    os.utime(f, ns=(OLD_NS, OLD_NS + 10**9))
    read: dict = {}
    collect_sessions([str(folder)], jobs=1, cache_path=db, keys=read)
    assert read[str(f)].mtime_ns == OLD_NS + 10**9


def test_a_file_edited_while_it_was_parsed_is_read_again_next_run(tmp_path, monkeypatch):
    # The record describes the bytes the report was made from; a file that changed
    # under the parser has no such key, so the next run cannot call it unchanged.
    from session_retro import collect
    from session_retro.cache import open_cache

    folder = _corpus(tmp_path, 1)
    f = folder / "s0.md"
    real = collect.read_file

    def edited_meanwhile(path, **kw):
        read = real(path, **kw)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n2. Another try (5 min) - failed\n")
        os.utime(path, ns=(OLD_NS, OLD_NS + 10**9))
        return read

    monkeypatch.setattr(collect, "read_file", edited_meanwhile)
    db = str(tmp_path / "cache.sqlite")
    read: dict = {}
    since = time.time_ns()
    collect.collect_sessions([str(folder)], jobs=1, cache_path=db, keys=read)
    assert read[str(f)] == collect.CHANGED_WHILE_READ
    with open_cache(db, []) as cache:
        assert cache.entries() == {}, "nothing cached for bytes nobody parsed"
    (key,) = rerun.input_keys([(str(f), None)], read=read, since=since)
    assert not rerun._same_input(key, str(f), None)


def test_one_file_reached_twice_is_parsed_once_and_keyed_by_its_bytes(tmp_path, monkeypatch):
    # "in" and "in/s0.md" both reach s0.md: it is read once, so its one record and its
    # key come from one state of the file (an edit after that parse is not in the report)
    from session_retro import collect

    folder = _corpus(tmp_path, 1)
    f = folder / "s0.md"
    real = collect._parse_one
    keys = []

    def edited_after_the_first_parse(path, max_bytes):
        blob, key = real(path, max_bytes)
        keys.append(key)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n2. Another try (5 min) - failed\n")
        os.utime(path, ns=(OLD_NS, OLD_NS + 10**9))
        return blob, key

    monkeypatch.setattr(collect, "_parse_one", edited_after_the_first_parse)
    read: dict = {}
    since = time.time_ns()
    sessions = collect.collect_sessions([str(folder), str(f)], jobs=1, keys=read)
    assert len(sessions) == 1 and len(keys) == 1 and read[str(f)] == keys[0]
    (key,) = rerun.input_keys([(str(f), None)], read=read, since=since)
    assert not rerun._same_input(key, str(f), None), "edited since its parse: read again"


def test_a_file_too_big_to_parse_is_keyed_by_its_stat_and_read_again_once_changed(tmp_path):
    # nobody read it whole, so nobody hashes it: its size and mtime say whether it is
    # the file the report said was too big
    from session_retro.collect import collect_sessions

    folder = _corpus(tmp_path, 1)
    f = folder / "s0.md"
    read: dict = {}
    since = time.time_ns()
    collect_sessions([str(folder)], jobs=1, keys=read, max_bytes=10)
    got = read[str(f)]
    assert (got.size, got.mtime_ns, got.digest) == (f.stat().st_size, OLD_NS, b"")
    (key,) = rerun.input_keys([(str(f), None)], read=read, since=since)
    assert rerun._same_input(key, str(f), None), "unchanged: the next run skips"
    f.write_text("# Session 0\n")  # cut down to size: the report's error no longer holds
    os.utime(f, ns=(OLD_NS, OLD_NS + 10**9))
    assert not rerun._same_input(key, str(f), None)


def test_an_unreadable_file_made_readable_is_read_again(tmp_path, monkeypatch):
    # chmod moves no mtime: an unreadable file's key trusts no mtime, so the next
    # run looks at it again and, readable now, analyses it
    from session_retro import collect, load

    folder = _corpus(tmp_path, 1)
    f = folder / "s0.md"

    def denied(path, size, max_bytes):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(load, "read_capped", denied)
    read: dict = {}
    since = time.time_ns()
    collect.collect_sessions([str(folder)], jobs=1, keys=read)
    monkeypatch.undo()
    assert read[str(f)] == collect._cache.Key(f.stat().st_size, 0, b"")
    (key,) = rerun.input_keys([(str(f), None)], read=read, since=since)
    monkeypatch.setattr(rerun, "_readable", lambda path: False)  # still unreadable
    assert rerun._same_input(key, str(f), None)
    monkeypatch.undo()  # readable again (root reads it anyway)
    assert not rerun._same_input(key, str(f), None)


def test_a_key_that_vouches_for_nothing_matches_no_file_even_a_gone_one(tmp_path):
    # a file that changed under the parser, then vanished: the report still holds what
    # was parsed, so the next run must not call the (now missing) file unchanged
    from session_retro.collect import CHANGED_WHILE_READ

    f = tmp_path / "a.md"
    f.write_text("x")
    (key,) = rerun.input_keys([(str(f), None)], read={str(f): CHANGED_WHILE_READ})
    assert not rerun._same_input(key, str(f), None)
    f.unlink()
    assert not rerun._same_input(key, str(f), None)


def test_a_too_big_file_written_just_now_is_unchanged_next_run(tmp_path):
    # its report entry is its size: no bytes were read that a same-tick edit could
    # change, so even a recent (or future) mtime is trusted, and it is never hashed
    from session_retro.collect import collect_sessions

    folder = _corpus(tmp_path, 1)
    f = folder / "s0.md"
    future = time.time_ns() + 86_400 * 10**9
    os.utime(f, ns=(future, future))
    read: dict = {}
    since = time.time_ns()
    collect_sessions([str(folder)], jobs=1, keys=read, max_bytes=10)
    (key,) = rerun.input_keys([(str(f), None)], read=read, since=since)
    assert key.mtime_ns == future
    assert rerun._same_input(key, str(f), None)


def test_a_matplotlibrc_is_part_of_the_run_fingerprint(tmp_path, monkeypatch, cli_invoke):
    # the chart memo keys on it; so must the run record, or a changed matplotlibrc
    # would leave the old charts in place as "nothing changed"
    sessions = Path(__file__).resolve().parent.parent / "sessions"
    monkeypatch.chdir(tmp_path)
    args = ("analyze", sessions, "--out", "out")
    cli_invoke(*args)
    assert "nothing changed" in cli_invoke(*args).output
    Path("matplotlibrc").write_text("axes.facecolor: ffcccc\n")
    from session_retro.render import charts

    charts.drawing_fingerprint.cache_clear()
    try:
        assert "nothing changed" not in cli_invoke(*args).output
    finally:
        Path("matplotlibrc").unlink()
        charts.drawing_fingerprint.cache_clear()


_PIPE_CHECK = """
import os, sys, time
from session_retro import rerun
from session_retro.collect import collect_sessions

folder, db, old = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = os.path.join(folder, "empty.md")
read = {}
since = time.time_ns()
collect_sessions([folder], jobs=1, cache_path=db, keys=read)
(key,) = rerun.input_keys([(f, None)], read=read, since=since)
os.unlink(f)
os.mkfifo(f)
print(rerun._same_input(key, f, None))
(session,) = collect_sessions([folder], jobs=1, cache_path=db)
print(session.error)
"""


def test_an_empty_reflection_replaced_by_a_pipe_is_not_opened(tmp_path):
    # same size (0) as the cached empty file, another mtime: neither the cache's
    # content check nor the run record's may open it, since that waits for a writer
    # (in a child process with a timeout: a regression fails instead of hanging)
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    f = folder / "empty.md"
    f.write_bytes(b"")
    os.utime(f, ns=(OLD_NS, OLD_NS))
    argv = [str(folder), str(tmp_path / "cache.sqlite"), str(OLD_NS)]
    done = subprocess.run(
        [sys.executable, "-c", _PIPE_CHECK, *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    same, error = done.stdout.splitlines()
    assert same == "False"
    assert error.startswith("not a regular file")
