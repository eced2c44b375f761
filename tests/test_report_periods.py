"""Tests for shared.report_periods: whole days in Copenhagen, the period before, ISO weeks."""

from datetime import date, datetime, timezone

import pytest

from shared.report_periods import Period, last_full_month


def test_last_full_month_is_the_month_before_in_copenhagen():
    # 23:30 UTC on 30 November is already 1 December in Copenhagen.
    assert last_full_month(datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)) == \
        Period(date(2026, 11, 1), date(2026, 11, 30))
    assert last_full_month(datetime(2026, 11, 30, 22, 30, tzinfo=timezone.utc)) == \
        Period(date(2026, 10, 1), date(2026, 10, 31))
    assert last_full_month(datetime(2027, 1, 5, tzinfo=timezone.utc)) == \
        Period(date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize(("period", "before"), [
    # A month is compared with the month before, whatever their number of days.
    (Period(date(2026, 11, 1), date(2026, 11, 30)), Period(date(2026, 10, 1), date(2026, 10, 31))),
    (Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2026, 2, 1), date(2026, 2, 28))),
    (Period(date(2026, 1, 1), date(2026, 3, 31)), Period(date(2025, 10, 1), date(2025, 12, 31))),
    # Anything else with as many days just before.
    (Period(date(2026, 11, 10), date(2026, 11, 16)), Period(date(2026, 11, 3), date(2026, 11, 9))),
    (Period(date(2026, 11, 1), date(2026, 11, 29)), Period(date(2026, 10, 3), date(2026, 10, 31))),
])
def test_the_period_before_has_the_same_length(period, before):
    assert period.before() == before


def test_a_period_runs_from_midnight_to_midnight_in_copenhagen():
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    # Summer time on the 1st (UTC+2), winter time after the 25th (UTC+1).
    assert october.since == datetime(2026, 9, 30, 22, 0, tzinfo=timezone.utc)
    assert october.until == datetime(2026, 10, 31, 23, 0, tzinfo=timezone.utc)
    assert october.days == 31


def test_the_weeks_a_period_touches_and_which_are_whole():
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    mondays = november.mondays()
    assert [m.isocalendar().week for m in mondays] == [44, 45, 46, 47, 48, 49]
    assert [november.covers_week(m) for m in mondays] == [False, True, True, True, True, False]


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(date(2026, 11, 2), date(2026, 11, 1))
