"""When did each protocol change land? Git history, backlog ticks and changes files.

Four sources of `impact.Change`s, most explicit first (`impact.select_changes` keeps,
per category, only the most explicit one given):

* ``--changed CATEGORY=YYYY-MM-DD`` (`impact.parse_changed`);
* a changes file (TOML, `impact.parse_changes_file`) given with ``--changes``, and
  ``protocol-changes.toml`` beside the sessions (in each folder given), read by default
  when present; same meaning as ``--changed``;
* the backlog state file `retro backlog` keeps beside the backlog
  (``.BACKLOG.md.retro.json`` beside ``BACKLOG.md``, see `backlog.state`): each item
  with a ``ticked`` day whose ``text`` (or, if the file states one, ``category``)
  addresses a category;
* the startup-protocol file's git history: ``git log -p --follow`` on that file; every
  added line is matched (rapidfuzz, `impact.matching_categories`) against the
  taxonomy's protocol changes and the ranked recommendation titles, and the first
  commit that added a matching line is the day that category's change landed (a later
  edit of a line that still matches is the same change, not a new one). The commit
  date is the committer's, in the committer's own time zone.

Parsing is pure (`parse_git_log`, `changes_from_log`, `parse_backlog_state`); running git
and reading files happen only in `read_git_log` and `gather_changes`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .analysis import Analysis
from .impact import (
    DEFAULT_MATCH_THRESHOLD,
    DEFAULT_WINDOW,
    Change,
    ChangeError,
    ImpactReport,
    Target,
    matching_categories,
    measure_impact,
    parse_changes_file,
    parse_day,
    targets_for,
    unknown_categories,
)

# A line no diff can start with: a diff line begins with ' ', '+', '-', '@', '\' or a
# header word, never with the record separator.
_MARK = "\x1eretro-commit "
LOG_FORMAT = f"--format={_MARK}%H %cI"
CHANGES_FILE = "protocol-changes.toml"
"""The changes file read by default from each sessions folder."""


@dataclass(frozen=True, slots=True)
class AddedLine:
    """A line a commit added to the protocol file."""

    sha: str
    date: date
    """The commit date, in the committer's own time zone."""
    text: str


@dataclass(frozen=True, slots=True)
class TickedItem:
    """A backlog item ticked on a known day."""

    text: str
    day: date
    category: str | None
    """Only when the state file states one; else it is read from `text`."""
    key: str
    """The item's id in the state file (its position when it has none)."""


def parse_git_log(text: str) -> tuple[AddedLine, ...]:
    """Added lines from ``git log -p`` output made with `LOG_FORMAT`, oldest commit first.

    Example of the input::

        \\x1eretro-commit 1a2b… 2026-10-01T09:00:00+02:00
        diff --git a/CLAUDE.md b/CLAUDE.md
        --- a/CLAUDE.md
        +++ b/CLAUDE.md
        @@ -1,2 +1,3 @@
        +- Search the repository first.
    """
    commits: list[list[AddedLine]] = []
    sha, day, in_hunk = "", None, False
    # not str.splitlines: it also splits on the record separator that starts _MARK
    for line in text.split("\n"):
        if line.startswith(_MARK):
            sha, _, stamp = line[len(_MARK) :].partition(" ")
            try:
                day = date.fromisoformat(stamp.strip()[:10])
            except ValueError:
                day = None
            commits.append([])
            in_hunk = False
        elif line.startswith("diff --git"):
            in_hunk = False  # the ---/+++ file headers that follow are not content
        elif line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line.startswith("+") and day is not None and commits:
            commits[-1].append(AddedLine(sha, day, line[1:].rstrip("\r")))
    # git log lists the newest commit first
    return tuple(a for c in reversed(commits) for a in c)


def changes_from_log(
    added: Iterable[AddedLine],
    targets: Iterable[Target],
    *,
    name: str,
    threshold: float = DEFAULT_MATCH_THRESHOLD,
) -> tuple[Change, ...]:
    """The first added line matching each category's targets, as a Change (oldest first)."""
    targets = tuple(targets)
    first: dict[str, Change] = {}
    for a in sorted(added, key=lambda a: a.date):  # stable: commit order within a day
        if not a.text.strip():
            continue
        for cid in matching_categories(a.text, targets, threshold):
            first.setdefault(
                cid,
                Change(
                    cid,
                    a.date,
                    "git",
                    text=a.text.strip().lstrip("-*+ ").strip(),
                    where=f"{name}@{a.sha[:7]}",
                    sha=a.sha,
                ),
            )
    return tuple(first.values())


