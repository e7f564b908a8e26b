"""`retro check`: the lint rules as pure functions, the command through click, and the
hook through pre-commit's `try-repo` (issue 9)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from session_retro.check import (
    Problem,
    action_without_priority,
    check_session,
    time_table_sum,
)
from session_retro.model import ActionItem, Diagnostic, Priority, Session, TimeRow
from session_retro.parse import parse_session

REPO = Path(__file__).resolve().parent.parent

CLEAN = """\
# Session Reflection: Fix CI (20 min)

**Date**: 2026-02-02

### Attempt 1: Retry the job (5 min) ❌

### Attempt 2: Pin the runner image (15 min) ✅

## Action Items

- [ ] (HIGH) Pin images everywhere
- [x] Tell the team
"""

# Every rule fires once, each on a known line.
MESSY = """\
# Session Reflection: Flaky deploy
**Duration**: 20 minutes

### Attempt 1: Retry the deploy ❌

### Attempt 2: Roll back (30 min) ✅

### Attempt 3: Ask around (5 min)

## Time Analysis

| Phase | Time |
|---|---|
| Debugging | 30 min |
| Fixing | 5 min |
| **Total** | 20 min |

## Action Items

- [ ] Add a smoke test
"""
MESSY_LINES = [
    "messy.md:1: no-date: no session date found (add a '**Date**: YYYY-MM-DD' line)",
    "messy.md:2: minutes-exceed-total: attempt minutes sum to 35, more than the stated total 20",
    "messy.md:4: attempt-no-duration: attempt 1 (Retry the deploy) states no duration",
    "messy.md:8: attempt-unknown-outcome: attempt 3 has no clear outcome (add ✅/❌ or a Result line)",
    "messy.md:16: time-table-sum: phases add up to 35 min but the total row says 20 min",
    "messy.md:20: action-no-priority: action item 'Add a smoke test' has no priority (add (HIGH), (MEDIUM) or (LOW))",
]


@pytest.fixture
def files(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("clean.md").write_text(CLEAN, encoding="utf-8")
    Path("messy.md").write_text(MESSY, encoding="utf-8")
    return tmp_path


# ---- rules: pure functions over a Session -----------------------------------------------


@pytest.mark.parametrize(
    ("items", "flagged"),
    [
        # An open item without a priority is flagged on its own line.
        pytest.param([ActionItem("Add a test", None, False, 7)], [7], id="open-no-priority"),
        # A done item needs no priority any more.
        pytest.param([ActionItem("Add a test", None, True, 7)], [], id="done-no-priority"),
        pytest.param(
            [ActionItem("Add a test", Priority.LOW, False, 7)], [], id="open-with-priority"
        ),
    ],
)
def test_action_without_priority(items, flagged):
    s = Session("x.md", action_items=tuple(items))
    assert [d.line for d in action_without_priority(s)] == flagged


@pytest.mark.parametrize(
    ("rows", "flagged"),
    [
        # Phases 30 + 5 against a total row of 20: flagged on the total row.
        pytest.param([(30, False, 3), (5, False, 4), (20, True, 5)], [5], id="do-not-add-up"),
        # Within a minute (rounding in hand-written tables) is fine.
        pytest.param([(30, False, 3), (5.5, False, 4), (35, True, 5)], [], id="rounding"),
        # No total row: nothing to compare with.
        pytest.param([(30, False, 3), (5, False, 4)], [], id="no-total-row"),
    ],
)
def test_time_table_sum(rows, flagged):
    s = Session(
        "x.md", time_analysis=tuple(TimeRow("p", m, None, line, tot) for m, tot, line in rows)
    )
    assert [d.line for d in time_table_sum(s)] == flagged


def test_check_session_passes_parser_warnings_and_sorts_by_line():
    s = Session(
        "x.md",
        warnings=(
            Diagnostic(9, "attempt-no-duration", "b"),
            Diagnostic(None, "no-date", "a"),
        ),
    )
    assert [str(p) for p in check_session(s)] == [
        "x.md:1: no-date: a",  # whole-file findings print as line 1, where editors jump
        "x.md:9: attempt-no-duration: b",
    ]
    assert [p.code for p in check_session(s, ignore=frozenset({"no-date"}))] == [
        "attempt-no-duration"
    ]


def test_unreadable_file_is_one_problem():
    assert check_session(Session("x.md", error="empty file (nothing to parse)")) == [
        Problem("x.md", None, "unreadable", "empty file (nothing to parse)")
    ]


def test_clean_reflection_has_no_problems():
    assert check_session(parse_session(CLEAN, "clean.md")) == []


# ---- the command --------------------------------------------------------------------------


def test_clean_file_exit_0(files, cli_invoke):
    r = cli_invoke("check", "clean.md")
    assert r.stdout == ""
    assert "1 file(s) checked, no problems" in r.stderr


def test_messy_file_lines_and_exit_1(files, cli_invoke):
    r = cli_invoke("check", "clean.md", "messy.md", expect=1)
    assert r.stdout.splitlines() == MESSY_LINES
    assert "6 problem(s) in 1 of 2 file(s)" in r.stderr


def test_lines_match_the_editor_format(files, cli_invoke):
    # file:line: code: message, what vim's default errorformat and pre-commit show.
    import re

    for line in cli_invoke("check", "messy.md", expect=1).stdout.splitlines():
        assert re.fullmatch(r"messy\.md:\d+: [a-z0-9-]+: .+", line), line


def test_json_format_holds_the_same_problems_as_the_lines(files, cli_invoke):
    import json

    r = cli_invoke("check", "clean.md", "messy.md", "--format", "json", expect=1)
    records = json.loads(r.stdout)
    assert [f"{p['file']}:{p['line']}: {p['code']}: {p['message']}" for p in records] == MESSY_LINES
    clean = cli_invoke("check", "clean.md", "--format", "json")
    assert json.loads(clean.stdout) == []


def test_github_format_annotates_each_line_and_escapes_what_would_cut_it(files, cli_invoke):
    r = cli_invoke("check", "messy.md", "--format", "github", expect=1)
    lines = r.stdout.splitlines()
    assert len(lines) == len(MESSY_LINES)
    for line, plain in zip(lines, MESSY_LINES, strict=True):
        file, number, code, message = re.fullmatch(
            r"(.+?):(\d+): ([a-z0-9-]+): (.*)", plain
        ).groups()
        assert line == f"::warning file={file},line={number},title={code}::{message}"
    Path("odd,name: 100%.md").write_text("")
    r = cli_invoke("check", "odd,name: 100%.md", "--format", "github", expect=1)
    assert r.stdout == (
        "::error file=odd%2Cname%3A 100%25.md,line=1,title=unreadable::"
        "empty file (nothing to parse)\n"
    )


def test_folder_and_unreadable_file(files, cli_invoke):
    Path("notes").mkdir()
    Path("notes/empty.md").write_text("")
    Path("notes/ok.md").write_text(CLEAN, encoding="utf-8")
    r = cli_invoke("check", "notes", expect=1)
    assert r.stdout.splitlines() == ["notes/empty.md:1: unreadable: empty file (nothing to parse)"]


def test_ignore_codes(files, cli_invoke):
    r = cli_invoke(
        "check",
        "messy.md",
        "--ignore",
        "no-date,minutes-exceed-total,attempt-no-duration,attempt-unknown-outcome,time-table-sum",
        expect=1,
    )
    assert r.stdout.splitlines() == MESSY_LINES[-1:]
    ignore_all = ",".join(line.split(": ")[1] for line in MESSY_LINES)
    assert cli_invoke("check", "messy.md", "--ignore", ignore_all, "-q").output == ""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check"], id="no-paths"),
        pytest.param(["check", "x.md", "--ignore", "Not A Code"], id="bad-ignore"),
        pytest.param(["check", "x.md", "--max-size", "0"], id="bad-max-size"),
    ],
)
def test_usage_errors_exit_2(cli_invoke, args):
    r = cli_invoke(*args, expect=2)
    assert "Usage" in r.output or "Error" in r.output


def test_missing_file_is_a_problem_not_a_crash(files, cli_invoke):
    r = cli_invoke("check", "nope.md", expect=1)
    assert r.stdout.splitlines() == ["nope.md:1: unreadable: no such file or folder"]


def test_hook_manifest_runs_retro_check():
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    yaml = pytest.importorskip("yaml")  # ships with pre-commit
    (hook,) = yaml.safe_load(text)
    assert hook["id"] == "retro-check"
    assert hook["entry"] == "retro check"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.(md|markdown)$"


# ---- through pre-commit -------------------------------------------------------------------


@pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="needs pre-commit (test extra) and git",
)
@pytest.mark.skipif(
    bool(os.environ.get("RETRO_SKIP_NETWORK_TESTS")),
    reason="RETRO_SKIP_NETWORK_TESTS is set (this test pip-installs from PyPI)",
)
def test_pre_commit_try_repo_NEEDS_NETWORK(tmp_path: Path):
    """NETWORK: pre-commit builds a venv and pip-installs this repository (from its
    committed HEAD plus uncommitted changes) with its dependencies from PyPI; the only
    test that does. Slow the first time (~1-2 min), then pip's cache helps."""

    def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        }
        r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        if check:
            assert r.returncode == 0, r.stdout + r.stderr
        return r

    team = tmp_path / "team"
    team.mkdir()
    run("git", "init", "-q", cwd=team)
    (team / "clean.md").write_text(CLEAN, encoding="utf-8")
    (team / "messy.md").write_text(MESSY, encoding="utf-8")
    run("git", "add", "clean.md", "messy.md", cwd=team)
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "retro-check"]

    ok = run(*pre_commit, "--files", "clean.md", cwd=team, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout

    bad = run(*pre_commit, "--files", "clean.md", "messy.md", cwd=team, check=False)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    for line in MESSY_LINES:
        assert line in bad.stdout


def test_unknown_ignore_code_is_a_usage_error_naming_the_codes(files, cli_invoke):
    # review nit: `--ignore bogus-code` was accepted and silently ignored nothing
    r = cli_invoke("check", "messy.md", "--ignore", "no-date,bogus-code", expect=2)
    assert "unknown code bogus-code" in r.output
    assert "attempt-no-duration" in r.output and "time-table-sum" in r.output


def test_empty_folder_is_an_input_problem(files, cli_invoke):
    # review nit: exit 0 ("0 file(s) checked") where analyze, report and backlog exit 1
    Path("nothing").mkdir()
    r = cli_invoke("check", "nothing", expect=1)
    assert r.stdout == ""
    assert "error: no reflections to check under nothing" in r.stderr


def _diagnostic_codes() -> set[str]:
    """Every code literal given to `Diagnostic(line, code, message)` in the package."""
    import ast

    found = set()
    for path in (REPO / "src" / "session_retro").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "Diagnostic"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                found.add(node.args[1].value)
    return found


def test_codes_list_every_code_the_source_can_print():
    from session_retro.check import UNREADABLE
    from session_retro.cli_check import CODES

    assert len(_diagnostic_codes()) >= 10  # the scan finds them
    assert set(CODES) == _diagnostic_codes() | {UNREADABLE}


def test_json_format_prints_an_array_even_with_nothing_to_check(files, cli_invoke):
    # `retro check empty --format json | jq` got no JSON at all (a missing path gets a record)
    import json

    Path("nothing").mkdir()
    r = cli_invoke("check", "nothing", "--format", "json", expect=1)
    assert json.loads(r.stdout) == []
    assert "error: no reflections to check under nothing" in r.stderr
