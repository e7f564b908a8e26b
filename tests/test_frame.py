"""The three tidy tables: declared columns and dtypes, and hand-computed rows."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from retro_samples import write_samples

from session_retro.collect import collect_sessions
from session_retro.frame import (
    ACTION_COLUMNS,
    ATTEMPT_COLUMNS,
    SESSION_COLUMNS,
    actions_frame,
    attempts_frame,
    sessions_frame,
)
from session_retro.model import Session


@pytest.fixture
def sessions(tmp_path):
    return collect_sessions([str(write_samples(tmp_path))])


def _dtypes(df: pd.DataFrame) -> dict[str, str]:
    return {k: str(v) for k, v in df.dtypes.items()}


@pytest.mark.parametrize(
    "build, declared",
    [
        pytest.param(sessions_frame, SESSION_COLUMNS, id="sessions"),
        pytest.param(attempts_frame, ATTEMPT_COLUMNS, id="attempts"),
        pytest.param(actions_frame, ACTION_COLUMNS, id="actions"),
    ],
)
@pytest.mark.parametrize("empty", [False, True], ids=["filled", "empty"])
def test_frames_have_exactly_the_declared_columns_and_dtypes(sessions, build, declared, empty):
    # the declaration is the contract the exports, HTML and impact analysis rely on,
    # and it must hold for an empty selection too (a filter that keeps nothing)
    df = build([] if empty else sessions)
    assert list(df.columns) == list(declared)
    assert _dtypes(df) == {k: str(pd.api.types.pandas_dtype(v)) for k, v in declared.items()}


def test_categoricals_for_outcome_result_priority(sessions):
    assert list(attempts_frame(sessions)["outcome"].cat.categories) == [
        "failed",
        "abandoned",
        "partial",
        "succeeded",
        "unknown",
    ]
    assert list(sessions_frame(sessions)["result"].cat.categories) == [
        "success",
        "partial",
        "failure",
        "unknown",
    ]
    assert actions_frame(sessions)["priority"].cat.ordered


def test_session_rows_hand_computed(sessions):
    df = sessions_frame(sessions).set_index("project")
    alpha, beta, gamma = df.loc["alpha"], df.loc["beta"], df.loc["gamma"]
    assert (
        alpha.total_minutes,
        alpha.wasted_minutes,
        alpha.partial_minutes,
        alpha.productive_minutes,
    ) == (60, 30, 0, 5)
    assert alpha.waste_share == 0.5
    assert alpha.attempts_before_success == 2
    assert alpha.month == "2026-01"
    assert alpha.date == pd.Timestamp("2026-01-10")
    # beta: the attempt without minutes is left out of the sum and counted, not zeroed
    assert (beta.wasted_minutes, beta.partial_minutes, beta.attempts_without_minutes) == (45, 20, 1)
    assert beta.wasted_attempts == 3
    assert pd.isna(beta.attempts_before_success)  # nothing succeeded
    assert beta.productive_minutes == 0  # no success: genuinely zero, not unknown
    assert gamma.waste_share == pytest.approx(25 / 40)
    assert pd.isna(gamma.total_over_ideal)  # no ideal stated: missing, not 0 or inf


def test_missing_minutes_stay_missing():
    # a session whose only wasted attempt has no minutes: wasted is unknown, not 0
    from session_retro.model import Attempt, Outcome

    a = Attempt(1, "x", None, None, None, None, Outcome.FAILED, None, None, 3)
    df = sessions_frame([Session(source="s.md", attempts=(a,))])
    assert pd.isna(df.loc[0, "wasted_minutes"])
    assert pd.isna(df.loc[0, "waste_share"])
    assert df.loc[0, "attempts_without_minutes"] == 1
    assert pd.isna(attempts_frame([Session(source="s.md", attempts=(a,))]).loc[0, "minutes"])


def test_unreadable_files_are_not_rows(sessions):
    bad = Session(source="broken.md", error="empty file")
    assert len(sessions_frame([*sessions, bad])) == 3


def test_action_items(sessions):
    df = actions_frame(sessions)
    assert list(df["text"]) == [
        "Document the rds-query tool",
        "Add the migration to the changelog",
        "Pin the test order in CI",
    ]
    assert list(df["priority"].astype(str)) == ["high", "low", "medium"]
    assert list(df["done"]) == [False, True, False]


@given(st.lists(st.one_of(st.none(), st.text())))
def test_text_columns_are_what_pandas_builds(values):
    # frame builds text columns with Arrow directly (7x faster, issue 8): the same array
    from session_retro.frame import _strings

    expected = pd.array(values, dtype="string")
    got = _strings(values)
    assert got.dtype == expected.dtype and type(got) is type(expected)
    pd.testing.assert_extension_array_equal(got, expected)
