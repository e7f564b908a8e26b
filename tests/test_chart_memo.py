"""The chart memo: charts are redrawn only when what they show changed (issue 8).

`draw_charts(..., memo=CACHE)` keeps each chart's SVG and PNG in the run's SQLite cache
under a digest of the data it draws and of the drawing code; a later run with the same
digest takes the bytes from there and never imports matplotlib.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import subprocess
import sys

import pytest
from conftest import REPO

from session_retro.analysis import analyze
from session_retro.collect import collect_sessions
from session_retro.render import charts

SESSIONS = REPO / "sessions"
TICKED = "- [ ] Write `scripts/invoices/README.md`"
"""An open action item of `SESSIONS`; ticking it changes the page but no chart."""


@pytest.fixture(scope="module")
def args():
    """draw_charts' data for the bundled sessions."""
    a = analyze(collect_sessions([str(SESSIONS)], jobs=1), generated="x")
    return a.figures.by_category, a.sessions, a.attempts, a.figures.by_month


@pytest.fixture(scope="module")
def fresh(args):
    """The charts drawn without a memo: what every hit must equal, byte for byte."""
    return charts.draw_charts(*args)


@pytest.fixture
def drawn(monkeypatch):
    """The names of the charts drawn (not taken from the memo), in the order asked."""
    names: list[str] = []
    real = charts._draw

    def spy(plots):
        plots = list(plots)
        names.extend(p.name for p in plots)
        return real(plots)

    monkeypatch.setattr(charts, "_draw", spy)
    return names


def _memo_rows(path) -> dict[str, bytes]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT name, key FROM charts"))


def _trend_key(by_month) -> bytes:
    return charts.Plot("trend", charts._trend, (charts._trend_months(by_month),)).key()


def test_a_hit_gives_the_bytes_of_a_fresh_draw_without_drawing(tmp_path, args, fresh, drawn):
    memo = str(tmp_path / "cache.sqlite")
    assert charts.draw_charts(*args, memo=memo) == fresh
    assert drawn == ["pareto", "timeline", "trend"]
    drawn.clear()
    assert charts.draw_charts(*args, memo=memo) == fresh
    assert drawn == []


def test_a_change_of_what_a_chart_draws_redraws_that_chart_only(tmp_path, args, fresh, drawn):
    memo = str(tmp_path / "cache.sqlite")
    by_category, sessions, attempts, by_month = args
    charts.draw_charts(*args, memo=memo)
    drawn.clear()
    month = by_month[0]
    more = dataclasses.replace(month.wasted, sum=month.wasted.sum + 7)
    changed = (dataclasses.replace(month, wasted=more), *by_month[1:])
    again = charts.draw_charts(by_category, sessions, attempts, changed, memo=memo)
    assert drawn == ["trend"]
    assert again[:2] == fresh[:2] and again[2] != fresh[2]


def test_a_change_no_chart_draws_redraws_nothing(tmp_path, args, fresh, drawn):
    # the Pareto reads labels and wasted minutes, not how many sessions a category has
    memo = str(tmp_path / "cache.sqlite")
    by_category, sessions, attempts, by_month = args
    charts.draw_charts(*args, memo=memo)
    drawn.clear()
    recount = tuple(dataclasses.replace(g, sessions=g.sessions + 1) for g in by_category)
    assert charts.draw_charts(recount, sessions, attempts, by_month, memo=memo) == fresh
    assert drawn == []


def test_a_change_of_the_drawing_code_redraws_every_chart(
    tmp_path, args, fresh, drawn, monkeypatch
):
    memo = str(tmp_path / "cache.sqlite")
    charts.draw_charts(*args, memo=memo)
    drawn.clear()
    monkeypatch.setattr(charts, "drawing_fingerprint", lambda *_: b"another matplotlib")
    assert charts.draw_charts(*args, memo=memo) == fresh
    assert drawn == ["pareto", "timeline", "trend"]


def test_a_matplotlibrc_is_part_of_the_drawing_code(tmp_path, monkeypatch):
    # settings the charts' own style leaves alone come from the user's matplotlibrc
    rc = tmp_path / "matplotlibrc"
    rc.write_text("lines.linewidth: 3\n")
    monkeypatch.setenv("MATPLOTLIBRC", str(rc))
    charts.drawing_fingerprint.cache_clear()
    before = charts.drawing_fingerprint()
    rc.write_text("lines.linewidth: 4\n")
    charts.drawing_fingerprint.cache_clear()
    try:
        assert charts.drawing_fingerprint() != before
    finally:
        monkeypatch.delenv("MATPLOTLIBRC")
        charts.drawing_fingerprint.cache_clear()


def test_without_a_memo_every_chart_is_drawn_every_time(args, fresh, drawn):
    assert charts.draw_charts(*args) == fresh
    assert charts.draw_charts(*args) == fresh
    assert drawn == ["pareto", "timeline", "trend"] * 2


