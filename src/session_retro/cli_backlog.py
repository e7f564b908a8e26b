"""`retro backlog`: merge every reflection's action items into the team's backlog.

A thin shell: parse options, collect and filter sessions, gather items (IDs matched
against the backlog already there), then one target: merge into BACKLOG.md (default),
print CSV / JSON / JSON Lines / GitHub payloads, or create GitHub issues with `gh`.
Exit codes: 0 ok, 1 a reflection or the backlog could not be read (a corrupt backlog
is never written), 2 usage.
"""

from __future__ import annotations

import difflib
import os
import shlex
import sys
from datetime import datetime
from pathlib import Path

import click

from .aggregate import filter_sessions
from .backlog import (
    DEFAULT_THRESHOLD,
    check_state_writable,
    gather_items,
    known_texts,
    merge_backlog,
    read_backlog,
    select_items,
    split_done,
    state_path,
    write_backlog,
    write_state,
)
from .backlog.formats import github_payload, to_github, to_jira_csv, to_json, to_jsonl
from .backlog.github import create_issues, find_gh, gh_command, pending
from .cli_analyze import _now
from .cli_options import (
    Score,
    filters_from,
    project_option,
    regular_file,
    say_cache_warnings,
    say_pieces_copies,
    shared_cache,
    shared_cache_options,
    since_option,
    until_option,
)
from .collect import collect_sessions, find_reflections
from .discover import nothing_to_read
from .load import read_session
from .near import ITEMS, near_for
from .pieces import keep_nears, load_nears

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
PRIORITIES = ("high", "medium", "low", "none")


def _priorities(ctx, param, value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    wanted = {p.strip().lower() for p in value.split(",") if p.strip()}
    bad = sorted(wanted - set(PRIORITIES))
    if bad:
        raise click.BadParameter(
            f"unknown priority {', '.join(bad)}; choose from {', '.join(PRIORITIES)}"
        )
    return frozenset(wanted)


def _attempts_in(path: str) -> int:
    """How many attempts `path` holds, read as a reflection: a backlog holds none."""
    if not os.path.isfile(path):
        return 0
    return len(read_session(path).attempts)  # read whatever its name: a report too


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INPUT)


