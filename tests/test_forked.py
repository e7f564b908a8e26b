"""`forked`: work done in a child gives the caller what doing it here gives."""

from __future__ import annotations

import os

import pytest

from session_retro import forked
from session_retro.forked import in_child, warm_child

PREPARED: list[str] = []


def _prepare() -> None:
    PREPARED.append("imported")


def _where_and_what(x: int) -> tuple[int, list[str], int]:
    return os.getpid(), list(PREPARED), x * 2


def _fail(message: str) -> None:
    raise ValueError(message)


needs_fork = pytest.mark.skipif(not forked._can_fork(), reason="no fork or no second CPU here")


@needs_fork
def test_a_warm_child_prepares_then_runs_the_call_it_is_handed():
    warm = warm_child(_prepare)
    pid, prepared, value = warm.run(_where_and_what, 21)()
    assert value == 42
    assert pid != os.getpid(), "the call ran in the child"
    assert prepared == ["imported"], "prepare ran in the child, before the call"
    assert PREPARED == [], "and not here"


@needs_fork
def test_a_call_failing_in_the_warm_child_raises_here():
    wait = warm_child(_prepare).run(_fail, "no chart")
    with pytest.raises(ValueError, match="no chart"):
        wait()


@needs_fork
def test_closing_a_warm_child_without_work_ends_it():
    warm = warm_child(_prepare)
    child = warm._child
    warm.close()
    assert not child.is_alive()
    warm.close()  # twice is harmless
    assert warm.run(_where_and_what, 1)()[0] == os.getpid(), "after close: here"


@needs_fork
def test_a_call_that_cannot_be_sent_runs_here():
    warm = warm_child(_prepare)
    pid, _, value = warm.run(lambda x: (os.getpid(), [], x), 3)()  # a lambda does not pickle
    assert (pid, value) == (os.getpid(), 3)


@needs_fork
def test_two_warm_children_and_a_child_between_them_all_finish():
    # each later child holds copies of the earlier one's pipe ends: closing must not
    # wait for an end-of-file those copies hold back
    first = warm_child(_prepare)
    between = in_child(sum, [1, 2])
    second = warm_child(_prepare)
    assert between() == 3
    first.close()
    assert second.run(_where_and_what, 2)()[2] == 4


def test_without_a_fork_everything_runs_here(monkeypatch):
    monkeypatch.setattr(forked, "_can_fork", lambda: False)
    pid, prepared, value = warm_child(_prepare).run(_where_and_what, 5)()
    assert (pid, value) == (os.getpid(), 10)
    assert in_child(_where_and_what, 1)()[0] == os.getpid()
