"""Tests for shared.feedback: kinds, ratings and the coordinator's answer."""

from datetime import timedelta
from itertools import product

import pytest

from shared.clock import iso
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.feedback import (
    KINDS, MAX_TEXT, TRANSITIONS, change_feedback_status, get_feedback, record_feedback,
)

PATHS = {"new": [], "read": ["read"], "answered": ["answered"], "archived": ["archived"]}


def feedback(db, now, **kwargs):
    kwargs.setdefault("kind", "ros")
    kwargs.setdefault("text", "Tak for strikkecaféen")
    kwargs.setdefault("channel", "kiosk")
    return record_feedback(db, now=now, **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_stored_as_new(db, now, kind):
    stored = get_feedback(db, feedback(db, now, kind=kind, rating=4, town="Dalby"))
    assert (stored["kind"], stored["status"], stored["rating"], stored["town"]) == (
        kind, "new", 4, "Dalby")
    assert stored["contact_id"] is None  # anonymous unless a contact is given
    assert stored["created_at"] == iso(now)


def test_kinds_match_the_design():
    assert set(KINDS) == {"ris", "ros", "ide"}


@pytest.mark.parametrize("rating", [1, 5, None])
def test_rating_bounds_accept(db, now, rating):
    assert get_feedback(db, feedback(db, now, rating=rating))["rating"] == rating


@pytest.mark.parametrize("kwargs", [
    {"rating": 0}, {"rating": 6}, {"rating": -1}, {"kind": "praise"}, {"kind": "IDE"},
    {"text": ""}, {"text": "  \n"}, {"channel": "email"},
])
def test_record_feedback_validates(db, now, kwargs):
    with pytest.raises(InvalidValue):
        feedback(db, now, **kwargs)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_text_is_stripped_and_cut(db, now, contact):
    short = get_feedback(db, feedback(db, now, text="  Flere bænke  ", contact_id=contact["id"]))
    assert (short["text"], short["contact_id"]) == ("Flere bænke", contact["id"])
    long = get_feedback(db, feedback(db, now, text="y" * (MAX_TEXT + 1)))
    assert len(long["text"]) == MAX_TEXT


def test_get_unknown_feedback_raises(db):
    with pytest.raises(NotFound):
        get_feedback(db, 1)


def feedback_in(db, now, status):
    feedback_id = feedback(db, now)
    for step in PATHS[status]:
        change_feedback_status(db, feedback_id, step, reply="Tak!", now=now)
    return feedback_id


@pytest.mark.parametrize(("current", "new"), list(product(PATHS, PATHS)))
def test_every_status_pair(db, now, current, new):
    feedback_id = feedback_in(db, now, current)
    before = get_feedback(db, feedback_id)
    if new in TRANSITIONS[current]:
        change_feedback_status(db, feedback_id, new, reply="Svar", now=now)
        assert get_feedback(db, feedback_id)["status"] == new
    else:
        with pytest.raises(IllegalTransition):
            change_feedback_status(db, feedback_id, new, reply="Svar", now=now)
        assert get_feedback(db, feedback_id) == before


@pytest.mark.parametrize("reply", [None, "", "   "])
def test_answered_requires_a_reply(db, now, reply):
    feedback_id = feedback(db, now)
    with pytest.raises(InvalidValue):
        change_feedback_status(db, feedback_id, "answered", reply=reply, now=now)
    assert get_feedback(db, feedback_id)["status"] == "new"


def test_answer_records_who_and_when_and_survives_archiving(db, now):
    feedback_id = feedback(db, now)
    answered_at = now + timedelta(hours=2)
    change_feedback_status(db, feedback_id, "read", now=now)
    change_feedback_status(db, feedback_id, "answered", reply="Vi sætter bænke op",
                           coordinator_id=None, now=answered_at)
    change_feedback_status(db, feedback_id, "archived", now=answered_at + timedelta(days=1))
    stored = get_feedback(db, feedback_id)
    assert (stored["status"], stored["reply"], stored["replied_at"]) == (
        "archived", "Vi sætter bænke op", iso(answered_at))


def test_read_does_not_set_replied_at(db, now):
    feedback_id = feedback(db, now)
    change_feedback_status(db, feedback_id, "read", now=now)
    assert get_feedback(db, feedback_id)["replied_at"] is None


def test_unknown_status_raises(db, now):
    with pytest.raises(InvalidValue):
        change_feedback_status(db, feedback(db, now), "deleted", now=now)


def test_fractional_rating_is_refused(db, now):
    with pytest.raises(InvalidValue):
        feedback(db, now, rating=4.5)
