"""`collect_sessions`: the process pool gives exactly the serial records, in order.

Speed is measured by `bench/analyze.py`; these tests only check that the parallel and
cached paths change nothing about the records.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

from session_retro import collect
from session_retro.collect import collect_sessions

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "golden" / "cases"


def _make_corpus():
    """bench/make_corpus.py, loaded by path (bench/ is not a package)."""
    return bench_module("make_corpus")


def bench_module(stem: str):
    """bench/`stem`.py, loaded by path once."""
    name = f"retro_bench_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{stem}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """120 generated reflections in every format, a few broken on purpose."""
    folder = tmp_path_factory.mktemp("corpus")
    _make_corpus().generate(120, folder, seed=8, broken=0.05)
    return folder


def test_pool_matches_serial_on_generated_corpus(corpus):
    # pool_threshold=0 forces the pool even for a small corpus; chunks come back in
    # completion order inside the pool, so this also proves the reordering
    serial = collect_sessions([str(corpus)], jobs=1)
    pooled = collect_sessions([str(corpus)], jobs=2, pool_threshold=0)
    assert len(serial) == 120
    assert any(s.error for s in serial), "the corpus should hold broken files"
    assert [s.source for s in pooled] == [s.source for s in serial]
    assert pooled == serial


def test_pool_matches_serial_on_golden_cases():
    # the golden cases hold the odd encodings (UTF-16, mojibake, CRLF) the pickling
    # round trip between processes must carry unchanged
    serial = collect_sessions([str(CASES)], jobs=1)
    pooled = collect_sessions([str(CASES)], jobs=2, pool_threshold=0)
    assert len(serial) >= 10
    assert pooled == serial
    assert [s.extra for s in pooled] == [s.extra for s in serial]


def test_sorted_order_and_every_path_kept(corpus, tmp_path):
    # a missing path keeps its place with an error; a file given twice appears once
    # (twice, its session would be counted twice)
    one = sorted(corpus.rglob("*.md"))[0]
    paths = [str(one), str(tmp_path / "missing.md"), str(one)]
    for jobs, threshold in ((1, 64), (2, 0)):
        out = collect_sessions(paths, jobs=jobs, pool_threshold=threshold)
        assert [s.source for s in out] == paths[:2]
        assert out[1].error == "no such file or folder"
        assert out[0].error is None


def test_progress_counts_every_file(corpus):
    seen = []
    collect_sessions(
        [str(corpus)], jobs=2, pool_threshold=0, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(i, 120) for i in range(1, 121)]


def test_small_runs_stay_in_process(corpus, monkeypatch):
    # below the threshold no pool starts: the parse happens here, where a patch sees it
    calls = []
    real = collect.read_file
    monkeypatch.setattr(collect, "read_file", lambda p, **kw: calls.append(p) or real(p, **kw))
    files = sorted(str(p) for p in corpus.rglob("*.md"))[:5]
    collect_sessions(files, jobs=2)
    assert calls == files


def test_no_cache_path_writes_nothing(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    collect_sessions([str(corpus)], jobs=1)
    assert list(tmp_path.iterdir()) == []


def test_no_pool_available_falls_back_to_serial(corpus, monkeypatch):
    # some sandboxes have no semaphores for multiprocessing: the run still completes
    def refuse(*args, **kw):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(collect, "ProcessPoolExecutor", refuse)
    assert collect_sessions([str(corpus)], jobs=2, pool_threshold=0) == collect_sessions(
        [str(corpus)], jobs=1
    )


def test_analysis_split_across_processes_equals_one_process(corpus, monkeypatch):
    # analyze builds the tables in a forked child while it ranks (issue 8); the
    # analysis, down to the JSON bytes and every frame, must not depend on where
    from pandas.testing import assert_frame_equal

    from session_retro import analysis
    from session_retro.analysis import analyze
    from session_retro.export.tables import analysis_json
    from session_retro.forked import in_child

    sessions = collect_sessions([str(corpus), str(REPO / "sessions")], jobs=1)
    forks: list[bool] = []

    def spy(fn, *args):
        wait = in_child(fn, *args)
        forks.append(not isinstance(wait, functools.partial))  # a partial: no fork here
        return wait

    monkeypatch.setattr(analysis, "in_child", spy)
    monkeypatch.setattr(analysis, "SPLIT_FROM", 0)  # the corpus is smaller than a split pays for
    forked = analyze(sessions, generated="x")
    if forks != [True]:
        pytest.skip("no second CPU or no fork here: nothing to compare")
    children: list[str] = []

    def here(fn, *args):
        children.append(fn.__name__)
        return lambda: fn(*args)

    monkeypatch.setattr(analysis, "in_child", here)
    alone = analyze(sessions, generated="x")
    assert children == ["_figures_and_notes"], "the split must be the one this test undoes"
    assert forked == alone
    assert analysis_json(forked, None) == analysis_json(alone, None)
    for name in ("sessions", "attempts", "actions"):
        assert_frame_equal(getattr(forked, name), getattr(alone, name), check_exact=True)
