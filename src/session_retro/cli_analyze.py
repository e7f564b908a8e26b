"""`retro analyze`: read reflections, write report.md, index.html, charts, analysis.json, tables and history.

A thin shell: parse options, collect sessions, call `analysis.analyze`, render and
write, print a summary, return the exit code (0 ok, 1 some inputs had errors or there
was nothing to analyse, 2 usage).
"""

from __future__ import annotations

import gc
import os
import stat
import sys
import time
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import click

from . import terminal
from .analysis import analyze_pieces
from .cli_impact import (
    analysis_impact,
    changed_option,
    changes_option,
    check_changed,
    window_option,
)
from .cli_options import (
    DEFAULT_OUT,
    analyze_cache_options,
    cache_file,
    filters_from,
    merge_threshold_option,
    project_option,
    say_cache_warnings,
    say_copies,
    say_pieces_copies,
    say_removed,
    since_option,
    stage_report,
    taxonomy_from,
    taxonomy_option,
    templates_option,
    top_option,
    unmake_out,
    until_option,
)
from .collect import find_reflections
from .discover import nothing_to_read, reflections_in
from .export.tables import history_name, output_files, parse_formats
from .forked import beside, in_thread
from .pieces import collect_pieces, rows
from .recommend import protocol_patch
from .render.charts import (
    Drawing,
    drawer,
    drawing_fingerprint,
    figure_plots,
    in_page_order,
    stand_in,
    timeline_plot,
)
from .render.html import html_files, page_names
from .render.impact_chart import impact_files, impact_json
from .render.markdown import render_markdown
from .rerun import (
    back_up_foreign_outputs,
    input_keys,
    load_run,
    output_digests,
    remove_stale_outputs,
    save_run,
    settings_fingerprint,
    unchanged_run,
)
from .safeio import Staged

EXIT_OK, EXIT_INPUT = 0, 1


