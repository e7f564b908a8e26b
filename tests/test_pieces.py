"""`pieces`: the per-session half of the analysis, kept between runs and patched.

A patched set of pieces must be exactly the pieces of the sessions it holds, and an
analysis from pieces exactly `analyze`'s; `retro analyze` with its pieces kept must
write what a run from nothing writes, after any edit, addition or deletion.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from test_cache import ENV
from test_collect import _make_corpus

from session_retro import cache, pieces
from session_retro.aggregate import Filters
from session_retro.analysis import analyze, analyze_pieces
from session_retro.classify import load_taxonomy
from session_retro.collect import collect_sessions
from session_retro.export import tables
from session_retro.export.tables import analysis_json
from session_retro.model import Outcome
from session_retro.pieces import patch, pieces_of

TAXONOMY = load_taxonomy()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """80 generated reflections in every format, a few broken on purpose."""
    folder = tmp_path_factory.mktemp("generated")
    _make_corpus().generate(80, folder, seed=11, broken=0.05)
    return folder


@pytest.fixture(scope="module")
def sessions(generated):
    return collect_sessions([str(generated)], jobs=1)


def _edited(session):
    """The session as if its author had edited it: a lesson less, one verdict flipped."""
    attempts = session.attempts
    if attempts:
        first = dataclasses.replace(
            attempts[0],
            outcome=Outcome.FAILED if attempts[0].outcome != Outcome.FAILED else Outcome.PARTIAL,
        )
        attempts = (first, *attempts[1:])
    return dataclasses.replace(session, lessons=session.lessons[1:], attempts=attempts)


def _same_pieces(got: pieces.Pieces, want: pieces.Pieces) -> None:
    for name, table in want.tables().items():
        assert_frame_equal(getattr(got, name), table, check_exact=True, obj=name)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_patched_pieces_are_the_pieces_of_what_they_hold(sessions, data):
    # two rounds of edits, additions and deletions: the second patches a patched set,
    # whose columns are made of several chunks
    n = len(sessions)
    held = set(data.draw(st.sets(st.integers(0, n - 1), min_size=1), label="base"))
    current = {sessions[i].source: sessions[i] for i in sorted(held)}
    kept = pieces_of(current.values(), TAXONOMY)
    for _ in range(2):
        sources = sorted(current)
        some = st.sets(st.sampled_from(sources), max_size=5) if sources else st.just(set())
        edited = data.draw(some, label="edited")
        deleted = data.draw(some, label="deleted") - edited
        outside = [s for s in sessions if s.source not in current]
        added = (
            data.draw(
                st.lists(st.sampled_from(outside), max_size=5, unique_by=lambda s: s.source),
                label="added",
            )
            if outside
            else []
        )
        new = [_edited(current[s]) for s in sorted(edited)] + added
        kept = patch(kept, pieces_of(new, TAXONOMY), drop=deleted)
        for s in deleted:
            del current[s]
        current.update({s.source: s for s in new})
        _same_pieces(kept, pieces_of(current.values(), TAXONOMY))


def test_pieces_mapped_in_two_processes_are_the_pieces_of_one(sessions, monkeypatch):
    alone = pieces_of(sessions, TAXONOMY)
    monkeypatch.setattr(pieces, "SPLIT_FROM", 2)
    _same_pieces(pieces_of(sessions, TAXONOMY), alone)


def test_a_session_added_after_the_last_is_not_lost(sessions):
    # its rows follow the last block of the old tables without a gap: two slices, one
    # of each table, not one run
    ordered = sorted((s for s in sessions if s.attempts and s.lessons), key=lambda s: s.source)
    first, last = ordered[:3], ordered[3]
    got = patch(pieces_of(first, TAXONOMY), pieces_of([last], TAXONOMY))
    _same_pieces(got, pieces_of([*first, last], TAXONOMY))
    got = patch(pieces_of(ordered[1:4], TAXONOMY), pieces_of(ordered[:1], TAXONOMY))
    _same_pieces(got, pieces_of(ordered[:4], TAXONOMY))


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(since=date(2025, 9, 1), until=date(2026, 1, 31)),
        Filters(project="billing"),
        Filters(project="no-such-project"),
    ],
    ids=["all", "dates", "project", "nothing"],
)
def test_an_analysis_from_pieces_is_analyze(sessions, filters):
    # the filters read the pieces' index, analyze reads the sessions: same sessions kept
    want = analyze(sessions, generated="x", filters=filters)
    readable = {s.source: s for s in sessions if not s.error}
    got = analyze_pieces(pieces_of(sessions, TAXONOMY), readable, generated="x", filters=filters)
    assert got == want
    assert analysis_json(got) == analysis_json(want)
    for name in ("sessions", "attempts", "actions"):
        assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(project="billing"), Filters(project="no-such-project")],
    ids=["all", "project", "nothing"],
)
def test_selected_sees_the_pieces_the_analysis_reads(sessions, filters):
    # `retro analyze` starts the timeline there, so what it is given must be what the
    # analysis (and the page's timeline) reads: the sessions in scope, all their attempts
    seen = []
    readable = {s.source: s for s in sessions if not s.error}
    got = analyze_pieces(
        pieces_of(sessions, TAXONOMY),
        readable,
        generated="x",
        filters=filters,
        selected=seen.append,
    )
    [p] = seen
    assert_frame_equal(p.sessions, got.sessions, check_exact=True)
    assert_frame_equal(p.attempts, got.attempts, check_exact=True)


def test_compact_analysis_json_splices_the_same_classifications(sessions, monkeypatch):
    a = analyze(sessions, generated="x")
    indented = analysis_json(a)
    monkeypatch.setattr(tables, "COMPACT_ABOVE", 0)
    compact = analysis_json(a)
    assert b"\n  " not in compact and compact != indented
    assert json.loads(compact) == json.loads(indented)
    assert len(json.loads(compact)["classifications"]) == len(a.classifications) > 0


# ---- retro analyze keeps its pieces -------------------------------------------------------


def _outputs(folder: Path) -> dict[str, bytes]:
    """Every file a run wrote, but its own records and the log of runs."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".retro-") and "history" not in p.parts
    }


