"""Figures on the sample reflections, recomputed by hand (see retro_samples.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from retro_samples import write_samples

from session_retro.aggregate import Filters, filter_sessions, stat
from session_retro.analysis import analyze
from session_retro.collect import collect_sessions


@pytest.fixture
def sessions(tmp_path):
    return collect_sessions([str(write_samples(tmp_path, undated=True))])


@pytest.fixture
def analysis(tmp_path):
    return analyze(collect_sessions([str(write_samples(tmp_path))]), generated="test")


def test_stat_reports_median_p90_and_gaps():
    s = stat(pd.Series([10.0, None, 30.0, 20.0], dtype="Float64"))
    assert (s.sum, s.median, s.p90, s.count, s.missing) == (60.0, 20.0, 28.0, 3, 1)
    empty = stat(pd.Series([None], dtype="Float64"))
    assert (empty.sum, empty.median, empty.p90, empty.missing) == (0.0, None, None, 1)


def test_headline_hand_computed(analysis):
    h = analysis.figures.headline
    assert h.sessions == 3
    assert (h.attempts, h.wasted_attempts) == (9, 6)
    assert h.total.sum == 190 and h.total.median == 60
    assert h.wasted.sum == 100
    assert h.wasted.median == 30  # per session: 30, 45, 25
    assert h.wasted.p90 == pytest.approx(42.0)  # 30 + 0.8 * (45 - 30)
    assert h.waste_share == pytest.approx(100 / 190)
    assert (h.partial_minutes, h.productive_minutes) == (20, 15)
    assert (h.unclassified_minutes, h.unclassified_attempts) == (15, 1)
    assert (h.attempts_without_minutes, h.wasted_attempts_without_minutes) == (1, 1)
    assert h.sessions_without_total == 0


def test_by_category_hand_computed(analysis):
    rows = {r.key: r for r in analysis.figures.by_category}
    assert [r.key for r in analysis.figures.by_category] == [
        "skipped-discovery",
        "flaky-tests",
        "access-blocked",
        "unclassified",
    ]
    sd = rows["skipped-discovery"]
    assert (sd.attempts, sd.sessions, sd.minutes.sum, sd.minutes.median) == (2, 2, 45, 22.5)
    assert sd.share == pytest.approx(0.45)
    fl = rows["flaky-tests"]
    assert (fl.minutes.sum, fl.minutes.missing, fl.share) == (30, 1, pytest.approx(0.30))
    assert rows["unclassified"].minutes.sum == 15
    assert sum(r.minutes.sum for r in rows.values()) == analysis.figures.headline.wasted.sum


def test_by_outcome_project_month(analysis):
    f = analysis.figures
    assert [(r.key, r.attempts, r.minutes.sum) for r in f.by_outcome] == [
        ("failed", 6, 100),
        ("partial", 1, 20),
        ("succeeded", 2, 15),
    ]
    assert [(r.key, r.wasted.sum) for r in f.by_project] == [
        ("beta", 45),
        ("alpha", 30),
        ("gamma", 25),
    ]
    months = {r.key: r for r in f.by_month}
    assert list(months) == ["2026-01", "2026-02"]
    feb = months["2026-02"]
    assert (feb.sessions, feb.total.sum, feb.wasted.sum) == (2, 130, 70)
    assert feb.waste_share == pytest.approx(70 / 130)


def test_worst_sessions_carry_their_own_time_table(analysis):
    worst = analysis.figures.worst_sessions
    assert [w.project for w in worst] == ["beta", "alpha", "gamma"]
    beta = worst[0]
    assert [(t.index, t.minutes, t.outcome, t.category) for t in beta.attempts] == [
        (1, 30, "failed", "flaky-tests"),
        (2, 15, "failed", "unclassified"),
        (3, None, "failed", "flaky-tests"),
        (4, 20, "partial", None),
    ]


@pytest.mark.parametrize(
    "filters, projects, undated",
    [
        pytest.param(Filters(), {"alpha", "beta", "gamma", "delta"}, 0, id="none-keeps-undated"),
        pytest.param(Filters(since=date(2026, 2, 1)), {"beta", "gamma"}, 1, id="since"),
        pytest.param(Filters(until=date(2026, 2, 3)), {"alpha", "beta"}, 1, id="until-inclusive"),
        pytest.param(Filters(date(2026, 2, 3), date(2026, 2, 3)), {"beta"}, 1, id="one-day"),
        pytest.param(Filters(project="GAMMA"), {"gamma"}, 0, id="project-any-case"),
        pytest.param(Filters(project="nope"), set(), 0, id="project-unknown"),
    ],
)
def test_filters(sessions, filters, projects, undated):
    kept, n_undated = filter_sessions(sessions, filters)
    assert {s.project for s in kept} == projects
    assert n_undated == undated
