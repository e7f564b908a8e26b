"""`in_child(fn, *args)`: CPU-bound work in a forked process while this one goes on.

A full run's last second is pure CPU in independent pieces: the charts and the 43 MB
`analysis.json` of 10,000 sessions. With a second CPU, a forked child computes one
piece from the same objects (copy-on-write: nothing is pickled on the way in) and sends
the result back through a pipe while this process does another (issue 8).

A piece whose imports cost as much as its work (the charts: matplotlib takes ~0.5 s to
import) gets a child forked early, `warm_child(prepare)`: it imports on the spare CPU
while this process reads and analyses, and runs the work when it is handed over.

Example:
    >>> later = in_child(sum, [1, 2, 3])  # starts now, on Linux with a spare CPU
    >>> later()
    6
    >>> warm = warm_child(lambda: None)  # forked now; imports would go in the lambda
    >>> warm.run(sum, [4, 5])()
    9
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")


def _can_fork() -> bool:
    """Whether forking is safe and worth it here (see `in_child`)."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
        and len(os.sched_getaffinity(0)) >= 2
    )


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
    if not _can_fork():
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
            return here()
        finally:
            receive.close()
            child.join()

    return result


def _run_and_send(send: Connection, fn: Callable, args: tuple) -> None:
    """The forked child: compute, send the result, or exit quietly for the parent to redo."""
    try:
        send.send(fn(*args))
    except Exception:  # the parent runs it again, and raises it there
        pass
    finally:
        send.close()


class WarmChild:
    """A child forked before its work is known, running `prepare` (imports) meanwhile.

    `run(fn, *args)` hands it one call and returns the function that waits for the
    result, as `in_child` does; `close()` ends a child that got no work. The call and
    its arguments are pickled to the child (they did not exist when it forked), so `fn`
    must be a module-level function. Where no child could be forked, or the child
    fails, the call runs in this process when its result is asked for.
    """

    def __init__(self, send: Connection | None, receive: Connection | None, child) -> None:
        self._send, self._receive, self._child = send, receive, child

    def run(self, fn: Callable[..., T], *args) -> Callable[[], T]:
        here = functools.partial(fn, *args)
        send, receive, child = self._send, self._receive, self._child
        self._send = self._receive = self._child = None  # one call per child
        if send is None:
            return here
        try:
            send.send((fn, args))
        except (OSError, pickle.PicklingError, AttributeError, TypeError):
            receive.close()
            return here
        finally:
            send.close()  # the child reads one call, or sees end-of-file and exits

        def result() -> T:
            try:
                done, value = receive.recv()
                return value if done else here()
            except EOFError:
                return here()
            finally:
                receive.close()
                child.join()

        return result

    def close(self) -> None:
        """End the child without work (also safe after `run`)."""
        if self._send is not None:
            with contextlib.suppress(OSError):
                self._send.send(None)
            self._send.close()
            self._receive.close()
            self._child.join()
            self._send = self._receive = self._child = None


def warm_child(prepare: Callable[[], object]) -> WarmChild:
    """Fork a child now that runs `prepare()` and then waits for `WarmChild.run`'s call."""
    if not _can_fork():
        return WarmChild(None, None, None)
    ctx = multiprocessing.get_context("fork")
    calls, call_in = ctx.Pipe(duplex=False)  # this process writes call_in
    result_out, results = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_serve_one, args=(calls, results, call_in, prepare), daemon=True)
    try:
        child.start()
    except OSError:
        for end in (calls, call_in, result_out, results):
            end.close()
        return WarmChild(None, None, None)
    calls.close()
    results.close()
    return WarmChild(call_in, result_out, child)


def _serve_one(calls: Connection, results: Connection, theirs: Connection, prepare) -> None:
    """The warm child: prepare, then run the one call sent, if any, and send its result."""
    theirs.close()
    parent = os.getppid()
    try:
        with contextlib.suppress(Exception):  # a failed import fails the call: redone there
            prepare()
        # Other children forked since hold copies of the parent's end of the pipe, so
        # its end-of-file can come late: the parent's exit is watched for instead.
        while not calls.poll(1.0):
            if os.getppid() != parent:
                return
        message = calls.recv()
        if message is None:  # closed without work
            return
        fn, args = message
        try:
            results.send((True, fn(*args)))
        except Exception:  # the parent runs it again, and raises it there
            results.send((False, None))
    except EOFError:
        return
    finally:
        calls.close()
        results.close()
