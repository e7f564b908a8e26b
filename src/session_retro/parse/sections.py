"""Headings fold the block list into a section tree; each section gets a kind.

A section's kind comes from its heading's words (`vocab.SECTION_WORDS`): a
"## What I tried" section holds attempts, "## Next Steps" holds action items.
A bold label paragraph ending in a colon ("**Next Steps:**") followed by a list
acts as a heading for that list; `labelled_runs` exposes those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from . import vocab
from .blocks import Block

_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[ivx]+[.)]|[a-z][.)])\s+", re.I)
_SYMBOLS = re.compile(r"[^\w\s'/&+#-]", re.UNICODE)


@lru_cache(maxsize=16384)
def heading_words(text: str) -> str:
    """Heading text without emoji, marks, numbering and trailing colons."""
    t = _SYMBOLS.sub(" ", text)
    t = _NUMBERING.sub("", t)
    return " ".join(t.split())


# Kinds a heading must name first ("What I tried", "Failed attempts"): a heading
# that only mentions them in passing ("Mistakes Are Learnings") is about something else.
_LEADING_KINDS = frozenset({"attempts"})


@cache
def _section_re(kind: str) -> re.Pattern[str]:
    if kind in _LEADING_KINDS:
        return re.compile(
            r"^(?:the |my |our |key |\w+ )?"
            + vocab.words_re(vocab.SECTION_WORDS[kind])
            + r"(?![\w])",
            re.I,
        )
    return vocab.compile_section(kind)


_NEGATED_DONE = re.compile(
    r"\bnot (yet )?(done|completed?|tested|verified|finished|shipped)\b", re.I
)


@cache
def _section_re_ascii(kind: str) -> re.Pattern[str]:
    """`_section_re(kind)` for a lowercased ASCII text (`vocab.case_sensitive_twin`):
    a heading seen for the first time, 37 -> 18 us (issue 4)."""
    return vocab.case_sensitive_twin(_section_re(kind))


_CODE_SPAN = re.compile(r"`[^`]*`")


@lru_cache(maxsize=16384)
def kinds_of(title: str) -> frozenset[str]:
    # Code names a thing, not the section's kind: "Bump `actions/cache`" holds no actions.
    words = heading_words(_CODE_SPAN.sub(" ", title) if "`" in title else title)
    if words.isascii():
        low = words.lower()
        kinds = {k for k in vocab.SECTION_WORDS if _section_re_ascii(k).search(low)}
    else:
        kinds = {k for k in vocab.SECTION_WORDS if _section_re(k).search(words)}
    if _NEGATED_DONE.search(words):
        kinds.discard("done_list")  # "Follow-ups NOT done this session" is work left
    return frozenset(kinds)


@dataclass(slots=True)
class Section:
    title: str
    level: int
    line: int
    heading: Block | None
    blocks: list[Block] = field(default_factory=list)
    """Content blocks directly under the heading, before any sub-heading."""
    block_kinds: set[str] = field(default_factory=set)
    """Kinds of `blocks`: a reader after lists or tables skips a section of prose."""
    children: list[Section] = field(default_factory=list)
    parent: Section | None = None
    kinds: frozenset[str] = frozenset()
    _flat: list[Section] | None = field(default=None, repr=False, compare=False)
    """`walk`'s order, computed on first use: readers walk the finished tree dozens of
    times per document, and a recursive generator costs a call per level per section."""

    def ancestors(self):
        s = self.parent
        while s is not None:
            yield s
            s = s.parent

    def walk(self):
        """This section and every subsection, in document order (the tree must be
        complete: `build_sections` builds it before anyone walks it)."""
        if self._flat is None:
            flat: list[Section] = []
            stack = [self]
            while stack:
                sec = stack.pop()
                flat.append(sec)
                stack.extend(reversed(sec.children))
            self._flat = flat
        return iter(self._flat)

    def all_blocks(self):
        """Blocks of this section and its subsections, in document order."""
        yield from self.blocks
        for c in self.children:
            if c.heading is not None:
                yield c.heading
            yield from c.all_blocks()

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    def within(self, kind: str) -> bool:
        """This section or an ancestor is of `kind`."""
        return self.has(kind) or any(a.has(kind) for a in self.ancestors())


def build_sections(blocks: list[Block]) -> Section:
    """A root section (level 0) holding the preamble and the heading tree."""
    root = Section("", 0, 1, None)
    stack = [root]
    first = True
    for b in blocks:
        if b.kind == "heading":
            while stack[-1].level >= b.level:
                stack.pop()
            # The document's title names the whole session ("Fix Attempt 9 -
            # ...", "Session Retrospective"), not the kind of its content.
            kinds = frozenset() if first and b.level == 1 else kinds_of(b.plain)
            first = False
            sec = Section(b.plain, b.level, b.line, b, parent=stack[-1], kinds=kinds)
            stack[-1].children.append(sec)
            stack.append(sec)
        else:
            sec = stack[-1]
            sec.blocks.append(b)
            sec.block_kinds.add(b.kind)
    return root


def release(root: Section) -> None:
    """Break the cycles of a finished tree (parent links, `walk` caches holding their
    own section) so that reference counts free it once the last reader is done."""
    for sec in root.walk():
        sec.parent = None
        sec._flat = None


def label_of(block: Block) -> str | None:
    """The label of a paragraph that only labels what follows ("**Next Steps:**").

    Computed once per block: the readers ask it of every block, several times over.
    """
    lab = block.label
    if lab is None:
        lab = block.label = _label_of(block) if block.kind == "paragraph" else ()
    return None if lab == () else lab


def _label_of(block: Block) -> str | tuple[()]:
    if block.inline is None:
        return ()
    text = block.inline.text.strip()
    lines = block.inline.lines
    if len(lines) > 1 and text.endswith((":", "：")):
        # Field lines, then the label on the last line ("**Time**: 1 min" / "**Action**:").
        text = lines[-1].strip()
        if re.search(r"[:：]\s", text):
            return ()  # a field whose value ends in a colon, not a label
    if not text or len(text) > 80:
        return ()
    lead = block.inline.lead_strong
    if text.endswith((":", "：")):
        return text.rstrip(":： ")
    if lead and heading_words(lead) == heading_words(text) and len(text) < 60:
        return text
    return ()
