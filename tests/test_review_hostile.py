"""Defects found by a hostile-input review of the CLI, one test each.

Each test runs the real command through CliRunner on a tiny set of reflections
(`retro_samples.write_samples`) and asserts the house rules: a clear usage error
naming the bad value (exit 2) instead of a hang, a silent wrong answer or a file of
the user's overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from retro_samples import write_samples


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_samples(tmp_path)


@contextlib.contextmanager
def _fifo(path: Path) -> Iterator[Path]:
    """A named pipe at `path`. A helper thread opens its writing end and closes it as
    soon as anything opens it for reading, so a command that does read it sees an
    empty file instead of waiting forever (the test then fails on its assertions,
    not by hanging)."""
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        while not done.is_set():
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:  # ENXIO: nobody reading yet
                if exc.errno != errno.ENXIO:
                    return
            done.wait(0.05)

    helper = threading.Thread(target=unblock, daemon=True)
    helper.start()
    try:
        yield path
    finally:
        done.set()
        helper.join()


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "sessions", "--out", "rep", "--taxonomy", "pipe.toml"),
        ("impact", "sessions", "--changes", "pipe.toml"),
        ("analyze", "sessions", "--out", "rep", "--changes", "pipe.toml"),
        ("backlog", "sessions", "--file", "pipe.toml"),
    ],
    ids=["analyze-taxonomy", "impact-changes", "analyze-changes", "backlog-file"],
)
def test_a_pipe_given_as_an_option_file_is_a_usage_error(sessions, cli_invoke, args):
    """A pipe with no writer made the command wait forever (issue 5)."""
    with _fifo(Path("pipe.toml")):
        result = cli_invoke(*args, expect=2)
    assert "pipe.toml is not a regular file" in result.output
    assert not Path("rep").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "sessions", "--out", "rep"),
        ("report", "--month", "2026-01", "sessions", "--out", "rep"),
        ("backlog", "sessions", "--file", "B.md"),
    ],
    ids=["analyze", "report", "backlog"],
)
def test_a_nan_merge_threshold_is_a_usage_error(sessions, cli_invoke, args):
    """`--merge-threshold nan` passed the 0-100 range check (every comparison with NaN
    is false) and silently merged nothing (issue 7)."""
    result = cli_invoke(*args, "--merge-threshold", "nan", expect=2)
    assert "--merge-threshold" in result.output
    assert not Path("rep").exists() and not Path("B.md").exists()


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("category = [1, 2]\n", "category 1 has no id"),
        ('fields = 3\n[[category]]\nid = "x"\n', "fields must be a [fields] table"),
        ('[fields]\nroot_cause = nan\n[[category]]\nid = "x"\n', "root_cause = nan"),
        ('[fields]\napproach = -1\n[[category]]\nid = "x"\n', "approach = -1"),
        ('[[category]]\nid = "x"\nkeywords = "abc"\n', "keywords must be a list of strings"),
        ('[[category]]\nid = "x"\nkeywords = [1]\n', "keywords must be a list of strings"),
        ('[[category]]\nid = "x"\nregexes = [1]\n', "regexes must be a list of strings"),
        ('[[category]]\nid = "x"\nregexes = ["x*"]\n', "regex 'x*' matches the empty text"),
        ('[[category]]\nid = "x"\nlabel = 5\n', "label must be a string"),
    ],
)
def test_a_taxonomy_of_the_wrong_shape_is_a_usage_error(sessions, cli_invoke, toml, says):
    """A table where a list was expected (or the reverse) raised a traceback; a bare
    string of keywords was read letter by letter, a NaN weight made every score NaN and
    an empty-matching regex put every wasted attempt in its category (issue 5)."""
    Path("tax.toml").write_text(toml, encoding="utf-8")
    result = cli_invoke("analyze", "sessions", "--out", "rep", "--taxonomy", "tax.toml", expect=2)
    assert "--taxonomy: tax.toml: " in result.output and says in result.output
    assert not Path("rep").exists()


def test_ctrl_c_exits_130_not_the_input_problem_code(sessions, monkeypatch, capsys):
    """Click's standalone mode answered Ctrl-C with "Aborted!" and exit 1, the code of a
    problem in the inputs; `main` meant 130 but never saw the interrupt (issue 5)."""
    import session_retro.cli as cli_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "collect_sessions", interrupted)
    monkeypatch.setattr("sys.argv", ["retro", "parse", "sessions"])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 130
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["--help"], 0), (["--version"], 0), (["nope"], 2), (["parse"], 2), (["parse", "gone.md"], 1)],
)
def test_main_keeps_the_exit_codes(sessions, monkeypatch, argv, code):
    import session_retro.cli as cli_module

    monkeypatch.setattr("sys.argv", ["retro", *argv])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == code


@pytest.mark.parametrize(
    "paths",
    [("sessions", "sessions"), ("sessions", "sessions/alpha"), ("sessions", "./sessions/")],
    ids=["twice", "folder-and-subfolder", "spelt-twice"],
)
def test_a_reflection_reached_twice_is_counted_once(sessions, cli_invoke, paths):
    """`retro analyze sessions/ sessions/alpha/` counted alpha's session twice (its
    minutes and waste too), `retro check` printed its problems twice and `retro
    backlog` listed each of its sources twice (issue 4)."""
    once = cli_invoke("analyze", "sessions", "--out", "one", "--export", "json")
    again = cli_invoke("analyze", *paths, "--out", "two", "--export", "json")
    assert once.output.splitlines()[0] == again.output.splitlines()[0]  # Read 3 file(s): ...
    assert Path("one/sessions.json").read_bytes() == Path("two/sessions.json").read_bytes()
    records = json.loads(cli_invoke("parse", *paths).output)
    assert len(records) == len({r["source"] for r in records}) == 3
    check = cli_invoke("check", *paths, expect=None)
    assert check.exit_code == cli_invoke("check", "sessions", expect=None).exit_code
    lines = [ln for ln in check.output.splitlines() if ": " in ln and ln.startswith(paths[0])]
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_a_cache_option_naming_a_file_that_is_no_database_is_refused(sessions, cli_invoke, command):
    """`--cache sessions/alpha/2026-01-10-db.md` moved the reflection aside as
    `.corrupt-*` and put an SQLite database in its place (issue 8)."""
    mine = sessions / "alpha" / "2026-01-10-db.md"
    before = mine.read_bytes()
    month = ("--month", "2026-01") if command == "report" else ()
    result = cli_invoke(command, *month, "sessions", "--out", "rep", "--cache", mine, expect=2)
    assert "is not an SQLite file" in result.output
    assert mine.read_bytes() == before
    assert list(mine.parent.iterdir()) == [mine]


def test_backlog_dry_run_shows_the_rewrite_of_mixed_line_endings(sessions, cli_invoke):
    """A hand edit that left some lines CRLF and others LF: --dry-run showed no diff,
    then the real run rewrote the whole file (issue 7)."""
    cli_invoke("backlog", "sessions")
    lines = Path("BACKLOG.md").read_bytes().split(b"\n")
    mixed = b"\r\n".join(lines[:3]) + b"\n" + b"\n".join(lines[3:])
    Path("BACKLOG.md").write_bytes(mixed)
    dry = cli_invoke("backlog", "sessions", "--dry-run")
    assert "\n@@ " in dry.output and Path("BACKLOG.md").read_bytes() == mixed
    real = cli_invoke("backlog", "sessions")
    assert "BACKLOG.md written" in real.output
    assert Path("BACKLOG.md.bak").read_bytes() == mixed


BAD_NAME = os.fsdecode(b"bad\xff")  # a name that is not UTF-8, as Python hands it over


@pytest.mark.parametrize("option", ["--taxonomy", "--changes"])
def test_an_option_file_whose_name_is_not_utf8_is_read(sessions, cli_invoke, option):
    """Its name went into the run's fingerprint (and the taxonomy's into analysis.json)
    as a str that cannot be encoded: a UnicodeEncodeError traceback (issue 5)."""
    if option == "--taxonomy":
        from importlib import resources

        text = resources.files("session_retro").joinpath("taxonomy.toml").read_bytes()
    else:
        text = b'[[change]]\ncategory = "flaky-tests"\ndate = "2026-02-01"\n'
    Path(BAD_NAME + ".toml").write_bytes(text)
    result = cli_invoke("analyze", "sessions", "--out", "rep", option, BAD_NAME + ".toml")
    assert "Report: rep/report.md" in result.output
    assert "bad\ufffd.toml" in Path("rep/analysis.json").read_text() or option == "--changes"


def test_a_sessions_folder_whose_name_is_not_utf8_is_reported(sessions, cli_invoke):
    """Its protocol-changes.toml went into the run's fingerprint by a name that cannot
    be encoded: a traceback instead of the message naming the folder (issue 5)."""
    os.rename("sessions", BAD_NAME)
    Path(BAD_NAME, "protocol-changes.toml").write_text("")
    result = cli_invoke("analyze", BAD_NAME, "--out", "rep", expect=1)
    assert "folder name is not valid UTF-8 (b'bad\\xff')" in result.output


def test_a_protocol_in_a_folder_whose_name_is_not_utf8_gets_its_patch(sessions, cli_invoke):
    """git's answer naming the work tree was decoded as strict UTF-8: a
    UnicodeDecodeError traceback instead of the patch (issue 5)."""
    import subprocess

    repo = Path(BAD_NAME)
    repo.mkdir()
    (repo / "CLAUDE.md").write_text("# CLAUDE.md\n\n1. Read STATE.md\n")
    for cmd in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    protocol = repo / "CLAUDE.md"
    cli_invoke("analyze", "sessions", "--out", "rep", "--protocol", protocol, "--quiet")
    assert Path("rep/protocol.patch").read_bytes().startswith(b"--- a/CLAUDE.md\n")
    subprocess.run(
        ["git", "apply", "--check", Path("rep/protocol.patch").resolve()], cwd=repo, check=True
    )


def test_paths_whose_names_are_not_utf8_are_printed_as_their_bytes(
    sessions, monkeypatch, capsysbinary
):
    """With a UTF-8 locale stdout is strict: "Report: <--out>/report.md" for an --out
    whose name is not UTF-8 raised a UnicodeEncodeError traceback after writing (issue 5)."""
    import session_retro.cli as cli_module

    monkeypatch.setattr("sys.argv", ["retro", "analyze", "sessions", "--out", BAD_NAME])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 0
    assert b"Report: bad\xff/report.md\n" in capsysbinary.readouterr().out
    assert Path(BAD_NAME, "report.md").is_file()


def test_a_backlog_that_is_a_link_is_kept_through_the_link(sessions, cli_invoke):
    """BACKLOG.md -> docs/TODO.md: each run read docs/TODO.md but wrote a new
    docs/BACKLOG.md nobody reads and its state where no run looks, so TODO.md never got
    new items and ticks or deletions were never remembered (issue 7)."""
    Path("docs").mkdir()
    cli_invoke("backlog", "sessions", "--file", "docs/TODO.md")
    Path("BACKLOG.md").symlink_to("docs/TODO.md")
    before = Path("docs/TODO.md").read_text()
    cut = "\n".join(ln for ln in before.splitlines() if "retro:" not in ln or "[x]" in ln)
    Path("docs/TODO.md").write_text(cut + "\n")  # every open item deleted by hand
    first = cli_invoke("backlog", "sessions")
    assert "newly deleted" in first.output and " 0 newly deleted" not in first.output
    again = cli_invoke("backlog", "sessions")
    assert "BACKLOG.md unchanged: 0 added" in again.output and " 0 newly deleted" in again.output
    assert Path("BACKLOG.md").is_symlink() and not Path("docs/BACKLOG.md").exists()
    assert Path("docs/TODO.md").read_text() == cut + "\n"


@pytest.mark.parametrize(
    ("argv", "blocked"),
    [
        (["analyze", "sessions", "--out", "rep"], "rep/charts"),
        (["report", "--month", "2026-01", "sessions", "--out", "rep"], "rep/2026-01"),
        (["backlog", "sessions", "--file", "rep/x/BACKLOG.md"], "rep/x"),
    ],
    ids=["analyze", "report", "backlog"],
)
def test_an_output_that_cannot_be_written_is_a_message_not_a_traceback(
    sessions, monkeypatch, capsys, argv, blocked
):
    """A file where an output folder must go (or a read-only --out) raised
    FileExistsError / NotADirectoryError tracebacks (issue 5)."""
    import session_retro.cli as cli_module

    Path(blocked).parent.mkdir(parents=True, exist_ok=True)
    Path(blocked).write_text("mine\n")
    monkeypatch.setattr("sys.argv", ["retro", *argv])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"error: cannot write {Path(blocked).resolve()}" in err and "Traceback" not in err
    assert Path(blocked).read_text() == "mine\n"
