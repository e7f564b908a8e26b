"""What `retro analyze` writes, and where (issue 9, Outputs). Already covered in
tests/test_analyze_cli.py and not repeated here: history files never overwritten, a
user's notes.txt in --out kept, the --protocol file left byte-identical.

Here: an existing output folder is updated in place (every user file, nested or
hidden, byte- and mtime-identical; no temp file left behind), a failed write keeps the
old file, links in --out that lead out of it are refused with a message instead of
followed, `..` names are refused, and --out may itself be a link to a folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from session_retro import safeio
from session_retro.export.tables import write_outputs
from session_retro.safeio import UnsafePath, atomic_write, inside

ENV = {"SOURCE_DATE_EPOCH": "1772357400"}  # 2026-03-01 09:30 UTC


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_existing_output_folder_is_updated_not_wiped(work: Path, cli_invoke):
    out = work / "out"
    user = {
        "notes.txt": b"mine",
        "report.md.orig": b"my edited copy",
        "drafts/slides.md": b"# talk",
        ".keep": b"",
        "history/README": b"what these files are",
    }
    for name, data in user.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    before = _snapshot(out)
    cli_invoke("analyze", "sessions", "--out", "out", "--export", "csv", env=ENV)
    cli_invoke("analyze", "sessions", "--out", "out", "--export", "csv", env=ENV)
    after = _snapshot(out)
    for name in user:
        assert after[name] == before[name], f"{name} was touched"
    # written atomically: no temp file (".NAME.*.tmp") survives, anywhere in --out
    assert [p for p in out.rglob("*.tmp")] == []
    assert {"report.md", "analysis.json", "sessions.csv"} <= set(after)


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("old report")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safeio.os, "fsync", disk_full)
    with pytest.raises(OSError):
        atomic_write(target, "new report")
    assert target.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../evil.txt", id="dot-dot"),
        pytest.param("history/../../evil.txt", id="dot-dot-nested"),
        pytest.param("/tmp/evil.txt", id="absolute"),
    ],
)
def test_names_that_climb_out_are_refused(tmp_path: Path, name: str):
    out = tmp_path / "out"
    with pytest.raises(UnsafePath):
        write_outputs(out, {name: b"x"})
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(UnsafePath):
        inside(out, name)


def test_links_in_out_leading_elsewhere_are_refused_with_a_message(work: Path):
    # A user's (or an attacker's) link in the output folder: report.md pointing at a
    # file outside, history/ at a folder outside. Neither target is written, and the
    # command says why in one line (no traceback).
    out = work / "out"
    out.mkdir()
    victim = work / "victim.txt"
    victim.write_text("precious")
    (work / "elsewhere").mkdir()
    (out / "report.md").symlink_to(victim)
    (out / "history").symlink_to(work / "elsewhere", target_is_directory=True)
    run = subprocess.run(
        [sys.executable, "-m", "session_retro", "analyze", "sessions", "--out", "out", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **ENV},
    )
    assert run.returncode == 1, run.stderr
    assert "error: refusing to write" in run.stderr and "outside" in run.stderr
    assert "Traceback" not in run.stderr
    assert victim.read_text() == "precious"
    assert list((work / "elsewhere").iterdir()) == []
    assert (out / "report.md").is_symlink()  # the user's link itself is left alone


def test_out_may_be_a_link_to_a_folder(work: Path, cli_invoke):
    # --out naming a link to a folder writes into that folder and nowhere else.
    real = work / "real-reports"
    real.mkdir()
    (work / "reports-link").symlink_to(real, target_is_directory=True)
    siblings = sorted(p.name for p in work.iterdir())
    cli_invoke("analyze", "sessions", "--out", "reports-link", env=ENV)
    assert (real / "report.md").is_file()
    assert sorted(p.name for p in work.iterdir()) == siblings


def test_protocol_file_inside_out_is_never_overwritten(work: Path, cli_invoke):
    # A --protocol file that sits in --out under an output's name is an input: the run
    # is refused as a usage error and writes nothing at all.
    out = work / "out"
    out.mkdir()
    mine = out / "protocol.patch"
    mine.write_bytes(b"# My protocol\n\n1. Read STATE.md\n")
    r = cli_invoke("analyze", "sessions", "--out", "out", "--protocol", mine, env=ENV, expect=2)
    assert "is an input of this run" in r.output
    assert mine.read_bytes() == b"# My protocol\n\n1. Read STATE.md\n"
    # Only the parse cache (written while reading) may be there; no report file is, nor
    # the pieces a finished run keeps beside the cache.
    assert sorted(p.name for p in out.iterdir() if p.name != ".retro-cache.sqlite") == [
        "protocol.patch"
    ]


def test_a_reflection_named_like_an_output_is_never_overwritten(tmp_path: Path, cli_invoke):
    # `--out` pointing at the sessions folder, which holds a reflection called report.md.
    folder = tmp_path / "notes"
    folder.mkdir()
    mine = folder / "report.md"
    text = (
        "# Session Reflection: Fix CI\n\n**Date**: 2026-03-01\n\n### Attempt 1: Retry (5 min) ❌\n"
    )
    mine.write_text(text, encoding="utf-8")
    r = cli_invoke("analyze", folder, "--out", folder, expect=2)
    assert "report.md" in r.output and "is an input of this run" in r.output
    assert mine.read_text(encoding="utf-8") == text


def test_written_files_follow_the_umask(tmp_path: Path):
    # mkstemp's 0600 would make reports unreadable to the group (a shared folder, a
    # web server) whatever the umask.
    old = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "report.md", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_replaced_file_keeps_its_mode(tmp_path: Path):
    # A user who made a report private (or executable) keeps that choice on re-runs.
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
