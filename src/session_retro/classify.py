"""Put every wasted attempt in exactly one waste category, and say why.

The categories and their rules come from a taxonomy TOML file: the default ships in
the package (`taxonomy.toml`), `--taxonomy FILE` replaces it. Scoring is deliberately
simple so a user can predict it from the file: each rule (a keyword or a regex) that
matches one of an attempt's texts adds that text's weight to its category's score. The
attempt's own texts (approach, root cause, should-have) are scored apart from its
session's notes (root causes, lessons): the highest own score wins, the notes' score
breaks a tie, and decides alone only when the attempt's own words match nothing. Then
the earlier category wins a tie, and an attempt nothing matches is `unclassified`.
A match right after a negation the file lists ("no bug in my change") does not count.
Every decision keeps the matches behind it, so the JSON export can explain each
classification.

Example:
    >>> tax = load_taxonomy()
    >>> [c.id for c in tax.categories][:2]
    ['skipped-discovery', 'stale-assumptions']
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .frame import readable
from .model import Attempt, Session

UNCLASSIFIED = "unclassified"

DEFAULT_WEIGHTS: dict[str, float] = {
    "root_cause": 3.0,
    "should_have": 2.0,
    "approach": 1.0,
    "session_root_causes": 0.5,
    "session_lessons": 0.5,
}
"""Fields a rule is matched against, and what a match in each one is worth."""


class TaxonomyError(ValueError):
    """The taxonomy file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    """``keyword:<phrase>`` or ``regex:<pattern>``; stable, shown in explanations."""
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: str
    description: str
    rules: tuple[Rule, ...]
    protocol_change: str | None
    """The startup-protocol line that addresses this kind of waste."""
    mast: str | None
    """The MAST failure mode (Cemri et al. 2025) it corresponds to, e.g. ``FM-1.3 Step repetition``."""


@dataclass(frozen=True, slots=True)
class Taxonomy:
    source: str
    """Where it was read from (``default`` for the packaged file)."""
    categories: tuple[Category, ...]
    """In file order, which is also the tie-break order. Excludes `unclassified`."""
    weights: tuple[tuple[str, float], ...]
    negation: re.Pattern[str] | None = None
    """Matches a negation ending right where a rule's match starts ("no ", "wasn't a "),
    found by searching up to the match; None when the file lists no negations."""

    def ids(self) -> list[str]:
        """Category ids in order, `unclassified` last: the categorical's categories."""
        return [c.id for c in self.categories] + [UNCLASSIFIED]

    def get(self, cid: str) -> Category | None:
        return next((c for c in self.categories if c.id == cid), None)

    def label(self, cid: str) -> str:
        c = self.get(cid)
        return c.label if c else "Unclassified"


@dataclass(frozen=True, slots=True)
class Match:
    """One rule matching one text: the evidence behind a classification."""

    rule: str
    field: str
    """Which text: approach, root_cause, should_have, session_root_causes, session_lessons."""
    text: str
    """The whole text the rule matched in."""
    matched: str
    """The span the rule matched."""
    line: int
    weight: float


@dataclass(frozen=True, slots=True)
class Classification:
    """Why one wasted attempt is in its category."""

    source: str
    index: int
    line: int
    minutes: float | None
    category: str
    rule: str | None
    """The deciding rule: the winning category's heaviest match (first on a tie)."""
    score: float
    matches: tuple[Match, ...]
    """All matches of the winning category, heaviest first."""
    runners_up: tuple[tuple[str, float], ...]
    """Other categories that scored, best first: how close the call was."""