@pytest.fixture
def folder(tmp_path, generated, monkeypatch) -> Path:
    shutil.copytree(generated, tmp_path / "sessions")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "sessions"


def _as_from_nothing(cli_invoke, *extra: str, counted: list[int] | None = None) -> None:
    """A run on the kept pieces writes exactly what a run without any cache writes;
    `counted` holds the sessions that run unpickled."""
    if counted is not None:
        counted.clear()
    cli_invoke("analyze", "sessions", "--out", "out", "-q", *extra, env=ENV, expect=None)
    if counted is not None:
        counted.append(len(counted))  # the count, last: the run below unpickles too
    fresh = Path("fresh")
    shutil.rmtree(fresh, ignore_errors=True)
    cli_invoke(
        "analyze", "sessions", "--out", fresh, "-q", "--no-cache", *extra, env=ENV, expect=None
    )
    assert _outputs(Path("out")) == _outputs(fresh)


def _loads(monkeypatch) -> list[int]:
    """Counts the sessions unpickled from the parse cache."""
    calls: list[int] = []
    real = cache.loads

    def counted(blob):
        calls.append(1)
        return real(blob)

    monkeypatch.setattr(cache, "loads", counted)
    return calls


def test_a_rerun_after_edits_reuses_the_pieces_and_writes_the_same(folder, cli_invoke, monkeypatch):
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    base = Path("out/.retro-cache.sqlite.pieces")
    assert base.is_file() and not Path("out/.retro-cache.sqlite.pieces-delta").exists()
    written = base.read_bytes()

    loads = _loads(monkeypatch)
    text = files[3].read_text(encoding="utf-8", errors="surrogateescape")
    files[3].write_text(
        text + "\n- Lesson: read the logs before the code\n",
        encoding="utf-8",
        errors="surrogateescape",
    )
    _as_from_nothing(cli_invoke, counted=loads)
    # the edited file is parsed; of the others, at most the five worst are unpickled
    # (their details), not all of them
    assert loads[loads[-1]] <= 6
    assert base.read_bytes() == written, "one edit writes the delta, not the base"
    assert Path("out/.retro-cache.sqlite.pieces-delta").is_file()

    shutil.copyfile(files[5], folder / "copied-session.md")  # added
    files[7].unlink()  # deleted
    (folder / "empty.md").write_bytes(b"")  # unreadable
    _as_from_nothing(cli_invoke, "--export", "csv,json,parquet")  # tables of patched pieces
    _as_from_nothing(cli_invoke, "--since", "2025-10-01", "--project", "billing")


