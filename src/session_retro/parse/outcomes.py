"""How an attempt was judged, from its marks and its words. The body outweighs a mark."""

from __future__ import annotations

import re
from functools import lru_cache

from . import vocab

# Matched against lowercased text: case-sensitive scans are a third faster.
_COMPILED = tuple((cls, re.compile(p)) for cls, p in vocab.OUTCOME_WORDS)
_MADE_WORSE = re.compile(vocab.MADE_WORSE)

# Body labels that are verdicts in themselves ("**Why I abandoned it**:").
_LABEL_VERDICTS = (
    ("abandoned", re.compile(r"why (i|we) (abandoned|gave up|stopped)|abandon", re.I)),
    ("partial", re.compile(r"partial(ly)? (success|fix|win)|partially", re.I)),
    ("failed", re.compile(r"why it failed|why this failed|failure reason|what went wrong", re.I)),
)


# Hypotheticals judge nothing: "if this router worked, ...", "it would have worked",
# "this should fix it", "preguntar si funciona", "gefragt, ob es funktioniert".
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|whether|once|in case|si|ob)\b[^.;:!?,]*"
    r"|\b(?:would|should|might|may)(?: have)?\s+(?!not\b|never\b)\w+",
    re.I,
)


# ...except an expectation the same sentence says was let down: "this should have
# fixed it, but the browser kept dropping the cookie" tells a failure.
_LET_DOWN = re.compile(
    r"\b(?:should|would|was supposed to|were supposed to)(?: have)? (?:work|fix|help|solve)\w*"
    r"\b[^.;!?]{0,60}\bbut\b"
)


_CODE_SPAN = re.compile(r"`[^`]*`")
_QUOTED = re.compile(
    r'"[^"\n]{1,120}"|“[^”\n]{1,120}”|„[^“”\n]{1,120}[“”]|«[^»\n]{1,120}»|「[^」\n]{1,120}」'
)


@lru_cache(maxsize=8192)
def words_outcome(text: str) -> str | None:
    """The first outcome class whose words appear in `text`, hypotheticals aside.

    Cached: the readers judge the same item or paragraph more than once.
    """
    text = text.lower()
    if "`" in text:
        # Code names a thing, it judges nothing: "raise `proxy-read-timeout`",
        # "set `keepalive_timeout 75s`" are no timeouts.
        text = _CODE_SPAN.sub(" ", text)
    if '"' in text or not text.isascii():
        # Quoted words are someone else's: a log line ("WARN worker gone"), a ticket
        # ("pool bump worked last time"), a user's complaint; they judge nothing here.
        text = _QUOTED.sub(" ", text)
    if "but" in text and _LET_DOWN.search(text):
        return "failed"
    text = _HYPOTHETICAL.sub(" ", text)
    for cls, rx in _COMPILED:
        if rx.search(text):
            if cls == "abandoned" and _MADE_WORSE.search(text):
                return "failed"
            return cls
    return None


# Every mark is non-ASCII, so an ASCII text holds none (unless one is added that is).
_ASCII_HAS_NO_MARK = not any(mark.isascii() for mark in vocab.MARK_OUTCOME)


def mark_outcome(text: str) -> str | None:
    """Outcome from the marks in a heading or cell; mixed marks mean partial."""
    if _ASCII_HAS_NO_MARK and text.isascii():
        return None
    found = {cls for mark, cls in vocab.MARK_OUTCOME.items() if mark in text}
    if not found:
        return None
    if len(found) == 1:
        return found.pop()
    return "partial"


# The last mark of an item, then the verdict words that open what follows it
# ("❌ Failed.", "⚠️ abandoned", "✅ worked:"): the rest is the author's account.
_MARK_RUN = re.compile("(?:" + "|".join(map(re.escape, vocab.MARK_OUTCOME)) + ")\ufe0f?")
_VERDICT_LEAD = re.compile(
    r"^[\W_]*(?:" + "|".join(p for _, p in vocab.OUTCOME_WORDS) + r")[\s.:;,!)\]—–-]*",
    re.IGNORECASE,
)
_TOLD_MIN = 12
"""Shorter than this, what follows a verdict is no account ("❌ again.")."""


def told_after_verdict(text: str) -> str | None:
    """What an item says after its verdict mark, verdict words removed, or None.

    "Tried X — 40 min — ❌ failed. It passed 15 times locally; on CI it timed out" tells
    why X failed in the words after the mark: a list or log attempt has no "Root
    cause:" field, and this is its account of what went wrong.
    """
    if _ASCII_HAS_NO_MARK and text.isascii():
        return None
    marks = list(_MARK_RUN.finditer(text))
    if not marks:
        return None
    rest = _VERDICT_LEAD.sub("", text[marks[-1].end() :], count=1).strip(" .;:,—–-")
    return rest if len(rest) >= _TOLD_MIN else None


@lru_cache(maxsize=4096)  # asked of every field label; a document repeats its labels
def label_verdict(label: str) -> str | None:
    for cls, rx in _LABEL_VERDICTS:
        if rx.search(label):
            return cls
    return None


_SCORE = re.compile(r"(?<![\d/.])(\d+)\s*/\s*(\d+)(?![\d/])")

# A value that answers "Did it work?" in a word or two ("no", "nope", "partly —
# tokens arrived for fresh installs only", "kind of"): the whole value, or its lead
# before a separator. In running prose such words judge nothing ("no idea why").
_ANSWER = re.compile(
    r"^\W*(?P<a>no|nope|nah|yes|yep|yeah|partly|kind of|sort of|somewhat)\s*(?:$|[,.;:!—–(-])",
    re.I,
)
_ANSWER_CLASS = {"no": "failed", "nope": "failed", "nah": "failed", "yes": "succeeded"}
_ANSWER_CLASS |= {"yep": "succeeded", "yeah": "succeeded"}
# A "Fixed?" column answered with a letter alone.
_LETTER_ANSWER = {"y": "succeeded", "n": "failed"}


def value_outcome(text: str) -> str | None:
    """Outcome of a status/result value or a table cell: a score ("0/29 wins"),
    then words, then a short answer ("no", "partly"), then marks."""
    m = _SCORE.match(text.strip(" *_"))
    if m and int(m.group(2)) > 0 and int(m.group(1)) <= int(m.group(2)):
        got, of = int(m.group(1)), int(m.group(2))
        return "succeeded" if got == of else "failed" if got == 0 else "partial"
    words = words_outcome(text)
    if words:
        return words
    answer = _ANSWER.match(text)
    if answer:
        return _ANSWER_CLASS.get(answer.group("a").lower(), "partial")
    if len(text) < 8:
        letter = _LETTER_ANSWER.get(text.strip(" *_.").lower())
        if letter:
            return letter
    return mark_outcome(text)
