"""`retro analyze --help` names every file and folder a plain run writes."""

from __future__ import annotations

from retro_samples import write_samples


def test_help_names_what_a_run_writes(cli_invoke, tmp_path, monkeypatch):
    # review: the help listed report.md, analysis.json and history/ but not index.html
    # and charts/
    write_samples(tmp_path)
    monkeypatch.chdir(tmp_path)
    cli_invoke("analyze", "sessions", "--out", "out", "-q")
    written = {p.name + ("/" if p.is_dir() else "") for p in (tmp_path / "out").iterdir()} - {
        ".retro-cache.sqlite",
        ".retro-run.json",
    }
    assert {"index.html", "charts/", "report.md"} <= written
    help_text = " ".join(cli_invoke("analyze", "--help").output.split())
    for name in sorted(written):
        assert name.rstrip("/") in help_text, f"--help does not mention {name}"
