"""`retro analyze` run twice (issue 8): an unchanged re-run writes nothing; a changed
reflection, option, template or output file, or --force, runs the whole analysis."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from retro_samples import write_samples

from session_retro import rerun

EPOCH = str(int(datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timestamp()))
ENV = {"SOURCE_DATE_EPOCH": EPOCH}
SKIPPED = "nothing changed since the last run (2026-03-01 09:30 UTC); report is up to date"
OLD_NS = 1_700_000_000 * 10**9  # long ago: mtimes are trusted, not "too fresh"


@pytest.fixture
def work(tmp_path, monkeypatch):
    write_samples(tmp_path)
    monkeypatch.chdir(tmp_path)
    for f in (tmp_path / "sessions").rglob("*.md"):
        os.utime(f, ns=(OLD_NS, OLD_NS))
    return tmp_path


def snapshot(out: Path) -> dict[str, tuple[int, bytes]]:
    """Every file in `out` (the run record and the cache too) with its mtime and bytes."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def age(out: Path) -> None:
    """Move every output's mtime back, so a rewrite shows even within one clock tick."""
    for p in out.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(OLD_NS, OLD_NS))


def first_run(cli_invoke, *extra: str) -> Path:
    cli_invoke("analyze", "sessions", "--out", "out", *extra, env=ENV)
    out = Path("out")
    age(out)
    return out


def test_unchanged_rerun_writes_nothing_and_says_so(work, cli_invoke):
    out = first_run(cli_invoke)
    before = snapshot(out)
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert SKIPPED in r.output
    assert "Read 3 file(s)" not in r.output  # no analysis ran
    assert snapshot(out) == before  # no file rewritten, no new history entry
    assert sorted(p.name for p in (out / "history").iterdir()) == ["2026-03-01.json"]


def test_quiet_skip_prints_nothing(work, cli_invoke):
    first_run(cli_invoke)
    assert cli_invoke("analyze", "sessions", "--out", "out", "-q", env=ENV).output == ""


def test_touched_but_unchanged_reflection_still_skips(work, cli_invoke):
    out = first_run(cli_invoke)
    before = snapshot(out)
    f = work / "sessions" / "alpha" / "2026-01-10-db.md"
    os.utime(f, ns=(OLD_NS + 10**9, OLD_NS + 10**9))  # same bytes: the content hash decides
    assert SKIPPED in cli_invoke("analyze", "sessions", "--out", "out", env=ENV).output
    assert snapshot(out) == before


def assert_full_run(out: Path, cli_invoke, *args: str) -> None:
    r = cli_invoke("analyze", "sessions", "--out", "out", *args, env=ENV)
    assert "nothing changed" not in r.output
    assert "Read 3 file(s)" in r.output
    assert (out / "index.html").stat().st_mtime_ns != OLD_NS  # rewritten
    assert (out / "history" / "2026-03-01-2.json").is_file()  # and logged


def test_edited_reflection_runs_again(work, cli_invoke):
    out = first_run(cli_invoke)
    f = work / "sessions" / "alpha" / "2026-01-10-db.md"
    # same size, same mtime: only the content hash can tell (the mtime is trusted, so
    # change it too, as any editor does)
    f.write_bytes(f.read_bytes().replace(b"a", b"b", 1))
    os.utime(f, ns=(OLD_NS + 10**9, OLD_NS + 10**9))
    assert_full_run(out, cli_invoke)


def test_new_and_deleted_reflections_run_again(work, cli_invoke):
    first_run(cli_invoke)
    (work / "sessions" / "gamma").rename(work / "gone")
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert "Read 2 file(s)" in r.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--top", "3"), id="another --top changes the report"),
        pytest.param(("--since", "2026-01-01"), id="a filter"),
        pytest.param(("--export", "csv"), id="more files to write"),
        pytest.param(("--force",), id="--force reruns whatever changed"),
    ],
)
def test_changed_option_runs_again(work, cli_invoke, args):
    out = first_run(cli_invoke)
    assert_full_run(out, cli_invoke, *args)


def test_changed_taxonomy_file_runs_again(work, cli_invoke):
    import session_retro

    tax = work / "tax.toml"
    tax.write_bytes((Path(session_retro.__file__).parent / "taxonomy.toml").read_bytes())
    out = first_run(cli_invoke, "--taxonomy", "tax.toml")
    tax.write_bytes(tax.read_bytes() + b"\n# edited\n")
    assert_full_run(out, cli_invoke, "--taxonomy", "tax.toml")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("index.html", id="a deleted output"),
        pytest.param("report.md", id="an edited output"),
    ],
)
def test_missing_or_edited_output_runs_again(work, cli_invoke, name):
    out = first_run(cli_invoke)
    if name == "index.html":
        (out / name).unlink()
    else:
        (out / name).write_text("my notes")
    assert_full_run(out, cli_invoke)
    assert (out / name).read_text() != "my notes"


def test_input_problems_are_repeated_with_the_same_exit_code(work, cli_invoke):
    (work / "sessions" / "empty.md").write_bytes(b"")
    os.utime(work / "sessions" / "empty.md", ns=(OLD_NS, OLD_NS))
    first = cli_invoke("analyze", "sessions", "--out", "out", env=ENV, expect=1)
    again = cli_invoke("analyze", "sessions", "--out", "out", env=ENV, expect=1)
    assert SKIPPED in again.output
    line = next(x for x in first.output.splitlines() if "empty.md: error" in x)
    assert line in again.output


def test_damaged_run_record_means_a_full_run(work, cli_invoke):
    out = first_run(cli_invoke)
    (out / rerun.RUN_NAME).write_text("{not json")
    assert_full_run(out, cli_invoke)
    assert json.loads((out / rerun.RUN_NAME).read_text())["version"] == rerun.RUN_VERSION


def test_fresh_files_are_compared_by_content(tmp_path):
    # written just now: the mtime is not trusted (stored as 0), the hash decides
    from session_retro.collect import collect_sessions

    f = tmp_path / "a.md"
    f.write_text("x")
    since = time.time_ns()
    read: dict = {}
    collect_sessions([str(f)], jobs=1, keys=read)
    (key,) = rerun.input_keys([(str(f), None)], read=read, since=since)
    assert key.mtime_ns == 0 and key.digest
    assert rerun._same_input(key, str(f), None)
    f.write_text("y")
    assert not rerun._same_input(key, str(f), None)


def test_a_new_changes_file_beside_the_sessions_runs_again(work, cli_invoke):
    # protocol-changes.toml is read from the folders given: it is an input too
    first_run(cli_invoke)
    (work / "sessions" / "protocol-changes.toml").write_text("# no changes yet\n")
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV, expect=None)
    assert "nothing changed" not in r.output
    assert (work / "out" / "index.html").stat().st_mtime_ns != OLD_NS
