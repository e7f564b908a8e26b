"""Helpers for gold-file tests: compare, save the actual output, show a diff.

Modelled on coverage.py's goldtest: expected output lives beside the input, a mismatch
writes the actual output to `tests/actual/` (git-ignored) for review, and the gold is
updated with one documented command:

    RETRO_UPDATE_GOLD=1 .venv/bin/pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ACTUAL = TESTS / "actual"


def updating() -> bool:
    return os.environ.get("RETRO_UPDATE_GOLD", "") not in ("", "0")


def dump(record: dict) -> str:
    """The byte-stable text a gold file holds."""
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def compare_gold(actual: str, gold: Path, *, update: bool = True) -> None:
    """Assert `actual` equals the gold file's text; on mismatch save it and show a diff.

    With RETRO_UPDATE_GOLD=1 and `update`, rewrite the gold file instead.
    """
    if update and updating():
        gold.write_text(actual, encoding="utf-8")
        return
    expected = gold.read_text(encoding="utf-8") if gold.exists() else ""
    if actual == expected:
        return
    ACTUAL.mkdir(exist_ok=True)
    saved = ACTUAL / gold.name
    saved.write_text(actual, encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=str(gold.relative_to(TESTS.parent)),
            tofile=str(saved.relative_to(TESTS.parent)),
        )
    )
    raise AssertionError(f"output differs from {gold.name} (actual saved to {saved}):\n{diff}")


# ---- loose comparison, the same rules as ../shared/tools/score_parse.py -----------------
# Kept here rather than imported: tests must not import from ../shared at collection time.

OUTCOME_CLASS = {
    "failed": "waste",
    "abandoned": "waste",
    "partial": "partial",
    "succeeded": "succeeded",
    "unknown": "unknown",
    None: "unknown",
}


def norm(text: str | None) -> str:
    """Lowercase, drop emphasis, code ticks, quotes, brackets and colons, squeeze spaces."""
    text = (text or "").lower()
    text = re.sub(r"[`*_\"'()\[\]:]", " ", text)
    return " ".join(text.split())


def alike(a: str | None, b: str | None) -> bool:
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    return a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.5


def align(gold: list[dict], pred: list[dict], key: str) -> list[tuple[int, int]]:
    """Pairs (i, j) of gold[i] and pred[j], in order, whose `key` texts are alike."""
    pairs, j0 = [], 0
    for i, g in enumerate(gold):
        for j in range(j0, len(pred)):
            if alike(g.get(key), pred[j].get(key)):
                pairs.append((i, j))
                j0 = j + 1
                break
    return pairs


def same_minutes(g, p) -> bool:
    if g is None:
        return p is None
    if p is None:
        return False
    return abs(float(g) - float(p)) <= max(0.5, 0.02 * float(g))


def disagreements(gold: dict, rec: dict) -> list[str]:
    """Every way `rec` (a parse record) disagrees with a gold annotation; [] = agrees.

    Only fields present in the gold file are compared, as the scorer does; attempts
    and action items must match one to one (no misses, no extras).
    """
    out: list[str] = []
    if "title" in gold:
        ok = alike(gold["title"], rec.get("title")) if gold["title"] else not rec.get("title")
        if not ok:
            out.append(f"title: gold {gold['title']!r} got {rec.get('title')!r}")
    if "date" in gold and (gold["date"] or None) != ((rec.get("date") or "")[:10] or None):
        out.append(f"date: gold {gold['date']} got {rec.get('date')}")
    if "result" in gold and (gold["result"] or "unknown") != (rec.get("result") or "unknown"):
        out.append(f"result: gold {gold['result']} got {rec.get('result')}")
    for key in ("total_minutes", "ideal_minutes"):
        if key in gold and not same_minutes(gold[key], rec.get(key)):
            out.append(f"{key}: gold {gold[key]} got {rec.get(key)}")
    if "attempts" in gold:
        g_att, p_att = gold["attempts"], rec.get("attempts") or []
        pairs = align(g_att, p_att, "approach")
        for i, j in pairs:
            g, p = g_att[i], p_att[j]
            if "minutes" in g and not same_minutes(g["minutes"], p.get("minutes")):
                out.append(f"attempt {i + 1} minutes: gold {g['minutes']} got {p.get('minutes')}")
            if "outcome" in g and OUTCOME_CLASS.get(g["outcome"]) != OUTCOME_CLASS.get(
                p.get("outcome"), "?"
            ):
                out.append(f"attempt {i + 1} outcome: gold {g['outcome']} got {p.get('outcome')}")
        matched_g = {i for i, _ in pairs}
        matched_p = {j for _, j in pairs}
        out += [
            f"missed attempt: {g_att[i]['approach']!r}"
            for i in range(len(g_att))
            if i not in matched_g
        ]
        out += [
            f"extra attempt: {p_att[j]['approach']!r}"
            for j in range(len(p_att))
            if j not in matched_p
        ]
    if "action_items" in gold:
        g_act, p_act = gold["action_items"], rec.get("action_items") or []
        pairs = align(g_act, p_act, "text")
        for i, j in pairs:
            g, p = g_act[i], p_act[j]
            if "priority" in g and (g["priority"] or None) != (p.get("priority") or None):
                out.append(f"action {i + 1} priority: gold {g['priority']} got {p.get('priority')}")
            if "done" in g and bool(g["done"]) != bool(p.get("done")):
                out.append(f"action {i + 1} done: gold {g['done']} got {p.get('done')}")
        matched_g = {i for i, _ in pairs}
        matched_p = {j for _, j in pairs}
        out += [
            f"missed action: {g_act[i]['text']!r}" for i in range(len(g_act)) if i not in matched_g
        ]
        out += [
            f"extra action: {p_act[j]['text']!r}" for j in range(len(p_act)) if j not in matched_p
        ]
    return out
