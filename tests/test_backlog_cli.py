"""`retro backlog` end to end: BACKLOG.md written, re-run, edited, mangled; Jira CSV;
`--create` through a fake `gh` that records its arguments; the seed's action items."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from session_retro.backlog.state import BacklogState, dump_state
from session_retro.safeio import UnsafePath

EPOCH = str(int(datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timestamp()))
ENV = {"SOURCE_DATE_EPOCH": EPOCH}
STATE = ".BACKLOG.md.retro.json"

DELTA = """\
# Session Reflection: Release notes

**Date**: 2026-02-25
**Duration**: 20 minutes

## Action Items

- [ ] Document the rds-query tool (HIGH)
- [ ] Automate the release notes (P2)
"""


def add_delta(root: Path) -> None:
    (root / "sessions" / "delta").mkdir()
    (root / "sessions" / "delta" / "2026-02-25-notes.md").write_text(DELTA, encoding="utf-8")


def test_writes_a_grouped_checklist_and_a_second_run_changes_nothing(work, cli_invoke):
    r = cli_invoke("backlog", env=ENV)
    assert "BACKLOG.md written: 3 added" in r.output
    text = (work / "BACKLOG.md").read_text()
    assert (
        "## High priority\n\n- [ ] Document the rds-query tool _(sessions/alpha/2026-01-10-db.md:"
        in text
    )
    assert "- [x] Add the migration to the changelog" in text
    state = json.loads((work / STATE).read_text())
    assert len(state["items"]) == 3
    before = {p: p.read_bytes() for p in (work / "BACKLOG.md", work / STATE)}
    mtime = (work / "BACKLOG.md").stat().st_mtime_ns

    r = cli_invoke("backlog", "sessions", env={"SOURCE_DATE_EPOCH": str(int(EPOCH) + 86400)})
    assert "BACKLOG.md unchanged: 0 added, 3 already there" in r.output
    assert {p: p.read_bytes() for p in before} == before
    assert (work / "BACKLOG.md").stat().st_mtime_ns == mtime
    assert not (work / "BACKLOG.md.bak").exists()


def test_user_edits_survive_a_rerun_that_adds_items(work, cli_invoke):
    cli_invoke("backlog", env=ENV)
    path = work / "BACKLOG.md"
    original = path.read_text()
    lines = original.splitlines()
    i = next(n for n, ln in enumerate(lines) if "Document the rds-query tool" in ln)
    lines[i] = lines[i].replace(
        "- [ ] Document the rds-query tool", "- [x] Write up rds-query in the wiki"
    )
    lines.insert(i + 1, "  Asked Dana for the wiki space.")
    j = next(n for n, ln in enumerate(lines) if "Pin the test order" in ln)
    lines.insert(2, lines.pop(j))  # moved near the top
    del lines[next(n for n, ln in enumerate(lines) if "Add the migration to the changelog" in ln)]
    edited = "\n".join(lines) + "\n"
    path.write_text(edited)

    add_delta(work)  # repeats "Document the rds-query tool" and adds one new item
    r = cli_invoke("backlog", env=ENV)
    assert "1 added, 2 already there, 1 newly deleted" in r.output
    assert "previous file kept as BACKLOG.md.bak" in r.output
    assert (work / "BACKLOG.md.bak").read_text() == edited
    text = path.read_text()
    assert text.splitlines()[2].startswith("- [ ] Pin the test order in CI")
    assert (
        "- [x] Write up rds-query in the wiki _(2 sessions: sessions/alpha/2026-01-10-db.md:"
        in text
    )
    assert "\n  Asked Dana for the wiki space.\n" in text
    assert "Add the migration to the changelog" not in text
    assert "- [ ] Automate the release notes" in text.split("## Medium priority")[1]
    state = json.loads((work / STATE).read_text())["items"]
    by_text = {v["text"]: v for v in state.values()}
    assert by_text["Document the rds-query tool"]["ticked"] == "2026-03-01"
    assert by_text["Add the migration to the changelog"]["deleted"] == "2026-03-01"

    again = path.read_bytes()
    r = cli_invoke("backlog", env=ENV)
    assert "unchanged" in r.output and path.read_bytes() == again


MANGLED = [
    # (why, content, the file:line the message names)
    ("duplicate IDs", "dup", "BACKLOG.md:{second}: ID "),
    ("broken ID comment", "broken", "BACKLOG.md:{first}: broken ID comment"),
    ("binary file", "binary", "BACKLOG.md:3: binary data"),
]


@pytest.mark.parametrize("why,kind,message", MANGLED, ids=[m[0] for m in MANGLED])
def test_mangled_backlog_gives_a_clear_error_and_no_write(work, cli_invoke, why, kind, message):
    cli_invoke("backlog", env=ENV)
    path = work / "BACKLOG.md"
    lines = path.read_text().splitlines()
    items = [n for n, ln in enumerate(lines) if "<!-- retro:" in ln]
    if kind == "dup":
        lines.append(lines[items[0]])
        data = ("\n".join(lines) + "\n").encode()
        where = {"second": len(lines)}
    elif kind == "broken":
        lines[items[0]] = lines[items[0]].replace(" -->", "")
        data = ("\n".join(lines) + "\n").encode()
        where = {"first": items[0] + 1}
    else:
        data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        where = {}
    path.write_bytes(data)
    state = (work / STATE).read_bytes()
    add_delta(work)
    r = cli_invoke("backlog", env=ENV, expect=1)
    assert message.format(**where) in r.output
    assert "nothing written" in r.output
    assert path.read_bytes() == data and (work / STATE).read_bytes() == state
    assert not (work / "BACKLOG.md.bak").exists()


def test_corrupt_state_file_is_an_error_and_nothing_is_written(work, cli_invoke):
    cli_invoke("backlog", env=ENV)
    (work / STATE).write_text('{"items": ')
    before = (work / "BACKLOG.md").read_bytes()
    add_delta(work)
    r = cli_invoke("backlog", env=ENV, expect=1)
    assert f"{STATE}:1: not valid JSON" in r.output
    assert (work / "BACKLOG.md").read_bytes() == before


def test_dry_run_shows_the_diff_and_writes_nothing(work, cli_invoke):
    r = cli_invoke("backlog", "--dry-run", env=ENV)
    assert (
        "+- [ ] Document the rds-query tool" in r.output and "dry run, nothing written" in r.output
    )
    assert not (work / "BACKLOG.md").exists() and not (work / STATE).exists()


def test_jira_csv_opens_with_the_csv_module(work, cli_invoke):
    r = cli_invoke("backlog", "--format", "csv", env=ENV)
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert list(rows[0]) == ["Summary", "Description", "Priority", "Labels"]
    assert [(x["Summary"], x["Priority"]) for x in rows] == [
        ("Document the rds-query tool", "High"),
        ("Pin the test order in CI", "Medium"),
        ("Add the migration to the changelog", "Low"),
    ]
    assert not (work / "BACKLOG.md").exists()


def test_filters_and_json(work, cli_invoke):
    add_delta(work)
    r = cli_invoke(
        "backlog", "--format", "json", "--open-only", "--priority", "high,medium", env=ENV
    )
    data = json.loads(r.output)
    assert [(d["text"], d["recurrences"]) for d in data] == [
        ("Document the rds-query tool", 2),
        ("Automate the release notes", 1),
        ("Pin the test order in CI", 1),
    ]
    r = cli_invoke(
        "backlog", "--format", "jsonl", "--since", "2026-02-01", "--project", "beta", env=ENV
    )
    assert [json.loads(x)["text"] for x in r.output.splitlines()] == ["Pin the test order in CI"]
    r = cli_invoke("backlog", "--priority", "urgent", expect=2)
    assert "unknown priority urgent" in r.output


def test_filtered_run_does_not_touch_existing_lines(work, cli_invoke):
    cli_invoke("backlog", env=ENV)
    before = (work / "BACKLOG.md").read_text()
    add_delta(work)
    cli_invoke("backlog", "--project", "delta", env=ENV)
    text = (work / "BACKLOG.md").read_text()
    # only the new item arrives; the recurring item's line keeps its one source
    assert [ln for ln in before.splitlines() if ln] == [
        ln for ln in text.splitlines() if ln and "Automate the release notes" not in ln
    ]
    assert "- [ ] Automate the release notes" in text


@pytest.fixture
def fake_gh(tmp_path, monkeypatch):
    """A `gh` on PATH that records each call's arguments (one JSON list a line)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "gh-calls.jsonl"
    script = bin_dir / "gh"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"log = {str(log)!r}\n"
        "with open(log, 'a') as fh:\n"
        "    fh.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "n = sum(1 for _ in open(log))\n"
        "print(f'https://github.com/acme/app/issues/{n}')\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    def calls() -> list[list[str]]:
        return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []

    return calls


