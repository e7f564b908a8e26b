"""Backlog stage: stable IDs, near-duplicate merge, the BACKLOG.md merge that never
undoes a user's edits, strict reading of a mangled backlog, the state file, formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.backlog import gather_items, item_id, known_texts, merge_backlog
from session_retro.backlog.formats import JIRA_COLUMNS, github_payload, to_jira_csv, to_jsonl
from session_retro.backlog.markdown import EMPTY, parse_backlog
from session_retro.backlog.state import BacklogState, dump_state, parse_state
from session_retro.model import ActionItem, Priority, Recommendation, Session
from session_retro.protocol_history import parse_backlog_state

H, M, L = Priority.HIGH, Priority.MEDIUM, Priority.LOW


def session(source, day, *items, project="p", recs=()):
    """A parsed session holding (text, priority, done) action items on lines 10, 11, ..."""
    return Session(
        source=source,
        date=day,
        project=project,
        action_items=tuple(ActionItem(t, p, d, 10 + i) for i, (t, p, d) in enumerate(items)),
        recommendations=tuple(recs),
    )


def run(doc, state, sessions, today="2026-03-01", **kw):
    """One `retro backlog` run: IDs matched against what the backlog knows, then merged."""
    items = gather_items(sessions, known=known_texts(doc, state))
    return merge_backlog(doc, state, items, today=today, **kw)


def reparse(result):
    doc, problem = parse_backlog(result.text.encode(), "BACKLOG.md")
    assert problem is None
    return doc


def edit(result, fn):
    """Apply a user's edit (a function over the list of lines) to a merge result."""
    lines = result.text.splitlines()
    fn(lines)
    doc, problem = parse_backlog(("\n".join(lines) + "\n").encode(), "BACKLOG.md")
    assert problem is None, problem
    return doc


def line_of(lines, words):
    return next(i for i, ln in enumerate(lines) if words in ln)


# --- identity and dedupe ---------------------------------------------------------


def test_id_is_the_normalised_text_not_position_or_case():
    # Same words, other case, markdown and spacing: same ID; 10 hex digits.
    assert item_id("Add a **lock** timeout.") == item_id("add a lock   timeout")
    assert len(item_id("x y z")) == 10
    a = gather_items(
        [session("a.md", "2026-01-01", ("Add lock timeout", H, False), ("Write docs", L, False))]
    )
    b = gather_items(
        [session("a.md", "2026-01-01", ("Write docs", L, False), ("Add lock timeout", H, False))]
    )
    assert {i.text: i.id for i in a} == {i.text: i.id for i in b}


def test_same_item_in_several_sessions_is_one_item_with_every_source_and_ranks_higher():
    items = gather_items(
        [
            session("b.md", "2026-02-01", ("Document the deploy script", M, False)),
            session(
                "a.md",
                "2026-01-01",
                ("Document the deploy script", M, False),
                ("Add alerts", M, False),
            ),
            session("c.md", "2026-03-01", ("Document the deploy scripts", M, False)),
        ]
    )
    assert [i.text for i in items] == ["Document the deploy script", "Add alerts"]
    top = items[0]
    assert top.recurrences == 3 and top.rank == 1
    assert [s.where for s in top.sources] == ["a.md:10", "b.md:10", "c.md:10"]


def test_priority_from_item_else_from_its_recommendation_and_done_from_every_source():
    recs = (Recommendation("Index the invoice scripts", H, 5),)
    items = {
        i.text: i
        for i in gather_items(
            [
                session(
                    "a.md",
                    "2026-01-01",
                    ("Index the invoice scripts in a README", None, True),
                    recs=recs,
                ),
                session(
                    "b.md",
                    "2026-01-02",
                    ("Ship it now", None, True),
                    ("Unrelated chore", None, False),
                ),
                session("c.md", "2026-01-03", ("Ship it now", L, False)),
            ]
        )
    }
    assert items["Index the invoice scripts in a README"].priority is H
    assert items["Index the invoice scripts in a README"].done
    assert items["Unrelated chore"].priority is None
    assert items["Ship it now"].priority is L and not items["Ship it now"].done


