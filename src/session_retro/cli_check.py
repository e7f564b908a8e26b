"""`retro check PATH...`: lint reflections, one ``file:line: code: message`` line each.

A thin shell around `check.check_sessions`: exit 0 when every file is clean, 1 when
there is any problem or no reflection to check (pre-commit then fails the commit), 2 for
usage errors (an unknown `--ignore` code among them).
"""

from __future__ import annotations

import json
import sys

import click

from .check import UNREADABLE, Problem, check_sessions
from .cli import max_size_option
from .cli_options import say_cache_warnings, shared_cache, shared_cache_options
from .collect import collect_sessions
from .discover import nothing_to_read

EXIT_OK, EXIT_PROBLEMS = 0, 1

CODES = (
    # what `ingest` says while decoding
    "not-utf8",
    "no-bom",
    "nul-byte",
    "mojibake",
    # what the parser says
    "no-date",
    "invalid-date",
    "invalid-duration",
    "attempt-no-duration",
    "attempt-unknown-outcome",
    "minutes-exceed-total",
    "percent-sum",
    "unclosed-fence",
    # what `check` adds
    "action-no-priority",
    "time-table-sum",
    UNREADABLE,
)
"""Every code `retro check` can print: `--ignore` refuses others, since a misspelt code
would silently ignore nothing. A test keeps this in step with the `Diagnostic` codes
in the source."""


def _record(p: Problem) -> dict[str, object]:
    """One problem for `--format json` (line 1 for a whole-file finding, as in text)."""
    return {"file": p.source, "line": p.line or 1, "code": p.code, "message": p.message}


def _escape(text: str, *, prop: bool = False) -> str:
    """`text` as a GitHub workflow command takes it: %, CR and LF always encoded, and
    in a property (file=, title=) also the ':' and ',' that end it."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _annotation(p: Problem) -> str:
    """``::warning file=F,line=N,title=CODE::message``: GitHub Actions shows it on the
    line of the pull request's diff; a file that cannot be read is an error."""
    level = "error" if p.code == UNREADABLE else "warning"
    where = (
        f"file={_escape(p.source, prop=True)},line={p.line or 1},title={_escape(p.code, prop=True)}"
    )
    return f"::{level} {where}::{_escape(p.message)}"


def _codes(ctx, param, value: str) -> frozenset[str]:
    codes = frozenset(c.strip() for c in value.split(",") if c.strip())
    unknown = sorted(codes - set(CODES))
    if unknown:
        raise click.BadParameter(
            f"unknown code {', '.join(unknown)}; the codes are: {', '.join(sorted(CODES))}"
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
@max_size_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: file:line: code: message; json: one array of {file, line, code, "
    "message}; github: GitHub Actions annotations on the pull request's lines.",
)
@click.option("--quiet", "-q", is_flag=True, help="Only the problem lines, no summary.")
@shared_cache_options
def check_cmd(
    paths: tuple[str, ...],
    ignore: frozenset[str],
    max_size: int,
    fmt: str,
    quiet: bool,
    cache_path: str | None,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Lint reflections for what the parser warns about.

    Prints one `file:line: code: message` line per problem (attempts without
    durations, minutes that do not add up, unknown outcomes, a missing date,
    action items without priority, ...) and exits 1 when there is any, or when
    PATHS hold no reflection at all.
    PATHS are files or folders (searched as `retro parse` does).

    Example: retro check sessions/ --ignore action-no-priority
    """
    cache_warnings: list[str] = []
    sessions = collect_sessions(
        list(paths),
        max_bytes=max_size * 1024 * 1024,
        jobs=jobs,
        cache_path=shared_cache(cache_path, no_cache),
        warnings=cache_warnings,
    )
    say_cache_warnings(cache_warnings)
    if not sessions:  # as analyze, report and backlog: checking nothing is not a pass
        click.echo(f"error: {nothing_to_read([], list(paths), 'check')}", err=True)
        if fmt == "json":  # stdout is always one array: a pipe into jq gets valid JSON
            click.echo("[]")
        sys.exit(EXIT_PROBLEMS)
    problems = check_sessions(sessions, ignore=ignore)
    if fmt == "json":
        click.echo(json.dumps([_record(p) for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(_annotation(p) if fmt == "github" else str(p))
    if not quiet:
        files = len({p.source for p in problems})
        click.echo(
            f"{len(problems)} problem(s) in {files} of {len(sessions)} file(s)"
            if problems
            else f"{len(sessions)} file(s) checked, no problems",
            err=True,
        )
    sys.exit(EXIT_PROBLEMS if problems else EXIT_OK)
