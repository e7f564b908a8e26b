"""The report's charts: Pareto of waste by category, per-session timeline, monthly trend.

Each chart is drawn once with matplotlib and kept twice: SVG text (inlined into
`index.html`, so the page needs no other file) and PNG bytes (for slides and chat).
`chart_files` names them ``charts/<name>.svg|png`` for the output folder.

Choices, and why:

* the Agg backend, selected before anything imports pyplot, and `Figure` objects
  rather than pyplot's global state: no display is needed and nothing leaks between
  charts; matplotlib is imported only when a chart is drawn;
* one constrained layout per chart, computed at the PNG's resolution and shared by
  both files (so the SVG's text may sit a fraction of a point from where its own
  unhinted font metrics would put it);
* the Okabe-Ito palette, which stays distinguishable under the common forms of colour
  blindness and in greyscale print;
* byte-stable output, so reports diff cleanly: a fixed ``svg.hashsalt`` (clip-path
  ids), text kept as ``<text>`` (``svg.fonttype='none'``; smaller, selectable, and
  escaped by matplotlib's XML writer) and no creation date in the metadata;
* user text (session titles, category labels) is drawn with ``parse_math=False``: a
  ``$`` in a title must not switch matplotlib into mathtext (or fail to parse as it);
* each chart is a drawing function and exactly the data it reads (`Plot`), so the
  run's cache can keep its files under a digest of both and a run whose edits change
  nothing a chart shows takes them from there (`draw_charts`, issue 8).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import re
import sqlite3
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..aggregate import AttemptGroup, SessionGroup
from ..cache import open_cache
from ..classify import UNCLASSIFIED
from ..forked import Warm, in_child
from ..rerun import code_fingerprint
from ..safeio import atomic_write, inside

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from types import ModuleType

    from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
OUTCOME_COLOURS = {
    "failed": OKABE_ITO["vermillion"],
    "abandoned": OKABE_ITO["orange"],
    "partial": OKABE_ITO["sky_blue"],
    "succeeded": OKABE_ITO["bluish_green"],
    "unknown": OKABE_ITO["grey"],
}
WIDTH_IN = 7.5
"""Fits an A4 or Letter page with margins, and a 1280 px wide screen at 96 dpi."""
DPI = 150
PARETO_STAGGER = 6
"""With more categories than this, the Pareto's labels alternate between two rows."""
TIMELINE_MAX_SESSIONS = 20
"""More rows than this stop being readable; the timeline then shows the most recent.

Was 40: a 2,000-pixel-tall chart of two days' sessions at 10,000 sessions, whose row
labels took a quarter of the time to draw the report's charts (issue 8)."""

_RC = {
    "svg.hashsalt": "session-retro",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    # A fixed title height: matplotlib otherwise measures every tick label of the axes
    # and its twin at each draw to lift the title above any at the top, and none is
    # there (issue 8).
    "axes.titley": 1.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#444444",
    "axes.labelcolor": "#222222",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "text.color": "#222222",
    "legend.frameon": False,
    "path.simplify": False,
}


@dataclass(frozen=True, slots=True)
class Chart:
    """One drawn chart."""

    name: str
    """File stem under ``charts/`` and the id prefix of its inline SVG."""
    title: str
    svg: str
    """The complete SVG document, as written to ``charts/<name>.svg``."""
    png: bytes

    @property
    def inline_svg(self) -> str:
        """The SVG element alone (no XML prolog, doctype or metadata), ids prefixed with `name`.

        Three SVGs in one page would otherwise share ids such as ``axes_1`` and
        ``figure_1``, and a clip-path reference could resolve into the wrong chart.
        """
        text = self.svg[self.svg.index("<svg") :]
        # the RDF block (creator URL, Dublin Core names) means nothing inside a page
        text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
        prefix = f"{self.name}-"
        text = re.sub(r'\bid="', f'id="{prefix}', text)
        text = text.replace("url(#", f"url(#{prefix}")
        text = re.sub(r'(xlink:href|href)="#', rf'\1="#{prefix}', text)
        return text


