"""When did a protocol change land: git log parsing, backlog ticks, changes files (issue 10)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from session_retro.classify import load_taxonomy
from session_retro.impact import Change, Target, targets_for
from session_retro.protocol_history import (
    LOG_FORMAT,
    AddedLine,
    TickedItem,
    backlog_state_path,
    changes_from_backlog,
    changes_from_log,
    default_changes_files,
    gather_changes,
    parse_backlog_state,
    parse_git_log,
    read_git_log,
)

TAX = load_taxonomy()
TARGETS = targets_for(TAX)
SD_LINE = TAX.get("skipped-discovery").protocol_change
FLAKY_LINE = TAX.get("flaky-tests").protocol_change
MARK = LOG_FORMAT.removeprefix("--format=").split("%")[0]

LOG = f"""{MARK}bbbbbbbbbb 2026-06-20T18:00:00+02:00

diff --git a/CLAUDE.md b/CLAUDE.md
--- a/CLAUDE.md
+++ b/CLAUDE.md
@@ -3,0 +4,2 @@
+- {FLAKY_LINE}
++++ a line that starts with pluses
{MARK}aaaaaaaaaa 2026-06-01T09:00:00+00:00

diff --git a/CLAUDE.md b/CLAUDE.md
new file mode 100644
--- /dev/null
+++ b/CLAUDE.md
@@ -0,0 +1,3 @@
+# Protocol
+
+- {SD_LINE}
"""


def test_parse_git_log_oldest_first_without_file_headers():
    added = parse_git_log(LOG)
    assert [(a.sha[:1], a.date, a.text) for a in added] == [
        ("a", date(2026, 6, 1), "# Protocol"),
        ("a", date(2026, 6, 1), ""),
        ("a", date(2026, 6, 1), f"- {SD_LINE}"),
        ("b", date(2026, 6, 20), f"- {FLAKY_LINE}"),
        ("b", date(2026, 6, 20), "+++ a line that starts with pluses"),
    ]


def test_first_matching_line_per_category_wins():
    added = list(parse_git_log(LOG)) + [
        # a later rewording of the same instruction is the same change
        AddedLine("cccccccccc", date(2026, 7, 1), "- " + SD_LINE.replace("and say", "and then say"))
    ]
    changes = changes_from_log(added, TARGETS, name="CLAUDE.md")
    assert [(c.category, c.date, c.where) for c in changes] == [
        ("skipped-discovery", date(2026, 6, 1), "CLAUDE.md@aaaaaaa"),
        ("flaky-tests", date(2026, 6, 20), "CLAUDE.md@bbbbbbb"),
    ]
    assert changes[0].text == SD_LINE and changes[0].source == "git"


def test_short_or_unrelated_lines_match_nothing():
    added = [
        AddedLine("d" * 10, date(2026, 6, 1), "- Run the tests"),
        AddedLine("d" * 10, date(2026, 6, 1), "- Search the repository"),
        AddedLine(
            "d" * 10, date(2026, 6, 1), "Be kind to reviewers and write short commit messages."
        ),
    ]
    assert changes_from_log(added, TARGETS, name="CLAUDE.md") == ()


def test_a_recommendation_for_two_categories_dates_both():
    targets = (
        Target(
            "skipped-discovery",
            "Read the runbook of each system before touching it",
            "recommendation",
        ),
        Target(
            "access-blocked", "Read the runbook of each system before touching it", "recommendation"
        ),
    )
    added = [
        AddedLine(
            "e" * 10, date(2026, 6, 2), "* Read the runbook of each system before touching it."
        )
    ]
    assert [c.category for c in changes_from_log(added, targets, name="AGENTS.md")] == [
        "skipped-discovery",
        "access-blocked",
    ]


# The format `retro backlog` writes (src/session_retro/backlog/state.py, issue 7).
STATE = {
    "items": {
        "5d41402abc": {
            "text": FLAKY_LINE,
            "priority": "high",
            "first_seen": "2026-05-01",
            "ticked": "2026-06-03",
        },
        "7a1b2c3d4e": {"text": "Add a lock timeout to the pipeline", "ticked": "2026-06-04"},
        "9f9f9f9f9f": {"text": SD_LINE, "first_seen": "2026-05-01"},
        "1111111111": {"text": "Anything", "ticked": "June"},
        "2222222222": {
            "title": "Fix exporter",
            "ticked": "2026-06-05T10:00:00Z",
            "category": "tool-failure",
        },
    },
    "version": 1,
}


def test_parse_backlog_state_reads_ticked_items():
    ticked, problems = parse_backlog_state(json.dumps(STATE), ".BACKLOG.md.retro.json")
    assert ticked == (
        TickedItem(FLAKY_LINE, date(2026, 6, 3), None, "5d41402abc"),
        TickedItem("Add a lock timeout to the pipeline", date(2026, 6, 4), None, "7a1b2c3d4e"),
        TickedItem("Fix exporter", date(2026, 6, 5), "tool-failure", "2222222222"),
    )
    assert problems == (
        ".BACKLOG.md.retro.json: item 1111111111: 'June' is not a day; write it as YYYY-MM-DD, e.g. 2026-10-01",
    )
    changes = changes_from_backlog(ticked, TARGETS, source="s.json")
    assert [(c.category, c.date, c.source) for c in changes] == [
        ("flaky-tests", date(2026, 6, 3), "backlog"),
        ("tool-failure", date(2026, 6, 5), "backlog"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{not json", id="broken-json"),
        pytest.param('{"items": 5}', id="items-not-a-collection"),
        pytest.param('[{"text": "x"}]', id="list-without-ticks"),
    ],
)
def test_parse_backlog_state_never_raises(text):
    ticked, problems = parse_backlog_state(text, "s.json")
    assert ticked == ()
    assert all(p.startswith("s.json: ") for p in problems)


def test_backlog_state_path_is_beside_the_backlog():
    assert backlog_state_path("team/BACKLOG.md") == Path("team/.BACKLOG.md.retro.json")


def test_gather_changes_from_every_source(tmp_path):
    (tmp_path / "sessions").mkdir()
    changes_file = tmp_path / "sessions" / "protocol-changes.toml"
    changes_file.write_text(
        '[[change]]\ncategory = "scope-creep"\ndate = 2026-06-07\n', encoding="utf-8"
    )
    (tmp_path / ".BACKLOG.md.retro.json").write_text(json.dumps(STATE), encoding="utf-8")
    assert default_changes_files([tmp_path / "sessions"]) == (changes_file,)
    assert default_changes_files([tmp_path]) == ()
    explicit = Change("retry-loop", date(2026, 6, 8), "--changed")
    changes, problems = gather_changes(
        targets=TARGETS,
        changed=[explicit],
        changes_files=default_changes_files([tmp_path / "sessions"]),
        backlog=tmp_path / "BACKLOG.md",
    )
    assert [(c.category, c.source) for c in changes] == [
        ("retry-loop", "--changed"),
        ("scope-creep", "changes file"),
        ("flaky-tests", "backlog"),
        ("tool-failure", "backlog"),
    ]
    assert changes[1].where == f"{changes_file}:1"
    assert len(problems) == 1  # the item ticked "June"


def test_protocol_outside_git_is_a_problem_not_a_crash(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    f = tmp_path / "CLAUDE.md"
    f.write_text("# Protocol\n", encoding="utf-8")
    log, why = read_git_log(f)
    if log is not None:  # tmp_path inside some repository: nothing committed for this file
        assert parse_git_log(log) == ()
        return
    assert "no git history" in why and "--changed" in why
    changes, problems = gather_changes(targets=TARGETS, protocol=str(f))
    assert changes == () and problems[0].startswith(f"{f}: no git history")


def test_read_git_log_of_a_real_repository(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    f = tmp_path / "CLAUDE.md"
    for stamp, text in (
        ("2026-06-01T09:00:00+00:00", f"# Protocol\n\n- {SD_LINE}\n"),
        ("2026-06-20T23:30:00-05:00", f"# Protocol\n\n- {SD_LINE}\n- {FLAKY_LINE}\n"),
    ):
        f.write_text(text, encoding="utf-8")
        env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        subprocess.run([*git, "add", "CLAUDE.md"], cwd=tmp_path, check=True)
        subprocess.run(
            [*git, "commit", "-q", "-m", "protocol"],
            cwd=tmp_path,
            check=True,
            env={**_env(), **env},
        )
    log, why = read_git_log(f)
    assert why is None
    changes = changes_from_log(parse_git_log(log), TARGETS, name="CLAUDE.md")
    # the committer's own day: 23:30 at UTC-5 is still 2026-06-20 there
    assert [(c.category, c.date) for c in changes] == [
        ("skipped-discovery", date(2026, 6, 1)),
        ("flaky-tests", date(2026, 6, 20)),
    ]


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
