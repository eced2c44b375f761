"""Tests for shared.stats: ISO weeks in Copenhagen time, channels, places and queue ages."""

from datetime import date, datetime, timedelta, timezone

import pytest

from shared.communities import join_community
from shared.contacts import touch_contact
from shared.feedback import change_feedback_status, record_feedback
from shared.offers import record_offer
from shared.stats import (
    ACTIVITY_KINDS, ALL, Queue, channels_of, new_feedback, pending_offers, waiting_needs, week_of,
    week_starts, weekly_activity,
)

# Friday 27 November 2026, 10:30 in Copenhagen (winter time, UTC+1): ISO week 48.
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def offer(db, at, channel="sms", location=None) -> int:
    return record_offer(db, description="Jeg kan hjælpe", channel=channel,
                        location=location, now=at)


def test_the_last_eight_weeks_end_with_this_one():
    mondays = week_starts(NOW)
    assert len(mondays) == 8
    assert mondays[-1] == date(2026, 11, 23)
    assert mondays[0] == date(2026, 10, 5)
    assert all(monday.weekday() == 0 for monday in mondays)


@pytest.mark.parametrize("moment, monday", [
    # Winter (UTC+1): Sunday 23:30 local is Sunday 22:30 UTC, still week 47 ...
    (utc(2026, 11, 22, 22, 30), date(2026, 11, 16)),
    # ... and Monday 00:30 local is Sunday 23:30 UTC, already week 48.
    (utc(2026, 11, 22, 23, 30), date(2026, 11, 23)),
    # Summer (UTC+2): Monday 00:30 local is Sunday 22:30 UTC.
    (utc(2026, 10, 18, 21, 30), date(2026, 10, 12)),
    (utc(2026, 10, 18, 22, 30), date(2026, 10, 19)),
])
def test_week_of_uses_copenhagen_time(moment, monday):
    assert week_of(moment) == monday


def test_offers_counted_per_copenhagen_week_and_channel(db):
    offer(db, utc(2026, 11, 22, 22, 30))  # Sunday 23:30 local: week 47
    offer(db, utc(2026, 11, 22, 23, 30))  # Monday 00:30 local: week 48
    offer(db, utc(2026, 11, 27, 9, 0), "kiosk", "Munkebo Bibliotek")
    offer(db, utc(2026, 11, 26, 12, 0), "kiosk", "Munkebo Bibliotek")
    offer(db, utc(2026, 10, 18, 21, 30), "kiosk", "Langeskov Bibliotek")  # summer, week 42
    offer(db, utc(2026, 10, 18, 22, 30))  # summer, Monday 00:30 local: week 43
    activity = weekly_activity(db, "offers", now=NOW)
    assert activity.week_numbers == (41, 42, 43, 44, 45, 46, 47, 48)
    assert activity.by_channel == {"sms": (0, 0, 1, 0, 0, 0, 1, 1),
                                   "kiosk": (0, 1, 0, 0, 0, 0, 0, 2)}
    assert activity.by_location == {"Munkebo Bibliotek": 2, "Langeskov Bibliotek": 1}
    assert activity.total == 6


def test_only_the_window_up_to_now_counts(db):
    # Week 41 starts Monday 5 October 00:00 local = Sunday 4 October 22:00 UTC (summer time).
    offer(db, utc(2026, 10, 4, 21, 59))
    offer(db, utc(2026, 10, 4, 22, 0))
    offer(db, NOW)
    offer(db, NOW + timedelta(seconds=1))  # a clock that ran ahead: not yet
    activity = weekly_activity(db, "offers", now=NOW)
    assert activity.by_channel["sms"] == (1, 0, 0, 0, 0, 0, 0, 1)


def test_feedback_and_joins_count_too(db, community):
    contact = touch_contact(db, "20 11 22 33", now=NOW)
    record_feedback(db, kind="ros", text="Godt", channel="kiosk", location=None,
                    now=NOW - timedelta(days=1))
    record_feedback(db, kind="ide", text="Bænk", channel="sms", now=NOW - timedelta(weeks=1))
    join_community(db, contact["id"], community, channel="kiosk", location="Munkebo Bibliotek",
                   now=NOW - timedelta(hours=1))
    feedback = weekly_activity(db, "feedback", now=NOW, weeks=2)
    assert feedback.by_channel == {"sms": (1, 0), "kiosk": (0, 1)}
    assert feedback.by_location == {None: 1}
    joins = weekly_activity(db, "joins", now=NOW, weeks=2)
    assert joins.by_channel == {"sms": (0, 0), "kiosk": (0, 1)}
    assert joins.by_location == {"Munkebo Bibliotek": 1}


