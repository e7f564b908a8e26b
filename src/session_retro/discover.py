"""Which files to read: reflections under the paths the user gave."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

SUFFIXES = (".md", ".markdown", ".txt")


def iter_reflections(
    paths: list[str], skip: tuple[str, ...] = (), skipped: list[str] | None = None
) -> Iterator[tuple[str, str | None]]:
    """Yield (path as given or joined, problem) for each reflection, sorted per folder.

    Folders are walked recursively without following directory symlinks (a
    symlink loop cannot hang the run); hidden folders are skipped, and so are the
    folders and files in `skip`, a command's own outputs (`retro analyze .` must not
    read its `reports/report.md` back as a reflection, nor `retro backlog .` its
    `BACKLOG.md`); each one met is appended to `skipped` when given. A path that does
    not exist is yielded with a problem so the caller reports it, and so is one whose
    name is not UTF-8 (`_is_utf8`). A file reached twice (`sessions/ sessions/api/`, a
    path given twice or through a link) is yielded once, else its session would be
    counted twice.
    """
    met = skipped if skipped is not None else []
    # one folder walked without following links reaches each file once: only several
    # paths can overlap, so only they pay a realpath per file (10,000: 0.4 s)
    seen: set[str] | None = set() if len(paths) > 1 else None
    for path, problem in _walk(paths, {os.path.realpath(s) for s in skip}, met):
        if seen is not None:
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
        if _is_utf8(path):
            yield path, problem if problem is None else _printable(problem)
        elif problem is None:
            yield _printable(path), _not_utf8(path)
        else:  # missing, or a folder that cannot be listed: its own problem, printable
            yield _printable(path), _printable(problem)


def reflections_in(folder: str) -> list[str]:
    """Files under `folder` that a walk would read as reflections, except the reports
    `retro analyze` and `retro report` write there (all named report.md); sorted."""
    return sorted(
        path
        for path, problem in _walk([folder], set(), [])
        if problem is None and os.path.basename(path) != "report.md"
    )


def _not_utf8(path: str) -> str:
    """Which name of `path` is not UTF-8, with its bytes, and what to rename."""
    folder, name = os.path.split(path)
    if not _is_utf8(name):
        return f"file name is not valid UTF-8 ({os.fsencode(name)!r}); rename the file to read it"
    while folder and _is_utf8(os.path.basename(folder)):
        folder = os.path.dirname(folder)
    bad = os.fsencode(os.path.basename(folder))
    return f"folder name is not valid UTF-8 ({bad!r}); rename the folder to read its files"


def _is_utf8(text: str) -> bool:
    """Whether `text` holds no lone surrogate: the bytes of a name that is not UTF-8.

    Python hands such a name over with surrogates standing for its bytes, which no
    report, cache key or JSON can hold: the file is reported, under its name with
    U+FFFD for those bytes, and skipped, instead of failing the whole run.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    """`text` with U+FFFD for the bytes of a name that is not UTF-8 (see `_is_utf8`)."""
    if _is_utf8(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _walk(paths: list[str], skip: set[str], met: list[str]) -> Iterator[tuple[str, str | None]]:
    names = {os.path.basename(p) for p in skip}

    def skipped(folder: str, name: str) -> bool:
        """Whether `folder`/`name` is one of `skip` (real paths), noted in `met`; only a
        name that could match (one of `names`) costs a `realpath`."""
        path = os.path.join(folder, name)
        if name in names and os.path.realpath(path) in skip:
            met.append(path)
            return True
        return False

    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = []
            unreadable: list[tuple[str, str | None]] = []

            def note(exc: OSError, unreadable=unreadable, given=given) -> None:
                # os.walk skips a folder it cannot list; say so instead (issue 9).
                where = exc.filename if isinstance(exc.filename, str) else given
                unreadable.append((where, f"cannot read folder: {_reason(exc)}"))

            for dirpath, dirnames, filenames in os.walk(given, onerror=note, followlinks=False):
                dirnames[:] = sorted(
                    d for d in dirnames if not d.startswith(".") and not skipped(dirpath, d)
                )
                for name in filenames:
                    if (
                        name.lower().endswith(SUFFIXES)
                        and not name.startswith(".")
                        and not name.lower().startswith("readme")
                        and not skipped(dirpath, name)
                    ):
                        found.append(os.path.join(dirpath, name))
            yield from sorted([(f, None) for f in found] + unreadable)
        elif p.exists():
            yield given, None
        else:
            yield given, missing_reason(given)


def nothing_to_read(sources: list[str], paths: list[str], verb: str) -> str:
    """Why a command has no reflection to `verb`: none found, or none of the files found
    (`sources`, the records' sources) could be read (their errors are printed above)."""
    where = ", ".join(paths)
    found = sum(1 for s in sources if os.path.isfile(s))  # a missing path is no file
    if found:
        return f"none of the {found} file(s) under {where} could be read (errors above)"
    kinds = ", ".join(f"*{x}" for x in SUFFIXES)
    return f"no reflections to {verb} under {where} (looked for {kinds})"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EACCES or isinstance(exc, PermissionError):
        return "permission denied (check its permissions)"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return exc.strerror or str(exc)


def missing_reason(given: str) -> str:
    """Why a path that does not exist does not: a dangling or looping link says so."""
    if not os.path.islink(given):
        return "no such file or folder"
    try:
        os.stat(given)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (the link points back to itself)"
    target = _printable(os.readlink(given))
    return f"broken symbolic link (points to {target}, which does not exist)"


def project_of(path: str, roots: list[str]) -> str | None:
    """The folder name a reflection sits in, used when the text names no project.

    The folder of the absolute path: "../x.md" run from mobile-app/android is in
    mobile-app, not in a project named "..", and every spelling of one file has the
    same project (the parse cache serves them all one record).
    """
    folder, name = os.path.split(path)
    if name not in ("", ".", "..") and "." not in folder and "\\" not in folder:
        # The same without an abspath per file (7 us): no "." or ".." part to
        # normalise, no separator but "/".
        return os.path.basename(folder) or os.path.basename(os.getcwd())
    return Path(os.path.abspath(path)).parent.name or Path(os.getcwd()).name
