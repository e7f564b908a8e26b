"""Action items: what is left to do.

Items of a list under a to-do heading (or a bold "**Next Steps:**" label), and
task-list items anywhere else, except under headings that record what was done
or checked. Code fences never hold items: the block layer keeps their text
verbatim and never builds lists inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import vocab
from .blocks import Block
from .sections import Section, heading_words, kinds_of, label_of

_PRIO_COMPILED = tuple((p, re.compile(rx, re.I)) for p, rx in vocab.PRIORITY_WORDS)
_BULLET_MARKS = re.compile(
    "^[\\s\u23f3\U0001f504\u2610\u2611\u2b1c\u25a1\u25cb\u2022\u27a1\ufe0f\U0001f449\u2192-]+"
)
_DONE_MARK = re.compile("^\\s*(\u2705|\u2714|\u2611)")
_TODO_LABEL = re.compile(
    r"^\W*(todo|to do|action items?|next action|follow[- ]?up|next steps?)\s*[:：]\s*", re.I
)
# "**Action**: Checked the config" records what an attempt or lesson did, like
# "Result:"; it opens no to-do list.
_DONE_ACTION_LABEL = re.compile(r"^\W*(action|actions? taken)\W*$", re.I)
_DONE_WORDS = re.compile(
    r"\b(done|completed?|finished|merged|shipped|fixed)\b|完了|terminé|fait", re.I
)


# The item's own note, after it, that it is finished: "— Status: done", "— ✅ Done",
# "(done in #123)", "| completed". A separator comes first: "make sure the job is done"
# states work, not its state. A note that takes it back ("(done in staging, not prod
# yet)", "(done for EU only)", "(done?)") leaves the item open.
_DONE_NOTE = re.compile(
    r"(?:\s[-–—|]|\s*[(\[])\s*(?:status\s*[:=]\s*)?\u2705?\s*"
    r"(?:done|completed?|finished|erledigt|terminé|fait|hecho|completad[oa])\b"
    r"(?![^()\[\]]*(?:\?|\b(?:not|yet|only|except|but|partly|partially|pending"
    r"|nicht|noch|nur|pas|seulement|no|solo|aún|todavía)\b))"
    r"(?:[^()\[\]]{0,40}[)\]])?\s*$",
    re.I,
)


_DONE_NOTE_WORDS = ("done", "complet", "finish", "erledigt", "termin", "fait", "hecho")
# A note ends the item: its word starts within this many characters of the end.
_DONE_NOTE_REACH = 64


def _done_note(text: str) -> re.Match[str] | None:
    """`_DONE_NOTE` in the item's tail; the `in` tests spare most items the regex."""
    start = max(0, len(text) - _DONE_NOTE_REACH)
    tail = text[start:].lower()
    if not any(w in tail for w in _DONE_NOTE_WORDS):
        return None
    return _DONE_NOTE.search(text, max(0, start - 16))


# Precompiled: these run on every item, and re.sub(str, ...) pays a cache lookup each call.
_P_LEVEL = re.compile(r"p[0-9]")
_TRAIL_SEP = re.compile(r"\s*[-–—:,]\s*$")
_LEAD_SEP = re.compile(r"^\s*[-–—:,]\s*")
_PARENS = re.compile(r"\([^)]*\)")
_LITERAL_BOX = re.compile(r"^\s*\[[ xX]\]\s*")


@dataclass(slots=True)
class RawAction:
    text: str
    priority: str | None
    done: bool
    line: int


@lru_cache(maxsize=1024)  # a handful of tag words ("HIGH", "P1", "low") over and over
def priority_of_word(word: str) -> str | None:
    w = word.lower()
    if _P_LEVEL.fullmatch(w):
        n = int(w[1])
        return "high" if n <= 1 else "medium" if n == 2 else "low"
    for p, rx in _PRIO_COMPILED:
        if rx.search(w):
            return p
    return None


