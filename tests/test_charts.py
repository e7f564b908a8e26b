"""render.charts: what the speed work of issue 8 must keep true."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO


def test_cli_start_up_does_not_import_matplotlib():
    # A warm re-run draws nothing; importing matplotlib costs it ~0.3 s (issue 8). The
    # charts import it when they draw. A fresh interpreter: this one has it already.
    code = "import sys, session_retro.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_timeline_notes_each_on_its_own_line():
    # Side by side, the untimed-attempts note and the most-recent cap ran past the
    # figure's right edge at 10,000 sessions and were cut off.
    from session_retro.render.charts import TIMELINE_MAX_SESSIONS, timeline_chart

    n = TIMELINE_MAX_SESSIONS + 1
    sources = [f"s{i:02d}.md" for i in range(n)]
    sessions = pd.DataFrame(
        {
            "source": sources,
            "date": pd.date_range("2026-01-01", periods=n),
            "title": [f"Session {i}" for i in range(n)],
        }
    )
    attempts = pd.DataFrame(
        {
            "source": sources + [sources[-1]],
            "index": [1] * n + [2],
            "outcome": ["failed"] * (n + 1),
            "minutes": [5.0] * n + [None],
        }
    )
    svg = timeline_chart(sessions, attempts).svg
    assert ">1 attempt(s) without stated minutes are not drawn.<" in svg
    assert f">Showing the {TIMELINE_MAX_SESSIONS} most recent of {n} sessions.<" in svg


def test_draw_charts_with_a_forked_timeline_gives_the_same_files():
    # The timeline is drawn in a child process when a second CPU is free (issue 8);
    # the files must not depend on where it was drawn.
    from session_retro.analysis import analyze
    from session_retro.collect import collect_sessions
    from session_retro.render.charts import draw_charts, pareto_chart, timeline_chart, trend_chart

    a = analyze(collect_sessions([str(REPO / "sessions")], jobs=1), generated="x")
    args = (a.figures.by_category, a.sessions, a.attempts, a.figures.by_month)
    here = (
        pareto_chart(a.figures.by_category),
        timeline_chart(a.sessions, a.attempts),
        trend_chart(a.figures.by_month),
    )
    assert draw_charts(*args) == here


def test_charts_drawn_by_the_warm_drawer_are_the_charts_drawn_here():
    # `retro analyze` draws in a process forked early (it imports matplotlib while the
    # run reads), the timeline before the analysis and the rest after (issue 8): the
    # files must not depend on where, when or in how many pieces they were drawn.
    from session_retro.analysis import analyze
    from session_retro.collect import collect_sessions
    from session_retro.render.charts import (
        Drawing,
        draw_charts,
        drawer,
        figure_plots,
        timeline_plot,
    )

    a = analyze(collect_sessions([str(REPO / "sessions")], jobs=1), generated="x")
    here = draw_charts(a.figures.by_category, a.sessions, a.attempts, a.figures.by_month)
    warm = drawer()
    try:
        drawing = Drawing(drawer=warm)
        drawing.draw([timeline_plot(a.sessions, a.attempts)])
        drawing.draw(figure_plots(a.figures.by_category, a.figures.by_month))
        there = drawing.charts()
    finally:
        warm.close()
    assert {c.name: c for c in there} == {c.name: c for c in here}
    assert [c.name for c in there] == ["timeline", "pareto", "trend"]  # as asked


def test_a_chart_failing_in_the_child_raises_in_the_caller():
    # The child exits quietly and the parent draws again, so the error and its
    # traceback surface where the caller can see them.
    from session_retro.forked import in_child

    def broken():
        raise ValueError("no such chart")

    wait = in_child(broken)
    with pytest.raises(ValueError, match="no such chart"):
        wait()


def test_control_characters_in_a_title_leave_the_svg_well_formed(tmp_path, cli_invoke):
    # an ESC in a reflection's title reached the timeline's <text>: XML forbids it, and
    # the SVG (also inlined in index.html) could not be read
    from xml.dom import minidom

    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.md").write_bytes(
        b"# Fix \x1b[2J the \x07build\n\n**Date**: 2026-03-01\n\n"
        b"### Attempt 1: Retry (5 min) \xe2\x9d\x8c\n\n### Attempt 2: Pin it (10 min) \xe2\x9c\x85\n"
    )
    cli_invoke("analyze", tmp_path / "s", "--out", tmp_path / "o", "--quiet")
    for svg in (tmp_path / "o" / "charts").glob("*.svg"):
        minidom.parse(str(svg))  # raises on a character XML does not allow
    assert "Fix [2J the build" in (tmp_path / "o" / "charts" / "timeline.svg").read_text()


def test_characters_the_pinned_font_lacks_draw_without_warnings(tmp_path):
    # a Japanese title: DejaVu Sans has no glyph for it, and matplotlib printed one
    # warning per character on the user's terminal (from the process drawing the
    # timeline: a real run, not CliRunner); the SVG keeps the text
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.md").write_text(
        "# ファイル修正の振り返り\n\n**Date**: 2026-03-01\n\n"
        "### Attempt 1: Retry (5 min) ❌\n\n### Attempt 2: Pin it (10 min) ✅\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "session_retro", "analyze", "s", "--out", "o", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "missing from font" not in run.stderr
    timeline = (tmp_path / "o" / "charts" / "timeline.svg").read_text(encoding="utf-8")
    assert "ファイル修正の振り返り" in timeline
