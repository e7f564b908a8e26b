"""Records to plain JSON-ready dicts, in the field order of the published schema."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum

from .model import Session

_SESSION_KEYS = (
    "source",
    "title",
    "date",
    "started_at",
    "ended_at",
    "project",
    "tags",
    "total_minutes",
    "total_source",
    "ideal_minutes",
    "result",
    "attempts",
    "time_analysis",
    "root_causes",
    "lessons",
    "went_right",
    "recommendations",
    "action_items",
    "key_takeaway",
    "warnings",
)


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def session_to_dict(s: Session) -> dict:
    """The record `retro parse` prints (see `schema/session.schema.json`)."""
    d = {k: _plain(getattr(s, k)) for k in _SESSION_KEYS}
    for w in d["warnings"]:
        w.pop("path", None)
    if s.error is not None:
        d["error"] = s.error
    return d
