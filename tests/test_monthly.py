"""`retro report --month` and `monthly`: two months with hand-computed deltas, the golden
monthly Markdown report, an empty month, and malformed months as usage errors.

Hand figures for the reflections below (written in the forms the parser reads
reliably, as tests/retro_samples.py does):

    month    session  total  wasted (category)                         share
    2026-01  jan-a     60    20 access-blocked
             jan-b     40    10 flaky-tests
             all      100    30                                          30%
    2026-02  feb-a     90    30 skipped-discovery + 20 flaky-tests
             feb-b     60    15 flaky-tests
             all      150    65                                          65/150 = 43.3%

So February against January: waste share +13.3 points (shown "+13 pp"), wasted minutes
+35, sessions +0; skipped-discovery is new (0 -> 30), flaky-tests grew (10 -> 35),
access-blocked is gone (20 -> 0). The one new recommendation is the taxonomy's line for
skipped-discovery (flaky-tests' line was already made in January). A March session and
an undated one exist to prove they are left out of February and of its trend.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from goldtest import compare_gold

from session_retro import collect
from session_retro.cache import CACHE_NAME
from session_retro.collect import collect_sessions
from session_retro.monthly import month_report, parse_month, previous_month

GOLD = Path(__file__).parent / "golden" / "monthly"
EPOCH = str(int(datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timestamp()))
ENV = {"SOURCE_DATE_EPOCH": EPOCH}


def _reflection(title: str, day: str | None, total: int, attempts: list[tuple]) -> str:
    """A reflection: attempts are (approach, minutes, mark, root cause or None)."""
    out = [f"# Session Reflection: {title}", ""]
    if day:
        out.append(f"**Date**: {day}")
    out += [f"**Duration**: {total} minutes", "**Result**: ✅ SUCCESS", "", "## Attempts", ""]
    for n, (approach, minutes, mark, cause) in enumerate(attempts, 1):
        out += [f"### Attempt {n}: {approach} ({minutes} min) {mark}", ""]
        if cause:
            out += [f"**Root cause**: {cause}", ""]
    return "\n".join(out) + "\n"


ACCESS = "Permission denied: the database is VPC-isolated."
FLAKY = "The test is flaky: it fails intermittently on a race condition."
EXISTED = "The tool already existed in the repo."

SAMPLES = {
    "alpha/2026-01-05-db.md": _reflection(
        "Database migration",
        "2026-01-05",
        60,
        [("Direct psql to production", 20, "❌", ACCESS), ("Use the query script", 10, "✅", None)],
    ),
    "beta/2026-01-20-ci.md": _reflection(
        "Flaky CI",
        "2026-01-20",
        40,
        [("Re-run the failing suite", 10, "❌", FLAKY), ("Pin the test order", 10, "✅", None)],
    ),
    "alpha/2026-02-03-lambda.md": _reflection(
        "Export job",
        "2026-02-03",
        90,
        [
            ("Build a custom Lambda", 30, "❌", EXISTED),
            ("Re-run the failing suite", 20, "❌", FLAKY),
            ("Use the export tool", 10, "✅", None),
        ],
    ),
    "beta/2026-02-25-ci.md": _reflection(
        "Flaky CI again",
        "2026-02-25",
        60,
        [("Re-run the failing suite", 15, "❌", FLAKY), ("Quarantine the test", 5, "✅", None)],
    ),
    "beta/2026-03-02-ci.md": _reflection(
        "March session",
        "2026-03-02",
        30,
        [("Re-run the failing suite", 30, "❌", FLAKY)],
    ),
    "gamma/notes.md": _reflection(
        "No date", None, 30, [("Guess the config", 30, "❌", "Nobody knew.")]
    ),
}


@pytest.fixture
def work(tmp_path, monkeypatch):
    """tmp_path holding sessions/ with SAMPLES; paths in the output are relative."""
    for name, text in SAMPLES.items():
        path = tmp_path / "sessions" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def february(work):
    return month_report(collect_sessions(["sessions"]), "2026-02", generated="2026-03-01")


# ---- the library ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),  # leap year
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        (" 2026-04 ", date(2026, 4, 1), date(2026, 4, 30)),  # stray spaces from a shell variable
    ],
)
def test_parse_month(text, first, last):
    assert parse_month(text) == (first, last)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-2", "26-02", "feb", "2026-02-01", ""])
def test_parse_month_rejects(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(bad)


def test_previous_month_crosses_the_year():
    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-03") == "2026-02"


def test_month_figures_and_deltas_are_the_hand_computed_ones(february):
    m = february
    h = m.current.figures.headline
    assert (m.month, m.previous_month, m.previous_sessions) == ("2026-02", "2026-01", 2)
    assert (h.sessions, h.total.sum, h.wasted.sum) == (2, 150, 65)
    d = m.deltas
    assert (d.sessions.current, d.sessions.previous, d.sessions.change) == (2, 2, 0)
    assert (d.wasted_minutes.previous, d.wasted_minutes.current) == (30, 65)
    assert d.wasted_minutes.change == 35
    assert d.waste_share.previous == pytest.approx(0.30)
    assert d.waste_share.current == pytest.approx(65 / 150)
    assert d.waste_share.change == pytest.approx(65 / 150 - 0.30)
    changes = {c.key: (c.status, c.previous, c.current) for c in d.categories}
    assert changes == {
        "skipped-discovery": ("new", 0, 30),
        "flaky-tests": ("grown", 10, 35),
        "access-blocked": ("gone", 20, 0),
    }
    assert [c.key for c in d.categories] == ["skipped-discovery", "flaky-tests", "access-blocked"]
    assert [c.key for c in d.categories_new] == ["skipped-discovery"]
    assert [c.key for c in d.categories_grown] == ["flaky-tests"]
    assert [c.key for c in d.categories_gone] == ["access-blocked"]
    assert [r.categories for r in d.new_recommendations] == [("skipped-discovery",)]
    assert d.new_recommendations[0].text.startswith("Before building anything, search")


def test_later_and_undated_sessions_are_left_out(february):
    sources = set(february.current.sessions["source"])
    assert sources == {"sessions/alpha/2026-02-03-lambda.md", "sessions/beta/2026-02-25-ci.md"}
    assert february.current.undated_excluded == 1
    # the trend ends with the report's month: March is in the future of a February report
    assert [(g.key, g.sessions) for g in february.trend] == [("2026-01", 2), ("2026-02", 2)]


def test_first_month_has_nothing_to_compare_with(work):
    m = month_report(collect_sessions(["sessions"]), "2026-01", generated="x")
    assert m.deltas is None and m.previous_sessions == 0 and not m.empty


def test_project_filter_applies_to_both_months(work):
    m = month_report(collect_sessions(["sessions"]), "2026-02", generated="x", project="beta")
    d = m.deltas
    assert (d.wasted_minutes.previous, d.wasted_minutes.current) == (10, 15)
    assert [(c.key, c.status) for c in d.categories] == [("flaky-tests", "grown")]


# ---- the command ------------------------------------------------------------------------


def test_report_month_writes_the_month_folder(work, cli_invoke):
    r = cli_invoke("report", "--month", "2026-02", "sessions", env=ENV)
    folder = work / "reports" / "2026-02"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        ".retro-run.json",  # what the run wrote: a file of the user's there gets a copy
        "charts",
        "charts/pareto.png",
        "charts/pareto.svg",
        "charts/timeline.png",
        "charts/timeline.svg",
        "charts/trend.png",
        "charts/trend.svg",
        "index.html",
        "report.md",
    ]
    assert (
        "Against 2026-01: waste share 43% (+13 pp), wasted 65 min (+35); "
        "categories new 1, grown 1, gone 1; 1 new recommendation(s)."
    ) in r.output
    assert "Report: reports/2026-02/report.md" in r.output
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Changes since 2026-01" in html
    assert "Where the agents&#39; time went in 2026-02" in html
    assert html.count("new this month") == 1


def test_monthly_markdown_matches_gold(work, cli_invoke):
    # Regenerate with: RETRO_UPDATE_GOLD=1 .venv/bin/pytest tests/test_monthly.py
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "out", env=ENV)
    text = (work / "out" / "2026-02" / "report.md").read_text(encoding="utf-8")
    compare_gold(text, GOLD / "report.md")


def test_monthly_markdown_shows_the_deltas(work, cli_invoke):
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "out", env=ENV)
    text = (work / "out" / "2026-02" / "report.md").read_text(encoding="utf-8")
    assert "| Wasted minutes | 30 | 65 | +35 |" in text
    assert "| Waste share | 30% | 43% | +13 pp |" in text
    assert "- New: Skipped discovery of existing tools (30 min)" in text
    assert "- Gone: Access or permission blocked (was 20 min)" in text
    assert "Generated 2026-03-01 09:30 UTC from **2 sessions**" in text


def test_output_is_byte_stable(work, cli_invoke):
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "one", env=ENV)
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "two", env=ENV)
    for name in ("report.md", "index.html", "charts/pareto.svg", "charts/trend.png"):
        assert (work / "one/2026-02" / name).read_bytes() == (
            work / "two/2026-02" / name
        ).read_bytes()


def test_first_month_says_there_is_nothing_to_compare(work, cli_invoke):
    r = cli_invoke("report", "--month", "2026-01", "sessions", "--out", "out", env=ENV)
    assert "No sessions dated 2025-12: no changes to show." in r.output
    text = (work / "out" / "2026-01" / "report.md").read_text(encoding="utf-8")
    assert "No sessions are dated 2025-12, so there is nothing to compare 2026-01 with" in text


def test_empty_month_says_so_and_writes_nothing(work, cli_invoke):
    r = cli_invoke("report", "--month", "2025-06", "sessions", "--out", "out", expect=1)
    assert "no sessions dated 2025-06 under sessions; nothing written" in r.output
    assert "Months with sessions: 2026-01 (2), 2026-02 (2), 2026-03 (1)." in r.output
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--month", "2026-13"], id="month-13"),
        pytest.param(["--month", "2026-2"], id="one-digit-month"),
        pytest.param(["--month", "february"], id="word"),
        pytest.param(["--month", "2026-02-01"], id="a-day"),
        pytest.param([], id="no-month"),
        pytest.param(["--month", "2026-02", "--top", "0"], id="bad-top"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(work, cli_invoke, args):
    r = cli_invoke("report", *args, "sessions", "--out", "out", expect=2)
    assert "Usage:" in r.output
    assert not (work / "out").exists()


def test_malformed_month_message_says_how_to_write_it(work, cli_invoke):
    r = cli_invoke("report", "--month", "2026-13", "sessions", expect=2)
    assert "write it as YYYY-MM, e.g. 2026-02" in r.output


def test_no_reflections_is_an_input_problem(tmp_path, cli_invoke):
    r = cli_invoke("report", "--month", "2026-02", str(tmp_path), expect=1)
    assert "no reflections to report on" in r.output


def test_help_has_an_example(cli_invoke):
    r = cli_invoke("report", "--help")
    assert "Example: retro report --month 2026-02" in r.output


def test_report_parses_nothing_that_analyze_cached(work, cli_invoke, monkeypatch):
    cli_invoke("analyze", "sessions", "--out", "out", "--quiet", env=ENV)

    def parse_again(path, **kw):
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(collect, "read_file", parse_again)
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "out", env=ENV)
    assert (work / "out" / "2026-02" / "report.md").is_file()


def test_report_no_cache_leaves_no_cache_file(work, cli_invoke):
    cli_invoke("report", "--month", "2026-02", "sessions", "--out", "out", "--no-cache", env=ENV)
    assert (work / "out" / "2026-02" / "report.md").is_file()
    assert not (work / "out" / CACHE_NAME).exists()


def test_a_recommendation_under_last_months_headline_is_not_new():
    """The headline that merged two lines into one recommendation (recommend.cluster)
    also says last month made it: the month's lead line may be another author's."""
    from types import SimpleNamespace

    from session_retro.monthly import new_recommendations
    from session_retro.recommend import RankedRecommendation

    def rec(text):
        return RankedRecommendation(1, text, "lesson", (), 0.0, 0, 0, 0, ())

    before = [rec("Quarantine known flaky tests: keep a list in tests/FLAKY.md.")]
    now = [
        rec("Quarantine known flaky tests. Mark them and move on."),
        rec("Pin the runtime version in CI and locally."),
    ]
    previous = SimpleNamespace(recommendations=before)
    current = SimpleNamespace(recommendations=now, top_recommendations=now)
    assert [r.text for r in new_recommendations(current, previous)] == [now[1].text]
    # at 100 only the same text is the same recommendation
    assert len(new_recommendations(current, previous, threshold=100)) == 2


def test_a_new_recommendation_no_wasted_attempt_backs_says_so(tmp_path, cli_invoke):
    # the bundled sessions' September: "#6 Budget two minutes ... (0 wasted min)" in the
    # new recommendations, and "Addresses no wasted attempt of its sessions" for the
    # same line further down the same report
    sessions = Path(__file__).resolve().parent.parent / "sessions"
    args = ("report", "--month", "2026-09", sessions, "--out", tmp_path, "--no-cache")
    cli_invoke(*args, env=ENV)
    text = (tmp_path / "2026-09" / "report.md").read_text(encoding="utf-8")
    assert "(0 wasted min)" not in text
    assert "to list `scripts/`, `tools/` and the DAG folder. (no wasted attempt)" in text
