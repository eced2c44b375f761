"""Tests for shared.retention: finished records age out, open ones stay."""

from datetime import timedelta

import pytest

from shared.audit import audit_log
from shared.communities import join_community, leave_community
from shared.contacts import find_contact, touch_contact
from shared.conversations import save_conversation
from shared.feedback import change_feedback_status, record_feedback
from shared.messages import queue_message, record_inbound
from shared.offers import change_offer_status, record_offer
from shared.retention import DEFAULT_RETENTION_DAYS, purge, retention_days
from shared.unsorted import record_unsorted

DAYS = 365


@pytest.fixture
def old(now):
    return now - timedelta(days=DAYS + 1)


@pytest.fixture
def recent(now):
    return now - timedelta(days=DAYS - 1)


def offer_with(db, status, when, contact_id=None):
    offer_id = record_offer(db, description=status, channel="kiosk", now=when,
                            contact_id=contact_id)
    path = {"pending": [], "approved": ["approved"], "rejected": ["rejected"],
            "withdrawn": ["withdrawn"], "done": ["approved", "matched", "done"]}[status]
    for step in path:
        change_offer_status(db, offer_id, step, now=when)
    return offer_id


def remaining(db, table, column="id"):
    return {r[0] for r in db.execute(f"SELECT {column} FROM {table}")}


def test_old_finished_offers_go_pending_and_recent_stay(db, now, old, recent):
    gone = {offer_with(db, s, old) for s in ("rejected", "withdrawn", "done")}
    kept = {offer_with(db, "pending", old), offer_with(db, "approved", old),
            offer_with(db, "done", recent)}
    removed = purge(db, now=now, days=DAYS)
    assert removed["offers"] == len(gone)
    assert remaining(db, "offers") == kept


def test_only_old_archived_feedback_goes(db, now, old, recent):
    def item(status, when):
        feedback_id = record_feedback(db, kind="ris", text=status, channel="kiosk", now=when)
        if status != "new":
            change_feedback_status(db, feedback_id, status, reply="Tak", now=when)
        return feedback_id

    gone = item("archived", old)
    kept = {item("new", old), item("answered", old), item("archived", recent)}
    assert purge(db, now=now, days=DAYS)["feedback"] == 1
    assert remaining(db, "feedback") == kept and gone not in kept


def test_old_messages_go_unless_still_in_the_outbox(db, now, old, recent):
    record_inbound(db, provider_id="SMold", phone="+4520112233", body="old", now=old)
    waiting = queue_message(db, phone="+4520112233", body="waiting", now=old)
    record_inbound(db, provider_id="SMnew", phone="+4520112233", body="new", now=recent)
    assert purge(db, now=now, days=DAYS)["messages"] == 1
    assert remaining(db, "messages", "body") == {"waiting", "new"}
    assert waiting in remaining(db, "messages")


def test_an_old_uncertain_send_stays_until_it_is_settled(db, now, old):
    unsure = queue_message(db, phone="+4520112233", body="sent? nobody knows", now=old)
    db.execute("UPDATE messages SET status = 'uncertain' WHERE id = ?", (unsure,))
    assert purge(db, now=now, days=DAYS)["messages"] == 0
    assert unsure in remaining(db, "messages")


def test_an_unread_inbox_text_stays_however_old_and_a_read_one_ages_out(db, now, old):
    contact = touch_contact(db, "+4520119999", now=old)
    unread = record_unsorted(db, contact_id=contact["id"], message_id=None, text="Hjælp mig",
                             language="da", now=old)
    read = record_unsorted(db, contact_id=contact["id"], message_id=None, text="Tak for sidst",
                           language="da", now=old)
    db.execute("UPDATE unsorted SET status = 'archived' WHERE id = ?", (read,))
    assert purge(db, now=now, days=DAYS)["unsorted"] == 1
    assert remaining(db, "unsorted") == {unread}
    assert find_contact(db, contact["phone"]) is not None  # a waiting text keeps its sender


def test_ended_memberships_and_expired_conversations_go(db, contact, community, now, old):
    join_community(db, contact["id"], community, channel="sms", now=old)
    leave_community(db, contact["id"], community, now=old)
    current, _ = join_community(db, contact["id"], community, channel="sms", now=old)
    save_conversation(db, contact["id"], flow="offer", step="text", data={},
                      expires_at=now - timedelta(minutes=1), now=now - timedelta(hours=1))
    removed = purge(db, now=now, days=DAYS)
    assert (removed["memberships"], removed["conversations"]) == (1, 1)
    assert remaining(db, "memberships") == {current}


def test_idle_contacts_go_only_when_nothing_links_to_them(db, now, old, community):
    idle = touch_contact(db, "20112233", now=old)
    member = touch_contact(db, "30112233", now=old)
    join_community(db, member["id"], community, channel="sms", now=old)
    offerer = touch_contact(db, "40112233", now=old)
    offer_with(db, "pending", old, contact_id=offerer["id"])
    active = touch_contact(db, "50112233", now=now)
    assert purge(db, now=now, days=DAYS)["contacts"] == 1
    assert find_contact(db, idle["phone"]) is None
    assert remaining(db, "contacts") == {member["id"], offerer["id"], active["id"]}


def test_purge_is_audited_and_a_second_run_removes_nothing(db, now, old):
    from shared.services.operator import purge_old

    offer_with(db, "done", old)
    purge_old(db, now=now, days=DAYS)
    assert sum(purge_old(db, now=now, days=DAYS).values()) == 0
    assert [e["action"] for e in audit_log(db)] == ["purge", "purge"]


def test_retention_days_from_the_environment(monkeypatch):
    monkeypatch.delenv("FAELLES_RETENTION_DAYS", raising=False)
    assert retention_days() == DEFAULT_RETENTION_DAYS == 365
    monkeypatch.setenv("FAELLES_RETENTION_DAYS", "30")
    assert retention_days() == 30
    monkeypatch.setenv("FAELLES_RETENTION_DAYS", "0")
    with pytest.raises(ValueError):
        retention_days()


def test_the_purge_keeps_the_suppression_list(db, now, old):
    # An opted-out contact who went quiet is purged; their STOP is not forgotten.
    from shared.contacts import opt_out
    from shared.suppression import is_suppressed

    quiet = touch_contact(db, "20112233", now=old)
    opt_out(db, quiet["id"], now=old)
    assert purge(db, now=now, days=DAYS)["contacts"] == 1
    assert find_contact(db, quiet["phone"]) is None
    assert is_suppressed(db, quiet["phone"])
    assert queue_message(db, phone=quiet["phone"], body="Hej", now=now) is None
