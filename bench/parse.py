"""Throughput of ingest+parse against the floor (raw read + line split), in one run.

    .venv/bin/python bench/parse.py                # 2,000 generated reflections
    .venv/bin/python bench/parse.py -n 500 --seed-runs 50

Generates seed-sized reflections (~14 KB) in every format the parser reads (attempt
headings, "what I tried" lists, attempt tables, timestamped logs, "Mistake #N"
sections, front matter, fenced checklists, French, mojibake, CRLF, UTF-16) into a
temporary folder, then times on one core:

- floor:       read the bytes and split lines (what any tool must pay)
- pipeline:    `load.read_session` (decode, repair, parse, extract) per file
- pyromark:    the raw `pyromark.events_with_range` stream over the same clean texts
- markdown-it: `MarkdownIt("commonmark").enable("table").parse` over the same texts

and, when ../shared/seed is beside the repository, the seed itself (median of N runs
per parser). Not a test: tests never time anything.

Each corpus figure is the best of --passes passes (default 3) over all the files. The
parser's caches (headings, labels, durations it has read before) are emptied before
every pass, so no pass reuses what an earlier pass learnt from the same files. The
pipeline's first pass is printed too: it also pays what a process pays once (regexes
compiled on first use, the allocator growing its arenas), ~10% on this machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "session-reflection-db-schema-fix.md"
REAL = REPO.parent / "shared" / "corpus"
"""Reflections written by other people: richer than the generated ones (more bold
leads, code, rules and list items per KB), so each costs several times more."""
TARGET_BYTES = 14_000  # the seed is 13.9 KB

# ---- generator ----------------------------------------------------------------------------

TOPICS = [
    ("Database schema fix", "migrations", "the RDS instance"),
    ("Flaky upload test", "pytest fixtures", "the storage client"),
    ("Docker build cache", "BuildKit layers", "the base image"),
    ("Webhook signature mismatch", "request middleware", "the signing secret"),
    ("Terraform state lock", "the CI pipeline", "the state bucket"),
    ("Search index rebuild", "the indexer", "the shard map"),
    ("Release hotfix", "the release branch", "the changelog job"),
    ("Cron job skipped", "the scheduler", "the crontab timezone"),
]
VERBS = [
    "Retry",
    "Pin",
    "Mock",
    "Rebuild",
    "Bisect",
    "Patch",
    "Revert",
    "Inspect",
    "Rewrite",
    "Cache",
]
MARKS = [("❌", "failed"), ("❌", "abandoned"), ("✅", "partial"), ("✅", "succeeded")]
PROSE = [
    "I assumed the failure came from {b}, so I went straight for it without reading the logs.",
    "The error message pointed at {a}, but the real cause was two layers down.",
    "Looking back, a five minute check of {b} would have saved most of this hour.",
    "The agent kept proposing variations of the same fix instead of questioning the premise.",
    "Nothing in the docs for {a} mentioned this behaviour; the source code did.",
]


def _dur(rng: random.Random) -> str:
    m = rng.choice([5, 10, 15, 20, 30, 40, 65, 90])
    return rng.choice(
        [
            f"{m} min",
            f"~{m} minutes",
            f"{m}-{m + 5} min",
            f"{m // 60}h {m % 60}m" if m > 60 else f"{m} min",
        ]
    )


def _attempts_headings(rng, a, b, n):
    out = ["## Attempts", ""]
    for i in range(1, n + 1):
        mark, word = rng.choice(MARKS)
        out += [f"### Attempt {i}: {rng.choice(VERBS)} {b} ({_dur(rng)}) {mark}", ""]
        out += [rng.choice(PROSE).format(a=a, b=b), ""]
        if word == "abandoned":
            out += ["**Why I abandoned it**: it was turning into a rewrite.", ""]
        elif word == "partial":
            out += ["**Partial success**: it moved the error, not removed it.", ""]
        out += [f"**Root cause**: {rng.choice(PROSE).format(a=a, b=b)}", ""]
    return out


def _attempts_list(rng, a, b, n):
    out = ["## What I tried", ""]
    for i in range(1, n + 1):
        _, word = rng.choice(MARKS)
        out.append(f"{i}. {rng.choice(VERBS)} {a} ({_dur(rng)}) - {word}")
    return out + [""]


def _attempts_table(rng, a, b, n):
    out = ["## Attempts", "", "| # | Attempt | Duration | Outcome |", "|---|---|---|---|"]
    for i in range(1, n + 1):
        mark, word = rng.choice(MARKS)
        out.append(f"| {i} | {rng.choice(VERBS)} {b} | {_dur(rng)} | {mark} {word} |")
    return out + [""]


def _attempts_log(rng, a, b, n):
    out, h, m = ["## Log", ""], rng.randint(8, 20), 0
    for _ in range(n):
        mark, _word = rng.choice(MARKS)
        out.append(f"- {h:02d}:{m:02d} Tried to {rng.choice(VERBS).lower()} {b} {mark}")
        m += rng.choice([5, 10, 15, 25])
        h, m = (h + m // 60) % 24, m % 60
    return out + [""]


def _attempts_mistakes(rng, a, b, n):
    out = []
    for i in range(1, n + 1):
        out += [f"## Mistake #{i}: {rng.choice(VERBS)}ed {a} too early ({_dur(rng)})", ""]
        out += [rng.choice(PROSE).format(a=a, b=b), ""]
    return out


FORMATS = [_attempts_headings, _attempts_list, _attempts_table, _attempts_log, _attempts_mistakes]


def make_reflection(rng: random.Random, i: int) -> tuple[str, str]:
    """One reflection of about seed size; returns (text, encoding trick)."""
    title, a, b = rng.choice(TOPICS)
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    lines: list[str] = []
    if rng.random() < 0.25:
        lines += [
            "---",
            f"title: {title} #{i}",
            f"date: {day}",
            "project: bench",
            "duration: 70 min",
            "---",
            "",
        ]
    lines += [f"# Session Reflection: {title} #{i} (70 min journey)", ""]
    lines += [
        f"**Date**: {day} 21:00-22:10",
        "**Result**: ✅ Success",
        "**Ideal time**: should have been 10 minutes",
        "",
    ]
    lines += rng.choice(FORMATS)(rng, a, b, rng.randint(3, 8))
    lines += ["## Time Analysis", "", "| Phase | Time | % |", "|---|---|---|"]
    lines += [
        "| Investigation | 20 min | 29% |",
        "| Attempts | 45 min | 64% |",
        "| Fix | 5 min | 7% |",
        "",
    ]
    lines += (
        ["## Root Causes", ""]
        + [f"- {rng.choice(PROSE).format(a=a, b=b)}" for _ in range(3)]
        + [""]
    )
    lines += [
        "## Template the agent pasted",
        "",
        "```markdown",
        "## Action Items",
        "- [ ] not real",
        "```",
        "",
    ]
    lines += (
        ["## Lessons Learned", ""]
        + [f"{k}. {rng.choice(PROSE).format(a=a, b=b)}" for k in range(1, 4)]
        + [""]
    )
    lines += ["## Action Items", ""]
    lines += [
        f"- [{rng.choice(' x')}] ({rng.choice(['HIGH', 'MEDIUM', 'LOW'])}) Document {b} for next time"
        for _ in range(4)
    ]
    lines += ["", "## Notes", ""]
    while sum(len(x) + 1 for x in lines) < TARGET_BYTES:  # pad with prose to seed size
        lines.append(" ".join(rng.choice(PROSE).format(a=a, b=b) for _ in range(3)))
        lines.append("")
    trick = rng.choices(
        ["utf-8", "crlf", "mojibake", "utf-16", "french"], weights=[80, 5, 5, 5, 5]
    )[0]
    text = "\n".join(lines) + "\n"
    if trick == "french":
        text = text.replace("## Attempts", "## Tentatives").replace("Attempt ", "Tentative ")
        text = text.replace("## Action Items", "## Prochaines étapes").replace("min", "min")
    return text, trick


def write_corpus(folder: Path, n: int, seed: int = 4) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        text, trick = make_reflection(rng, i)
        if trick == "crlf":
            data = text.replace("\n", "\r\n").encode("utf-8")
        elif trick == "mojibake":
            data = text.encode("utf-8").decode("cp1252", errors="ignore").encode("utf-8")
        elif trick == "utf-16":
            data = b"\xff\xfe" + text.encode("utf-16-le")
        else:
            data = text.encode("utf-8")
        p = folder / f"reflection-{i:05d}.md"
        p.write_bytes(data)
        paths.append(p)
    return paths


# ---- timing -------------------------------------------------------------------------------


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _best(fn: Callable[[], object], passes: int, before: Callable[[], object]) -> float:
    times = []
    for _ in range(passes):
        before()
        times.append(_timed(fn))
    return min(times)


def _parser_caches() -> list:
    """The memo caches of session_retro's modules (functools.cache and lru_cache)."""
    return [
        fn
        for name, module in list(sys.modules.items())
        if name == "session_retro" or name.startswith("session_retro.")
        for fn in vars(module).values()
        if hasattr(fn, "cache_clear") and hasattr(fn, "__wrapped__")
    ]


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up (imports, regex compilation)
    return statistics.median(_timed(fn) for _ in range(runs)) * 1000


