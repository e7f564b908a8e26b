"""Review of the warm drawer, the drawing beside the writes and the dense pair bound
(issue 8): what they must keep as it was, and the defects it found (fixed since: an
orphaned warm process and its children, charts out of page order for --templates, a
chart failure after files were written, a dense graph that never recovered)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from session_retro.forked import Warm, in_child
from session_retro.near import ITEMS, NOTES, Near
from session_retro.render import charts

SRC = Path(__file__).resolve().parent.parent / "src"


def _socket_inodes() -> set[int]:
    """The inodes of the sockets this process holds open."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            st = os.fstat(int(fd))
        except OSError:
            continue
        if stat.S_ISSOCK(st.st_mode):
            inodes.add(st.st_ino)
    return inodes


def _warm_or_skip() -> Warm:
    w = Warm(lambda: None)
    if w._conn is None:
        pytest.skip("no fork here: no warm process")
    return w


def _gone(pid: int, within: float = 3.0) -> bool:
    """Whether process `pid` has ended (or is a zombie) within `within` seconds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_the_warm_process_does_not_hold_the_callers_end_of_its_pipe():
    w = _warm_or_skip()
    try:
        mine = os.fstat(w._conn.fileno()).st_ino
        assert mine not in w.submit(_socket_inodes)()
    finally:
        w.close()


_DIES = textwrap.dedent(
    """
    import os, signal, sys
    from session_retro.forked import Warm
    w = Warm(lambda: None)
    if w._conn is None:
        sys.exit(3)
    with open(sys.argv[1], "w") as f:
        f.write(str(w._end._args[1].pid))
    os.kill(os.getpid(), signal.SIGKILL)  # as a timeout's SIGKILL, or the OOM killer
    """
)


def test_a_killed_caller_leaves_no_warm_process_holding_its_output(tmp_path):
    pid_file = tmp_path / "pid"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _DIES, str(pid_file)], stdout=subprocess.PIPE, env=env
    )
    proc.wait()
    if proc.returncode == 3:
        pytest.skip("no fork here: no warm process")
    warm = int(pid_file.read_text())
    try:
        # EOF on the caller's stdout: no process holds it any longer
        ready, _, _ = select.select([proc.stdout], [], [], 3.0)
        assert ready and proc.stdout.read() == b""
        assert _gone(warm)
    finally:
        _kill(warm)
        proc.stdout.close()


def _big_in_child(pid_file: str) -> bytes:
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    return b"x" * 1_000_000  # more than a pipe holds: a chart's PNG is ~100 KB


def _busy_with_a_child(pid_file: str) -> None:
    in_child(_big_in_child, pid_file)  # started, never read: closed meanwhile
    time.sleep(30)


def test_closing_a_busy_warm_process_ends_its_children(tmp_path):
    w = _warm_or_skip()
    pid_file = tmp_path / "pid"
    w.submit(_busy_with_a_child, str(pid_file))
    end = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        if time.monotonic() > end:
            w.close()
            pytest.skip("no child forked in the warm process")
        time.sleep(0.02)
    child = int(pid_file.read_text())
    w.close()
    try:
        assert _gone(child)
    finally:
        _kill(child)


PAGE_ORDER = "{% for c in page.charts %}{{ c.name }};{% endfor %}\n"


def test_html_files_gives_a_template_the_charts_in_page_order(tmp_path):
    """The reference: `retro report`'s page (html_files drawing its own charts)."""
    from conftest import REPO

    from session_retro.analysis import analyze
    from session_retro.collect import collect_sessions
    from session_retro.render.html import html_files

    (tmp_path / "index.html.j2").write_text(PAGE_ORDER)
    a = analyze(collect_sessions([str(REPO / "sessions")], jobs=1), generated="x")
    page = html_files(a, tmp_path)
    assert page["index.html"] == b"pareto;timeline;trend;"


def test_analyze_gives_a_template_the_charts_in_page_order(work, cli_invoke):
    tpl = work / "tpl"
    tpl.mkdir()
    (tpl / "index.html.j2").write_text(PAGE_ORDER)
    cli_invoke("analyze", "sessions", "--out", "out", "--no-cache", "-q", "--templates", tpl)
    assert (work / "out" / "index.html").read_bytes() == b"pareto;timeline;trend;"


