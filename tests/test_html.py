"""`index.html`: written by `retro analyze`, self-contained, deterministic, and safe.

Safety is checked twice: end to end (a reflection file through the parser and the CLI;
the parser drops raw inline HTML but keeps code spans and entities, so those carry the
payloads) and on hand-built records that skip the parser entirely, so the renderer's
own escaping is what is tested, whatever the parser keeps.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from session_retro.analysis import analyze
from session_retro.backlog import gather_items, item_id
from session_retro.model import (
    ActionItem,
    Attempt,
    Diagnostic,
    Note,
    Outcome,
    Priority,
    Recommendation,
    Result,
    Session,
    TimeRow,
)
from session_retro.render.html import (
    ACTIONS_SHOWN,
    anchor_ids,
    bar_width,
    html_files,
    html_page,
    points,
    render_html,
    signed,
)

EPOCH = str(int(datetime(2026, 3, 1, 9, 30, tzinfo=UTC).timestamp()))
ENV = {"SOURCE_DATE_EPOCH": EPOCH}
CHARTS = ("pareto", "timeline", "trend")


class _Page(HTMLParser):
    """Every tag with its attributes, and the text of <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Page()
    p.feed(html)
    p.close()
    return p.tags


def assert_no_active_content(html: str) -> None:
    """No script, no event handler, no link or resource outside the page and its charts/."""
    assert "<script" not in html.lower()
    tags = tags_of(html)
    ids = {a["id"] for _, a in tags if a.get("id")}
    for tag, attrs in tags:
        assert tag not in {"script", "iframe", "img", "object", "embed", "link", "base", "form"}, (
            tag
        )
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}={value!r}>"
            if name in {"href", "xlink:href", "src", "action", "formaction"}:
                value = value or ""
                if value.startswith("#"):
                    assert value[1:] in ids, f"dangling link {value}"
                else:
                    assert re.fullmatch(r"charts/[a-z]+\.(png|svg)", value), (
                        f"<{tag} {name}={value!r}>"
                    )


# ---- the CLI writes the page and its charts ----------------------------------------------