def test_a_file_reached_twice_is_two_sessions_and_keeps_no_pieces(folder, cli_invoke):
    _as_from_nothing(cli_invoke)
    base = Path("out/.retro-cache.sqlite.pieces").read_bytes()
    twice = sorted(folder.rglob("*.md"))[4].relative_to(folder.parent)
    for _ in range(2):
        _as_from_nothing(cli_invoke, str(twice))
        assert Path("out/.retro-cache.sqlite.pieces").read_bytes() == base
    _as_from_nothing(cli_invoke)


def test_a_large_delta_is_folded_into_a_new_base(folder, cli_invoke, monkeypatch):
    _as_from_nothing(cli_invoke)
    monkeypatch.setattr(pieces, "DELTA_LIMIT", 0)
    files = sorted(folder.rglob("*.md"))
    for f in files[:6]:  # past a twentieth of the 80 sessions too
        f.write_bytes(f.read_bytes() + b"\n- Lesson: one more\n")
    before = Path("out/.retro-cache.sqlite.pieces").read_bytes()
    _as_from_nothing(cli_invoke)
    assert Path("out/.retro-cache.sqlite.pieces").read_bytes() != before, "a new base"
    assert not Path("out/.retro-cache.sqlite.pieces-delta").exists()


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_damaged_pieces_are_rebuilt(folder, cli_invoke, damage):
    _as_from_nothing(cli_invoke)
    Path("out/.retro-cache.sqlite.pieces").write_bytes(damage)
    Path("out/.retro-cache.sqlite.pieces-delta").write_bytes(damage)
    _as_from_nothing(cli_invoke, "--force")
    assert len(Path("out/.retro-cache.sqlite.pieces").read_bytes()) > 1000


def test_pieces_of_another_taxonomy_are_not_used(folder, cli_invoke, tmp_path):
    _as_from_nothing(cli_invoke)
    # the attempts' own words now outweigh their root causes: other categories win
    source = Path(pieces.__file__).with_name("taxonomy.toml").read_text(encoding="utf-8")
    changed = source.replace("root_cause = 3.0", "root_cause = 0.1", 1)
    assert changed != source
    taxonomy = tmp_path / "taxonomy.toml"
    taxonomy.write_text(changed, encoding="utf-8")
    _as_from_nothing(cli_invoke, "--taxonomy", str(taxonomy))
    with_default = json.loads(Path("out/analysis.json").read_bytes())
    _as_from_nothing(cli_invoke)
    assert json.loads(Path("out/analysis.json").read_bytes()) != with_default


def test_a_delta_of_another_base_is_ignored(folder, cli_invoke):
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    files[1].write_bytes(files[1].read_bytes() + b"\n- Lesson: x\n")
    _as_from_nothing(cli_invoke)
    delta = Path("out/.retro-cache.sqlite.pieces-delta")
    stale = delta.read_bytes()
    Path("out/.retro-cache.sqlite.pieces").unlink()
    _as_from_nothing(cli_invoke, "--force")  # a new base, with a new id, and no delta
    assert not delta.exists()
    delta.write_bytes(stale)  # the delta of the old base comes back beside it
    files[1].write_bytes(files[1].read_bytes() + b"- Lesson: y\n")
    _as_from_nothing(cli_invoke)


def test_a_run_that_writes_nothing_leaves_no_pieces(work, cli_invoke):
    (work / "empty").mkdir()
    cli_invoke("analyze", "empty", "--out", "out", env=ENV, expect=1)
    assert not Path("out").exists()


def test_a_file_of_the_users_at_the_pieces_name_is_copied_aside(folder, cli_invoke):
    mine = b"not pieces: my own notes\n"
    Path("out").mkdir()
    Path("out/.retro-cache.sqlite.pieces").write_bytes(mine)
    r = cli_invoke("analyze", "sessions", "--out", "out", "-q", env=ENV, expect=None)
    assert "copied aside to" in r.stderr
    assert Path("out/.retro-cache.sqlite.pieces.bak").read_bytes() == mine
    assert Path("out/.retro-cache.sqlite.pieces").read_bytes().startswith(pieces.MAGIC)


