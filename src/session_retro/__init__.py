"""session-retro: turn Markdown session reflections into numbers, reports and backlog items."""

__version__ = "0.1.0"
