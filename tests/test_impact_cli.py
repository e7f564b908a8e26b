"""`retro impact` and `retro analyze`'s "Did it work?" section end to end (issue 10).

The sessions are `test_impact.HISTORY` (hand figures in that module's docstring); the
protocol file is a real git repository whose commits add two recommendations on
known days.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess

import pytest
from conftest import REPO
from test_impact import write_history_sessions

from session_retro.classify import load_taxonomy

TAX = load_taxonomy()
SD_LINE = TAX.get("skipped-discovery").protocol_change
FLAKY_LINE = TAX.get("flaky-tests").protocol_change
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]


@pytest.fixture
def work(tmp_path, monkeypatch):
    write_history_sessions(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _commit(folder, text: str, stamp: str) -> None:
    (folder / "CLAUDE.md").write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run([*GIT, "add", "CLAUDE.md"], cwd=folder, check=True, env=env)
    subprocess.run([*GIT, "commit", "-q", "-m", "protocol"], cwd=folder, check=True, env=env)


@pytest.fixture
def protocol_repo(work):
    """CLAUDE.md: written 04-01, skipped-discovery line 06-01, flaky-tests line 06-20,
    the first line reworded 07-01 (the same change, not a new one)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run([*GIT, "init", "-q"], cwd=work, check=True)
    head = "# Startup protocol\n\n- Read the README first.\n"
    _commit(work, head, "2026-04-01T09:00:00+00:00")
    _commit(work, head + f"- {SD_LINE}\n", "2026-06-01T08:00:00+00:00")
    _commit(work, head + f"- {SD_LINE}\n- {FLAKY_LINE}\n", "2026-06-20T17:00:00+02:00")
    reworded = SD_LINE.replace("say what you found", "say what you found there")
    _commit(work, head + f"- {reworded}\n- {FLAKY_LINE}\n", "2026-07-01T10:00:00+00:00")
    return work / "CLAUDE.md"


def test_git_history_dates_both_changes_and_figures_match_hand(protocol_repo, cli_invoke):
    r = cli_invoke("impact", "sessions", "--protocol", "CLAUDE.md", "--format", "json")
    data = json.loads(r.stdout)
    sd, flaky = data["impacts"]
    assert (sd["category"], sd["change"]["date"], sd["change"]["source"]) == (
        "skipped-discovery",
        "2026-06-01",
        "git",
    )
    assert sd["change"]["where"].startswith("CLAUDE.md@") and sd["change"]["text"] == SD_LINE
    assert (sd["before"]["sessions"], sd["before"]["median"], sd["before"]["p90"]) == (5, 40, 56)
    assert (sd["after"]["sessions"], sd["after"]["median"], sd["after"]["p90"]) == (5, 0, 8)
    assert (sd["before"]["share"], sd["after"]["share"]) == (0.8, 0.3333)
    assert sd["difference"] == -40 and -60 <= sd["interval"][0] <= sd["interval"][1] <= -10
    assert sd["verdict"] == "improved"
    assert (flaky["category"], flaky["change"]["date"]) == ("flaky-tests", "2026-06-20")
    assert (flaky["before"]["sessions"], flaky["after"]["sessions"]) == (5, 2)
    assert (flaky["before"]["median"], flaky["after"]["median"]) == (0, 15)
    assert flaky["interval"] is None and flaky["verdict"] == "too few sessions"
    assert data["attempts_without_minutes"] == 1 and "estimates" in data["caveat"]


def test_table_says_too_few_instead_of_a_verdict(protocol_repo, cli_invoke):
    r = cli_invoke("impact", "sessions", "--protocol", "CLAUDE.md", env={"COLUMNS": "200"})
    out = " ".join(r.stdout.split())  # rich wraps long notes
    assert "improved" in out and "too few sessions" in out
    assert "with fewer than 5 sessions on a side there is no verdict" in out
    assert "1 of the 25 attempt(s) in these windows state no duration" in out
    assert "not proof that the change caused it" in out
    assert "flaky-tests 2026-06-20: alongside it, skipped-discovery 2026-06-01" in out