def read_git_log(path: str | Path) -> tuple[str | None, str | None]:
    """(``git log -p --follow`` text of `path`, None) or (None, why it could not be read)."""
    p = Path(path).resolve()
    cmd = ["git", "log", "-p", "--follow", "--no-color", "--no-ext-diff", LOG_FORMAT]
    try:
        run = subprocess.run(
            [*cmd, "--", p.name],
            cwd=p.parent,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        return None, "git is not installed; give the change dates with --changed or --changes"
    except OSError as exc:
        return None, f"cannot run git: {exc}"
    if run.returncode != 0:
        err = run.stderr.strip().splitlines()
        why = err[-1] if err else f"exit {run.returncode}"
        return None, f"no git history ({why}); give the change dates with --changed or --changes"
    return run.stdout, None


def patch_base(path: str | Path) -> tuple[Path, str]:
    """(the folder a patch of `path` applies from, the name the patch gives the file).

    The real file, not a symlink to it (git apply will not patch through a link), named
    from the root of its git work tree (so ``git apply`` works from there, as usual),
    or from its own folder outside git.
    """
    real = Path(path).resolve()
    try:
        run = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=real.parent,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",  # a folder name that is not UTF-8 is still a path
            check=False,
        )
        top = Path(run.stdout.strip()).resolve() if run.returncode == 0 else None
    except OSError:  # no git here: the file's own folder
        top = None
    if top is not None and real.is_relative_to(top):
        return top, real.relative_to(top).as_posix()
    return real.parent, real.name


def backlog_state_path(backlog: str | Path) -> Path:
    """``dir/.NAME.retro.json`` for ``dir/NAME``: where `retro backlog` keeps its state
    (beside the file a symbolic link `backlog` points to, as `retro backlog` does)."""
    p = Path(backlog)
    p = Path(os.path.realpath(p)) if p.is_symlink() else p
    return p.with_name(f".{p.name}.retro.json")


