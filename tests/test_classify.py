"""The waste taxonomy and the classifier: one category per wasted attempt, explained."""

from __future__ import annotations

import random
import re
from importlib import resources

import pytest
from retro_samples import write_samples

from session_retro.classify import (
    UNCLASSIFIED,
    Match,
    TaxonomyError,
    classify_attempt,
    classify_attempts,
    load_taxonomy,
    parse_taxonomy,
    with_categories,
)
from session_retro.collect import collect_sessions
from session_retro.frame import attempts_frame
from session_retro.model import Attempt, Note, Outcome, Session

REQUIRED = {
    "skipped-discovery",
    "stale-assumptions",
    "access-blocked",
    "environment-mismatch",
    "built-before-asking",
    "missing-docs",
    "tool-failure",
    "misread-requirements",
    "flaky-tests",
    "scope-creep",
}


def _attempt(
    approach="x", root_cause=None, should_have=None, outcome=Outcome.FAILED, index=1, minutes=10.0
):
    return Attempt(
        index, approach, minutes, None, None, None, outcome, root_cause, should_have, 10 * index
    )


def test_default_taxonomy_ships_in_the_package_with_every_required_category():
    assert resources.files("session_retro").joinpath("taxonomy.toml").is_file()
    tax = load_taxonomy()
    assert {c.id for c in tax.categories} >= REQUIRED
    assert tax.ids()[-1] == UNCLASSIFIED
    for c in tax.categories:
        assert c.label and c.description and c.rules and c.protocol_change, c.id
    # MAST modes are named as in Cemri et al. 2025, "FM-<category>.<n> <name>"
    mast = {c.id: c.mast for c in tax.categories}
    assert mast["built-before-asking"] == "FM-2.2 Fail to ask for clarification"
    assert mast["retry-loop"] == "FM-1.3 Step repetition"
    assert all(m is None or m.startswith("FM-") for m in mast.values())


def test_sample_attempts_classified_as_hand_labelled(tmp_path):
    sessions = collect_sessions([str(write_samples(tmp_path))])
    got = {
        (c.source.split("/")[-2], c.index): c.category
        for c in classify_attempts(sessions, load_taxonomy())
    }
    assert got == {
        ("alpha", 1): "access-blocked",
        ("alpha", 2): "skipped-discovery",
        ("beta", 1): "flaky-tests",
        ("beta", 2): UNCLASSIFIED,
        ("beta", 3): "flaky-tests",
        ("gamma", 1): "skipped-discovery",
    }


def test_classification_explains_which_rule_matched_which_text():
    s = Session(source="s.md")
    c = classify_attempt(
        _attempt(root_cause="The tool already existed in the repo."), s, load_taxonomy()
    )
    assert c.category == "skipped-discovery"
    assert c.rule == "keyword:already existed"
    top = c.matches[0]
    assert (top.field, top.matched, top.text, top.line) == (
        "root_cause",
        "already existed",
        "The tool already existed in the repo.",
        10,
    )
    assert c.score == sum(m.weight for m in c.matches)


ALPHA_BETA = """
[[category]]
id = "a"
keywords = ["alpha"]
[[category]]
id = "b"
keywords = ["beta"]
"""
"""Two categories, one keyword each: which field or note decides is all a test sees."""


def test_root_cause_outweighs_approach():
    tax = parse_taxonomy(ALPHA_BETA)
    c = classify_attempt(_attempt(approach="alpha", root_cause="beta"), Session(source="s"), tax)
    assert (c.category, c.runners_up) == ("b", (("a", 1.0),))


def test_ties_go_to_the_earlier_category_in_the_file():
    text = """
    [[category]]
    id = "first"
    keywords = ["shared"]
    [[category]]
    id = "second"
    keywords = ["shared"]
    """
    c = classify_attempt(
        _attempt(root_cause="a shared cause"), Session(source="s"), parse_taxonomy(text)
    )
    assert c.category == "first"


def test_session_lessons_only_break_ties_and_count_once():
    tax = load_taxonomy()
    s = Session(source="s", lessons=(Note("A stale cache", 5), Note("Stale again", 6)))
    c = classify_attempt(_attempt(approach="Rewrite it"), s, tax)
    assert c.category == "stale-assumptions"
    assert c.score == 0.5  # one rule, one field: repeated lessons are one signal


# Issue 3: sessions/mobile-app/2026-08-27-push-token-refresh.md. Its notes speak of
# outdated docs (attempt 1) and of a flaky test (attempts 4 and 5); added to an
# attempt's own words, their stale-assumptions matches (2.0) outweighed its "flaky".
PUSH_NOTES = Session(
    source="push.md",
    root_causes=(
        Note("Outdated docs: the push doc still describes the legacy server-key API.", 48),
        Note(
            "Flaky test treated as a real failure: I assumed a red test meant my change broke it.",
            50,
        ),
    ),
    lessons=(Note("Docs that describe an external API go stale when the API is migrated.", 56),),
)


