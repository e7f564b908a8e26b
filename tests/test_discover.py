"""`project_of`: its fast path names the folder of the absolute path, as the slow one does."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from session_retro.discover import project_of


def _pathlib_project(path: str) -> str:
    return Path(os.path.abspath(path)).parent.name or Path(os.getcwd()).name


@settings(max_examples=2000)
@given(st.text(alphabet="ab./\\ é", min_size=1, max_size=14))
def test_project_is_the_folder_pathlib_names(path: str):
    # Dots, doubled and trailing slashes, backslashes: every shape a path is written in.
    assert project_of(path, []) == _pathlib_project(path)


def test_project_examples():
    assert project_of("sessions/billing/x.md", []) == "billing"
    assert project_of("sessions/./billing/x.md", []) == "billing"
    assert project_of("x.md", []) == Path(os.getcwd()).name


def test_a_file_reached_through_dot_dot_is_in_its_folders_project(tmp_path, monkeypatch):
    # 'cd sessions/mobile-app/android && retro analyze ..' reported the two sessions of
    # mobile-app/ under a project named "..", splitting the project in two
    (tmp_path / "mobile-app" / "android").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "mobile-app" / "android")
    assert project_of("../2026-08-27-push.md", []) == "mobile-app"
    assert project_of("../../mobile-app/x.md", []) == "mobile-app"
    assert project_of("../android/x.md", []) == "android"
