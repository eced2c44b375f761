"""The spans of time figures are counted over: ISO weeks and report periods, in Copenhagen.

Weeks and days are bucketed in Python, not in SQL: SQLite has no time zone
database, and its 'localtime' modifier uses the host's zone, not Copenhagen's.
Midnight always exists in Copenhagen (the clocks change at 2-3 am on Sundays),
so a day or a week starts at its local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shared.i18n import TIMEZONE

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
WEEKS = 8  # how many weeks back the coordinator's Overview counts


def midnight(day: date) -> datetime:
    """Return the start of the day in Copenhagen, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=TIMEZONE)


def week_of(moment: datetime) -> date:
    """Return the Monday of the ISO week that moment falls in, in Copenhagen."""
    local = moment.astimezone(TIMEZONE).date()
    return local - timedelta(days=local.weekday())


def week_starts(now: datetime, weeks: int = WEEKS) -> tuple[date, ...]:
    """Return the Mondays of the last `weeks` weeks, oldest first, this week last."""
    this_week = week_of(now)
    return tuple(this_week - timedelta(weeks=back) for back in reversed(range(weeks)))


@dataclass(frozen=True)
class Period:
    """Whole days in Copenhagen, first to last inclusive."""

    first: date
    last: date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("A period ends on or after the day it starts")

    @property
    def since(self) -> datetime:
        return midnight(self.first)

    @property
    def until(self) -> datetime:
        """Return the first moment after the period."""
        return midnight(self.last + DAY)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def whole_months(self) -> int:
        """Return how many calendar months the period is, or 0 if it is not whole months."""
        after = self.last + DAY
        if self.first.day != 1 or after.day != 1:
            return 0
        return (after.year - self.first.year) * 12 + after.month - self.first.month

    def before(self) -> Period:
        """Return the period of the same length just before: as many months, or as many days."""
        months = self.whole_months
        if months:
            first = add_months(self.first, -months)
            return Period(first, self.first - DAY)
        return Period(self.first - timedelta(days=self.days), self.first - DAY)

    def mondays(self) -> tuple[date, ...]:
        """Return the Monday of every ISO week the period touches, oldest first."""
        monday = self.first - timedelta(days=self.first.weekday())
        found = []
        while monday <= self.last:
            found.append(monday)
            monday += WEEK
        return tuple(found)

    def covers_week(self, monday: date) -> bool:
        """Tell whether all seven days of that week lie in the period."""
        return self.first <= monday and monday + timedelta(days=6) <= self.last


def add_months(day: date, months: int) -> date:
    """Return the first of the month `months` months from day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_full_month(now: datetime) -> Period:
    """Return the last calendar month that has ended, in Copenhagen."""
    this_month = now.astimezone(TIMEZONE).date().replace(day=1)
    return Period(add_months(this_month, -1), this_month - DAY)
