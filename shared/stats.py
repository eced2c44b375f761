"""Weekly activity and queue ages for the coordinator's overview."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from shared.clock import iso, parse
from shared.db import Database, rows
from shared.i18n import TIMEZONE

WEEKS = 8
CHANNELS = ("sms", "kiosk")

# One series for what has no channel: introductions are a coordinator's doing.
ALL = "all"

# Each kind of activity: the table holding one row per event, when it happened,
# whether it came by a channel (SMS or a kiosk), and which rows count.
# Trusted constants only: they are put into the SQL text.
_EVENTS = {
    "offers": ("offers", "created_at", True, "1"),
    "feedback": ("feedback", "created_at", True, "1"),
    "joins": ("memberships", "joined_at", True, "1"),
    "needs": ("needs", "created_at", True, "1"),
    "introductions": ("introductions", "created_at", False, "1"),
    # A need is met when the one who needed help answers the follow-up with a yes.
    "needs_met": ("introductions", "helped_at", False, "helped = 1"),
}
ACTIVITY_KINDS = tuple(_EVENTS)


def channels_of(kind: str) -> tuple[str, ...]:
    """Return the series a kind is counted in: per channel, or one for all."""
    return CHANNELS if _EVENTS[kind][2] else (ALL,)


@dataclass(frozen=True)
class Activity:
    """Events per ISO week (Copenhagen time), by channel, and totals per kiosk location."""

    weeks: tuple[date, ...]  # the Monday of each week, oldest first
    by_channel: dict[str, tuple[int, ...]]  # channel (or ALL) -> one count per week
    by_location: dict[str | None, int]  # kiosk location (None if unknown) -> total

    @property
    def week_numbers(self) -> tuple[int, ...]:
        return tuple(monday.isocalendar().week for monday in self.weeks)

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.by_channel.values())


@dataclass(frozen=True)
class Queue:
    """How many records wait, and how long the oldest and the median one have waited."""

    count: int
    oldest: timedelta | None
    median: timedelta | None


def week_of(moment: datetime) -> date:
    """Return the Monday of the ISO week that moment falls in, in Copenhagen."""
    local = moment.astimezone(TIMEZONE).date()
    return local - timedelta(days=local.weekday())


def week_starts(now: datetime, weeks: int = WEEKS) -> tuple[date, ...]:
    """Return the Mondays of the last `weeks` weeks, oldest first, this week last."""
    this_week = week_of(now)
    return tuple(this_week - timedelta(weeks=back) for back in reversed(range(weeks)))


def weekly_activity(db: Database, kind: str, *, now: datetime, weeks: int = WEEKS) -> Activity:
    """Count one kind of activity per week for the last `weeks` weeks up to now."""
    table, column, by_channel, counted = _EVENTS[kind]
    source = "channel, location" if by_channel else f"'{ALL}' AS channel, NULL AS location"
    mondays = week_starts(now, weeks)
    # Weeks are bucketed in Python: SQLite has no time zone database, and its
    # 'localtime' modifier uses the host's zone, not Copenhagen's. Midnight on a
    # Monday always exists in Copenhagen (the clocks change at 2-3 am on Sundays).
    since = datetime.combine(mondays[0], time(0), tzinfo=TIMEZONE)
    # Timestamps are stored by clock.iso() (UTC, one format), so they compare as text.
    found = rows(db, f"SELECT {column} AS at, {source} FROM {table}"
                     f" WHERE {counted} AND {column} >= ? AND {column} <= ?",
                 (iso(since), iso(now)))
    index = {monday: number for number, monday in enumerate(mondays)}
    counts = {channel: [0] * weeks for channel in channels_of(kind)}
    places: Counter = Counter()
    for event in found:
        week = index.get(week_of(parse(event["at"])))
        if week is None or event["channel"] not in counts:
            continue
        counts[event["channel"]][week] += 1
        if event["channel"] == "kiosk":
            places[event["location"]] += 1
    return Activity(weeks=mondays,
                    by_channel={channel: tuple(n) for channel, n in counts.items()},
                    by_location=dict(places.most_common()))


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
