"""Timestamps as the store keeps them: ISO 8601 in UTC, comparable as text."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Return the current time in UTC (the one place that reads the clock)."""
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """Return a UTC ISO 8601 string with seconds, e.g. 2026-11-27T09:30:00+00:00."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse(text: str) -> datetime:
    """Return the aware datetime stored as text by iso()."""
    return datetime.fromisoformat(text)