def test_empty_store_has_zero_weeks(db):
    for kind in ACTIVITY_KINDS:
        activity = weekly_activity(db, kind, now=NOW)
        assert activity.by_channel == {channel: (0,) * 8 for channel in channels_of(kind)}
        assert activity.by_location == {}


def test_queue_ages_of_pending_offers(db):
    for days in (6, 3, 1, 2):
        offer(db, NOW - timedelta(days=days))
    assert pending_offers(db, now=NOW) == Queue(count=4, oldest=timedelta(days=6),
                                                median=timedelta(days=2.5))


def test_feedback_queue_counts_only_new(db):
    first = record_feedback(db, kind="ris", text="Mørkt", channel="sms",
                            now=NOW - timedelta(days=9))
    record_feedback(db, kind="ros", text="Fint", channel="sms", now=NOW - timedelta(hours=5))
    assert new_feedback(db, now=NOW).oldest == timedelta(days=9)
    change_feedback_status(db, first, "read", now=NOW)
    assert new_feedback(db, now=NOW) == Queue(count=1, oldest=timedelta(hours=5),
                                              median=timedelta(hours=5))


def test_empty_queues(db):
    assert pending_offers(db, now=NOW) == Queue(count=0, oldest=None, median=None)
    assert new_feedback(db, now=NOW) == Queue(count=0, oldest=None, median=None)


def introduced(db, contact, helper_offer, *, at, coordinator) -> tuple[int, int]:
    """Record a need and introduce it at `at`; return the need's and the introduction's ids."""
    from shared.needs import record_need
    from shared.services import introducing

    need = record_need(db, contact_id=contact["id"], description="En tur", channel="sms",
                       now=at)
    return need, introducing.propose(db, need, helper_offer, coordinator_id=coordinator,
                                     now=at)


def test_needs_introductions_and_needs_met_count_per_week(db):
    from shared.coordinators import add_coordinator
    from shared.needs import record_need
    from shared.services import introducing
    from shared.services.decisions import decide_offer

    anna = add_coordinator(db, "Anna", "123456", now=NOW)
    helper = touch_contact(db, "20 11 22 34", now=NOW)
    lift = record_offer(db, contact_id=helper["id"], description="Kørsel", channel="sms",
                        now=NOW - timedelta(weeks=3))
    decide_offer(db, lift, "approve", coordinator_id=anna, now=NOW - timedelta(weeks=3))
    record_need(db, contact_id=helper["id"], description="Hjælp i haven", channel="kiosk",
                location="Munkebo Bibliotek", now=NOW - timedelta(days=1))
    asker = touch_contact(db, "20 11 22 35", now=NOW)
    _need, met = introduced(db, asker, lift, at=NOW - timedelta(weeks=2), coordinator=anna)
    introducing.answer(db, met, "need", True, name=None, now=NOW - timedelta(weeks=2))
    introducing.answer(db, met, "offer", True, name=None, now=NOW - timedelta(weeks=2))
    introducing.follow_up_answer(db, met, True, now=NOW - timedelta(hours=2))
    other = touch_contact(db, "20 11 22 36", now=NOW)
    introduced(db, other, lift, at=NOW - timedelta(days=1), coordinator=anna)

    needs = weekly_activity(db, "needs", now=NOW, weeks=3)
    assert needs.by_channel == {"sms": (1, 0, 1), "kiosk": (0, 0, 1)}
    assert needs.by_location == {"Munkebo Bibliotek": 1}
    # Introductions and a need met are a coordinator's and a follow-up's doing: no channel.
    assert weekly_activity(db, "introductions", now=NOW, weeks=3).by_channel == {
        ALL: (1, 0, 1)}
    assert weekly_activity(db, "needs_met", now=NOW, weeks=3).by_channel == {ALL: (0, 0, 1)}


def test_the_needs_queue_leaves_out_needs_with_an_introduction_waiting(db):
    from shared.coordinators import add_coordinator
    from shared.needs import record_need
    from shared.services.decisions import decide_offer

    anna = add_coordinator(db, "Anna", "123456", now=NOW)
    helper = touch_contact(db, "20 11 22 34", now=NOW)
    lift = record_offer(db, contact_id=helper["id"], description="Kørsel", channel="sms",
                        now=NOW)
    decide_offer(db, lift, "approve", coordinator_id=anna, now=NOW)
    asker = touch_contact(db, "20 11 22 35", now=NOW)
    record_need(db, contact_id=asker["id"], description="Indkøb", channel="sms",
                now=NOW - timedelta(days=4))
    introduced(db, asker, lift, at=NOW - timedelta(days=9), coordinator=anna)
    assert waiting_needs(db, now=NOW) == Queue(count=1, oldest=timedelta(days=4),
                                               median=timedelta(days=4))
