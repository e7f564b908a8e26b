"""The Jinja2 environment every renderer uses: user templates first, then ours.

Search order (mkdocs' theme loader has the same shape):

1. `--templates DIR`, so a user's file of the same name wins;
2. the `templates/` shipped inside the package (the wheel force-includes the
   repository's top-level `templates/` as `session_retro/templates`);
3. the repository's top-level `templates/`, for editable installs, where the package
   folder has no copy.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2

REPO_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def template_dirs(user_dir: str | Path | None = None) -> list[Path]:
    """The folders searched, in order; missing ones are left out."""
    dirs: list[Path] = []
    if user_dir is not None:
        dirs.append(Path(user_dir))
    packaged = resources.files("session_retro").joinpath("templates")
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    if REPO_TEMPLATES.is_dir():
        dirs.append(REPO_TEMPLATES)
    return dirs


def environment(
    user_dir: str | Path | None = None, *, autoescape: bool = False
) -> jinja2.Environment:
    """A strict environment (undefined names fail loudly) over `template_dirs`.

    Markdown output is not HTML-escaped (escaping would show as literal entities);
    HTML renderers must pass ``autoescape=True``.
    """
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in template_dirs(user_dir)])
    return jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