def _keyword(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    # \b only where the phrase starts/ends with a word character ("401" yes, "-x" no)
    head = r"\b" if re.match(r"\w", phrase) else ""
    tail = r"\b" if re.search(r"\w$", phrase) else ""
    return re.compile(head + r"\s+".join(words) + tail, re.IGNORECASE)


def _negation(table: object, source: str) -> re.Pattern[str] | None:
    """The pattern of a ``[negation]`` table: one of its `words`, optionally followed by
    one of its `fillers` ("not a flaky test"), then the space before a match."""
    if table is None:
        return None
    lists = {}
    for key in ("words", "fillers"):
        got = table.get(key, []) if isinstance(table, dict) else None
        if not isinstance(got, list) or not all(isinstance(w, str) and w.strip() for w in got):
            raise TaxonomyError(f"{source}: [negation] {key} must be a list of words")
        lists[key] = "|".join(r"\s+".join(map(re.escape, w.split())) for w in got)
    if not lists["words"]:
        return None
    filler = rf"(?:(?:{lists['fillers']})\s+)?" if lists["fillers"] else ""
    return re.compile(rf"\b(?:{lists['words']})\s+{filler}$", re.IGNORECASE)


def _strings(table: dict, key: str, where: str) -> list[str]:
    """`table[key]`, a list of strings (a bare string would be read letter by letter)."""
    got = table.get(key, [])
    if not isinstance(got, list) or not all(isinstance(x, str) for x in got):
        raise TaxonomyError(f"{where}: {key} must be a list of strings")
    return got


def _text_field(table: dict, key: str, where: str) -> str | None:
    got = table.get(key)
    if got is not None and not isinstance(got, str):
        raise TaxonomyError(f"{where}: {key} must be a string")
    return got


def parse_taxonomy(text: str, source: str = "default") -> Taxonomy:
    """A Taxonomy from TOML text; raises TaxonomyError saying what to fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{source}: not valid TOML: {exc}") from None
    raw = data.get("category")
    if not isinstance(raw, list) or not raw:
        raise TaxonomyError(
            f"{source}: no [[category]] tables; see the packaged taxonomy.toml for the shape"
        )
    weights = dict(DEFAULT_WEIGHTS)
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise TaxonomyError(f"{source}: fields must be a [fields] table of weights")
    for k, v in fields.items():
        # NaN or inf would make every score NaN or inf, a negative weight a match count against
        if k not in DEFAULT_WEIGHTS or not isinstance(v, int | float) or not 0 <= v < math.inf:
            raise TaxonomyError(
                f"{source}: [fields] {k} = {v!r}: expected one of {sorted(DEFAULT_WEIGHTS)} = a number from 0"
            )
        weights[k] = float(v)
    cats: list[Category] = []
    seen: set[str] = set()
    for n, c in enumerate(raw, 1):
        cid = c.get("id") if isinstance(c, dict) else None
        if not isinstance(cid, str) or not cid:
            raise TaxonomyError(f"{source}: category {n} has no id")
        if cid == UNCLASSIFIED or cid in seen:
            raise TaxonomyError(f"{source}: category id {cid!r} is reserved or used twice")
        seen.add(cid)
        where = f"{source}: category {cid!r}"
        texts = {
            k: _text_field(c, k, where) for k in ("label", "description", "protocol_change", "mast")
        }
        rules = [
            Rule(f"keyword:{k}", _keyword(k)) for k in _strings(c, "keywords", where) if k.strip()
        ]
        for rx in _strings(c, "regexes", where):
            try:
                pattern = re.compile(rx, re.IGNORECASE)
            except re.error as exc:
                raise TaxonomyError(f"{where}: bad regex {rx!r}: {exc}") from None
            if pattern.search(""):  # it would match every text, so every attempt
                raise TaxonomyError(f"{where}: regex {rx!r} matches the empty text")
            rules.append(Rule(f"regex:{rx}", pattern))
        cats.append(
            Category(
                id=cid,
                label=texts["label"] or cid,
                description=texts["description"] or "",
                rules=tuple(rules),
                protocol_change=texts["protocol_change"] or None,
                mast=texts["mast"] or None,
            )
        )
    return Taxonomy(
        source, tuple(cats), tuple(weights.items()), _negation(data.get("negation"), source)
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy at `path`, or the packaged default."""
    if path is None:
        text = (
            resources.files("session_retro").joinpath("taxonomy.toml").read_text(encoding="utf-8")
        )
        return parse_taxonomy(text, "default")
    # the name goes into messages, analysis.json and the page: one that is not UTF-8 is
    # shown with U+FFFD for its bytes (as a reflection's is), else writing them fails
    name = os.fsencode(path).decode("utf-8", "replace")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{name}: cannot read: {exc}") from None
    return parse_taxonomy(text, name)


def _clean(text: str) -> str:
    # Curly apostrophes would defeat "didn't"; emphasis and code ticks are noise.
    return re.sub(r"[*`_]+", " ", text.replace("\u2019", "'")).strip()


class RuleMatcher:
    """Which rules of each category match a text, found once per distinct text.

    Classifying reads the same texts many times (a session's lessons and root causes
    go with each of its wasted attempts; the same sentence recurs across sessions),
    and most texts match no rule of most categories. So each category gets one
    alternation of all its rules as a pre-filter, and the per-rule results are kept
    for recently seen texts (issue 8: 5 million regex searches for 1,000 sessions).
    The results are exactly those of searching every rule in order.
    """

    _MAX_MEMO = 20_000  # distinct texts remembered; bounded so memory is too

    def __init__(self, taxonomy: Taxonomy) -> None:
        self._cats = taxonomy.categories
        self._negation = taxonomy.negation
        self._filters = [_union(c.rules) for c in self._cats]
        self._memo: dict[str, tuple[tuple[tuple[str, str], ...], ...]] = {}
        self._active: dict[str, tuple[tuple[int, tuple[tuple[str, str], ...]], ...]] = {}

    def hits(self, text: str) -> tuple[tuple[tuple[str, str], ...], ...]:
        """Per category (taxonomy order): (rule id, matched text) of each matching rule."""
        found = self._memo.get(text)
        if found is None:
            clean = _clean(text)
            found = tuple(
                ()
                if f is not None and not f.search(clean)
                else tuple(
                    (r.id, m.group(0)) for r in c.rules if (m := self._affirmed(r.pattern, clean))
                )
                for c, f in zip(self._cats, self._filters, strict=True)
            )
            if len(self._memo) >= self._MAX_MEMO:
                self._memo.clear()
            self._memo[text] = found
        return found

    def _affirmed(self, pattern: re.Pattern[str], clean: str) -> re.Match[str] | None:
        """The first match of `pattern` in `clean` that no negation comes right before."""
        if self._negation is None:
            return pattern.search(clean)
        for m in pattern.finditer(clean):
            if not self._negation.search(clean, 0, m.start()):
                return m
        return None

    def active(self, text: str) -> tuple[tuple[int, tuple[tuple[str, str], ...]], ...]:
        """(category number, its `hits`) of the categories with a matching rule only.

        Each rule id is listed once: a taxonomy may give a keyword twice, and a rule
        counts once per field (same id, same pattern, so the same matched text).
        """
        found = self._active.get(text)
        if found is None:
            found = tuple(
                (order, tuple(dict.fromkeys(f))) for order, f in enumerate(self.hits(text)) if f
            )
            if len(self._active) >= self._MAX_MEMO:
                self._active.clear()
            self._active[text] = found
        return found


def _union(rules: tuple[Rule, ...]) -> re.Pattern[str] | None:
    """One pattern matching wherever any of `rules` does, or None when unsafe to build.

    Group numbers shift inside an alternation, so a rule using back-references or
    conditionals gets no pre-filter; nor do rules whose flags differ.
    """
    pats = [r.pattern for r in rules]
    if not pats or any(p.flags != pats[0].flags for p in pats):
        return None
    if any(re.search(r"\\\d|\(\?P=|\(\?\(", p.pattern) for p in pats):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in pats), pats[0].flags)
    except re.error:  # e.g. a global inline flag such as (?x) in the middle
        return None


