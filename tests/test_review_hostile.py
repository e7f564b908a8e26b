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
