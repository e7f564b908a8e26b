"""Options several commands share, declared once so names, defaults and help agree.

`retro analyze`, `retro report` and `retro impact` classify waste and rank
recommendations the same way; each stacks the decorators it needs:

    @cli_options.taxonomy_option
    @cli_options.top_option
    def analyze_cmd(..., taxonomy, top): tax = cli_options.taxonomy_from(taxonomy)
"""

from __future__ import annotations

import click

from .classify import Taxonomy, TaxonomyError, load_taxonomy
from .export.tables import write_outputs
from .recommend import DEFAULT_THRESHOLD
from .safeio import UnsafePath

project_option = click.option("--project", help="Only sessions of this project (case-insensitive).")

taxonomy_option = click.option(
    "--taxonomy",
    type=click.Path(exists=True, dir_okay=False),
    help="Waste taxonomy TOML replacing the default.",
)

top_option = click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many recommendations to show.",
)

merge_threshold_option = click.option(
    "--merge-threshold",
    type=click.FloatRange(0, 100),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="rapidfuzz token_set_ratio at which two recommendations are merged.",
)


def templates_option(names: str):
    """``--templates DIR``; `names` lists the templates the command renders."""
    return click.option(
        "--templates",
        type=click.Path(exists=True, file_okay=False),
        help=f"Folder of templates overriding the packaged ones ({names}).",
    )


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
    try:
        write_outputs(out_dir, files, protect=[p for p in inputs if p])
    except UnsafePath as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None