def _matplotlib() -> ModuleType:
    """matplotlib, imported on the first chart drawn rather than with this module.

    The import costs ~0.3 s, which a run that draws nothing (a warm re-run) must not
    pay (issue 8).
    """
    import matplotlib

    matplotlib.use("Agg")  # before any pyplot import anywhere: no display, deterministic
    return matplotlib


def _ready_to_draw() -> None:
    """Import all that drawing a chart needs (`drawer`): ~0.3 s, most of it matplotlib."""
    _matplotlib()
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401


def drawer() -> Warm:
    """A process that gets ready to draw now, while the caller reads and analyses.

    Pass it to `Drawing`: the charts are drawn there, without the 0.3 s of imports on
    the run's way (issue 8). `close` it after the last chart.
    """
    return Warm(_ready_to_draw)


def _style() -> AbstractContextManager:
    """The charts' matplotlib settings, for the drawing of one chart."""
    return _matplotlib().rc_context(_RC)


def _outputs(fig: Figure) -> tuple[str, bytes]:
    """The figure as SVG text and PNG bytes, laid out once for both.

    With a layout engine on the figure, every `savefig` first draws the whole figure
    without output to lay it out, then draws it again: four draws for two files. The
    constrained layout runs once instead, with the PNG's own renderer (whose text
    measurements the PNG's draw then reuses), and is frozen for both files (issue 8).
    """
    with warnings.catch_warnings():
        # A title in Japanese: DejaVu Sans (pinned: the same files on every machine) has
        # no glyph for it, and matplotlib warned once per character on the user's
        # terminal. The SVG names the text, which the browser draws with its own fonts;
        # only the PNG shows boxes (README).
        warnings.filterwarnings("ignore", r"Glyph \d+ .*missing from font", UserWarning)
        fig.get_layout_engine().execute(fig)
        fig.set_layout_engine("none")
        png = io.BytesIO()
        # zlib level 3, not PIL's 6: a third less time, files within a few per cent
        fig.savefig(
            png,
            format="png",
            dpi=DPI,
            metadata={"Software": None},
            pil_kwargs={"compress_level": 3},
        )
        svg = io.StringIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
    return svg.getvalue(), png.getvalue()