def _score(
    texts: list[tuple[str, str, int]],
    order: int,
    weights: dict[str, float],
    matcher: RuleMatcher,
) -> list[Match]:
    """Matches of category number `order` in `texts`, each rule counted once per field."""
    found = []
    counted: set[tuple[str, str]] = set()
    for field, text, line in texts:
        for rule_id, matched in matcher.hits(text)[order]:
            # a rule counts once per field: five lessons saying "Docker" are one signal
            if (rule_id, field) in counted:
                continue
            counted.add((rule_id, field))
            found.append(Match(rule_id, field, text, matched, line, weights.get(field, 0.0)))
    return found


def match_text(
    text: str, taxonomy: Taxonomy, field: str = "approach", matcher: RuleMatcher | None = None
) -> str:
    """The category a free text (a lesson, a recommendation) falls in, or `unclassified`.

    Pass one `matcher` (`RuleMatcher(taxonomy)`) to many calls to share its work.
    """
    weights = dict(taxonomy.weights)
    matcher = matcher or RuleMatcher(taxonomy)
    best, best_score = UNCLASSIFIED, 0.0
    for order, found in enumerate(matcher.hits(text)):
        if not found:
            continue  # no rule of this category matches: it scores zero
        cat = taxonomy.categories[order]
        score = sum(m.weight for m in _score([(field, text, 0)], order, weights, matcher))
        if score > best_score:
            best, best_score = cat.id, score
    return best


