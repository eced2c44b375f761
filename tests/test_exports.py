"""Tests for shared.exports: the fields design.md promises for each kind."""

import pytest

from shared.communities import join_community, leave_community
from shared.contacts import touch_contact
from shared.exports import EXPORT_KINDS, export_rows
from shared.feedback import record_feedback
from shared.offers import record_offer

# From design.md, "Fixed outer interface": outside tests rely on these names.
OFFER_FIELDS = {"id", "phone", "category", "description", "town", "status", "channel",
                "location", "created_at"}
FEEDBACK_FIELDS = {"id", "phone", "kind", "text", "rating", "town", "status", "channel",
                   "location", "created_at"}
MEMBER_FIELDS = {"code", "phone", "joined_at", "channel"}


def test_export_kinds_match_the_cli_promise():
    assert set(EXPORT_KINDS) == {"offers", "feedback", "communities", "members", "messages"}


def test_offers_carry_the_promised_fields(db, contact, now):
    record_offer(db, contact_id=contact["id"], description="Lift til Odense", category="transport",
                 town="Dalby", channel="kiosk", location="Rådhuset", now=now)
    record_offer(db, description="Anonym hjælp", channel="kiosk", now=now)
    mine, anonymous = export_rows(db, "offers")
    assert OFFER_FIELDS <= set(mine)
    assert {k: mine[k] for k in ("phone", "category", "description", "town", "status",
                                 "channel", "location")} == {
        "phone": "+4520112233", "category": "transport", "description": "Lift til Odense",
        "town": "Dalby", "status": "pending", "channel": "kiosk", "location": "Rådhuset"}
    assert anonymous["phone"] is None


def test_feedback_phone_is_none_when_anonymous(db, contact, now):
    record_feedback(db, kind="ide", text="Flere bænke", rating=4, town="Munkebo",
                    channel="kiosk", location="Munkebo Bibliotek", now=now)
    record_feedback(db, kind="ros", text="Tak", contact_id=contact["id"], channel="sms", now=now)
    anonymous, known = export_rows(db, "feedback")
    assert FEEDBACK_FIELDS <= set(anonymous)
    assert (anonymous["phone"], anonymous["kind"], anonymous["rating"], anonymous["location"]) == (
        None, "ide", 4, "Munkebo Bibliotek")
    assert known["phone"] == "+4520112233"


def test_members_carry_code_phone_and_channel_of_current_members(db, contact, community, now):
    other = touch_contact(db, "30112233", now=now)
    join_community(db, contact["id"], community, channel="kiosk", location="Munkebo Bibliotek",
                   now=now)
    join_community(db, other["id"], community, channel="sms", now=now)
    leave_community(db, other["id"], community, now=now)
    [member] = export_rows(db, "members")
    assert MEMBER_FIELDS <= set(member)
    assert (member["code"], member["phone"], member["channel"]) == (
        "KAFFE", "+4520112233", "kiosk")


def test_communities_and_messages_export_from_the_demo(demo_db):
    communities = export_rows(demo_db, "communities")
    assert len(communities) == demo_db.execute("SELECT count(*) FROM communities").fetchone()[0]
    assert all(c["code"] and c["name_da"] for c in communities)
    assert [c["code"] for c in communities] == sorted(c["code"] for c in communities)
    assert export_rows(demo_db, "messages") == []


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_every_kind_exports_from_an_empty_store(db, kind):
    assert export_rows(db, kind) == []


@pytest.mark.parametrize("kind", ["contacts", "", "OFFERS"])
def test_unknown_kind_raises(db, kind):
    with pytest.raises(ValueError, match="Unknown export kind"):
        export_rows(db, kind)
