"""Options several commands share, declared once so names, defaults and help agree.

`retro analyze`, `retro report` and `retro impact` classify waste and rank
recommendations the same way; each stacks the decorators it needs:

    @cli_options.taxonomy_option
    @cli_options.top_option
    def analyze_cmd(..., taxonomy, top): tax = cli_options.taxonomy_from(taxonomy)
"""

from __future__ import annotations

import functools
import math
import os
import re
import stat
import sys
from collections.abc import Iterable
from contextlib import suppress
from datetime import date, datetime

import click

from .aggregate import Filters
from .cache import CACHE_NAME, remove_cache
from .classify import Taxonomy, TaxonomyError, load_taxonomy
from .export.tables import stage_outputs
from .recommend import DEFAULT_THRESHOLD
from .render.templates import TemplateProblem
from .safeio import Staged, UnsafePath

EXIT_USAGE = 2


class Day(click.ParamType):
    """A calendar day, ``YYYY-MM-DD``; the value is a `datetime` at midnight.

    click.DateTime showed its strptime format (``[%Y-%m-%d]``) as the metavar and
    answered a typo with "does not match the format '%Y-%m-%d'"; this says what to
    write instead, as --month does.
    """

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            self.fail(
                f"{value!r} is not a day: write it as YYYY-MM-DD, e.g. 2026-02-14", param, ctx
            )
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.fail(
                f"{value!r} is not a real day (month 01-12, day within the month)", param, ctx
            )
        return datetime(day.year, day.month, day.day)


DAY = Day()

since_option = click.option("--since", type=DAY, help="Only sessions dated on or after this day.")
until_option = click.option("--until", type=DAY, help="Only sessions dated on or before this day.")


def filters_from(since: datetime | None, until: datetime | None, project: str | None) -> Filters:
    """The session filters of --since, --until and --project; --since after --until is
    a usage error."""
    if since and until and since > until:
        raise click.BadParameter(
            f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}", param_hint="--since"
        )
    return Filters(since.date() if since else None, until.date() if until else None, project)


project_option = click.option("--project", help="Only sessions of this project (case-insensitive).")


def regular_file(ctx, param, value: str | None) -> str | None:
    """`value` unless it names a pipe, socket or device: a usage error, since a pipe
    with no writer makes the read wait forever and a run reads its files twice (the
    run's fingerprint, then the content). A name that does not exist yet passes."""
    if value is not None and os.path.exists(value) and not stat.S_ISREG(os.stat(value).st_mode):
        raise click.BadParameter(f"{value} is not a regular file (a pipe, socket or device)")
    return value


taxonomy_option = click.option(
    "--taxonomy",
    type=click.Path(exists=True, dir_okay=False),
    callback=regular_file,
    help="Waste taxonomy TOML replacing the default.",
)

top_option = click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many recommendations to show.",
)


class Score(click.FloatRange):
    """A rapidfuzz score from 0 to 100. NaN passes click's FloatRange (it compares
    false with both bounds) and would then silently merge nothing: refused."""

    def __init__(self) -> None:
        super().__init__(0, 100)

    def convert(self, value, param, ctx) -> float:
        score = super().convert(value, param, ctx)
        if math.isnan(score):
            self.fail(f"{value!r} is not a number from 0 to 100", param, ctx)
        return score


merge_threshold_option = click.option(
    "--merge-threshold",
    type=Score(),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="rapidfuzz token_set_ratio at which two recommendations are merged.",
)


def templates_option(names: str):
    """``--templates DIR``; `names` lists the templates the command renders.

    A template that does not compile or render is a usage error (exit 2) printed as
    one ``error: FILE:LINE: message`` line, not a traceback; nothing is written, and an
    --out folder the run created is removed again. Templates are rendered before
    anything is written, so catching the error around the whole command is enough.
    """
    option = click.option(
        "--templates",
        type=click.Path(exists=True, file_okay=False),
        help=f"Folder of templates overriding the packaged ones ({names}).",
    )

    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            out_dir = kwargs.get("out_dir")
            out_is_new = out_dir is not None and not os.path.lexists(out_dir)
            try:
                return command(*args, **kwargs)
            except TemplateProblem as exc:
                click.echo(f"error: {exc}; nothing written", err=True)
                if out_dir is not None:
                    unmake_out(out_dir, out_is_new)
                sys.exit(EXIT_USAGE)

        return option(run)

    return decorate


DEFAULT_OUT = "reports"
"""The output folder of `retro analyze` and `retro report` when --out is not given."""


def _cache_options(default: str, more: str = ""):
    """``--cache FILE``, ``--no-cache`` and ``--jobs N``: how reflections are read, with
    `default` saying which cache is used when --cache is not given (`more`: what else
    the command keeps there)."""

    def options(command):
        command = click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            help="Worker processes parsing files (1 parses in this process). [default: one per CPU]",
        )(command)
        command = click.option(
            "--no-cache", is_flag=True, help="Parse every file; neither read nor write the cache."
        )(command)
        return click.option(
            "--cache",
            "cache_path",
            type=click.Path(dir_okay=False),
            callback=_sqlite_or_new,
            help=f"SQLite cache of parsed reflections: a re-run parses only new or changed files.{more} [default: {default}]",
        )(command)

    return options