@pytest.mark.parametrize(
    "attempt, category",
    [
        # the approach alone (1.0) beats notes that score another category 2.0
        pytest.param(
            _attempt(approach="Chased a flaky test, red on CI for my PR"),
            "flaky-tests",
            id="own-approach-beats-notes",
        ),
        pytest.param(
            _attempt(
                approach="Chased the red test", root_cause="It is a flaky test, not my change."
            ),
            "flaky-tests",
            id="own-root-cause-beats-notes",
        ),
        # an attempt whose own words match nothing is filed by its session's notes
        pytest.param(
            _attempt(approach="Started rewriting the test with fake timers"),
            "stale-assumptions",
            id="silent-attempt-follows-notes",
        ),
    ],
)
def test_own_words_outrank_session_notes(attempt, category):
    c = classify_attempt(attempt, PUSH_NOTES, load_taxonomy())
    assert c.category == category
    assert c.score == sum(m.weight for m in c.matches)


def test_session_notes_break_a_tie_between_own_scores():
    tax = parse_taxonomy(ALPHA_BETA)
    s = Session(source="s", lessons=(Note("beta again", 5),))
    c = classify_attempt(_attempt(approach="alpha", root_cause="beta"), s, tax)
    assert (c.category, c.score, c.runners_up) == ("b", 3.5, (("a", 1.0),))
    tie = classify_attempt(_attempt(approach="alpha and beta"), s, tax)
    assert (tie.category, tie.score, tie.runners_up) == ("b", 1.5, (("a", 1.0),))


@pytest.mark.parametrize(
    "root_cause, category",
    [
        pytest.param("There was no bug in my change.", UNCLASSIFIED, id="no-before-keyword"),
        pytest.param("It wasn't a flaky test after all.", UNCLASSIFIED, id="filler-between"),
        pytest.param("Not flaky here, but flaky on main.", "flaky-tests", id="later-match-counts"),
        # "no credentials" is evidence itself: the taxonomy lists it as a keyword
        pytest.param("I had no credentials for the replica.", "access-blocked", id="listed-phrase"),
        pytest.param("A casino bug in the SDK.", "tool-failure", id="word-end-is-no-negation"),
    ],
)
def test_a_negated_match_does_not_count(root_cause, category):
    c = classify_attempt(_attempt(root_cause=root_cause), Session(source="s"), load_taxonomy())
    assert c.category == category


def test_negation_words_come_from_the_taxonomy():
    text = """
    [[category]]
    id = "a"
    keywords = ["bug in"]
    """
    s, a = Session(source="s"), _attempt(root_cause="no bug in it; nicht bug in it")
    assert classify_attempt(a, s, parse_taxonomy(text)).category == "a"  # none listed
    negated = parse_taxonomy('[negation]\nwords = ["no", "nicht"]\n' + text)
    assert classify_attempt(a, s, negated).category == UNCLASSIFIED


@pytest.mark.parametrize(
    "root_cause",
    [
        "The endpoint is rate limited to 20 requests a minute per service token.",
        "After the first batch every call returned `429 Too Many Requests`.",
        "The API was throttled; we hit the daily quota by noon.",
    ],
)
def test_rate_limits_are_access_blocked(root_cause):
    # billing-api/2026-08-12 attempt 2 (10 min) was unclassified: no rule knew a 429
    c = classify_attempt(_attempt(root_cause=root_cause), Session(source="s"), load_taxonomy())
    assert c.category == "access-blocked"


def test_nothing_matches_means_unclassified():
    c = classify_attempt(
        _attempt(approach="Rewrite the fixture"), Session(source="s"), load_taxonomy()
    )
    assert (c.category, c.rule, c.matches) == (UNCLASSIFIED, None, ())


def test_only_wasted_attempts_are_classified(tmp_path):
    sessions = collect_sessions([str(write_samples(tmp_path))])
    tax = load_taxonomy()
    df = with_categories(attempts_frame(sessions), classify_attempts(sessions, tax), tax)
    assert df["category"].isna().tolist() == (~df["is_waste"]).tolist()
    assert list(df["category"].cat.categories) == tax.ids()