def _figure(height_in: float) -> Figure:
    """A figure drawn by Agg at the PNG's resolution, with a constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained", facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _no_data(fig: Figure, title: str, why: str) -> None:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, f"No data: {why}", ha="center", va="center", color="#666666", fontsize=11)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _short(text: str, n: int = 42) -> str:
    """`text` on one line, at most `n` characters, without control characters: they have
    no glyph, and XML forbids them (an ESC in a title made the SVG unreadable)."""
    text = " ".join(str(text).split())
    if not text.isprintable():
        text = _CONTROL.sub("", text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _minutes_axis(axis) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _pareto_bars(by_category: tuple[AttemptGroup, ...]) -> tuple[tuple[str, float, bool], ...]:
    """All the Pareto reads of the categories: (label, wasted minutes, unclassified?) per bar."""
    return tuple(
        (r.label, r.minutes.sum, r.key == UNCLASSIFIED) for r in by_category if r.minutes.sum > 0
    )


def pareto_chart(by_category: tuple[AttemptGroup, ...]) -> Chart:
    """Wasted minutes by category (bars, most first) with the cumulative share (line)."""
    return _pareto(_pareto_bars(by_category))


def _pareto(rows: tuple[tuple[str, float, bool], ...]) -> Chart:
    title = "Where the wasted minutes went"
    with _style():
        from matplotlib.markers import TICKDOWN
        from matplotlib.ticker import PercentFormatter

        # more than PARETO_STAGGER bars: labels alternate between two rows, so each has
        # two bars' width to wrap in and neighbours never overlap
        stagger = len(rows) > PARETO_STAGGER
        fig = _figure((4.2 if stagger else 3.6) if rows else 2.0)
        if not rows:
            _no_data(fig, title, "no failed or abandoned attempt states its minutes")
            return Chart("pareto", title, *_outputs(fig))
        ax = fig.add_subplot()
        # wrapped, not rotated: a slanted label is hard to read and eats the plot's height
        wrap = max(10, min(16, (2 if stagger else 1) * 110 // len(rows)))
        labels = [
            textwrap.fill(_short(label, 40), wrap, break_long_words=False) for label, _, _ in rows
        ]
        minutes = [m for _, m, _ in rows]
        total = sum(minutes)
        x = list(range(len(rows)))
        # unclassified is a gap in the taxonomy, not a cause: grey, so it does not read as one
        colours = [OKABE_ITO["grey"] if grey else OKABE_ITO["blue"] for _, _, grey in rows]
        bars = ax.bar(x, minutes, color=colours, width=0.65, zorder=2)
        ax.bar_label(bars, labels=[f"{m:g}" for m in minutes], padding=2, fontsize=8)
        fontsize = 8 if len(rows) > 5 else 9
        ax.set_xticks(x, labels, fontsize=fontsize)
        for t in ax.get_xticklabels():
            t.set_parse_math(False)
        if stagger:
            # the second row sits below the tallest label of the first, on a longer tick
            drop = 1.25 * fontsize * max(lbl.count("\n") + 1 for lbl in labels[::2]) + 2
            for i, tick in enumerate(ax.xaxis.get_major_ticks()):
                if i % 2:
                    tick.set_pad(3.5 + drop)
                    # a longer tick mark leads the eye from the bar to its lowered label
                    ax.plot(
                        [i],
                        [0],
                        marker=TICKDOWN,
                        markersize=3.5 + drop,
                        markeredgewidth=0.8,
                        color="#444444",
                        transform=ax.get_xaxis_transform(),
                        clip_on=False,
                    )
        ax.set_ylabel("Wasted minutes")
        _minutes_axis(ax.yaxis)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=0)
        ax.set_ylim(0, max(minutes) * 1.15)
        cum = pd.Series(minutes).cumsum() / total
        ax2 = ax.twinx()
        ax2.plot(x, cum, color=OKABE_ITO["vermillion"], marker="o", linewidth=1.8, zorder=3)
        ax2.set_ylim(0, 1.05)
        ax2.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax2.set_ylabel("Cumulative share of wasted minutes", color=OKABE_ITO["vermillion"])
        ax2.spines["right"].set_visible(True)
        ax2.axhline(0.8, color=OKABE_ITO["vermillion"], linewidth=0.6, linestyle=":", zorder=1)
        ax.set_title(f"{title} ({total:g} min by waste category)")
        return Chart("pareto", title, *_outputs(fig))


TIMELINE_MAX_BARS = 200
"""A session with more timed attempts than this is drawn in runs of equal outcome."""


def _runs(mine: pd.DataFrame) -> list[tuple[str, float]]:
    """(outcome, minutes) bars for one session's timed attempts, in written order.

    Each attempt is its own bar, unless there are more than `TIMELINE_MAX_BARS`: then
    consecutive attempts of one outcome share a bar as long as their sum, so lengths
    and colours stay true and the chart stays drawable.
    """
    pairs = [(str(o), float(m)) for o, m in zip(mine["outcome"], mine["minutes"], strict=True)]
    if len(pairs) <= TIMELINE_MAX_BARS:
        return pairs
    runs: list[tuple[str, float]] = []
    for outcome, minutes in pairs:
        if runs and runs[-1][0] == outcome:
            runs[-1] = (outcome, runs[-1][1] + minutes)
        else:
            runs.append((outcome, minutes))
    return runs


def _box(x: float, length: float, y: int) -> list[tuple[float, float]]:
    """The corners of one timeline bar: `length` long from `x`, centred on row `y`."""
    bottom = y - 0.31
    top = bottom + 0.62
    return [(x, bottom), (x, top), (x + length, top), (x + length, bottom)]


def _timeline_rows(
    sessions: pd.DataFrame, attempts: pd.DataFrame
) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """All the timeline reads: its rows, how many sessions there are, its rows' attempts.

    The rows are the `TIMELINE_MAX_SESSIONS` most recent sessions (source, date,
    title), latest first; their attempts keep source, index, outcome and minutes. Cut
    here, before drawing, so neither the drawing nor its memo key grows with the corpus
    (issue 8).
    """
    if sessions.empty:  # nothing to sort (nor, perhaps, any column to sort by)
        return sessions, 0, attempts.iloc[:0]
    order = sessions.assign(_d=sessions["date"].fillna(pd.Timestamp.max))
    order = order.sort_values(["_d", "source"]).tail(TIMELINE_MAX_SESSIONS)
    order = order.iloc[::-1][["source", "date", "title"]]  # earliest at the top
    mine = attempts["source"].isin(order["source"])
    return order, len(sessions), attempts.loc[mine, ["source", "index", "outcome", "minutes"]]


def timeline_chart(sessions: pd.DataFrame, attempts: pd.DataFrame) -> Chart:
    """Each session as a row; its attempts as bars end to end, coloured by outcome.

    Bars are laid out in the order the author wrote the attempts, each as long as its
    stated minutes; an attempt without minutes cannot be placed in time, so it is
    counted in a note under the chart rather than drawn at a made-up length.
    """
    return _timeline(*_timeline_rows(sessions, attempts))


def _timeline(order: pd.DataFrame, total: int, shown: pd.DataFrame) -> Chart:
    title = "Session timelines: attempts by outcome"
    with _style():
        from matplotlib.collections import PolyCollection
        from matplotlib.patches import Patch

        timed = shown[shown["minutes"].notna()]
        if order.empty or timed.empty:
            fig = _figure(2.0)
            _no_data(fig, title, "no attempt states its minutes")
            return Chart("timeline", title, *_outputs(fig))
        n = len(order)
        fig = _figure(1.3 + 0.3 * n)
        ax = fig.add_subplot()
        labels, used = [], set()
        merged = 0
        boxes, colours = [], []
        by_source = {src: grp for src, grp in timed.groupby("source", sort=False)}
        for y, row in enumerate(order.itertuples(index=False)):
            mine = by_source.get(row.source)
            runs = [] if mine is None else _runs(mine.sort_values("index"))
            if mine is not None and len(runs) < len(mine):
                merged += 1
            x = 0.0
            for outcome, length in runs:
                boxes.append(_box(x, length, y))
                colours.append(OUTCOME_COLOURS.get(outcome, OKABE_ITO["grey"]))
                used.add(outcome)
                x += length
            date = "" if pd.isna(row.date) else f"{row.date:%Y-%m-%d} "
            name = row.title if isinstance(row.title, str) and row.title else row.source
            labels.append(date + _short(name, 30))
        # One collection for every bar: a patch per attempt took 30 s to draw for a
        # session of 10,000 attempts (issue 9), and one collection a row cost 40
        # collections' set-up and autoscaling at every timeline (issue 8).
        bars = PolyCollection(boxes, facecolors=colours, edgecolor="white", linewidth=0.8, zorder=2)
        ax.add_collection(bars)
        ax.set_yticks(range(n), labels, fontsize=8)
        for t in ax.get_yticklabels():
            t.set_parse_math(False)
        ax.set_ylim(-0.6, n - 0.4)
        xlabel = "Minutes from the start of the session (attempts in written order)"
        _minutes_axis(ax.xaxis)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6, zorder=0)
        handles = [Patch(color=OUTCOME_COLOURS[o], label=o) for o in OUTCOME_COLOURS if o in used]
        ax.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=len(handles),
            fontsize=8,
        )
        ax.set_title(title, pad=22)
        untimed = int(shown["minutes"].isna().sum())
        notes = []
        if untimed:
            notes.append(f"{untimed} attempt(s) without stated minutes are not drawn")
        if total > n:
            notes.append(f"showing the {n} most recent of {total} sessions")
        if merged:
            notes.append(
                f"in {merged} session(s) of over {TIMELINE_MAX_BARS} attempts, "
                "consecutive attempts with the same outcome are drawn as one bar"
            )
        # a note a line: two side by side were wider than the figure and cut off
        xlabel += "".join(f"\n{note[0].upper()}{note[1:]}." for note in notes)
        ax.set_xlabel(xlabel)
        return Chart("timeline", title, *_outputs(fig))


def _trend_months(
    by_month: tuple[SessionGroup, ...],
) -> tuple[tuple[str, int, float, float | None], ...]:
    """All the trend reads of the months: (month, sessions, wasted minutes, waste share)."""
    return tuple(
        (r.key, r.sessions, r.wasted.sum, r.waste_share) for r in by_month if r.key != "undated"
    )


def trend_chart(by_month: tuple[SessionGroup, ...]) -> Chart:
    """Wasted minutes per month (bars) and the month's waste share (line)."""
    return _trend(_trend_months(by_month))


