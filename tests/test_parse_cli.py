"""`retro parse` through click, plus the CLI-wide promises: help everywhere, every
command documented in the README, `python -m session_retro` works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from session_retro.cli import cli

REPO = Path(__file__).resolve().parent.parent

DOC = """# Session Reflection: Fix CI (20 min)

**Date**: 2026-02-02

### Attempt 1: Retry the job (5 min) ❌

Still red.

### Attempt 2: Pin the runner image (15 min) ✅

Green.

## Action Items

- [ ] (HIGH) Pin images everywhere
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of reflections, nested, with files parse must skip."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "one.md").write_text(DOC)
    (tmp_path / "a" / "deep" / "two.markdown").write_text(DOC.replace("Fix CI", "Fix docs"))
    (tmp_path / "three.txt").write_text(DOC.replace("Fix CI", "Fix lint"))
    (tmp_path / "notes.rst").write_text(DOC)  # not a reflection suffix
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "four.md").write_text(DOC)
    return tmp_path


def test_json_single_file(cli_invoke, tmp_path: Path):
    f = tmp_path / "one.md"
    f.write_text(DOC)
    result = cli_invoke("parse", f)
    records = json.loads(result.output)
    assert len(records) == 1
    rec = records[0]
    assert rec["source"] == str(f)  # the path as given
    assert rec["title"] == "Fix CI"
    assert [a["outcome"] for a in rec["attempts"]] == ["failed", "succeeded"]
    assert rec["action_items"][0]["priority"] == "high"
    assert "error" not in rec


def test_json_is_the_default_and_an_array(cli_invoke, tmp_path: Path):
    f = tmp_path / "one.md"
    f.write_text(DOC)
    assert json.loads(cli_invoke("parse", f, "--format", "json").output) == json.loads(
        cli_invoke("parse", f).output
    )


def test_folder_is_searched_recursively(cli_invoke, tree: Path):
    records = json.loads(cli_invoke("parse", tree).output)
    names = sorted(Path(r["source"]).name for r in records)
    # .md, .markdown and .txt at any depth; other suffixes and hidden folders skipped.
    assert names == ["one.md", "three.txt", "two.markdown"]
    assert {r["title"] for r in records} == {"Fix CI", "Fix docs", "Fix lint"}


def test_jsonl_one_record_a_line(cli_invoke, tree: Path):
    lines = cli_invoke("parse", tree, "--format", "jsonl").output.splitlines()
    assert len(lines) == 3
    assert all(json.loads(line)["attempts"] for line in lines)


def test_table_is_readable(cli_invoke, tree: Path):
    # rich sizes the table to the terminal; give it room so cells are not folded.
    out = cli_invoke("parse", tree, "--format", "table", env={"COLUMNS": "200"}).output
    for title in ("Fix CI", "Fix docs", "Fix lint"):
        assert title in out
    assert "3 reflection(s)" in out
    assert not out.lstrip().startswith("[")  # not JSON


def test_table_prints_titles_and_names_as_written_not_as_markup(cli_invoke, tmp_path: Path):
    # a title holding "[/red]" was read as rich markup and raised MarkupError
    (tmp_path / "[bold]notes.md").write_text(
        "# Fix [/red] the [b]build\n\n### Attempt 1: x (5 min) ❌\n"
    )
    (tmp_path / "[red]bin.md").write_bytes(b"\0\1\2\3")
    out = cli_invoke(
        "parse", tmp_path, "--format", "table", env={"COLUMNS": "250"}, expect=1
    ).output
    assert "Fix [/red] the [b]build" in out
    assert "[bold]notes.md" in out and "[red]bin.md" in out


def test_missing_path_gives_error_record_and_exit_1(cli_invoke, tmp_path: Path):
    good = tmp_path / "one.md"
    good.write_text(DOC)
    missing = tmp_path / "nope.md"
    result = cli_invoke("parse", good, missing, expect=1)
    records = json.loads(result.stdout)
    by_name = {Path(r["source"]).name: r for r in records}
    assert by_name["nope.md"]["error"]
    assert "error" not in by_name["one.md"]  # the run went on
    assert "nope.md" in result.stderr


@pytest.mark.skipif(
    sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="root (and Windows) can read a chmod 000 file",
)
def test_unreadable_file_gives_error_record(cli_invoke, tmp_path: Path):
    f = tmp_path / "locked.md"
    f.write_text(DOC)
    f.chmod(0)
    try:
        result = cli_invoke("parse", f, expect=1)
    finally:
        f.chmod(0o644)
    rec = json.loads(result.stdout)[0]
    assert "permission" in rec["error"]


def test_unreadable_file_even_as_root(cli_invoke, tmp_path: Path, monkeypatch):
    # chmod 000 cannot stop root (CI containers); make the read itself fail instead.
    from session_retro import load

    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("one.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(load.os, "open", denied)  # read_capped opens with os.open
    good = tmp_path / "one.md"
    good.write_text(DOC)
    rec = json.loads(cli_invoke("parse", good, expect=1).stdout)[0]
    assert "permission" in rec["error"]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary", id="binary-file"),
        pytest.param(b"", "empty", id="empty-file"),
    ],
)
def test_unparseable_file_gives_error_record(cli_invoke, tmp_path: Path, data, needle):
    f = tmp_path / "bad.md"
    f.write_bytes(data)
    rec = json.loads(cli_invoke("parse", f, expect=1).stdout)[0]
    assert needle in rec["error"]


def test_too_large_file_gives_error_record(cli_invoke, tmp_path: Path):
    f = tmp_path / "big.md"
    f.write_bytes(b"# x\n" + b"a" * (1024 * 1024 + 10))
    rec = json.loads(cli_invoke("parse", f, "--max-size", "1", expect=1).stdout)[0]
    assert "--max-size" in rec["error"]  # the message says how to fix it


def test_folder_passed_as_file_is_walked(cli_invoke, tmp_path: Path):
    (tmp_path / "empty-folder").mkdir()
    assert json.loads(cli_invoke("parse", tmp_path / "empty-folder").output) == []


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["parse", "x.md", "--format", "xml"], id="bad-format"),
        pytest.param(["parse"], id="no-paths"),
        pytest.param(["parse", "x.md", "--max-size", "0"], id="bad-max-size"),
        pytest.param(["parse", "x.md", "--no-such-option"], id="unknown-option"),
        pytest.param(["no-such-command"], id="unknown-command"),
    ],
)
def test_usage_errors_exit_2(cli_invoke, args):
    result = cli_invoke(*args, expect=2)
    assert "Usage" in result.output or "Error" in result.output


def test_python_m_session_retro_help():
    run = subprocess.run(
        [sys.executable, "-m", "session_retro", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "parse" in run.stdout


def test_version(cli_invoke):
    assert "retro" in cli_invoke("--version").output


# ---- help and docs, for every registered command ----------------------------------------


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full + " ")
    return out


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help(cli_invoke, name, cmd):
    assert (cmd.help or "").strip(), f"`retro {name}` has no help text"
    out = cli_invoke(*name.split(), "--help").output
    assert "Usage:" in out
    assert "Example" in out, f"`retro {name} --help` shows no example"


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_has_help(name, cmd):
    # review nits: `impact --format` and `parse --format` showed no help text
    bare = [p.opts for p in cmd.params if isinstance(p, click.Option) and not p.help]
    assert bare == [], f"`retro {name}` options without help: {bare}"


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_is_documented_in_readme(name, cmd):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"\bretro {re.escape(name)}\b", readme), (
        f"README.md does not mention `retro {name}`: document it"
    )