def test_done_follows_the_newest_reflection_that_lists_the_item():
    # Open on 01-01, ticked on 01-05: the work was done. Ticked, then listed open again
    # later: reopened. Without dates an item is done only when every source is ticked.
    def done(*sessions):
        (item,) = gather_items(sessions)
        return item.done

    assert done(
        session("a.md", "2026-01-01", ("Add a lock timeout", None, False)),
        session("b.md", "2026-01-05", ("Add a lock timeout", None, True)),
    )
    assert not done(
        session("a.md", "2026-01-01", ("Add a lock timeout", None, True)),
        session("b.md", "2026-01-05", ("Add a lock timeout", None, False)),
    )
    assert not done(
        session("a.md", None, ("Add a lock timeout", None, True)),
        session("b.md", None, ("Add a lock timeout", None, False)),
    )


def test_merge_threshold_is_configurable():
    s = [
        session(
            "a.md",
            "2026-01-01",
            ("Add the lock timeout to CI", H, False),
            ("Add the lock timeout to prod", H, False),
        )
    ]
    assert len(gather_items(s, threshold=99)) == 2
    assert len(gather_items(s, threshold=70)) == 1


def test_an_item_whose_words_are_a_subset_of_another_is_not_merged():
    # token_set_ratio scores such pairs 100; a corpus reflection lost an item that way
    s = [
        session(
            "a.md",
            "2026-01-01",
            ("Update the docs", M, False),
            ("Update the Postgres docs", M, False),
        )
    ]
    assert len(gather_items(s)) == 2


def test_typo_fixed_in_a_reflection_keeps_the_id():
    r1 = run(
        EMPTY,
        BacklogState(),
        [session("a.md", "2026-01-01", ("Add a lock timout to the pipeline", H, False))],
    )
    (old,) = r1.added
    r2 = run(
        reparse(r1),
        r1.state,
        [session("a.md", "2026-01-01", ("Add a lock timeout to the pipeline", H, False))],
    )
    assert r2.added == () and [i.id for i in r2.kept] == [old.id]
    assert r2.text == r1.text  # same line, same sources: nothing to change


# --- Markdown merge ----------------------------------------------------------------

S1 = [
    session(
        "a.md",
        "2026-01-01",
        ("Add lock timeout to the pipeline", H, False),
        ("Write the runbook", M, False),
    ),
    session("b.md", "2026-01-05", ("Rotate the API keys", L, True)),
]
S2 = [
    *S1,
    session(
        "c.md",
        "2026-02-01",
        ("Pin the Node version", H, False),
        ("Add lock timeout to the pipeline", H, False),
    ),
]


def test_new_backlog_is_a_checklist_grouped_by_priority_with_ids_and_sources():
    r = run(EMPTY, BacklogState(), S1)
    text = r.text
    assert (
        text.index("## High priority")
        < text.index("## Medium priority")
        < text.index("## Low priority")
    )
    ids = {i.text: i.id for i in r.added}
    assert (
        f"- [ ] Add lock timeout to the pipeline _(a.md:10)_ <!-- retro:{ids['Add lock timeout to the pipeline']} -->"
        in text
    )
    assert (
        f"- [x] Rotate the API keys _(b.md:10)_ <!-- retro:{ids['Rotate the API keys']} -->" in text
    )
    # the ticked item's day is the session that ticked it
    assert r.state.get(ids["Rotate the API keys"]).ticked == "2026-01-05"


def test_merging_again_changes_nothing():
    r1 = run(EMPTY, BacklogState(), S1)
    r2 = run(reparse(r1), r1.state, S1, today="2026-04-01")
    assert r2.text == r1.text and r2.state == r1.state and r2.added == ()