def _trend(rows: tuple[tuple[str, int, float, float | None], ...]) -> Chart:
    title = "Monthly trend: wasted minutes and waste share"
    with _style():
        from matplotlib.ticker import PercentFormatter

        if not rows:
            fig = _figure(2.0)
            _no_data(fig, title, "no session states a date")
            return Chart("trend", title, *_outputs(fig))
        fig = _figure(3.2)
        ax = fig.add_subplot()
        x = list(range(len(rows)))
        wasted = [w for _, _, w, _ in rows]
        bars = ax.bar(
            x, wasted, color=OKABE_ITO["blue"], width=0.5, zorder=2, label="Wasted minutes"
        )
        ax.bar_label(bars, labels=[f"{w:g}" for w in wasted], padding=2, fontsize=8)
        ax.set_xticks(x, [f"{month}\n{n} session(s)" for month, n, _, _ in rows])
        ax.set_ylabel("Wasted minutes")
        _minutes_axis(ax.yaxis)
        ax.set_ylim(0, max(max(wasted) * 1.2, 1))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=0)
        ax2 = ax.twinx()
        shares = [s for _, _, _, s in rows]
        px = [i for i, s in zip(x, shares, strict=True) if s is not None]
        py = [s for s in shares if s is not None]
        ax2.plot(
            px,
            py,
            color=OKABE_ITO["vermillion"],
            marker="o",
            linewidth=1.8,
            zorder=3,
            label="Waste share",
        )
        ax2.set_ylim(0, 1.05)
        ax2.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax2.set_ylabel("Waste share of session minutes", color=OKABE_ITO["vermillion"])
        ax2.spines["right"].set_visible(True)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
        ax.set_title(title)
        return Chart("trend", title, *_outputs(fig))


