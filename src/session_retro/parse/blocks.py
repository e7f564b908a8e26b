"""CommonMark structure with line numbers: pyromark's event stream folded into blocks.

Everything structural the parser knows (headings, lists, task boxes, tables, code
fences, front matter) comes from here, never from regexes over raw text. Inline
markup is flattened to plain text, keeping the few inline facts the extractors
need: the bold lead of a paragraph or item, and whether it is struck through.

pyromark gives UTF-8 byte ranges; they are converted to 1-based lines once, here.
"""

from __future__ import annotations

import pyromark

_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS
)


class Inline:
    """Plain text of a paragraph, heading, item or cell, with inline facts.

    A plain class with slots, not a dataclass: the walk makes one per paragraph, item
    and heading, and a dataclass's generated __init__ (keyword defaults, a factory
    per list) took half again as long (issue 4).
    """

    __slots__ = (
        "text",
        "lead_strong",
        "struck",
        "lines",
        "line_nos",
        "_strong_depth",
        "_strong_from",
        "_strike_depth",
        "_plain_outside_strike",
        "_struck_start",
    )

    def __init__(self) -> None:
        self.text = ""
        self.lead_strong: str | None = None
        """Text of a bold span that opens the block (``**Root cause**: ...``)."""
        self.struck = False
        """The whole text sits inside ~~strikethrough~~."""
        self.lines: list[str] = []
        """Text split at soft/hard breaks; `line_nos` holds each piece's source line."""
        self.line_nos: list[int] = []
        # Collector state, only meaningful while the block is open.
        self._strong_depth = 0
        self._strong_from: tuple[int, int] | None = None
        """(line index, offset) where the opening bold span began, while it is open."""
        self._strike_depth = 0
        self._plain_outside_strike = False
        """Text outside strikethrough came after `_struck_start` (before it, no text but
        blank space can come: a struck start needs an empty collector)."""
        self._struck_start = False

    @property
    def opens_struck(self) -> bool:
        """The text opens with ~~strikethrough~~ ("~~Raised the heap~~ (20 min): no
        change"), whether or not the rest is struck too."""
        return self._struck_start

    def since(self, at: tuple[int, int]) -> str:
        """The text added since `at`, as a bold span collects it; a line break inside
        it is one space ("from Jenkins⏎credentials" is "from Jenkins credentials")."""
        i, offset = at
        lines = self.lines
        if i == len(lines) - 1:
            return lines[i][offset:]
        pieces = [lines[i][offset:].rstrip(), *(ln.strip() for ln in lines[i + 1 :])]
        return " ".join(filter(None, pieces))

    def brk(self, line: int) -> None:
        self.lines.append("")
        self.line_nos.append(line)

    def empty(self) -> bool:
        # One join beats a generator over the pieces: this runs on every bold span.
        return not "".join(self.lines).strip()

    def finish(self) -> None:
        lines = self.lines
        if len(lines) == 1:  # most paragraphs, items and cells: one line, no join
            lines[0] = self.text = lines[0].strip()
        else:
            lines[:] = [ln.strip() for ln in lines]
            # Stripped non-empty pieces joined by single spaces need no outer strip.
            self.text = " ".join(filter(None, lines))
        self.struck = self._struck_start and not self._plain_outside_strike


class Block:
    """One block of the document, its line, and what the readers need of it.

    A plain class with slots for the same reason as `Inline`.
    """

    __slots__ = (
        "kind",
        "line",
        "inline",
        "level",
        "ordered",
        "number",
        "task",
        "children",
        "rows",
        "text",
        "fields",
        "label",
        "info",
    )

    def __init__(
        self,
        kind: str,
        line: int,
        inline: Inline | None = None,
        children: list[Block] | tuple[()] | None = None,
    ) -> None:
        # Only the arguments most blocks need: a heading's level and a list's numbering
        # are set after construction, since a keyword to a class call costs a dict
        # (issue 4).
        self.kind = kind
        """heading, paragraph, list, item, table, code, html, rule, quote, front_matter."""
        self.line = line
        """1-based source line of the block's first character."""
        self.inline = inline
        self.level = 0
        """Heading level 1-6."""
        self.ordered = False
        self.number: int | None = None
        """Ordered list start number."""
        self.task: bool | None = None
        """Item with a task box: True ticked, False empty, None no box."""
        self.children: list[Block] | tuple[()] = [] if children is None else children
        """Nested blocks; a paragraph, which never holds any, shares `_LEAF` (fewer
        containers per document means fewer garbage-collector passes)."""
        self.rows: list[tuple[int, list[str]]] | tuple[()] = ()
        """Table: (line, cells) with the header row first; other kinds: ()."""
        self.text = ""
        """Code block or front matter body, verbatim."""
        self.fields: list | tuple | None = None
        """Key-value fields of this block's lines, computed once (see `fields.fields_of`)."""
        self.label: str | tuple[()] | None = None
        """What `sections.label_of` found, computed once: () when no label, None unread."""
        self.info = ""
        """Code fence info string."""

    @property
    def plain(self) -> str:
        return self.inline.text if self.inline else self.text

    def walk(self):
        """This block and every block inside it, in document order: one generator
        over a stack, where a recursive one cost a frame per block and level."""
        stack = [self]
        while stack:
            b = stack.pop()
            yield b
            if b.children:
                stack.extend(reversed(b.children))