@pytest.mark.parametrize(
    "text, problem",
    [
        pytest.param("not = [toml", "not valid TOML", id="syntax"),
        pytest.param("x = 1", "no [[category]]", id="no-categories"),
        pytest.param('[[category]]\nid = "unclassified"', "reserved", id="reserved-id"),
        pytest.param('[[category]]\nid = "a"\nregexes = ["("]', "bad regex", id="bad-regex"),
        pytest.param('[fields]\nnope = 1\n[[category]]\nid = "a"', "[fields]", id="unknown-field"),
        pytest.param(
            '[negation]\nwords = "no"\n[[category]]\nid = "a"', "[negation]", id="negation-not-list"
        ),
    ],
)
def test_bad_taxonomy_says_what_to_fix(text, problem):
    with pytest.raises(TaxonomyError, match=problem.replace("[", r"\[").replace("(", r"\(")):
        parse_taxonomy(text, "mine.toml")


def _affirmed(rule, clean, negations):
    """The first match of `rule` not right after one of `negations` (optionally a filler)."""
    for m in rule.pattern.finditer(clean):
        before = clean[: m.start()].lower().split()
        if before[-1:] and before[-1] in _FILLERS:
            before = before[:-1]
        if not (before[-1:] and before[-1] in negations and clean[: m.start()][-1:].isspace()):
            return m
    return None


_FILLERS = {"a", "an", "the", "any"}


def _reference(attempt, session, tax, negations=()):
    """The classification as the module docstring states it, searching every rule in
    every text: what the shared and remembered work of `classify_attempts` must give."""
    weights = dict(tax.weights)
    texts = [("approach", attempt.approach, attempt.line)]
    texts += [(f, t, attempt.line) for f, t in [("root_cause", attempt.root_cause)] if t]
    texts += [(f, t, attempt.line) for f, t in [("should_have", attempt.should_have)] if t]
    texts += [("session_root_causes", n.text, n.line) for n in session.root_causes]
    texts += [("session_lessons", n.text, n.line) for n in session.lessons]
    scored = []
    for order, cat in enumerate(tax.categories):
        matches, counted = [], set()
        for field, text, line in texts:
            clean = re.sub(r"[*`_]+", " ", text.replace("\u2019", "'")).strip()
            for rule in cat.rules:
                m = _affirmed(rule, clean, negations)
                if m and (rule.id, field) not in counted:
                    counted.add((rule.id, field))
                    matches.append(Match(rule.id, field, text, m.group(0), line, weights[field]))
        total = sum(m.weight for m in matches)
        own = sum(m.weight for m in matches if not m.field.startswith("session_"))
        if total > 0:
            scored.append((-own, -total, order, cat.id, sorted(matches, key=lambda m: -m.weight)))
    if not scored:
        return (UNCLASSIFIED, None, 0.0, (), ())
    scored.sort(key=lambda t: t[:3])
    _, neg, _, cid, matches = scored[0]
    return (
        cid,
        matches[0].rule,
        -neg,
        tuple(matches),
        tuple((c, -s) for _, s, _, c, _ in scored[1:]),
    )


def test_shared_work_classifies_as_searching_every_rule_in_every_text():
    # Issue 8: texts are scored once and decisions remembered across attempts and
    # sessions. Texts recombined at random, a keyword listed twice, weights whose
    # float sums depend on their order and negated matches (issue 3) must all give the
    # reference's answer.
    tax = parse_taxonomy(
        """
        [negation]
        words = ["no", "not"]
        fillers = ["a", "an", "the", "any"]
        [fields]
        root_cause = 0.3
        should_have = 0.1
        approach = 0.2
        session_root_causes = 0.7
        session_lessons = 0.1
        [[category]]
        id = "stale"
        keywords = ["stale", "cache", "stale"]
        [[category]]
        id = "docker"
        keywords = ["docker", "image"]
        regexes = ["re-?ran"]
        [[category]]
        id = "asking"
        keywords = ["ask", "cache"]
        """
    )
    pool = [
        "Docker image was stale",
        "re-ran the stale cache",
        "should ask first",
        "nothing here",
        "Cache *everything*",
        "rerun docker",
        "no stale cache, not a docker image",
        "not the cache but a stale one",
        "",
    ]
    rng = random.Random(8)
    sessions = []
    for n in range(60):
        notes = [Note(rng.choice(pool) or "x", 100 + i) for i in range(rng.randrange(4))]
        attempts = tuple(
            _attempt(
                approach=rng.choice(pool),
                root_cause=rng.choice(pool) or None,
                should_have=rng.choice(pool) or None,
                index=i,
            )
            for i in range(1, rng.randrange(2, 5))
        )
        cut = rng.randrange(len(notes) + 1)
        sessions.append(
            Session(
                source=f"s{n}",
                attempts=attempts,
                root_causes=tuple(notes[:cut]),
                lessons=tuple(notes[cut:]),
            )
        )
    got = classify_attempts(sessions, tax)
    want = [_reference(a, s, tax, {"no", "not"}) for s in sessions for a in s.attempts]
    assert [(c.category, c.rule, c.score, c.matches, c.runners_up) for c in got] == want
    assert len({c.category for c in got}) == 4  # every category and unclassified occur
