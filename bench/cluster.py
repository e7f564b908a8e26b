"""How fast `recommend.cluster` groups mostly unique texts, with and without its sieve,
and how fast the backlog merges mostly unique action items (`backlog.items._cluster`).

    .venv/bin/python bench/cluster.py                          # 1,000 to 10,000 texts
    .venv/bin/python bench/cluster.py --sizes 500 2000 --repeat 1

Real teams' lessons and recommendations are mostly unique, unlike
`bench/make_corpus.py`'s small phrase pool: random texts of 6 to 14 words from a
3,000-word vocabulary stand for them. For each size the plain scan (every head
compared in Python, as before issue 9) and the sieve are timed on the same texts, the
fastest of `--repeat` runs shown with their ratio, and their groups compared. Sizes
above `--scan-upto` time the sieve alone. The second table does the same for action
items ("Add a check: " and such a text): the merge as it was (token_sort_ratio
against every head, one text at a time, in Python's loop over extractOne), and as it
is (words sorted once, windows of texts scored by `process.cdist` on every CPU).
Benchmarks are not tests: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from unittest import mock

from rapidfuzz import fuzz, process

from session_retro import recommend
from session_retro.backlog import items


def unique_texts(n: int, seed: int = 9) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = sorted({"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(3200)})
    vocab = vocab[:3000]
    return [" ".join(rng.choices(vocab, k=rng.randint(6, 14))) for _ in range(n)]


def _best(texts: list[str], repeat: int, *, sieve: bool) -> tuple[float, list[list[int]]]:
    sieve_from = recommend._SIEVE_FROM if sieve else len(texts)  # no scan that long
    best = float("inf")
    with mock.patch.object(recommend, "_SIEVE_FROM", sieve_from):
        for _ in range(repeat):
            t0 = time.perf_counter()
            groups = recommend.cluster(texts)
            best = min(best, time.perf_counter() - t0)
    return best, groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scan-upto", type=int, default=4000)
    args = parser.parse_args(argv)
    print(f"{'texts':>7} {'scan s':>8} {'sieve s':>8} {'ratio':>7}  same groups")
    for n in args.sizes:
        texts = unique_texts(n)
        fast, groups = _best(texts, args.repeat, sieve=True)
        if n > args.scan_upto:
            print(f"{n:>7} {'-':>8} {fast:>8.2f} {'-':>7}")
            continue
        slow, expected = _best(texts, args.repeat, sieve=False)
        print(f"{n:>7} {slow:>8.2f} {fast:>8.2f} {slow / fast:>6.1f}x  {groups == expected}")
    print(f"\n{'items':>7} {'before s':>8} {'now s':>8} {'ratio':>7}  same groups")
    for n in args.sizes:
        norms = [items.id_text(f"Add a check: {t}") for t in unique_texts(n, seed=3)]
        fast, groups = _timed(functools.partial(items._cluster, norms, 85.0), args.repeat)
        if n > args.scan_upto:
            print(f"{n:>7} {'-':>8} {fast:>8.2f} {'-':>7}")
            continue
        slow, expected = _timed(functools.partial(items_before, norms, 85.0), args.repeat)
        print(f"{n:>7} {slow:>8.2f} {fast:>8.2f} {slow / fast:>6.1f}x  {groups == expected}")
    return 0


def _timed(run, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def items_before(norms: list[str], threshold: float) -> list[list[int]]:
    """The backlog's merge of action items as it was: token_sort_ratio against every
    head, one item at a time (tests/test_backlog_merge.py checks `_cluster` against it)."""
    groups: list[list[int]] = []
    heads: list[str] = []
    exact: dict[str, int] = {}
    for i, n in enumerate(norms):
        g = exact.get(n)
        if g is None:
            hit = process.extractOne(n, heads, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
            g = hit[2] if hit else None
            if g is None:
                g = len(groups)
                groups.append([])
                heads.append(n)
            exact[n] = g
        groups[g].append(i)
    return groups


if __name__ == "__main__":
    raise SystemExit(main())