def test_kept_near_duplicate_pairs_grow_and_merge_as_a_run_from_nothing(folder, cli_invoke):
    # the merges replay from the pairs kept beside the pieces (near.py): new texts in
    # their own words, a near-duplicate of one, an action item, at two thresholds
    files = sorted(folder.rglob("*.md"))
    _as_from_nothing(cli_invoke)
    kept = Path("out/.retro-cache.sqlite.pieces-near")
    assert kept.read_bytes().startswith(pieces.MAGIC)
    before = kept.read_bytes()
    files[2].write_bytes(
        files[2].read_bytes()
        + b"\n## Lessons Learned\n\n- Pin the fixture clock before the retry loop\n"
        + b"- Pin the fixture clock before the retry loops\n"
        + b"\n## Action Items\n\n- [ ] Pin the fixture clock (HIGH)\n"
    )
    _as_from_nothing(cli_invoke)
    assert kept.read_bytes() != before, "the new texts' pairs are kept"
    _as_from_nothing(cli_invoke, "--merge-threshold", "70")  # other pairs: not these
    _as_from_nothing(cli_invoke)


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pieces.MAGIC + b"\x80\x05garbage"])
def test_damaged_near_duplicate_pairs_are_rebuilt(folder, cli_invoke, damage):
    _as_from_nothing(cli_invoke)
    Path("out/.retro-cache.sqlite.pieces-near").write_bytes(damage)
    _as_from_nothing(cli_invoke, "--force")
    assert Path("out/.retro-cache.sqlite.pieces-near").read_bytes().startswith(pieces.MAGIC)


def test_report_and_impact_on_kept_pairs_say_what_they_say_from_nothing(folder, cli_invoke):
    # retro report and retro impact read the pairs retro analyze kept (and keep what
    # they grew): the same month folder and the same figures as without any cache
    _analyzed_then_edited(
        cli_invoke, folder, "out", b"## Lessons Learned\n\n- Pin the fixture clock first\n"
    )
    for out in ("out", "fresh"):
        extra = ("--no-cache",) if out == "fresh" else ()
        cli_invoke(
            "report", "--month", "2025-10", "sessions", "--out", out, *extra, env=ENV, expect=None
        )
    assert _outputs(Path("out/2025-10")) == _outputs(Path("fresh/2025-10"))
    impact = ["impact", "sessions", "--changed", "skipped-discovery=2025-09-01", "--format", "json"]
    kept = cli_invoke(*impact, "--cache", "out/.retro-cache.sqlite", env=ENV, expect=None)
    fresh = cli_invoke(*impact, "--no-cache", env=ENV, expect=None)
    assert kept.output == fresh.output
    assert Path("out/.retro-cache.sqlite.pieces-near").read_bytes().startswith(pieces.MAGIC)


def test_backlog_on_kept_pairs_lists_what_it_lists_from_nothing(folder, cli_invoke):
    _analyzed_then_edited(
        cli_invoke, folder, "reports", b"## Action Items\n\n- [ ] Pin the clock (HIGH)\n"
    )
    kept = cli_invoke("backlog", "sessions", "--format", "json", env=ENV, expect=None)
    fresh = cli_invoke(
        "backlog", "sessions", "--format", "json", "--no-cache", env=ENV, expect=None
    )
    assert kept.output == fresh.output and '"Pin the clock"' in kept.output
    assert Path("reports/.retro-cache.sqlite.pieces-near").read_bytes().startswith(pieces.MAGIC)


def _analyzed_then_edited(cli_invoke, folder: Path, out: str, section: bytes) -> None:
    """`retro analyze` into `out` (its pairs kept), then `section` added to a reflection."""
    cli_invoke("analyze", "sessions", "--out", out, "-q", env=ENV, expect=None)
    edited = sorted(folder.rglob("*.md"))[2]
    edited.write_bytes(edited.read_bytes() + b"\n" + section)
