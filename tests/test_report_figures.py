"""Tests for shared.report_figures: what the report counts, and that the Overview counts the same."""

from datetime import date, datetime, timedelta, timezone

import pytest

from shared.audit import record_audit
from shared.communities import join_community, leave_community
from shared.contacts import set_language, touch_contact
from shared.feedback import change_feedback_status, get_feedback, record_feedback, set_for_report
from shared.introductions import (
    create_introduction, end_introduction, record_answer, record_follow_up,
)
from shared.messages import record_inbound
from shared.needs import record_need
from shared.offers import change_offer_status, record_offer
from shared.report_figures import (
    community_flow, feedback_figures, feedback_waits, gather, helping, inbox, offer_waits,
    opt_outs, people, people_per_week, quotes, weekly_activity,
)
from shared.report_periods import Period
from shared.suppression import suppress
from shared.unsorted import record_unsorted, settle_unsorted

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
SINCE, UNTIL = OCTOBER.since, OCTOBER.until


def at(day: int, hour: int = 10) -> datetime:
    """Return a moment in October 2026 (UTC)."""
    return datetime(2026, 10, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def person(db):
    def make(phone: str, language: str = "da") -> int:
        contact = touch_contact(db, phone, now=at(1))
        set_language(db, contact["id"], language)
        return contact["id"]

    return make


def text(db, contact_id: int, phone: str, moment: datetime, number: int) -> None:
    record_inbound(db, provider_id=f"SM{number:032d}", phone=phone, body="HJÆLP", now=moment,
                   contact_id=contact_id)


def test_people_are_counted_once_and_visits_without_a_number_each_time(db, person, community):
    anna = person("+4520000001")
    boris = person("+4520000002", "uk")
    text(db, anna, "+4520000001", at(5), 1)
    text(db, anna, "+4520000001", at(6), 2)
    join_community(db, anna, community, channel="kiosk", location="Munkebo Bibliotek", now=at(6))
    record_offer(db, description="Jeg kan køre", channel="sms", contact_id=boris,
                 town="Munkebo", now=at(7))
    for day in (8, 9):
        record_feedback(db, kind="ros", text="Godt", channel="kiosk", town="Kerteminde",
                        location="Munkebo Bibliotek", now=at(day))
    # Outside October: not counted.
    text(db, anna, "+4520000001", datetime(2026, 9, 30, 21, 0, tzinfo=timezone.utc), 3)
    found = people(db, SINCE, UNTIL)
    assert (found.people, found.sms, found.kiosk) == (4, 2, 3)
    # Anna's texts name no town; her join is in the community's town, Munkebo.
    assert found.by_town == {"Munkebo": 2, "Kerteminde": 2, None: 1}
    assert found.languages == {"da": 1, "uk": 1}


def test_people_per_week_count_a_contact_once_a_week(db, person):
    anna = person("+4520000001")
    for number, day in enumerate((5, 6, 7, 13)):  # week 41 three times, week 42 once
        text(db, anna, "+4520000001", at(day), number)
    weeks = people_per_week(db, OCTOBER.mondays(), SINCE, UNTIL)
    assert weeks.week_numbers == (40, 41, 42, 43, 44)
    assert weeks.by_channel["sms"] == (0, 1, 1, 0, 0)
    assert weeks.by_channel["kiosk"] == (0, 0, 0, 0, 0)


def test_the_overview_and_the_report_count_the_same_offers(db, now):
    for days in (1, 3, 10, 20, 40, 70):
        record_offer(db, description="Hjælp", channel="sms" if days % 2 else "kiosk",
                     now=now - timedelta(days=days))
    overview = weekly_activity(db, "offers", now=now)
    since = datetime.combine(overview.weeks[0], datetime.min.time()).replace(
        tzinfo=OCTOBER.since.tzinfo)
    assert overview.total == helping(db, since, now + timedelta(seconds=1)).offers == 5


def test_offers_needs_introductions_and_help_that_came(db, person):
    anna, boris = person("+4520000001"), person("+4520000002")
    offers = [record_offer(db, description=f"Tilbud {n}", channel="sms", contact_id=boris,
                           now=at(2)) for n in range(4)]
    needs = [record_need(db, contact_id=anna, description=f"Behov {n}", channel="sms",
                         now=at(3)) for n in range(4)]
    agreed, declined, expired, waiting = (
        create_introduction(db, need_id=need, offer_id=offer, coordinator_id=None, now=at(4))
        for need, offer in zip(needs, offers))
    record_answer(db, agreed, "need", True, now=at(4, 12))
    record_answer(db, agreed, "offer", True, now=at(4, 13))
    record_follow_up(db, agreed, True, now=at(18))
    record_answer(db, declined, "offer", False, now=at(5))
    end_introduction(db, expired, "expired", reason="no_answer", now=at(7))
    found = helping(db, SINCE, UNTIL)
    assert (found.offers, found.needs, found.helped) == (4, 4, 1)
    assert found.introductions == {"waiting": 1, "agreed": 1, "declined": 1, "expired": 1,
                                   "ended": 0}
    assert waiting


def test_joins_and_leaves_per_community(db, person, community):
    anna, boris = person("+4520000001"), person("+4520000002")
    join_community(db, anna, community, channel="sms",
                   now=datetime(2026, 9, 20, tzinfo=timezone.utc))
    leave_community(db, anna, community, now=at(3))
    join_community(db, boris, community, channel="kiosk", now=at(4))
    [flow] = community_flow(db, SINCE, UNTIL, "en")
    assert (flow.code, flow.name, flow.joins, flow.leaves) == ("KAFFE", "Coffee club", 1, 1)
    assert community_flow(db, SINCE, UNTIL, "uk")[0].name == "Kaffeklub"  # Danish fallback


def test_feedback_by_kind_rating_and_answers(db, person):
    anna = person("+4520000001")
    answered = record_feedback(db, kind="ris", text="Mørkt", channel="sms", contact_id=anna,
                               rating=2, now=at(2))
    change_feedback_status(db, answered, "answered", reply="Tak", now=at(2, 16))
    record_feedback(db, kind="ros", text="Fint", channel="sms", contact_id=anna, rating=5,
                    now=at(3))
    record_feedback(db, kind="ros", text="Godt", channel="kiosk", now=at(4))
    found = feedback_figures(db, SINCE, UNTIL)
    assert found.by_kind == {"ros": 2, "ris": 1, "ide": 0}
    assert (found.total, found.answerable, found.answered) == (3, 2, 1)
    assert (found.ratings, found.average_rating) == (2, 3.5)


def test_waits_give_the_median_and_nine_in_ten(db, person):
    anna = person("+4520000001")
    hours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]
    for waited in hours:
        item = record_feedback(db, kind="ide", text="Bænk", channel="sms", contact_id=anna,
                               now=at(2))
        change_feedback_status(db, item, "answered", reply="Tak",
                               now=at(2) + timedelta(hours=waited))
    record_feedback(db, kind="ide", text="Lys", channel="sms", contact_id=anna, now=at(3))
    archived = record_feedback(db, kind="ros", text="Tak", channel="sms", contact_id=anna,
                               now=at(3))
    change_feedback_status(db, archived, "archived", now=at(4))
    record_feedback(db, kind="ros", text="Anonym", channel="kiosk", now=at(3))
    waits = feedback_waits(db, SINCE, UNTIL)
    # The archived one and the anonymous one wait for nothing.
    assert (waits.answered, waits.waiting) == (10, 1)
    assert waits.median == timedelta(hours=5.5)
    assert waits.p90 == timedelta(hours=9)


