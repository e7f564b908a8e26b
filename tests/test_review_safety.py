"""Nothing the user wrote is overwritten without a copy, by any command that writes.

`retro analyze`'s promise (tests/test_analyze_cli.py) held for every other writer too:
a file a command replaces that is not as its own last run wrote it is first copied to
NAME.bak (NAME.1.bak, ...: no copy is replaced), with a warning naming the copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from session_retro import safeio

ENV = {"SOURCE_DATE_EPOCH": "1772357400"}  # 2026-03-01 09:30 UTC


def test_report_copies_a_file_it_did_not_write_before_replacing_it(work, cli_invoke):
    # a report.md of the user's where the monthly report goes, then one edited by hand:
    # both were replaced with no copy (issue 5)
    month = work / "out" / "2026-02"
    month.mkdir(parents=True)
    (month / "report.md").write_text("my own notes\n")
    args = ("report", "--month", "2026-02", "sessions", "--out", "out")
    r = cli_invoke(*args, "--quiet", env=ENV)
    assert (month / "report.md.bak").read_text() == "my own notes\n"
    assert "copies kept: report.md.bak" in r.stderr
    r = cli_invoke(*args, env=ENV)
    assert "copies kept" not in r.stderr, "the run's own files are replaced as they are"
    (month / "report.md").write_text("edited\n")
    r = cli_invoke(*args, env=ENV)
    assert (month / "report.md.1.bak").read_text() == "edited\n"
    assert (month / "report.md.bak").read_text() == "my own notes\n", "no copy is replaced"
    assert "copies kept: report.md.1.bak" in r.stderr


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_a_copy_is_announced_when_the_write_then_fails(work, cli_invoke, monkeypatch, command):
    # the disk filled up after the user's file was copied aside: the run ended on the
    # error without a word of the copy, though files it wrote before failing may have
    # replaced theirs (the warning came only after a write that succeeded)
    month = ("--month", "2026-02") if command == "report" else ()
    folder = work / "out" / ("2026-02" if month else "")
    folder.mkdir(parents=True)
    (folder / "report.md").write_text("my own notes\n")
    fsync, synced = safeio.os.fsync, []

    def full_after_the_copy(fd):  # the copy is the first file written whole
        if synced:
            raise OSError(28, "No space left on device")
        synced.append(fd)
        fsync(fd)

    monkeypatch.setattr(safeio.os, "fsync", full_after_the_copy)
    r = cli_invoke(command, *month, "sessions", "--out", "out", env=ENV, expect=None)
    assert isinstance(r.exception, OSError)
    assert (folder / "report.md").read_text() == "my own notes\n"
    assert (folder / "report.md.bak").read_text() == "my own notes\n"
    assert "copies kept: report.md.bak" in r.stderr


@pytest.mark.parametrize("kind", ["link", "folder", "hard-link"])
def test_backlog_copy_never_writes_through_what_stands_at_its_name(work, cli_invoke, kind):
    # BACKLOG.md.bak a link to a file of the user's: the copy of the backlog was written
    # into that file; a folder: into a file inside it; a hard link: into its other name
    (work / "BACKLOG.md").write_text("# Our backlog\n\n- [ ] Ship it\n")
    notes = work / "notes.md"
    notes.write_text("my notes\n")
    bak = work / "BACKLOG.md.bak"
    if kind == "link":
        bak.symlink_to(notes)
    elif kind == "folder":
        bak.mkdir()
        (bak / "BACKLOG.md").write_text("my notes\n")
        notes = bak / "BACKLOG.md"
    else:
        os.link(notes, bak)
    r = cli_invoke("backlog", "sessions", env=ENV)
    assert notes.read_text() == "my notes\n"
    copy = "BACKLOG.md.bak" if kind == "hard-link" else "BACKLOG.md.1.bak"
    assert (work / copy).read_text() == "# Our backlog\n\n- [ ] Ship it\n"
    assert f"previous file kept as {copy}" in r.output


def test_backlog_copy_is_atomic(work, cli_invoke, monkeypatch):
    # the disk filled up while the backlog was copied: the earlier copy was truncated
    (work / "BACKLOG.md").write_text("# Our backlog\n\n- [ ] Ship it\n")
    (work / "BACKLOG.md.bak").write_text("the copy of last week\n")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safeio.os, "fsync", disk_full)
    # shutil.copy2 then copies by copyfileobj (not sendfile): it fails as a full disk would
    monkeypatch.setattr(shutil, "_USE_CP_SENDFILE", False)
    monkeypatch.setattr(shutil, "copyfileobj", lambda *a, **k: disk_full(0))
    r = cli_invoke("backlog", "sessions", env=ENV, expect=None)
    assert isinstance(r.exception, OSError)
    assert (work / "BACKLOG.md.bak").read_text() == "the copy of last week\n"
    assert (work / "BACKLOG.md").read_text() == "# Our backlog\n\n- [ ] Ship it\n"


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_a_file_that_cannot_be_copied_aside_is_not_replaced(work, cli_invoke, monkeypatch, command):
    # a report.md of the user's that cannot be read (mode 000; root reads anything, so
    # the read fails here by hand): no copy was possible, and it was replaced anyway
    month = ("--month", "2026-02") if command == "report" else ()
    folder = work / "out" / ("2026-02" if month else "")
    folder.mkdir(parents=True)
    mine = folder / "report.md"
    mine.write_text("my own notes\n")
    read_bytes = Path.read_bytes

    def unreadable(path: Path) -> bytes:
        if path.name == "report.md" and path.parent.samefile(folder):
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    r = cli_invoke(command, *month, "sessions", "--out", "out", env=ENV, expect=None)
    assert r.exit_code != 0
    assert read_bytes(mine) == b"my own notes\n"
    assert not (folder / "report.md.bak").exists()


@pytest.mark.parametrize(
    ("argv", "first"),
    [
        (["analyze", "sessions", "--out", "out"], "out/analysis.json"),
        (
            ["report", "--month", "2026-02", "sessions", "--out", "out"],
            "out/2026-02/charts/pareto.png",
        ),
        (["backlog", "sessions"], "BACKLOG.md"),
    ],
    ids=["analyze", "report", "backlog"],
)
def test_a_full_disk_names_the_file_it_could_not_write(work, monkeypatch, capsys, argv, first):
    # the error said "cannot write output: No space left on device": a write() that
    # fails names no file, so main() had none to show
    import session_retro.cli as cli_module

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safeio.os, "fsync", disk_full)
    monkeypatch.setattr("sys.argv", ["retro", *argv])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"error: cannot write {(work / first).resolve()}: No space left on device" in err
    assert not list(work.rglob("*.tmp"))


@pytest.mark.parametrize("command", ["analyze", "report"])
@pytest.mark.parametrize("name", ["report.md", ".retro-run.json"])
def test_a_link_at_an_output_name_is_refused_not_written_through(work, cli_invoke, command, name):
    # out/report.md a link to out/notes.md: notes.md was replaced by the report (its copy
    # named report.md.bak, the warning naming report.md); a link at the run record had
    # the user's file replaced by the record with no copy at all
    month = ("--month", "2026-02") if command == "report" else ()
    folder = work / "out" / ("2026-02" if month else "")
    folder.mkdir(parents=True)
    notes = folder / "notes.md"
    notes.write_text("my notes\n")
    (folder / name).symlink_to("notes.md")
    r = cli_invoke(command, *month, "sessions", "--out", "out", env=ENV, expect=None)
    assert r.exit_code != 0
    assert notes.read_text() == "my notes\n"
    assert (folder / name).is_symlink()
    # the outputs' link stops the run before it writes (a usage error); the record's
    # once the outputs are written (main() prints it as an error line)
    assert "is a link" in r.output + str(r.exception)
    assert not list(folder.glob("*.bak"))


def test_backlog_names_its_copy_when_the_state_then_fails(work, cli_invoke, monkeypatch):
    # BACKLOG.md was copied aside and replaced, then the disk filled up before the state
    # file was written: the run ended on the error alone, without a word of the copy
    (work / "BACKLOG.md").write_text("# Our backlog\n\n- [ ] Ship it\n")
    fsync, synced = safeio.os.fsync, []

    def full_after_two(fd):  # the copy, then the backlog; the state finds the disk full
        if len(synced) == 2:
            raise OSError(28, "No space left on device")
        synced.append(fd)
        fsync(fd)

    monkeypatch.setattr(safeio.os, "fsync", full_after_two)
    r = cli_invoke("backlog", "sessions", env=ENV, expect=None)
    assert isinstance(r.exception, OSError)
    assert "Ship it" in (work / "BACKLOG.md.bak").read_text()
    assert "BACKLOG.md written: " in r.output
    assert "previous file kept as BACKLOG.md.bak" in r.output


def test_report_into_a_folder_it_reads_does_not_read_its_reports_back(work, cli_invoke):
    # --out on the folder read: the second run read 2026-02/report.md as a reflection
    # (dated the day it was generated, with every attempt of the month) and then refused
    # to overwrite an input, for good; other months' reports were counted as sessions
    args = ("sessions", "--out", "sessions", "--quiet")
    cli_invoke("report", "--month", "2026-02", *args, env=ENV)
    cli_invoke("report", "--month", "2026-01", *args, env=ENV)
    r = cli_invoke("report", "--month", "2026-02", "sessions", "--out", "sessions", env=ENV)
    assert "2026-02: 2 session(s)" in r.output
    r = cli_invoke("report", "--month", "2026-03", *args, env=ENV, expect=1)  # the reports' day
    assert "no sessions dated 2026-03" in r.output


def test_analyze_and_report_into_a_folder_they_read_skip_each_others_reports(work, cli_invoke):
    # analyze's report.md and report's 2026-02/report.md in the folder read: each command
    # read the other's as a reflection (dated the day generated, with all its attempts)
    args = ("sessions", "--out", "sessions")
    cli_invoke("report", "--month", "2026-02", *args, "--quiet", env=ENV)
    r = cli_invoke("analyze", *args, env=ENV)
    assert "Read 3 file(s)" in r.output
    r = cli_invoke("report", "--month", "2026-03", *args, env=ENV, expect=1)  # the reports' day
    assert "no sessions dated 2026-03" in r.output


def test_report_removes_what_its_last_run_wrote_and_this_one_does_not(work, cli_invoke):
    # a change no longer measured left its impact charts in the month folder; measured
    # again, they were taken for files of the user's and copied aside with a warning
    args = ("report", "--month", "2026-02", "sessions", "--out", "out")
    chart = work / "out" / "2026-02" / "charts" / "impact-flaky-tests-2026-02-01.svg"
    cli_invoke(*args, "--changed", "flaky-tests=2026-02-01", env=ENV)
    assert chart.is_file()
    r = cli_invoke(*args, env=ENV)
    assert not chart.exists()
    assert "Removed 2 file(s) the last run wrote and this one does not" in r.output
    r = cli_invoke(*args, "--changed", "flaky-tests=2026-02-01", env=ENV)
    assert "copies kept" not in r.stderr
    assert not list(work.rglob("*.bak"))
    chart.write_text("my edit\n")  # edited: the user's now, never removed
    cli_invoke(*args, env=ENV)
    assert chart.read_text() == "my edit\n"


@pytest.mark.parametrize("read", ["sessions", "sessions/beta"], ids=["read", "not-read"])
def test_backlog_refuses_a_reflection_as_its_file(work, cli_invoke, read):
    # --file naming a reflection (a slip of tab completion): it was rewritten as a
    # backlog, items and all, and when under the folders read also left unread
    mine = work / "sessions" / "alpha" / "2026-01-10-db.md"
    before = mine.read_bytes()
    r = cli_invoke("backlog", read, "--file", mine, env=ENV, expect=2)
    assert "is a reflection" in r.output and "nothing written" in r.output
    assert mine.read_bytes() == before
    assert sorted(p.name for p in mine.parent.iterdir()) == [mine.name]


def test_backlog_still_merges_into_a_checklist_of_its_own_in_a_folder_read(work, cli_invoke):
    # the backlog kept beside the reflections (retro backlog . at a repository's root)
    mine = work / "sessions" / "BACKLOG.md"
    mine.write_text("# Our backlog\n\n- [ ] Ship it\n")
    r = cli_invoke("backlog", "sessions", "--file", mine, env=ENV)
    assert "written: 3 added" in r.output
    assert "- [ ] Ship it" in mine.read_text()


def test_report_removes_nothing_an_analysis_left_in_its_month_folder(work, cli_invoke):
    # analyze --out on the month's folder, then report: the run record there was
    # analyze's, and report removed its analysis.json and tables as its own stale files
    cli_invoke("analyze", "sessions", "--out", "out/2026-02", "--export", "csv", env=ENV)
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "out", env=ENV)
    assert (work / "out" / "2026-02" / "analysis.json").is_file()
    assert (work / "out" / "2026-02" / "sessions.csv").is_file()


def test_a_report_left_under_a_folder_read_is_no_reflection_for_the_other_command(work, cli_invoke):
    # --out a subfolder of the sessions, the other command with its own --out: each read
    # the other's report.md as a session dated the day it was generated, holding every
    # attempt it reports (report's deltas then compared with that made-up session)
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "sessions/monthly", env=ENV)
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert "Read 3 file(s)" in r.output
    cli_invoke("analyze", "sessions", "--out", "sessions/reports", "--quiet", env=ENV)
    r = cli_invoke("report", "--month", "2026-03", "sessions", "--out", "out", env=ENV, expect=1)
    assert "no sessions dated 2026-03" in r.output


def test_check_parse_and_impact_read_no_report_a_run_left_under_a_folder_read(work, cli_invoke):
    # after 'retro analyze sessions --out sessions/reports' check found "problems" in the
    # report (16 files, 53 problems on the bundled sessions) and impact counted it as a
    # session dated the day it was generated, holding every attempt it reports
    impact = ("impact", "sessions", "--changed", "skipped-discovery=2026-02-01")
    before = [cli_invoke(*c, expect=None).output for c in (("check", "sessions"), impact)]
    cli_invoke("analyze", "sessions", "--out", "sessions/reports", "--quiet", env=ENV)
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "sessions/m", env=ENV)
    after = [cli_invoke(*c, expect=None).output for c in (("check", "sessions"), impact)]
    assert after == before
    assert "report.md" not in cli_invoke("parse", "sessions", expect=None).output


def test_backlog_refuses_analyzes_report_as_its_file(work, cli_invoke):
    # the report holds every attempt it reports: refused as a reflection would be, also
    # now that a walk no longer reads a report a run left as written
    cli_invoke("analyze", "sessions", "--out", "out", "--quiet", env=ENV)
    report = work / "out" / "report.md"
    before = report.read_bytes()
    r = cli_invoke("backlog", "sessions", "--file", report, env=ENV, expect=2)
    assert "is a reflection" in r.output and report.read_bytes() == before
