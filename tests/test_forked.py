"""`forked.in_child`: work done in a forked child, and what happens when it fails."""

from __future__ import annotations

import functools
import os

import pytest

from session_retro.forked import in_child

PARENT = os.getpid()


def _interrupted_in_the_child() -> None:
    if os.getpid() == PARENT:
        raise ValueError("the child's work was redone in the parent")
    raise KeyboardInterrupt  # as Ctrl-C, sent to the whole process group, does


def test_ctrl_c_in_the_child_stops_the_caller_instead_of_redoing_the_work():
    wait = in_child(_interrupted_in_the_child)
    if isinstance(wait, functools.partial):
        pytest.skip("no fork here: nothing runs in a child")
    with pytest.raises(KeyboardInterrupt):
        wait()


def test_in_thread_gives_the_result_or_raises_the_error():
    from session_retro.forked import in_thread

    assert in_thread(sum, [1, 2, 3])() == 6

    def fails():
        raise OSError(28, "No space left on device")

    waiting = in_thread(fails)
    with pytest.raises(OSError, match="No space left"):
        waiting()


# `Warm`: a process forked early, prepared (an import), that runs work sent later.


def _pid_and(value):
    return os.getpid(), value


def _fails_in_the_warm_process(parent: int):
    raise ValueError(f"failed in {'the caller' if os.getpid() == parent else 'the warm process'}")


def _pid_of_a_child():
    return in_child(os.getpid)()


def _prepare_fails():
    raise ImportError("no matplotlib here")


def _interrupted_in_the_warm_process(parent: int) -> None:
    if os.getpid() == parent:
        raise ValueError("the warm process' work was redone in the caller")
    raise KeyboardInterrupt


@pytest.fixture
def warm():
    from session_retro.forked import Warm

    made = []

    def make(prepare=lambda: None):
        w = Warm(prepare)
        made.append(w)
        if w._conn is None:
            pytest.skip("no fork here: no warm process")
        return w

    yield make
    for w in made:
        w.close()


def test_work_sent_runs_in_the_warm_process_and_answers_come_back_in_order(warm):
    w = warm()
    first, second = w.submit(_pid_and, "a"), w.submit(_pid_and, "b")  # both sent at once
    pid_b, b = second()  # asked for out of order: the first answer is kept meanwhile
    pid_a, a = first()
    assert (a, b) == ("a", "b")
    assert pid_a == pid_b != os.getpid()


def test_work_failing_in_the_warm_process_raises_its_error_in_the_caller(warm):
    w = warm()
    with pytest.raises(ValueError, match="failed in the caller"):
        w.submit(_fails_in_the_warm_process, os.getpid())()
    assert w.submit(_pid_and, 1)()[1] == 1  # the warm process still serves


def test_work_that_does_not_pickle_runs_in_the_caller(warm):
    w = warm()
    assert w.submit(lambda: os.getpid())() == os.getpid()


def test_the_warm_process_may_fork_children_of_its_own(warm):
    # not a daemon: in_child works inside it (the charts are drawn two at a time there)
    w = warm()
    warm_pid = w.submit(os.getpid)()
    child = w.submit(_pid_of_a_child)()
    assert child not in (warm_pid, os.getpid())


def test_a_failed_preparation_still_serves(warm):
    w = warm(_prepare_fails)
    assert w.submit(_pid_and, "x")()[1] == "x"


def test_ctrl_c_in_the_warm_process_stops_the_caller(warm):
    w = warm()
    wait = w.submit(_interrupted_in_the_warm_process, os.getpid())
    with pytest.raises(KeyboardInterrupt):
        wait()


def test_closed_or_dead_the_work_runs_in_the_caller(warm):
    import signal

    w = warm()
    warm_pid = w.submit(os.getpid)()
    os.kill(warm_pid, signal.SIGKILL)  # died: what was sent and never answered is redone here
    assert w.submit(os.getpid)() == os.getpid()
    w.close()
    assert w.submit(os.getpid)() == os.getpid()
    with pytest.raises(ProcessLookupError):  # ended and waited for: no process, no zombie
        os.kill(warm_pid, 0)


def test_close_ends_a_busy_warm_process_at_once(warm):
    import time

    w = warm()
    warm_pid = w.submit(os.getpid)()
    w.submit(time.sleep, 30)  # busy for 30 s
    started = time.monotonic()
    w.close()
    assert time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):
        os.kill(warm_pid, 0)


def _pid_after_a_collection():
    import gc

    gc.collect()
    return os.getpid()


@pytest.mark.parametrize("where", ["warm", "child"])
def test_the_callers_garbage_is_never_finalized_in_a_forked_process(warm, where):
    # A DuckDB connection's finalizer joins DuckDB's worker threads, which a forked
    # process does not have: collected there, it crashed the process (a segfault, its
    # message on the user's terminal). Forked processes freeze what they inherit.
    import gc

    duckdb = pytest.importorskip("duckdb")
    gc.disable()  # the garbage must still be there when the process forks
    try:
        con = duckdb.connect()
        con.execute("SELECT 42").fetchall()
        cycle = [con]
        cycle.append(cycle)
        del con, cycle
        if where == "warm":
            pid = warm().submit(_pid_after_a_collection)()
        else:
            wait = in_child(_pid_after_a_collection)
            if isinstance(wait, functools.partial):
                pytest.skip("no fork here")
            pid = wait()
    finally:
        gc.enable()
        gc.collect()  # here, where DuckDB's threads are
    assert pid != os.getpid()  # answered by the forked process: it did not crash


def test_a_block_left_by_an_error_waits_for_the_thread_beside_it():
    # retro analyze waits for its charts in a thread that then writes the chart memo
    # to a relative path: a run failing meanwhile (an input under an output's name)
    # returned first, the test changed folder back, and the memo landed in the
    # repository's own out/.
    import threading
    import time

    from session_retro.forked import beside

    go, done = threading.Event(), []

    def slow():
        go.wait(10)
        time.sleep(0.2)  # still working when the block fails
        done.append("memo written")
        raise OSError("and failed")  # dropped: the block's own error goes on

    with pytest.raises(ValueError, match="the run failed"), beside(slow):
        go.set()
        raise ValueError("the run failed")
    assert done == ["memo written"]


class _RebuiltOnlyInTheCaller:
    def __reduce__(self):
        return (_rebuild, (os.getpid(),))


def _rebuild(caller: int):
    if os.getpid() != caller:
        raise ValueError("cannot be rebuilt in the warm process")
    return _RebuiltOnlyInTheCaller()


def test_work_that_does_not_unpickle_in_the_warm_process_runs_in_the_caller(warm):
    w = warm()
    pid, _ = w.submit(_pid_and, _RebuiltOnlyInTheCaller())()
    assert pid == os.getpid()
    assert w.submit(_pid_and, 1)()[0] != os.getpid()  # the warm process still serves
