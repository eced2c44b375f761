"""Tests for shared.messages: the deduplicated inbound log and the outbox."""

from datetime import timedelta

import pytest

from shared.clock import iso
from shared.contacts import opt_out
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.messages import (
    apply_status_callback, claim_next, get_message, mark_failed, mark_retry, mark_sent,
    outbox_counts, queue_message, record_inbound, remember_reply,
)
from shared.sms_text import measure

PHONE = "+4520112233"


def count(db):
    return db.execute("SELECT count(*) FROM messages").fetchone()[0]


def test_record_inbound_once_per_provider_id(db, contact, now):
    first, created = record_inbound(db, provider_id="SM1", phone=PHONE, body="HJÆLP",
                                    now=now, contact_id=contact["id"])
    assert created is True
    assert (first["direction"], first["status"], first["body"], first["contact_id"]) == (
        "in", "received", "HJÆLP", contact["id"])
    # Twilio retries the webhook with the same MessageSid.
    again, created_again = record_inbound(db, provider_id="SM1", phone=PHONE, body="HJÆLP",
                                          now=now + timedelta(seconds=15))
    assert created_again is False
    assert again == first
    assert count(db) == 1


def test_remembered_reply_comes_back_on_a_retry(db, now):
    message, _ = record_inbound(db, provider_id="SM1", phone=PHONE, body="HJÆLP", now=now)
    remember_reply(db, message["id"], "Skriv TILBYD, DELTAG eller ROS")
    again, _ = record_inbound(db, provider_id="SM1", phone=PHONE, body="HJÆLP", now=now)
    assert again["reply"] == "Skriv TILBYD, DELTAG eller ROS"


@pytest.mark.parametrize("body", ["Hej med dig, Åse", "Привіт", "Tak 🙂", "x" * 200])
def test_encoding_and_segments_come_from_measure(db, now, body):
    size = measure(body)
    inbound, _ = record_inbound(db, provider_id="SM1", phone=PHONE, body=body, now=now)
    outbound = get_message(db, queue_message(db, phone=PHONE, body=body, now=now))
    for message in (inbound, outbound):
        assert (message["encoding"], message["segments"]) == (size.encoding, size.segments)


def test_queue_message_goes_into_the_outbox(db, contact, now):
    message = get_message(db, queue_message(db, phone=PHONE, body="Tak", now=now,
                                            contact_id=contact["id"], kind="reply"))
    assert (message["direction"], message["status"], message["kind"], message["attempts"]) == (
        "out", "queued", "reply", 0)
    assert message["next_attempt_at"] == iso(now)
    assert outbox_counts(db) == {"queued": 1}


@pytest.mark.parametrize("kwargs", [{"kind": "spam"}, {"body": ""}, {"body": "  "}])
def test_queue_message_validates(db, now, kwargs):
    with pytest.raises(InvalidValue):
        queue_message(db, **{"phone": PHONE, "body": "Tak", "now": now, **kwargs})
    assert count(db) == 0


def test_queue_message_for_an_opted_out_contact_returns_none(db, contact, now):
    opt_out(db, contact["id"], now=now)
    assert queue_message(db, phone=PHONE, body="Tak", now=now, contact_id=contact["id"]) is None
    assert count(db) == 0


def test_queue_by_number_alone_still_respects_opt_out(db, contact, now):
    opt_out(db, contact["id"], now=now)
    queued = queue_message(db, phone=PHONE, body="Nyt fra kommunen", now=now)
    assert queued is None or claim_next(db, now=now) is None


def test_claim_next_marks_sending_and_counts_the_attempt(db, now):
    message_id = queue_message(db, phone=PHONE, body="Tak", now=now)
    claimed = claim_next(db, now=now)
    assert (claimed["id"], claimed["status"], claimed["attempts"]) == (message_id, "sending", 1)
    stored = get_message(db, message_id)
    assert (stored["status"], stored["attempts"]) == ("sending", 1)
    # Claimed once: a second worker finds nothing.
    assert claim_next(db, now=now) is None


def test_claim_next_takes_the_oldest_due_first(db, now):
    later = queue_message(db, phone=PHONE, body="to", now=now)
    earlier = queue_message(db, phone=PHONE, body="en", now=now - timedelta(minutes=1))
    assert [claim_next(db, now=now)["id"] for _ in range(2)] == [earlier, later]


def test_claim_next_waits_for_not_before(db, now):
    morning = now + timedelta(hours=10)
    message_id = queue_message(db, phone=PHONE, body="Godmorgen", now=now, not_before=morning)
    assert claim_next(db, now=now) is None
    assert claim_next(db, now=morning - timedelta(seconds=1)) is None
    assert claim_next(db, now=morning)["id"] == message_id


def test_retry_waits_for_next_attempt_then_counts_again(db, now):
    message_id = queue_message(db, phone=PHONE, body="Tak", now=now)
    claim_next(db, now=now)
    retry_at = now + timedelta(minutes=5)
    mark_retry(db, message_id, error="timeout", retry_at=retry_at, now=now)
    stored = get_message(db, message_id)
    assert (stored["status"], stored["error_message"], stored["next_attempt_at"]) == (
        "queued", "timeout", iso(retry_at))
    assert claim_next(db, now=retry_at - timedelta(seconds=1)) is None
    assert claim_next(db, now=retry_at)["attempts"] == 2