def test_user_edits_survive_a_rerun_that_adds_items():
    r1 = run(EMPTY, BacklogState(), S1, today="2026-03-01")
    ids = {i.text: i.id for i in r1.added}

    def user(lines):
        i = line_of(lines, "Add lock timeout")
        lines[i] = lines[i].replace(
            "- [ ] Add lock timeout to the pipeline", "- [x] Lock timeout (30 s) in the pipeline"
        )
        lines.insert(i + 1, "  - note: done in PR #12, see the runbook")
        j = line_of(lines, "Write the runbook")
        moved = lines.pop(j)
        lines.insert(0, moved)  # moved to the top of the file
        del lines[line_of(lines, "Rotate the API keys")]  # deleted

    doc = edit(r1, user)
    r2 = run(doc, r1.state, S2, today="2026-03-02")
    text = r2.text
    # the tick, the rewording, the note and the moved line are as the user left them
    assert text.splitlines()[0].startswith("- [ ] Write the runbook")
    reworded = next(ln for ln in text.splitlines() if ids["Add lock timeout to the pipeline"] in ln)
    assert reworded.startswith("- [x] Lock timeout (30 s) in the pipeline")
    assert "(2 sessions: a.md:10, c.md:11)" in reworded  # its sources are refreshed
    assert "  - note: done in PR #12, see the runbook" in text
    # the deleted item stays deleted, the new one is added under its priority
    assert "Rotate the API keys" not in text
    assert r2.deleted == (ids["Rotate the API keys"],)
    assert r2.skipped == ()  # found gone in this run: counted once, as deleted
    assert [i.text for i in r2.added] == ["Pin the Node version"]
    assert text.index("Pin the Node version") > text.index("## High priority")
    st = r2.state.by_id()
    assert st[ids["Add lock timeout to the pipeline"]].ticked == "2026-03-02"
    assert st[ids["Rotate the API keys"]].deleted == "2026-03-02"
    # and a third run with the same reflections still changes nothing
    r3 = run(reparse(r2), r2.state, S2, today="2026-03-09")
    assert (r3.text, r3.state) == (r2.text, r2.state)
    assert r3.skipped and r3.skipped[0].id == ids["Rotate the API keys"]


def test_unticking_clears_the_tick_day_and_a_restored_line_is_no_longer_deleted():
    r1 = run(EMPTY, BacklogState(), S1)
    rid = next(i.id for i in r1.added if i.text == "Rotate the API keys")
    doc = edit(
        r1, lambda ls: ls.__setitem__(line_of(ls, rid), ls[line_of(ls, rid)].replace("[x]", "[ ]"))
    )
    r2 = run(doc, r1.state, S1)
    assert r2.state.get(rid).ticked is None


def test_filtered_run_leaves_existing_lines_alone():
    r1 = run(EMPTY, BacklogState(), S2)
    r2 = run(reparse(r1), r1.state, S1, refresh_sources=False)
    assert r2.text == r1.text


def test_crlf_and_bom_are_kept():
    r1 = run(EMPTY, BacklogState(), S1)
    data = b"\xef\xbb\xbf" + r1.text.replace("\n", "\r\n").encode()
    doc, problem = parse_backlog(data, "BACKLOG.md")
    assert problem is None
    r2 = run(doc, r1.state, S2)
    out = r2.text.encode("utf-8")
    assert out.startswith(b"\xef\xbb\xbf# Backlog\r\n") and b"\n" not in out.replace(b"\r\n", b"")
    assert "Pin the Node version" in r2.text


MANGLED = [
    # (why it is refused, the text, the line named)
    ("duplicate ID", "- [ ] a <!-- retro:0123456789 -->\n- [ ] b <!-- retro:0123456789 -->\n", 2),
    ("ID comment lost its closing", "# B\n\n- [ ] a <!-- retro:0123456789\n", 3),
    ("ID cut short", "- [ ] a <!-- retro:01234 -->\n", 1),
    ("two IDs on a line", "- [ ] a <!-- retro:0123456789 --> <!-- retro:abcdefabcd -->\n", 1),
]


@pytest.mark.parametrize("why,text,line", MANGLED, ids=[m[0] for m in MANGLED])
def test_mangled_backlog_is_refused_naming_the_line(why, text, line):
    doc, problem = parse_backlog(text.encode(), "BACKLOG.md")
    assert doc is None
    assert problem.line == line and str(problem).startswith(f"BACKLOG.md:{line}: ")


def test_broken_id_message_says_what_an_id_looks_like():
    # review nit: it said "10-digit ID" of IDs such as 5d41402abc
    _, p = parse_backlog(b"- [ ] a <!-- retro:5d41402 -->\n", "BACKLOG.md")
    assert "<!-- retro:ID --> where ID is the 10 hex digits (0-9, a-f)" in p.message


def test_binary_or_non_utf8_backlog_is_refused():
    _, p = parse_backlog(b"# B\n\x89PNG\x00\x00", "BACKLOG.md")
    assert p.line == 2 and "binary" in p.message
    _, p = parse_backlog(b"# B\n\n- caf\xe9\n", "BACKLOG.md")
    assert p.line == 3 and "UTF-8" in p.message


