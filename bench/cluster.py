"""How fast `recommend.cluster` groups mostly unique texts, with and without its sieve.

    .venv/bin/python bench/cluster.py                          # 1,000 to 10,000 texts
    .venv/bin/python bench/cluster.py --sizes 500 2000 --repeat 1

Real teams' lessons and recommendations are mostly unique, unlike
`bench/make_corpus.py`'s small phrase pool: random texts of 6 to 14 words from a
3,000-word vocabulary stand for them. For each size the plain scan (every head
compared in Python, as before issue 9) and the sieve are timed on the same texts, the
fastest of `--repeat` runs shown with their ratio, and their groups compared. Sizes
above `--scan-upto` time the sieve alone. Benchmarks are not tests: nothing here runs
under pytest.
"""

from __future__ import annotations

import argparse
import random
import time
from unittest import mock

from session_retro import recommend


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
