"""Work beside the run's own process: CPU-bound work in forked processes, waiting in threads.

A full run's last second is pure CPU in independent pieces: the charts and the 43 MB
`analysis.json` of 10,000 sessions. With a second CPU, `in_child(fn, *args)` computes
one piece in a forked child from the same objects (copy-on-write: nothing is pickled
on the way in) and sends the result back through a pipe while this process does
another; `Warm` is a process forked early that prepares (imports matplotlib) on the
idle CPU and runs the work sent to it later; `in_thread` waits for I/O (issue 8).

Example:
    >>> later = in_child(sum, [1, 2, 3])  # starts now, on Linux with a spare CPU
    >>> later()
    6
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import multiprocessing.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
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
    if not _may_fork():
        return here
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    # daemon: a parent that exits without asking (an error raised meanwhile) ends the
    # child instead of waiting at exit for one blocked on a full pipe
    child = ctx.Process(target=_run_and_send, args=(send, fn, args, receive), daemon=True)
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


def _run_and_send(send: Connection, fn: Callable, args: tuple, receive: Connection) -> None:
    """The forked child: compute, send the result, or exit quietly for the parent to redo.

    The child's copy of the parent's end is closed first: with the parent gone, a
    result larger than the pipe holds then fails to send (nobody reads) instead of
    waiting for ever on a reader that is the child itself.
    """
    receive.close()
    gc.freeze()  # the parent's objects are the parent's: see `_serve`
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
    while it runs (`in_child` then works here instead; a `Warm` process forks its own).
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


@contextlib.contextmanager
def beside(fn: Callable[..., T], *args) -> Iterator[Callable[[], T]]:
    """`in_thread(fn, *args)` for the length of a block, which gets the function that
    waits for the result. A block left by an error first waits for the thread (its own
    error dropped): nothing the thread does (`retro analyze`'s chart memo, written by
    the thread that waits for the charts) outlives the failed run, or lands elsewhere
    once a test has changed folder back."""
    waiting = in_thread(fn, *args)
    try:
        yield waiting
    except BaseException:
        with contextlib.suppress(BaseException):
            waiting()
        raise


class Warm:
    """A forked process made ready now (`prepare`: an import) that runs work later.

    `retro analyze` knows it will draw charts long before it has their data, and one
    of its two CPUs idles while it reads the cache. Forked then, this process imports
    matplotlib (0.3 s) on that CPU, so the drawing later starts at once (issue 8).

    `submit(fn, *args)` sends the work (pickled: small data only) and returns a
    function that waits for the result, as `in_child` does. Work is done in the order
    sent, so several pieces may be sent before the first is waited for. Where no such
    process can be had (`in_child`'s conditions), where it died, or where `fn` failed
    in it, `fn` runs here when the result is asked for: the same result, or the error
    with its traceback.

    Unlike `in_child`'s, this process is not a daemon, so it may fork children of its
    own (`in_child` inside `fn`). It holds nothing of the caller's but copies, so
    `close` simply ends it, ready, busy or still preparing; so does this process's
    exit (a multiprocessing finalizer), and an exit without finalizers closes the pipe
    it reads, which ends it too.
    """

    def __init__(self, prepare: Callable[[], object]) -> None:
        self._conn: Connection | None = None
        self._sent = 0  # pieces of work sent, numbered from 0
        self._read = 0  # answers read
        self._answers: dict[int, tuple[bool, object]] = {}  # read, not yet asked for
        if not _may_fork():
            return
        ctx = multiprocessing.get_context("fork")
        here, there = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(there, prepare, here), daemon=False)
        try:
            process.start()
        except OSError:  # no fork here (process limit, sandbox)
            here.close()
            return
        finally:
            there.close()
        self._conn = here
        self._end = multiprocessing.util.Finalize(
            self, _end, args=(here, process), exitpriority=100
        )

    def submit(self, fn: Callable[..., T], *args) -> Callable[[], T]:
        """Start `fn(*args)` in the warm process; the function returned waits for it."""
        here = functools.partial(fn, *args)
        if self._conn is None:
            return here
        try:
            self._conn.send((fn, args))
        except OSError:  # the process is gone
            self.close()
            return here
        except Exception:  # work that does not pickle (nothing was sent): done here
            return here
        number = self._sent
        self._sent += 1

        def result() -> T:
            ok, value = self._answer(number)
            if not ok:
                if value == _INTERRUPTED:  # Ctrl-C reached it too: stop, not redo
                    raise KeyboardInterrupt
                return here()
            return value

        return result

    def _answer(self, number: int) -> tuple[bool, object]:
        """The answer to piece `number`, reading (and keeping) those before it."""
        while number not in self._answers:
            if self._conn is None:  # gone: what was not answered is redone here
                return False, None
            try:
                self._answers[self._read] = self._conn.recv()  # answers come in order
            except (EOFError, OSError):  # it died
                self.close()
            else:
                self._read += 1
        return self._answers.pop(number)

    def close(self) -> None:
        """End the warm process, whatever it is doing, and wait for it."""
        if self._conn is not None:
            self._conn = None
            self._end()


def _may_fork() -> bool:
    """Whether forking is safe and worth it here.

    Not where another thread runs (it could hold a lock the child then waits on
    forever), in a daemon process (which may not have children), on one CPU, or off
    Linux.
    """
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
        and len(os.sched_getaffinity(0)) >= 2
    )


def _end(conn: Connection, process: multiprocessing.process.BaseProcess) -> None:
    """End a warm process and wait for it. Its children (`in_child` in the work) then
    fail to send into a pipe nobody reads, and end."""
    conn.close()
    process.terminate()
    process.join()


def _serve(conn: Connection, prepare: Callable[[], object], callers: Connection) -> None:
    """The warm process: prepare, then run each piece of work sent until the pipe closes.

    Its copy of the caller's end (`callers`) is closed first, so that the caller's exit
    closes the pipe whatever way it goes (SIGKILL, os._exit): this process then reads
    EOF and ends, and holds the caller's stdout no longer.
    """
    callers.close()
    # What the caller had when it forked stays the caller's: this process never
    # collects it. The caller's garbage, finalized a second time here, crashed this
    # process: a test's DuckDB connection, whose finalizer joins DuckDB's threads, and
    # a forked process has none. It could as well close the caller's SQLite handles.
    # And collections, which count references, would copy every page they visit
    # (Python's docs: gc.freeze).
    gc.freeze()
    try:
        with contextlib.suppress(Exception):  # unprepared, `fn` does it (or fails here and there)
            prepare()
        while True:
            try:
                fn, args = conn.recv()
            except (EOFError, OSError):  # the caller is gone
                return
            except Exception:  # work that does not unpickle here: the caller does it
                fn, args = None, ()
            try:
                answer = (True, fn(*args)) if fn is not None else (False, None)
            except Exception:  # the caller runs it again, and raises it there
                answer = (False, None)
            try:
                conn.send(answer)
            except OSError:  # the caller is gone
                return
            except Exception:  # a result that does not pickle: the caller redoes it
                conn.send((False, None))
    except KeyboardInterrupt:  # Ctrl-C reached the whole process group: the caller stops too
        with contextlib.suppress(OSError):
            conn.send((False, _INTERRUPTED))
        os._exit(_INTERRUPTED)
    finally:
        conn.close()
