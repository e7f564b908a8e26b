"""The Jinja2 environment every renderer uses: user templates first, then ours.

Search order (mkdocs' theme loader has the same shape):

1. `--templates DIR`, so a user's file of the same name wins;
2. the `templates/` shipped inside the package (the wheel force-includes the
   repository's top-level `templates/` as `session_retro/templates`);
3. the repository's top-level `templates/`, for editable installs, where the package
   folder has no copy.

A template that does not compile or render (a syntax error, an undefined name, an
include that is not there) raises `TemplateProblem`, which names the template's file
and line: a user's `--templates` file is an input to fix, not a crash to report.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from importlib import resources
from pathlib import Path
from types import TracebackType

import jinja2
from jinja2 import bccache

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


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered, printed as ``file:line: message``."""

    def __init__(self, filename: str, line: int | None, message: str) -> None:
        super().__init__(filename, line, message)
        self.filename = filename
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.filename if self.line is None else f"{self.filename}:{self.line}"
        return f"{where}: {self.message}"


def _place(exc: BaseException, tb: TracebackType | None) -> tuple[str, int | None]:
    """The template file and line an error comes from.

    A syntax error knows its own; a render error (an undefined name) is raised by
    Jinja's runtime, so the innermost frame of compiled template code says where the
    template was: an included template's line, not the including one's.
    """
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name or "<template>", exc.lineno
    place: tuple[str, int | None] = ("<template>", None)
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            place = (
                template.filename or template.name,
                template.get_corresponding_lineno(tb.tb_lineno),
            )
        tb = tb.tb_next
    return place


class _Environment(jinja2.Environment):
    """Jinja's environment, with its template errors turned into `TemplateProblem`.

    `handle_exception` is where Jinja sends every error of compiling (a syntax error)
    and of rendering (an undefined name under `StrictUndefined`), so every renderer
    built on `environment` reports a bad template the same way. So is any other error
    raised by the code of a user's template (``{{ 1/0 }}``, a template including
    itself): the template is the input to fix. Other exceptions are bugs and keep their
    traceback.
    """

    user_dir: Path | None = None

    def handle_exception(self, source: str | None = None):
        exc, tb = sys.exc_info()[1:]
        if not isinstance(exc, jinja2.TemplateError):
            where, line = _place(exc, tb)
            if self.user_dir is not None and _inside(where, self.user_dir):
                raise TemplateProblem(where, line, f"{type(exc).__name__}: {exc}") from None
            return super().handle_exception(source)
        if isinstance(exc, jinja2.TemplateNotFound):
            message = f"template not found: {exc.message}"
        else:
            message = exc.message or type(exc).__name__
        raise TemplateProblem(*_place(exc, tb), message) from None


def _inside(filename: str, folder: Path) -> bool:
    """Whether the template file `filename` lies in `folder` (by real paths)."""
    try:
        return Path(filename).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


class _Loader(jinja2.FileSystemLoader):
    """Jinja's file loader; a template that is not UTF-8 text is a `TemplateProblem`."""

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            where = next(
                (
                    str(Path(d) / template)
                    for d in self.searchpath
                    if (Path(d) / template).is_file()
                ),
                template,
            )
            raise TemplateProblem(where, None, f"not UTF-8 text ({exc.reason})") from None


class _Bytecode(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled templates kept between runs, in its per-user folder of the
    system's temporary folder; trouble there only means compiling again.

    Compiling the two report templates costs 0.09 s of every run (issue 8: a re-run of
    `retro analyze` after one edit should take under 2 s). An entry is used only for
    the same template source, Jinja and Python (Jinja checks both).
    """

    def load_bytecode(self, bucket: bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001  (a truncated or foreign file: compiled again)
            bucket.reset()

    def dump_bytecode(self, bucket: bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@functools.cache
def _bytecode() -> _Bytecode | None:
    try:
        return _Bytecode()
    except (OSError, RuntimeError):  # no safe folder of our own: compile every time
        return None


def environment(
    user_dir: str | Path | None = None, *, autoescape: bool = False
) -> jinja2.Environment:
    """A strict environment (undefined names fail loudly) over `template_dirs`.

    Its errors are `TemplateProblem`s naming the template's file and line.

    Markdown output is not HTML-escaped (escaping would show as literal entities);
    HTML renderers must pass ``autoescape=True``.
    """
    loader = jinja2.ChoiceLoader([_Loader(str(d)) for d in template_dirs(user_dir)])
    env = _Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode(),
    )
    env.user_dir = None if user_dir is None else Path(user_dir)
    return env
