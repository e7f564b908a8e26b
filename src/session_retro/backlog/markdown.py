"""The Markdown backlog (``BACKLOG.md``): read it, merge new items in, never undo edits.

A backlog line looks like::

    - [ ] Add a lock timeout to the pipeline _(2 sessions: a.md:18, b.md:40)_ <!-- retro:5d41402abc -->

The HTML comment carries the item's ID and is how a later run recognises the line,
wherever the user moved it. Everything else on the line belongs to the user: the box,
the wording, notes indented under it. A re-run (`merge_backlog`):

* adds the items it has never written, at the end of their priority's section
  (``## High priority`` ... ``## No priority``; a missing section is created);
* leaves every existing line as it is, except the ``_(sources)_`` just before the
  comment, which is refreshed when the sources changed (a user who removed it keeps
  the line without);
* records in the state (`state.BacklogState`) the lines that are gone, so those items
  are never added again, and the day each box was first seen ticked.

Reading is strict (`parse_backlog`): a file that is not UTF-8 text, an ID comment that
is broken, two lines with the same ID, give a `Problem` naming file and line, and the
caller writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import Priority
from .items import PRIORITY_ORDER, BacklogItem
from .state import BacklogState, ItemState, Problem

ID_COMMENT = re.compile(r"<!--\s*retro:([0-9a-f]{10})\s*-->")
# What is left of an ID comment someone edited by hand: an opening "<!-- retro" or a
# "retro:xxx -->" that the strict pattern did not take.
_BROKEN_COMMENT = re.compile(r"<!--\s*retro\b|\bretro:\s*[0-9a-z]*\s*-->", re.I)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})(.*)$")
_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[([ xX])\]\s+)?")
_TAIL = re.compile(r"\s+_\([^()\n]*\)_(?=\s*<!--\s*retro:)")
_HEADING = re.compile(r"^(#{1,6})\s")

GROUP_TITLES = {
    Priority.HIGH: "High priority",
    Priority.MEDIUM: "Medium priority",
    Priority.LOW: "Low priority",
    None: "No priority",
}
_GROUP_HEADING = re.compile(r"^(#{1,6})\s+(high|medium|low|no) priority\s*#*\s*$", re.I)
_GROUP_WORD = {"high": Priority.HIGH, "medium": Priority.MEDIUM, "low": Priority.LOW, "no": None}

PREAMBLE = (
    "# Backlog",
    "",
    "Action items from session reflections, collected by `retro backlog`. Tick, reword,",
    "move or delete items, and write notes under them: a re-run only adds new items and",
    "never brings a deleted one back. Keep the ID comment at the end of each line: it is",
    "how the item is recognised.",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """A backlog line carrying an ID comment."""

    id: str
    line: int
    """1-based."""
    text: str
    """The wording on the line now (box, sources and comment removed)."""
    done: bool


@dataclass(frozen=True, slots=True)
class BacklogDoc:
    lines: tuple[str, ...]
    """Without line endings."""
    entries: tuple[Entry, ...]
    newline: str = "\n"
    bom: bool = False
    final_newline: bool = True

    def entry(self, iid: str) -> Entry | None:
        return next((e for e in self.entries if e.id == iid), None)

    def render(self) -> str:
        text = self.newline.join(self.lines)
        if self.final_newline and self.lines:
            text += self.newline
        return ("\ufeff" if self.bom else "") + text


EMPTY = BacklogDoc((), ())


def _fenced(lines: list[str]) -> set[int]:
    """0-based indexes of lines in fenced code blocks, fence lines included.

    CommonMark's rule: only a fence of the same character, at least as long and with
    nothing after it, closes one ("```bash" inside a "```markdown" block does not).
    """
    out: set[int] = set()
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = m.group(1)
                out.add(i)
            continue
        out.add(i)
        if (
            m
            and m.group(1)[0] == fence[0]
            and len(m.group(1)) >= len(fence)
            and not m.group(2).strip()
        ):
            fence = None
    return out


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def entry_text(line: str) -> str:
    """The user's wording of an item line."""
    t = _TAIL.sub("", line)
    t = ID_COMMENT.sub("", t)
    return _MARKER.sub("", t).strip()


