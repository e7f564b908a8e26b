"""Backlog items for other tools: Jira CSV, JSON / JSON Lines, GitHub issue payloads.

All pure: items in, text (or payload dicts) out. Example of the Jira CSV::

    Summary,Description,Priority,Labels
    Add a lock timeout to the pipeline,"retro backlog item 5d41402abc ...",High,retro
"""

from __future__ import annotations

import csv
import io
import json

from .items import BacklogItem

JIRA_COLUMNS = ("Summary", "Description", "Priority", "Labels")
"""The columns Jira's CSV importer maps by default (one label per Labels column)."""
_JIRA_PRIORITY = {"high": "High", "medium": "Medium", "low": "Low"}
LABEL = "retro"
"""The label every exported item carries, so the team can find them."""
_TITLE_MAX = 256  # GitHub rejects longer issue titles


def item_to_dict(item: BacklogItem) -> dict:
    return {
        "id": item.id,
        "rank": item.rank,
        "text": item.text,
        "priority": item.priority.value if item.priority else None,
        "done": item.done,
        "recurrences": item.recurrences,
        "projects": list(item.projects),
        "first_date": item.first_date,
        "sources": [
            {
                "path": s.path,
                "line": s.line,
                "date": s.date,
                "project": s.project,
                "text": s.text,
                "done": s.done,
            }
            for s in item.sources
        ],
    }


def to_json(items: tuple[BacklogItem, ...]) -> str:
    return json.dumps([item_to_dict(i) for i in items], ensure_ascii=False, indent=2) + "\n"


def to_jsonl(items: tuple[BacklogItem, ...]) -> str:
    return "".join(json.dumps(item_to_dict(i), ensure_ascii=False) + "\n" for i in items)


def _source_lines(item: BacklogItem) -> list[str]:
    out = []
    for s in item.sources:
        extra = ", ".join(x for x in (s.date, s.project) if x)
        out.append(f"{s.where}" + (f" ({extra})" if extra else ""))
    return out


def to_jira_csv(items: tuple[BacklogItem, ...]) -> str:
    """Rows for Jira's CSV importer; the ID and sources go in the description."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(JIRA_COLUMNS)
    for it in items:
        desc = "\n".join(
            [
                f"retro backlog item {it.id}, seen in {it.recurrences} session(s).",
                "Sources:",
                *(f"- {s}" for s in _source_lines(it)),
            ]
        )
        prio = _JIRA_PRIORITY.get(it.priority.value, "") if it.priority else ""
        w.writerow([it.text, desc, prio, LABEL])
    return buf.getvalue()


def github_payload(item: BacklogItem) -> dict:
    """``{"id", "title", "body", "labels"}`` for ``gh issue create``."""
    title = " ".join(item.text.split())
    if len(title) > _TITLE_MAX:
        title = title[: _TITLE_MAX - 1] + "…"
    prio = item.priority.value if item.priority else "none"
    body = "\n".join(
        [
            item.text,
            "",
            f"Priority: **{prio}** · seen in **{item.recurrences}** session(s)",
            "",
            "Sources:",
            *(f"- `{s}`" for s in _source_lines(item)),
            "",
            f"<!-- retro:{item.id} -->",
        ]
    )
    labels = [LABEL] + ([f"priority:{item.priority.value}"] if item.priority else [])
    return {"id": item.id, "title": title, "body": body, "labels": labels}


def to_github(items: tuple[BacklogItem, ...]) -> str:
    return json.dumps([github_payload(i) for i in items], ensure_ascii=False, indent=2) + "\n"
