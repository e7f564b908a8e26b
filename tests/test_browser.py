"""`index.html` in a real headless browser (Debian's ``chromium``): it renders, every
chart is drawn with a real size, nothing overflows sideways, and the console stays clean.

Chromium is driven over ``--remote-debugging-pipe`` (the DevTools protocol as
NUL-terminated JSON on file descriptors 3 and 4), so no client library and no TCP port
are needed. A control page with a deliberate console error and a missing image proves
the console check can fail. Skips when no chromium is on PATH (``CI=1 bash .ci/run``
installs it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from retro_samples import write_samples

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (CI=1 bash .ci/run installs it)"
)

WIDTH, HEIGHT = 1280, 2000
HANG_GUARD = 60.0
"""Seconds before a silent browser is declared stuck (not a timing assertion)."""

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
    "--remote-debugging-pipe",
]

# What the page looks like once laid out, measured by the browser itself.
PROBE = """JSON.stringify({
  scripts: document.scripts.length,
  title: document.title,
  sections: Array.from(document.querySelectorAll('section[id]'), s => s.id),
  scrollWidth: document.documentElement.scrollWidth,
  charts: Array.from(document.querySelectorAll('figure.chart'), f => {
    const svg = f.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {id: f.id, width: r.width, height: r.height,
            texts: svg ? svg.querySelectorAll('text').length : 0,
            paths: svg ? svg.querySelectorAll('path').length : 0};
  }),
})"""


class Browser:
    """A headless chromium and one page, over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        # chromium reads commands from fd 3 and writes replies to fd 4; park our ends
        # above 10 first so the dup2 calls in the child cannot clobber each other
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(out_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (cmd_r, out_w):
            os.close(fd)

        def fds() -> None:  # runs in the child, before exec; dup2'd fds are inheritable
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # dbus and GPU chatter; console messages come over the pipe
            preexec_fn=fds,
            close_fds=False,
        )
        os.close(child_r)
        os.close(child_w)
        self._w, self._r = cmd_w, out_r
        self._buf = b""
        self._next = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=self.session)

    def _send(self, msg: dict) -> None:
        os.write(self._w, json.dumps(msg).encode() + b"\0")

    def _recv(self) -> dict:
        deadline = time.monotonic() + HANG_GUARD
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._r], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("chromium sent nothing")
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise EOFError(f"chromium closed the pipe (exit {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self._send(msg)
        while True:
            reply = self._recv()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event (every resource fetched or failed)."""
        self.events.clear()
        self.call("Page.navigate", session=self.session, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._recv())

    def evaluate(self, expression: str):
        res = self.call(
            "Runtime.evaluate", session=self.session, expression=expression, returnByValue=True
        )
        return res["result"]["value"]

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen since `open`."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in (
                "error",
                "assert",
            ):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif e.get("method") == "Runtime.exceptionThrown":
                found.append(p["exceptionDetails"].get("text", "exception"))
            elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
                found.append(f"{p['entry'].get('url', '')}: {p['entry']['text']}")
        return found

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._send({"id": 0, "method": "Browser.close"})
        try:
            self.proc.wait(timeout=HANG_GUARD)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """`retro analyze` of the sample sessions; returns the output folder."""
    from click.testing import CliRunner

    from session_retro.cli import cli

    root = tmp_path_factory.mktemp("browser-report")
    write_samples(root)
    out = root / "out"
    result = CliRunner().invoke(
        cli,
        ["analyze", str(root / "sessions"), "--out", str(out), "--quiet"],
        env={"SOURCE_DATE_EPOCH": "1772357400"},
    )
    assert result.exit_code == 0, result.output
    return out


def test_the_console_check_catches_errors(browser, tmp_path):
    # control: without this, an empty error list below could mean "not listening"
    page = tmp_path / "control.html"
    page.write_text(
        '<!doctype html><title>c</title><img src="missing.png">'
        '<script>console.error("deliberate")</script>'
    )
    browser.open(page.as_uri())
    errors = browser.console_errors()
    assert any("deliberate" in e for e in errors), errors
    assert any("missing.png" in e for e in errors), errors


def test_index_html_renders_every_chart_without_console_errors(browser, report):
    browser.open((report / "index.html").as_uri())
    assert browser.console_errors() == []
    page = json.loads(browser.evaluate(PROBE))
    assert page["scripts"] == 0  # nothing to run: the page reads without JavaScript
    assert page["title"] == "Where the agents' time went"
    assert {"where", "why", "what", "trend", "breakdown", "sessions", "worst", "warnings"} <= set(
        page["sections"]
    )
    charts = {c["id"]: c for c in page["charts"]}
    assert sorted(charts) == ["chart-pareto", "chart-timeline", "chart-trend"]
    for c in charts.values():
        # laid out at a readable size and actually drawn (axes, bars, labels)
        assert c["width"] > 600 and c["height"] > 150, c
        assert c["texts"] > 5 and c["paths"] > 5, c
    assert page["scrollWidth"] <= WIDTH  # no sideways scrolling at a laptop's width


def test_monthly_index_html_renders_too(browser, tmp_path):
    from click.testing import CliRunner

    from session_retro.cli import cli

    write_samples(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["report", "--month", "2026-02", str(tmp_path / "sessions"), "--out", str(tmp_path / "r")],
        env={"SOURCE_DATE_EPOCH": "1772357400"},
    )
    assert result.exit_code == 0, result.output
    browser.open((tmp_path / "r" / "2026-02" / "index.html").as_uri())
    assert browser.console_errors() == []
    page = json.loads(browser.evaluate(PROBE))
    assert "changes" in page["sections"]
    assert len(page["charts"]) == 3 and all(c["height"] > 100 for c in page["charts"])
