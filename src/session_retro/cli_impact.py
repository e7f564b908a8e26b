"""`retro impact`: did each startup-protocol change pay off? Waste before and after it.

A thin shell: parse options, collect and analyse the sessions, find the changes
(`protocol_history.find_and_measure`), print them as a rich table, JSON or CSV, and
return the exit code (0 ok, 1 some input had a problem or there was nothing to
measure, 2 usage).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

import click

from . import terminal
from .aggregate import Filters
from .analysis import Analysis, analyze
from .classify import Taxonomy
from .cli_options import (
    filters_from,
    project_option,
    regular_file,
    say_cache_warnings,
    say_pieces_copies,
    shared_cache,
    shared_cache_options,
    taxonomy_from,
    taxonomy_option,
)
from .collect import collect_sessions
from .impact import (
    CSV_COLUMNS,
    DEFAULT_WINDOW,
    MAX_WINDOW,
    Change,
    ChangeError,
    Impact,
    ImpactReport,
    Verdict,
    change_label,
    empty_after,
    impact_rows,
    impact_to_dict,
    only,
    parse_changed,
    report_notes,
    unknown_categories,
)
from .pieces import keep_nears, load_nears
from .protocol_history import CHANGES_FILE, find_and_measure
from .render.markdown import minutes, percent

if TYPE_CHECKING:  # rich is imported where the table is printed: `retro analyze` needs none
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

EXIT_OK, EXIT_INPUT = 0, 1

_VERDICT_STYLE = {
    Verdict.IMPROVED: "green",
    Verdict.WORSE: "red",
    Verdict.NO_CLEAR_CHANGE: "yellow",
    Verdict.TOO_FEW: "dim",
}


def _changed(ctx, param, values: tuple[str, ...]) -> tuple[Change, ...]:
    try:
        return tuple(parse_changed(v) for v in values)
    except ChangeError as exc:
        raise click.BadParameter(str(exc)) from None


TITLE = "Did it work? Wasted minutes per session in the category, before → after each change"


def interval_text(interval: tuple[float, float] | None) -> str:
    """``[-40, -12.5]``, or ``(no interval)`` with too few sessions."""
    return (
        "(no interval)" if interval is None else f"[{minutes(interval[0])}, {minutes(interval[1])}]"
    )


def signed(value: float | None) -> str:
    return "—" if value is None else ("+" if value > 0 else "") + minutes(value)


def notes(report: ImpactReport) -> list[str]:
    """The lines printed under the table: method, caveat, where each change comes from."""
    out = list(report_notes(report))
    for i in report.impacts:
        c = i.change
        said = f": {c.text}" if c.text else ""
        out.append(f"{change_label(c)} from {c.where or c.source}{said}")
        if i.alongside:
            others = ", ".join(change_label(o) for o in i.alongside)
            out.append(f"{change_label(c)}: alongside it, {others} landed inside the same windows.")
        if empty := empty_after(i):
            out.append(f"{change_label(c)}: {empty}.")
    return out


def _wide_table(report: ImpactReport) -> Table:
    """One row per change: every figure side by side (about 120 columns)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=TITLE)
    t.add_column("category", no_wrap=True)
    t.add_column("changed", no_wrap=True)
    for col in ("sessions", "median min", "p90 min", "share of waste", "median change [95%]"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("verdict", no_wrap=True)
    for i in report.impacts:
        b, a = i.before, i.after
        t.add_row(
            Text(terminal.shown(i.change.category)),  # a taxonomy's id: text, not rich markup
            i.change.date.isoformat(),
            f"{b.sessions} / {a.sessions}",
            f"{minutes(b.median)} → {minutes(a.median)}",
            f"{minutes(b.p90)} → {minutes(a.p90)}",
            f"{percent(b.share)} → {percent(a.share)}",
            f"{signed(i.difference)} {interval_text(i.interval)}",
            Text(i.verdict.value, style=_VERDICT_STYLE[i.verdict]),
        )
    return t


def _change_table(i: Impact) -> Table:
    """One change as a narrow table: its figures down, before and after across."""
    from rich.table import Table
    from rich.text import Text

    b, a = i.before, i.after
    t = Table()
    t.add_column(Text(terminal.shown(change_label(i.change))))  # the only column that may wrap
    t.add_column("before", justify="right", no_wrap=True)
    t.add_column("after", justify="right", no_wrap=True)
    t.add_row("sessions", str(b.sessions), str(a.sessions))
    t.add_row("median min", minutes(b.median), minutes(a.median))
    t.add_row("p90 min", minutes(b.p90), minutes(a.p90))
    t.add_row("share of waste", percent(b.share), percent(a.share))
    return t


def _change_summary(i: Impact) -> Text:
    """``median change -35 min [-50, -15]: improved``, under the change's table."""
    from rich.text import Text

    return Text.assemble(
        f"median change {signed(i.difference)} min {interval_text(i.interval)}: ",
        (i.verdict.value, _VERDICT_STYLE[i.verdict]),
    )


def print_impact_table(report: ImpactReport, console: Console | None = None) -> None:
    """The table, then `notes`. A console narrower than the one-row-per-change table
    (an 80-column terminal, or a pipe, which rich takes as 80 columns) gets one small
    table per change instead: squeezed, rich would shrink the number columns to nothing."""
    from rich.console import Console

    console = console or Console(file=terminal.unfiltered(sys.stdout))
    wide = _wide_table(report)
    natural = console.measure(wide, options=console.options.update_width(10_000)).maximum
    if natural <= console.width:
        console.print(wide)
    else:
        console.print(TITLE)
        for i in report.impacts:
            console.print(_change_table(i))
            console.print(_change_summary(i))
    for line in notes(report):
        console.print(terminal.shown(line), highlight=False, markup=False)


def csv_text(report: ImpactReport) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    w.writeheader()
    for row in impact_rows(report):
        w.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


changed_option = click.option(
    "--changed",
    multiple=True,
    callback=_changed,
    metavar="CATEGORY=DATE",
    help="A protocol change addressing waste CATEGORY landed on DATE (YYYY-MM-DD); repeatable.",
)
changes_option = click.option(
    "--changes",
    "changes_file",
    type=click.Path(exists=True, dir_okay=False),
    callback=regular_file,
    help=f"TOML file of [[change]] tables (category, date, text); {CHANGES_FILE} beside the sessions is read anyway.",
)
window_option = click.option(
    "--window",
    type=click.IntRange(min=1, max=MAX_WINDOW),
    default=DEFAULT_WINDOW,
    show_default=True,
    help="Days on each side of a protocol change.",
)


def check_changed(changed: tuple[Change, ...], taxonomy: Taxonomy) -> None:
    """Usage error (exit 2) naming the known ids when --changed names an unknown category."""
    unknown = unknown_categories(changed, taxonomy)
    if unknown:
        known = ", ".join(c.id for c in taxonomy.categories)
        raise click.BadParameter(
            f"unknown category {', '.join(unknown)}; known: {known}", param_hint="--changed"
        )


def analysis_impact(
    a: Analysis,
    paths: list[str],
    *,
    protocol: str | None,
    changed: tuple[Change, ...],
    changes_file: str | None,
    window: int,
    memo: str | None = None,
):
    """`retro analyze`'s "Did it work?" section (None without any change), and problems.

    The protocol's git history is used when there is one; its absence is no problem
    here, since analyze's --protocol is first of all the file to patch. `memo` is the
    run's cache, where charts drawn before are kept.
    """
    report, problems = find_and_measure(
        a,
        paths=paths,
        protocol=protocol,
        changed=changed,
        changes_file=changes_file,
        window=window,
        history_required=False,
    )
    if not report.impacts:
        return None, problems
    from .render.impact_chart import impact_section  # matplotlib: only when there is a chart

    return impact_section(report, memo), problems


def month_impact(
    sessions: list,
    month: str,
    paths: list[str],
    *,
    taxonomy: Taxonomy,
    project: str | None,
    changed: tuple[Change, ...],
    changes_file: str | None,
    window: int,
    memo: str | None = None,
    nears: dict | None = None,
):
    """`retro report --month`'s "Did it work?" section (None without a change), and problems.
    `nears`: the near-duplicate pairs kept beside the cache (`pieces.load_nears`).

    The windows cross month boundaries, so the figures come from every session (of
    `project`, when given), not only the month's; shown are the changes whose after
    window overlaps the month (landed by its end, and less than `window` days before it).
    """
    first = date.fromisoformat(f"{month}-01")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    a = analyze(
        sessions, generated="", filters=Filters(project=project), taxonomy=taxonomy, nears=nears
    )
    report, problems = find_and_measure(
        a, paths=paths, changed=changed, changes_file=changes_file, window=window
    )
    shown = tuple(i for i in report.impacts if i.change.date <= last and i.after.end >= first)
    if not shown:
        return None, problems
    from .render.impact_chart import impact_section

    return impact_section(only(report, shown, a.sessions, a.attempts), memo), problems


@click.command("impact")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--protocol",
    type=click.Path(exists=True, dir_okay=False),
    help="CLAUDE.md / AGENTS.md under git: a change landed when a commit added a line saying a recommendation.",
)
@changed_option
@changes_option
@click.option(
    "--backlog",
    type=click.Path(dir_okay=False),
    help="BACKLOG.md kept by `retro backlog`: items ticked there date changes too.",
)
@window_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table: for reading (one small table per change when the terminal is too narrow); "
    "json: every figure, with each side's dates and per-session minutes; csv: one row per change.",
)
@taxonomy_option
@project_option
@shared_cache_options
def impact_cmd(
    paths: tuple[str, ...],
    protocol: str | None,
    changed: tuple[Change, ...],
    changes_file: str | None,
    backlog: str | None,
    window: int,
    fmt: str,
    taxonomy: str | None,
    project: str | None,
    cache_path: str | None,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Did each startup-protocol change work? Waste in its category before and after it.

    For every change (from --changed, --changes, sessions/protocol-changes.toml, ticked
    backlog items, or the git history of --protocol): sessions, wasted minutes per
    session (median, p90) and the category's share of waste in the WINDOW days before
    and after, a bootstrap interval for the difference and a verdict. Minutes are the
    authors' estimates; the figures say what changed alongside, not why.

    Example: retro impact sessions/ --changed skipped-discovery=2026-10-01 --window 30
    """
    tax = taxonomy_from(taxonomy)
    check_changed(changed, tax)
    given = list(paths) or ["sessions"]
    cache_warnings: list[str] = []
    cache = shared_cache(cache_path, no_cache)
    sessions = collect_sessions(given, jobs=jobs, cache_path=cache, warnings=cache_warnings)
    say_cache_warnings(cache_warnings)
    errors = [s for s in sessions if s.error]
    # --project: a protocol file belongs to one repository, its sessions are the evidence
    nears = load_nears(cache)  # the pairs retro analyze kept: only new texts scored
    a = analyze(
        sessions,
        generated="",
        taxonomy=tax,
        filters=filters_from(None, None, project),
        nears=nears,
    )
    say_pieces_copies(keep_nears(cache, nears))
    if project and a.figures.headline.sessions == 0:
        click.echo(f"error: no session of project {project!r}; nothing to measure", err=True)
        sys.exit(EXIT_INPUT)
    report, problems = find_and_measure(
        a,
        paths=given,
        protocol=protocol,
        changed=changed,
        changes_file=changes_file,
        backlog=backlog,
        window=window,
    )
    if fmt == "json":
        data = {"project": project, **impact_to_dict(report)}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(csv_text(report), nl=False)
    elif report.impacts:
        print_impact_table(report)
        if project:
            click.echo(f"Sessions of project {project} only.")
    for s in errors:
        click.echo(f"{s.source}: error: {s.error}", err=True)
    for p in problems:
        click.echo(f"{p}", err=True)
    if not report.impacts:
        click.echo(
            "error: no protocol change to measure; give --changed CATEGORY=DATE, --changes FILE, "
            f"--protocol CLAUDE.md or --backlog BACKLOG.md, or write {CHANGES_FILE} beside the sessions",
            err=True,
        )
        sys.exit(EXIT_INPUT)
    sys.exit(EXIT_INPUT if errors or problems else EXIT_OK)
