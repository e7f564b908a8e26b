"""Write an analysis to its output folder: tables, `analysis.json`, history, report.

`output_files` is pure (name -> bytes); `write_outputs` is the only writer and goes
through `safeio.atomic_write` into the output folder and nowhere else. Only the
names listed here are ever written, so files a user keeps in the folder are left alone.
A run never loses an earlier run's figures: `analysis.json` is also kept as
`history/YYYY-MM-DD.json`, or `-2`, `-3`, ... when that day already has one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

import orjson
import pandas as pd

from ..analysis import Analysis, analysis_to_dict
from ..safeio import Staged, UnsafePath, inside, output_path

FORMATS = ("csv", "json", "parquet")
TABLES = ("sessions", "attempts", "action_items")


def parse_formats(text: str) -> tuple[str, ...]:
    """``"csv,parquet"`` -> ``("csv", "parquet")``; raises ValueError naming the bad one."""
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise ValueError(
            f"unknown export format {', '.join(bad)!s}; choose from {', '.join(FORMATS)}"
        )
    return tuple(dict.fromkeys(wanted))


def _tables(a: Analysis) -> dict[str, pd.DataFrame]:
    return {"sessions": a.sessions, "attempts": a.attempts, "action_items": a.actions}


def _for_text(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as ``YYYY-MM-DD`` for CSV and JSON (Parquet keeps the real timestamp type)."""
    out = df.copy()
    for name in out.columns:
        if str(out[name].dtype).startswith("datetime64"):
            out[name] = out[name].dt.strftime("%Y-%m-%d").astype("string")
    return out


def table_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return _for_text(df).to_csv(index=False, lineterminator="\n").encode("utf-8")
    if fmt == "json":
        records = json.loads(_for_text(df).to_json(orient="records", force_ascii=False))
        return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, engine="pyarrow", index=False)
        return buf.getvalue()
    raise ValueError(fmt)


COMPACT_ABOVE = 1000
"""Above this many sessions `analysis.json` is written on one line, as earlier runs
wrote it (43 MB at 10,000 sessions); below, indented for a readable diff."""


def analysis_json(a: Analysis, extra: dict | None = None) -> bytes:
    """`analysis.json`: indented for a readable diff, compact (same content) when large.

    `extra` adds top-level sections computed beside the analysis (``impact``), so the
    file is encoded once and keeps one layout. orjson, not json: at 10,000 sessions it
    encodes in 0.09 s what json.dumps took 0.45 s for, and writes the records
    `analysis_to_dict` leaves as they are. Its bytes are json.dumps's with
    ``ensure_ascii=False`` (and ``indent=2``), except that it spells a float below
    1e-4 without an exponent; the analysis rounds its floats to 4 places, so it has none.
    Sections the analysis holds encoded already (`Analysis.encoded`) are spliced in as
    they are when the file is compact.
    """
    compact = a.figures.headline.sessions > COMPACT_ABOVE
    data = analysis_to_dict(a, compact=compact)
    data.update(extra or {})
    option = orjson.OPT_APPEND_NEWLINE | (0 if compact else orjson.OPT_INDENT_2)
    return orjson.dumps(data, option=option)


def output_files(
    a: Analysis,
    formats: tuple[str, ...],
    report_md: str | None = None,
    extra: dict | None = None,
) -> dict[str, bytes]:
    """Every file of one run, by name relative to the output folder (history excluded)."""
    files: dict[str, bytes] = {}
    if report_md is not None:
        files["report.md"] = report_md.encode("utf-8")
    files["analysis.json"] = analysis_json(a, extra)
    for fmt in formats:
        for name, df in _tables(a).items():
            files[f"{name}.{fmt}"] = table_bytes(df, fmt)
    return files


def history_name(out_dir: str | Path, day: str) -> str:
    """The first free ``history/<day>[-N].json`` in `out_dir` (N from 2): a name held by
    anything, a link included (dangling, or leading out of `out_dir`), is taken."""
    n = 1
    while True:
        name = f"history/{day}.json" if n == 1 else f"history/{day}-{n}.json"
        if not os.path.lexists(Path(out_dir, name)):
            inside(out_dir, name)  # a history/ that leads out of out_dir: UnsafePath
            return name
        n += 1


def write_outputs(
    out_dir: str | Path, files: dict[str, bytes], protect: Iterable[str | Path] = ()
) -> list[Path]:
    """Write `files` into `out_dir` atomically; refuses any name outside it, or a link.

    `protect` lists the run's own inputs (reflections, the protocol file): when one of
    them sits in `out_dir` under an output's name (`--out sessions` with a reflection
    called report.md), nothing at all is written and `UnsafePath` says which.
    """
    return [staged.commit() for staged in stage_outputs(out_dir, files, protect)]


def stage_outputs(
    out_dir: str | Path,
    files: dict[str, bytes],
    protect: Iterable[str | Path] = (),
    later: Iterable[str] = (),
) -> list[Staged]:
    """`write_outputs` up to the renames: every file written (and synced) beside its
    name, none in place yet; `Staged.commit` each, or `discard` each. When one cannot
    be written, those written before it are removed. `later` names the outputs the
    run writes after these (the page, once its charts are drawn): checked against
    `protect` now too, so that then nothing at all was written either."""
    targets = [(output_path(out_dir, name), data) for name, data in sorted(files.items())]
    refuse_inputs([t for t, _ in targets] + [output_path(out_dir, n) for n in later], protect)
    staged: list[Staged] = []
    try:
        for target, data in targets:
            staged.append(Staged(target, data))
    except BaseException:
        for done in staged:
            done.discard()
        raise
    return staged


def refuse_inputs(targets: list[Path], protect: Iterable[str | Path]) -> None:
    """Raise `UnsafePath` when one of `protect` is one of `targets`."""
    # Only an output that exists already can be an input: stat those, then resolve just
    # the inputs that are the same file (10,000 realpaths cost 0.4 s; stats a tenth).
    existing = {}
    for target in targets:
        with contextlib.suppress(OSError):
            st = os.stat(target)
            existing[(st.st_dev, st.st_ino)] = target
    for p in protect if existing else ():
        try:
            st = os.stat(p)
        except OSError:
            continue  # a missing or looping input cannot be one of our files
        target = existing.get((st.st_dev, st.st_ino))
        # realpath, not Path.resolve: an input that is a symlink loop must not raise here.
        if target is not None and Path(os.path.realpath(p)) == target:
            raise UnsafePath(
                f"refusing to overwrite {target}: it is an input of this run (choose another --out)"
            )
