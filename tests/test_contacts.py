"""Tests for shared.contacts: creation, consent, access requests and erasure."""

from datetime import timedelta

import pytest

from shared.audit import audit_log
from shared.services.erasure import erase_number
from shared.clock import iso
from shared.communities import join_community
from shared.contacts import (
    contact_data, erase_contact, find_contact, get_contact, opt_in, opt_out, set_language,
    touch_contact,
)
from shared.conversations import save_conversation
from shared.errors import InvalidPhoneNumber, NotFound
from shared.feedback import record_feedback
from shared.messages import queue_message, record_inbound
from shared.offers import record_offer
from shared.unsorted import record_unsorted
from shared.needs import record_need


def test_touch_contact_creates_in_e164(contact, now):
    assert contact["phone"] == "+4520112233"
    assert contact["language"] == "da"
    assert contact["opted_out"] == 0
    assert contact["first_seen"] == contact["last_seen"] == iso(now)


def test_touch_contact_again_updates_last_seen_and_keeps_the_first_language(db, contact, now):
    later = now + timedelta(days=3)
    again = touch_contact(db, "+45 20 11 22 33", now=later, language="en")
    assert again["id"] == contact["id"]
    assert again["first_seen"] == iso(now)
    assert again["last_seen"] == iso(later)
    assert again["language"] == "da"
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1


def test_touch_contact_fills_a_missing_language(db, now):
    touch_contact(db, "20112233", now=now)
    assert touch_contact(db, "20112233", now=now, language="en")["language"] == "en"


def test_touch_contact_rejects_a_bad_number(db, now):
    with pytest.raises(InvalidPhoneNumber):
        touch_contact(db, "hello", now=now)
    assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0


def test_find_and_get_contact(db, contact):
    assert find_contact(db, "0045 20 11 22 33")["id"] == contact["id"]
    assert find_contact(db, "30112233") is None
    assert get_contact(db, contact["id"])["phone"] == "+4520112233"
    with pytest.raises(NotFound):
        get_contact(db, contact["id"] + 1)


def test_set_language(db, contact):
    set_language(db, contact["id"], "uk")
    assert get_contact(db, contact["id"])["language"] == "uk"


def test_opt_out_then_in(db, contact, now):
    opt_out(db, contact["id"], now=now)
    opted = get_contact(db, contact["id"])
    assert (opted["opted_out"], opted["opted_out_at"]) == (1, iso(now))
    # A second STOP keeps the time of the first.
    opt_out(db, contact["id"], now=now + timedelta(hours=1))
    assert get_contact(db, contact["id"])["opted_out_at"] == iso(now)
    opt_in(db, contact["id"])
    back = get_contact(db, contact["id"])
    assert (back["opted_out"], back["opted_out_at"]) == (0, None)


def give_them_everything(db, contact_id, phone, code, now):
    """Create one row in every personal table for the contact."""
    join_community(db, contact_id, code, channel="sms", now=now)
    record_offer(db, contact_id=contact_id, description="Jeg kan lappe cykler", channel="sms",
                 now=now)
    record_feedback(db, contact_id=contact_id, kind="ros", text="Dejligt", channel="sms",
                    now=now)
    record_inbound(db, provider_id=f"SM-{contact_id}", phone=phone, body="TILBYD", now=now,
                   contact_id=contact_id)
    queue_message(db, phone=phone, body="Tak", now=now, contact_id=contact_id)
    save_conversation(db, contact_id, flow="offer", step="category", data={},
                      expires_at=now + timedelta(hours=1), now=now)
    record_unsorted(db, contact_id=contact_id, message_id=None, text="Hvem kan hjælpe mig?",
                    language="da", now=now)
    record_need(db, contact_id=contact_id, description="Kørsel til lægen", channel="sms",
                now=now)


