"""The `retro` command line: a thin shell around the library.

Each command parses its options, calls one library function, prints a summary and
returns an exit code: 0 ok, 1 problems found in the inputs, 2 usage errors.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys

import click

from . import __version__, terminal
from .collect import collect_sessions
from .safeio import UnsafePath
from .serialize import session_to_dict

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


max_size_option = click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Largest file to read, in MiB.",
)
"""``--max-size MiB`` of the commands that read reflections without a cache (parse,
check): declared here, where they start without pandas (not in cli_options)."""


class _LazyGroup(click.Group):
    """Subcommands living in their own modules, imported when first asked for.

    `retro parse` and `retro check` (a pre-commit hook) need no pandas, matplotlib or
    jinja2: importing every command up front cost them 0.8 s of start-up (issue 8).
    """

    LAZY = {
        "analyze": "cli_analyze:analyze_cmd",
        "report": "cli_report:report_cmd",
        "impact": "cli_impact:impact_cmd",
        "backlog": "cli_backlog:backlog_cmd",
        "check": "cli_check:check_cmd",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.LAZY:
            module, attr = self.LAZY[name].split(":")
            self.add_command(getattr(importlib.import_module(f".{module}", __package__), attr))
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    help="json: one array; jsonl: one record a line; table: a summary.",
)
@max_size_option
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


def run() -> None:
    """The `retro` command: `main`, then leave at once, without the interpreter's
    teardown. `retro analyze` of 10,000 sessions holds millions of objects, and freeing
    them one by one took 0.3 s after the last file was written (issue 8). Every file is
    written and closed, every child process and thread joined, before `main` returns;
    output is flushed here. A broken pipe or a message to print leaves the usual way.
    """
    try:
        main()
        code = 0
    except SystemExit as done:
        if not isinstance(done.code, int | None):
            raise  # a message to print: Python's own exit does that
        code = done.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None  # a closed or broken pipe: Python's exit reports it
    os._exit(code)


def main() -> None:
    """Run the command line: click's usage errors exit 2, an interrupt (Ctrl-C) 130;
    anything unexpected is a bug report. Ends by raising SystemExit with the code.

    Not click's standalone mode: it turns Ctrl-C into "Aborted!" and exit 1, the code
    of a problem in the inputs, so a scheduled job would blame its reflections.
    """
    # A path whose name is not UTF-8 reaches the output as a str holding surrogates; in a
    # UTF-8 locale stdout is strict and printing it raised: print its bytes, as ls does.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")
    terminal.guard()  # a file name or a line printed never drives the terminal
    try:
        code = cli.main(standalone_mode=False)  # --help and --version return 0
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UnsafePath as exc:
        # A link in the output folder that leads out of it: refused, never followed (issue 9).
        click.echo(f"error: {exc} (remove the link, or choose another --out)", err=True)
        sys.exit(EXIT_INPUT)
    except OSError as exc:
        # Writing failed: a read-only or full disk, a file where a folder must go
        # (OUT/charts, OUT/YYYY-MM). Inputs that cannot be read are reported where read.
        where = os.fsencode(exc.filename).decode("utf-8", "replace") if exc.filename else "output"
        click.echo(f"error: cannot write {where}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_INPUT)
    except (click.Abort, KeyboardInterrupt):  # click raises Ctrl-C as Abort
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