_P_LEVEL_ANYWHERE = re.compile(r"[pP][0-9]")
_LEAD_PRIORITY = re.compile(r"(?P<w>high|medium|low|critical|urgent)\s*[:：]\s*", re.I)
_EMPTY_BRACKETS = re.compile(r"\s*(?:\(\s*\)|\[\s*\]|（\s*）)")


def _may_hold_tag(text: str) -> bool:
    """False when `vocab.PRIORITY_TAG` cannot match: in ASCII text (where its
    case-blind letters are ASCII letters) each of its forms needs a bracket,
    "priori" or a P-level. Its search tries eight forms at every position (~18 µs
    on an untagged item), and most items carry no tag."""
    if not text.isascii():
        return True
    return (
        "(" in text
        or "[" in text
        or "priori" in text.lower()
        or _P_LEVEL_ANYWHERE.search(text) is not None
    )


def tag_priority(text: str) -> tuple[str | None, str]:
    """Priority written on the item itself, and the text without the tag."""
    if text[:1] in vocab.PRIORITY_CIRCLES:  # "🔴 Rotate the key"
        rest = text[1:].lstrip("\ufe0f").lstrip()
        lead = _LEAD_PRIORITY.match(rest)  # "🔴 **Critical**: Rotate the key": said twice
        if lead is not None:
            rest = rest[lead.end() :]
        return vocab.PRIORITY_CIRCLES[text[0]], rest or text
    lead = _LEAD_PRIORITY.match(text)  # "**High:** Drop the column"
    if lead is not None:
        return priority_of_word(lead.group("w")), text[lead.end() :] or text
    m = vocab.PRIORITY_TAG.search(text) if _may_hold_tag(text) else None
    if not m:
        return None, text
    word = next(g for g in m.groups() if g)
    prio = priority_of_word(word)
    stripped = (text[: m.start()] + text[m.end() :]).strip()
    # "(priorité haute)": the tag took the words, the brackets around them go too.
    if "(" in stripped or "[" in stripped or "（" in stripped:  # an unanchored \s* scan
        stripped = _EMPTY_BRACKETS.sub("", stripped).strip()
    if stripped.endswith(("-", "–", "—", ":", ",")):  # else the unanchored regex scans it all
        stripped = _TRAIL_SEP.sub("", stripped)
    stripped = _LEAD_SEP.sub("", stripped)
    return prio, stripped or text


@lru_cache(maxsize=16384)
def heading_priority(title: str) -> str | None:
    """Priority named by a heading ("### 🟥 HIGH priority", "### CRITICAL (Immediate - 2h)")."""
    bare = _PARENS.sub(" ", title)
    m = vocab.PRIORITY_HEADING.match(heading_words(bare))
    if not m:
        m = vocab.PRIORITY_HEADING.match(bare.strip())
    if not m:
        return None
    word = next(g for g in m.groups() if g)
    return priority_of_word(word)


def clean_item_text(text: str) -> str:
    """The item without bullet marks, a literal box or a "TODO:" label."""
    t = _BULLET_MARKS.sub("", text)
    t = _LITERAL_BOX.sub("", t)
    t = _TODO_LABEL.sub("", t)
    return t.strip()


def _make(item: Block, prio: str | None) -> RawAction | None:
    inl = item.inline
    if inl is None:
        return None
    raw = inl.text
    if not raw.strip():
        return None
    own, text = tag_priority(raw)
    done = (
        item.task is True
        or inl.opens_struck
        or (bool(_DONE_MARK.match(raw)) and bool(_DONE_WORDS.search(raw)))
    )
    note = _done_note(text)
    if note is not None and note.start() > 0:
        done = True
        text = text[: note.start()]
    text = clean_item_text(text)
    if inl.opens_struck:
        text = text.strip("~")
    if not text:
        return None
    return RawAction(text, own or prio, done, item.line)


