"""Queue ages for the coordinator's Overview; its weekly figures come from shared/report_figures.py.

The weeks are counted where the monthly report counts them, so the two never
disagree; the names stay importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from shared.clock import parse
from shared.db import Database, rows
from shared.report_figures import (  # noqa: F401  (the Overview's weekly figures)
    ACTIVITY_KINDS, ALL, CHANNELS, Activity, channels_of, weekly_activity, weekly_people,
)
from shared.report_periods import WEEKS, week_of, week_starts  # noqa: F401


@dataclass(frozen=True)
class Queue:
    """How many records wait, and how long the oldest and the median one have waited."""

    count: int
    oldest: timedelta | None
    median: timedelta | None


def pending_offers(db: Database, *, now: datetime) -> Queue:
    """Return the queue of offers waiting for review."""
    return _queue(db, "SELECT created_at FROM offers WHERE status = 'pending'", now)


def new_feedback(db: Database, *, now: datetime) -> Queue:
    """Return the queue of feedback nobody has read yet."""
    return _queue(db, "SELECT created_at FROM feedback WHERE status = 'new'", now)


def waiting_needs(db: Database, *, now: datetime) -> Queue:
    """Return the queue of needs waiting for a coordinator: none of them asked yet."""
    return _queue(db, "SELECT created_at FROM needs n WHERE status IN ('new', 'open', 'not_met')"
                      " AND NOT EXISTS (SELECT 1 FROM introductions i WHERE i.need_id = n.id"
                      " AND i.status = 'waiting')", now)


def _queue(db: Database, sql: str, now: datetime) -> Queue:
    ages = sorted(max(timedelta(0), now - parse(r["created_at"])) for r in rows(db, sql))
    if not ages:
        return Queue(count=0, oldest=None, median=None)
    middle = median(age.total_seconds() for age in ages)
    return Queue(count=len(ages), oldest=ages[-1], median=timedelta(seconds=middle))
