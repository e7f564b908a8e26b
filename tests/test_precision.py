"""Numbers that are no durations and dates that are not the session's (issue 4).

Each row comes from a reflection full of figures of other kinds (status codes,
counts, settings, versions, other events' dates) and says which reading it guards.
"""

from __future__ import annotations

import pytest

from session_retro.parse.durations import find_duration


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # The plural of an HTTP status is no length in seconds.
        pytest.param("Still a wave of 500s during the next deploy.", None, id="wave-of-500s"),
        pytest.param("We got 502s from the gateway on 3% of requests.", None, id="got-502s"),
        pytest.param("429s from the partner API within seconds", None, id="429s-from"),
        # ...unless the words around it make it one.
        pytest.param("a 500s timeout on the export job", 8.33, id="500s-timeout"),
        pytest.param("gave up after 450s", 7.5, id="after-450s"),
        # Millions: "10m rows" and "40M filas" count rows, not minutes.
        pytest.param("One UPDATE over all 10m rows", None, id="million-rows"),
        pytest.param("la tabla de pedidos tiene 40M filas", None, id="million-capital"),
        pytest.param("raised it to a 10m timeout", 10, id="minutes-before-a-setting"),
    ],
)
def test_figures_that_count_something_else(text, minutes):
    d = find_duration(text)
    assert (d and d.minutes) == minutes