def test_create_calls_gh_once_per_new_item_and_never_again(work, cli_invoke, fake_gh):
    # alpha's "Add the migration to the changelog" is ticked: done work gets no issue
    r = cli_invoke("backlog", "--create", "--dry-run", env=ENV)
    assert "2 issue(s) would be created" in r.output and fake_gh() == []

    r = cli_invoke("backlog", "--create", env=ENV)
    calls = fake_gh()
    assert len(calls) == 2 and "2 issue(s) created" in r.output
    first = calls[0]
    assert first[:3] == ["issue", "create", "--title"]
    assert first[3] == "Document the rds-query tool"
    assert first[first.index("--label") + 1 :: 2][:2] == ["retro", "priority:high"]
    assert "sessions/alpha/2026-01-10-db.md:" in first[first.index("--body") + 1]
    state = json.loads((work / STATE).read_text())["items"]
    assert sorted(v["issue"] for v in state.values()) == [
        f"https://github.com/acme/app/issues/{n}" for n in (1, 2)
    ]

    cli_invoke("backlog", "--create", env=ENV)
    assert len(fake_gh()) == 2  # nothing new: gh not called again

    add_delta(work)
    r = cli_invoke("backlog", "--create", "--dry-run", env=ENV)
    assert "1 issue(s) would be created, 2 already created, 1 done (no issue)" in r.output
    cli_invoke("backlog", "--create", env=ENV)
    calls = fake_gh()
    assert len(calls) == 3 and calls[2][3] == "Automate the release notes"
    # the Markdown backlog built afterwards shares the state file: issues stay recorded
    cli_invoke("backlog", env=ENV)
    items = json.loads((work / STATE).read_text())["items"]
    assert len(items) == 4 and all(v["added"] == "2026-03-01" for v in items.values())
    assert sorted(v["text"] for v in items.values() if "issue" not in v) == [
        "Add the migration to the changelog"
    ]


