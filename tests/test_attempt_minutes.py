"""An attempt's own minutes (issue 4): the time the text says it took, never a
setting it changed, a state the system was in, or the session's length.

Each case is a short reflection of our own whose figures tempt the reader.
"""

from __future__ import annotations

import pytest

from session_retro.parse import parse_session
from session_retro.parse.durations import spent_duration


def _minutes(text: str) -> list[float | None]:
    return [a.minutes for a in parse_session(text, "x.md").attempts]


def _listed(*items: str) -> str:
    lines = [f"{i}. {item}" for i, item in enumerate(items, 1)]
    return "# Retro\n\nDate: 2026-03-02\n\n## Attempts\n\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("item", "minutes"),
    [
        # A value set in Spanish: "a 120 segundos", "cada 10 minutos", "de 5 segundos".
        pytest.param(
            "**Aumentar el timeout del worker a 120 segundos** — sin cambios. ❌", None, id="es-a"
        ),
        pytest.param(
            "**Reintentar cada 10 minutos** — tardé 25 minutos en probarlo. ❌", 25, id="es-cada"
        ),
        pytest.param(
            "**Un retraso de 5 segundos entre lotes** — 40 minutos, funcionó. ✅", 40, id="es-de"
        ),
        # In German: "von 60 Sekunden auf 10 Minuten", "alle 10 Minuten", "nach 30 Sekunden".
        pytest.param(
            "**Timeout von 60 Sekunden auf 10 Minuten erhöht** — half nicht. ❌",
            None,
            id="de-von-auf",
        ),
        pytest.param(
            "**Cronjob alle 10 Minuten statt stündlich** — half nicht. ❌", None, id="de-alle"
        ),
        pytest.param(
            "**Neustart nach 30 Sekunden Inaktivität** — 20 Minuten Arbeit. ✅", 20, id="de-nach"
        ),
        # In French: "toutes les 5 minutes", "à 30 s".
        pytest.param(
            "**Relancer la tâche toutes les 5 minutes** — toujours en échec. ❌",
            None,
            id="fr-toutes",
        ),
        pytest.param("**Passer le délai à 30 s** — environ 15 minutes, réglé. ✅", 15, id="fr-a"),
        # A state the system was in is no time spent, and loses to the time spent.
        pytest.param(
            "**Split the suite into shards** - the queue was still 25 minutes, so it did not help. ❌",
            None,
            id="state-was-still",
        ),
        pytest.param(
            "**Dump y restore** — el dump tardaba más de 3 horas; lo abandoné a los 15 minutos. ❌",
            15,
            id="es-state-then-abandoned",
        ),
        pytest.param(
            "**Shard the build** - builds were still 40 min each. Spent 20 minutes on it. ❌",
            20,
            id="state-then-spent",
        ),
        # A figure ending the approach's bold name right after a noun sets a value too.
        pytest.param(
            "**Mettre en cache les géocodages 24 h** — quota encore dépassé. ❌",
            None,
            id="fr-name-keeps-figure",
        ),
        pytest.param(
            "**Cache the geocodes 24 h** - 30 min, quota fine. ✅", 30, id="name-then-length"
        ),
        pytest.param("**Bisected for 20 min** - nothing found. ❌", 20, id="name-for-length"),
        pytest.param("**Retry the upload - 10 min** - no luck. ❌", 10, id="name-ends-in-length"),
        # Still read: a length the attempt took, in any of these languages.
        pytest.param(
            "**Did a 20 min profiling pass** - nothing stood out. ❌", 20, id="en-article-a"
        ),
        pytest.param("**Bump the pool size** - 10 min, no change. ❌", 10, id="plain-length"),
        pytest.param("**Retry after 5 s** - gave up after 30 minutes. ❌", 30, id="after-spent"),
        # A figure in code is a value set; one compared with another measures the system.
        pytest.param(
            "Ran the job with `statement_timeout = 5s`: same deadlock. ❌", None, id="in-code"
        ),
        pytest.param("`--no-cache` build: 14 min instead of 9. ❌", None, id="instead-of"),
        pytest.param("Gzip on the proxy: 40 s vs 12 s before. ❌", None, id="versus"),
        pytest.param("Set `retries: 3` (10 min), no luck. ❌", 10, id="code-then-aside"),
        # Time spent told later in the item: eaten, gone, timed with a stopwatch.
        pytest.param("Killed the idle sessions. Ate 20 minutes. ❌", 20, id="ate"),
        pytest.param("Split the ALTER. Another half hour gone. ❌", 30, id="gone"),
        pytest.param("Reseated the cable, still nothing. ⏱ 25 min ❌", 25, id="stopwatch"),
    ],
)
def test_settings_and_states_are_not_the_attempts_minutes(item, minutes):
    assert _minutes(_listed(item)) == [minutes]