def classify_attempt(
    attempt: Attempt, session: Session, taxonomy: Taxonomy, matcher: RuleMatcher | None = None
) -> Classification:
    """The category of one attempt, with the matches that decided it."""
    classifier = _Classifier(taxonomy, matcher or RuleMatcher(taxonomy))
    return classifier.classify(attempt, session, classifier.notes(session))


def classify_attempts(
    sessions: Iterable[Session], taxonomy: Taxonomy
) -> tuple[Classification, ...]:
    """One Classification per failed or abandoned attempt of every readable session."""
    classifier = _Classifier(taxonomy, RuleMatcher(taxonomy))
    out: list[Classification] = []
    for s in readable(sessions):
        waste = [a for a in s.attempts if a.outcome.is_waste]
        if waste:
            notes = classifier.notes(s)  # the session's notes go with each of its attempts
            out += [classifier.classify(a, s, notes) for a in waste]
    return tuple(out)


_Spec = tuple[str, str, str, str, float]
"""A Match of an attempt's own text, without the line: (rule, field, text, matched,
weight). The line is the attempt's, so one spec serves every attempt with those texts."""

_Shape = dict[int, tuple[float, ...]]
"""Per category number with a matching rule, the weights of its matches in text order:
all that a decision depends on."""

_Decision = tuple[int, float, tuple[tuple[str, float], ...], tuple[int, ...]] | None
"""(category number, score, runners_up, picks), or None for unclassified. The winning
category's matches are the attempt's own, then its session's notes'; `picks` numbers
them in that order and lists them heaviest first. The score and the runners-up's are
own plus notes; the runners-up are listed in the order they ranked."""