def test_analyze_writes_index_html_and_every_chart(work, cli_invoke):
    r = cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    assert "HTML report: out/index.html" in r.output
    out = work / "out"
    for name in CHARTS:
        assert (out / "charts" / f"{name}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        svg = (out / "charts" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    # each chart inline, once, with its ids prefixed so three SVGs never share one
    for name in CHARTS:
        assert html.count(f'<figure class="chart" id="chart-{name}">') == 1
        assert f'id="{name}-figure_1"' in html
    assert html.count("<svg") == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_page_is_self_contained(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    html = (work / "out" / "index.html").read_text(encoding="utf-8")
    assert_no_active_content(html)
    # the only absolute URLs are the SVG/XLink namespace names, which are never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls == {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "@import" not in html and "url(http" not in html
    assert "<style>" in html  # CSS inline


def test_page_content(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    html = (work / "out" / "index.html").read_text(encoding="utf-8")
    # headline figures of tests/retro_samples.py: 3 sessions, 190 min, 100 wasted
    assert "Generated 2026-03-01 09:30 UTC" in html
    assert '<div class="label">Sessions</div><div class="value">3</div>' in html
    assert '<div class="label">Hours</div><div class="value">3.2</div>' in html
    assert '<div class="label">Wasted hours</div><div class="value">1.7</div>' in html
    assert '<div class="label">Waste share</div><div class="value">53%</div>' in html
    for section in (
        "where",
        "why",
        "what",
        "trend",
        "breakdown",
        "sessions",
        "worst",
        "actions",
        "warnings",
    ):
        assert f'<section id="{section}">' in html
    assert '<section id="impact">' not in html  # nothing to show unless a caller passes one
    # tables by category, outcome, project and month
    for heading in ("By waste category", "By outcome", "By project", "By month"):
        assert f"<h3>{heading}</h3>" in html
    # evidence links to the session's row; the row has that id
    anchor = anchor_ids(["sessions/alpha/2026-01-10-db.md"])["sessions/alpha/2026-01-10-db.md"]
    assert f'<tr id="{anchor}">' in html
    assert f'<a href="#{anchor}"><code>sessions/alpha/2026-01-10-db.md:' in html
    # parse warnings as file:line
    assert (
        "<code>sessions/beta/2026-02-03-ci.md:17</code></a> attempt 3 (Quarantine the flaky test) states no duration"
        in html
    )
    # open action items, high priority first; done ones left out
    assert html.index("Document the rds-query tool") < html.index("Pin the test order in CI")
    assert "Add the migration to the changelog" not in html
    # worst sessions carry their own attempt table
    assert "<td>Build a custom Lambda</td>" in html
    # a recommendation no wasted attempt backs says so, not "0 wasted min in 0 attempts
    # across 0 sessions" (beta's lesson "Keep the notes short")
    assert "No wasted attempt of its sessions; written in 1 session<" in html
    assert "across 0 session" not in html


def test_output_is_byte_stable(work, cli_invoke):
    cli_invoke("analyze", "sessions", "--out", "one", env=ENV)
    cli_invoke("analyze", "sessions", "--out", "two", env=ENV)
    for name in ["index.html"] + [f"charts/{c}.{x}" for c in CHARTS for x in ("svg", "png")]:
        assert (work / "one" / name).read_bytes() == (work / "two" / name).read_bytes(), name


def test_templates_option_overrides_the_page(work, cli_invoke, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html.j2").write_text(
        "<p>{{ h.sessions }} sessions: {{ page.sessions[0].title }}</p>\n"
    )
    cli_invoke("analyze", "sessions", "--out", "out", "--templates", mine, env=ENV)
    assert (work / "out" / "index.html").read_text() == "<p>3 sessions: Database migration</p>\n"


# ---- escaping -----------------------------------------------------------------------------

EVIL_FILE = """\
# Session Reflection: `<script>alert(1)</script>` "onmouseover="alert(2)

**Date**: 2026-02-10
**Duration**: 60 minutes
**Result**: ✅ SUCCESS

## Attempts

### Attempt 1: `<img src=x onerror=alert(3)>` the build (20 min) ❌

**Root cause**: The tool already existed in the repo &lt;svg onload=alert(4)&gt;.

**What I should have done**: Search first: `javascript:alert(5)` '><b>x</b>

### Attempt 2: Use the "existing' tool (10 min) ✅

Done.

## Lessons Learned

- `<iframe src="javascript:alert(7)"></iframe>` search before building

## Recommendations

- `<a href="javascript:alert(8)">click</a>` search the repo first

## Action Items

- [ ] `<script>alert(9)</script>` fix the "quote" ' problem (HIGH)
- [ ] &lt;img src=x onerror=alert(10)&gt; and [click](javascript:alert(11))
"""


def test_reflection_markup_is_escaped_end_to_end(tmp_path, monkeypatch, cli_invoke):
    (tmp_path / "sessions" / "evil").mkdir(parents=True)
    (tmp_path / "sessions" / "evil" / "2026-02-10-evil.md").write_text(EVIL_FILE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cli_invoke("analyze", "sessions", "--out", "out", env=ENV)
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert_no_active_content(html)
    # the payloads reached the page, as text (so the test above is not vacuous)
    for shown in (
        "&lt;script&gt;alert(1)&lt;/script&gt;` &#34;onmouseover=&#34;alert(2)",  # title
        "&lt;img src=x onerror=alert(3)&gt;` the build",  # approach
        "Use the &#34;existing&#39; tool",  # approach with both quotes
        "&lt;script&gt;alert(9)&lt;/script&gt;` fix the &#34;quote&#34; &#39; problem",  # action item
        "&lt;img src=x onerror=alert(10)&gt; and click",  # action item; the link target is dropped
        "&lt;iframe src=&#34;javascript:alert(7)&#34;&gt;",  # lesson
        "&lt;a href=&#34;javascript:alert(8)&#34;&gt;click&lt;/a&gt;",  # recommendation
    ):
        assert shown in html, shown
    # the chart's SVG holds the title too, escaped by matplotlib's XML writer
    svg = (tmp_path / "out" / "charts" / "timeline.svg").read_text(encoding="utf-8")
    assert "<script" not in svg and "&lt;script&gt;" in svg


EVIL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus '",
    "javascript:alert(1)",
    "</textarea></title></style><svg onload=alert(1)>",
    "{{ 7*7 }} {% raw %}",
]


def _evil_session(n: int, text: str) -> Session:
    return Session(
        source=f"notes/{text}-{n}.md",
        title=f"T {text}",
        date=f"2026-0{1 + n % 2}-1{n}",
        project=f"P {text}",
        total_minutes=60,
        result=Result.FAILURE,
        attempts=(
            Attempt(
                1,
                f"A {text}",
                20,
                None,
                None,
                "20 min",
                Outcome.FAILED,
                f"R {text}",
                f"S {text}",
                3,
            ),
            Attempt(2, f"B {text}", 10, None, None, "10 min", Outcome.SUCCEEDED, None, None, 5),
        ),
        time_analysis=(TimeRow(f"phase {text}", 30, None, 7), TimeRow("Total", 60, None, 8, True)),
        root_causes=(Note(f"root {text}", 9),),
        lessons=(Note(f"lesson {text}", 10),),
        recommendations=(Recommendation(f"rec {text}", Priority.HIGH, 11),),
        action_items=(ActionItem(f"act {text}", Priority.HIGH, False, 12),),
        warnings=(Diagnostic(13, "x", f"warn {text}"),),
    )


def test_renderer_escapes_every_field_without_the_parser():
    sessions = [_evil_session(n, t) for n, t in enumerate(EVIL)]
    sessions.append(Session(source="<b>broken</b>.md", error="cannot read <script>x</script>"))
    a = analyze(sessions, generated="<script>when</script>")
    html = html_files(a)["index.html"].decode("utf-8")
    assert_no_active_content(html)
    assert "onmouseover=&#34;alert(1)&#34;" in html
    assert "{{ 7*7 }}" in html  # text, not a template expression
    for label in ("T", "A", "P", "R", "lesson", "rec", "act", "warn", "phase"):
        # every field got onto the page, escaped
        assert f"{label} &lt;script&gt;alert(1)&lt;/script&gt;" in html, label
    assert "cannot read &lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>" not in html


# ---- open action items: the backlog's items, each once ----------------------------------


def _acting(source: str, day: str, *items: tuple[str, Priority | None, bool]) -> Session:
    """A session holding (text, priority, done) action items on lines 20, 21, ..."""
    return Session(
        source=source,
        date=day,
        action_items=tuple(ActionItem(t, p, d, 20 + i) for i, (t, p, d) in enumerate(items)),
    )


ACTING = [
    _acting(
        "a.md",
        "2026-01-05",
        ("Add a tools/ inventory step to the startup protocol", Priority.HIGH, False),
        ("Freeze the clock in `test_signature`", Priority.HIGH, False),
        ("Build the dead-letter table", Priority.HIGH, False),
    ),
    _acting(
        "b.md",
        "2026-02-01",
        ("Add a tools inventory step to the startup protocol", Priority.MEDIUM, False),
        ("Freeze the clock in `test_signature`", Priority.MEDIUM, False),
        ("Build the dead-letter table", Priority.HIGH, True),  # done since
    ),
    _acting(
        "c.md",
        "2026-02-09",
        ("Add a tools/ inventory step to the startup protocol.", None, False),
        ("Pin the Node version", Priority.LOW, False),
    ),
]


def test_open_action_items_are_the_backlogs_open_items_each_once():
    """Review finding 6: the page listed one item per line (the same item four times,
    twice with different priorities), counted lines, and listed an item its newest
    reflection ticked; it must show what `retro backlog` shows."""
    page = html_page(analyze(ACTING, generated="now"), ())
    backlog = [it for it in gather_items(ACTING) if not it.done]
    assert [(r.text, r.priority) for r in page.actions] == [
        (it.text, it.priority.value) for it in backlog
    ]
    assert [(r.text, r.priority) for r in page.actions] == [
        ("Add a tools/ inventory step to the startup protocol", "high"),
        ("Freeze the clock in `test_signature`", "high"),
        ("Pin the Node version", "low"),
    ]
    assert page.actions[0].sources == (("a.md", 20), ("b.md", 20), ("c.md", 20))
    assert page.actions_total == 3
    html = render_html(page)
    section = html[html.index('<section id="actions">') : html.index('<section id="warnings">')]
    assert section.count("inventory step") == 1 and "dead-letter" not in section
    assert "All 3, most urgent first" in section
    assert "<code>c.md:20</code>" in section  # every session it was written in


def test_open_action_items_count_items_not_lines():
    # 40 distinct open items (texts far apart), each written twice: 30 shown "of 40", not "of 80"
    texts = [f"Fix {item_id(str(k))}" for k in range(40)]
    sessions = [
        _acting(f"{n}.md", f"2026-01-{10 + n}", *((t, None, False) for t in texts))
        for n in range(2)
    ]
    page = html_page(analyze(sessions, generated="now"), ())
    assert len(page.actions) == ACTIONS_SHOWN and page.actions_total == 40
    assert f"The {ACTIONS_SHOWN} most urgent of 40" in render_html(page)


# ---- small formatters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"), [(None, "—"), (0, "±0"), (0.04, "±0"), (12, "+12"), (-3.5, "−3.5")]
)
def test_signed(value, text):
    assert signed(value) == text


def test_points_and_bar_width():
    assert points(0.1333) == "+13 pp" and points(-0.2) == "−20 pp" and points(None) == "—"
    assert bar_width(0.375) == "0.375" and bar_width(None) == "0"


def test_anchor_ids_are_unique():
    assert anchor_ids(["a/b.md", "a-b.md", "A/B.md"]) == {
        "a/b.md": "s-a-b-md",
        "a-b.md": "s-a-b-md-2",
        "A/B.md": "s-a-b-md-3",
    }


def test_empty_figures_still_draw_every_chart(tmp_path):
    # a session without attempts or a date: the charts say "No data", the page renders
    a = analyze([Session(source="x.md", title="Nothing here")], generated="now")
    files = html_files(a)
    html = files["index.html"].decode()
    assert html.count("<svg") == 3 and html.count("No data") == 3
    assert sorted(files) == [
        "charts/pareto.png",
        "charts/pareto.svg",
        "charts/timeline.png",
        "charts/timeline.svg",
        "charts/trend.png",
        "charts/trend.svg",
        "index.html",
    ]


def test_timeline_draws_a_huge_session_in_runs_of_one_outcome():
    # 10,000 attempts in one session (issue 9) are drawn as runs of equal outcome, so
    # the chart stays drawable, and the chart says so; bar lengths stay the sums.
    import pandas as pd

    from session_retro.render.charts import TIMELINE_MAX_BARS, _runs, timeline_chart

    small = pd.DataFrame({"outcome": ["failed", "failed", "succeeded"], "minutes": [1.0, 2.0, 3.0]})
    assert _runs(small) == [("failed", 1.0), ("failed", 2.0), ("succeeded", 3.0)]
    n = TIMELINE_MAX_BARS + 1
    outcomes = ["failed"] * (n - 1) + ["succeeded"]
    big = pd.DataFrame({"outcome": outcomes, "minutes": [2.0] * n})
    assert _runs(big) == [("failed", 2.0 * (n - 1)), ("succeeded", 2.0)]

    sessions = pd.DataFrame(
        {"source": ["x.md"], "date": [pd.Timestamp("2026-03-01")], "title": ["Huge"]}
    )
    attempts = big.assign(source="x.md", index=range(1, n + 1))
    chart = timeline_chart(sessions, attempts)
    assert "consecutive attempts with the same outcome are drawn as one bar" in chart.svg