def _now() -> datetime:
    """The run's timestamp; SOURCE_DATE_EPOCH pins it (reproducible output, gold tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def _exports(ctx, param, value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _progress(enabled: bool):
    """A rich progress bar on stderr, or nothing (not a terminal, or --quiet)."""
    if not enabled:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("reading reflections"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(file=terminal.unfiltered(sys.stderr)),
        transient=True,
    )


def _text_file(path: str | None) -> str | None:
    """`path` when it is a regular file of text; a usage error for a device, a pipe or
    a binary file, which a patch could only garble (or, for a pipe, wait on)."""
    if path is None:
        return None
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise click.BadParameter(f"{path} is not a regular file")
    with open(path, "rb") as fh:
        if b"\0" in fh.read(65536):
            raise click.BadParameter(f"{path} is not a text file (it holds NUL bytes)")
    return path


def _fingerprint(given: list[str], opts: dict[str, object]) -> str:
    """What decides the output besides the reflections: options and the files they name."""
    from .protocol_history import default_changes_files, read_git_log

    keep = ("since", "until", "project", "exports", "taxonomy", "protocol", "top")
    keep += ("merge_threshold", "templates", "changed", "changes_file", "window")
    options = {k: opts[k] for k in keep}
    options.update(paths=given, cwd=os.getcwd(), epoch=os.environ.get("SOURCE_DATE_EPOCH"))
    named = [opts[k] for k in ("taxonomy", "protocol", "changes_file") if opts[k]]
    protocol = opts["protocol"]
    # the charts' bytes also depend on any matplotlibrc and on Pillow (render.charts)
    extra = [drawing_fingerprint().hex()]
    return settings_fingerprint(
        options,
        files=named + [str(f) for f in default_changes_files(given)],
        folders=[opts["templates"]] if opts["templates"] else [],
        extra=extra + ([repr(read_git_log(protocol))] if protocol else []),
    )


def _stage_hashed(
    out_dir: str, files: dict[str, bytes], inputs: list, later: Iterable[str] = ()
) -> tuple[list[Staged], dict[str, str]]:
    """`files` written beside their names (`stage_report`), and the run record's hashes
    of them, computed meanwhile (44 MB at 10,000 sessions): hashlib and file writes
    both let the other thread run."""
    hashing = in_thread(output_digests, files)
    try:
        staged = stage_report(out_dir, files, inputs, later)
    finally:
        digests = hashing()
    return staged, digests


@click.command("analyze")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder.",
)
@since_option
@until_option
@project_option
@click.option(
    "--export",
    "exports",
    callback=_exports,
    help="Also write the tables: any of csv,json,parquet (comma-separated).",
)
@taxonomy_option
@click.option(
    "--protocol",
    type=click.Path(exists=True, dir_okay=False),
    callback=lambda ctx, param, value: _text_file(value),
    help="CLAUDE.md / AGENTS.md: write protocol.patch adding the top recommendations (the file itself is not touched).",
)
@top_option
@merge_threshold_option
@templates_option("report.md.j2, index.html.j2")
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar and no summary; errors are still shown."
)
@analyze_cache_options
@click.option(
    "--force",
    is_flag=True,
    help="Analyse and write again even when nothing changed since the last run.",
)
@changed_option  # --changed, --changes, --window: the "Did it work?" section (issue 10)
@changes_option
@window_option
def analyze_cmd(
    paths: tuple[str, ...],
    out_dir: str,
    since: datetime | None,
    until: datetime | None,
    project: str | None,
    exports: tuple[str, ...],
    taxonomy: str | None,
    protocol: str | None,
    top: int,
    merge_threshold: float,
    templates: str | None,
    quiet: bool,
    cache_path: str | None,
    no_cache: bool,
    jobs: int | None,
    force: bool,
    changed: tuple,
    changes_file: str | None,
    window: int,
) -> None:
    """Where the time went across reflections, why, and what to change in the startup protocol.

    Reads every reflection under PATHS (default: sessions/) and writes report.md,
    index.html with its charts/ (PNG and SVG), analysis.json and
    history/YYYY-MM-DD.json into --out; --export adds the tables, --protocol a
    protocol.patch. A file the last run wrote and this one does not (an export, a
    patch) is removed if still as written. When no reflection, option or output file
    changed since the last run, it says so and writes nothing (--force to run anyway).

    Example: retro analyze sessions/ --since 2026-01-01 --export csv,parquet --protocol CLAUDE.md
    """
    filters = filters_from(since, until, project)
    tax = taxonomy_from(taxonomy)
    check_changed(changed, tax)
    given = list(paths) or ["sessions"]
    # A second process imports matplotlib while this one reads, and draws the charts
    # the cache does not hold (issue 8). Forked first, before any thread runs; ended
    # right after the drawing, or as the command ends, whichever way it does.
    warm = drawer()
    click.get_current_context().call_on_close(warm.close)

    # Nothing changed since the last run (issue 8): stats and hashes, no parsing.
    previous = load_run(out_dir)
    # not our own reports: --out itself, and any report.md a run of analyze or report
    # left as written under a folder read (one of the user's is an input: never replaced)
    skipped: list[str] = []
    found = find_reflections(given, skip=(out_dir,), skipped=skipped)
    out_real = os.path.realpath(out_dir)
    held: list[str] = []  # reflections in --out that no path given reached
    if any(os.path.realpath(p) == out_real for p in skipped):  # --out inside a folder read
        read = {os.path.realpath(p) for p, _ in found}  # --out may be given to read too
        held = [p for p in reflections_in(out_dir) if os.path.realpath(p) not in read]
    if held:
        click.echo(
            f"warning: --out {out_dir} is inside a folder read, and the {len(held)} "
            f"reflection(s) in it are not read (the first: {held[0]}); give --out a "
            "folder of its own",
            err=True,
        )
    fingerprint = _fingerprint(given, click.get_current_context().params)
    if not force and (last := unchanged_run(out_dir, fingerprint, found, previous)):
        for line in last.messages:
            click.echo(line, err=True)
        if not quiet:
            click.echo(
                f"nothing changed since the last run ({last.finished}); report is up to date"
            )
        sys.exit(last.exit_code)
    read_keys: dict = {}  # what each record was parsed from, as read (rerun.input_keys)
    reading_from = time.time_ns()

    with _progress(sys.stderr.isatty() and not quiet) as bar:
        task = bar.add_task("read", total=None) if bar else None
        cache_warnings: list[str] = []
        out_is_new = not os.path.lexists(out_dir)
        cache = cache_file(out_dir, cache_path, no_cache)
        collected = collect_pieces(
            given,
            progress=(lambda d, t: bar.update(task, completed=d, total=t)) if bar else None,
            jobs=jobs,
            cache_path=cache,
            warnings=cache_warnings,
            keys=read_keys,
            found=found,  # the files the run record lists, walked once
            taxonomy=tax,
        )
    say_cache_warnings(cache_warnings)
    # Everything alive now (imports, the sessions) lives to the end of the run: out of
    # the cycle collector's sight, its passes over what the analysis makes stay short
    # (10,000 sessions: 7.3 -> 5.8 s for a run on a warm cache, issue 8).
    gc.freeze()

    error_of = dict(rows(collected.pieces.index, ("source", "error")))
    messages = [f"{p}: error: {error_of[p]}" for p, _ in found if error_of.get(p)]
    for line in messages:
        click.echo(line, err=True)
    if all(error_of.get(p) for p, _ in found):
        click.echo(f"error: {nothing_to_read([p for p, _ in found], given, 'analyse')}", err=True)
        unmake_out(out_dir, out_is_new)
        sys.exit(EXIT_INPUT)

    now = _now()
    # the charts (issue 6): each drawn by the warm process as soon as its data is
    # known, or taken from the cache when unchanged since the last run
    drawing = Drawing(cache, drawer=warm)
    a = analyze_pieces(
        collected.pieces,
        collected.details,
        selected=lambda p: drawing.draw([timeline_plot(p.sessions, p.attempts)]),
        encode=True,  # analysis.json's evidence, encoded by the processes that rank it
        nears=collected.nears,  # kept with the pieces, grown here
        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
        filters=filters,
        taxonomy=tax,
        top=top,
        threshold=merge_threshold,
    )
    gc.freeze()  # the analysis too lives to the end: the report's passes need not walk it
    if a.figures.headline.sessions == 0:
        extra = f" ({a.undated_excluded} without a date)" if a.undated_excluded else ""
        click.echo(f"error: no session matches the filters{extra}; nothing written", err=True)
        unmake_out(out_dir, out_is_new)
        sys.exit(EXIT_INPUT)

    impact, impact_problems = analysis_impact(
        a,
        given,
        protocol=protocol,
        changed=changed,
        changes_file=changes_file,
        window=window,
        memo=cache,
    )
    inputs = [p for p, _ in found] + [protocol, changes_file]
    drawing.draw(figure_plots(a.figures.by_category, a.figures.by_month))
    # the charts are waited for in a thread while this one goes on
    with beside(drawing.charts) as drawn:
        report_md = render_markdown(a, templates, impact=impact)
        # a file of the user's under an output's name (--out on their own folder) is copied
        # aside first: checked (the last run's 44 MB analysis.json hashed) while the new
        # one is put together
        checked = ["report.md", "analysis.json"]
        backing = in_thread(back_up_foreign_outputs, out_dir, previous, checked, inputs)
        try:
            files = output_files(a, exports, report_md, extra=impact_json(impact))
        finally:
            copies = backing()
        if impact is not None:
            files.update(impact_files(impact))  # charts/impact-*.png|svg (issue 10)
        if protocol:
            raw = Path(protocol).read_bytes()
            # surrogateescape: a non-UTF-8 byte survives the round trip and the patch still applies
            from .protocol_history import patch_base

            base, name = patch_base(protocol)
            patch = protocol_patch(
                raw.decode("utf-8", "surrogateescape"), name, a.top_recommendations
            )
            if patch:
                files["protocol.patch"] = patch.encode("utf-8", "surrogateescape")
        files[history_name(out_dir, now.strftime("%Y-%m-%d"))] = files["analysis.json"]
        # every file but the page is written while the charts are drawn, beside its name
        # until the page is written too: a chart or a page that fails leaves nothing. The
        # page's template is tried first, on stand-ins for the charts, and the page's
        # names are checked with the others, so that such a run fails before any write.
        html_files(a, templates, impact=impact, charts=tuple(map(stand_in, drawing.names)))
        later = page_names(drawing.names)
        copies += back_up_foreign_outputs(
            out_dir, previous, [n for n in files if n not in checked], protect=inputs
        )
        say_copies(copies, out_dir)
        staged, digests = _stage_hashed(out_dir, files, inputs, later)
        try:
            try:
                charts = in_page_order(drawn())  # the timeline was started first
            finally:
                warm.close()
            page = html_files(a, templates, impact=impact, charts=charts)
            say_copies(
                back_up_foreign_outputs(out_dir, previous, list(page), protect=inputs), out_dir
            )
            written, more = _stage_hashed(out_dir, page, inputs)
        except BaseException:  # a chart or the page failed: none of the files is put in place
            for file in staged:
                file.discard()
            raise
    for file in staged + written:  # renames only: every file was written and synced
        file.commit()
    digests.update(more)
    files.update(page)
    # what the next run reuses, once this run's report is written
    say_pieces_copies(collected.keep())
    # e.g. last run's protocol.patch when the file now holds every top recommendation
    stale = remove_stale_outputs(out_dir, previous, files, protect=inputs)

    if not quiet:
        h = a.figures.headline
        click.echo(
            f"Read {a.files_read} file(s): {h.sessions} session(s) analysed, "
            f"{len(a.errors)} with errors, {a.files_with_warnings} with warnings."
        )
        click.echo(f"Report: {Path(out_dir) / 'report.md'}")
        click.echo(f"HTML report: {Path(out_dir) / 'index.html'}")
        if protocol and "protocol.patch" in files:
            written = Path(out_dir) / "protocol.patch"
            click.echo(
                f"Protocol patch: {written} (apply with: git -C {base} apply {written.resolve()})"
            )
        elif protocol:
            click.echo(f"Protocol: {protocol} already holds every top recommendation; no patch")
        say_removed(stale)
    for p in impact_problems:
        click.echo(p, err=True)
    code = EXIT_INPUT if a.errors or impact_problems else EXIT_OK
    # The run's record of its inputs is the bytes parsed: a file edited meanwhile has
    # another size, mtime or hash next time, and is read again then (keyed after the
    # analysis: detailing a session can find its file changed).
    keys = input_keys(found, read=read_keys, since=reading_from)
    save_run(
        out_dir,
        fingerprint=fingerprint,
        inputs=keys,
        outputs=files,
        finished=now.strftime("%Y-%m-%d %H:%M UTC"),
        exit_code=code,
        messages=messages + list(impact_problems),
        digests=digests,
    )
    sys.exit(code)
