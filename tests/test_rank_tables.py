"""`recommend.rank_tables` (columnar, issue 8) against the ranking written set by set.

The reference below is the ranking as the module docstring states it, one Python set
of attempts per candidate line: slow at 10,000 sessions, plain to read. Generated line
tables and wasted attempts (shared texts so groups merge and fold, classified and
unclassified lines, attempts with and without minutes, sessions with no candidate
line) must rank the same, evidence and all.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.classify import UNCLASSIFIED, load_taxonomy
from session_retro.recommend import (
    _KIND_ORDER,
    CANDIDATE_KINDS,
    DEFAULT_THRESHOLD,
    Evidence,
    LineRow,
    RankedRecommendation,
    WastedAttempt,
    cluster,
    rank_tables,
)

TAXONOMY = load_taxonomy()
CATEGORIES = [c.id for c in TAXONOMY.categories][:3] + [UNCLASSIFIED]
WORDS = ["check", "the", "runbook", "first", "ask", "before", "building", "pin", "ci", "order"]


def reference_rank(lines: list[LineRow], wasted: list[WastedAttempt], taxonomy):
    """The ranking with a frozenset of addressed attempts per candidate."""
    by_cat: dict[str, set] = {}
    by_session_cat: dict[tuple, set] = {}
    for w in wasted:
        by_cat.setdefault(w.category, set()).add((w.source, w.index))
        by_session_cat.setdefault((w.source, w.category), set()).add((w.source, w.index))
    cands = []
    for r in lines:
        if r.kind not in CANDIDATE_KINDS:
            continue
        if r.classified:
            addresses = frozenset({(r.source, r.index)})
        elif r.category != UNCLASSIFIED:
            addresses = frozenset(by_session_cat.get((r.source, r.category), ()))
        else:
            addresses = frozenset()
        cands.append((r.source, r.line, r.kind, r.text, r.category, addresses))
    for cat in taxonomy.categories:
        if cat.protocol_change and by_cat.get(cat.id):
            cands.append(
                (
                    taxonomy.source,
                    0,
                    "protocol",
                    cat.protocol_change,
                    cat.id,
                    frozenset(by_cat[cat.id]),
                )
            )
    cands.sort(key=lambda c: (_KIND_ORDER[c[2]], c[0], c[1], c[3]))
    minutes = {(w.source, w.index): w.minutes for w in wasted}
    line_of = {(w.source, w.index): w.line for w in wasted}
    approach = {(w.source, w.index): w.approach for w in wasted}
    groups = cluster([c[3] for c in cands], DEFAULT_THRESHOLD)
    protocol_group = {
        cands[g[0]][4]: n for n, g in enumerate(groups) if cands[g[0]][2] == "protocol"
    }
    folded = {n: [cands[i] for i in g] for n, g in enumerate(groups)}
    for n, g in enumerate(groups):
        head = cands[g[0]]
        target = protocol_group.get(head[4])
        if head[2] != "protocol" and target is not None and head[5]:
            folded[target] += folded.pop(n)
    order = {cid: n for n, cid in enumerate(taxonomy.ids())}
    merged = []
    for members in folded.values():
        addressed = set().union(*(m[5] for m in members))
        evidence = {m[:4] for m in members if m[2] != "protocol"}
        if members[0][2] == "protocol":
            evidence |= {(k[0], line_of[k], "attempt", approach[k]) for k in addressed}
        stated = [minutes[k] for k in addressed if minutes.get(k) is not None]
        merged.append(
            dict(
                text=members[0][3],
                kind=members[0][2],
                categories=tuple(
                    sorted({m[4] for m in members if m[4] != UNCLASSIFIED}, key=order.__getitem__)
                ),
                wasted_minutes=float(sum(sorted(stated))),
                wasted_attempts=len(addressed),
                attempts_without_minutes=len(addressed) - len(stated),
                sessions=len({k[0] for k in addressed}),
                evidence=tuple(Evidence(*e) for e in sorted(evidence)),
            )
        )
    merged.sort(
        key=lambda r: (
            -r["wasted_minutes"],
            -len({e.source for e in r["evidence"]}),
            -len(r["evidence"]),
            _KIND_ORDER[r["kind"]],
            r["text"],
        )
    )
    return tuple(RankedRecommendation(rank=n, **r) for n, r in enumerate(merged, 1))


@st.composite
def tables(draw):
    n_sources = draw(st.integers(1, 6))
    sources = [f"s{n}.md" for n in range(n_sources)]
    wasted, lines = [], []
    texts = draw(
        st.lists(
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join),
            min_size=1,
            max_size=6,
        )
    )
    for source in sources:
        attempts = draw(st.integers(0, 4))
        for index in range(1, attempts + 1):
            minutes = draw(st.one_of(st.none(), st.sampled_from([0.5, 5.0, 12.0, 40.0])))
            category = draw(st.sampled_from(CATEGORIES))
            wasted.append(
                WastedAttempt(source, index, 10 * index, minutes, category, f"try {index}")
            )
            if draw(st.booleans()):  # a should-have written under it, classified
                lines.append(
                    LineRow(
                        source,
                        10 * index + 1,
                        "should_have",
                        draw(st.sampled_from(texts)),
                        category,
                        index,
                        True,
                    )
                )
        for n in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["recommendation", "lesson", "should_have", "root_cause"]))
            category = draw(st.sampled_from(CATEGORIES))
            lines.append(
                LineRow(source, 100 + n, kind, draw(st.sampled_from(texts)), category, None, False)
            )
    return lines, wasted


def frames(lines, wasted):
    return (
        pd.DataFrame(lines, columns=list(LineRow._fields)),
        pd.DataFrame(wasted, columns=list(WastedAttempt._fields)),
    )


@settings(max_examples=300, deadline=None)
@given(tables())
def test_rank_tables_ranks_as_the_set_by_set_reference(data):
    lines, wasted = data
    got = rank_tables(*frames(lines, wasted), TAXONOMY)
    want = reference_rank(lines, wasted, TAXONOMY)
    assert got == want


def test_a_protocol_change_absorbs_its_category_and_cites_every_attempt():
    change = next(c for c in TAXONOMY.categories if c.protocol_change)
    wasted = [
        WastedAttempt("a.md", 1, 10, 30.0, change.id, "rebuilt it"),
        WastedAttempt("b.md", 1, 12, None, change.id, "rebuilt it again"),
    ]
    lines = [
        LineRow(
            "a.md", 40, "lesson", "ask the user before building anything", change.id, None, False
        ),
        LineRow("c.md", 41, "lesson", "pin the ci order", UNCLASSIFIED, None, False),
    ]
    ranked = rank_tables(*frames(lines, wasted), TAXONOMY)
    top = ranked[0]
    assert (top.kind, top.text, top.categories) == (
        "protocol",
        change.protocol_change,
        (change.id,),
    )
    assert (top.wasted_minutes, top.wasted_attempts, top.attempts_without_minutes) == (30.0, 2, 1)
    assert top.sessions == 2
    assert [(e.source, e.kind) for e in top.evidence] == [
        ("a.md", "attempt"),
        ("a.md", "lesson"),
        ("b.md", "attempt"),
    ]
    # the unclassified lesson addresses nothing: its own group, after
    assert ranked[1] == replace(
        ranked[1], kind="lesson", wasted_attempts=0, sessions=0, categories=()
    )
    assert ranked == reference_rank(lines, wasted, TAXONOMY)


def test_nothing_to_rank():
    assert rank_tables(*frames([], []), TAXONOMY) == ()