def _one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=2000, help="reflections to generate (default 2000)")
    ap.add_argument("--seed-runs", type=int, default=200, help="runs per parser on the seed")
    ap.add_argument("--passes", type=int, default=3, help="passes per corpus figure (best)")
    ap.add_argument("--keep", metavar="DIR", help="write the corpus here and keep it")
    args = ap.parse_args(argv)

    import pyromark
    from markdown_it import MarkdownIt

    from session_retro.ingest import clean_text
    from session_retro.load import read_session
    from session_retro.parse import parse_session
    from session_retro.parse.blocks import _OPTIONS

    core = _one_core()
    tmp = None
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="retro-bench-")
        folder = Path(tmp.name)
    paths = write_corpus(folder, args.n)
    nbytes = sum(p.stat().st_size for p in paths)
    texts = [clean_text(p.read_bytes()).text for p in paths]
    md = MarkdownIt("commonmark").enable("table")

    def floor():
        for p in paths:
            with open(p, "rb") as fh:
                fh.read().splitlines()

    def pipeline():
        for p in paths:
            s = read_session(str(p))
            assert s.error is None, (p, s.error)

    def pyromark_events():
        for t in texts:
            for _ in pyromark.events_with_range(t, options=_OPTIONS):
                pass

    def markdown_it_tokens():
        for t in texts:
            md.parse(t)

    caches = _parser_caches()

    def clear_caches():
        for fn in caches:
            fn.cache_clear()

    floor()  # warm the page cache so the floor measures reading, not the disk
    clear_caches()
    first = _timed(pipeline)
    runs = args.passes
    rows = [("raw read + line split (floor)", _best(floor, runs, clear_caches))]
    rows.append(("ingest+parse (load.read_session)", _best(pipeline, runs, clear_caches)))
    rows.append(("pyromark.events_with_range", _best(pyromark_events, runs, clear_caches)))
    rows.append(
        ("markdown-it-py parse (commonmark+table)", _best(markdown_it_tokens, runs, clear_caches))
    )
    base = rows[0][1]
    mb = nbytes / 1e6
    print(
        f"{args.n} generated reflections, {mb:.1f} MB ({nbytes / args.n / 1000:.1f} KB each), one core ({core})"
    )
    print(f"python {sys.version.split()[0]}, pyromark {getattr(pyromark, '__version__', '?')}")
    print(f"best of {runs} passes, parser caches emptied before each")
    print(f"{'':42} {'seconds':>8} {'docs/s':>9} {'MB/s':>8} {'x floor':>8}")
    for name, secs in rows:
        print(f"{name:42} {secs:8.3f} {args.n / secs:9.0f} {mb / secs:8.1f} {secs / base:8.1f}")
    name = "ingest+parse, first pass of the process"
    print(f"{name:42} {first:8.3f} {args.n / first:9.0f} {mb / first:8.1f} {first / base:8.1f}")
    pipe = rows[1][1]
    verdict = "meets" if args.n / pipe >= 1000 else "MISSES"
    print(f"ingest+parse: {args.n / pipe:.0f} docs/s, {verdict} the 1,000 docs/s target")

    if SEED.is_file():
        data = SEED.read_bytes()
        seed_text = clean_text(data).text
        runs = args.seed_runs
        print(f"\nseed ({len(data) / 1000:.1f} KB), median of {runs} runs:")
        seed_rows = [
            ("ingest+parse (read_session)", _median_ms(lambda: read_session(str(SEED)), runs)),
            ("parse_session only", _median_ms(lambda: parse_session(seed_text, "seed.md"), runs)),
            (
                "pyromark.events_with_range",
                _median_ms(
                    lambda: list(pyromark.events_with_range(seed_text, options=_OPTIONS)), runs
                ),
            ),
            ("markdown-it-py parse", _median_ms(lambda: md.parse(seed_text), runs)),
        ]
        for name, ms in seed_rows:
            print(f"  {name:40} {ms:7.2f} ms")
    real = sorted(str(p) for p in REAL.glob("*.md")) if REAL.is_dir() else []
    if real:
        kb = sum(os.path.getsize(p) for p in real) / len(real) / 1000

        def real_pass():
            for p in real:
                read_session(p)

        real_passes = max(args.passes, 5)  # 27 files: more passes to find a quiet one
        secs = _best(real_pass, real_passes, clear_caches)
        print(
            f"\nreal reflections ({len(real)} files of {REAL.name}/, {kb:.1f} KB each), "
            f"best of {real_passes} passes:"
        )
        print(
            f"  {'ingest+parse (read_session)':40} {secs / len(real) * 1000:7.2f} ms"
            f"  ({len(real) / secs:.0f} docs/s)"
        )
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
