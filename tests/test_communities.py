"""Tests for shared.communities: codes, texts per language, status and memberships."""

from datetime import timedelta

import pytest

from shared.clock import iso
from shared.communities import (
    community_codes, create_community, get_community, join_community, leave_community,
    list_communities, members_of, memberships_of, set_community_status, validate_code,
)
from shared.contacts import touch_contact
from shared.errors import IllegalTransition, InvalidValue, NotFound


@pytest.mark.parametrize(("raw", "code"), [
    ("strik", "STRIK"), (" Fodslaw ", "FODSLAW"), ("læse", "LAESE"), ("2GO", "2GO"),
])
def test_validate_code_folds_to_upper_case(raw, code):
    assert validate_code(raw) == code


@pytest.mark.parametrize("raw", [
    "TILBYD", "tilbyd", "HELP", "hjælp", "STOP", "JA", "nej",  # keywords and answers
    "AB", "ELEVENCHARS", "STR IK", "STRIK!", "", None, "123",  # bad patterns
])
def test_validate_code_rejects(raw):
    with pytest.raises(InvalidValue):
        validate_code(raw)


def make(db, now, code, town="Kerteminde", **kwargs):
    texts = kwargs.pop("texts", {"da": {"name": f"{code} på dansk", "schedule": "Tirsdage"}})
    return create_community(db, code=code, town=town, texts=texts, now=now, **kwargs)


def test_create_and_get_community(db, now):
    community_id = make(db, now, "strik", place="Biblioteket",
                        texts={"da": {"name": "Strikkecafé", "description": "Kaffe og garn"},
                               "en": {"name": "Knitting café"}})
    found = get_community(db, "Strik")
    assert found["id"] == community_id
    assert (found["code"], found["name"], found["description"], found["place"]) == (
        "STRIK", "Strikkecafé", "Kaffe og garn", "Biblioteket")
    assert (found["status"], found["members"], found["created_at"]) == ("active", 0, iso(now))
    assert get_community(db, "STRIK", "en")["name"] == "Knitting café"


def test_duplicate_code_raises(db, now):
    make(db, now, "STRIK")
    with pytest.raises(InvalidValue, match="already"):
        make(db, now, "strik", town="Munkebo")
    assert db.execute("SELECT count(*) FROM communities").fetchone()[0] == 1


@pytest.mark.parametrize("kwargs", [
    {"status": "closed"}, {"texts": {"da": {"name": "  "}}}, {"texts": {}},
])
def test_create_community_rejects_bad_values(db, now, kwargs):
    with pytest.raises(InvalidValue):
        make(db, now, "STRIK", **kwargs)
    assert db.execute("SELECT count(*) FROM communities").fetchone()[0] == 0


def test_get_unknown_community_raises(db):
    with pytest.raises(NotFound):
        get_community(db, "NOPE")


def test_list_in_english_falls_back_to_danish(db, now):
    make(db, now, "STRIK", texts={"da": {"name": "Strikkecafé", "schedule": "Tirsdage"},
                                  "en": {"name": "Knitting café", "schedule": "Tuesdays"}})
    make(db, now, "HAVN", texts={"da": {"name": "Havnens venner", "schedule": "Lørdage"}})
    names = {c["code"]: (c["name"], c["schedule"]) for c in list_communities(db, language="en")}
    assert names == {"STRIK": ("Knitting café", "Tuesdays"),
                     "HAVN": ("Havnens venner", "Lørdage")}


def test_list_filters_by_town_and_orders_by_town_then_code(db, now):
    make(db, now, "STRIK", town="Munkebo")
    make(db, now, "HAVN", town="Kerteminde")
    make(db, now, "BAAD", town="Kerteminde")
    assert [c["code"] for c in list_communities(db)] == ["BAAD", "HAVN", "STRIK"]
    assert [c["code"] for c in list_communities(db, town="munkebo")] == ["STRIK"]
    assert list_communities(db, town="Dalby") == []


