"""A coordinator sets a community's next meeting in the community form, as a leader texts MØDE."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.audit import audit_log
from shared.communities import community_texts, get_community
from shared.coordinators import add_coordinator
from shared.db import rows
from shared.i18n import TIMEZONE
from shared.meeting_time import describe_meeting
from shared.services import leading
from shared.services.coordinator import (
    UnreadableMeeting, create_community, current_meeting, edit_community,
)

# Friday 27 November 2026, 10:30 in Copenhagen.
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
STRIK_MEMBERS = {"+4520110101", "+4520110606"}  # demo members who take SMS


@pytest.fixture
def anna(demo_db):
    return add_coordinator(demo_db, "Anna", "123456", now=NOW)


def edit_strik(db, coordinator_id: int, **meeting) -> None:
    """Save STRIK's form as it stands, with the meeting fields given."""
    community = get_community(db, "STRIK")
    edit_community(db, "STRIK", town=community["town"], place=community["place"] or "",
                   texts=community_texts(db, "STRIK"), coordinator_id=coordinator_id, now=NOW,
                   **meeting)


def meetings_of(db, code: str) -> list[dict]:
    return rows(db, "SELECT m.* FROM meetings m JOIN communities c ON c.id = m.community_id"
                    " WHERE c.code = ? ORDER BY m.id", (code,))


def audited(db, action: str) -> list[dict]:
    return [e for e in audit_log(db) if e["action"] == action]


def test_the_meeting_is_read_as_a_leader_texts_it_and_stored_by_the_coordinator(demo_db,
                                                                               anna):
    edit_strik(demo_db, anna, meeting="12/12 14:00 Munkebo Bibliotek", language="da")
    [meeting] = meetings_of(demo_db, "STRIK")
    assert (meeting["starts_at"], meeting["weekly"], meeting["place"]) == (
        "2026-12-12T13:00:00+00:00", 0, "Munkebo Bibliotek")
    assert (meeting["set_by_coordinator_id"], meeting["set_by_contact_id"]) == (anna, None)
    [entry] = audited(demo_db, "set_meeting")
    assert (entry["actor"], entry["coordinator_id"], entry["record_kind"],
            entry["record_id"]) == (f"coordinator:{anna}", anna, "meeting", meeting["id"])
    # The form's own save is audited as well, as before.
    assert len(audited(demo_db, "community_edit")) == 1
    shown = current_meeting(demo_db, "STRIK", now=NOW)
    assert describe_meeting(shown, "da", now=NOW) == "lørdag den 12. december kl. 14.00"


def test_a_weekly_meeting_stays_weekly(demo_db, anna):
    edit_strik(demo_db, anna, meeting="hver tirsdag kl 14 Biblioteket", language="da")
    [meeting] = meetings_of(demo_db, "STRIK")
    assert (meeting["weekly"], meeting["place"]) == (1, "Biblioteket")
    # Three weeks on, it still meets on Tuesdays, and is said so.
    later = NOW + timedelta(weeks=3)
    shown = current_meeting(demo_db, "STRIK", now=later)
    assert shown.weekly and shown.starts_at == datetime(2026, 12, 22, 14, 0, tzinfo=TIMEZONE)
    assert describe_meeting(shown, "da", now=later) == "hver tirsdag kl. 14.00"


def test_members_are_reminded_of_it_the_day_before_at_ten(demo_db, anna):
    edit_strik(demo_db, anna, meeting="12/12 14:00 Munkebo Bibliotek", language="da")
    assert leading.remind(demo_db, now=datetime(2026, 12, 11, 9, 59, tzinfo=TIMEZONE)) == 0
    assert leading.remind(demo_db, now=datetime(2026, 12, 11, 10, 0, tzinfo=TIMEZONE)) == 2
    reminded = rows(demo_db, "SELECT phone, body FROM messages WHERE kind = 'reminder'")
    assert {r["phone"] for r in reminded} == STRIK_MEMBERS
    assert all("Munkebo Bibliotek" in r["body"] for r in reminded)


