"""`in_child(fn, *args)`: CPU-bound work in a forked process while this one goes on.

A full run's last second is pure CPU in independent pieces: the charts and the 43 MB
`analysis.json` of 10,000 sessions. With a second CPU, a forked child computes one
piece from the same objects (copy-on-write: nothing is pickled on the way in) and sends
the result back through a pipe while this process does another (issue 8).

Example:
    >>> later = in_child(sum, [1, 2, 3])  # starts now, on Linux with a spare CPU
    >>> later()
    6
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")


def in_child(fn: Callable[..., T], *args) -> Callable[[], T]:
    """Start `fn(*args)` in a forked process; the function returned waits for its result.

    Call the function returned even when the work beside it fails (``try``/``finally``):
    the child cannot finish before its result is read from the pipe.

    Where a fork is not safe or not worth it (not Linux; another thread running, which
    could hold a lock the child then waits on forever; a daemon process, which may not
    have children; a single CPU), `fn` runs here when the result is asked for instead.
    So it does when the child fails: running it again here raises its error with a
    traceback. Same function, same objects: the same result either way.
    """
    here = functools.partial(fn, *args)
    if (
        sys.platform != "linux"
        or threading.active_count() > 1
        or multiprocessing.current_process().daemon
        or len(os.sched_getaffinity(0)) < 2
    ):
        return here
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    # daemon: a parent that exits without asking (an error raised meanwhile) ends the
    # child instead of waiting at exit for one blocked on a full pipe
    child = ctx.Process(target=_run_and_send, args=(send, fn, args), daemon=True)
    try:
        child.start()
    except OSError:  # no fork here (process limit, sandbox)
        receive.close()
        return here
    finally:
        send.close()

    def result() -> T:
        try:
            return receive.recv()
        except EOFError:
            child.join()
            if child.exitcode == _INTERRUPTED:  # Ctrl-C reached the child too: stop, not redo
                raise KeyboardInterrupt from None
            return here()
        finally:
            receive.close()
            child.join()

    return result


_INTERRUPTED = 128 + 2
"""The child's exit code when Ctrl-C (SIGINT, sent to the whole process group) stopped it."""


def _run_and_send(send: Connection, fn: Callable, args: tuple) -> None:
    """The forked child: compute, send the result, or exit quietly for the parent to redo."""
    try:
        send.send(fn(*args))
    except KeyboardInterrupt:  # no traceback from the child: the parent stops too
        os._exit(_INTERRUPTED)
    except Exception:  # the parent runs it again, and raises it there
        pass
    finally:
        send.close()


def in_thread(fn: Callable[..., T], *args) -> Callable[[], T]:
    """Start `fn(*args)` in a thread; the function returned waits for its result (or
    raises its error). For work that lets the interpreter go on beside it: hashing and
    reading large files (hashlib and file reads release the GIL). No fork may happen
    while it runs (`in_child` then works here instead): call it after any chart drawing.
    """
    out: list = []

    def work() -> None:
        try:
            out.append((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001  (handed to the caller)
            out.append((False, exc))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        ok, value = out[0]
        if not ok:
            raise value
        return value

    return result
