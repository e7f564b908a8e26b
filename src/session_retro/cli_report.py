"""`retro report --month YYYY-MM`: one month's waste report, with deltas against the month before.

A thin shell like `retro analyze`: parse options, collect sessions, call
`monthly.month_report`, render, write into ``<out>/YYYY-MM/``, print a summary.

A month without sessions is an input problem, not a report: the command says so
(naming the months that do have sessions), writes nothing and exits 1, so a
scheduled job notices instead of publishing an empty page. A malformed month is a
usage error (exit 2).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import click

from .cli_analyze import _now
from .cli_impact import changed_option, changes_option, check_changed, month_impact, window_option
from .cli_options import (
    DEFAULT_OUT,
    cache_file,
    cache_options,
    merge_threshold_option,
    project_option,
    say_cache_warnings,
    say_copies,
    say_pieces_copies,
    say_removed,
    taxonomy_from,
    taxonomy_option,
    templates_option,
    top_option,
    unmake_out,
    write_report,
)
from .collect import collect_sessions
from .discover import nothing_to_read
from .monthly import month_report, parse_month
from .pieces import keep_nears, load_nears
from .render.html import points, signed
from .render.markdown import minutes, percent
from .render.monthly import month_files
from .rerun import (
    back_up_foreign_outputs,
    load_run,
    remove_stale_outputs,
    save_run,
)
from .safeio import UnsafePath, inside

EXIT_OK, EXIT_INPUT = 0, 1
RUN_MARK = "retro report"
"""The fingerprint of the month folder's run record: no analyze run has it, so neither
command skips a run on the other's record, and report knows its own."""


def _month(ctx, param, value: str) -> str:
    try:
        first, _ = parse_month(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return f"{first:%Y-%m}"


def _months_with_sessions(sessions, project: str | None) -> str:
    """``2026-01 (2), 2026-03 (1)``: where the sessions are, for the empty-month message."""
    months = Counter(
        s.date[:7]
        for s in sessions
        if not s.error
        and s.date
        and (project is None or (s.project or "").casefold() == project.casefold())
    )
    return ", ".join(f"{m} ({n})" for m, n in sorted(months.items())) or "none"


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--month",
    required=True,
    callback=_month,
    help="The month to report on, YYYY-MM (compared with the month before).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder; the report goes into its YYYY-MM/ subfolder.",
)
@project_option
@taxonomy_option
@top_option
@merge_threshold_option
@templates_option("monthly.md.j2, report.md.j2, index.html.j2")
@click.option("--quiet", "-q", is_flag=True, help="No summary; errors are still shown.")
@cache_options
@changed_option  # --changed, --changes, --window: the "Did it work?" section (issue 10)
@changes_option
@window_option
def report_cmd(
    paths: tuple[str, ...],
    month: str,
    out_dir: str,
    project: str | None,
    taxonomy: str | None,
    top: int,
    merge_threshold: float,
    templates: str | None,
    quiet: bool,
    cache_path: str | None,
    no_cache: bool,
    jobs: int | None,
    changed: tuple,
    changes_file: str | None,
    window: int,
) -> None:
    """One month's waste report, with what changed since the month before.

    Reads every reflection under PATHS (default: sessions/), keeps the sessions dated
    in --month and writes report.md, index.html and charts/ into --out/YYYY-MM/:
    waste share and wasted minutes against the previous month, waste categories new,
    grown or gone, and recommendations not made the month before. A month without
    sessions writes nothing and exits 1.

    Example: retro report --month 2026-02 sessions/ --out reports
    """
    tax = taxonomy_from(taxonomy)
    check_changed(changed, tax)
    given = list(paths) or ["sessions"]
    try:
        folder = inside(out_dir, month)  # a link out of --out: refused before any copy
    except UnsafePath as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None
    out_is_new = not os.path.lexists(out_dir)
    cache_warnings: list[str] = []
    cache = cache_file(out_dir, cache_path, no_cache)
    sessions = collect_sessions(
        given,
        jobs=jobs,
        cache_path=cache,
        warnings=cache_warnings,
        skip=(out_dir,),  # nor, as for every command, report.md files runs left as written
    )
    say_cache_warnings(cache_warnings)
    for s in sessions:
        if s.error:
            click.echo(f"{s.source}: error: {s.error}", err=True)
    if not any(not s.error for s in sessions):
        unmake_out(out_dir, out_is_new)
        click.echo(
            f"error: {nothing_to_read([s.source for s in sessions], given, 'report on')}", err=True
        )
        sys.exit(EXIT_INPUT)

    nears = load_nears(cache)  # the pairs retro analyze kept
    report = month_report(
        sessions,
        month,
        generated=_now().strftime("%Y-%m-%d %H:%M UTC"),
        project=project,
        taxonomy=tax,
        top=top,
        threshold=merge_threshold,
        nears=nears,
    )
    if report.empty:
        which = f" of project {project}" if project else ""
        click.echo(
            f"error: no sessions{which} dated {month} under {', '.join(given)}; nothing written. "
            f"Months with sessions: {_months_with_sessions(sessions, project)}.",
            err=True,
        )
        unmake_out(out_dir, out_is_new)
        sys.exit(EXIT_INPUT)

    impact, impact_problems = month_impact(
        sessions,
        month,
        given,
        taxonomy=tax,
        project=project,
        changed=changed,
        changes_file=changes_file,
        window=window,
        memo=cache,
        nears=nears,
    )
    say_pieces_copies(keep_nears(cache, nears))
    for p in impact_problems:
        click.echo(p, err=True)
    written = month_files(report, templates, impact, cache)
    inputs = [s.source for s in sessions] + [changes_file]
    # The month folder keeps its own run record, as --out does for analyze: a file of
    # the user's there, or a report edited by hand, is copied aside before it is replaced.
    previous = load_run(folder)
    copies = back_up_foreign_outputs(folder, previous, written, protect=inputs)
    say_copies(copies, Path(out_dir) / month)
    write_report(out_dir, {f"{month}/{name}": data for name, data in written.items()}, inputs)
    # e.g. the impact charts of a change no longer measured, when still as written; only
    # on a record of report's own: one analyze left (its --out this folder) lists its
    # analysis.json and tables, not this command's to remove
    ours = previous if previous and previous.fingerprint == RUN_MARK else None
    stale = remove_stale_outputs(folder, ours, written, protect=inputs)

    if not quiet:
        h = report.current.figures.headline
        click.echo(
            f"{month}: {h.sessions} session(s), {len(report.current.errors)} file(s) with errors."
        )
        d = report.deltas
        if d is None:
            click.echo(f"No sessions dated {report.previous_month}: no changes to show.")
        else:
            click.echo(
                f"Against {report.previous_month}: waste share {percent(d.waste_share.current)} "
                f"({points(d.waste_share.change)}), wasted {minutes(d.wasted_minutes.current)} min "
                f"({signed(d.wasted_minutes.change)}); categories new {len(d.categories_new)}, "
                f"grown {len(d.categories_grown)}, gone {len(d.categories_gone)}; "
                f"{len(d.new_recommendations)} new recommendation(s)."
            )
        shown = Path(out_dir) / month
        click.echo(f"Report: {shown / 'report.md'}")
        click.echo(f"HTML report: {shown / 'index.html'}")
        say_removed(stale)
    code = EXIT_INPUT if report.current.errors or impact_problems else EXIT_OK
    save_run(
        folder,
        fingerprint=RUN_MARK,
        inputs=(),
        outputs=written,
        finished=report.current.generated,
        exit_code=code,
    )
    sys.exit(code)