def _line_counter(data: bytes):
    """`line_of(offset)`: the 1-based line of a byte offset of `data`.

    It counts the newlines between the offset asked last and this one (back, for an
    offset before it): the walk asks in document order, so each newline is counted
    about once, by C. A table of every line's start, built per document and bisected,
    cost three times as much for the ~150 offsets a document's walk asks (issue 4).
    """
    pos = 0
    line = 1
    count = data.count

    def line_of(offset: int) -> int:
        nonlocal pos, line
        if offset >= pos:
            line += count(b"\n", pos, offset)
        else:
            line -= count(b"\n", offset, pos)
        pos = offset
        return line

    return line_of


_VERBATIM = {"code", "front_matter", "html"}
_LEAF: tuple[()] = ()
_INLINE_TAGS = frozenset(
    {
        "Strong",
        "Emphasis",
        "Strikethrough",
        "Link",
        "Image",
        "TableCell",
        "Superscript",
        "Subscript",
    }
)


_BLOCK_KINDS = {
    "BlockQuote": "quote",
    "CodeBlock": "code",
    "MetadataBlock": "front_matter",
    "Table": "table",
    "HtmlBlock": "html",
}
_TEXT_EVENTS = frozenset({"Text", "Code", "InlineMath", "DisplayMath", "Html", "InlineHtml"})
_POPS = frozenset({"List", "BlockQuote", "CodeBlock", "MetadataBlock", "HtmlBlock", "Table"})


