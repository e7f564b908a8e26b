"""A `--templates` file that does not compile or render is a usage error, not a crash.

Review finding 4: `{% if %}` or `{{ nothing_here }}` in DIR/report.md.j2 printed a
Jinja traceback. Expected: one ``error: FILE:LINE: message`` line, exit 2, and no
report written (a new --out folder is removed again, cache and all).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from retro_samples import write_samples

ENV = {"SOURCE_DATE_EPOCH": "1772323200"}


@pytest.fixture
def work(tmp_path, monkeypatch):
    write_samples(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tpl").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        # a syntax error is found when the template compiles
        pytest.param(
            "report.md.j2",
            "# x\n{% if %}\n",
            "report.md.j2:2",
            "Expected an expression",
            id="syntax",
        ),
        # an undefined name only when it renders (StrictUndefined)
        pytest.param(
            "report.md.j2",
            "# x\n\n{{ nothing_here }}\n",
            "report.md.j2:3",
            "'nothing_here' is undefined",
            id="undefined",
        ),
        # an error the template's own code raises is the template's, not a crash
        pytest.param(
            "report.md.j2",
            "# x\n{{ 1 / 0 }}\n",
            "report.md.j2:2",
            "ZeroDivisionError: division by zero",
            id="zero-division",
        ),
        pytest.param(
            "report.md.j2",
            '# x\n\n{{ "a" + 1 }}\n',
            "report.md.j2:3",
            "TypeError",
            id="type-error",
        ),
        pytest.param(
            "report.md.j2",
            '# x\n{% include "report.md.j2" %}\n',
            "report.md.j2:2",
            "RecursionError",
            id="includes-itself",
        ),
        pytest.param(
            "report.md.j2",
            b"# caf\xe9\n",
            "report.md.j2",
            "not UTF-8 text",
            id="not-utf8",
        ),
        # the HTML page goes through the same environment
        pytest.param(
            "index.html.j2",
            "<p>\n{{ a.no_such_field }}\n",
            "index.html.j2:2",
            "no_such_field",
            id="html",
        ),
    ],
)
def test_analyze_names_file_and_line_and_writes_nothing(
    work, cli_invoke, name, text, where, message
):
    path = work / "tpl" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    r = cli_invoke("analyze", "sessions", "--out", "out", "--templates", "tpl", expect=2, env=ENV)
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"error: tpl/{where}: ") and message in lines[0]
    assert "Traceback" not in r.output
    assert not (work / "out").exists()


def test_an_existing_report_is_left_as_it_was(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", "-q", env=ENV)
    before = (work / "out" / "report.md").read_bytes()
    (work / "tpl" / "report.md.j2").write_text("{{ nothing_here }}\n", encoding="utf-8")
    cli_invoke("analyze", "sessions", "--out", "out", "--templates", "tpl", expect=2, env=ENV)
    assert (work / "out" / "report.md").read_bytes() == before


def test_monthly_report_names_the_included_template(work, cli_invoke):
    # monthly.md.j2 includes report.md.j2: the line is the included file's
    (work / "tpl" / "report.md.j2").write_text("# x\n\n\n{{ h.nope }}\n", encoding="utf-8")
    r = cli_invoke(
        "report", "sessions", "--month", "2026-02", "--out", "out", "--templates", "tpl", expect=2
    )
    assert r.output.startswith("error: tpl/report.md.j2:4: ") and "nope" in r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not (work / "out").exists()


def test_a_failing_page_does_not_hang_the_process(work):
    # Second review: with a broken index.html.j2 the real command printed its error and
    # never exited: the forked child encoding analysis.json waited on a full pipe that
    # nobody read, and the exiting parent waited for the child. In a subprocess, with a
    # timeout, because CliRunner never exits the interpreter.
    (work / "tpl" / "index.html.j2").write_text("<p>\n{{ nothing_here }}\n", encoding="utf-8")
    # enough sessions that analysis.json outgrows a pipe's 64 KiB buffer
    for i in range(40):
        (work / "sessions" / f"copy-{i:02d}.md").write_text(
            (work / "sessions" / "alpha" / "2026-01-10-db.md").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    run = subprocess.run(
        [sys.executable, "-m", "session_retro", "analyze", "sessions", "--out", "out"]
        + ["--templates", "tpl", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **ENV},
    )
    assert run.returncode == 2, run.stderr
    assert "index.html.j2:2: 'nothing_here' is undefined" in run.stderr