@dataclass(frozen=True, slots=True)
class Plot:
    """One chart to draw: its drawing function and all that the function reads.

    `draw(*data)` sees nothing but `data` and this module's code, so a digest of both
    names the chart's bytes: the key of its memo (issue 8).
    """

    name: str
    draw: Callable[..., Chart]
    data: tuple

    def key(self) -> bytes:
        """A digest of the drawing code, the chart's name and `data`, value by value."""
        plain = tuple(
            (
                tuple(v.columns),
                tuple(map(str, v.dtypes)),
                list(v.itertuples(index=False, name=None)),
            )
            if isinstance(v, pd.DataFrame)
            else v
            for v in self.data
        )
        # repr keeps every value exactly (a float's shortest round trip, a Timestamp's
        # nanoseconds) and its type: two data give one key only when they are equal
        h = hashlib.blake2b(drawing_fingerprint(), digest_size=16)
        h.update(f"{self.name}\0{plain!r}".encode("utf-8", "surrogatepass"))
        return h.digest()


_DRAWN_WITH = ("matplotlib", "numpy", "pandas", "pillow")
"""The distributions a chart's bytes depend on: the drawing, its arrays, the PNG encoder."""


@cache
def drawing_fingerprint() -> bytes:
    """What a chart depends on besides its data, without importing matplotlib.

    The package's whole code (`rerun.code_fingerprint`: the drawing modules and every
    helper they format labels with, plus the libraries that shape the output), the
    versions of what it draws with (matplotlib ships the DejaVu fonts; Pillow writes
    the PNG), and every matplotlibrc matplotlib could read: settings `_RC` leaves alone
    come from there.
    """
    h = hashlib.blake2b(code_fingerprint().encode(), digest_size=16)
    for dist in _DRAWN_WITH:
        try:
            h.update(f"\0{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"\0{dist}=".encode())
    for rc in _matplotlibrc_candidates():
        with contextlib.suppress(OSError):  # absent, a folder, unreadable: matplotlib skips it
            h.update(f"\0{rc}\0".encode("utf-8", "surrogateescape") + Path(rc).read_bytes())
    return h.digest()


def _matplotlibrc_candidates() -> list[str]:
    """Where `matplotlib.matplotlib_fname` looks for a user's matplotlibrc (all of them)."""
    found = ["matplotlibrc"]
    if env := os.environ.get("MATPLOTLIBRC"):
        found += [env, os.path.join(env, "matplotlibrc")]
    config = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "matplotlib"
    )
    return [
        *found,
        os.path.join(config, "matplotlibrc"),
        os.path.expanduser("~/.matplotlib/matplotlibrc"),
    ]


