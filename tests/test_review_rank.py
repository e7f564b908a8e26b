"""Hostile review of this stop's speed changes (issue 8), each meant to change no output:
`recommend.rank_tables` on integer codes, the backlog's sorted-words clustering, the
history entry as a hard link of analysis.json, and `aggregate` narrowing its columns.

The tests that fail on main name a defect; the others pin hostile cases that hold.
"""

from __future__ import annotations

import os
from unittest import mock

import pandas as pd
import pytest
import test_rank_tables
from hypothesis import given, settings
from hypothesis import strategies as st
from retro_samples import write_samples
from test_backlog_merge import _cluster_by_token_sort
from test_rank_tables import reference_rank

from session_retro.aggregate import aggregate
from session_retro.analysis import analyze
from session_retro.backlog import items
from session_retro.backlog.items import _cluster, assign_ids, id_text, item_id
from session_retro.classify import UNCLASSIFIED, classify_attempts, load_taxonomy
from session_retro.collect import collect_sessions
from session_retro.frame import ATTEMPT_COLUMNS, from_columns
from session_retro.pieces import LINE_COLUMNS, pieces_of
from session_retro.recommend import LineRow, WastedAttempt, rank_tables, session_lines

TAXONOMY = load_taxonomy()
CHANGES = [c.id for c in TAXONOMY.categories if c.protocol_change]
WASTED_COLUMNS = {name: ATTEMPT_COLUMNS[name] for name in WastedAttempt._fields}
EPOCH = "1772357400"  # 2026-03-01 09:30 UTC, as test_analyze_cli pins it


def typed(lines: list[LineRow], wasted: list[WastedAttempt]) -> tuple[pd.DataFrame, ...]:
    """The two tables with the dtypes the pieces give them (string[pyarrow], Int64,
    boolean; the attempts' category is a pandas category)."""
    return (
        from_columns({n: [r[i] for r in lines] for i, n in enumerate(LINE_COLUMNS)}, LINE_COLUMNS),
        from_columns(
            {n: [r[i] for r in wasted] for i, n in enumerate(WASTED_COLUMNS)}, WASTED_COLUMNS
        ),
    )


def plain(lines: list[LineRow], wasted: list[WastedAttempt]) -> tuple[pd.DataFrame, ...]:
    """The two tables as object columns: the only way to hold a surrogate-escaped path."""
    return (
        pd.DataFrame(
            {n: pd.Series([r[i] for r in lines], dtype=object) for i, n in enumerate(LINE_COLUMNS)}
        ),
        pd.DataFrame(
            {
                n: pd.Series([r[i] for r in wasted], dtype=object)
                for i, n in enumerate(WASTED_COLUMNS)
            }
        ),
    )


# ---- rank_tables: defects ------------------------------------------------------------------


def test_a_classified_should_have_ranks_when_no_attempt_is_wasted():
    # rank_tables reads w_minutes[w_row] with w_row == -1 for an attempt not among the
    # wasted: an IndexError when there are none at all (np.where evaluates both sides)
    lines = [LineRow("a.md", 11, "should_have", "pin the ci order", CHANGES[0], 1, True)]
    got = rank_tables(*typed(lines, []), TAXONOMY)
    assert got == reference_rank(lines, [], TAXONOMY)
    assert (got[0].wasted_attempts, got[0].attempts_without_minutes, got[0].sessions) == (1, 1, 1)


def test_huge_attempt_indexes_rank_as_small_ones():
    # (group, attempt) pairs are keyed group * sources * (max index + 2) + ... in int64:
    # with 5 groups of 5 sessions an index of 2**59 (the Int64 column admits it)
    # overflows into negative keys, and bincount refuses them
    texts = [
        "pin the ci order now",
        "ask the user before building",
        "check the runbook first please",
        "read the docs about deploys",
        "write a failing test early",
    ]

    def table(index):
        lines = [
            LineRow(f"s{n}.md", 5, "should_have", t, UNCLASSIFIED, index, True)
            for n, t in enumerate(texts)
        ]
        wasted = [
            WastedAttempt(f"s{n}.md", index, 10, float(n + 1), UNCLASSIFIED, "x")
            for n in range(len(texts))
        ]
        return lines, wasted

    small = rank_tables(*typed(*table(1)), TAXONOMY)
    assert rank_tables(*typed(*table(2**59)), TAXONOMY) == small