def _is_group(item: Block) -> bool:
    """A line that only groups nested items ("1. Backend:", or any line without a box
    over a nested checklist)."""
    if not item.children:  # most items: no nested list to build
        return False
    nested = [c for c in item.children if c.kind == "list"]
    if not nested:
        return False
    t = (item.inline.text if item.inline else "").strip()
    if not t:
        return True
    if item.task is None and any(
        c.task is not None for lst in nested for c in lst.children if c.kind == "item"
    ):
        return True  # "1. Backend" over "- [ ] Drop the column": the boxes are the work
    if (
        item.inline.lead_strong
        and item.inline.lead_strong.strip(" :") == t.strip(" :")
        and len(t) < 40
    ):
        return True
    return t.endswith((":", "：")) and len(t) < 40


# Marks drawn as boxes: a list that opens some items with an empty one ("⬜ Add a
# test") uses a ticked one ("✅ Remove the retry") as a done box, not as a bullet.
_OPEN_BOXES = ("\u2b1c", "\u2610", "\u25a1", "\U0001f532")
_TICKED_BOXES = ("\u2705", "\u2611", "\u2714")


def _drawn_boxes(lst: Block) -> bool:
    """Does some item of `lst` open with an empty box drawn as a character?"""
    return any(
        c.inline is not None and c.inline.text.lstrip().startswith(_OPEN_BOXES)
        for c in lst.children
    )


def _list_items(lst: Block, prio: str | None) -> list[RawAction]:
    out = []
    boxes = _drawn_boxes(lst)
    for item in lst.children:
        if item.kind != "item":
            continue
        if _is_group(item):
            p = heading_priority(item.plain) or prio
            for c in item.children:
                if c.kind == "list":
                    out.extend(_list_items(c, p))
            continue
        a = _make(item, prio)
        if a and boxes and a.text.startswith(_TICKED_BOXES):
            a.done = True
            a.text = a.text.lstrip("".join(_TICKED_BOXES) + "\ufe0f ")
        if a:
            out.append(a)
    return out


def _tasks_in(blocks: list[Block], prio: str | None) -> list[RawAction]:
    """Task-list items and "TODO:" items anywhere in these blocks (nested lists included)."""
    out = []
    for b in blocks:
        for x in b.walk():
            if x.kind != "item":
                continue
            if x.task is not None:
                a = _make(x, prio)
            elif x.inline is not None and _TODO_LABEL.match(x.inline.text):
                a = _make(x, prio)
                if a:
                    a.text = _TODO_LABEL.sub("", a.text).strip()
            else:
                continue
            if a:
                out.append(a)
    return out


_TASK_COL = re.compile(
    r"task|item|action|todo|what|description|work|dette|tâche|élément|内容|タスク", re.I
)
_PRIO_COL = re.compile(r"priority|priorité|prio|優先", re.I)


def _cell_priority(cell: str) -> str | None:
    """A priority column's cell: a word ("High", "P1") or a colored circle ("🔴")."""
    cell = cell.strip()
    return vocab.PRIORITY_CIRCLES.get(cell[:1]) or priority_of_word(cell)


def _table_items(table: Block, prio: str | None) -> list[RawAction]:
    """Rows of a table under a to-do heading: one item each."""
    if len(table.rows) < 2:
        return []
    header = table.rows[0][1]
    pcol = next((i for i, h in enumerate(header) if _PRIO_COL.search(h)), None)
    tcol = next((i for i, h in enumerate(header) if _TASK_COL.search(h) and i != pcol), 0)
    scol = next((i for i, h in enumerate(header) if re.search(r"status|état|done", h, re.I)), None)
    out = []
    for line, cells in table.rows[1:]:
        if tcol >= len(cells) or not cells[tcol].strip():
            continue
        own, text = tag_priority(cells[tcol])
        p = own or (_cell_priority(cells[pcol]) if pcol is not None and pcol < len(cells) else None)
        p = p or prio
        done = bool(
            scol is not None
            and scol < len(cells)
            and re.search(r"\b(done|complete[d]?)\b|\u2705", cells[scol], re.I)
        )
        out.append(RawAction(clean_item_text(text), p, done, line))
    return out