def timeline_plot(sessions: pd.DataFrame, attempts: pd.DataFrame) -> Plot:
    """The timeline to draw: it reads the sessions in scope, not their figures."""
    return Plot("timeline", _timeline, _timeline_rows(sessions, attempts))


def figure_plots(
    by_category: tuple[AttemptGroup, ...], by_month: tuple[SessionGroup, ...]
) -> tuple[Plot, Plot]:
    """The Pareto and the trend to draw: they read the analysis' figures."""
    return (
        Plot("pareto", _pareto, (_pareto_bars(by_category),)),
        Plot("trend", _trend, (_trend_months(by_month),)),
    )


REPORT_CHARTS = ("pareto", "timeline", "trend")
"""The report's charts in page order: a template that loops over them gets this order."""


def in_page_order(charts: Sequence[Chart]) -> tuple[Chart, ...]:
    """The report's `charts` in `REPORT_CHARTS` order, whatever order they were drawn in."""
    return tuple(sorted(charts, key=lambda c: REPORT_CHARTS.index(c.name)))


def draw_charts(
    by_category: tuple[AttemptGroup, ...],
    sessions: pd.DataFrame,
    attempts: pd.DataFrame,
    by_month: tuple[SessionGroup, ...],
    memo: str | None = None,
) -> tuple[Chart, ...]:
    """The report's three charts, in page order (`memo`: see `Drawing`)."""
    pareto, trend = figure_plots(by_category, by_month)
    return draw_plots((pareto, timeline_plot(sessions, attempts), trend), memo, scope="report")


def draw_plots(
    plots: Sequence[Plot], memo: str | None = None, *, scope: str = "report"
) -> tuple[Chart, ...]:
    """Each plot's chart, in order (`memo`, `scope`: see `Drawing`)."""
    drawing = Drawing(memo, scope=scope)
    drawing.draw(plots)
    return drawing.charts()


class Drawing:
    """The charts of one scope, each started as soon as its data is known.

    With `memo`, the path of the run's SQLite cache, a chart whose data and drawing
    code are those of one the last run used is taken from there instead of drawn: an
    edit that changes nothing a chart shows (a lesson, a ticked action item) redraws
    nothing and does not even import matplotlib (issue 8). The memo then keeps, for
    `scope` (one set of charts a run draws), exactly the charts of this drawing. None:
    every chart is drawn.

    With `drawer` (`drawer()`), the charts are drawn in that process, each `draw` at
    once: `retro analyze` starts the timeline before the analysis that the other two
    charts wait for. Without, they are drawn when `charts` asks for them.
    """

    def __init__(
        self, memo: str | None = None, *, scope: str = "report", drawer: Warm | None = None
    ) -> None:
        self._memo, self._scope, self._drawer = memo, scope, drawer
        self._hit: dict[bytes, Chart | None] = {}
        if memo is not None:
            self._hit = {
                k: entry for k, (where, entry) in _read_memo(memo).items() if where == scope
            }
        self._parts: list[tuple[list[bytes | None], Callable[[], list[Chart]]]] = []
        self.names: list[str] = []
        """The names of the charts started, in order."""

    def draw(self, plots: Sequence[Plot]) -> None:
        """Start the charts of `plots` (those the memo does not hold)."""
        self.names += [p.name for p in plots]
        keys = [p.key() if self._memo is not None else None for p in plots]
        todo = [p for p, k in zip(plots, keys, strict=True) if self._hit.get(k) is None]
        if not todo:
            later = list
        elif self._drawer is None:
            later = functools.partial(_draw, todo)
        else:
            later = self._drawer.submit(_draw, todo)
        self._parts.append((keys, later))

    def charts(self) -> tuple[Chart, ...]:
        """Every chart, in the order drawn (waiting for those being drawn)."""
        charts: list[Chart] = []
        keys: list[bytes | None] = []
        for part_keys, later in self._parts:
            drawn = iter(later())
            charts += [next(drawn) if self._hit.get(k) is None else self._hit[k] for k in part_keys]
            keys += part_keys
        if self._memo is not None and (self._hit.keys() != set(keys) or None in self._hit.values()):
            _write_memo(self._memo, self._scope, dict(zip(keys, charts, strict=True)))
        return tuple(charts)