def test_changed_option_and_csv(work, cli_invoke):
    r = cli_invoke(
        "impact",
        "sessions",
        "--changed",
        "skipped-discovery=2026-06-01",
        "--window",
        "10",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert (row["change_source"], row["before_start"], row["after_end"]) == (
        "--changed",
        "2026-05-22",
        "2026-06-10",
    )
    assert (row["before_sessions"], row["after_sessions"], row["verdict"]) == (
        "2",
        "3",
        "too few sessions",
    )
    assert row["interval_low"] == ""


def test_changed_wins_over_git_for_its_category(protocol_repo, cli_invoke):
    r = cli_invoke(
        "impact",
        "sessions",
        "--protocol",
        "CLAUDE.md",
        "--changed",
        "flaky-tests=2026-06-10",
        "--format",
        "json",
    )
    got = [
        (i["category"], i["change"]["date"], i["change"]["source"])
        for i in json.loads(r.stdout)["impacts"]
    ]
    assert got == [
        ("skipped-discovery", "2026-06-01", "git"),
        ("flaky-tests", "2026-06-10", "--changed"),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            "flaky=2026-06-01",
            "unknown category flaky; known: skipped-discovery,",
            id="unknown-category",
        ),
        pytest.param(
            "flaky-tests=2026-06-31", "is not a day; write it as YYYY-MM-DD", id="no-such-day"
        ),
        pytest.param("flaky-tests:2026-06-01", "expected CATEGORY=YYYY-MM-DD", id="no-equals"),
    ],
)
def test_bad_changed_is_a_usage_error(work, cli_invoke, spec, message):
    r = cli_invoke("impact", "sessions", "--changed", spec, expect=2)
    assert message in " ".join(r.output.split())
    r = cli_invoke("analyze", "sessions", "--out", "out", "--changed", spec, expect=2)
    assert message in " ".join(r.output.split())
    assert not (work / "out").exists()


def test_changes_file_and_its_problems(work, cli_invoke):
    (work / "changes.toml").write_text(
        '[[change]]\ncategory = "skipped-discovery"\ndate = 2026-06-01\n\n'
        '[[change]]\ncategory = "no-such-thing"\ndate = 2026-06-02\n',
        encoding="utf-8",
    )
    r = cli_invoke("impact", "sessions", "--changes", "changes.toml", "--format", "json", expect=1)
    (only,) = json.loads(r.stdout)["impacts"]
    assert (only["category"], only["change"]["where"], only["verdict"]) == (
        "skipped-discovery",
        "changes.toml:1",
        "improved",
    )
    assert "changes.toml:5: unknown category 'no-such-thing'; known: skipped-discovery" in r.stderr


def test_changes_file_beside_the_sessions_is_read_by_default(work, cli_invoke):
    (work / "sessions" / "protocol-changes.toml").write_text(
        '[[change]]\ncategory = "flaky-tests"\ndate = 2026-06-20\n', encoding="utf-8"
    )
    r = cli_invoke("impact", "sessions", "--format", "json")
    (only,) = json.loads(r.stdout)["impacts"]
    assert only["change"]["where"] == os.path.join("sessions", "protocol-changes.toml") + ":1"


def test_ticked_backlog_item_dates_a_change(work, cli_invoke):
    state = {"items": {"abc": {"text": SD_LINE, "ticked": "2026-06-01"}}, "version": 1}
    (work / ".BACKLOG.md.retro.json").write_text(json.dumps(state), encoding="utf-8")
    r = cli_invoke("impact", "sessions", "--backlog", "BACKLOG.md", "--format", "json")
    (only,) = json.loads(r.stdout)["impacts"]
    assert (only["category"], only["change"]["source"], only["verdict"]) == (
        "skipped-discovery",
        "backlog",
        "improved",
    )


def test_nothing_to_measure_says_how_to_give_changes(work, cli_invoke):
    r = cli_invoke("impact", "sessions", expect=1)
    assert "no protocol change to measure" in r.stderr and "--changed CATEGORY=DATE" in r.stderr


def test_protocol_without_history_is_a_problem_for_impact_only(work, cli_invoke):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (work / "CLAUDE.md").write_text("# Protocol\n", encoding="utf-8")
    r = cli_invoke("impact", "sessions", "--protocol", "CLAUDE.md", expect=1)
    # either not a repository or (tmp inside one) no commit touching it: nothing to measure
    assert "no protocol change to measure" in r.stderr
    cli_invoke("analyze", "sessions", "--out", "out", "--protocol", "CLAUDE.md", "-q")
    assert "## Did it work?" not in (work / "out" / "report.md").read_text(encoding="utf-8")


