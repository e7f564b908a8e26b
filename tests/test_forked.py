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
