"""`retro analyze sessions/` on the bundled examples, recomputed by hand (issue 5).

The expected figures do not come from the parser: the totals are summed from the
hand-made annotations in tests/data/sessions_gold/ (what a careful reader extracts
from each reflection), and two sessions are checked against numbers worked out by
reading them. If a figure moves, either a reflection, its annotation or the analysis
changed: the failure says which figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "data" / "sessions_gold"
WASTE = {"failed", "abandoned"}


def _gold() -> dict[str, dict]:
    return {
        "sessions/" + str(p.relative_to(GOLD))[: -len(".gold.json")]: json.loads(
            p.read_text(encoding="utf-8")
        )
        for p in sorted(GOLD.rglob("*.gold.json"))
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One analyze run over the real sessions/ folder, tables exported as JSON."""
    from click.testing import CliRunner

    from session_retro.cli import cli

    out = tmp_path_factory.mktemp("bundled")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        result = CliRunner().invoke(
            cli, ["analyze", "sessions", "--out", str(out), "--export", "json", "--no-cache", "-q"]
        )
    assert result.exit_code == 0, result.output
    load = lambda name: json.loads((out / name).read_text(encoding="utf-8"))  # noqa: E731
    return {
        "analysis": load("analysis.json"),
        "sessions": {s["source"]: s for s in load("sessions.json")},
    }


def test_every_bundled_session_is_analysed(run):
    gold = _gold()
    assert len(gold) >= 10, "the issue asks for 10 to 14 example reflections"
    assert set(run["sessions"]) == set(gold)
    assert run["analysis"]["figures"]["headline"]["sessions"] == len(gold)


def test_totals_match_the_hand_annotations(run):
    gold = _gold()
    h = run["analysis"]["figures"]["headline"]
    total = sum(g["total_minutes"] for g in gold.values())
    wasted = sum(
        a["minutes"]
        for g in gold.values()
        for a in g["attempts"]
        if a["outcome"] in WASTE and a["minutes"] is not None
    )
    attempts = sum(len(g["attempts"]) for g in gold.values())
    assert h["total"]["sum"] == total
    assert h["wasted"]["sum"] == wasted
    assert h["attempts"] == attempts
    assert h["wasted_attempts"] == sum(
        a["outcome"] in WASTE for g in gold.values() for a in g["attempts"]
    )
    # Every bundled session states its length, so the share is over all of them.
    assert h["waste_share"] == pytest.approx(wasted / total, abs=5e-4)


def test_late_payment_dedup_by_hand(run):
    # 2026-09-29: 10:00-12:10 = 130 min. Attempts: 35 abandoned (hand-written dedup,
    # the macro existed), 15 failed (dev target was stale), 15 abandoned (a one-off
    # compare query, tools/compare_models.py existed), then two that worked.
    src = "sessions/data-pipeline/2026-09-29-late-payment-events-dedup.md"
    s = run["sessions"][src]
    assert (s["total_minutes"], s["ideal_minutes"]) == (130, 45)
    assert s["wasted_minutes"] == 35 + 15 + 15
    assert s["waste_share"] == pytest.approx(65 / 130)
    assert s["attempts_before_success"] == 3
    cats = {
        c["index"]: c["category"] for c in run["analysis"]["classifications"] if c["source"] == src
    }
    assert cats == {1: "skipped-discovery", 2: "stale-assumptions", 3: "skipped-discovery"}


def test_marketing_spend_import_by_hand(run):
    # 2026-10-27: "Duration: 1h 50m". Three "Mistake #N" sections, all failed: a local
    # PySpark newer than EMR's (20), a wall-clock test (15), a skimmed tools/ list (10).
    src = "sessions/data-pipeline/2026-10-27-marketing-spend-import.md"
    s = run["sessions"][src]
    assert s["total_minutes"] == 110
    assert s["wasted_minutes"] == 20 + 15 + 10
    assert s["waste_share"] == pytest.approx(45 / 110)
    cats = {
        c["index"]: (c["category"], c["minutes"])
        for c in run["analysis"]["classifications"]
        if c["source"] == src
    }
    assert cats == {
        1: ("environment-mismatch", 20),
        2: ("flaky-tests", 15),
        3: ("skipped-discovery", 10),
    }


def test_top_recommendation_is_ranked_by_the_minutes_it_addresses(run):
    a = run["analysis"]
    by_category: dict[str, float] = {}
    sessions_of: dict[str, set] = {}
    for c in a["classifications"]:
        by_category[c["category"]] = by_category.get(c["category"], 0) + (c["minutes"] or 0)
        sessions_of.setdefault(c["category"], set()).add(c["source"])
    by_category.pop("unclassified", None)
    worst = max(by_category, key=by_category.get)
    top = a["recommendations"][0]
    assert top["rank"] == 1
    # The September sessions lost the most time to not looking for existing tools.
    assert worst == "skipped-discovery"
    assert top["categories"] == [worst]
    assert top["wasted_minutes"] == by_category[worst]
    assert top["sessions"] == len(sessions_of[worst])
    assert all(r["wasted_minutes"] <= top["wasted_minutes"] for r in a["recommendations"][1:])


def test_invoice_pdf_regeneration_by_hand(run):
    # 2026-08-12: two wasted attempts. A management command written from scratch (25,
    # "did not search the repository"), then a curl loop that ran into the render
    # endpoint's rate limit (10, "rate limited", "429 Too Many Requests"): access
    # blocked, where it was unclassified before issue 3. The Celery attempt (20) is
    # partial, not waste.
    src = "sessions/billing-api/2026-08-12-invoice-pdf-regeneration.md"
    cats = {
        c["index"]: (c["category"], c["minutes"])
        for c in run["analysis"]["classifications"]
        if c["source"] == src
    }
    assert cats == {1: ("skipped-discovery", 25), 2: ("access-blocked", 10)}
    # with that one placed, every wasted attempt of the bundled sessions has a category
    assert all(c["category"] != "unclassified" for c in run["analysis"]["classifications"])


def _categories(run, src: str) -> dict[int, tuple[str, float | None]]:
    return {
        c["index"]: (c["category"], c["minutes"])
        for c in run["analysis"]["classifications"]
        if c["source"] == src
    }


def test_list_attempts_are_classified_by_their_own_account(run):
    # A list or log attempt has no "Root cause:" field; what it says after its verdict
    # mark is its account, and it outweighs the session's notes.
    # push-token-refresh: #1 "the doc is outdated" (15) is a stale assumption; #4
    # "passed 15 times in a row locally ... failed about one run in three" (40) and #5
    # "It is a flaky test" (no minutes) are flaky tests, not the stale assumptions the
    # session's notes are about.
    push = _categories(run, "sessions/mobile-app/2026-08-27-push-token-refresh.md")
    assert push == {
        1: ("stale-assumptions", 15),
        4: ("flaky-tests", 40),
        5: ("flaky-tests", None),
    }
    # nextjs-15-upgrade log: 09:40 "Environment mismatch: my machine runs Node 22" (7);
    # 10:05 "Flaky test, not the upgrade" (15).
    nextjs = _categories(run, "sessions/ops-console/2026-10-30-nextjs-15-upgrade.md")
    assert nextjs[3] == ("environment-mismatch", 7) and nextjs[6] == ("flaky-tests", 15)
    # release-signing #1: "The doc is outdated ... I assumed it was current" (25).
    signing = _categories(run, "sessions/mobile-app/android/2026-10-20-release-signing.md")
    assert signing[1] == ("stale-assumptions", 25)