def test_create_leaves_out_items_done_in_a_reflection_or_ticked_in_the_backlog(
    work, cli_invoke, fake_gh
):
    """Review finding 9: `--create --dry-run` listed issues for done items too."""
    r = cli_invoke("backlog", "--create", "--dry-run", env=ENV)
    assert "Add the migration to the changelog" not in r.output
    assert "2 issue(s) would be created, 0 already created, 1 done (no issue)" in r.output

    cli_invoke("backlog", env=ENV)  # BACKLOG.md, where the team ticks the CI item
    path = work / "BACKLOG.md"
    path.write_text(
        path.read_text().replace("- [ ] Pin the test order", "- [x] Pin the test order")
    )
    r = cli_invoke("backlog", "--create", env=ENV)
    assert [c[3] for c in fake_gh()] == ["Document the rds-query tool"]
    assert "1 issue(s) created, 0 failed, 0 already created, 2 done (no issue)" in r.output


def test_create_without_gh_says_how_to_fix_it(work, cli_invoke, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    r = cli_invoke("backlog", "--create", env=ENV, expect=1)
    assert "gh (the GitHub CLI) is not on PATH" in r.output
    r = cli_invoke("backlog", "--format", "csv", "--create", expect=2)
    assert "cannot be combined with --format csv" in r.output


def test_github_payloads_as_json(work, cli_invoke):
    r = cli_invoke("backlog", "--format", "github", env=ENV)
    payloads = json.loads(r.output)
    assert [p["title"] for p in payloads][0] == "Document the rds-query tool"
    assert set(payloads[0]) == {"id", "title", "body", "labels"}


def test_no_reflections_is_an_input_error(tmp_path, monkeypatch, cli_invoke):
    monkeypatch.chdir(tmp_path)
    r = cli_invoke("backlog", "nowhere", expect=1)
    assert "no reflections to collect items from under nowhere" in r.output
    assert not (tmp_path / "BACKLOG.md").exists()


def test_seed_gives_its_five_action_items_with_the_right_priorities(
    shared_dir, tmp_path, cli_invoke
):
    seed = shared_dir / "seed" / "session-reflection-db-schema-fix.md"
    gold = json.loads(seed.with_name(seed.name + ".gold.json").read_text(encoding="utf-8"))
    r = cli_invoke("backlog", str(seed), "--format", "json", "--file", str(tmp_path / "B.md"))
    items = json.loads(r.output)
    assert sorted((i["text"], i["priority"], i["done"]) for i in items) == sorted(
        (a["text"], a["priority"], a["done"]) for a in gold["action_items"]
    )
    # none from the fenced code block: every source line lies outside a ``` fence
    lines = seed.read_text(encoding="utf-8").splitlines()
    fenced, fence = set(), None
    for n, ln in enumerate(lines, 1):
        mark = ln.strip()
        if fence is None and mark.startswith("```"):
            fence = n
        elif fence is not None:
            fenced.add(n)
            if mark == "```":  # only a bare fence closes ("```bash" inside "```markdown" does not)
                fence = None
    assert fenced and all(s["line"] not in fenced for i in items for s in i["sources"])
    # and into a Markdown backlog: two high, two medium, one low
    cli_invoke("backlog", str(seed), "--file", str(tmp_path / "B.md"))
    text = (tmp_path / "B.md").read_text()
    sections = {h.split("\n", 1)[0]: h.count("<!-- retro:") for h in text.split("## ")[1:]}
    assert sections == {"High priority": 2, "Medium priority": 2, "Low priority": 1}


def test_a_removed_backlog_file_keeps_its_items_deleted_and_says_how_to_start_over(
    work, cli_invoke
):
    cli_invoke("backlog", env=ENV)
    (work / "BACKLOG.md").unlink()
    r = cli_invoke("backlog", env=ENV)
    assert f"remove {STATE} to start a fresh backlog" in r.output
    assert "0 added" in r.output and "3 newly deleted" in r.output
    assert not (work / "BACKLOG.md").exists()
    (work / STATE).unlink()
    r = cli_invoke("backlog", env=ENV)
    assert "3 added" in r.output


def test_deleted_lines_are_counted_once_and_a_state_only_change_is_reported(work, cli_invoke):
    """Review finding 8: deleting lines said "N newly deleted, N deleted earlier" and
    "unchanged" while the run rewrote the state file to record the deletions."""
    cli_invoke("backlog", env=ENV)
    path = work / "BACKLOG.md"
    lines = path.read_text().splitlines()
    for words in ("Pin the test order in CI", "Add the migration to the changelog"):
        del lines[next(n for n, ln in enumerate(lines) if words in ln)]
    path.write_text("\n".join(lines) + "\n")
    state = (work / STATE).read_bytes()

    r = cli_invoke("backlog", env=ENV)
    assert "2 newly deleted, 0 deleted earlier (not re-added)" in r.output
    assert f"BACKLOG.md unchanged, {STATE} updated: 0 added, 1 already there" in r.output
    assert (work / STATE).read_bytes() != state

    r = cli_invoke("backlog", env=ENV)
    assert "0 newly deleted, 2 deleted earlier (not re-added)" in r.output
    assert "BACKLOG.md unchanged: 0 added, 1 already there" in r.output


def test_an_id_comment_edited_by_hand_is_named_once(work, cli_invoke):
    # the edited line was adopted as an item of its own, and the real one silently
    # counted as deleted
    import re

    cli_invoke("backlog", env=ENV)
    path = work / "BACKLOG.md"
    lines = path.read_text().splitlines()
    n = next(n for n, ln in enumerate(lines) if "Pin the test order in CI" in ln)
    lines[n] = re.sub(r"retro:[0-9a-f]{4}", "retro:ffff", lines[n])
    path.write_text("\n".join(lines) + "\n")
    r = cli_invoke("backlog", env=ENV)
    assert f"BACKLOG.md:{n + 1}: retro:ffff" in r.stderr and "is the ID of no item" in r.stderr
    assert "1 newly deleted" in r.output
    assert "Pin the test order in CI" in path.read_text(), "the line is kept as written"
    assert "is the ID of no item" not in cli_invoke("backlog", env=ENV).stderr  # said once


def test_until_and_since_bound_the_sessions(work, cli_invoke):
    everything = cli_invoke("backlog", "--format", "jsonl", env=ENV).output.splitlines()
    early = cli_invoke(
        "backlog", "--format", "jsonl", "--until", "2026-01-31", env=ENV
    ).output.splitlines()
    sources = {s["path"] for x in early for s in json.loads(x)["sources"]}
    assert early and len(early) < len(everything)
    assert all("/2026-01-" in p for p in sources), sources
    r = cli_invoke("backlog", "--since", "2026-02-01", "--until", "2026-01-01", expect=2)
    assert "--since 2026-02-01 is after --until 2026-01-01" in r.output
    r = cli_invoke("backlog", "--until", "2026-02-30", expect=2)
    assert "'2026-02-30' is not a real day" in r.output


def test_a_backlog_inside_the_sessions_folder_is_not_read_as_a_reflection(tmp_path, cli_invoke):
    # `retro backlog sessions/ --file sessions/BACKLOG.md`: the backlog is Markdown
    # with checkboxes, and read back as a reflection its items came in a second time
    import shutil

    corpus = tmp_path / "s"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sessions", corpus)
    backlog = corpus / "BACKLOG.md"
    first = cli_invoke("backlog", corpus, "--file", backlog, expect=None)
    again = cli_invoke("backlog", corpus, "--file", backlog, expect=None)
    assert first.exit_code == again.exit_code == 0
    assert " 0 added," in again.output
    assert first.output.splitlines()[0] == again.output.splitlines()[0]  # "Read N file(s): ..."


def test_a_backlog_skipped_while_printing_another_format_says_so(tmp_path, cli_invoke):
    # --format csv writes no file but reads the backlog for its IDs: it is still the
    # backlog, not a reflection, and the run says why its checklist was not read
    import shutil

    corpus = tmp_path / "s"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sessions", corpus)
    backlog = corpus / "BACKLOG.md"
    cli_invoke("backlog", corpus, "--file", backlog)
    printed = cli_invoke("backlog", corpus, "--file", backlog, "--format", "csv")
    assert f"note: {backlog} is the backlog (--file), not read as a reflection" in printed.stderr
    elsewhere = cli_invoke("backlog", corpus, "--file", tmp_path / "other.md", "--format", "csv")
    assert "is the backlog" not in elsewhere.stderr


def test_create_checks_the_state_can_be_written_before_gh_runs(
    work, cli_invoke, fake_gh, tmp_path_factory
):
    """An issue gh created that the state file cannot record would be created again by
    the next run: a state that cannot be written stops the run before gh is called."""
    elsewhere = tmp_path_factory.mktemp("outside") / "elsewhere.json"
    empty = dump_state(BacklogState())
    elsewhere.write_text(empty)
    (work / STATE).symlink_to(elsewhere)  # a link out of the backlog's folder
    r = cli_invoke("backlog", "--create", env=ENV, expect=1)
    assert isinstance(r.exception, UnsafePath)
    assert fake_gh() == [] and elsewhere.read_text() == empty


def test_create_stops_before_gh_when_the_state_folder_is_read_only(
    work, cli_invoke, fake_gh, monkeypatch
):
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    r = cli_invoke("backlog", "--create", env=ENV, expect=1)
    assert isinstance(r.exception, OSError) and r.exception.filename == str(work / STATE)
    assert fake_gh() == []


def test_create_names_an_issue_the_state_could_not_record(work, cli_invoke, fake_gh, monkeypatch):
    # the disk filled up after the check and gh's first issue: the run ended on the
    # write error alone, naming no issue, though the next run creates that one again
    import errno

    from session_retro import cli_backlog

    def full(backlog, state):
        raise OSError(errno.ENOSPC, "No space left on device", str(work / STATE))

    monkeypatch.setattr(cli_backlog, "write_state", full)
    r = cli_invoke("backlog", "--create", env=ENV, expect=1)
    assert len(fake_gh()) == 1, "no issue is created that cannot be recorded either"
    assert "https://github.com/acme/app/issues/1 created but not recorded" in r.stderr
    assert "No space left on device" in r.stderr
    assert "0 issue(s) created, 1 failed" in r.output