def parse_blocks(text: str, data: bytes | None = None) -> list[Block]:
    """Top-level blocks of a Markdown document, in order.

    The hot loop of the parser: events are dispatched most frequent first (text runs,
    then starts and ends), and a byte offset becomes a line only where a block or a
    line of text needs one. `data` is the text's UTF-8 when the caller has it already.
    """
    if data is None:
        data = text.encode("utf-8", errors="surrogatepass")
    line_of = _line_counter(data)
    root = Block("root", 1)
    stack: list[Block] = [root]
    inls: list[Inline] = []  # open inline collectors, innermost last
    para_reused: list[bool] = []  # per open Paragraph: did it reuse its item's collector?
    cells: list[str] | None = None
    row_line = 0
    # A table cell keeps only its text (whitespace runs collapsed), never a bold lead
    # or strikethrough, so its text runs are gathered in a plain list, not an Inline.
    cell: list[str] | None = None
    # The open code block, front matter or HTML block: no other block can open inside
    # one, so it stays the innermost block until its End.
    verbatim: Block | None = None

    for event, rng in pyromark.events_with_range(text, options=_OPTIONS):
        # Membership tests on the event itself: a one-key dict ({"Text": ...}) or a
        # bare name ("SoftBreak", "HardBreak", "Rule", none of which holds these
        # words), most frequent first.
        if "Text" in event:
            s = event["Text"]
            if verbatim is not None:
                verbatim.text += s
                continue
        elif "Start" in event:
            val = event["Start"]
            tag = val if val.__class__ is str else next(iter(val))
            if tag in _INLINE_TAGS:
                if tag == "TableCell":
                    cell = []
                elif cell is not None:
                    pass  # bold and strikethrough in a cell do not change its text
                elif tag == "Strong" and inls:
                    cur = inls[-1]
                    if cur._strong_depth == 0 and cur.empty() and cur.lead_strong is None:
                        lines = cur.lines
                        cur._strong_from = (len(lines) - 1, len(lines[-1])) if lines else (0, 0)
                    cur._strong_depth += 1
                elif tag == "Strikethrough" and inls:
                    cur = inls[-1]
                    if cur.empty():
                        cur._struck_start = True
                    cur._strike_depth += 1
                # Emphasis, Link, Image, footnotes: transparent.
                continue
            line = line_of(rng["start"])
            parent = stack[-1]
            if tag == "Paragraph":
                if (
                    parent.kind == "item"
                    and not parent.children
                    and inls
                    and inls[-1] is parent.inline
                    and parent.inline.empty()
                ):
                    # A loose item's first paragraph is the item's own text.
                    para_reused.append(True)
                else:
                    b = Block("paragraph", line, Inline(), _LEAF)
                    parent.children.append(b)
                    inls.append(b.inline)
                    para_reused.append(False)
            elif tag == "Item":
                b = Block("item", line, Inline())
                parent.children.append(b)
                stack.append(b)
                inls.append(b.inline)
            elif tag == "Heading":
                b = Block("heading", line, Inline())
                b.level = int(val[tag]["level"][1:])
                parent.children.append(b)
                stack.append(b)
                inls.append(b.inline)
            elif tag == "TableHead" or tag == "TableRow":
                cells = []
                row_line = line
            elif tag == "List":
                b = Block("list", line)
                # {"List": None} unordered, {"List": 3} ordered from 3
                number = None if val.__class__ is str else val[tag]
                if number is not None:
                    b.ordered, b.number = True, number
                parent.children.append(b)
                stack.append(b)
            elif tag in _BLOCK_KINDS:
                b = Block(_BLOCK_KINDS[tag], line)
                if tag == "Table":
                    b.rows = []
                if tag == "CodeBlock":
                    tval = None if val.__class__ is str else val[tag]
                    if isinstance(tval, dict) and "Fenced" in tval:
                        b.info = tval["Fenced"] or ""
                if b.kind in _VERBATIM:
                    verbatim = b
                parent.children.append(b)
                stack.append(b)
            continue
        elif "End" in event:
            val = event["End"]
            tag = val if val.__class__ is str else next(iter(val))
            if tag == "Paragraph":
                if not para_reused.pop():
                    inls.pop().finish()
            elif tag == "TableCell":
                if cells is not None and cell is not None:
                    cells.append(" ".join("".join(cell).split()))
                cell = None
            elif tag == "Heading" or tag == "Item":
                inls.pop().finish()
                stack.pop()
            elif tag in _POPS:
                stack.pop()
                verbatim = None
            elif tag == "TableHead" or tag == "TableRow":
                if stack[-1].kind == "table" and cells is not None:
                    stack[-1].rows.append((row_line, cells))
                cells = None
            elif tag == "Strong" or tag == "Strikethrough":
                if cell is not None or not inls:
                    continue
                cur = inls[-1]
                if tag == "Strikethrough":
                    cur._strike_depth -= 1
                    continue
                cur._strong_depth -= 1
                if cur._strong_depth == 0 and cur._strong_from is not None:
                    if cur.lead_strong is None:
                        cur.lead_strong = cur.since(cur._strong_from).strip()
                    cur._strong_from = None
            continue
        else:
            if event.__class__ is dict:
                (name,) = event
                val = event[name]
            else:
                name, val = event, None
            if name in _TEXT_EVENTS:
                s = val if isinstance(val, str) else str(val)
                if verbatim is not None:
                    verbatim.text += s
                    continue
                if name == "Html" or name == "InlineHtml":
                    continue  # comments and <br> carry no reflection content
                if name == "Code":
                    s = f"`{s}`"
            else:
                if name == "SoftBreak" or name == "HardBreak":
                    if cell is not None:
                        cell.append(" ")
                    elif inls:
                        inls[-1].brk(line_of(rng["end"]))
                elif name == "TaskListMarker":
                    for b in reversed(stack):
                        if b.kind == "item":
                            b.task = bool(val)
                            break
                elif name == "Rule":
                    line = line_of(rng["start"])
                    stack[-1].children.append(Block("rule", line))
                continue
        # A run of text (Text, Code, math) for the open cell or inline collector.
        if cell is not None:
            cell.append(s)
        elif inls:
            cur = inls[-1]
            lines = cur.lines
            if lines:
                lines[-1] += s
            else:  # only the first piece of a line needs its line number
                lines.append(s)
                cur.line_nos.append(line_of(rng["start"]))
            if cur._struck_start and not cur._strike_depth and s.strip():
                cur._plain_outside_strike = True
    return root.children


def iter_items(lst: Block):
    """Direct items of a list block."""
    return (c for c in lst.children if c.kind == "item")
