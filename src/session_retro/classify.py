"""Put every wasted attempt in exactly one waste category, and say why.

The categories and their rules come from a taxonomy TOML file: the default ships in
the package (`taxonomy.toml`), `--taxonomy FILE` replaces it. Scoring is deliberately
simple so a user can predict it from the file: each rule (a keyword or a regex) that
matches one of an attempt's texts adds that text's weight to its category's score;
the highest score wins, the earlier category wins a tie, and an attempt nothing
matches is `unclassified`. Every decision keeps the matches behind it, so the JSON
export can explain each classification.

Example:
    >>> tax = load_taxonomy()
    >>> [c.id for c in tax.categories][:2]
    ['skipped-discovery', 'stale-assumptions']
"""

from __future__ import annotations

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
    for k, v in (data.get("fields") or {}).items():
        if k not in DEFAULT_WEIGHTS or not isinstance(v, int | float):
            raise TaxonomyError(
                f"{source}: [fields] {k} = {v!r}: expected one of {sorted(DEFAULT_WEIGHTS)} = number"
            )
        weights[k] = float(v)
    cats: list[Category] = []
    seen: set[str] = set()
    for n, c in enumerate(raw, 1):
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            raise TaxonomyError(f"{source}: category {n} has no id")
        if cid == UNCLASSIFIED or cid in seen:
            raise TaxonomyError(f"{source}: category id {cid!r} is reserved or used twice")
        seen.add(cid)
        rules = [Rule(f"keyword:{k}", _keyword(k)) for k in c.get("keywords", []) if k.strip()]
        for rx in c.get("regexes", []):
            try:
                rules.append(Rule(f"regex:{rx}", re.compile(rx, re.IGNORECASE)))
            except re.error as exc:
                raise TaxonomyError(
                    f"{source}: category {cid!r}: bad regex {rx!r}: {exc}"
                ) from None
        cats.append(
            Category(
                id=cid,
                label=c.get("label") or cid,
                description=c.get("description") or "",
                rules=tuple(rules),
                protocol_change=c.get("protocol_change") or None,
                mast=c.get("mast") or None,
            )
        )
    return Taxonomy(source, tuple(cats), tuple(weights.items()))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy at `path`, or the packaged default."""
    if path is None:
        text = (
            resources.files("session_retro").joinpath("taxonomy.toml").read_text(encoding="utf-8")
        )
        return parse_taxonomy(text, "default")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc}") from None
    return parse_taxonomy(text, str(path))


def _clean(text: str) -> str:
    # Curly apostrophes would defeat "didn't"; emphasis and code ticks are noise.
    return re.sub(r"[*`_]+", " ", text.replace("\u2019", "'")).strip()


def _texts(attempt: Attempt, session: Session) -> list[tuple[str, str, int]]:
    """(field, text, line) for everything an attempt's category may be read from."""
    out = [("approach", attempt.approach, attempt.line)]
    if attempt.root_cause:
        out.append(("root_cause", attempt.root_cause, attempt.line))
    if attempt.should_have:
        out.append(("should_have", attempt.should_have, attempt.line))
    out += [("session_root_causes", n.text, n.line) for n in session.root_causes]
    out += [("session_lessons", n.text, n.line) for n in session.lessons]
    return out


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
                else tuple((r.id, m.group(0)) for r in c.rules if (m := r.pattern.search(clean)))
                for c, f in zip(self._cats, self._filters, strict=True)
            )
            if len(self._memo) >= self._MAX_MEMO:
                self._memo.clear()
            self._memo[text] = found
        return found

    def active(self, text: str) -> tuple[tuple[int, tuple[tuple[str, str], ...]], ...]:
        """(category number, its `hits`) of the categories with a matching rule only."""
        found = self._active.get(text)
        if found is None:
            found = tuple((order, f) for order, f in enumerate(self.hits(text)) if f)
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
    weights = dict(taxonomy.weights)
    matcher = matcher or RuleMatcher(taxonomy)
    # One pass over the texts: per category (only those with a matching rule can score),
    # its matches in text order, each rule counted once per field (as `_score` does).
    per_cat: dict[int, list[Match]] = {}
    counted: set[tuple[int, str, str]] = set()
    for field, text, line in _texts(attempt, session):
        for order, found in matcher.active(text):
            for rule_id, matched in found:
                if (order, rule_id, field) in counted:
                    continue
                counted.add((order, rule_id, field))
                per_cat.setdefault(order, []).append(
                    Match(rule_id, field, text, matched, line, weights.get(field, 0.0))
                )
    scored = []
    for order in sorted(per_cat):
        matches = per_cat[order]
        total = sum(m.weight for m in matches)
        if total > 0:
            scored.append((-total, order, taxonomy.categories[order].id, matches))
    scored.sort(key=lambda t: (t[0], t[1]))
    if not scored:
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
    neg, _, cid, matches = scored[0]
    # heaviest first; stable sort keeps text/rule order among equals, so the pick is deterministic
    matches = sorted(matches, key=lambda m: -m.weight)
    return Classification(
        source=session.source,
        index=attempt.index,
        line=attempt.line,
        minutes=attempt.minutes,
        category=cid,
        rule=matches[0].rule,
        score=-neg,
        matches=tuple(matches),
        runners_up=tuple((c, -s) for s, _, c, _ in scored[1:]),
    )


def classify_attempts(
    sessions: Iterable[Session], taxonomy: Taxonomy
) -> tuple[Classification, ...]:
    """One Classification per failed or abandoned attempt of every readable session."""
    matcher = RuleMatcher(taxonomy)
    return tuple(
        classify_attempt(a, s, taxonomy, matcher)
        for s in readable(sessions)
        for a in s.attempts
        if a.outcome.is_waste
    )


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