def test_contact_data_lists_every_linked_row(db, contact, community, now):
    give_them_everything(db, contact["id"], contact["phone"], community, now)
    data = contact_data(db, contact["id"])
    assert data["contact"]["phone"] == "+4520112233"
    counts = {table: len(rows) for table, rows in data.items() if table != "contact"}
    assert counts == {"memberships": 1, "offers": 1, "needs": 1, "feedback": 1, "unsorted": 1,
                      "messages": 2, "conversations": 1, "leaders": 0, "absences": 0,
                      "reminders": 0}
    assert data["offers"][0]["description"] == "Jeg kan lappe cykler"


def test_erase_contact_removes_them_and_all_their_data(db, contact, community, now):
    give_them_everything(db, contact["id"], contact["phone"], community, now)
    # An SMS logged before the contact was created carries only the number.
    record_inbound(db, provider_id="SM-early", phone=contact["phone"], body="HJÆLP", now=now)
    other = touch_contact(db, "30112233", now=now)
    give_them_everything(db, other["id"], other["phone"], community, now)

    contact_id, removed = erase_contact(db, "20 11 22 33", now=now)

    assert contact_id == contact["id"]

    assert removed == {"memberships": 1, "offers": 1, "needs": 1, "feedback": 1, "unsorted": 1,
                       "messages": 3, "conversations": 1, "leaders": 0, "absences": 0,
                       "reminders": 0, "verifications": 0, "contacts": 1}
    assert find_contact(db, contact["phone"]) is None
    for table in ("memberships", "offers", "needs", "feedback", "unsorted", "messages",
                  "conversations"):
        left = db.execute(f"SELECT DISTINCT contact_id FROM {table}").fetchall()
        assert left == [(other["id"],)], table
    assert db.execute("SELECT count(*) FROM messages WHERE phone = ?",
                      (contact["phone"],)).fetchone()[0] == 0


def test_erase_contact_writes_no_audit_row(db, contact, now):
    # The noun module stays plain: the erasure service audits (shared/services/erasure.py).
    erase_contact(db, contact["phone"], now=now)
    assert audit_log(db) == []


def test_erasure_is_audited_without_the_number(db, contact, now):
    erase_number(db, contact["phone"], actor="coordinator:7", now=now)
    entry = audit_log(db)[0]
    assert (entry["action"], entry["actor"], entry["record_kind"], entry["record_id"]) == (
        "erase_contact", "coordinator:7", "contact", contact["id"])
    assert entry["at"] == iso(now)
    for table_row in db.query("SELECT * FROM audit"):
        assert not any("20112233" in str(value) for value in table_row.values())


def test_erase_contact_by_a_coordinator_names_them(db, contact, now):
    erase_number(db, contact["phone"], actor="coordinator:7", now=now, coordinator_id=7)
    entry = audit_log(db)[0]
    assert (entry["action"], entry["actor"], entry["coordinator_id"]) == (
        "erase_contact", "coordinator:7", 7)


def test_erase_unknown_contact_raises_and_audits_nothing(db, contact, now):
    with pytest.raises(NotFound):
        erase_number(db, "30112233", actor="cli", now=now)
    assert audit_log(db) == []
    assert find_contact(db, contact["phone"]) is not None


def test_opting_out_suppresses_the_number_and_opting_in_clears_it(db, contact, now):
    from shared.suppression import is_suppressed

    opt_out(db, contact["id"], now=now)
    assert is_suppressed(db, contact["phone"])
    opt_in(db, contact["id"])
    assert not is_suppressed(db, contact["phone"])


def test_a_contact_made_again_for_a_suppressed_number_starts_opted_out(db, contact, now):
    # The flag died with the erased row; the list does not.
    opt_out(db, contact["id"], now=now)
    erase_contact(db, contact["phone"], now=now)
    again = touch_contact(db, contact["phone"], now=now + timedelta(days=1), language="da")
    assert (again["opted_out"], again["opted_out_at"]) == (1, iso(now))
    assert again["id"] != contact["id"]


def test_touch_contact_mends_a_flag_that_disagrees_with_the_list(db, contact, now):
    from shared.suppression import suppress

    suppress(db, contact["phone"], now=now)  # e.g. written by an older version
    assert touch_contact(db, contact["phone"], now=now)["opted_out"] == 1