class _Classifier:
    """Scores an attempt's texts per category, then picks the highest score.

    An attempt's category is read from its approach, root cause and should-have and
    from its session's root causes and lessons, each rule counted once per field. Its
    own words rank first: the notes are shared by all the session's attempts, and
    added in they let a session's words about one attempt outvote what another attempt
    says of itself (issue 3: notes on stale docs, 2.0, beat an attempt's own "flaky",
    1.0). So the notes break ties, or decide when the attempt's words match nothing. Which
    category wins, and the order of its matches, depend only on the weights matched
    per category, and those repeat even where the texts do not (issue 8: at 10,000
    generated sessions, 30,000 wasted attempts and 8,000 distinct sets of notes make
    about 1,000 distinct decisions). So an attempt's own texts are scored once per
    distinct triple, a field's notes once per distinct list, a decision once per
    distinct pair of shapes. Per session, its notes' Match records are made once and
    shared by its attempts; per attempt, only its own Match records and Classification.
    """

    def __init__(self, taxonomy: Taxonomy, matcher: RuleMatcher) -> None:
        self._ids = [c.id for c in taxonomy.categories]
        self._weights = dict(taxonomy.weights)
        self._matcher = matcher
        self._shape_ids: dict[tuple[tuple[int, tuple[float, ...]], ...], int] = {}
        self._shapes: list[_Shape] = []
        self._own: dict[tuple[str, str | None, str | None], tuple[dict[int, list[_Spec]], int]] = {}
        self._note_memo: dict[tuple[str, ...], list[tuple[int, str, int, str]]] = {}
        self._decisions: dict[tuple[int, int], _Decision] = {}

    def classify(
        self, attempt: Attempt, session: Session, notes: tuple[dict[int, list[Match]], int]
    ) -> Classification:
        """The Classification of `attempt`; `notes` is `self.notes(session)`."""
        key = (attempt.approach, attempt.root_cause, attempt.should_have)
        own = self._own.get(key)
        if own is None:
            own = self._own[key] = self._score_own(attempt)
        shapes = (own[1], notes[1])
        decision = self._decisions.get(shapes, False)
        if decision is False:
            decision = self._decisions[shapes] = self._decide(*shapes)
        if decision is None:
            return Classification(
                session.source,
                attempt.index,
                attempt.line,
                attempt.minutes,
                UNCLASSIFIED,
                None,
                0.0,
                (),
                (),
            )
        order, score, runners_up, picks = decision
        specs = own[0].get(order, ())
        shared = notes[0].get(order, ())
        mine = len(specs)
        line = attempt.line
        matches = tuple(
            Match(*specs[p][:4], line, specs[p][4]) if p < mine else shared[p - mine] for p in picks
        )
        return Classification(
            session.source,
            attempt.index,
            line,
            attempt.minutes,
            self._ids[order],
            matches[0].rule,
            score,
            matches,
            runners_up,
        )

    def notes(self, session: Session) -> tuple[dict[int, list[Match]], int]:
        """Per category with a matching rule, the matches in a session's root causes and
        lessons in text order; and the number of their shape."""
        per_cat: dict[int, list[Match]] = {}
        for field, notes in (
            ("session_root_causes", session.root_causes),
            ("session_lessons", session.lessons),
        ):
            weight = self._weights.get(field, 0.0)
            for order, rule, n, matched in self._note_hits(tuple(note.text for note in notes)):
                note = notes[n]
                per_cat.setdefault(order, []).append(
                    Match(rule, field, note.text, matched, note.line, weight)
                )
        return per_cat, self._shape({o: tuple(m.weight for m in ms) for o, ms in per_cat.items()})

    def _note_hits(self, texts: tuple[str, ...]) -> list[tuple[int, str, int, str]]:
        """(category number, rule, text number, matched) of the notes of one field, each
        rule once (five lessons saying "Docker" are one signal), in text order.

        Found once per distinct list of notes: the lists of one field recur across
        sessions far more than a session's lists together do.
        """
        found = self._note_memo.get(texts)
        if found is None:
            found = self._note_memo[texts] = []
            counted: set[tuple[int, str]] = set()
            for n, text in enumerate(texts):
                for order, hits in self._matcher.active(text):
                    for rule, matched in hits:
                        if (order, rule) not in counted:
                            counted.add((order, rule))
                            found.append((order, rule, n, matched))
        return found

    def _score_own(self, attempt: Attempt) -> tuple[dict[int, list[_Spec]], int]:
        """The matches in an attempt's approach, root cause and should-have, in that
        order; and the number of their shape.

        Each is the one text of its field, and `active` lists a rule once, so none
        repeats a rule.
        """
        per_cat: dict[int, list[_Spec]] = {}
        for field, text in (
            ("approach", attempt.approach),
            ("root_cause", attempt.root_cause),
            ("should_have", attempt.should_have),
        ):
            if not text and field != "approach":
                continue
            weight = self._weights.get(field, 0.0)
            for order, found in self._matcher.active(text):
                per_cat.setdefault(order, []).extend(
                    (rule, field, text, matched, weight) for rule, matched in found
                )
        return per_cat, self._shape({o: tuple(s[4] for s in ss) for o, ss in per_cat.items()})

    def _shape(self, shape: _Shape) -> int:
        """The number of `shape`, the same for equal shapes: half a decision's key."""
        key = tuple(shape.items())
        number = self._shape_ids.get(key)
        if number is None:
            number = self._shape_ids[key] = len(self._shapes)
            self._shapes.append(shape)
        return number

    def _decide(self, own: int, notes: int) -> _Decision:
        """The category with the highest own score, then the highest notes' score, then
        the earlier one in the taxonomy."""
        mine, theirs = self._shapes[own], self._shapes[notes]
        scored = []
        for order in sorted(mine.keys() | theirs.keys()):
            weights = mine.get(order, ()) + theirs.get(order, ())
            total = sum(weights)  # in text order, as the matches are listed
            if total > 0:
                scored.append((-sum(mine.get(order, ())), -total, order, weights))
        if not scored:
            return None
        scored.sort(key=lambda t: t[:3])
        _, neg, order, weights = scored[0]
        # heaviest first; stable sort keeps text/rule order among equals, so the pick is deterministic
        picks = sorted(range(len(weights)), key=lambda i: -weights[i])
        runners_up = tuple((self._ids[o], -s) for _, s, o, _ in scored[1:])
        return order, -neg, runners_up, tuple(picks)


def with_categories(
    attempts: pd.DataFrame, classifications: Iterable[Classification], taxonomy: Taxonomy
) -> pd.DataFrame:
    """The attempts table with `category` and `rule` filled for wasted attempts.

    Attempts that are not waste keep a missing category: the taxonomy is about waste.
    """
    by_key = {(c.source, c.index): c for c in classifications}
    out = attempts.copy()
    keys = list(zip(out["source"], out["index"], strict=True))
    cats = [by_key[k].category if k in by_key else None for k in keys]
    rules = [by_key[k].rule if k in by_key else None for k in keys]
    out["category"] = pd.Categorical(cats, categories=taxonomy.ids())
    out["rule"] = pd.array(rules, dtype="string")
    return out