@pytest.mark.parametrize("text", [
    "snart en dag",        # no day, no time
    "i dag kl 8",          # 08:00 today has gone by at 10:30
    "31/2 14:00",          # no such day
    "12/12 2 sal kl 14",   # two times: which one?
])
def test_a_meeting_that_cannot_be_read_is_refused_and_nothing_is_saved(demo_db, anna, text):
    before = community_texts(demo_db, "STRIK")
    community = get_community(demo_db, "STRIK")
    changed = {**before, "da": {**before["da"], "name": "Strikkeklub"}}
    with pytest.raises(UnreadableMeeting) as refused:
        edit_community(demo_db, "STRIK", town=community["town"], place="Et andet sted",
                       texts=changed, coordinator_id=anna, now=NOW, meeting=text,
                       language="da")
    assert refused.value.message == UnreadableMeeting.message  # a msgid the form translates
    assert meetings_of(demo_db, "STRIK") == []
    # The whole form is refused, not only the meeting: the texts and place stay as they were.
    assert community_texts(demo_db, "STRIK") == before
    assert get_community(demo_db, "STRIK")["place"] == community["place"]
    assert audited(demo_db, "community_edit") == [] and audited(demo_db, "set_meeting") == []


def test_an_empty_field_leaves_the_meeting_as_it_is(demo_db, anna):
    edit_strik(demo_db, anna, meeting="12/12 14:00 Munkebo Bibliotek", language="da")
    edit_strik(demo_db, anna, meeting="   ", language="da")
    [meeting] = meetings_of(demo_db, "STRIK")
    assert meeting["cancelled_at"] is None
    assert len(audited(demo_db, "set_meeting")) == 1


def test_a_new_meeting_replaces_the_one_before(demo_db, anna):
    edit_strik(demo_db, anna, meeting="12/12 14:00 Munkebo Bibliotek", language="da")
    edit_strik(demo_db, anna, meeting="i morgen kl 10", language="da")
    first, second = meetings_of(demo_db, "STRIK")
    assert first["cancelled_at"] is not None and second["cancelled_at"] is None
    assert current_meeting(demo_db, "STRIK", now=NOW).starts_at == datetime(
        2026, 11, 28, 10, 0, tzinfo=TIMEZONE)


def test_calling_off_the_meeting_is_audited_and_nobody_is_reminded(demo_db, anna):
    edit_strik(demo_db, anna, meeting="12/12 14:00 Munkebo Bibliotek", language="da")
    edit_strik(demo_db, anna, call_off_meeting=True)
    assert current_meeting(demo_db, "STRIK", now=NOW) is None
    [meeting] = meetings_of(demo_db, "STRIK")
    assert meeting["cancelled_at"] == "2026-11-27T09:30:00+00:00"
    [entry] = audited(demo_db, "call_off_meeting")
    assert (entry["coordinator_id"], entry["record_kind"], entry["record_id"]) == (
        anna, "meeting", meeting["id"])
    assert leading.remind(demo_db, now=datetime(2026, 12, 11, 10, 0, tzinfo=TIMEZONE)) == 0
    # Nothing left to call off: no second audit row.
    edit_strik(demo_db, anna, call_off_meeting=True)
    assert len(audited(demo_db, "call_off_meeting")) == 1


def test_a_new_community_may_have_its_first_meeting_from_the_start(demo_db, anna):
    create_community(demo_db, code="brætspil", town="Munkebo", place="Biblioteket",
                     texts={"da": {"name": "Brætspil"}}, coordinator_id=anna, now=NOW,
                     meeting="hver fredag kl 16 Biblioteket", language="da")
    [meeting] = meetings_of(demo_db, "BRAETSPIL")
    assert (meeting["weekly"], meeting["set_by_coordinator_id"]) == (1, anna)
    assert [e["action"] for e in audit_log(demo_db)][:2] == ["set_meeting", "community_create"]


def test_a_new_community_with_an_unreadable_meeting_is_not_created(demo_db, anna):
    with pytest.raises(UnreadableMeeting):
        create_community(demo_db, code="BRAETSPIL", town="Munkebo", place="",
                         texts={"da": {"name": "Brætspil"}}, coordinator_id=anna, now=NOW,
                         meeting="en fredag", language="da")
    assert rows(demo_db, "SELECT * FROM communities WHERE code = 'BRAETSPIL'") == []


def test_an_english_coordinator_gives_the_hour_as_a_leader_writing_english_would(demo_db,
                                                                                 anna):
    # "at 7" may be morning or evening in English: refused, as for a leader's MEETING.
    with pytest.raises(UnreadableMeeting):
        edit_strik(demo_db, anna, meeting="every Tuesday at 7 Library", language="en")
    edit_strik(demo_db, anna, meeting="every Tuesday at 7pm Library", language="en")
    assert current_meeting(demo_db, "STRIK", now=NOW).starts_at.hour == 19