def parse_backlog_state(text: str, source: str) -> tuple[tuple[TickedItem, ...], tuple[str, ...]]:
    """Each ticked item of a backlog state file, and what could not be read in it.

    Reads `retro backlog`'s file (``{"items": {ID: {"text": …, "ticked": "YYYY-MM-DD",
    …}}, "version": 1}``) leniently, since it is another command's file: ``items`` may
    also be a list, and ``title`` or ``summary`` stand in for ``text``; an optional
    ``category`` is used as given. Items without a ``ticked`` day are open and left out.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        return (), (f"{source}: not valid JSON ({exc}); ticked backlog items are not used",)
    items = data.get("items", []) if isinstance(data, dict) else data
    if not isinstance(items, dict | list):
        return (), (f"{source}: no items; ticked backlog items are not used",)
    pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(items))
    out, problems = [], []
    for key, item in pairs:
        if not isinstance(item, dict) or not item.get("ticked"):
            continue
        words = next(
            (item[k] for k in ("text", "title", "summary") if isinstance(item.get(k), str)), ""
        )
        if not words.strip():
            continue
        try:
            day = parse_day(item["ticked"], f"{source}: item {key}")
        except ChangeError as exc:
            problems.append(str(exc))
            continue
        cat = item.get("category")
        out.append(
            TickedItem(
                " ".join(words.split()),
                day,
                cat if isinstance(cat, str) and cat else None,
                str(key),
            )
        )
    return tuple(out), tuple(problems)


def changes_from_backlog(
    ticked: Iterable[TickedItem],
    targets: Iterable[Target],
    *,
    source: str,
    threshold: float = DEFAULT_MATCH_THRESHOLD,
) -> tuple[Change, ...]:
    """A Change per ticked item whose category is stated or whose text matches a target."""
    targets = tuple(targets)
    out = []
    for t in ticked:
        cats = (t.category,) if t.category else matching_categories(t.text, targets, threshold)
        out += [
            Change(c, t.day, "backlog", text=t.text, where=f"{source} item {t.key}") for c in cats
        ]
    return tuple(out)


def default_changes_files(paths: Iterable[str | Path]) -> tuple[Path, ...]:
    """``protocol-changes.toml`` in each folder given (beside a file given), when present."""
    found: dict[Path, None] = {}
    for p in map(Path, paths):
        folder = p if p.is_dir() else p.parent
        f = folder / CHANGES_FILE
        if f.is_file():
            found.setdefault(f)
    return tuple(found)


def _shown(path: str | Path) -> str:
    """`path` as messages and the report show it: a name that is not UTF-8 gets U+FFFD
    for its bytes (as a reflection's does), else writing analysis.json fails."""
    return os.fsencode(path).decode("utf-8", "replace")


def _read(path: Path) -> tuple[str | None, str | None]:
    try:
        return path.read_text(encoding="utf-8"), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{_shown(path)}: cannot read: {exc}"


def gather_changes(
    *,
    targets: Iterable[Target],
    protocol: str | Path | None = None,
    changed: Iterable[Change] = (),
    changes_files: Iterable[str | Path] = (),
    backlog: str | Path | None = None,
    threshold: float = DEFAULT_MATCH_THRESHOLD,
    history_required: bool = True,
) -> tuple[tuple[Change, ...], tuple[str, ...]]:
    """Every change from every source given, and the problems met reading them.

    `changes_files` were named or found, so each must be readable. `backlog` is the
    backlog file; its state file is read when present (no state: nothing ticked yet).
    `protocol` is the protocol file; a file git does not know is a problem when
    `history_required` (`retro impact`), and quietly no change otherwise (`retro
    analyze`, whose --protocol is first of all the file to patch).
    """
    targets = tuple(targets)
    changes: list[Change] = list(changed)
    problems: list[str] = []
    for path in changes_files:
        text, err = _read(Path(path))
        if err:
            problems.append(err)
            continue
        found, bad = parse_changes_file(text, _shown(path))
        changes += found
        problems += bad
    if backlog:
        state = backlog_state_path(backlog)
        if state.is_file():
            text, err = _read(state)
            if err:
                problems.append(err)
            else:
                ticked, bad = parse_backlog_state(text, _shown(state))
                problems += bad
                changes += changes_from_backlog(
                    ticked, targets, source=_shown(state), threshold=threshold
                )
    if protocol:
        log, err = read_git_log(protocol)
        if err:
            if history_required:
                problems.append(f"{protocol}: {err}")
        else:
            changes += changes_from_log(
                parse_git_log(log), targets, name=_shown(Path(protocol).name), threshold=threshold
            )
    return tuple(changes), tuple(problems)


def find_and_measure(
    analysis: Analysis,
    *,
    paths: Iterable[str | Path] = (),
    protocol: str | Path | None = None,
    changed: Iterable[Change] = (),
    changes_file: str | Path | None = None,
    backlog: str | Path | None = None,
    window: int = DEFAULT_WINDOW,
    history_required: bool = True,
) -> tuple[ImpactReport, tuple[str, ...]]:
    """The "Did it work?" figures of an analysis, and the problems met finding the changes.

    Changes come from every source given plus ``protocol-changes.toml`` beside `paths`;
    the protocol is matched against the taxonomy and all ranked recommendations. A
    change to a category the taxonomy does not know is a problem and is not measured.
    """
    files = ([changes_file] if changes_file else []) + [
        f
        for f in default_changes_files(paths)
        if not changes_file or f.resolve() != Path(changes_file).resolve()
    ]
    changes, problems = gather_changes(
        targets=targets_for(analysis.taxonomy, analysis.recommendations),
        protocol=protocol,
        changed=changed,
        changes_files=files,
        backlog=backlog,
        history_required=history_required,
    )
    known = ", ".join(c.id for c in analysis.taxonomy.categories)
    extra = tuple(
        f"{c.where}: unknown category {c.category!r}; known: {known}"
        for c in changes
        if c.category in unknown_categories([c], analysis.taxonomy)
    )
    report = measure_impact(
        changes, analysis.sessions, analysis.attempts, analysis.taxonomy, window=window
    )
    return report, problems + extra