# ---- rank_tables: cases that hold ----------------------------------------------------------


def test_empty_tables_and_either_table_alone():
    c = CHANGES[0]
    only_lines = [LineRow("a.md", 5, "lesson", "ask the user before building", c, None, False)]
    only_wasted = [WastedAttempt("a.md", 1, 10, 5.0, c, "rebuilt it")]
    for lines, wasted in (([], []), (only_lines, []), ([], only_wasted)):
        assert rank_tables(*typed(lines, wasted), TAXONOMY) == reference_rank(
            lines, wasted, TAXONOMY
        )


def test_lines_of_no_category_address_nothing_and_list_no_category():
    # NA (the pieces' root causes have none) and unclassified alike; the reference
    # cannot sort a None category, so the expectation is spelled out
    c = CHANGES[0]
    lines = [
        LineRow("a.md", 5, "lesson", "write the failing test before the fix", None, None, False),
        LineRow(
            "a.md",
            6,
            "lesson",
            "read the deploy docs before touching it",
            UNCLASSIFIED,
            None,
            False,
        ),
    ]
    wasted = [WastedAttempt("a.md", 1, 10, 5.0, c, "x")]
    ranked = rank_tables(*typed(lines, wasted), TAXONOMY)
    authors = [r for r in ranked if r.kind == "lesson"]
    assert [(r.categories, r.wasted_attempts, r.sessions) for r in authors] == [((), 0, 0)] * 2


def test_texts_of_punctuation_only_become_no_recommendation():
    c = CHANGES[0]
    lines = [
        LineRow("a.md", 5, "lesson", "!!! ...", c, None, False),
        LineRow("a.md", 11, "should_have", "**", c, 1, True),
    ]
    wasted = [WastedAttempt("a.md", 1, 10, 5.0, c, "x")]
    ranked = rank_tables(*typed(lines, wasted), TAXONOMY)
    assert [r.kind for r in ranked] == ["protocol"]
    assert ranked == reference_rank(lines, wasted, TAXONOMY)


def test_approach_none_beside_a_written_one_on_the_same_line():
    # the set-by-set ranking could not sort (source, line, "attempt", None) against a
    # str text; the columnar one puts the missing approach first
    c = CHANGES[0]
    wasted = [WastedAttempt("a.md", 1, 10, 5.0, c, None), WastedAttempt("a.md", 2, 10, 5.0, c, "x")]
    (top,) = rank_tables(*typed([], wasted), TAXONOMY)
    assert [e.text for e in top.evidence] == [None, "x"]
    assert (top.wasted_minutes, top.wasted_attempts) == (10.0, 2)


def test_fractional_minutes_sum_in_attempt_order():
    # 0.1 + 0.2 + 0.3: the reference adds them sorted by value, rank_tables by (source,
    # index), the ranking before it in set order; only the last bit can differ
    c = CHANGES[0]
    wasted = [
        WastedAttempt("a.md", 1, 10, 0.3, c, "x"),
        WastedAttempt("a.md", 2, 20, 0.2, c, "y"),
        WastedAttempt("b.md", 1, 10, 0.1, c, "z"),
    ]
    (top,) = rank_tables(*typed([], wasted), TAXONOMY)
    assert top.wasted_minutes == (0.3 + 0.2) + 0.1
    (want,) = reference_rank([], wasted, TAXONOMY)
    assert top.wasted_minutes == pytest.approx(want.wasted_minutes)


def test_non_ascii_and_surrogate_escaped_sources_sort_as_python_strings():
    c = CHANGES[0]
    sources = ["Z.md", "é.md", "c\udcff.md", "a.md", "\U0001f600.md"]
    lines = [
        LineRow(s, 5, "lesson", "ask the user before building", c, None, False) for s in sources
    ]
    wasted = [WastedAttempt(s, 1, 10, 1.0, c, "x") for s in sources]
    got = rank_tables(*plain(lines, wasted), TAXONOMY)
    assert got == reference_rank(lines, wasted, TAXONOMY)
    assert [e.source for e in got[0].evidence] == sorted(sources * 2)