def test_list_shows_only_active_unless_asked(db, now):
    make(db, now, "STRIK")
    make(db, now, "HAVN", status="paused")
    assert [c["code"] for c in list_communities(db)] == ["STRIK"]
    assert community_codes(db) == ["STRIK"]
    both = list_communities(db, statuses=("active", "paused"))
    assert [c["code"] for c in both] == ["HAVN", "STRIK"]


def test_join_is_idempotent(db, contact, community, now):
    first, new = join_community(db, contact["id"], community.lower(), channel="kiosk",
                                location="Munkebo Bibliotek", now=now)
    assert new is True
    again, new_again = join_community(db, contact["id"], community, channel="sms",
                                      now=now + timedelta(days=1))
    assert (again, new_again) == (first, False)
    [membership] = memberships_of(db, contact["id"], "en")
    assert (membership["code"], membership["name"], membership["channel"],
            membership["location"], membership["joined_at"]) == (
        "KAFFE", "Coffee club", "kiosk", "Munkebo Bibliotek", iso(now))


def test_join_rejects_unknown_channel_and_code(db, contact, community, now):
    with pytest.raises(InvalidValue):
        join_community(db, contact["id"], community, channel="web", now=now)
    with pytest.raises(NotFound):
        join_community(db, contact["id"], "NOPE", channel="sms", now=now)
    assert memberships_of(db, contact["id"]) == []


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_inactive_community_refuses_to_join(db, contact, community, now, status):
    set_community_status(db, community, status, now=now)
    with pytest.raises(IllegalTransition):
        join_community(db, contact["id"], community, channel="sms", now=now)
    assert memberships_of(db, contact["id"]) == []


def test_leave_and_join_again(db, contact, community, now):
    first, _ = join_community(db, contact["id"], community, channel="sms", now=now)
    assert leave_community(db, contact["id"], community, now=now + timedelta(days=1)) is True
    assert leave_community(db, contact["id"], community, now=now + timedelta(days=2)) is False
    assert memberships_of(db, contact["id"]) == []
    left_at = db.execute("SELECT left_at FROM memberships WHERE id = ?", (first,)).fetchone()[0]
    assert left_at == iso(now + timedelta(days=1))
    second, new = join_community(db, contact["id"], community, channel="sms", now=now)
    assert new and second != first


def test_leave_unknown_community_raises(db, contact, now):
    with pytest.raises(NotFound):
        leave_community(db, contact["id"], "NOPE", now=now)


def test_member_counts_leave_out_those_who_left(db, contact, community, now):
    other = touch_contact(db, "30112233", now=now)
    join_community(db, contact["id"], community, channel="sms", now=now)
    join_community(db, other["id"], community, channel="kiosk", now=now + timedelta(hours=1))
    assert get_community(db, community)["members"] == 2
    assert [m["phone"] for m in members_of(db, community)] == ["+4520112233", "+4530112233"]
    leave_community(db, contact["id"], community, now=now)
    assert get_community(db, community)["members"] == 1
    assert list_communities(db)[0]["members"] == 1
    assert [m["phone"] for m in members_of(db, community)] == ["+4530112233"]


def test_pause_and_reactivate(db, community, now):
    later = now + timedelta(days=1)
    set_community_status(db, community, "paused", now=later)
    found = get_community(db, community)
    assert (found["status"], found["updated_at"]) == ("paused", iso(later))
    set_community_status(db, community, "active", now=later)
    assert get_community(db, community)["status"] == "active"


@pytest.mark.parametrize("status", ["active", "paused"])
def test_archived_stays_archived(db, community, now, status):
    set_community_status(db, community, "archived", now=now)
    with pytest.raises(IllegalTransition):
        set_community_status(db, community, status, now=now)
    assert get_community(db, community)["status"] == "archived"


def test_set_status_rejects_unknown_status_and_code(db, community, now):
    with pytest.raises(InvalidValue):
        set_community_status(db, community, "closed", now=now)
    with pytest.raises(NotFound):
        set_community_status(db, "NOPE", "paused", now=now)