def test_analyze_gains_the_section_json_and_charts(protocol_repo, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", "--protocol", "CLAUDE.md", "-q")
    out = protocol_repo.parent / "out"
    md = (out / "report.md").read_text(encoding="utf-8")
    section = md[md.index("## Did it work?") : md.index("## Worst sessions")]
    assert md.index("## Recommended startup-protocol changes") < md.index("## Did it work?")
    assert (
        "| 2026-06-01 | Skipped discovery of existing tools | 5 / 5 | 40 → 0 | 56 → 8 | 80% → 33% | −40 |"
        in section
    )
    assert "| 2026-06-20 | Flaky tests | 5 / 2 | 0 → 15 |" in section
    assert "none (fewer than 5 sessions on a side) | **too few sessions** |" in section
    assert "1 of the 25 attempt(s) in these windows state no duration" in section
    assert "(charts/impact-skipped-discovery-2026-06-01.png)" in section
    for name in ("impact-skipped-discovery-2026-06-01", "impact-flaky-tests-2026-06-20"):
        assert (out / "charts" / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert (out / "charts" / f"{name}.svg").is_file()
    data = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert [i["verdict"] for i in data["impact"]["impacts"]] == ["improved", "too few sessions"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<section id="impact">' in html and "too few sessions" in html


def test_analyze_window_and_changed(work, cli_invoke):
    cli_invoke(
        "analyze",
        "sessions",
        "--out",
        "out",
        "--changed",
        "skipped-discovery=2026-06-01",
        "--window",
        "10",
        "-q",
    )
    data = json.loads((work / "out" / "analysis.json").read_text(encoding="utf-8"))
    (only,) = data["impact"]["impacts"]
    assert (
        only["before"]["sessions"],
        only["after"]["sessions"],
        data["impact"]["window_days"],
    ) == (2, 3, 10)


def test_bundled_sessions_show_both_changes(cli_invoke, monkeypatch):
    # sessions/protocol-changes.toml dates a skipped-discovery change (2026-10-01) with
    # sessions on both sides, and a stale-assumptions one (2026-10-20) too recent to judge
    monkeypatch.chdir(REPO)
    r = cli_invoke("impact", "--format", "json")
    got = {i["category"]: i for i in json.loads(r.stdout)["impacts"]}
    sd, stale = got["skipped-discovery"], got["stale-assumptions"]
    assert sd["change"]["date"] == "2026-10-01" and sd["change"]["source"] == "changes file"
    assert sd["before"]["sessions"] >= 5 and sd["after"]["sessions"] >= 5
    assert sd["verdict"] == "improved"
    assert stale["change"]["date"] == "2026-10-20" and stale["verdict"] == "too few sessions"
    r = cli_invoke("impact", env={"COLUMNS": "200"})
    assert "skipped-discovery" in r.stdout and "stale-assumptions" in r.stdout


def test_monthly_report_shows_changes_judged_in_its_month(work, cli_invoke):
    # the windows cross months: June's report uses May's sessions for "before"
    args = ("report", "sessions", "--out", "out", "--changed", "skipped-discovery=2026-06-01", "-q")
    cli_invoke(*args, "--month", "2026-06")
    md = (work / "out" / "2026-06" / "report.md").read_text(encoding="utf-8")
    assert "| 2026-06-01 | Skipped discovery of existing tools | 5 / 5 | 40 → 0 | 56 → 8 |" in md
    assert (
        work / "out" / "2026-06" / "charts" / "impact-skipped-discovery-2026-06-01.png"
    ).is_file()
    # the note counts the attempts in the windows (all but 05-01's 2), not all 27
    assert "1 of the 25 attempt(s) in these windows state no duration" in md
    cli_invoke(*args, "--month", "2026-05")  # landed after May: nothing to judge yet
    assert "## Did it work?" not in (work / "out" / "2026-05" / "report.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "columns",
    [
        # an 80-column terminal, and a pipe (`retro impact | cat`), which rich takes as 80
        pytest.param("80", id="80-columns"),
        # narrower still: labels may wrap, numbers may not
        pytest.param("50", id="50-columns"),
    ],
)
def test_narrow_table_keeps_every_number(cli_invoke, monkeypatch, columns):
    # review finding 5: squeezed to 80 columns, sessions, median, p90 and share shrank
    # to zero width and the numbers were gone
    monkeypatch.chdir(REPO)
    data = json.loads(cli_invoke("impact", "--format", "json").stdout)
    out = cli_invoke("impact", env={"COLUMNS": columns}).stdout
    assert "…" not in out
    rows = [" ".join(line.strip("│┃ ").split()) for line in out.splitlines()]
    rows = [" ".join(p.strip() for p in r.split("│")) for r in rows]
    for i in data["impacts"]:
        b, a = i["before"], i["after"]
        assert f"{i['category']} {i['change']['date']}" in out
        assert f"sessions {b['sessions']} {a['sessions']}" in rows
        assert f"median min {b['median']:g} {a['median']:g}" in rows
        assert f"p90 min {b['p90']:g} {a['p90']:g}" in rows
        assert f"share of waste {b['share']:.0%} {a['share']:.0%}" in rows
        assert f"median change {i['difference']:g} min" in out
    assert max(len(line) for line in out.splitlines()) <= int(columns)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "100000000"], "is not in the range 1<=x<=36500"),
        (["--changed", "skipped-discovery=9999-12-31"], "9999-12-31 is not a day a change"),
        (["--changed", "skipped-discovery=0001-01-01"], "0001-01-01 is not a day a change"),
    ],
)
def test_days_past_the_calendar_are_usage_errors_not_overflows(cli_invoke, args, message):
    # 9999-12-31 plus a window overflowed Python's calendar: a traceback, exit 1
    if args[0] == "--window":
        args = ["--changed", "skipped-discovery=2026-10-01", *args]
    r = cli_invoke("impact", REPO / "sessions", *args, expect=2)
    assert message in r.output and "Traceback" not in r.output