def parse_backlog(data: bytes, path: str) -> tuple[BacklogDoc | None, Problem | None]:
    """The backlog in `data`, or the first Problem that makes it unsafe to merge into."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, Problem(
            path,
            _line_of(data, nul),
            "binary data (a NUL byte); a backlog must be a UTF-8 Markdown file: restore it from its .bak or pass another --file",
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem(
            path,
            _line_of(body, exc.start),
            f"not UTF-8 text (byte 0x{body[exc.start]:02x}); save the file as UTF-8",
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    final = text.endswith("\n")
    lines = text.split("\n")
    if final:
        lines.pop()
    lines = [ln.removesuffix("\r") for ln in lines]
    entries: list[Entry] = []
    first: dict[str, int] = {}
    fenced = _fenced(lines)
    for n, line in enumerate(lines, 1):
        if n - 1 in fenced:
            continue
        ids = ID_COMMENT.findall(line)
        if _BROKEN_COMMENT.search(ID_COMMENT.sub("", line)):
            return None, Problem(
                path,
                n,
                "broken ID comment; an item's comment must read <!-- retro:ID --> where ID is the "
                "10 hex digits (0-9, a-f) it was written with (restore it from the .bak, or delete "
                "the whole line to drop the item)",
            )
        if len(ids) > 1:
            return None, Problem(
                path, n, f"two ID comments on one line ({', '.join(ids)}); keep one"
            )
        if not ids:
            continue
        iid = ids[0]
        if iid in first:
            return None, Problem(
                path,
                n,
                f"ID {iid} is already on line {first[iid]}; an item may appear once (delete one of the lines)",
            )
        first[iid] = n
        box = _MARKER.match(line)
        done = bool(box and box.group(1) and box.group(1) in "xX")
        entries.append(Entry(iid, n, entry_text(line), done))
    return BacklogDoc(tuple(lines), tuple(entries), newline, bom, final or not lines), None


def sources_text(item: BacklogItem) -> str:
    """``_(a.md:3)_`` or ``_(2 sessions: a.md:3, b.md:9)_``."""
    where = ", ".join(s.where for s in item.sources)
    n = item.recurrences
    return f"_({n} sessions: {where})_" if n > 1 else f"_({where})_"


def item_line(item: BacklogItem) -> str:
    box = "x" if item.done else " "
    # a stray comment opener in the text would hide the rest of the line
    text = " ".join(item.text.split()).replace("<!--", "&lt;!--")
    return f"- [{box}] {text} {sources_text(item)} <!-- retro:{item.id} -->"


def _refresh_sources(line: str, item: BacklogItem) -> str:
    m = _TAIL.search(line)
    if not m:
        return line
    return line[: m.start()] + " " + sources_text(item) + line[m.end() :]


def _group_headings(lines: list[str]) -> dict[Priority | None, tuple[int, int]]:
    """Priority -> (index, level) of the first heading naming that group, outside fences."""
    out: dict[Priority | None, tuple[int, int]] = {}
    fenced = _fenced(lines)
    for i, line in enumerate(lines):
        m = None if i in fenced else _GROUP_HEADING.match(line)
        if m:
            out.setdefault(_GROUP_WORD[m.group(2).lower()], (i, len(m.group(1))))
    return out


def _section_end(lines: list[str], start: int, level: int) -> int:
    for j in range(start + 1, len(lines)):
        m = _HEADING.match(lines[j])
        if m and len(m.group(1)) <= level:
            return j
    return len(lines)


def _insert(lines: list[str], prio: Priority | None, new: list[str]) -> None:
    """Put `new` at the end of `prio`'s section, creating the section if needed."""
    heads = _group_headings(lines)
    if prio in heads:
        h, level = heads[prio]
        end = _section_end(lines, h, level)
        last = max((j for j in range(h, end) if lines[j].strip()), default=h)
        block = ([""] if last == h else []) + new
        if last + 1 < len(lines) and lines[last + 1].strip():
            block.append("")
        lines[last + 1 : last + 1] = block
        return
    later = PRIORITY_ORDER[PRIORITY_ORDER.index(prio) + 1 :]
    at = min((heads[p][0] for p in later if p in heads), default=None)
    block = [f"## {GROUP_TITLES[prio]}", "", *new]
    if at is None:
        while lines and not lines[-1].strip():
            lines.pop()
        lines.extend(([""] if lines else []) + block)
    else:
        lines[at:at] = [*block, ""]


