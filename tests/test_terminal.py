"""Control codes in file names and reflections never reach a terminal as codes."""

from __future__ import annotations

import io
import shutil
import sys

import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from session_retro import terminal
from session_retro.cli import main


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_escape_sequences_are_shown_not_obeyed():
    title = "fix\x1b]0;owned\x07 build\x1b[2J\rdone\x9b"
    assert terminal.escape_controls(title) == "fix\\x1b]0;owned\\x07 build\\x1b[2J\\x0ddone\\x9b"
    assert terminal.escape_controls("a\tb\nc") == "a\tb\nc"


@given(st.text())
def test_escaped_text_holds_no_control_but_newline_and_tab(text):
    out = terminal.escape_controls(text)
    assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in out)
    assert terminal.escape_controls(out) == out  # shown once, never twice


def test_a_terminal_gets_the_filter_and_a_pipe_does_not(monkeypatch, tmp_path):
    # a reflection whose name holds an escape sequence, read by `retro parse`
    bad = tmp_path / "x\x1b[2Jy.md"
    bad.write_bytes(b"")
    for tty in (True, False):
        out, err = (_Tty(), _Tty()) if tty else (io.StringIO(), io.StringIO())
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        monkeypatch.setattr(sys, "argv", ["retro", "parse", str(bad)])
        with pytest.raises(SystemExit):
            main()
        printed = out.getvalue() + err.getvalue()
        if tty:
            assert "\x1b" not in printed and "x\\x1b[2Jy.md" in printed
            assert terminal.unfiltered(sys.stdout) is out
        else:  # a pipe: JSON escapes the name itself (click strips ANSI codes on stderr)
            assert "x\\u001b[2Jy.md" in out.getvalue() and "\\x1b" not in printed


def test_check_prints_one_line_per_problem_whatever_the_file_is_called(cli_invoke, tmp_path):
    (tmp_path / "two\nlines.md").write_bytes(b"")
    r = cli_invoke("check", tmp_path, "--quiet", expect=1)
    assert r.stdout.splitlines() == [
        f"{tmp_path}/two\\x0alines.md:1: unreadable: empty file (nothing to parse)"
    ]


def _run_on_a_terminal(monkeypatch, *args: str) -> str:
    out, err = _Tty(), _Tty()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "argv", ["retro", *args])
    with pytest.raises(SystemExit):
        main()
    return out.getvalue() + err.getvalue()


def test_rich_tables_show_escape_sequences_not_obey_them(monkeypatch, tmp_path):
    # rich writes behind the filter and passes ESC on: a name or title cleared the screen
    bad = tmp_path / "x\x1b[2Jy.md"
    bad.write_text("# fix \x1b]0;owned\x1b[2J build\n\n**Date**: 2026-01-10\n")
    printed = _run_on_a_terminal(monkeypatch, "parse", str(bad), "--format", "table")
    assert "\x1b[2J" not in printed and "\x1b]" not in printed
    assert "\\x1b" in printed  # the narrow columns fold the rest
    assert "\x1b[" in printed, "rich's own colours still reach the terminal"


def test_impact_notes_show_escape_sequences_not_obey_them(monkeypatch, tmp_path):
    sessions = tmp_path / "sessions"
    shutil.copytree(REPO / "sessions", sessions)
    changes = sessions / "protocol-changes.toml"
    text = changes.read_text().replace('text = "', 'text = "\\u001b]0;owned\\u001b[2J', 1)
    changes.write_text(text)
    printed = _run_on_a_terminal(monkeypatch, "impact", str(sessions))
    assert "\\x1b]0;owned\\x1b[2J" in printed
    assert "\x1b[2J" not in printed and "\x1b]" not in printed
