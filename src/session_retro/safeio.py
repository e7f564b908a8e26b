"""Writing files without ever losing what was there.

Every file the tool writes goes through `atomic_write`: the new content lands in a
temp file beside the target and is renamed over it, so a crash leaves either the old
file or the new one, never half of each. `backup` keeps a copy of a user's file
before it is replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


class UnsafePath(ValueError):
    """A write would land outside the folder it was meant for."""


def inside(folder: str | os.PathLike, name: str | os.PathLike) -> Path:
    """`folder/name`, refusing names that climb out of `folder` ("../x", absolute)."""
    base = Path(folder).resolve()
    target = (base / name).resolve()
    if target != base and base not in target.parents:
        raise UnsafePath(f"refusing to write {target}: outside {base}")
    return target


def output_path(folder: str | os.PathLike, name: str | os.PathLike) -> Path:
    """`inside`, also refusing a link that stands at `name` itself: a write through it
    would replace the file it leads to, one of the user's under another name."""
    target = inside(folder, name)
    link = Path(folder, name)
    if link.is_symlink():
        raise UnsafePath(
            f"refusing to write {link}: it is a link to {os.readlink(link)}, "
            "and the file it leads to would be replaced"
        )
    return target


def atomic_write(
    path: str | os.PathLike, data: bytes | str, *, encoding: str = "utf-8", durable: bool = True
) -> Path:
    """Replace `path` with `data` atomically (temp file + rename in the same folder).

    `durable`: on disk before the rename (fsync), so a crash never leaves an empty file
    under the name. A cache passes False: a file a crash left torn fails to load and is
    rebuilt, and 70 MB need not wait for the disk.
    """
    return Staged(path, data, encoding=encoding, durable=durable).commit()


class Staged:
    """`data` written (and synced) to a temp file beside `path`, not yet under its name:
    `commit` renames it there, `discard` removes it. A run writes its files this way
    while it waits for the last of them, and puts them all in place only when every
    one is ready (or none, when one fails)."""

    def __init__(
        self,
        path: str | os.PathLike,
        data: bytes | str,
        *,
        encoding: str = "utf-8",
        durable: bool = True,
    ) -> None:
        self.path = path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode(encoding) if isinstance(data, str) else data
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise error_about(exc, path) from None
        with self._discarded_on_error():
            # mkstemp makes the file 0600; a report in a shared folder or behind a web
            # server must be readable as any other new file is: keep the mode of the file
            # being replaced, else what the umask gives a new file.
            os.chmod(self.tmp, _mode_for(path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())

    def commit(self) -> Path:
        """Put the file in place under its name."""
        with self._discarded_on_error():
            os.replace(self.tmp, self.path)
        return self.path

    @contextlib.contextmanager
    def _discarded_on_error(self) -> Iterator[None]:
        """On any error, the temp file removed; an OSError names the file's own path."""
        try:
            yield
        except BaseException as exc:
            self.discard()
            if isinstance(exc, OSError):
                raise error_about(exc, self.path) from None
            raise

    def discard(self) -> None:
        """Remove the temp file (gone already: nothing to do)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


def error_about(exc: OSError, path: str | os.PathLike) -> OSError:
    """`exc` about `path`: a write() that fails (a full disk) names no file and mkstemp
    names its temp file, so the error line would name none the user knows."""
    if exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(path))


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def free_copy_name(path: Path) -> Path:
    """The first of ``NAME.bak``, ``NAME.1.bak``, ``NAME.2.bak``, ... beside `path` that
    nothing stands at (not even a dangling link): a copy there replaces nothing."""
    copy, n = path.with_name(path.name + ".bak"), 0
    while os.path.lexists(copy):
        n += 1
        copy = path.with_name(f"{path.name}.{n}.bak")
    return copy


def backup(path: str | os.PathLike) -> Path | None:
    """Copy `path` to ``NAME.bak`` (keeping metadata) before it is replaced.

    An earlier copy there is replaced atomically: a full disk leaves it whole, and a
    second name of it (a hard link) keeps its bytes. Anything else at that name (a
    link, whose target the copy would overwrite; a folder, in which it would land) is
    left alone and the copy goes to the first free ``NAME.N.bak``.
    """
    path = Path(path)
    if not path.exists():
        return None
    dest = path.with_name(path.name + ".bak")
    if os.path.lexists(dest) and not stat.S_ISREG(os.lstat(dest).st_mode):
        dest = free_copy_name(path)
    return copy_aside(path, dest)


def copy_aside(path: Path, dest: Path | None = None) -> Path:
    """Copy `path`, bytes and metadata, to `dest` (default: `free_copy_name`) through
    `atomic_write`: a copy that fails midway leaves no half of one behind."""
    dest = free_copy_name(path) if dest is None else dest
    atomic_write(dest, path.read_bytes())
    shutil.copystat(path, dest)
    return dest
