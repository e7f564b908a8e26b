"""`retro` (`cli.run`) leaves without the interpreter's teardown: the same exit codes
and the same output as `main`, all of it flushed, through a pipe or into a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from retro_samples import write_samples


def _retro(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "session_retro", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "code", "stream", "text"),
    [
        (("analyze", "sessions", "--out", "out"), 0, "stdout", "HTML report: out/index.html"),
        (("analyze", "nothing-here", "--out", "out"), 1, "stderr", "no such file or folder"),
        (("analyze", "--bogus"), 2, "stderr", "No such option"),
        (("parse", "sessions", "--format", "jsonl"), 0, "stdout", '"attempts"'),
        (("--version",), 0, "stdout", "retro"),
    ],
)
def test_exit_codes_and_output_survive_the_quick_exit(tmp_path, args, code, stream, text):
    write_samples(tmp_path)
    done = _retro(*args, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert text in getattr(done, stream)


def test_every_line_of_a_long_output_reaches_a_file(tmp_path):
    # one JSON line per reflection through a pipe into this process: nothing left buffered
    write_samples(tmp_path)
    for n in range(40):
        (tmp_path / "sessions" / f"extra-{n}.md").write_text(
            f"# Session {n}\n\n## Lessons\n\n- one\n"
        )
    done = _retro("parse", "sessions", "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert len(lines) == len(list((tmp_path / "sessions").rglob("*.md")))
    assert all(line.endswith("}") for line in lines)
    assert Path(tmp_path, "out").exists() is False