def _draw(plots: Iterable[Plot]) -> list[Chart]:
    """Draw `plots`, in order.

    Drawing is CPU-bound matplotlib work and the run waits for it, so with a second CPU
    every chart but the last is drawn in a forked process of its own while this one
    draws the last: three charts of 0.2-0.3 s each share two CPUs in about half their
    sum (issue 8). Same code, same data: the same files either way.
    """
    plots = list(plots)
    if not plots:
        return []
    _ready_to_draw()  # imported once, before the forks, rather than in every process
    waiting = []
    try:
        for p in plots[:-1]:
            waiting.append(in_child(p.draw, *p.data))
        last = plots[-1].draw(*plots[-1].data)
    finally:
        # also when a chart here fails: each child waits to be read
        drawn = [wait() for wait in waiting]
    return [*drawn, last]


def _read_memo(path: str) -> dict[bytes, tuple[str, Chart | None]]:
    """The memo's (scope, chart) by key (None: a damaged entry); empty when it cannot be read.

    The memo only saves time, so no trouble with it fails a run: every chart it does
    not hand back intact is drawn. The parse cache, opened earlier in the same run,
    has already reported any trouble with the file itself.
    """
    try:
        db = open_cache(path, [])
        if db is None:
            return {}
        with db:
            rows = db.charts()
    except sqlite3.Error:  # no memo table yet, or a damaged one
        return {}
    return {
        key: (scope, None if row is None else Chart(*row)) for key, (scope, row) in rows.items()
    }


def _write_memo(path: str, scope: str, charts: dict[bytes, Chart]) -> None:
    """Make `charts` the memo of `scope`; a memo that cannot be written is only a redraw later."""
    with contextlib.suppress(sqlite3.Error):
        db = open_cache(path, [])
        if db is not None:
            with db:
                db.keep_charts(
                    scope, {k: (c.name, c.title, c.svg, c.png) for k, c in charts.items()}
                )


def chart_files(charts: tuple[Chart, ...]) -> dict[str, bytes]:
    """``charts/<name>.svg`` and ``.png`` for `export.tables.write_outputs`."""
    files: dict[str, bytes] = {}
    for c in charts:
        svg, png = chart_file_names(c.name)
        files[svg] = c.svg.encode("utf-8")
        files[png] = c.png
    return files


def stand_in(name: str) -> Chart:
    """A chart of nothing under `name`: a page's template is tried on it while the real
    one is drawn, so that a template error stops the run before anything is written."""
    return Chart(name, "", '<svg xmlns="http://www.w3.org/2000/svg"></svg>', b"")


def chart_file_names(name: str) -> tuple[str, str]:
    """The SVG's and the PNG's names of chart `name`, in the output folder."""
    return f"charts/{name}.svg", f"charts/{name}.png"


def write_charts(out_dir: str | Path, charts: tuple[Chart, ...]) -> list[Path]:
    """Write every chart as ``<out_dir>/charts/<name>.svg|png``, each atomically."""
    return [atomic_write(inside(out_dir, name), data) for name, data in chart_files(charts).items()]