HEADED = """# Debug Journal: cache stampede

Date: 2026-05-04

## What I tried

### 1. Add jitter to the TTL ❌
Keys still expired together. Took 15 minutes.

### 2. Lock around the refill ✅
One worker refills, the others wait. Took 30 minutes.
"""


@pytest.mark.parametrize(
    ("tail", "minutes", "total"),
    [
        # The session's length written last, under the last attempt's heading.
        pytest.param("\nDuration: ~1 hour\n", [15, 30], 60, id="session-duration-last"),
        pytest.param("\n**Total time**: 50 min\n", [15, 30], 50, id="session-total-last"),
        # Nothing after it: the attempts' own lengths.
        pytest.param("", [15, 30], None, id="no-trailer"),
    ],
)
def test_the_sessions_length_last_is_not_the_last_attempts(tail, minutes, total):
    session = parse_session(HEADED + tail, "x.md")
    assert [a.minutes for a in session.attempts] == minutes
    assert session.total_minutes == total


def test_a_duration_field_under_each_attempt_heading_stays_its_own():
    text = HEADED.replace("Took 15 minutes.", "\nDuration: 15 min").replace(
        "Took 30 minutes.", "\nDuration: 35 min"
    )
    assert _minutes(text) == [15, 35]


@pytest.mark.parametrize(
    ("header", "date", "total", "result"),
    [
        pytest.param(
            "Date: 2026-09-21 | Duration: 45 min | Result: fixed",
            "2026-09-21",
            45,
            "success",
            id="pipes",
        ),
        pytest.param(
            "**Date:** 2026-09-21 · **Total:** 2.5 hours", "2026-09-21", 150, None, id="middots"
        ),
        # Sentences that are each a short field; a longer label is a sentence's own colon.
        pytest.param(
            "Date: 2026-09-21. Total: 1h 10m. Result: fixed.",
            "2026-09-21",
            70,
            "success",
            id="sentences",
        ),
        pytest.param(
            "Date: 2026-09-21. The fix in the end was small: one flag.",
            "2026-09-21",
            None,
            None,
            id="sentence-with-colon",
        ),
    ],
)
def test_several_fields_on_one_line(header, date, total, result):
    text = (
        f"# Retro: upload limit\n\n{header}\n\n## What I tried\n\n- Raised the limit (10 min) ✅\n"
    )
    session = parse_session(text, "x.md")
    assert (str(session.date), session.total_minutes) == (date, total)
    if result is not None:
        assert session.result == result


LOG = """# Session log: webhook storm

## Log

- 09:10 tried replaying the dead letters ❌
- 09:30 tried a lower concurrency ❌
- 09:55 tried a token bucket ✅
- {end}
"""


@pytest.mark.parametrize(
    "end",
    ["10:20 wrapped up, wrote the summary", "10:20 wrapped things up"],
    ids=["up", "things-up"],
)
def test_the_logs_closing_entry_is_no_attempt(end):
    assert _minutes(LOG.format(end=end)) == [20, 25, 25]


def test_wrapping_something_is_still_an_attempt():
    log = LOG.format(end="10:20 wrapped the client in a retry ✅\n- 10:40 done")
    assert _minutes(log) == [20, 25, 25, 20]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        pytest.param("tardé 30 minutos en verlo", 30, id="es-tarde"),
        pytest.param("lo abandoné a los 15 minutos", 15, id="es-abandone-a-los"),
        pytest.param("J'ai mis 20 minutes à comprendre", 20, id="fr-jai-mis"),
        pytest.param("abandonné au bout de 10 minutes", 10, id="fr-au-bout-de"),
        # A setting in these languages is still no time spent.
        pytest.param("reintentar a los 5 segundos", None, id="es-setting"),
    ],
)
def test_time_spent_in_spanish_and_french(text, minutes):
    d = spent_duration(text)
    assert (d and d.minutes) == minutes
