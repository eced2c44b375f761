"""Citizens lead their community by SMS: messages with a preview, meetings, reminders, absences."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from shared import meetings
from shared.contacts import find_contact, touch_contact
from shared.coordinators import add_coordinator
from shared.communities import join_community
from shared.db import row, rows
from shared.i18n import TIMEZONE
from shared.replies import Reply, render_reply
from shared.services import leading
from shared.services.sms import handle_inbound_sms

LEADER, MEMBER, STRANGER = "+4520110101", "+4520110606", "+4520110404"  # demo contacts
SIDS = itertools.count(1)
# A Monday morning in Copenhagen.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=TIMEZONE)


class Phones:
    def __init__(self, db, now):
        self.db, self.now = db, now

    def text(self, phone: str, body: str) -> str:
        return handle_inbound_sms(self.db, provider_id=f"SM{next(SIDS):032x}", phone=phone,
                                  body=body, now=self.now)


@pytest.fixture
def phones(demo_db):
    return Phones(demo_db, MONDAY)


@pytest.fixture
def inge(demo_db):
    anna = add_coordinator(demo_db, "Anna", "123456", now=MONDAY)
    contact = find_contact(demo_db, LEADER)
    leading.appoint(demo_db, "STRIK", contact["id"], "Inge Marie", coordinator_id=anna,
                    now=MONDAY)
    return {"coordinator": anna, **contact}


def broadcast_to(db, phone: str) -> list[str]:
    return [m["body"] for m in rows(db, "SELECT body FROM messages WHERE phone = ? AND"
                                        " kind = 'broadcast' ORDER BY id", (phone,))]


def test_a_new_leader_is_told_what_they_can_text(demo_db, inge):
    welcome = row(demo_db, "SELECT body FROM messages WHERE phone = ? AND kind = 'notice'",
                  (LEADER,))["body"]
    assert "SEND STRIK" in welcome and "MØDE STRIK" in welcome


def test_a_leader_previews_then_sends_once_to_every_member_and_nobody_else(phones, demo_db,
                                                                          inge):
    preview = phones.text(LEADER, "SEND STRIK Vi mødes i biblioteket på torsdag")
    assert preview == render_reply(Reply("send_preview", {
        "count": 1, "name": "Strikkecafé", "segments": 1}), "da")
    assert broadcast_to(demo_db, MEMBER) == []  # nothing before JA
    assert phones.text(LEADER, "JA") == render_reply(
        Reply("send_done", {"name": "Strikkecafé"}), "da")
    assert broadcast_to(demo_db, MEMBER) == [
        "Fra Strikkecafé (Inge): Vi mødes i biblioteket på torsdag"]
    assert broadcast_to(demo_db, LEADER) == [] and broadcast_to(demo_db, STRANGER) == []
    audited = row(demo_db, "SELECT actor, record_kind FROM audit WHERE action = 'leader_message'")
    assert audited == {"actor": f"contact:{inge['id']}", "record_kind": "broadcast"}


def test_no_means_nothing_is_sent(phones, demo_db, inge):
    phones.text(LEADER, "SEND STRIK Aflyst i dag")
    assert phones.text(LEADER, "NEJ") == render_reply(Reply("send_cancelled"), "da")
    assert broadcast_to(demo_db, MEMBER) == []


def test_someone_who_is_not_a_leader_gets_a_kind_no(phones, demo_db, inge):
    assert phones.text(MEMBER, "SEND STRIK Hej alle") == render_reply(
        Reply("not_leader", {"code": "STRIK"}), "da")
    assert phones.text(MEMBER, "JA") != render_reply(Reply("send_done", {"name": "Strikkecafé"}),
                                                     "da")
    assert rows(demo_db, "SELECT * FROM messages WHERE kind = 'broadcast'") == []


def test_three_messages_a_day_at_most_and_a_paused_leader_sends_none(phones, demo_db, inge):
    for n in range(3):
        phones.text(LEADER, f"SEND STRIK Besked {n}")
        phones.text(LEADER, "JA")
    assert phones.text(LEADER, "SEND STRIK En fjerde") == render_reply(
        Reply("send_limit", {"name": "Strikkecafé", "max": 3}), "da")
    phones.now += timedelta(days=1)
    leading.pause(demo_db, "STRIK", inge["id"], coordinator_id=inge["coordinator"],
                  now=phones.now)
    assert phones.text(LEADER, "SEND STRIK Næste dag") == render_reply(
        Reply("leader_paused", {"code": "STRIK"}), "da")


def test_a_meeting_is_repeated_in_words_reminded_once_and_absences_are_counted(phones, demo_db,
                                                                             inge):
    reply = phones.text(LEADER, "MØDE STRIK 10/12 14:00 Munkebo Bibliotek")
    assert "torsdag den 10. december" in reply and "Munkebo Bibliotek" in reply
    # Reminders go at 10:00 the day before, once each however often the worker looks.
    assert leading.remind(demo_db, now=datetime(2026, 12, 9, 9, 59, tzinfo=TIMEZONE)) == 0
    due = datetime(2026, 12, 9, 10, 0, tzinfo=TIMEZONE)
    assert leading.remind(demo_db, now=due) == 2
    assert leading.remind(demo_db, now=due + timedelta(minutes=1)) == 0
    reminder = row(demo_db, "SELECT body FROM messages WHERE phone = ? AND kind = 'reminder'",
                   (MEMBER,))["body"]
    assert "AFBUD STRIK" in reminder and "Munkebo Bibliotek" in reminder
    phones.now = due
    assert "torsdag den 10. december" in phones.text(MEMBER, "AFBUD STRIK")
    status = phones.text(LEADER, "MØDE STRIK")
    assert "1" in status and MEMBER not in status


def test_a_meeting_set_again_at_the_same_time_is_not_reminded_twice_and_keeps_its_absences(
        phones, demo_db, inge):
    phones.text(LEADER, "MØDE STRIK 10/12 14:00 Munkebo Bibliotek")
    due = datetime(2026, 12, 9, 10, 0, tzinfo=TIMEZONE)
    assert leading.remind(demo_db, now=due) == 2
    phones.now = due
    phones.text(MEMBER, "AFBUD STRIK")
    # The leader corrects the place after the reminders went: the same occurrence.
    phones.text(LEADER, "MØDE STRIK 10/12 14:00 Kerteminde Bibliotek")
    assert leading.remind(demo_db, now=due + timedelta(minutes=1)) == 0
    assert len(rows(demo_db, "SELECT id FROM messages WHERE kind = 'reminder'")) == 2
    found = meetings.next_meeting(demo_db, "STRIK", now=phones.now)
    assert meetings.absences(demo_db, found) == 1  # the absence still counts
    # Moved to another time, it is a new occurrence, reminded again.
    phones.text(LEADER, "MØDE STRIK 10/12 16:00 Kerteminde Bibliotek")
    assert leading.remind(demo_db, now=due + timedelta(minutes=2)) == 2


def test_an_unreadable_date_gets_an_example_never_a_guess(phones, demo_db, inge):
    assert phones.text(LEADER, "MØDE STRIK snart en dag") == render_reply(
        Reply("meeting_how", {"code": "STRIK"}), "da")
    assert rows(demo_db, "SELECT * FROM meetings") == []


def test_a_stranger_cannot_set_a_meeting_or_send_absence_outside_their_communities(phones,
                                                                                  demo_db,
                                                                                  inge):
    assert phones.text(STRANGER, "MØDE STRIK 10/12 14:00") == render_reply(
        Reply("not_leader", {"code": "STRIK"}), "da")
    assert phones.text(STRANGER, "AFBUD STRIK") == render_reply(
        Reply("not_member", {"code": "STRIK"}), "da")


def test_the_next_meeting_shows_in_the_welcome_and_on_the_kiosk_page(phones, demo_db, inge):
    phones.text(LEADER, "MØDE STRIK 10/12 14:00 Munkebo Bibliotek")
    welcome = phones.text(STRANGER, "DELTAG STRIK")
    assert "torsdag den 10. december kl. 14.00" in welcome and "Munkebo Bibliotek" in welcome
    page = leading.community_page(demo_db, "STRIK", "da", now=MONDAY)
    assert page["next_meeting"] == "torsdag den 10. december kl. 14.00"
    assert page["leaders"] == ["Inge"]


@pytest.mark.asyncio
async def test_the_kiosk_page_names_the_leaders_and_the_next_time(kiosk, demo_db, inge):
    from shared.services.leading import set_meeting
    from shared import engine

    with_meeting = engine.SetMeetingBySms("STRIK", datetime(2027, 1, 14, 14, 0, tzinfo=TIMEZONE),
                                          False, "Munkebo Bibliotek", "")
    set_meeting(demo_db, inge, with_meeting, now=MONDAY)
    async with kiosk() as k:
        from kiosk.screens.communities import CommunityScreen

        k.app.push_screen(CommunityScreen("STRIK"))
        await k.until(lambda: k.app.screen.id == "community")
        await k.until(lambda: "Inge" in k.text("#community-leaders"))
        assert "14. januar" in k.text("#community-when")
        assert "Munkebo Bibliotek" in k.text("#community-when")


def test_the_communities_export_names_the_leaders_by_first_name_only(demo_db, inge):
    from shared.exports import export_rows

    strik = next(r for r in export_rows(demo_db, "communities") if r["code"] == "STRIK")
    assert strik["leaders"] == "Inge"
    assert LEADER not in repr(strik)
