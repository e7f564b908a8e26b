"""`merge_rows`, the column-wise merge behind the backlog and the page's open items (issue 8).

It replaced a merge over one `Source` object per line; a generated corpus with
near-duplicates, undated sessions, ties and every priority checks it returns what
that merge returned (`_merge_before`, kept here as the reference), and that the
page's open items are the backlog's open items, source for source.
"""

from __future__ import annotations

import random
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_collect import bench_module

from session_retro.analysis import analyze
from session_retro.backlog import items
from session_retro.backlog.items import (
    PRIORITY_ORDER,
    BacklogItem,
    Source,
    _cluster,
    assign_ids,
    id_text,
    merge_rows,
    merge_sources,
    session_sources,
)
from session_retro.model import ActionItem, Priority, Session
from session_retro.render.html import open_actions

WORDS = ["lock", "timeout", "pipeline", "cache", "retry", "schema", "clock", "index", "queue"]


def _item_texts(rng: random.Random) -> list[tuple[str, Priority | None]]:
    """Distinct items, each with variants the merge must fold (case, markup, a typo), and
    the priority its lines usually carry."""
    out = []
    for _ in range(30):
        words = rng.sample(WORDS, 4)
        base = f"Add {' '.join(words)}"
        typo = base[:-1] + ("x" if base[-1] != "x" else "y")
        prio = rng.choice([*Priority, None])
        out += [(t, prio) for t in (base, base.upper(), f"**{base}**.", typo)]
    return out + [("**", None), ("`x`", None)]  # markup only / nearly nothing


def _corpus(seed: int, n: int = 60) -> list[Session]:
    rng = random.Random(seed)
    texts = _item_texts(rng)
    sessions = []
    for k in range(n):
        day = None if rng.random() < 0.15 else f"2026-0{rng.randint(1, 3)}-1{rng.randint(0, 2)}"
        picked = [rng.choice(texts) for _ in range(rng.randint(0, 6))]
        items = tuple(
            # its usual priority, none written, or now and then another one
            ActionItem(
                t,
                rng.choice([p, None, None, rng.choice(list(Priority))]),
                rng.random() < 0.3,
                20 + i,
            )
            for i, (t, p) in enumerate(picked)
        )
        # paths not in date order, so the (date, path, line) sort has work to do
        source = f"s/{rng.randint(0, n // 2):03d}-{k}.md"
        sessions.append(Session(source=source, date=day, action_items=items))
    return sessions


def _merge_before(sources, threshold=90.0, known=None) -> tuple[BacklogItem, ...]:
    """The merge as it was before `merge_rows`: a Source per line, sorted, clustered."""
    norm_of: dict[str, str] = {}
    pairs, norms = [], []
    for sp in sorted(sources, key=lambda sp: (sp[0].date or "9999", sp[0].path, sp[0].line)):
        n = norm_of.get(sp[0].text)
        if n is None:
            n = norm_of[sp[0].text] = id_text(sp[0].text)
        if n:
            pairs.append(sp)
            norms.append(n)
    groups = _cluster(norms, threshold)
    texts = [tuple(dict.fromkeys([pairs[i][0].text for i in g])) for g in groups]
    ids = assign_ids(texts, known or {}, threshold)
    items = []
    for g, iid in zip(groups, ids, strict=True):
        members = [pairs[i] for i in g]
        srcs = tuple(s for s, _ in members)
        found = {p for _, p in members if p is not None}
        prio = next((p for p in PRIORITY_ORDER if p in found), None)
        dated = [s for s in srcs if s.date]
        done = max(dated, key=lambda s: s.date).done if dated else all(s.done for s in srcs)
        items.append(BacklogItem(iid, srcs[0].text, prio, done, srcs))
    order = {p: i for i, p in enumerate(PRIORITY_ORDER)}
    ranked = sorted(
        items, key=lambda it: (order[it.priority], -it.recurrences, id_text(it.text), it.id)
    )
    return tuple(
        BacklogItem(it.id, it.text, it.priority, it.done, it.sources, n)
        for n, it in enumerate(ranked, 1)
    )


