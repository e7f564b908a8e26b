"""`retro check PATH...`: lint reflections, one ``file:line: code: message`` line each.

A thin shell around `check.check_sessions`: exit 0 when every file is clean, 1 when
there is any problem (pre-commit then fails the commit), 2 for usage errors.
"""

from __future__ import annotations

import re
import sys

import click

from .check import check_sessions
from .collect import collect_sessions

EXIT_OK, EXIT_PROBLEMS = 0, 1

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _codes(ctx, param, value: str) -> frozenset[str]:
    codes = frozenset(c.strip() for c in value.split(",") if c.strip())
    bad = sorted(c for c in codes if not _CODE.match(c))
    if bad:
        raise click.BadParameter(
            f"{', '.join(bad)}: codes look like 'attempt-no-duration' (see the README)"
        )
    return codes


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--ignore",
    default="",
    callback=_codes,
    help="Comma-separated codes not to report, e.g. action-no-priority,no-date.",
)
@click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Largest file to read, in MiB.",
)
@click.option("--quiet", "-q", is_flag=True, help="Only the problem lines, no summary.")
def check_cmd(paths: tuple[str, ...], ignore: frozenset[str], max_size: int, quiet: bool) -> None:
    """Lint reflections for what the parser warns about.

    Prints one `file:line: code: message` line per problem (attempts without
    durations, minutes that do not add up, unknown outcomes, a missing date,
    action items without priority, ...) and exits 1 when there is any.
    PATHS are files or folders (searched as `retro parse` does).

    Example: retro check sessions/ --ignore action-no-priority
    """
    sessions = collect_sessions(list(paths), max_bytes=max_size * 1024 * 1024)
    problems = check_sessions(sessions, ignore=ignore)
    for p in problems:
        click.echo(str(p))
    if not quiet:
        files = len({p.source for p in problems})
        click.echo(
            f"{len(problems)} problem(s) in {files} of {len(sessions)} file(s)"
            if problems
            else f"{len(sessions)} file(s) checked, no problems",
            err=True,
        )
    sys.exit(EXIT_PROBLEMS if problems else EXIT_OK)