def test_no_cache_draws_and_keeps_no_memo(tmp_path, cli_invoke, drawn):
    out = tmp_path / "out"
    for _ in range(2):
        cli_invoke("analyze", SESSIONS, "--out", out, "--quiet", "--no-cache", "--force")
    impact = [n for n in drawn if n.startswith("impact-")]  # sessions/ records protocol changes
    assert impact and impact[: len(impact) // 2] * 2 == impact
    # the timeline is started before the analysis, the other two after it
    assert [n for n in drawn if n not in impact] == ["timeline", "pareto", "trend"] * 2
    assert not (out / ".retro-cache.sqlite").exists()


def test_the_memo_keeps_only_what_the_latest_run_used(tmp_path, args):
    memo = str(tmp_path / "cache.sqlite")
    by_category, sessions, attempts, by_month = args
    charts.draw_charts(*args, memo=memo)
    old = _trend_key(by_month)
    assert _memo_rows(memo)["trend"] == old
    month = by_month[0]
    changed = (dataclasses.replace(month, sessions=month.sessions + 1), *by_month[1:])
    charts.draw_charts(by_category, sessions, attempts, changed, memo=memo)
    rows = _memo_rows(memo)
    assert sorted(rows) == ["pareto", "timeline", "trend"]
    assert rows["trend"] == _trend_key(changed) != old


@pytest.mark.parametrize(
    "damage",
    [
        # a payload whose bytes no longer match their digest
        "UPDATE charts SET png = x'00' WHERE name = 'pareto'",
        # a payload of the wrong type
        "UPDATE charts SET svg = 'text, not bytes' WHERE name = 'pareto'",
        # a table of another layout (another version's): no row can be read at all
        "DROP TABLE charts; CREATE TABLE charts (key BLOB PRIMARY KEY, name TEXT)",
    ],
    ids=["bad-digest", "wrong-type", "other-layout"],
)
def test_a_damaged_memo_is_redrawn_and_repaired(tmp_path, args, fresh, drawn, damage):
    memo = str(tmp_path / "cache.sqlite")
    charts.draw_charts(*args, memo=memo)
    with sqlite3.connect(memo) as db:
        db.executescript(damage)
    drawn.clear()
    assert charts.draw_charts(*args, memo=memo) == fresh
    assert "pareto" in drawn
    drawn.clear()
    assert charts.draw_charts(*args, memo=memo) == fresh
    assert drawn == []


def test_a_cache_file_that_is_not_a_database_is_redrawn(tmp_path, args, fresh):
    memo = tmp_path / "cache.sqlite"
    memo.write_bytes(b"not a database at all " * 100)
    assert charts.draw_charts(*args, memo=str(memo)) == fresh


_RUN_AND_TELL = """
import sys
from session_retro.cli import cli
try:
    cli.main(args=sys.argv[1:])
except SystemExit as exc:
    assert not exc.code, exc.code
print("matplotlib" in sys.modules)
"""


def test_a_run_after_an_edit_no_chart_shows_does_not_import_matplotlib(tmp_path):
    # A ticked action item changes the page, not a chart: the charts come from the memo
    # and the run never pays matplotlib's import (~0.5 s, issue 8).
    # sessions/ holds protocol-changes.toml: its "Did it work?" charts come from the memo too
    corpus = tmp_path / "sessions"
    shutil.copytree(SESSIONS, corpus)
    out = tmp_path / "out"

    def run() -> bool:
        argv = ["analyze", str(corpus), "--out", str(out), "--quiet"]
        cmd = [sys.executable, "-c", _RUN_AND_TELL, *argv]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return done.stdout.strip() == "True"

    assert run()  # the first run draws
    chart_files = {p.name: p.read_bytes() for p in (out / "charts").iterdir()}
    page = (out / "index.html").read_bytes()
    (edited,) = [p for p in corpus.rglob("*.md") if TICKED in p.read_text()]
    edited.write_text(edited.read_text().replace(TICKED, TICKED.replace("[ ]", "[x]")))
    assert not run()
    assert (out / "index.html").read_bytes() != page  # the edit was rendered
    assert {p.name: p.read_bytes() for p in (out / "charts").iterdir()} == chart_files


def test_report_takes_its_charts_from_the_memo_too(tmp_path, cli_invoke, drawn):
    # `retro report` draws the same three charts for one month, with its own cache at hand
    out = tmp_path / "out"
    for _ in range(2):
        cli_invoke("report", "--month", "2026-08", SESSIONS, "--out", out, "--quiet")
    assert drawn == ["pareto", "timeline", "trend"]
    assert sorted(_memo_rows(out / ".retro-cache.sqlite")) == ["pareto", "timeline", "trend"]


def test_the_impact_charts_keep_their_own_memo_beside_the_reports(tmp_path, cli_invoke, drawn):
    # two sets of charts in one run, each kept under its scope: neither write drops the
    # other's entries, so a second run draws nothing at all
    out = tmp_path / "out"
    cli_invoke("analyze", SESSIONS, "--out", out, "--quiet")
    first = list(drawn)
    impact = [n for n in first if n.startswith("impact-")]
    assert impact, "sessions/ records protocol changes: their charts are drawn"
    assert sorted(_memo_rows(out / ".retro-cache.sqlite")) == sorted(first)
    cli_invoke("analyze", SESSIONS, "--out", out, "--quiet", "--force")
    assert drawn == first, "the forced run took every chart from the memo"
    with sqlite3.connect(out / ".retro-cache.sqlite") as db:
        scopes = dict(db.execute("SELECT name, scope FROM charts"))
    assert {scopes[n] for n in impact} == {"impact"}
    assert {scopes[n] for n in ("pareto", "timeline", "trend")} == {"report"}


def test_any_change_to_the_package_code_is_a_change_of_the_drawing_code(monkeypatch):
    # a chart's labels are formatted by helpers of other modules (render.markdown's
    # `minutes` for the impact charts): the whole package's code keys the memo
    charts.drawing_fingerprint.cache_clear()
    before = charts.drawing_fingerprint()
    monkeypatch.setattr(charts, "code_fingerprint", lambda: "render/markdown.py edited")
    charts.drawing_fingerprint.cache_clear()
    try:
        assert charts.drawing_fingerprint() != before
    finally:
        monkeypatch.undo()
        charts.drawing_fingerprint.cache_clear()
