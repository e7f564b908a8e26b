"""Create GitHub issues with the ``gh`` command-line tool, each item once.

The only module of the stage that runs anything. Which items already have an issue is
recorded in the backlog state (`ItemState.issue`), and saved after every created issue,
so an interrupted run never creates the same issue twice.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .state import BacklogState, ItemState


@dataclass(frozen=True, slots=True)
class Created:
    id: str
    title: str
    issue: str | None
    """What gh printed (the issue URL); None when it failed."""
    error: str | None = None


def gh_command(payload: dict, repo: str | None = None) -> list[str]:
    """The ``gh issue create`` arguments for one payload (`formats.github_payload`)."""
    cmd = ["issue", "create", "--title", payload["title"], "--body", payload["body"]]
    for label in payload["labels"]:
        cmd += ["--label", label]
    if repo:
        cmd += ["--repo", repo]
    return cmd


def pending(payloads: Iterable[dict], state: BacklogState) -> list[dict]:
    """The payloads whose items have no issue yet and were not deleted from the backlog."""
    st = state.by_id()
    return [
        p for p in payloads if not (st.get(p["id"]) and (st[p["id"]].issue or st[p["id"]].deleted))
    ]


def find_gh() -> str | None:
    return shutil.which("gh")


def create_issues(
    payloads: Iterable[dict],
    state: BacklogState,
    save: Callable[[BacklogState], None],
    *,
    gh: str,
    repo: str | None = None,
    texts: dict[str, str] | None = None,
) -> tuple[BacklogState, tuple[Created, ...]]:
    """Run `gh` once per pending payload; `save` the state after each created issue.

    `texts` gives the item text for IDs the state does not know yet. When `save` fails
    (a full disk since `check_state_writable`), the issue just created is returned as
    a failure naming it, since the next run will create it again, and no more are
    created: none could be recorded.
    """
    out = []
    for p in pending(payloads, state):
        run = subprocess.run(
            [gh, *gh_command(p, repo)], capture_output=True, text=True, check=False
        )
        if run.returncode != 0:
            why = (
                run.stderr.strip() or run.stdout.strip() or f"exit {run.returncode}"
            ).splitlines()[-1]
            out.append(Created(p["id"], p["title"], None, f"gh failed: {why}"))
            continue
        url = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "created"
        items = state.by_id()
        base = items.get(p["id"]) or ItemState(p["id"], (texts or {}).get(p["id"], p["title"]))
        items[p["id"]] = replace(base, issue=url)
        recorded = state.with_items(items)
        try:
            save(recorded)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            why = f"{url} created but not recorded: cannot write{where}: {exc.strerror or exc}"
            out.append(Created(p["id"], p["title"], None, f"{why}; the next run creates it again"))
            break
        state = recorded
        out.append(Created(p["id"], p["title"], url))
    return state, tuple(out)