def test_two_protocol_changes_whose_texts_merge(monkeypatch):
    # at threshold 0 every text is one group: the first change heads it and addresses
    # both categories' attempts; the second category's lines are not folded away
    monkeypatch.setattr(test_rank_tables, "DEFAULT_THRESHOLD", 0.0)
    wasted = [
        WastedAttempt("a.md", 1, 10, 5.0, CHANGES[0], "x"),
        WastedAttempt("b.md", 1, 10, 7.0, CHANGES[1], "y"),
    ]
    lines = [LineRow("b.md", 11, "should_have", "ask the user first please", CHANGES[1], 1, True)]
    got = rank_tables(*typed(lines, wasted), TAXONOMY, threshold=0.0)
    assert got == reference_rank(lines, wasted, TAXONOMY)
    assert (len(got), got[0].wasted_attempts, got[0].wasted_minutes) == (1, 2, 12.0)


@st.composite
def hostile_tables(draw):
    """Tables the reference can rank: every classified should-have's attempt wasted,
    categories from the taxonomy or unclassified; NA minutes and approaches, sessions
    with only attempts or only lines, non-ASCII sources, texts that normalize to
    nothing, minutes exact in binary so sums cannot differ by order."""
    cats = CHANGES[:3] + [UNCLASSIFIED]
    words = ["check", "the", "runbook", "first", "ask", "before", "pin", "ci", "!!", "é"]
    texts = draw(
        st.lists(
            st.lists(st.sampled_from(words), min_size=1, max_size=5).map(" ".join),
            min_size=1,
            max_size=5,
        )
    )
    lines, wasted = [], []
    for source in draw(
        st.lists(
            st.sampled_from(["a.md", "é.md", "Z.md", "日.md"]), min_size=1, max_size=4, unique=True
        )
    ):
        for index in range(1, draw(st.integers(0, 4)) + 1):
            category = draw(st.sampled_from(cats))
            minutes = draw(st.sampled_from([None, 0.0, 0.5, 5.0, 0.25]))
            approach = draw(st.sampled_from([None, "try", "x"]))
            wasted.append(WastedAttempt(source, index, 10 * index, minutes, category, approach))
            if draw(st.booleans()):
                text = draw(st.sampled_from(texts))
                lines.append(
                    LineRow(source, 10 * index + 1, "should_have", text, category, index, True)
                )
        for n in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["recommendation", "lesson", "should_have", "root_cause"]))
            text = draw(st.sampled_from(texts))
            lines.append(
                LineRow(source, 100 + n, kind, text, draw(st.sampled_from(cats)), None, False)
            )
    return lines, wasted


@settings(max_examples=150, deadline=None)
@given(hostile_tables())
def test_typed_tables_rank_as_the_reference(data):
    lines, wasted = data
    assert rank_tables(*typed(lines, wasted), TAXONOMY) == reference_rank(lines, wasted, TAXONOMY)


def test_analyze_ranks_the_sample_sessions_as_the_reference(tmp_path):
    sessions = collect_sessions([str(write_samples(tmp_path))])
    a = analyze(sessions, generated="test", taxonomy=TAXONOMY)
    lines, wasted = session_lines(sessions, classify_attempts(sessions, TAXONOMY), TAXONOMY)
    assert a.recommendations == reference_rank(lines, wasted, TAXONOMY)
    assert a.recommendations


# ---- backlog clustering --------------------------------------------------------------------


def _both_ways(norms: list[str], threshold: float) -> list[list[list[int]]]:
    one_by_one = _cluster(norms, threshold)
    with mock.patch.object(items, "_WINDOWS_FROM", 0), mock.patch.object(items, "_WINDOW", 3):
        by_window = _cluster(norms, threshold)
    return [one_by_one, by_window]


@pytest.mark.parametrize("threshold", [0.0, 90.0, 100.0])
def test_cluster_unicode_whitespace_and_word_order(threshold):
    # NBSP, U+0085 and U+3000 are whitespace to str.split but not to every scorer:
    # id_text turns them into single spaces before any form is sorted
    texts = [
        "retry\u00a0the lock timeout",
        "timeout lock the\u3000retry",
        "the lock\u0085retry timeout",
        "retry the lock timeout",
        "pin node",
        "node pin",
    ]
    norms = [id_text(t) for t in texts]
    want = _cluster_by_token_sort(norms, threshold)
    assert _both_ways(norms, threshold) == [want, want]
    if threshold == 100.0:
        assert want == [[0, 1, 2, 3], [4, 5]]  # word order alone never splits an item