@click.command("backlog")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--file",
    "backlog_file",
    type=click.Path(dir_okay=False),
    callback=regular_file,
    default="BACKLOG.md",
    show_default=True,
    help="The Markdown backlog to merge into; its state file sits beside it (.NAME.retro.json).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "json", "jsonl", "github"]),
    default="md",
    show_default=True,
    help="md merges into --file; csv (Jira importer), json, jsonl and github (issue payloads) print to stdout.",
)
@click.option(
    "--create",
    is_flag=True,
    help="Create a GitHub issue (gh issue create) for each open item without one yet.",
)
@click.option("--repo", metavar="OWNER/NAME", help="With --create: the repository (gh --repo).")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be written or created; write and run nothing."
)
@since_option
@until_option
@project_option
@click.option(
    "--priority",
    "priorities",
    callback=_priorities,
    metavar="LIST",
    help="Only these priorities, comma-separated: high,medium,low,none.",
)
@click.option("--open-only", is_flag=True, help="Leave out items ticked in their reflections.")
@click.option(
    "--merge-threshold",
    type=Score(),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="rapidfuzz score at which two action items are the same backlog item.",
)
@shared_cache_options
def backlog_cmd(
    paths: tuple[str, ...],
    backlog_file: str,
    fmt: str,
    create: bool,
    repo: str | None,
    dry_run: bool,
    since: datetime | None,
    until: datetime | None,
    project: str | None,
    priorities: frozenset[str] | None,
    open_only: bool,
    merge_threshold: float,
    cache_path: str | None,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Collect the action items of every reflection into one backlog, each item once.

    Reads every reflection under PATHS (default: sessions/). Re-running adds only new
    items: ticks, rewording, moved lines, notes and deletions in the backlog are kept.

    Example: retro backlog sessions/ --file BACKLOG.md
    """
    if create and fmt not in ("md", "github"):
        raise click.UsageError(
            "--create makes GitHub issues; it cannot be combined with --format " + fmt
        )
    if repo and not create:
        raise click.UsageError("--repo only applies with --create")
    if create:
        fmt = "github"
    filters = filters_from(since, until, project)
    given = list(paths) or ["sessions"]
    # The backlog (read for its IDs in every format) is no reflection, even when it sits
    # in a folder read: its checklist would come back as items a second time.
    skipped: list[str] = []
    found = find_reflections(given, skip=(backlog_file,), skipped=skipped)
    cache_warnings: list[str] = []
    cache = shared_cache(cache_path, no_cache)
    sessions = collect_sessions(
        given, found=found, jobs=jobs, cache_path=cache, warnings=cache_warnings
    )
    say_cache_warnings(cache_warnings)
    if fmt != "md" and skipped:
        click.echo(
            f"note: {backlog_file} is the backlog (--file), not read as a reflection", err=True
        )
    for s in sessions:
        if s.error:
            click.echo(f"{s.source}: error: {s.error}", err=True)
    if not any(not s.error for s in sessions):
        _fail(nothing_to_read([s.source for s in sessions], given, "collect items from"))
    errors = sum(1 for s in sessions if s.error)
    kept, _ = filter_sessions(sessions, filters)

    doc, state, problem = read_backlog(backlog_file)
    if problem:
        _fail(f"{problem}\nnothing written")
    if fmt == "md" and not doc.entries and (n := _attempts_in(backlog_file)):
        # never merged into, and holding attempts: a reflection named by mistake, which
        # the merge would rewrite (and, under the folders read, leave unread)
        raise click.BadParameter(
            f"{backlog_file} is a reflection ({n} attempt(s)), not a backlog; "
            "name a file of its own (e.g. BACKLOG.md); nothing written",
            param_hint="--file",
        )
    # the pairs of items retro analyze kept (its page merges the same items): only
    # items not seen before are scored against the others
    nears = load_nears(cache)
    near = near_for(nears, "items", ITEMS, merge_threshold) if nears is not None else None
    items = gather_items(kept, threshold=merge_threshold, known=known_texts(doc, state), near=near)
    if near is not None:
        say_pieces_copies(keep_nears(cache, {**nears, "items": near}))
    items = select_items(items, priorities=priorities, open_only=open_only)
    today = _now().strftime("%Y-%m-%d")
    read = f"Read {len(sessions)} file(s): {sum(len(s.action_items) for s in kept)} action item(s) in {sum(1 for s in kept if not s.error)} session(s), {len(items)} backlog item(s)."

    if fmt == "md":
        if doc.lines == () and any(i.added and not i.deleted for i in state.items):
            click.echo(
                f"note: {backlog_file} is missing or empty, so its items count as deleted; "
                f"remove {state_path(backlog_file)} to start a fresh backlog",
                err=True,
            )
        filtered = filters.active or priorities is not None or open_only or errors > 0
        result = merge_backlog(doc, state, items, today=today, refresh_sources=not filtered)
        if state.items:  # with no state yet, every ID is new to it
            for e in result.strangers:
                click.echo(
                    f"warning: {backlog_file}:{e.line}: retro:{e.id} is the ID of no item "
                    "(an ID comment edited by hand?); the line is kept as written, and an "
                    "item whose ID it was counts as deleted",
                    err=True,
                )
        click.echo(read)
        counts = (
            f"{len(result.added)} added, {len(result.kept)} already there, "
            f"{len(result.deleted)} newly deleted, {len(result.skipped)} deleted earlier (not re-added), "
            f"{len(result.ticked)} newly ticked"
        )
        if dry_run:
            # the file as it is, not as parsed: the write compares bytes, so a rewrite that
            # only evens out mixed line endings must show here too
            path = Path(backlog_file)
            old = path.read_bytes().decode("utf-8") if path.is_file() else ""
            new = result.doc.render()
            diff = difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                backlog_file,
                backlog_file,
            )
            click.echo("".join(diff), nl=False)
            click.echo(f"{backlog_file} (dry run, nothing written): {counts}")
        else:
            w = write_backlog(backlog_file, result)
            # a tick or a deletion seen in the file changes only the state: say it was saved
            status = (
                "written"
                if w.backlog
                else f"unchanged, {state_path(backlog_file)} updated"
                if w.state
                else "unchanged"
            )
            bak = f"; previous file kept as {w.backup}" if w.backup else ""
            click.echo(f"{backlog_file} {status}: {counts}{bak}")
            if w.state_error:
                raise w.state_error  # after the copy is named: main() prints it
        sys.exit(EXIT_INPUT if errors else EXIT_OK)

    st = state.by_id()
    gone = [it for it in items if st.get(it.id) and st[it.id].deleted]
    items = tuple(it for it in items if it not in gone)
    if gone:
        click.echo(f"{len(gone)} item(s) deleted from {backlog_file} left out", err=True)
    if not create:
        render = {"csv": to_jira_csv, "json": to_json, "jsonl": to_jsonl, "github": to_github}[fmt]
        click.echo(render(items), nl=False)
        sys.exit(EXIT_INPUT if errors else EXIT_OK)

    items, done = split_done(items, doc)
    payloads = [github_payload(it) for it in items]
    todo = pending(payloads, state)
    counts = f"{len(payloads) - len(todo)} already created, {len(done)} done (no issue)"
    if dry_run:
        for p in todo:
            click.echo(
                "would run: gh "
                + " ".join(shlex.quote(a) for a in gh_command(p, repo)[:4])
                + f" ... ({p['id']})"
            )
        click.echo(f"{len(todo)} issue(s) would be created, {counts} (dry run)")
        sys.exit(EXIT_INPUT if errors else EXIT_OK)
    gh = find_gh()
    if gh is None and todo:
        _fail(
            "gh (the GitHub CLI) is not on PATH; install it (https://cli.github.com) or use --dry-run"
        )
    if todo:
        check_state_writable(backlog_file)  # before gh: what it creates must be recorded
    texts = {it.id: it.text for it in items}
    _, created = create_issues(
        payloads,
        state,
        lambda s: write_state(backlog_file, s),
        gh=gh or "gh",
        repo=repo,
        texts=texts,
    )
    failed = [c for c in created if c.error]
    for c in created:
        click.echo(
            f"{c.id}: {c.error}" if c.error else f"created {c.issue} ({c.id}): {c.title}",
            err=bool(c.error),
        )
    click.echo(
        f"{len(created) - len(failed)} issue(s) created, {len(failed)} failed, "
        f"{counts} (recorded in {state_path(backlog_file)})"
    )
    sys.exit(EXIT_INPUT if errors or failed else EXIT_OK)
