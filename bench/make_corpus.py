"""Seeded generator of realistic synthetic session reflections (issue 8).

    .venv/bin/python bench/make_corpus.py 10000 /tmp/corpus --seed 8

Writes N reflections under DIR, one subfolder per project, named
``YYYY-MM-DD-<slug>-<n>.md`` and dated over twelve months. Every attempt format the
parser reads appears: numbered "### Attempt N: X (15 min) ❌" headings with bodies,
"What I tried" lists, attempt tables, timestamped logs and "Mistake #N" sections;
plus YAML front matter, time-analysis tables, action-item checklists with priorities,
fenced code blocks (some holding Markdown that must not count), French headings,
CRLF, UTF-16 and mojibake. Sizes follow the real corpus: 2-25 KB, most near the
14 KB seed. About one file in a hundred is broken on purpose: empty, binary,
a table cut off mid-row, or double-encoded text.

The same N and seed give the same bytes, so benchmarks and tests are repeatable.
Importable: ``from bench.make_corpus import generate`` (or load it by path).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECTS = ["api-gateway", "billing", "mobile-app", "infra", "search", "data-pipeline"]
TOPICS = [
    ("Database schema fix", "migrations", "the RDS instance"),
    ("Flaky upload test", "pytest fixtures", "the storage client"),
    ("Docker build cache", "BuildKit layers", "the base image"),
    ("Webhook signature mismatch", "request middleware", "the signing secret"),
    ("Terraform state lock", "the CI pipeline", "the state bucket"),
    ("Search index rebuild", "the indexer", "the shard map"),
    ("Release hotfix", "the release branch", "the changelog job"),
    ("Cron job skipped", "the scheduler", "the crontab timezone"),
    ("OAuth redirect loop", "the session cookie", "the callback URL"),
    ("Memory leak in worker", "the task queue", "the connection pool"),
]
VERBS = ["Retry", "Pin", "Mock", "Rebuild", "Bisect", "Patch", "Revert", "Inspect", "Rewrite"]
MARKS = [("❌", "failed"), ("❌", "abandoned"), ("✅", "partial"), ("✅", "succeeded")]
PROSE = [
    "I assumed the failure came from {b}, so I went straight for it without reading the logs.",
    "The error message pointed at {a}, but the real cause was two layers down.",
    "Looking back, a five minute check of {b} would have saved most of this hour.",
    "The agent kept proposing variations of the same fix instead of questioning the premise.",
    "Nothing in the docs for {a} mentioned this behaviour; the source code did.",
    "I skipped the local test run to save time and paid for it with a red CI pipeline.",
    "A race between {a} and {b} only showed up under load, never on my machine.",
]
SHOULD = [
    "Read the existing runbook for {a} first.",
    "Ask the user before building anything new.",
    "Run the failing test locally with verbose output.",
    "Check whether {b} was already handled by a tool in the repo.",
]
CODE = [
    ("bash", ["git log --oneline -20", "make test 2>&1 | tail -40"]),
    ("python", ["def handler(event, context):", "    return run(event['sql'])"]),
    ("sql", ["ALTER TABLE licenses ADD COLUMN IF NOT EXISTS notes TEXT;"]),
    ("", ["Error: connection timed out after 30000 ms", "    at Socket.<anonymous>"]),
]


@dataclass(frozen=True, slots=True)
class Made:
    """One generated file: where it went and what kind it is."""

    path: Path
    kind: str
    """``ok``, ``crlf``, ``utf-16``, ``mojibake``, ``french``, or a ``broken-*`` kind."""


def _dur(rng: random.Random) -> tuple[str, int]:
    m = rng.choice([5, 10, 15, 20, 25, 30, 40, 45, 65, 90])
    text = rng.choice(
        [
            f"{m} min",
            f"~{m} minutes",
            f"{m}-{m + 5} min",
            f"{m // 60}h {m % 60}m" if m > 60 else f"{m} mins",
        ]
    )
    return text, m


def _code(rng: random.Random) -> list[str]:
    lang, body = rng.choice(CODE)
    return [f"```{lang}", *body, "```", ""]


def _headings(rng, a, b, n) -> tuple[list[str], int]:
    out, total = ["## Attempts Timeline (What Didn't Work)", ""], 0
    for i in range(1, n + 1):
        mark, word = rng.choice(MARKS)
        d, m = _dur(rng)
        total += m
        out += [f"### Attempt {i}: {rng.choice(VERBS)} {b} ({d}) {mark}", ""]
        out += ["**What I tried**:", *_code(rng)]
        out += [rng.choice(PROSE).format(a=a, b=b), ""]
        if word == "abandoned":
            out += ["**Why I abandoned it**:", "- it was turning into a rewrite", ""]
        elif word == "partial":
            out += ["**Partial success**: it moved the error, not removed it.", ""]
        elif word == "failed":
            out += ["**Why it failed**:", *_code(rng)]
        out += [f"**Root cause**: {rng.choice(PROSE).format(a=a, b=b)}", ""]
        out += [f"**Time wasted**: {m} minutes", ""]
        if rng.random() < 0.5:
            out += [f"**What I should have done**: {rng.choice(SHOULD).format(a=a, b=b)}", ""]
        out += ["---", ""]
    return out, total


def _tried_list(rng, a, b, n) -> tuple[list[str], int]:
    out, total = ["## What I tried", ""], 0
    for i in range(1, n + 1):
        _, word = rng.choice(MARKS)
        d, m = _dur(rng)
        total += m
        out.append(f"{i}. {rng.choice(VERBS)} {a} ({d}) - {word}")
    return out + [""], total


def _table(rng, a, b, n) -> tuple[list[str], int]:
    out = ["## Attempts", "", "| # | Attempt | Duration | Outcome | Root cause |"]
    out.append("|---|---|---|---|---|")
    total = 0
    for i in range(1, n + 1):
        mark, word = rng.choice(MARKS)
        d, m = _dur(rng)
        total += m
        cause = rng.choice(PROSE).format(a=a, b=b).split(",")[0]
        out.append(f"| {i} | {rng.choice(VERBS)} {b} | {d} | {mark} {word} | {cause} |")
    return out + [""], total


def _log(rng, a, b, n) -> tuple[list[str], int]:
    out, h, m, total = ["## Timeline", ""], rng.randint(8, 20), 0, 0
    for _ in range(n):
        mark, _word = rng.choice(MARKS)
        out.append(f"- {h:02d}:{m:02d} Tried to {rng.choice(VERBS).lower()} {b} {mark}")
        step = rng.choice([5, 10, 15, 25])
        total += step
        m += step
        h, m = (h + m // 60) % 24, m % 60
    out.append(f"- {h:02d}:{m:02d} Done, wrote this reflection")
    return out + [""], total


def _mistakes(rng, a, b, n) -> tuple[list[str], int]:
    out, total = [], 0
    for i in range(1, n + 1):
        d, m = _dur(rng)
        total += m
        out += [f"## Mistake #{i}: {rng.choice(VERBS)}ed {a} too early ({d})", ""]
        out += [rng.choice(PROSE).format(a=a, b=b), ""]
        out += [f"**Lesson**: {rng.choice(SHOULD).format(a=a, b=b)}", ""]
    return out, total


FORMATS = [_headings, _tried_list, _table, _log, _mistakes]


def make_reflection(
    rng: random.Random,
    i: int,
    project: str,
    day: str,
    own: Callable[[str], str] = str,
) -> tuple[str, str]:
    """One reflection as (title, text), of a size drawn from the real corpus's spread.

    `own` may replace a root cause, lesson, recommendation or action item drawn from the
    phrase pool by the session's own words (`generate`'s `unique`)."""
    title, a, b = rng.choice(TOPICS)
    target = int(min(25_000, max(2_000, rng.lognormvariate(9.45, 0.45))))
    lines: list[str] = []
    if rng.random() < 0.3:
        lines += ["---", f"title: {title} #{i}", f"date: {day}", f"project: {project}"]
        lines += [f"tags: [{rng.choice(VERBS).lower()}, {project}]", "---", ""]
    body, total = rng.choice(FORMATS)(rng, a, b, rng.randint(2, 8))
    ideal = max(5, total // rng.randint(3, 8))
    start_h = rng.randint(8, 21)
    lines += [f"# Session Reflection: {title} #{i} ({total} min journey)", ""]
    lines += [
        f"**Date**: {day} {start_h:02d}:00",
        f"**Result**: {rng.choice(['✅ SUCCESS', '⚠️ PARTIAL', '❌ FAILED'])}",
        f"**Time to Solution**: {total} minutes (should have been {ideal} minutes)",
        "",
        "## The Problem",
        "",
        rng.choice(PROSE).format(a=a, b=b),
        "",
    ]
    lines += body
    lines += ["## Time Analysis", "", "| Phase | Duration | % of Total |", "|---|---|---|"]
    inv = max(1, total // 4)
    lines += [
        f"| Investigation | {inv} min | {100 * inv // max(total, 1)}% |",
        f"| Attempts | {total - inv} min | {100 - 100 * inv // max(total, 1)}% |",
        f"| **Total** | **{total} min** | **100%** |",
        "",
    ]
    lines += ["## Root Cause Analysis", ""]
    lines += [f"### {k}. ❌ {own(rng.choice(PROSE).format(a=a, b=b)[:60])}" for k in range(1, 3)]
    lines += ["", "## What I Did Right ✅", "", f"- {rng.choice(SHOULD).format(a=a, b=b)}", ""]
    lines += ["## Template the agent pasted", "", "```markdown", "## Action Items"]
    lines += ["- [ ] not a real item (HIGH)", "```", ""]
    lines += ["## Lessons Learned", ""]
    lines += [f"{k}. **{own(rng.choice(SHOULD).format(a=a, b=b))}**" for k in range(1, 4)] + [""]
    lines += ["## Recommendations", ""]
    for k in range(1, rng.randint(2, 4)):
        pri = rng.choice(["HIGH", "MEDIUM", "LOW"])
        lines += [f"### {k}. {own(f'Document {b} in the runbook')} ✅ {pri} PRIORITY", ""]
        lines += [rng.choice(PROSE).format(a=a, b=b), ""]
    lines += ["## Action Items", ""]
    for _ in range(rng.randint(2, 6)):
        done = rng.choice(" x")
        pri = rng.choice(["HIGH", "MEDIUM", "LOW"])
        item = own(f"{rng.choice(VERBS)} {a} checks before touching {b}")
        lines.append(f"- [{done}] {item} ({pri})")
    lines += ["", "## Notes", ""]
    size = sum(len(x) + 1 for x in lines)
    while size < target:  # pad with prose and the odd code block, to a realistic size
        chunk = (
            _code(rng)
            if rng.random() < 0.15
            else [" ".join(rng.choice(PROSE).format(a=a, b=b) for _ in range(3)), ""]
        )
        lines += chunk
        size += sum(len(x) + 1 for x in chunk)
    lines += [
        "",
        f'**Key Takeaway**: "{rng.choice(SHOULD).format(a=a, b=b)}"',
        "",
    ]
    return title, "\n".join(lines)


def _encode(rng: random.Random, text: str) -> tuple[bytes, str]:
    kind = rng.choices(["ok", "crlf", "utf-16", "mojibake", "french"], weights=[82, 5, 3, 5, 5])[0]
    if kind == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8"), kind
    if kind == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le"), kind
    if kind == "mojibake":  # UTF-8 read as cp1252 and saved again, like the seed
        return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"), kind
    if kind == "french":
        text = text.replace("## Attempts", "## Tentatives").replace("Attempt ", "Tentative ")
        text = text.replace("## Action Items", "## Prochaines étapes")
        text = text.replace("## Lessons Learned", "## Leçons apprises")
        return text.encode("utf-8"), kind
    return text.encode("utf-8"), kind


def _broken(rng: random.Random, text: str) -> tuple[bytes, str]:
    kind = rng.choice(["empty", "binary", "truncated-table", "mojibake-twice"])
    if kind == "empty":
        return b"", "broken-empty"
    if kind == "binary":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(200, 4000))), "broken-binary"
    if kind == "truncated-table":
        cut = text.find("| Attempts |")
        cut = cut + 14 if cut > 0 else len(text) // 2
        return text[:cut].encode("utf-8"), "broken-truncated-table"
    twice = text.encode("utf-8").decode("latin-1").encode("utf-8").decode("latin-1")
    return twice.encode("utf-8"), "broken-mojibake-twice"


def generate(
    n: int, folder: str | Path, *, seed: int = 8, broken: float = 0.01, unique: float = 0.0
) -> list[Made]:
    """Write `n` reflections under `folder` (created); same n and seed, same bytes.

    `broken` is the share of files damaged on purpose (see `_broken`). `unique` is the
    share of root causes, lessons, recommendations and action items written in the
    session's own words (6 to 14 words of a 3,000-word vocabulary) instead of drawn
    from the small phrase pool, which repeats: a real team's are mostly unique, and
    merging near-duplicates costs more the more distinct texts there are. Another
    random stream draws them, so `unique=0` writes the same bytes as before.
    """
    root = Path(folder)
    rng = random.Random(seed)
    own = _own_words(random.Random(seed + 1), unique) if unique > 0 else str
    made: list[Made] = []
    for i in range(n):
        project = PROJECTS[rng.randrange(len(PROJECTS))]
        day = f"2025-{rng.randint(3, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.2:
            day = f"2026-{rng.randint(1, 2):02d}-{rng.randint(1, 28):02d}"
        title, text = make_reflection(rng, i, project, day, own)
        data, kind = _broken(rng, text) if rng.random() < broken else _encode(rng, text)
        slug = "-".join(title.lower().split())
        path = root / project / f"{day}-{slug}-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        made.append(Made(path, kind))
    return made


def _own_words(rng: random.Random, share: float) -> Callable[[str], str]:
    """A function giving, for a `share` of the texts it sees, a sentence of its own."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = sorted({"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(3200)})
    vocab = vocab[:3000]

    def own(text: str) -> str:
        if rng.random() >= share:
            return text
        words = rng.choices(vocab, k=rng.randint(6, 14))
        return " ".join(words).capitalize()

    return own


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="how many reflections")
    ap.add_argument("dir", help="folder to write into (created)")
    ap.add_argument("--seed", type=int, default=8, help="random seed (default 8)")
    ap.add_argument(
        "--broken", type=float, default=0.01, help="share of broken files (default 0.01)"
    )
    ap.add_argument(
        "--unique",
        type=float,
        default=0.0,
        help="share of notes and items in the session's own words (default 0: the phrase pool)",
    )
    args = ap.parse_args(argv)
    made = generate(args.n, args.dir, seed=args.seed, broken=args.broken, unique=args.unique)
    size = sum(m.path.stat().st_size for m in made)
    kinds: dict[str, int] = {}
    for m in made:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    print(f"wrote {len(made)} files, {size / 1e6:.1f} MB, into {args.dir}")
    print(", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