def test_a_changes_file_day_past_the_calendar_is_an_input_problem(tmp_path, cli_invoke):
    folder = tmp_path / "s"
    shutil.copytree(REPO / "sessions" / "billing-api", folder)
    changes = folder / "protocol-changes.toml"
    changes.write_text('[[change]]\ncategory = "skipped-discovery"\ndate = 9999-12-31\n')
    r = cli_invoke("analyze", folder, "--out", tmp_path / "out", expect=1)
    assert f"{changes}:1: 9999-12-31 is not a day a change could land on" in r.output


def test_a_change_no_session_follows_yet_says_so_everywhere(work, cli_invoke):
    # "too few sessions" alone hid why: the change is newer than every reflection (or a typo)
    r = cli_invoke("impact", "sessions", "--changed", "skipped-discovery=2031-05-01")
    assert "skipped-discovery 2031-05-01: no session is dated 2031-05-01 … 2031-05-30 yet" in (
        " ".join(r.output.split())
    )
    cli_invoke("analyze", "sessions", "--out", "out", "--changed", "skipped-discovery=2031-05-01")
    said = "After it: no session is dated 2031-05-01 … 2031-05-30 yet"
    assert said in (work / "out" / "report.md").read_text(encoding="utf-8")
    assert said in (work / "out" / "index.html").read_text(encoding="utf-8")
    r = cli_invoke("impact", "sessions", "--changed", "skipped-discovery=2026-06-01")
    assert "no session is dated" not in r.output


def test_project_keeps_that_projects_sessions_only(cli_invoke, monkeypatch):
    """A CLAUDE.md belongs to one repository: --project measures its change on that
    project's sessions, as `retro analyze --project` reports on them."""
    monkeypatch.chdir(REPO)
    every = json.loads(cli_invoke("impact", "--format", "json").stdout)
    one = json.loads(cli_invoke("impact", "--project", "Billing-API", "--format", "json").stdout)
    assert (every["project"], one["project"]) == (None, "Billing-API")
    sd = {i["category"]: i for i in every["impacts"]}["skipped-discovery"]
    sd_one = {i["category"]: i for i in one["impacts"]}["skipped-discovery"]
    for side in ("before", "after"):
        assert 0 < sd_one[side]["sessions"] < sd[side]["sessions"]
    # the project's sessions are those of its folder here: the same figures
    change = ("--changed", "skipped-discovery=2026-10-01", "--format", "json")
    by_project = cli_invoke("impact", "sessions", "--project", "billing-api", *change)
    by_folder = cli_invoke("impact", "sessions/billing-api", *change)
    [a] = [
        i for i in json.loads(by_project.stdout)["impacts"] if i["change"]["source"] == "--changed"
    ]
    [b] = [
        i for i in json.loads(by_folder.stdout)["impacts"] if i["change"]["source"] == "--changed"
    ]
    assert (a["before"], a["after"], a["verdict"]) == (b["before"], b["after"], b["verdict"])
    r = cli_invoke("impact", "--project", "billing-api", env={"COLUMNS": "200"})
    assert "Sessions of project billing-api only." in r.stdout
    r = cli_invoke("impact", "--project", "nope", expect=1)
    assert "no session of project 'nope'" in r.output
