"""Hostile review of the kept near-duplicate pairs (issue 8, src/session_retro/near.py).

The promise: merges replayed from kept pairs equal the merges from nothing, and a
run on kept pairs writes what `--no-cache` writes. The replay held on every input
tried here (the sieve path of `Near.grow`, headlines, empty forms, thresholds 0, 100
and above, prunes between runs, report then analyze); what failed:

- a reduce split into a child (`analysis.SPLIT_FROM` sessions and more) gets the
  child's grown pairs back pickled, without `Near.used`, so the unfiltered run's
  `prune` drops every form: the root causes', lessons' and items' pairs are never
  kept at the scale they were made for;
- `backlog.items._cluster` with pairs raises KeyError on an empty text, which it
  groups without them.
"""

from __future__ import annotations

import pickle
import random
import shutil
from pathlib import Path

import pytest
import test_pieces
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cache import ENV

from session_retro import analysis, pieces
from session_retro.analysis import analyze
from session_retro.backlog.items import _cluster
from session_retro.near import ITEMS, NOTES, Near
from session_retro.recommend import cluster, normalize

# test_pieces' module-scoped fixtures: the same 80 generated reflections
generated = test_pieces.generated
sessions = test_pieces.sessions
folder = test_pieces.folder


def _outputs(folder: Path) -> dict[str, bytes]:
    """What `retro analyze` wrote (not a month folder `retro report` wrote beside it)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not p.name.startswith(".retro-")
        and "history" not in p.parts
        and "2025-10" not in p.parts
    }


def _as_from_nothing(cli_invoke, *extra: str) -> None:
    cli_invoke("analyze", "sessions", "--out", "out", "-q", *extra, env=ENV, expect=None)
    fresh = Path("fresh")
    shutil.rmtree(fresh, ignore_errors=True)
    cli_invoke(
        "analyze", "sessions", "--out", fresh, "-q", "--no-cache", *extra, env=ENV, expect=None
    )
    assert _outputs(Path("out")) == _outputs(fresh)


def _pickled_child(fn, *args):
    """`forked.in_child` as a fork does it: the result comes back through a pickle."""
    return lambda: pickle.loads(pickle.dumps(fn(*args)))


# --- defects (fail on main) ---------------------------------------------------------


def test_a_split_reduce_keeps_the_pairs_its_child_grew(sessions, monkeypatch):
    # from 500 sessions the root causes, lessons and items merge in a forked child;
    # its Nears come back pickled, `used` is not in their state, and prune() then
    # takes every form for unused: the kept pairs of those merges are always empty
    monkeypatch.setattr(analysis, "SPLIT_FROM", 0)
    monkeypatch.setattr(analysis, "in_child", _pickled_child)
    nears: dict = {}
    analyze(sessions, generated="", nears=nears)
    assert nears["candidates"].pairs, "the parent's own merge keeps its pairs"
    for name in ("root_cause", "lesson", "items"):
        assert nears[name].pairs, f"{name}: the child's pairs were pruned away"


def test_a_split_reduce_keeps_what_an_unsplit_one_keeps(sessions, monkeypatch):
    plain: dict = {}
    analyze(sessions, generated="", nears=plain)
    monkeypatch.setattr(analysis, "SPLIT_FROM", 0)
    monkeypatch.setattr(analysis, "in_child", _pickled_child)
    split: dict = {}
    analyze(sessions, generated="", nears=split)
    assert {k: n.pairs for k, n in split.items()} == {k: n.pairs for k, n in plain.items()}


def test_items_with_pairs_group_an_empty_text_as_without():
    # latent: merge_rows drops empty ids before _cluster, but _cluster itself
    # promises the same groups with `near` and raises KeyError instead
    norms = ["", "retry the lock", ""]
    assert _cluster(norms, 90.0, Near(ITEMS, 90.0)) == _cluster(norms, 90.0)


# --- what holds -------------------------------------------------------------------

WORDS = ["flaky", "test", "lock", "timeout", "pipeline", "cache", "retry", "the", "pin", "clock"]
WORDS += ["lok", "cahce", "ünï", "a", "db"]
LEADS = ["Flaky test treated as a failure:", "Flaky test treated as a failure", "Flaky test:"]
LEADS += ["Flaky test", "Stale docs.", "This was a mistake.", "", "**", "Pin the clock —"]


def _texts(rnd: random.Random, k: int) -> list[str]:
    out = []
    for _ in range(k):
        words = [w if rnd.random() < 0.8 else w[:-1] + "x" for w in rnd.choices(WORDS, k=9)]
        words = words[: rnd.randint(0, 8)]
        end = rnd.choice(["", ".", "!", " ***"])
        out.append(f"{rnd.choice(LEADS)} {' '.join(words)}{end}".strip())
    return out


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([0.0, 70.0, 85.0, 90.0, 100.0, 100.5]))
def test_many_new_forms_at_once_replay_as_from_nothing(seed, threshold):
    # > 64 new forms (the sieve bounds of grow), > 50 heads (the sieve of cluster),
    # mixed with forms of earlier runs, kept through a pickle and a prune
    rnd = random.Random(seed)
    notes = Near(NOTES, threshold)
    items = Near(ITEMS, threshold)
    for _ in range(3):
        now = _texts(rnd, rnd.randint(70, 400))
        notes, items = pickle.loads(pickle.dumps((notes, items)))
        assert cluster(now, threshold, notes) == cluster(now, threshold)
        if threshold <= 100:  # rapidfuzz refuses a cutoff past 100 with or without pairs
            norms = [n for n in map(normalize, now) if n]
            assert _cluster(norms, threshold, items) == _cluster(norms, threshold)
        if rnd.random() < 0.5:
            notes.prune()
            items.prune()


def test_one_form_two_headlines_replays_as_from_nothing():
    # "Flaky test: x" and "Flaky test x" normalize alike, only one has a headline;
    # the form joins by headline first, then comes back under the other raw text
    texts = [
        "Flaky test treated as failure: the lock timed out in the pipeline",
        "Flaky test treated as failure: something else entirely went on here",
        "Flaky test treated as failure the lock timed out in the pipeline",
        "Stale docs about the cache",
        "Flaky test treated as failure: the lock timed out in the pipeline",
        "",
        "***",
    ]
    for threshold in (0.0, 85.0, 99.0, 100.0):
        near = Near(NOTES, threshold)
        cluster(texts[::-1], threshold, near)  # the forms met in another order first
        assert cluster(texts, threshold, near) == cluster(texts, threshold)


def test_pairs_of_one_threshold_are_neither_used_nor_grown_at_another():
    near = Near(NOTES, 85.0)
    texts = ["retry the lock timeout", "retry the lock timeouts", "pin the clock"]
    cluster(texts, 85.0, near)
    kept = {f: dict(p) for f, p in near.pairs.items()}
    assert cluster(texts, 40.0, near) == cluster(texts, 40.0)
    assert near.pairs == kept
    assert analysis.near_for({"lesson": near}, "lesson", NOTES, 40.0) is not near


def test_report_then_analyze_on_kept_pairs_writes_what_no_cache_writes(folder, cli_invoke):
    files = sorted(folder.rglob("*.md"))
    cli_invoke("report", "--month", "2025-10", "sessions", "--out", "out", env=ENV, expect=None)
    files[3].write_bytes(
        files[3].read_bytes()
        + b"\n## Lessons Learned\n\n- Flaky test: pin the fixture clock first\n"
        + b"- Flaky test pin the fixture clock first\n"
    )
    _as_from_nothing(cli_invoke)
    assert Path("out/.retro-cache.sqlite.pieces-near").read_bytes().startswith(pieces.MAGIC)


@pytest.mark.parametrize("threshold", ["0", "100", "85"])
def test_extreme_merge_thresholds_on_kept_pairs_write_what_no_cache_writes(
    folder, cli_invoke, threshold
):
    _as_from_nothing(cli_invoke, "--merge-threshold", "70")
    _as_from_nothing(cli_invoke, "--merge-threshold", threshold)


def test_a_filtered_run_then_an_unfiltered_one_write_what_no_cache_writes(folder, cli_invoke):
    _as_from_nothing(cli_invoke, "--since", "2025-10-01")  # grows, never prunes
    for f in sorted(folder.rglob("*.md"))[::3]:
        f.unlink()
    _as_from_nothing(cli_invoke)  # prunes the forms of the deleted files
    _as_from_nothing(cli_invoke, "--until", "2025-09-30")


def test_pairs_kept_under_foreign_names_and_types_are_not_trusted(folder, cli_invoke):
    _as_from_nothing(cli_invoke)
    kept = Path("out/.retro-cache.sqlite.pieces-near")
    data = pickle.loads(kept.read_bytes()[len(pieces.MAGIC) :])
    nears = data["nears"]
    # rules and thresholds swapped between merges, one merge's pairs not a Near at all
    nears["candidates"], nears["items"] = nears["items"], nears["candidates"]
    nears["lesson"] = {"pairs": {}}
    kept.write_bytes(pieces.MAGIC + pickle.dumps(data))
    _as_from_nothing(cli_invoke, "--force")


def test_a_split_reduce_on_kept_pairs_writes_what_no_cache_writes(folder, cli_invoke, monkeypatch):
    # the child (forked when it can be) merges the notes and items on the pairs kept
    monkeypatch.setattr(analysis, "SPLIT_FROM", 0)
    _as_from_nothing(cli_invoke)
    files = sorted(folder.rglob("*.md"))
    files[5].write_bytes(
        files[5].read_bytes() + b"\n## Action Items\n\n- [ ] Pin the fixture clock (HIGH)\n"
    )
    _as_from_nothing(cli_invoke)


def test_two_runs_sharing_kept_pairs_leave_pairs_either_can_replay(sessions, tmp_path):
    # two runs load the same pairs, grow them by different sessions, and write in
    # turn: the last writer's pairs hold every pair among their forms
    cache_path = str(tmp_path / ".retro-cache.sqlite")
    analyze(sessions[:20], generated="", nears=(first := {}))
    pieces.keep_nears(cache_path, first)
    a, b = pieces.load_nears(cache_path), pieces.load_nears(cache_path)
    analyze(sessions[20:50], generated="", nears=a)
    analyze(sessions[50:], generated="", nears=b)
    pieces.keep_nears(cache_path, a)
    pieces.keep_nears(cache_path, b)
    kept = pieces.load_nears(cache_path)
    assert analyze(sessions, generated="", nears=kept) == analyze(sessions, generated="")