def _todo_state(sec: Section) -> tuple[bool, bool]:
    """(is a to-do section, is a done/checked section), nearest heading first."""
    s: Section | None = sec
    while s is not None:  # runs for every section: kinds read directly, no tuple of ancestors
        kinds = s.kinds
        if "actions" in kinds:
            return True, False
        # What was done, checked, or tried ("Things I've tried", "Dead ends") holds
        # no work left, boxes or not.
        if "done_list" in kinds or "attempts" in kinds:
            return False, True
        if "recommendations" in kinds or "lessons" in kinds or "went_right" in kinds:
            return False, False
        s = s.parent
    return False, False


_NUMBERED_LABEL = re.compile(r"^\W*\d+[.)]\s+")


def _is_item_heading(sec: Section) -> bool:
    """A sub-heading under a to-do heading that is itself one item.

    It is one when it holds no list or table of its own. Priority headings
    ("### HIGH priority") and to-do headings group items.
    """
    if sec.heading is None or sec.parent is None or sec.has("actions") or sec.has("done_list"):
        return False
    if heading_priority(sec.title) or not _todo_state(sec.parent)[0]:
        return False
    # Sibling sub-headings that hold lists make these headings groups, not items
    # ("### 1. Script testing" with its checks beside "### 2. API check" with prose).
    return not any(
        any(b.kind in ("list", "table") for b in s.blocks) or s.children
        for s in sec.parent.children
    )


def extract_actions(root: Section) -> list[RawAction]:
    out: list[RawAction] = []
    for sec in root.walk():
        todo, done_sec = _todo_state(sec)
        if done_sec:
            continue
        if not todo and "list" not in sec.block_kinds and "quote" not in sec.block_kinds:
            continue  # outside to-do sections, only lists and quotes hold items
        prio = None
        s: Section | None = sec
        while s is not None:  # this section, then its ancestors: the nearest priority
            if s.heading is not None:
                prio = heading_priority(s.title)
                if prio:
                    break
            s = s.parent
        if todo:
            if any(_is_item_heading(a) for a in sec.ancestors()):
                continue  # inside an item's own section: details, not items
            if _is_item_heading(sec):
                own, text = tag_priority(sec.title)
                text = clean_item_text(re.sub(r"^\W*\d+[.)]\s+", "", text))
                if text:
                    out.append(RawAction(text, own or prio, False, sec.line))
                continue
            label_todo = True
            details_next = False
            for b in sec.blocks:
                lab = label_of(b)
                if lab is not None and _NUMBERED_LABEL.match(b.inline.text):
                    # "**1. Debug the client**" then a list of steps: one item.
                    own, text = tag_priority(_NUMBERED_LABEL.sub("", lab))
                    out.append(RawAction(clean_item_text(text), own or prio, False, b.line))
                    details_next = True
                    continue
                if details_next and b.kind == "list":
                    continue
                details_next = False
                if lab is not None:
                    k = kinds_of(lab)
                    label_todo = not ("done_list" in k and "actions" not in k)
                    p = heading_priority(lab)
                    if p:
                        prio = p
                    continue
                if b.kind == "list" and label_todo:
                    out.extend(_list_items(b, prio))
                elif b.kind == "table" and label_todo:
                    out.extend(_table_items(b, prio))
                elif b.kind in ("list", "quote"):
                    out.extend(_tasks_in([b], prio))
            continue
        # Outside to-do sections: task boxes still state work, and a bold label
        # ("**Next Steps:**") followed by a list acts as a to-do heading.
        label_todo = label_tried = False
        label_prio = prio
        for b in sec.blocks:
            lab = label_of(b)
            if lab is not None:
                k = kinds_of(lab)
                label_todo = (
                    "actions" in k and "done_list" not in k and not _DONE_ACTION_LABEL.match(lab)
                )
                label_tried = "attempts" in k and "actions" not in k
                label_prio = heading_priority(lab) or prio
                continue
            if b.kind == "list" and label_todo:
                out.extend(_list_items(b, label_prio))
            elif b.kind in ("list", "quote") and not label_tried:
                out.extend(_tasks_in([b], prio))
            if b.kind != "list":
                label_todo = label_tried = False
    out.sort(key=lambda a: a.line)
    return out