def test_claim_next_fails_messages_to_contacts_who_opted_out_after_queueing(db, contact, now):
    stale = queue_message(db, phone=PHONE, body="Til dig", now=now - timedelta(minutes=1),
                          contact_id=contact["id"])
    fresh = queue_message(db, phone="+4530112233", body="Til en anden", now=now)
    opt_out(db, contact["id"], now=now)
    assert claim_next(db, now=now)["id"] == fresh
    skipped = get_message(db, stale)
    assert (skipped["status"], skipped["error_code"], skipped["attempts"]) == ("failed", "21610", 0)
    assert claim_next(db, now=now) is None


def test_mark_sent_moves_forward_only(db, now):
    message_id = queue_message(db, phone=PHONE, body="Tak", now=now)
    claim_next(db, now=now)
    mark_sent(db, message_id, provider_id="SMout", now=now)
    stored = get_message(db, message_id)
    assert (stored["status"], stored["provider_id"]) == ("sent", "SMout")
    with pytest.raises(IllegalTransition):
        mark_sent(db, message_id, provider_id="SMother", now=now)
    assert get_message(db, message_id)["provider_id"] == "SMout"
    with pytest.raises(NotFound):
        mark_sent(db, message_id + 1, provider_id="SMx", now=now)


def test_mark_failed(db, now):
    message_id = queue_message(db, phone=PHONE, body="Tak", now=now)
    claim_next(db, now=now)
    mark_failed(db, message_id, error_code="21211", error="invalid number", now=now)
    stored = get_message(db, message_id)
    assert (stored["status"], stored["error_code"], stored["error_message"]) == (
        "failed", "21211", "invalid number")
    assert outbox_counts(db) == {"failed": 1}


@pytest.fixture
def sent(db, now):
    message_id = queue_message(db, phone=PHONE, body="Tak", now=now)
    claim_next(db, now=now)
    mark_sent(db, message_id, provider_id="SMout", now=now)
    return message_id


def test_status_callback_moves_forward(db, sent, now):
    assert apply_status_callback(db, "SMout", "delivered", now=now)["id"] == sent
    assert get_message(db, sent)["status"] == "delivered"


@pytest.mark.parametrize("late", ["sent", "queued", "sending", "failed", "undelivered"])
def test_status_callback_never_moves_back(db, sent, now, late):
    # Twilio may deliver "sent" after "delivered".
    apply_status_callback(db, "SMout", "delivered", now=now)
    apply_status_callback(db, "SMout", late, now=now, error_code="30003")
    stored = get_message(db, sent)
    assert (stored["status"], stored["error_code"]) == ("delivered", None)


def test_status_callback_keeps_the_error_code(db, sent, now):
    apply_status_callback(db, "SMout", "undelivered", now=now, error_code="30005")
    stored = get_message(db, sent)
    assert (stored["status"], stored["error_code"]) == ("undelivered", "30005")


def test_status_callback_for_unknown_or_inbound_ids_returns_none(db, now):
    record_inbound(db, provider_id="SMin", phone=PHONE, body="Hej", now=now)
    assert apply_status_callback(db, "SMnope", "delivered", now=now) is None
    assert apply_status_callback(db, "SMin", "delivered", now=now) is None
    assert get_message(db, 1)["status"] == "received"


def test_status_callback_rejects_unknown_status(db, sent, now):
    with pytest.raises(InvalidValue):
        apply_status_callback(db, "SMout", "exploded", now=now)


def test_status_callback_returns_the_message_as_it_now_is(db, sent, now):
    assert apply_status_callback(db, "SMout", "delivered", now=now)["status"] == "delivered"


CLAIM_ALL = """
from datetime import datetime, timezone
from shared.db import open_db
from shared.messages import claim_next
db = open_db(db_path, migrate=False)
now = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
start_together()
result = []
while (message := claim_next(db, now=now)) is not None:
    result.append(message["id"])
"""


def test_two_workers_never_claim_the_same_message(db, now, run_together):
    queued = {queue_message(db, phone=PHONE, body=f"Besked {n}", now=now) for n in range(150)}
    first, second = run_together(CLAIM_ALL, processes=2)
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(queued)
    assert outbox_counts(db) == {"sending": 150}


RECORD_SAME = """
from datetime import datetime, timezone
from shared.db import open_db
from shared.messages import record_inbound
db = open_db(db_path, migrate=False)
now = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
start_together()
result = [record_inbound(db, provider_id=f"SM{n}", phone="+4520112233", body="HJÆLP",
                         now=now)[1] for n in range(100)]
"""


def test_a_webhook_retry_racing_the_first_is_recorded_once(db, run_together):
    first, second = run_together(RECORD_SAME, processes=2)
    assert all(a != b for a, b in zip(first, second))  # exactly one of each pair is new
    assert count(db) == 100
