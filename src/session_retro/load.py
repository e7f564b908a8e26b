"""Read one reflection from disk: the I/O edge in front of ingest and parse."""

from __future__ import annotations

import errno
import os
import stat

from .discover import missing_reason, project_of
from .ingest import DEFAULT_MAX_BYTES, IngestError, clean_text
from .model import Session
from .parse import parse_session


def read_capped(path: str, size: int, max_bytes: int) -> bytes:
    """The file's bytes, at most `max_bytes` + 1 (one more than allowed tells it is over).

    The read is sized by `size`, the length a stat just gave: a read of `max_bytes` + 1
    allocates that much (20 MiB) for every file, which took three times as long as
    reading a reflection (issue 4). A file that grew since the stat is read on, up to
    the cap. Plain descriptor reads: a buffered file object cost 12 us more per file.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(fd, min(size, max_bytes) + 1)
        while len(data) <= max_bytes:  # to the end (a short read, a file that grew)
            more = os.read(fd, max_bytes + 1 - len(data))
            if not more:
                break
            data += more
    finally:
        os.close(fd)
    return data


def read_session(
    path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, project: str | None = None
) -> Session:
    """Parse the file at `path`; a file that cannot be read gives a Session with `error`.

    Never raises for a bad file: the caller decides what an error means for the run.
    """
    return read_file(path, max_bytes=max_bytes, project=project)[2]


def read_file(
    path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, project: str | None = None
) -> tuple[os.stat_result | None, bytes | None, Session]:
    """`read_session`, with what it read: the stat taken before reading (None when the
    path cannot be stat'ed) and the bytes parsed (None when the file was not read whole:
    a folder, a pipe, a file over `max_bytes`, one that could not be opened).

    The parse cache keys a session by exactly the bytes it was parsed from (issue 8).
    """
    st = data = None
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(st.st_mode):  # a pipe would wait for a writer for ever
            raise IngestError("not a regular file (a pipe, socket or device), not read")
        size = st.st_size
        if size > max_bytes:
            raise IngestError(
                f"file is {size / 1048576:.1f} MiB, over the {max_bytes / 1048576:.0f} MiB "
                "limit (`retro parse` and `retro check` take --max-size)"
            )
        data = read_capped(path, size, max_bytes)
        clean = clean_text(data, max_bytes=max_bytes)
    except IsADirectoryError:
        return st, data, Session(source=path, error="is a folder, not a file")
    except PermissionError:
        return (
            st,
            data,
            Session(source=path, error="permission denied (check the file's permissions)"),
        )
    except FileNotFoundError:
        return st, data, Session(source=path, error=missing_reason(path))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            error = "symbolic link loop (the link points back to itself)"
        else:
            error = f"cannot read: {exc.strerror or exc}"
        return st, data, Session(source=path, error=error)
    except IngestError as exc:
        return st, data, Session(source=path, error=str(exc))
    if not clean.text or clean.text.isspace():  # no copy of the text, unlike strip()
        return st, data, Session(source=path, error="empty file (nothing to parse)")
    session = parse_session(
        clean.text, path, project=project or project_of(path, []), utf8=clean.utf8
    )
    if clean.diagnostics:
        from dataclasses import replace

        session = replace(session, warnings=tuple(clean.diagnostics) + session.warnings)
    session.extra["encoding"] = clean.encoding
    return st, data, session