def test_an_offer_waits_until_the_first_decision(db):
    decided = record_offer(db, description="A", channel="sms", now=at(2))
    record_audit(db, actor="coordinator:1", action="offer_ask", record_kind="offer",
                 record_id=decided, now=at(3))
    record_audit(db, actor="coordinator:1", action="offer_approve", record_kind="offer",
                 record_id=decided, now=at(9))
    record_offer(db, description="B", channel="sms", now=at(4))  # still pending
    withdrawn = record_offer(db, description="C", channel="sms", now=at(4))
    change_offer_status(db, withdrawn, "withdrawn", now=at(5))
    waits = offer_waits(db, SINCE, UNTIL)
    assert (waits.answered, waits.waiting, waits.median) == (1, 1, timedelta(days=1))


def test_inbox_received_handled_and_how_fast(db, person):
    anna = person("+4520000001")
    first = record_unsorted(db, contact_id=anna, message_id=None, text="Hvem ringer jeg til?",
                            language="da", now=at(2))
    settle_unsorted(db, first, "answered", reply="Borgerservice", now=at(2, 14))
    record_unsorted(db, contact_id=anna, message_id=None, text="Og bussen?", language="da",
                    now=at(3))
    found = inbox(db, SINCE, UNTIL)
    assert found.received == 2
    assert found.outcomes == {"answered": 1, "feedback": 0, "offer": 0, "archived": 0}
    assert (found.waits.answered, found.waits.waiting) == (1, 1)
    assert found.waits.median == timedelta(hours=4)


def test_opt_outs_count_the_suppression_list(db):
    suppress(db, "+4520000001", now=at(5))
    suppress(db, "+4520000002", now=datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert opt_outs(db, SINCE, UNTIL) == 1


def test_only_feedback_a_coordinator_chose_is_quoted(db):
    chosen = record_feedback(db, kind="ros", text="Tak for bænken", channel="kiosk", now=at(2))
    record_feedback(db, kind="ris", text="Ikke valgt", channel="kiosk", now=at(3))
    assert get_feedback(db, chosen)["for_report"] == 0  # nothing is quoted by default
    set_for_report(db, chosen, True)
    assert quotes(db, SINCE, UNTIL) == [{"kind": "ros", "text": "Tak for bænken"}]
    set_for_report(db, chosen, False)
    assert quotes(db, SINCE, UNTIL) == []


def test_gather_counts_the_period_and_the_one_before(db, now):
    record_offer(db, description="I oktober", channel="sms", now=at(12))
    record_offer(db, description="I september", channel="sms",
                 now=datetime(2026, 9, 12, tzinfo=timezone.utc))
    report = gather(db, OCTOBER, now=now, language="da")
    assert report.before == Period(date(2026, 9, 1), date(2026, 9, 30))
    assert (report.now.helping.offers, report.earlier.helping.offers) == (1, 1)
    assert report.made_at == now
