"""analysis.json's encoding: compiled record converters plus orjson (issue 8).

The bytes must stay those of the generic walk written with ``json.dumps(...,
ensure_ascii=False)``: floats at 4 places, Enums as their values, dates as ISO text,
records as their fields in order. `_reference` is that walk, kept here as the oracle;
each case is a record shape whose compiled converter takes a different branch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from enum import Enum, StrEnum

import orjson
import pytest

from session_retro.analysis import _plain


class Colour(StrEnum):
    RED = "red"


class Size(Enum):
    BIG = 3


@dataclass(frozen=True, slots=True)
class Leafy:
    text: str
    line: int
    flag: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class Weighed:
    name: str
    weight: float
    minutes: float | None


@dataclass(frozen=True, slots=True)
class Nested:
    head: Weighed
    maybe: Weighed | None
    items: tuple[Weighed, ...]
    plain_items: tuple[Leafy, ...]
    pairs: tuple[tuple[str, float], ...]
    optional_items: tuple[Weighed, ...] | None


@dataclass(frozen=True, slots=True)
class Odd:
    when: date | None
    colour: str
    size: Size
    mixed: int | float
    _private: int
    unknown: object


def _reference(value):
    """The generic walk analysis.json was written with before the compiled converters."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, tuple | list):
        return [_reference(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _reference(v) for k, v in value.items()}
    if is_dataclass(value):
        return {f.name: _reference(getattr(value, f.name)) for f in fields(value)}
    return value.isoformat()


W_ROUND = Weighed("a", 0.1 + 0.2, 1 / 3)
W_FITS = Weighed("b", 0.5, None)
LEAFY = Leafy('é \u2028 \x01 "q"', 3, True, None)

CASES = [
    pytest.param(LEAFY, id="leaves only: orjson writes the record itself"),
    pytest.param(W_FITS, id="floats already at 4 places: the record itself"),
    pytest.param(W_ROUND, id="a float to round: a dict"),
    pytest.param(Weighed("c", 2, 7), id="ints in float fields stay ints"),
    pytest.param(
        Nested(W_FITS, None, (W_FITS, W_FITS), (LEAFY,), (("x", 0.25),), None),
        id="nested records that all fit",
    ),
    pytest.param(
        Nested(W_FITS, W_ROUND, (W_FITS, W_ROUND), (LEAFY,), (("x", 2 / 3),), (W_ROUND,)),
        id="nested records, some to round, inside tuples and pairs",
    ),
    pytest.param(
        Odd(date(2026, 3, 1), Colour.RED, Size.BIG, 1.23456, 5, {"k": 1 / 7, 2: (1.5,)}),
        id="date, Enums, a union, a _private field orjson would drop, an undeclared value",
    ),
    pytest.param(
        Odd(None, "plain", Size.BIG, 4, 0, None), id="None date, int in an int|float field"
    ),
    pytest.param((W_ROUND, [W_FITS], {"n": LEAFY}), id="records inside plain containers"),
]


@pytest.mark.parametrize("value", CASES)
def test_bytes_are_the_generic_walks(value):
    want = json.dumps(_reference(value), ensure_ascii=False, separators=(",", ":")).encode()
    assert orjson.dumps(_plain(value)) == want
    indented = json.dumps(_reference(value), ensure_ascii=False, indent=2).encode()
    assert orjson.dumps(_plain(value), option=orjson.OPT_INDENT_2) == indented


def test_a_record_that_fits_is_not_copied():
    # the point of the fit test: no dict per record when nothing needs rounding
    assert _plain(W_FITS) is W_FITS
    assert _plain(LEAFY) is LEAFY
    assert _plain(W_ROUND) == {"name": "a", "weight": 0.3, "minutes": 0.3333}
