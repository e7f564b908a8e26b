"""`retro analyze` end to end through click's CliRunner: every option, the files it
writes, the golden report, and the Parquet read back by DuckDB."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from goldtest import compare_gold

GOLD = Path(__file__).parent / "golden" / "analyze"
# 2026-03-01 09:30 UTC: pins `generated` and the history file's name
EPOCH = str(int(datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timestamp()))
ENV = {"SOURCE_DATE_EPOCH": EPOCH}


def test_report_md_matches_gold(work, cli_invoke):
    # Regenerate with: RETRO_UPDATE_GOLD=1 .venv/bin/pytest tests/test_analyze_cli.py
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    compare_gold((work / "out" / "report.md").read_text(encoding="utf-8"), GOLD / "report.md")


def test_default_path_and_output_and_summary(work, cli_invoke):
    r = cli_invoke("analyze", env=ENV)
    assert (work / "reports" / "report.md").is_file()
    assert (work / "reports" / "history" / "2026-03-01.json").is_file()
    assert "Read 3 file(s): 3 session(s) analysed, 0 with errors, 1 with warnings." in r.output
    assert "Report: reports/report.md" in r.output


def test_analysis_json_explains_each_classification(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    data = json.loads((work / "out" / "analysis.json").read_text())
    assert data["figures"]["headline"]["sessions"] == 3
    assert data["figures"]["headline"]["wasted"]["sum"] == 100
    by = {(c["source"], c["index"]): c for c in data["classifications"]}
    c = by[("sessions/alpha/2026-01-10-db.md", 2)]
    assert c["category"] == "skipped-discovery"
    assert {
        "rule": "keyword:already existed",
        "field": "root_cause",
        "matched": "already existed",
    }.items() <= c["matches"][0].items()
    assert by[("sessions/beta/2026-02-03-ci.md", 2)]["category"] == "unclassified"
    assert data["recommendations"][0]["rank"] == 1
    assert data["warnings"] == [
        "sessions/beta/2026-02-03-ci.md:17: attempt 3 (Quarantine the flaky test) states no duration"
    ]


def test_history_never_overwritten_and_user_files_left_alone(work, cli_invoke):
    out = work / "out"
    (out / "history").mkdir(parents=True)
    (out / "history" / "2026-03-01.json").write_text("earlier run")
    (out / "notes.txt").write_text("mine")
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    # --force: an unchanged re-run would otherwise write nothing (tests/test_rerun.py)
    cli_invoke("analyze", "sessions", "--out", "out", "--force", env=ENV)
    assert (out / "history" / "2026-03-01.json").read_text() == "earlier run"
    assert sorted(p.name for p in (out / "history").iterdir()) == [
        "2026-03-01-2.json",
        "2026-03-01-3.json",
        "2026-03-01.json",
    ]
    assert (out / "notes.txt").read_text() == "mine"


def test_history_entry_is_the_run_s_analysis_json_and_outlives_it(work, cli_invoke):
    out = work / "out"
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    first = out / "history" / "2026-03-01.json"
    written = (out / "analysis.json").read_bytes()
    # the same bytes, in a file of its own: editing analysis.json cannot reach it
    assert first.read_bytes() == written
    assert not first.samefile(out / "analysis.json")
    cli_invoke("analyze", "sessions", "--out", "out", "--top", "1", env=ENV)
    # analysis.json was replaced, not written over: the first entry keeps the first run
    assert first.read_bytes() == written
    assert (out / "analysis.json").read_bytes() != written
    second = out / "history" / "2026-03-01-2.json"
    assert second.read_bytes() == (out / "analysis.json").read_bytes()


def test_export_all_formats_and_duckdb_reads_the_same_sums(work, cli_invoke):
    duckdb = pytest.importorskip("duckdb")
    cli_invoke("analyze", "sessions", "--out", "out", "--export", "csv,json,parquet", env=ENV)
    out = work / "out"
    for table in ("sessions", "attempts", "action_items"):
        for fmt in ("csv", "json", "parquet"):
            assert (out / f"{table}.{fmt}").is_file(), f"{table}.{fmt}"
    con = duckdb.connect()
    wasted, total, n = con.execute(
        f"select sum(wasted_minutes), sum(total_minutes), count(*) from '{out / 'sessions.parquet'}'"
    ).fetchone()
    assert (wasted, total, n) == (100, 190, 3)
    by_cat = dict(
        con.execute(
            f"select category, sum(minutes) from '{out / 'attempts.parquet'}' where is_waste group by 1"
        ).fetchall()
    )
    assert by_cat == {
        "skipped-discovery": 45,
        "flaky-tests": 30,
        "access-blocked": 10,
        "unclassified": 15,
    }
    # missing minutes arrive as NULL, not 0
    assert con.execute(
        f"select count(*) from '{out / 'attempts.parquet'}' where minutes is null"
    ).fetchone() == (1,)
    rows = json.loads((out / "sessions.json").read_text())
    assert sum(r["wasted_minutes"] for r in rows) == 100 and rows[0]["date"] == "2026-01-10"


@pytest.mark.parametrize(
    "args, projects",
    [
        pytest.param(["--since", "2026-02-01"], ["beta", "gamma"], id="since"),
        pytest.param(["--until", "2026-01-31"], ["alpha"], id="until"),
        pytest.param(["--since", "2026-02-01", "--until", "2026-02-10"], ["beta"], id="window"),
        pytest.param(["--project", "gamma"], ["gamma"], id="project"),
    ],
)
def test_filters_on_known_data(work, cli_invoke, args, projects):
    cli_invoke("analyze", "sessions", "--out", "out", *args, env=ENV)
    data = json.loads((work / "out" / "analysis.json").read_text())
    assert [r["key"] for r in data["figures"]["by_project"]] == sorted(
        projects, key=lambda p: -{"alpha": 30, "beta": 45, "gamma": 25}[p]
    )
    assert data["figures"]["headline"]["sessions"] == len(projects)


def test_filters_matching_nothing_exit_1(work, cli_invoke):
    r = cli_invoke("analyze", "sessions", "--out", "out", "--project", "nope", expect=1)
    assert "no session matches the filters" in r.output
    assert not (work / "out").exists()


def test_empty_folder_is_a_clear_error(tmp_path, cli_invoke):
    (tmp_path / "empty").mkdir()
    r = cli_invoke("analyze", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), expect=1)
    assert "no reflections to analyse" in r.output and "*.md" in r.output
    assert not (tmp_path / "out").exists()


def test_only_unreadable_files_is_not_called_empty(tmp_path, cli_invoke):
    # Second review: a lone binary x.md was named with its error, then the run said
    # "no reflections to analyse under x.md (looked for *.md ...)"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.md").write_bytes(bytes(range(1, 32)) * 300)
    r = cli_invoke("analyze", str(tmp_path / "in"), "--out", str(tmp_path / "out"), expect=1)
    assert "x.md: error: binary file" in r.output
    assert "none of the 1 file(s) under" in r.output and "could be read" in r.output
    assert "looked for" not in r.output
    assert not (tmp_path / "out").exists()


def test_unreadable_input_exit_1_but_report_written(work, cli_invoke):
    (work / "sessions" / "alpha" / "empty.md").write_text("   \n")
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV, expect=1)
    assert "sessions/alpha/empty.md: error: empty file" in r.output
    report = (work / "out" / "report.md").read_text()
    assert "`sessions/alpha/empty.md: empty file (nothing to parse)` (unreadable)" in report
    assert "from **3 sessions** (4 files read, 1 unreadable" in report


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["--since", "2026-13-01"], "--since", id="bad-date"),
        pytest.param(["--until", "yesterday"], "--until", id="bad-until"),
        pytest.param(
            ["--since", "2026-03-01", "--until", "2026-02-01"], "after --until", id="reversed"
        ),
        pytest.param(["--export", "csv,xlsx"], "unknown export format xlsx", id="bad-export"),
        pytest.param(["--top", "0"], "--top", id="bad-top"),
        pytest.param(["--taxonomy", "missing.toml"], "missing.toml", id="missing-taxonomy"),
    ],
)
def test_usage_errors_exit_2(work, cli_invoke, args, message):
    r = cli_invoke("analyze", "sessions", "--out", "out", *args, expect=2)
    assert message in r.output


def test_invalid_taxonomy_is_a_usage_error(work, cli_invoke):
    (work / "t.toml").write_text("nope = [")
    r = cli_invoke("analyze", "sessions", "--taxonomy", "t.toml", expect=2)
    assert "not valid TOML" in r.output


def test_taxonomy_override(work, cli_invoke):
    (work / "t.toml").write_text(
        '[[category]]\nid = "ci"\nlabel = "CI trouble"\nkeywords = ["flaky", "fixture"]\nprotocol_change = "Check CI first."\n'
    )
    cli_invoke("analyze", "sessions", "--out", "out", "--taxonomy", "t.toml", env=ENV)
    data = json.loads((work / "out" / "analysis.json").read_text())
    cats = {r["key"]: r["minutes"]["sum"] for r in data["figures"]["by_category"]}
    assert cats == {"ci": 45, "unclassified": 55}
    assert data["taxonomy"]["source"] == "t.toml"
    # both address 45 minutes; the authors' "should have" line recurs in two sessions
    # (its attempts are unclassified under this taxonomy), so it outranks the protocol line
    recs = [(r["text"], r["wasted_minutes"], r["sessions"]) for r in data["recommendations"][:2]]
    assert recs == [
        ("Search the repo for existing scripts first", 45, 2),
        ("Check CI first.", 45, 1),
    ]


def test_protocol_patch_leaves_the_file_byte_identical(work, cli_invoke):
    original = b"# CLAUDE.md\r\n\r\n1. Read STATE.md\r\n"
    (work / "CLAUDE.md").write_bytes(original)
    r = cli_invoke(
        "analyze", "sessions", "--out", "out", "--protocol", "CLAUDE.md", "--top", "2", env=ENV
    )
    assert (work / "CLAUDE.md").read_bytes() == original
    patch = (work / "out" / "protocol.patch").read_text()
    assert patch.startswith("--- a/CLAUDE.md\n+++ b/CLAUDE.md\n")
    assert patch.count("\n+- ") == 2
    assert "protocol.patch" in r.output


def test_top_limits_recommendations(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", "--top", "1", env=ENV)
    data = json.loads((work / "out" / "analysis.json").read_text())
    assert len(data["recommendations"]) == 1
    assert "Top 1 of" in (work / "out" / "report.md").read_text()


def test_merge_threshold_option(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", "--merge-threshold", "100", env=ENV)
    data = json.loads((work / "out" / "analysis.json").read_text())
    # at 100 the two phrasings of the lesson no longer merge
    assert [n["sessions"] for n in data["lessons"]][:2] == [1, 1]


def test_templates_override(work, cli_invoke):
    (work / "tpl").mkdir()
    (work / "tpl" / "report.md.j2").write_text(
        "sessions={{ h.sessions }} wasted={{ h.wasted.sum | minutes }}\n"
    )
    cli_invoke("analyze", "sessions", "--out", "out", "--templates", "tpl", env=ENV)
    assert (work / "out" / "report.md").read_text() == "sessions=3 wasted=100\n"


def test_quiet_prints_nothing_on_success(work, cli_invoke):
    r = cli_invoke("analyze", "sessions", "--out", "out", "--quiet", env=ENV)
    assert r.output == ""
    assert (work / "out" / "report.md").is_file()


def test_help_has_an_example(cli_invoke):
    r = cli_invoke("analyze", "--help")
    assert "Example: retro analyze" in r.output


def test_the_output_folder_inside_the_sessions_folder_is_not_read_back(tmp_path, cli_invoke):
    # `retro analyze s --out s/reports` (or `retro analyze .` with the default
    # reports/): the second run must not take its own report.md for a reflection
    import shutil

    corpus = tmp_path / "s"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sessions", corpus)
    read = len(list(corpus.rglob("*.md")))
    for _ in range(2):  # exit 0 both times: nothing refused, nothing read twice
        result = cli_invoke("analyze", corpus, "--out", corpus / "reports", "--force")
        assert f"Read {read} file(s)" in result.output
    for _ in range(2):
        month = cli_invoke("report", "--month", "2026-08", corpus, "--out", corpus / "monthly")
        assert "monthly" not in month.stderr


def test_a_protocol_already_holding_the_recommendations_gets_no_patch(work, cli_invoke):
    # after `git apply`, a second run has nothing to propose: no protocol.patch, and
    # it says why
    import subprocess

    (work / "CLAUDE.md").write_bytes(b"# CLAUDE.md\n\n1. Read STATE.md\n")
    args = ("analyze", "sessions", "--out", "out", "--protocol", "CLAUDE.md", "--top", "2")
    cli_invoke(*args, env=ENV)
    patch = work / "out" / "protocol.patch"
    subprocess.run(["git", "apply", str(patch)], cwd=work, check=True, capture_output=True)
    r = cli_invoke(*args, env=ENV)
    assert not patch.exists(), "the applied patch, as written, is not left to apply twice"
    assert "CLAUDE.md already holds every top recommendation; no patch" in r.output
    patch.write_text("my own notes\n")  # a file the user made is never removed
    cli_invoke(*args, "--force", env=ENV)
    assert patch.read_text() == "my own notes\n"


@pytest.mark.parametrize("given", ["docs/CLAUDE.md", "AGENTS.md"])
def test_the_protocol_patch_applies_from_the_repository_root(work, cli_invoke, given):
    # docs/CLAUDE.md was named a/CLAUDE.md, and AGENTS.md -> docs/CLAUDE.md the link:
    # `git apply` from the root of the repository failed on both
    import subprocess

    repo = work / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "CLAUDE.md").write_text("# CLAUDE.md\n\n1. Read STATE.md\n")
    (repo / "AGENTS.md").symlink_to("docs/CLAUDE.md")
    for cmd in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    r = cli_invoke("analyze", "sessions", "--out", "out", "--protocol", repo / given, env=ENV)
    patch = work / "out" / "protocol.patch"
    assert patch.read_text().startswith("--- a/docs/CLAUDE.md\n+++ b/docs/CLAUDE.md\n")
    assert f"git -C {repo.resolve()} apply {patch.resolve()}" in r.output
    subprocess.run(["git", "apply", str(patch)], cwd=repo, check=True, capture_output=True)
    assert "Startup protocol" in (repo / "docs" / "CLAUDE.md").read_text()
    assert (repo / "AGENTS.md").is_symlink()


@pytest.mark.parametrize("kind", ["device", "binary"])
def test_a_protocol_that_is_no_text_file_is_a_usage_error(work, cli_invoke, kind):
    # /dev/null got a patch naming "null", and a binary file a garbled one, exit 0
    if kind == "device":
        (work / "CLAUDE.md").symlink_to("/dev/null")
        why = "is not a regular file"
    else:
        (work / "CLAUDE.md").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
        why = "is not a text file (it holds NUL bytes)"
    r = cli_invoke("analyze", "sessions", "--out", "out", "--protocol", "CLAUDE.md", expect=2)
    assert why in r.output and not (work / "out").exists()


def test_outputs_a_run_no_longer_writes_are_removed_when_untouched(work: Path, cli_invoke):
    (work / "CLAUDE.md").write_bytes(b"# CLAUDE.md\n\n1. Read STATE.md\n")
    out = work / "out"
    cli_invoke(
        "analyze",
        "sessions",
        "--out",
        "out",
        "--export",
        "csv,json",
        "--protocol",
        "CLAUDE.md",
        env=ENV,
    )
    assert (out / "protocol.patch").is_file() and (out / "attempts.csv").is_file()
    (out / "attempts.json").write_text("[]\n")  # the user's own version: kept
    (out / "notes.txt").write_text("mine\n")  # a file the tool never wrote: kept
    r = cli_invoke("analyze", "sessions", "--out", "out", "--export", "csv", env=ENV)
    assert not (out / "protocol.patch").exists()
    assert not (out / "sessions.json").exists() and not (out / "action_items.json").exists()
    assert (out / "attempts.json").read_text() == "[]\n"
    assert (out / "notes.txt").read_text() == "mine\n"
    assert (out / "attempts.csv").is_file() and (out / "report.md").is_file()
    assert "Removed 3 file(s) the last run wrote and this one does not" in r.output
    assert "protocol.patch" in r.output and "sessions.json" in r.output
    assert len(list((out / "history").iterdir())) >= 1, "history is a log, never removed"


def test_a_run_without_a_record_removes_nothing(work: Path, cli_invoke):
    out = work / "out"
    out.mkdir()
    (out / "protocol.patch").write_text("--- a/x\n+++ b/x\n")  # no run record says it is ours
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert (out / "protocol.patch").read_text() == "--- a/x\n+++ b/x\n"
    assert "Removed" not in r.output


def test_a_file_the_last_run_did_not_write_is_copied_before_it_is_replaced(work, cli_invoke):
    # --out on a folder of the user's, and a report edited by hand since the last run
    out = work / "out"
    out.mkdir()
    (out / "report.md").write_text("my own notes\n")
    r = cli_invoke("analyze", "sessions", "--out", "out", "--quiet", env=ENV)
    assert (out / "report.md.bak").read_text() == "my own notes\n"
    assert "copies kept: report.md.bak" in r.stderr
    r = cli_invoke("analyze", "sessions", "--out", "out", "--force", env=ENV)
    assert "copies kept" not in r.stderr, "the run's own files are replaced as they are"
    (out / "report.md").write_text("edited\n")
    r = cli_invoke("analyze", "sessions", "--out", "out", "--force", env=ENV)
    assert (out / "report.md.1.bak").read_text() == "edited\n"
    assert (out / "report.md.bak").read_text() == "my own notes\n", "no copy is replaced"


def test_out_on_the_sessions_folder_does_not_read_its_own_report_back(work, cli_invoke):
    # the second run read report.md as a reflection, then refused to overwrite an input
    for _ in range(2):
        r = cli_invoke("analyze", "sessions", "--out", "sessions", "--force", env=ENV)
        assert "Read 3 file(s)" in r.output
        assert "not read" not in r.stderr  # --out is the folder given: it is read
    assert (work / "sessions" / "report.md").is_file()


def test_an_out_folder_inside_the_sessions_says_its_reflections_are_not_read(work, cli_invoke):
    inner = work / "sessions" / "inner"
    inner.mkdir()
    (inner / "late.md").write_text("# Late\n\n### Attempt 1: x (5 min) ❌\n")
    r = cli_invoke("analyze", "sessions", "--out", "sessions/inner", env=ENV)
    assert "the 1 reflection(s) in it are not read (the first: sessions/inner/late.md)" in r.stderr
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert "not read" not in r.stderr  # late.md is read now, not the first run's report
    assert "Read 4 file(s)" in r.output


def test_no_warning_when_the_out_folder_is_also_given_to_read(work, cli_invoke):
    # sessions/inner is given by name as well: its reflection is read, not skipped
    inner = work / "sessions" / "inner"
    inner.mkdir()
    (inner / "late.md").write_text("# Late\n\n### Attempt 1: x (5 min) ❌\n")
    r = cli_invoke("analyze", "sessions/inner", "sessions", "--out", "sessions/inner", env=ENV)
    assert "Read 4 file(s)" in r.output
    assert "not read" not in r.stderr


def test_no_copy_is_made_outside_out_through_a_linked_charts_folder(work, cli_invoke):
    # charts/ a link to a folder of the user's: the write refuses it, and the copy of a
    # chart there that the last run did not write was made beside it, outside --out
    cli_invoke("analyze", "sessions", "--out", "out", "--quiet", env=ENV)
    elsewhere = work / "elsewhere"
    shutil.move(work / "out" / "charts", elsewhere)
    (elsewhere / "pareto.svg").write_text("mine\n")
    (work / "out" / "charts").symlink_to(elsewhere)
    r = cli_invoke("analyze", "sessions", "--out", "out", "--force", env=ENV, expect=2)
    assert "outside" in r.stderr
    assert not list(elsewhere.glob("*.bak"))