def _trend_fails(months):
    raise RuntimeError("no chart today")


def test_a_chart_that_cannot_be_drawn_writes_nothing(work, cli_invoke, monkeypatch):
    monkeypatch.setattr(charts, "_trend", _trend_fails)
    result = cli_invoke("analyze", "sessions", "--out", "out", "--no-cache", "-q", expect=None)
    assert result.exit_code != 0
    written = sorted(str(p.relative_to(work)) for p in (work / "out").rglob("*") if p.is_file())
    assert written == []


def test_a_bad_template_still_writes_nothing(work, cli_invoke):
    tpl = work / "tpl"
    tpl.mkdir()
    (tpl / "index.html.j2").write_text("{{ page.no_such_thing }}\n")
    cli_invoke("analyze", "sessions", "--out", "out", "-q", "--templates", tpl, expect=None)
    written = [p for p in (work / "out").rglob("*") if p.is_file()]
    assert [p for p in written if not p.name.startswith(".retro-cache")] == []


def test_an_input_named_like_a_chart_of_the_page_is_refused_before_any_write(tmp_path):
    from session_retro.export.tables import UnsafePath, stage_outputs

    out = tmp_path / "out"
    (out / "charts").mkdir(parents=True)
    mine = out / "charts" / "timeline.png"
    mine.write_bytes(b"mine")
    with pytest.raises(UnsafePath):
        stage_outputs(out, {"report.md": b"x"}, protect=[mine], later=["charts/timeline.png"])
    assert not (out / "report.md").exists()
    assert mine.read_bytes() == b"mine"


def test_two_draws_keep_each_chart_under_its_own_key(tmp_path):
    """A memo written from two `draw` calls, one of them partly a hit, holds each chart
    under its own plot's key; a third drawing takes them all from there, unchanged."""
    from conftest import REPO

    from session_retro.analysis import analyze
    from session_retro.collect import collect_sessions

    a = analyze(collect_sessions([str(REPO / "sessions")], jobs=1), generated="x")
    memo = str(tmp_path / "cache.sqlite")
    timeline = charts.timeline_plot(a.sessions, a.attempts)
    pareto, trend = charts.figure_plots(a.figures.by_category, a.figures.by_month)
    first = charts.Drawing(memo)
    first.draw([pareto])
    first.charts()
    second = charts.Drawing(memo)
    second.draw([timeline])
    second.draw([pareto, trend])
    got = second.charts()
    assert [c.name for c in got] == ["timeline", "pareto", "trend"]
    third = charts.Drawing(memo)
    third.draw([trend, timeline, pareto])
    assert [c.name for c in third.charts()] == ["trend", "timeline", "pareto"]
    assert {c.name: c for c in third.charts()} == {c.name: c for c in got}


def test_a_dense_graph_recovers_once_its_texts_are_gone(monkeypatch):
    import session_retro.near as near_mod

    monkeypatch.setattr(near_mod, "_PAIRS_SLACK", 0)
    monkeypatch.setattr(near_mod, "_PAIRS_PER_FORM", 2)
    g = Near(ITEMS, 80.0)
    assert g.grow([f"restart worker number {n}" for n in range(40)]) is False
    kept = g.kept()
    kept.used = set()
    # a later unfiltered run: a team's own, unrelated words
    assert kept.grow(["write the runbook", "add a retry budget", "pin the node version"])


def test_a_dense_graph_keeps_nothing_and_merges_as_without_pairs(monkeypatch):
    import session_retro.near as near_mod
    from session_retro.recommend import cluster

    texts = [f"Retry the flaky deploy step {n} times" for n in range(60)] + [
        "Write the runbook first",
        "write the runbook first!",
    ]
    plain = cluster(texts, threshold=85.0)
    monkeypatch.setattr(near_mod, "_PAIRS_SLACK", 0)
    monkeypatch.setattr(near_mod, "_PAIRS_PER_FORM", 2)
    g = Near(NOTES, 85.0)
    assert cluster(texts, threshold=85.0, near=g) == plain
    assert g.dense and g.pairs == {}
    kept = g.kept()
    assert kept.dense and kept.pairs == {} and kept.used == set()
    assert cluster(texts, threshold=85.0, near=kept) == plain
