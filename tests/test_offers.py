"""Tests for shared.offers: recording, the review transitions and the queue."""

from datetime import timedelta
from itertools import product

import pytest

from shared.clock import iso
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.offers import (
    MAX_DESCRIPTION, TRANSITIONS, add_answer, change_offer_status, get_offer, offers_of,
    offers_with_status, record_offer, update_offer_details,
)

STATUSES = sorted(TRANSITIONS)
# How to reach each status from pending, through allowed steps.
PATHS = {
    "pending": [], "approved": ["approved"], "needs_info": ["needs_info"],
    "rejected": ["rejected"], "withdrawn": ["withdrawn"], "matched": ["approved", "matched"],
    "done": ["approved", "matched", "done"],
}


def offer(db, now, **kwargs):
    kwargs.setdefault("description", "Jeg kan hjælpe med haven")
    kwargs.setdefault("channel", "sms")
    return record_offer(db, now=now, **kwargs)


def test_record_offer_stores_a_pending_offer(db, contact, now):
    offer_id = offer(db, now, contact_id=contact["id"], description="  Lån min trailer  ",
                     category="things", town="Munkebo", availability="Weekender",
                     channel="kiosk", location="Munkebo Bibliotek")
    stored = get_offer(db, offer_id)
    assert {k: stored[k] for k in ("contact_id", "description", "category", "town",
                                   "availability", "status", "channel", "location",
                                   "created_at")} == {
        "contact_id": contact["id"], "description": "Lån min trailer", "category": "things",
        "town": "Munkebo", "availability": "Weekender", "status": "pending",
        "channel": "kiosk", "location": "Munkebo Bibliotek", "created_at": iso(now)}


def test_long_descriptions_are_cut(db, now):
    offer_id = offer(db, now, description="x" * (MAX_DESCRIPTION + 50))
    assert len(get_offer(db, offer_id)["description"]) == MAX_DESCRIPTION


@pytest.mark.parametrize("kwargs", [
    {"description": ""}, {"description": "   "}, {"description": None},
    {"category": "money"}, {"channel": "web"},
])
def test_record_offer_validates(db, now, kwargs):
    with pytest.raises(InvalidValue):
        offer(db, now, **kwargs)
    assert db.execute("SELECT count(*) FROM offers").fetchone()[0] == 0


def test_get_unknown_offer_raises(db):
    with pytest.raises(NotFound):
        get_offer(db, 1)


def test_update_offer_details_fills_only_what_is_given(db, now):
    offer_id = offer(db, now, town="Dalby")
    later = now + timedelta(minutes=2)
    update_offer_details(db, offer_id, category="time", now=later)
    stored = get_offer(db, offer_id)
    assert (stored["category"], stored["town"], stored["updated_at"]) == (
        "time", "Dalby", iso(later))
    with pytest.raises(InvalidValue):
        update_offer_details(db, offer_id, category="money", now=later)


def offer_in(db, now, status):
    offer_id = offer(db, now)
    for step in PATHS[status]:
        change_offer_status(db, offer_id, step, now=now)
    assert get_offer(db, offer_id)["status"] == status
    return offer_id


@pytest.mark.parametrize(("current", "new"), list(product(STATUSES, STATUSES)))
def test_every_status_pair(db, now, current, new):
    offer_id = offer_in(db, now, current)
    before = get_offer(db, offer_id)
    later = now + timedelta(days=1)
    if new in TRANSITIONS[current]:
        old = change_offer_status(db, offer_id, new, now=later, reviewer_id=None, note="ok")
        assert old == before
        after = get_offer(db, offer_id)
        assert (after["status"], after["review_note"], after["updated_at"]) == (
            new, "ok", iso(later))
    else:
        with pytest.raises(IllegalTransition):
            change_offer_status(db, offer_id, new, now=later, note="should not stick")
        assert get_offer(db, offer_id) == before


def test_final_statuses_allow_nothing():
    assert {s for s, nexts in TRANSITIONS.items() if not nexts} == {"rejected", "withdrawn", "done"}
    assert all(nexts <= set(TRANSITIONS) for nexts in TRANSITIONS.values())


def test_unknown_status_raises(db, now):
    offer_id = offer(db, now)
    with pytest.raises(InvalidValue):
        change_offer_status(db, offer_id, "lost", now=now)
    with pytest.raises(NotFound):
        change_offer_status(db, offer_id + 1, "approved", now=now)


def test_change_keeps_earlier_note_and_links_a_community(db, now, community):
    community_id = db.execute("SELECT id FROM communities").fetchone()[0]
    offer_id = offer(db, now)
    change_offer_status(db, offer_id, "approved", note="Fint tilbud", now=now)
    change_offer_status(db, offer_id, "matched", community_id=community_id, now=now)
    stored = get_offer(db, offer_id)
    assert (stored["review_note"], stored["community_id"]) == ("Fint tilbud", community_id)


def test_an_answer_is_kept_apart_and_a_new_question_clears_it(db, now):
    offer_id = offer(db, now, description="Jeg kan gå ture")
    change_offer_status(db, offer_id, "needs_info", note="Hvilke dage?", now=now)
    later = now + timedelta(hours=2)
    add_answer(db, offer_id, " Tirsdage ", now=later)
    stored = get_offer(db, offer_id)
    assert (stored["status"], stored["description"], stored["answer"], stored["answered_at"]) \
        == ("pending", "Jeg kan gå ture", "Tirsdage", iso(later))
    change_offer_status(db, offer_id, "needs_info", note="Om formiddagen?", now=later)
    stored = get_offer(db, offer_id)
    assert (stored["review_note"], stored["answer"], stored["answered_at"]) == (
        "Om formiddagen?", None, None)


def test_offers_with_status_is_oldest_first(db, contact, now):
    newest = offer(db, now, contact_id=contact["id"])
    oldest = offer(db, now - timedelta(days=2))
    middle = offer(db, now - timedelta(days=1))
    approved = offer(db, now - timedelta(days=3))
    change_offer_status(db, approved, "approved", now=now)
    queue = offers_with_status(db)
    assert [o["id"] for o in queue] == [oldest, middle, newest]
    assert (queue[-1]["phone"], queue[0]["phone"]) == ("+4520112233", None)
    assert [o["id"] for o in offers_with_status(db, "approved")] == [approved]


def test_offers_of_is_newest_first(db, contact, now):
    first = offer(db, now, contact_id=contact["id"])
    second = offer(db, now, contact_id=contact["id"])
    offer(db, now)
    assert [o["id"] for o in offers_of(db, contact["id"])] == [second, first]
