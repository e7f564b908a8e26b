"""The `retro` command line: a thin shell around the library.

Each command parses its options, calls one library function, prints a summary and
returns an exit code: 0 ok, 1 problems found in the inputs, 2 usage errors.
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .collect import collect_sessions
from .safeio import UnsafePath
from .serialize import session_to_dict

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="retro")
def cli() -> None:
    """Turn session reflections into attempt timelines, waste figures and backlog items.

    Example: retro analyze sessions/
    """


@cli.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl", "table"]),
    default="json",
    show_default=True,
)
@click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Largest file to read, in MiB.",
)
def parse_cmd(paths: tuple[str, ...], fmt: str, max_size: int) -> None:
    """Parse reflections into structured records.

    PATHS are files or folders (searched recursively for *.md, *.markdown, *.txt).

    Example: retro parse sessions/ --format table
    """
    sessions = collect_sessions(list(paths), max_bytes=max_size * 1024 * 1024)
    records = [session_to_dict(s) for s in sessions]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for r in records:
            click.echo(json.dumps(r, ensure_ascii=False))
    else:
        from .render.table import print_sessions_table

        print_sessions_table(sessions)
    errors = [s for s in sessions if s.error]
    for s in errors:
        click.echo(f"{s.source}: error: {s.error}", err=True)
    sys.exit(EXIT_INPUT if errors else EXIT_OK)


# Commands that live in their own modules register here (one line each).
# from .cli_analyze import analyze_cmd; cli.add_command(analyze_cmd)
from .cli_analyze import analyze_cmd  # noqa: E402

cli.add_command(analyze_cmd)
from .cli_report import report_cmd  # noqa: E402

cli.add_command(report_cmd)
from .cli_impact import impact_cmd  # noqa: E402

cli.add_command(impact_cmd)
from .cli_backlog import backlog_cmd  # noqa: E402

cli.add_command(backlog_cmd)
from .cli_check import check_cmd  # noqa: E402

cli.add_command(check_cmd)


def main() -> None:
    """Entry point: click's usage errors exit 2; anything unexpected is a bug report."""
    try:
        cli.main(standalone_mode=True)
    except UnsafePath as exc:
        # A link in the output folder that leads out of it: refused, never followed (issue 9).
        click.echo(f"error: {exc} (remove the link, or choose another --out)", err=True)
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