cache_options = _cache_options("OUT/.retro-cache.sqlite")
"""For the commands writing into --out (analyze, report): commands writing into the same
--out share one cache, so `retro report` after `retro analyze` parses nothing again."""

analyze_cache_options = _cache_options(
    "OUT/.retro-cache.sqlite",
    " Beside it, .retro-cache.sqlite.pieces keeps what the analysis drew from each file, so a"
    " re-run after one file changed analyses that file again and no other, and"
    " .retro-cache.sqlite.pieces-near the near-duplicate texts its merges found, so a re-run"
    " compares only new texts with the others.",
)
"""`cache_options` of `retro analyze`, which also keeps its `pieces` beside the cache."""

shared_cache_options = _cache_options(
    f"{DEFAULT_OUT}/{CACHE_NAME} when it exists, the one `retro analyze` keeps"
)
"""For the commands with no output folder (backlog, impact, check): see `shared_cache`."""


def shared_cache(cache_path: str | None, no_cache: bool) -> str | None:
    """The cache of a command with no output folder: --cache, else the one `retro
    analyze` keeps in its default --out when it is there (after `retro analyze
    sessions/`, 10,000 reflections read in under a second instead of 10 s); None with
    --no-cache. No folder or cache is made that the user did not ask for: a linter run
    from a pre-commit hook leaves nothing behind."""
    if no_cache:
        return None
    if cache_path:
        return cache_path
    default = os.path.join(DEFAULT_OUT, CACHE_NAME)
    return default if os.path.isfile(default) else None


def say_cache_warnings(warnings: list[str]) -> None:
    """Cache trouble (corrupted, locked, another version), said and then ignored."""
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


def _sqlite_or_new(ctx, param, value: str | None) -> str | None:
    """A --cache that names no file yet, an empty one or an SQLite file. A damaged cache
    is moved aside and rebuilt, which for a file that never was a database (a
    reflection, a README named by mistake) would put a database in the user's file's
    place: refused instead."""
    if value is None or not os.path.isfile(value):
        return value
    try:
        with open(value, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return value  # unreadable: the cache reports it and the run goes on uncached
    if head and head != b"SQLite format 3\0":
        raise click.BadParameter(
            f"{value} is not an SQLite file, so not a cache; name another file (or a new one)"
        )
    return value


def cache_file(out_dir: str, cache_path: str | None, no_cache: bool) -> str | None:
    """The cache to use: --cache, else OUT/.retro-cache.sqlite; None with --no-cache."""
    if no_cache:
        return None
    return cache_path or os.path.join(out_dir, CACHE_NAME)


def unmake_out(out_dir: str, made: bool) -> None:
    """A run that writes nothing leaves no folder behind, not even the cache it started."""
    if made:
        remove_cache(os.path.join(out_dir, CACHE_NAME))
        with suppress(OSError):
            os.rmdir(out_dir)  # only when empty: nothing but our cache was in it


def taxonomy_from(path: str | None) -> Taxonomy:
    """The taxonomy at `path` (default: the packaged one); a bad file is a usage error."""
    try:
        return load_taxonomy(path)
    except TaxonomyError as exc:
        raise click.BadParameter(str(exc), param_hint="--taxonomy") from None


def write_report(out_dir: str, files: dict[str, bytes], inputs: list[str | None]) -> None:
    """`write_outputs`, with the run's own inputs protected: an output that would
    overwrite one of them (a reflection or --protocol inside --out) is a usage error
    and nothing is written."""
    for staged in stage_report(out_dir, files, inputs):
        staged.commit()


def stage_report(
    out_dir: str, files: dict[str, bytes], inputs: list[str | None], later: Iterable[str] = ()
) -> list[Staged]:
    """`write_report` up to the renames (`export.tables.stage_outputs`); an input under
    the name of one of `later` (outputs written next) is refused too."""
    try:
        return stage_outputs(out_dir, files, protect=[p for p in inputs if p], later=later)
    except UnsafePath as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None


def say_copies(copies: list[str], folder: str | os.PathLike) -> None:
    """Name the copies made of files a run replaces that it did not write itself: said
    even with --quiet, and before writing, since a write may fail midway."""
    if copies:
        click.echo(
            f"warning: {len(copies)} file(s) in {folder} not as the last run left them "
            f"replaced; copies kept: {', '.join(copies)}",
            err=True,
        )


def say_removed(stale: list[str]) -> None:
    """Name the files of the last run that this one removed (`rerun.remove_stale_outputs`)."""
    if stale:
        names = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        click.echo(
            f"Removed {len(stale)} file(s) the last run wrote and this one does not: {names}"
        )


def say_pieces_copies(copies: list[str]) -> None:
    """Name the copies made of files of the user's that stood where the analysis keeps
    its pieces or pairs (`pieces.collect_pieces`, `pieces.keep_nears`)."""
    for copy in copies:
        click.echo(
            f"warning: a file of yours stood where the analysis keeps its pieces; "
            f"copied aside to {copy}",
            err=True,
        )
