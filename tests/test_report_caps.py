"""Long lists in index.html and report.md are capped, counted and never link to nowhere
(issue 8: a page of 10,000 sessions must stay readable). The caps are lowered here so
three sample sessions overflow them; the bundled sessions stay under the real caps."""

from __future__ import annotations

import re

import pytest
from retro_samples import write_samples

from session_retro.analysis import analyze
from session_retro.collect import collect_sessions
from session_retro.render import html, markdown


@pytest.fixture
def a(tmp_path, monkeypatch):
    write_samples(tmp_path)
    monkeypatch.chdir(tmp_path)
    return analyze(collect_sessions(["sessions"]), generated="2026-03-01")


@pytest.fixture
def page(a, monkeypatch) -> str:
    monkeypatch.setattr(html, "SESSIONS_SHOWN", 1)
    monkeypatch.setattr(html, "SHOWN", {"evidence": 1, "refs": 1, "warnings": 0})
    return html.html_files(a)["index.html"].decode()


def test_session_index_lists_the_most_wasted_and_counts_the_rest(page):
    rows = re.findall(r'<tr id="(s-[^"]+)"', page)
    assert rows == ["s-sessions-beta-2026-02-03-ci-md"]  # beta wasted 45 min, the most
    assert "The 1 sessions with the most wasted minutes, by date; 2 more sessions" in page


def test_every_session_link_has_its_row(page):
    ids = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="#(s-[^"]+)"', page)
    assert links and set(links) <= ids
    # a session left out is named as text, not linked
    assert "<code>sessions/alpha/2026-01-10-db.md" in page
    assert 'href="#s-sessions-alpha' not in page


def test_evidence_and_warnings_are_capped_with_a_count(a, page):
    longest = max(len(r.evidence) for r in a.top_recommendations)
    assert longest > 1
    assert f"… and {longest - 1} more in analysis.json" in page
    assert "… and 1 more warnings in analysis.json" in page


def test_default_caps_show_everything_for_a_few_sessions(a):
    page = html.html_files(a)["index.html"].decode()
    assert len(re.findall(r'<tr id="s-', page)) == 3
    assert "more in analysis.json" not in page and "more sessions" not in page


def test_markdown_caps_references_and_warnings(a, monkeypatch):
    assert "more (see analysis.json)" not in markdown.render_markdown(a)
    monkeypatch.setattr(markdown, "REFS_SHOWN", 1)
    monkeypatch.setattr(markdown, "WARNINGS_SHOWN", 0)
    text = markdown.render_markdown(a)
    assert "- … and 1 more warnings (see analysis.json, or run `retro check`)" in text
    many = [n for n in a.root_causes + a.lessons if len(n.evidence) > 1]
    assert many  # a lesson two sessions share
    for n in many:
        assert f"and {len(n.evidence) - 1} more (see analysis.json)" in text


def test_markdown_caps_evidence_as_the_html_does(a, monkeypatch):
    # review: the README says report.md caps like index.html (20 evidence lines per
    # recommendation), but report.md stopped at a hard-coded 8
    assert markdown.EVIDENCE_SHOWN == html.EVIDENCE_SHOWN
    monkeypatch.setattr(markdown, "EVIDENCE_SHOWN", 1)
    text = markdown.render_markdown(a)
    for r in a.top_recommendations:
        if len(r.evidence) > 1:
            assert f"   - … and {len(r.evidence) - 1} more (see analysis.json)" in text
    longest = max(len(r.evidence) for r in a.top_recommendations)
    assert 1 < longest <= html.EVIDENCE_SHOWN
    monkeypatch.setattr(markdown, "EVIDENCE_SHOWN", longest)
    assert "more (see analysis.json)" not in markdown.render_markdown(a)
