"""Tests for shared.conversations: the flow state kept per contact."""

from datetime import timedelta

from shared.clock import iso
from shared.conversations import clear_conversation, load_conversation, save_conversation


def save(db, contact, now, **kwargs):
    values = {"flow": "offer", "step": "category", "data": {"description": "Lån min stige"},
              "expires_at": now + timedelta(minutes=30), "now": now, **kwargs}
    save_conversation(db, contact["id"], **values)


def test_save_and_load_round_trip(db, contact, now):
    data = {"description": "Kørsel til lægen, æøå", "offer_id": 7, "towns": ["Dalby", None]}
    save(db, contact, now, data=data)
    loaded = load_conversation(db, contact["id"], now=now)
    assert (loaded["flow"], loaded["step"], loaded["data"]) == ("offer", "category", data)
    assert loaded["expires_at"] == iso(now + timedelta(minutes=30))


def test_no_conversation_loads_as_none(db, contact, now):
    assert load_conversation(db, contact["id"], now=now) is None


def test_saving_again_replaces_the_state(db, contact, now):
    save(db, contact, now)
    save(db, contact, now, flow="erase", step="confirm", data={})
    loaded = load_conversation(db, contact["id"], now=now)
    assert (loaded["flow"], loaded["step"], loaded["data"]) == ("erase", "confirm", {})
    assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1


def test_expired_conversation_loads_as_none(db, contact, now):
    save(db, contact, now)
    assert load_conversation(db, contact["id"], now=now + timedelta(minutes=29)) is not None
    assert load_conversation(db, contact["id"], now=now + timedelta(minutes=30)) is None


def test_clear(db, contact, now):
    save(db, contact, now)
    clear_conversation(db, contact["id"])
    assert load_conversation(db, contact["id"], now=now) is None
    clear_conversation(db, contact["id"])  # clearing nothing is fine
