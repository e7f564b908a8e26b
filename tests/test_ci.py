"""The README's Quick start and `.ci/run` agree: CI runs what the README tells people."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CI_RUN = REPO / ".ci" / "run"


def quick_start_commands() -> list[str]:
    """The ```sh blocks of README's "## Quick start" section, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "README.md has no '## Quick start' section"
    return [b.strip() for b in re.findall(r"^```sh\n(.*?)^```$", section.group(1), re.M | re.S)]


def test_quick_start_has_two_commands():
    install_run, install_test = quick_start_commands()
    # One installs and runs the tool on the bundled sessions, one runs the whole suite.
    assert install_run.startswith("python3 -m venv .venv && .venv/bin/pip install -e . && ")
    assert re.search(r"\.venv/bin/retro (analyze|parse) sessions/", install_run)
    assert install_test == (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest -q"
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_run_extracts_the_readme_test_command():
    script = CI_RUN.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    assert os.access(CI_RUN, os.X_OK), ".ci/run must be executable"
    # Run .ci/run's own extraction function against the README.
    func = re.search(r"^readme_test_command\(\) \{\n.*?^\}\n", script, re.M | re.S)
    assert func, ".ci/run lost its readme_test_command function"
    out = subprocess.run(
        ["bash", "-c", func.group(0) + 'readme_test_command "$1"', "bash", str(REPO / "README.md")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()
    assert out == quick_start_commands()[1]
