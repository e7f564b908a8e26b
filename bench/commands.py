"""How fast the commands besides `analyze` read a large folder, with and without the
parse cache `retro analyze` keeps (issue 8).

    .venv/bin/python bench/commands.py                  # 10,000 generated sessions
    .venv/bin/python bench/commands.py --size 2000 --keep /tmp/bench

`bench/make_corpus.py` writes the corpus into a temp folder; `retro analyze` runs once
from a working folder beside it, so its cache lands in `reports/.retro-cache.sqlite`,
where `retro check`, `retro backlog` and `retro impact` look by default. Then each
command runs in a subprocess (start-up and imports included), `--no-cache` (every file
parsed, in the pool) and then as a user would run it after `analyze` (every file from
the cache); `retro report`, which writes into `--out`, is given that same cache. Each
figure is the best of `--repeat` runs, beside the raw read + line split of the same
files in this process (the floor) and the ratio cached / uncached. Benchmarks are not
tests: nothing here runs under pytest.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analyze import _make_corpus, compile_package, floor  # bench/analyze.py, beside this file

COMMANDS = {
    "check": ["check", "{corpus}", "--quiet"],
    "backlog": ["backlog", "{corpus}", "--format", "json"],
    "impact": ["impact", "{corpus}", "--changed", "flaky-tests=2025-10-01", "--format", "json"],
    "report": ["report", "{corpus}", "--month", "2025-10", "--quiet", "--out", "{fresh}"],
}
"""Each command as a user runs it. `report` writes into a new --out each run (an
unchanged re-run into the same one writes nothing), cached through --cache."""


def run(args: list[str], cwd: Path) -> float:
    """Seconds of one `retro ARGS` in a subprocess; exits on a crash (1 is expected:
    about one generated file in a hundred is broken on purpose)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "session_retro", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    seconds = time.perf_counter() - start
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, 1) or "Traceback" in err:
        sys.exit(f"retro {' '.join(args)} failed (exit {proc.returncode}):\n{err}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=10_000, help="sessions to generate")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is shown)")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    opts = ap.parse_args()
    compile_package()

    root = opts.keep or Path(tempfile.mkdtemp(prefix="retro-bench-commands-"))
    root.mkdir(parents=True, exist_ok=True)
    corpus, work = root / "corpus", root / "work"
    try:
        print(f"generating {opts.size} reflections ...", file=sys.stderr, flush=True)
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        _make_corpus().generate(opts.size, corpus, seed=opts.seed)
        work.mkdir()
        files = sorted(p for p in corpus.rglob("*") if p.is_file())
        floor_s = min(floor(files) for _ in range(3))
        print("retro analyze, to fill reports/.retro-cache.sqlite ...", file=sys.stderr)
        analyze_s = run(["analyze", str(corpus), "--quiet"], work)

        print(
            f"retro commands on {opts.size} generated reflections, {os.cpu_count()} CPU(s), "
            f"python {platform.python_version()}; floor (read + split) {floor_s:.3f} s, "
            f"the analyze that filled the cache {analyze_s:.2f} s"
        )
        print(f"{'command':<8} {'--no-cache s':>12} {'cached s':>9} {'cached/uncached':>16}")
        runs = iter(range(1_000_000))
        for name, template in COMMANDS.items():

            def args(template=template) -> list[str]:
                return [a.format(corpus=corpus, fresh=f"month-{next(runs)}") for a in template]

            cached = ["--cache", "reports/.retro-cache.sqlite"] if name == "report" else []
            cold = min(run([*args(), "--no-cache"], work) for _ in range(opts.repeat))
            warm = min(run([*args(), *cached], work) for _ in range(opts.repeat))
            print(f"{name:<8} {cold:>12.2f} {warm:>9.2f} {warm / cold:>16.2f}")
    finally:
        if not opts.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
