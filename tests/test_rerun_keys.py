"""The run record (issue 8): `rerun.input_keys` against the last run's record (an
untouched file keeps its very key, anything else is keyed afresh), and the record
read back as it was saved."""

from __future__ import annotations

import os
import time

from session_retro import rerun

OLD_NS = 1_700_000_000 * 10**9  # long ago: a trusted mtime


def _record(*keys: rerun.InputKey) -> rerun.RunState:
    return rerun.RunState("fingerprint", keys, (), "2026-03-01 09:30 UTC", 0, ())


def test_an_untouched_file_keeps_the_last_runs_key(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("x")
    os.utime(f, ns=(OLD_NS, OLD_NS))
    (first,) = rerun.input_keys([(str(f), None)])
    (again,) = rerun.input_keys([(str(f), None)], _record(first))
    assert again is first


def test_an_edited_file_is_hashed_again(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("x")
    os.utime(f, ns=(OLD_NS, OLD_NS))
    (first,) = rerun.input_keys([(str(f), None)])
    f.write_text("y")  # same size, new mtime
    os.utime(f, ns=(OLD_NS + 10**9, OLD_NS + 10**9))
    (edited,) = rerun.input_keys([(str(f), None)], _record(first))
    assert edited.mtime_ns == OLD_NS + 10**9 and edited.digest != first.digest
    assert not rerun._same_input(first, str(f), None)


def test_a_matching_but_fresh_mtime_is_not_trusted(tmp_path):
    # the record trusted an mtime that is within the racy window now (the clock went
    # back): the key keeps the hash but stores mtime 0, so the next run compares bytes
    f = tmp_path / "a.md"
    f.write_text("x")
    now = time.time_ns()
    os.utime(f, ns=(now, now))
    trusted = rerun.InputKey(str(f), None, 1, now, "d1g35t")
    (key,) = rerun.input_keys([(str(f), None)], _record(trusted))
    assert key == rerun.InputKey(str(f), None, 1, 0, "d1g35t")


def test_a_problem_file_is_keyed_by_its_problem(tmp_path):
    gone = str(tmp_path / "gone.md")
    (first,) = rerun.input_keys([(gone, "missing")])
    (again,) = rerun.input_keys([(gone, "missing")], _record(first))
    assert again == rerun.InputKey(gone, "missing", -1, -1, "")


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