def test_ids_inside_a_code_fence_are_examples_not_items():
    # "```bash" does not close a "```markdown" block (CommonMark): both IDs stay inside
    text = "```markdown\n- [ ] a <!-- retro:0123456789 -->\n```bash\n- [ ] a <!-- retro:0123456789 -->\n```\n"
    doc, p = parse_backlog(text.encode(), "B")
    assert p is None and doc.entries == ()


# --- property: merging twice equals merging once -----------------------------------

WORDS = ["add", "lock", "timeout", "docs", "pin", "node", "version", "retry", "flaky", "test"]
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
raw_items = st.tuples(texts, st.sampled_from([H, M, L, None]), st.booleans())
sessions_st = st.lists(st.lists(raw_items, min_size=0, max_size=4), min_size=1, max_size=4).map(
    lambda ss: [session(f"s{i}.md", f"2026-01-{i + 1:02d}", *items) for i, items in enumerate(ss)]
)


@settings(max_examples=80, deadline=None)
@given(
    first=sessions_st,
    second=sessions_st,
    drop=st.sets(st.integers(0, 20)),
    tick=st.sets(st.integers(0, 20)),
)
def test_merging_twice_equals_merging_once(first, second, drop, tick):
    r1 = run(EMPTY, BacklogState(), first)

    def user(lines):
        for k, i in enumerate([i for i, ln in enumerate(lines) if "<!-- retro:" in ln]):
            if k in tick:
                lines[i] = lines[i].replace("- [ ]", "- [x]")
        for k, i in reversed(
            list(enumerate([i for i, ln in enumerate(lines) if "<!-- retro:" in ln]))
        ):
            if k in drop:
                del lines[i]

    doc = edit(r1, user)
    once = run(doc, r1.state, first + second, today="2026-02-01")
    twice = run(reparse(once), once.state, first + second, today="2026-02-02")
    assert twice.text == once.text
    assert twice.state == once.state
    ids = [e.id for e in reparse(once).entries]
    assert len(ids) == len(set(ids))


# --- state file --------------------------------------------------------------------


def test_state_file_round_trips_and_issue_10_reads_the_tick_days():
    r1 = run(EMPTY, BacklogState(), S1)
    text = dump_state(r1.state)
    again, problem = parse_state(text, "s.json")
    assert problem is None and again == r1.state
    ticked, problems = parse_backlog_state(text, ".BACKLOG.md.retro.json")
    assert problems == ()
    rid = next(i.id for i in r1.added if i.text == "Rotate the API keys")
    # issue 10's reader is being written beside this: accept its record or a plain tuple
    got = [(getattr(t, "text", None) or t[0], getattr(t, "day", None) or t[1]) for t in ticked]
    assert got == [("Rotate the API keys", date(2026, 1, 5))]
    assert getattr(ticked[0], "key", rid) == rid


def test_corrupt_state_file_names_its_line():
    _, p = parse_state('{\n  "items": {,\n}', ".BACKLOG.md.retro.json")
    assert p.line == 2 and "not valid JSON" in p.message


# --- formats -----------------------------------------------------------------------


def test_jira_csv_opens_with_the_csv_module_into_the_expected_columns():
    items = gather_items(S2)
    rows = list(csv.DictReader(io.StringIO(to_jira_csv(items))))
    assert tuple(rows[0]) == JIRA_COLUMNS == ("Summary", "Description", "Priority", "Labels")
    assert [(r["Summary"], r["Priority"]) for r in rows] == [
        ("Add lock timeout to the pipeline", "High"),
        ("Pin the Node version", "High"),
        ("Write the runbook", "Medium"),
        ("Rotate the API keys", "Low"),
    ]
    assert (
        "a.md:10 (2026-01-01, p)" in rows[0]["Description"]
        and items[0].id in rows[0]["Description"]
    )
    assert {r["Labels"] for r in rows} == {"retro"}


def test_jsonl_and_github_payloads():
    items = gather_items(S2)
    records = [json.loads(x) for x in to_jsonl(items).splitlines()]
    assert records[0]["recurrences"] == 2 and records[0]["sources"][1]["path"] == "c.md"
    p = github_payload(items[0])
    assert p["title"] == "Add lock timeout to the pipeline"
    assert p["labels"] == ["retro", "priority:high"]
    assert (
        "- `a.md:10 (2026-01-01, p)`" in p["body"] and f"<!-- retro:{items[0].id} -->" in p["body"]
    )
