"""Shared fixtures: a CLI runner that shows output and traceback on failure, and a
working folder holding the sample sessions."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from retro_samples import write_samples

from session_retro.cli import cli

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def cli_invoke():
    """Run `retro ARGS...`; returns click's Result. Prints output when the test fails."""

    def invoke(*args: str, expect: int | None = 0, **kw):
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True, **kw)
        if expect is not None and result.exit_code != expect:
            print(result.output)
            if (
                result.exc_info
                and result.exception
                and not isinstance(result.exception, SystemExit)
            ):
                traceback.print_exception(*result.exc_info)
        if expect is not None:
            assert result.exit_code == expect, f"exit {result.exit_code}, expected {expect}"
        return result

    return invoke


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/ is not beside the repository")
    return SHARED


@pytest.fixture
def work(tmp_path: Path, monkeypatch) -> Path:
    """The working folder, holding sessions/ with alpha, beta and gamma
    (`retro_samples`): paths in the output are relative. A test module that needs
    other sessions defines its own."""
    write_samples(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path