@pytest.mark.parametrize("seed", range(8))
def test_merge_sources_returns_what_the_per_source_merge_returned(seed):
    sources = session_sources(_corpus(seed))
    known = {"0123456789": ["add lock timeout pipeline cachx"]}  # an ID the backlog holds
    assert merge_sources(sources) == _merge_before(sources)
    assert merge_sources(sources, known=known) == _merge_before(sources, known=known)
    assert merge_sources(sources, threshold=70) == _merge_before(sources, threshold=70)


@pytest.mark.parametrize("seed", range(8))
def test_page_open_items_are_the_backlogs_open_items(seed):
    # no recommendations: an unprioritised item takes no priority from one on either side
    sessions = _corpus(seed)
    backlog = [it for it in merge_sources(session_sources(sessions)) if not it.done]
    rows, total = open_actions(analyze(sessions, generated="now"), limit=None)
    assert total == len(backlog)
    assert [(r.text, r.priority, r.sources) for r in rows] == [
        (
            it.text,
            it.priority.value if it.priority else None,
            tuple((s.path, s.line) for s in it.sources),
        )
        for it in backlog
    ]


def test_merge_rows_keeps_input_order_among_equal_keys():
    # two lines with the same (date, path, line): the first given is the shown text
    rows = merge_rows(
        ["a.md", "a.md"],
        [3, 3],
        [None, None],
        ["Fix the lock", "fix the LOCK"],
        [False, False],
        [None, Priority.LOW],
    )
    assert [(m.rows, m.priority) for m in rows] == [((0, 1), Priority.LOW)]
    swapped = merge_rows(
        ["a.md", "a.md"], [3, 3], [None, None], ["b", "a"], [False, True], [None, None]
    )
    assert [m.rows for m in swapped] == [(1,), (0,)]  # ranked by text; b's row is 0
    assert [m.done for m in swapped] == [True, False]


def test_merge_rows_source_order_decides_done_and_shown_text():
    srcs = [
        Source("b.md", 1, "2026-02-01", None, "Pin node", True),
        Source("a.md", 9, "2026-02-01", None, "pin Node", False),  # same day, earlier path
        Source("c.md", 1, None, None, "Pin node.", True),
    ]
    (item,) = merge_sources([(s, None) for s in srcs])
    assert item.text == "pin Node" and item.done is False  # first of the newest day's tie
    assert [s.path for s in item.sources] == ["a.md", "b.md", "c.md"]  # undated last


_cluster_by_token_sort = bench_module("cluster").items_before
"""`_cluster` as it was: token_sort_ratio against every head, one item at a time (the
reference bench/cluster.py times it against)."""


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from([*WORDS, "a", "lok", "timeuot", "ünïcode", "x1"]),
            min_size=1,
            max_size=6,
        ).map(" ".join),
        max_size=40,
    ),
    st.sampled_from([0.0, 50.0, 85.0, 90.0, 100.0]),
)
def test_cluster_scores_as_token_sort_ratio(texts, threshold):
    norms = [id_text(t) for t in texts]
    norms = [n for n in norms if n]
    want = _cluster_by_token_sort(norms, threshold)
    assert _cluster(norms, threshold) == want
    # a window at a time, as past _WINDOWS_FROM distinct texts: windows of 3 here, so
    # heads come before a window, inside it and both
    with (
        mock.patch.object(items, "_WINDOWS_FROM", 0),
        mock.patch.object(items, "_WINDOW", 3),
    ):
        assert _cluster(norms, threshold) == want


def test_known_ids_are_matched_by_token_sort_ratio():
    # the words of a known text in another order still find its ID
    known = {"abc": ["retry the lock timeout in the pipeline"]}
    ids = assign_ids([("pipeline: the lock timeout, retry",)], known, 85.0)
    assert ids == ["abc"]


@pytest.mark.parametrize("window", [3, 1000])
def test_a_text_as_like_two_heads_joins_the_first(window):
    # "cache index" scores 62.5 with both "index" and "cache", which are unlike each
    # other: it joins the earlier, in one window or one by one
    norms = ["index", "cache", "cache index"]
    with (
        mock.patch.object(items, "_WINDOWS_FROM", 0 if window == 3 else 1000),
        mock.patch.object(items, "_WINDOW", window),
    ):
        assert _cluster(norms, 60.0) == [[0, 2], [1]]
    assert _cluster_by_token_sort(norms, 60.0) == [[0, 2], [1]]
