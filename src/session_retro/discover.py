"""Which files to read: reflections under the paths the user gave."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

SUFFIXES = (".md", ".markdown", ".txt")


def iter_reflections(paths: list[str]) -> Iterator[tuple[str, str | None]]:
    """Yield (path as given or joined, problem) for each reflection, sorted per folder.

    Folders are walked recursively without following directory symlinks (a
    symlink loop cannot hang the run); hidden folders are skipped. A path that
    does not exist is yielded with a problem so the caller reports it.
    """
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in filenames:
                    if (
                        name.lower().endswith(SUFFIXES)
                        and not name.startswith(".")
                        and not name.lower().startswith("readme")
                    ):
                        found.append(os.path.join(dirpath, name))
            for f in sorted(found):
                yield f, None
        elif p.exists():
            yield given, None
        else:
            yield given, "no such file or folder"


def project_of(path: str, roots: list[str]) -> str | None:
    """The folder name a reflection sits in, used when the text names no project."""
    parent = Path(path).parent
    name = parent.name
    return name or Path(os.getcwd()).name