def test_cluster_many_tied_heads_in_one_window_join_the_first():
    # "cache index" scores alike with every head; heads before the window and inside it
    norms = ["index", "cache", "index cache x", "cache index"] + [f"w{n}" for n in range(5)]
    want = _cluster_by_token_sort(norms, 60.0)
    assert _both_ways(norms, 60.0) == [want, want]


def test_cluster_of_nothing():
    assert _both_ways([], 90.0) == [[], []]


def test_a_known_id_is_found_through_unicode_spaces_and_another_word_order():
    known = {"abc": ["retry the lock timeout in the pipeline"]}
    assert assign_ids([("pipeline:\u3000the lock\u00a0timeout, retry",)], known, 85.0) == ["abc"]
    assert assign_ids([("retry the lock timeout",)], {}, 100.0) == [
        item_id("retry the lock timeout")
    ]


# ---- the history entry ---------------------------------------------------------------------


def test_editing_analysis_json_in_place_leaves_the_history_entry(work, cli_invoke):
    # the entry is a hard link of analysis.json: writing into the file (an editor that
    # saves in place, `>>`, a script opening it "r+") rewrites the run's logged figures
    cli_invoke("analyze", "sessions", "--out", "out", env={"SOURCE_DATE_EPOCH": EPOCH})
    entry = work / "out" / "history" / "2026-03-01.json"
    logged = entry.read_bytes()
    with open(work / "out" / "analysis.json", "r+b") as fh:
        fh.write(b'{"mine": 1}   ')
    assert entry.read_bytes() == logged


@pytest.mark.parametrize("leads_to", ["outside", "nowhere"])
def test_a_link_at_the_history_name_is_skipped_like_a_file(work, cli_invoke, leads_to):
    # history_name asks safeio.inside(...).exists(), which follows the link: one
    # leading out of --out raises UnsafePath (a traceback, exit 1), a dangling one
    # counts as free and the write then refuses the whole run (exit 2)
    mine = work / "mine.json"
    mine.write_text("mine")
    (work / "out" / "history").mkdir(parents=True)
    target = mine if leads_to == "outside" else work / "out" / "gone.json"
    os.symlink(target, work / "out" / "history" / "2026-03-01.json")
    cli_invoke("analyze", "sessions", "--out", "out", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert mine.read_text() == "mine"
    assert os.readlink(work / "out" / "history" / "2026-03-01.json") == str(target)
    entry = work / "out" / "history" / "2026-03-01-2.json"
    assert entry.read_bytes() == (work / "out" / "analysis.json").read_bytes()


def test_a_user_file_hard_linked_as_analysis_json_is_left_as_it_was(work, cli_invoke):
    mine = work / "mine.json"
    mine.write_text("mine")
    (work / "out").mkdir()
    os.link(mine, work / "out" / "analysis.json")
    cli_invoke("analyze", "sessions", "--out", "out", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert mine.read_text() == "mine"
    assert (work / "out" / "analysis.json.bak").read_text() == "mine"
    assert not (work / "out" / "analysis.json").samefile(mine)


def test_a_user_file_at_the_history_name_is_skipped(work, cli_invoke):
    (work / "out" / "history").mkdir(parents=True)
    taken = work / "out" / "history" / "2026-03-01.json"
    taken.write_text("mine")
    cli_invoke("analyze", "sessions", "--out", "out", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert taken.read_text() == "mine"
    entry = work / "out" / "history" / "2026-03-01-2.json"
    assert entry.read_bytes() == (work / "out" / "analysis.json").read_bytes()


# ---- aggregate -----------------------------------------------------------------------------


def test_aggregate_reads_the_same_figures_from_wider_and_reordered_frames(tmp_path):
    sessions = collect_sessions([str(write_samples(tmp_path))])
    p = pieces_of(sessions, TAXONOMY)
    want = aggregate(sessions, p.sessions, p.attempts, TAXONOMY)
    wide_s = p.sessions.assign(extra="x")[["extra", *reversed(p.sessions.columns)]]
    wide_a = p.attempts.assign(extra=1)[["extra", *reversed(p.attempts.columns)]]
    assert aggregate(sessions, wide_s, wide_a, TAXONOMY) == want
