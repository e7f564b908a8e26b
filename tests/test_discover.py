"""`project_of`: its fast path says what pathlib says of any path."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.discover import project_of


def _pathlib_project(path: str) -> str:
    return Path(path).parent.name or Path(os.getcwd()).name


@settings(max_examples=2000)
@given(st.text(alphabet="ab./\\ é", min_size=1, max_size=14))
def test_project_is_the_folder_pathlib_names(path: str):
    # Dots, doubled and trailing slashes, backslashes: every shape pathlib normalises.
    assert project_of(path, []) == _pathlib_project(path)


def test_project_examples():
    assert project_of("sessions/billing/x.md", []) == "billing"
    assert project_of("sessions/./billing/x.md", []) == "billing"
    assert project_of("x.md", []) == Path(os.getcwd()).name