@dataclass(frozen=True, slots=True)
class MergeResult:
    doc: BacklogDoc
    state: BacklogState
    added: tuple[BacklogItem, ...]
    kept: tuple[BacklogItem, ...]
    """Items already in the file (their lines left to the user)."""
    deleted: tuple[str, ...]
    """IDs whose lines this run found gone (recorded; never added again)."""
    skipped: tuple[BacklogItem, ...]
    """Items not added because a run before this one found them deleted (the lines this
    run found gone are in `deleted` only, so a summary counts each deletion once)."""
    ticked: tuple[str, ...]
    """IDs this run first saw ticked."""
    strangers: tuple[Entry, ...] = ()
    """Lines whose ID neither the state nor any item knows: an ID comment edited by hand
    (its item then counts as deleted) or copied from another backlog."""

    @property
    def text(self) -> str:
        return self.doc.render()


def known_texts(doc: BacklogDoc, state: BacklogState) -> dict[str, tuple[str, ...]]:
    """ID -> texts it is known by (the text it was added with, the user's wording)."""
    out: dict[str, list[str]] = {i.id: [i.text] for i in state.items}
    for e in doc.entries:
        out.setdefault(e.id, []).append(e.text)
    return {k: tuple(dict.fromkeys(t for t in v if t)) for k, v in out.items()}


def _ticked_day(item: BacklogItem, today: str) -> str:
    """A ticked item's day: the earliest session that ticked it, else today."""
    return min((s.date for s in item.sources if s.done and s.date), default=today)


def merge_backlog(
    doc: BacklogDoc,
    state: BacklogState,
    items: tuple[BacklogItem, ...],
    *,
    today: str,
    refresh_sources: bool = True,
) -> MergeResult:
    """The backlog with `items` merged in, and the state that goes with it.

    Pure and idempotent: merging the result with the same items again changes
    nothing. `items` must carry IDs from `gather_items(..., known=known_texts(doc,
    state))`. With `refresh_sources` False (a filtered run, or some reflections could
    not be read) existing lines are not touched at all.
    """
    st = state.by_id()
    in_file = {e.id: e for e in doc.entries}
    ids = {it.id for it in items}
    strangers = tuple(e for e in doc.entries if e.id not in st and e.id not in ids)
    deleted = []
    for iid, s in sorted(st.items()):
        if s.added and not s.deleted and iid not in in_file:
            st[iid] = replace(s, deleted=today)
            deleted.append(iid)
    gone_now = set(deleted)
    ticked = []
    for e in doc.entries:
        s = st.get(e.id) or ItemState(e.id, e.text, added=today)
        if e.done and not s.ticked:
            s = replace(s, ticked=today)
            ticked.append(e.id)
        elif not e.done and s.ticked:
            s = replace(s, ticked=None)
        if s.deleted:  # the user put the line back
            s = replace(s, deleted=None)
        st[e.id] = s

    lines = list(doc.lines)
    added, kept, skipped = [], [], []
    new_by_group: dict[Priority | None, list[str]] = {}
    for it in items:
        e = in_file.get(it.id)
        if e is not None:
            kept.append(it)
            if refresh_sources:
                lines[e.line - 1] = _refresh_sources(lines[e.line - 1], it)
            continue
        s = st.get(it.id)
        if s is not None and s.deleted:
            if it.id not in gone_now:  # this run's deletions are counted in `deleted` only
                skipped.append(it)
            continue
        added.append(it)
        new_by_group.setdefault(it.priority, []).append(item_line(it))
        st[it.id] = replace(
            s or ItemState(it.id, it.text),
            priority=it.priority.value if it.priority else None,
            added=today,
            ticked=_ticked_day(it, today) if it.done else None,
        )
        if it.done:
            ticked.append(it.id)
    if new_by_group and not lines:
        lines = list(PREAMBLE)
    for prio in PRIORITY_ORDER:
        if prio in new_by_group:
            _insert(lines, prio, new_by_group[prio])
    new_doc = doc
    if lines != list(doc.lines):
        text = "\n".join(lines) + "\n"
        parsed, problem = parse_backlog(text.encode("utf-8"), "<merged>")
        assert parsed is not None, problem  # a merge only writes lines parse_backlog reads
        new_doc = replace(parsed, newline=doc.newline, bom=doc.bom, final_newline=True)
    return MergeResult(
        new_doc,
        state.with_items(st),
        tuple(added),
        tuple(kept),
        tuple(deleted),
        tuple(skipped),
        tuple(ticked),
        strangers,
    )
