"""`near`: the greedy merges replayed from kept pairs equal the merges from nothing.

Generated lists of texts (near-duplicates, word orders, typos, headlines, one- and
two-word texts, texts that normalize to nothing, repeats) are merged by
`recommend.cluster` and `backlog.items._cluster`, and replayed from a `Near` grown over
one or two earlier lists first (the next run's graph holds the last run's forms), at
thresholds from 0 to 100.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.backlog.items import _cluster, id_text
from session_retro.near import ITEMS, NOTES, Near, replay_items, replay_notes
from session_retro.recommend import cluster, headline, normalize

WORDS = ["lock", "timeout", "pipeline", "cache", "retry", "the", "check", "lok", "cahce", "ünï"]
LEADS = ["Flaky test treated as a failure:", "Stale docs.", "This was a mistake.", ""]

texts = st.lists(
    st.builds(
        lambda lead, words, end: f"{lead} {' '.join(words)}{end}".strip(),
        st.sampled_from(LEADS),
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=6),
        st.sampled_from(["", ".", " ***", "!"]),
    ),
    max_size=30,
)
thresholds = st.sampled_from([0.0, 40.0, 70.0, 85.0, 90.0, 100.0])


def grown(rule: str, threshold: float, *runs: list[str]) -> Near:
    near = Near(rule, threshold)
    for forms in runs:
        near.grow(forms)
    return near


@settings(max_examples=300, deadline=None)
@given(texts, texts, thresholds)
def test_notes_replayed_from_kept_pairs_merge_as_cluster(before, now, threshold):
    normal = {t: normalize(t) for t in now}
    near = grown(NOTES, threshold, [normalize(t) for t in before], list(normal.values()))
    assert replay_notes(now, near, normal, headline) == cluster(now, threshold)


@settings(max_examples=300, deadline=None)
@given(texts, texts, thresholds)
def test_items_replayed_from_kept_pairs_merge_as_the_backlog(before, now, threshold):
    norms = [n for n in (id_text(t) for t in now) if n]
    old = [n for n in (id_text(t) for t in before) if n]
    near = grown(ITEMS, threshold, old, norms)
    assert replay_items(norms, near) == _cluster(norms, threshold)


def test_grow_scores_only_new_forms_and_keeps_every_pair():
    near = grown(NOTES, 85.0, ["retry the lock timeout", "check the cache"])
    assert near.pairs["retry the lock timeout"] == {"retry the lock timeout": 100.0}
    near.grow(["retry the lock timeout", "retry the lock timeout again"])
    assert "retry the lock timeout again" in near.pairs["retry the lock timeout"]
    assert set(near.pairs) == {
        "retry the lock timeout",
        "check the cache",
        "retry the lock timeout again",
    }


def test_prune_drops_forms_gone_once_they_are_half_the_graph():
    near = grown(ITEMS, 85.0, ["a b c", "a b d", "x y z"])
    near.prune({"a b c", "a b d"})
    assert set(near.pairs) == {"a b c", "a b d", "x y z"}  # a third gone: kept
    near.prune({"a b c"})
    assert set(near.pairs) == {"a b c"}
    assert set(near.pairs["a b c"]) <= {"a b c"}


def test_a_form_as_near_two_heads_joins_the_earlier_whatever_order_they_were_kept_in():
    # "pipeline test add" scores 86.7 with both heads, which are not near each other;
    # the graph met the later head first
    a, b, x = "cache retry pipeline test", "test pipeline index", "pipeline test add"
    near = grown(NOTES, 85.0, [b, a], [x])
    normal = {t: t for t in (a, b, x)}  # normalized already
    assert replay_notes([a, b, x], near, normal, headline) == [[0, 2], [1]] == cluster([a, b, x])
    items = grown(ITEMS, 60.0, ["index", "cache"], ["cache index"])
    assert replay_items(["index", "cache", "cache index"], items) == [[0, 2], [1]]
    assert _cluster(["index", "cache", "cache index"], 60.0) == [[0, 2], [1]]


def test_the_forms_a_run_grew_by_cross_to_the_parent_are_not_kept_and_decide_the_prune():
    import pickle

    near = grown(NOTES, 85.0, ["retry the lock timeout", "check the cache", "pin the clock"])
    near.used = {"check the cache"}
    sent = pickle.loads(pickle.dumps(near))  # from the reduce's child
    assert sent == near and sent.used == {"check the cache"}
    assert near.kept() == near and near.kept().used == set()
    sent.prune()  # one of three used: the other two go
    assert set(sent.pairs) == {"check the cache"}


@settings(max_examples=100, deadline=None)
@given(texts, thresholds)
def test_pairs_scored_in_blocks_or_through_the_sieve_are_the_same(now, threshold):
    from unittest import mock

    from session_retro import near as module

    for rule, forms in ((NOTES, [normalize(t) for t in now]), (ITEMS, [id_text(t) for t in now])):
        whole = grown(rule, threshold, forms)
        with mock.patch.object(module, "_COLUMNS", 3):
            blocks = grown(rule, threshold, forms)
        assert blocks.pairs == whole.pairs
        # and through the sieve's bounds, as when more than _FEW forms are new
        with mock.patch.object(module, "_FEW", 0), mock.patch.object(module, "_ROWS", 4):
            sieved = grown(rule, threshold, forms[: len(forms) // 2], forms)
        assert sieved.pairs == whole.pairs


# A dense graph: thousands of texts near each other hold the square of their count in
# pairs (100 million for 10,000 variants of one templated line). Past the bound, the
# graph drops its pairs and the merges run as with none kept: the same groups.

VARIANTS = [
    f"Retry the flaky upload test of build {n} after the cache warms up" for n in range(300)
]
"""300 texts each near all the others: 90,000 pairs, far past a bound of 2 a form."""


def _bounded(monkeypatch):
    import session_retro.near as near_module

    monkeypatch.setattr(near_module, "_PAIRS_PER_FORM", 2)
    monkeypatch.setattr(near_module, "_PAIRS_SLACK", 0)


def test_a_dense_graph_keeps_no_pairs_and_notes_merge_as_with_none(monkeypatch):
    _bounded(monkeypatch)
    near = Near(NOTES, 85.0)
    assert cluster(VARIANTS, 85.0, near=near) == cluster(VARIANTS, 85.0)
    assert near.dense and near.pairs == {}
    # kept dense: the next run over the same texts and one more grows nothing and
    # merges as with no pairs again
    again = near.kept()
    forms = [normalize(t) for t in VARIANTS]
    assert again.dense and not again.grow([*forms, "a new text"]) and again.pairs == {}
    assert cluster(VARIANTS[::-1], 85.0, near=again) == cluster(VARIANTS[::-1], 85.0)


def test_a_dense_graph_of_action_items_merges_as_the_backlog(monkeypatch):
    _bounded(monkeypatch)
    norms = [id_text(t) for t in VARIANTS]
    near = Near(ITEMS, 90.0)
    assert _cluster(norms, 90.0, near=near) == _cluster(norms, 90.0)
    assert near.dense and near.pairs == {}


def test_growing_stops_as_soon_as_the_bound_is_passed(monkeypatch):
    # the pairs never pile up past the bound before the graph gives up: a run does not
    # hold gigabytes first and drop them after (the scorer hands pairs out lazily)
    import session_retro.near as near_module

    _bounded(monkeypatch)
    handed = []

    class Counted(near_module._Scorer):
        def __call__(self, lo, hi):
            for pair in super().__call__(lo, hi):
                handed.append(pair)
                yield pair

    monkeypatch.setattr(near_module, "_Scorer", Counted)
    assert Near(NOTES, 85.0).grow([normalize(t) for t in VARIANTS]) is False
    # 2 a form: 600 entries, 2 a pair; the first window alone holds ~33,000 pairs
    assert 300 <= len(handed) < 400


def test_sparse_texts_stay_below_the_bound():
    # a team's own words, a phrase pool, one short line inside many longer ones
    lines = [
        f"{w} the {v} before the {x}" for w in WORDS for v in WORDS for x in ("deploy", "merge")
    ]
    lines += ["check the cache"] + [f"check the cache {w} and {v}" for w in WORDS for v in WORDS]
    near = Near(NOTES, 85.0)
    assert near.grow([normalize(t) for t in lines])
    assert not near.dense and len(near.pairs) > 100
