"""Every SMS in and out: the inbound log (deduplicated by provider id) and the outbox."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.consent import may_text
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.sms_text import measure

KINDS = ("reply", "notice", "broadcast", "code", "reminder")
# A reply that goes to a number which has opted out: the STOP confirmation, or
# HELP answered once after STOP. Kinds of their own, as only the service that
# worked them out knows they may go; queued only for a provider that takes no
# reply in its webhook's answer.
CONSENT_REPLY = "consent_reply"
# Outbound statuses in the order they happen. A callback never moves a
# message backwards: Twilio may deliver "sent" after "delivered". An uncertain
# message was handed to the provider, which may or may not have taken it.
STATUS_RANK = {"queued": 0, "sending": 1, "uncertain": 1, "sent": 2, "delivered": 3,
               "undelivered": 3, "failed": 3}
FINAL = frozenset({"delivered", "undelivered", "failed"})
# Each provider's statuses in ours. Every status before an outcome means the
# provider has the message, which we call sent: Twilio's "queued" is its own
# queue, not ours, and must never put a message back in ours (it would wait
# there with no next attempt, neither sent nor asked about).
PROVIDER_STATUSES = {
    "twilio": {"accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent",
               "sent": "sent", "delivered": "delivered", "read": "delivered",
               "undelivered": "undelivered", "failed": "failed", "canceled": "failed"},
    # GatewayAPI's states, in capitals. ACCEPTED ("the mobile network has accepted
    # the message on the end user's behalf") is its last word on such a message,
    # but no word from the phone: sent. Tried and not delivered (no such number,
    # a phone off until the message expired, a network's own rule) is
    # undelivered; turned away by the network, or cancelled, is failed.
    "gatewayapi": {"UNKNOWN": "sent", "SCHEDULED": "sent", "BUFFERED": "sent",
                   "ENROUTE": "sent", "ACCEPTED": "sent", "DELIVERED": "delivered",
                   "UNDELIVERABLE": "undelivered", "EXPIRED": "undelivered",
                   "SKIPPED": "undelivered", "REJECTED": "failed", "DELETED": "failed"},
}
# Where a message stands once it has been handed to the provider, or while it is.
_HANDED = ("sending", "uncertain")
# What abandon_interrupted wrote before messages could be uncertain: such a
# message may well have been sent, so a late callback still settles it.
INTERRUPTED = "interrupted while sending"
# What the worker writes when no delivery report came for an uncertain message
# that the provider cannot be asked about: it may well have been sent, so a
# report that comes after all still settles it.
NO_REPORT = "no delivery report came; perhaps sent, so not sent again"


def our_status(provider: str, reported: str) -> str | None:
    """Return our word for a status the provider reported, or None if it is not one of ours."""
    return PROVIDER_STATUSES[provider].get(reported)


def record_inbound(
    db: Database,
    *,
    provider_id: str,
    phone: str,
    body: str,
    now: datetime,
    contact_id: int | None = None,
) -> tuple[dict, bool]:
    """Log an inbound SMS once per provider id; return (row, whether it is new)."""
    with immediate(db):
        created = log_inbound_once(db, provider_id=provider_id, phone=phone, body=body,
                                   now=now, contact_id=contact_id) is not None
        stored = row(db, "SELECT * FROM messages WHERE provider_id = ?", (provider_id,))
    return stored, created


def log_inbound_once(
    db: Database,
    *,
    provider_id: str,
    phone: str,
    body: str,
    now: datetime,
    contact_id: int | None = None,
    reply: str | None = None,
) -> int | None:
    """Insert an inbound SMS unless its provider id is known; return the new id or None."""
    size = measure(body)
    cursor = db.execute(
        "INSERT INTO messages (direction, contact_id, phone, provider_id, body, encoding,"
        " segments, kind, status, reply, created_at, updated_at)"
        " VALUES ('in', ?, ?, ?, ?, ?, ?, 'reply', 'received', ?, ?, ?)"
        " ON CONFLICT (provider_id) DO NOTHING",
        (contact_id, phone, provider_id, body, size.encoding, size.segments, reply,
         iso(now), iso(now)),
    )
    return cursor.lastrowid if cursor.rowcount == 1 else None


def remember_reply(db: Database, message_id: int, reply: str) -> None:
    """Keep the reply given to an inbound SMS, so a retry gets the same answer."""
    db.execute("UPDATE messages SET reply = ? WHERE id = ?", (reply, message_id))


def queue_message(
    db: Database,
    *,
    phone: str,
    body: str,
    now: datetime,
    contact_id: int | None = None,
    kind: str = "notice",
    not_before: datetime | None = None,
) -> int | None:
    """Put an outbound SMS in the outbox; return its id, or None if the number opted out."""
    if kind not in KINDS:
        raise InvalidValue(f"Unknown kind {kind!r}")
    if not body.strip():
        raise InvalidValue("An SMS needs a text")
    size = measure(body)
    with immediate(db):
        if not may_text(db, phone, contact_id=contact_id):
            return None
        return db.execute(
            "INSERT INTO messages (direction, contact_id, phone, body, encoding, segments, kind,"
            " status, next_attempt_at, not_before, created_at, updated_at)"
            " VALUES ('out', ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
            (contact_id, phone, body, size.encoding, size.segments, kind, iso(now),
             iso(not_before) if not_before else None, iso(now), iso(now)),
        ).lastrowid


def get_message(db: Database, message_id: int) -> dict:
    """Return the message with this id, or raise NotFound."""
    found = row(db, "SELECT * FROM messages WHERE id = ?", (message_id,))
    if found is None:
        raise NotFound(f"No message {message_id}")
    return found


def claim_next(db: Database, *, now: datetime, broadcasts: bool = True) -> dict | None:
    """Mark the next due outbound message 'sending' and return it, or None.

    With broadcasts=False (during quiet hours) what nobody asked for just now
    waits in the queue: broadcasts, leaders' messages and meeting reminders
    (a meeting set late in the evening for the next day is reminded in the morning).
    """
    # Marked before the provider is called: messages.create has no idempotency
    # key, so a crash after this point must not send the message twice.
    with immediate(db):
        while True:
            due = row(
                db,
                "SELECT m.* FROM messages m"
                " WHERE m.direction = 'out' AND m.status = 'queued' AND m.next_attempt_at <= ?"
                " AND (m.not_before IS NULL OR m.not_before <= ?)"
                " AND (? OR m.kind NOT IN ('broadcast', 'reminder'))"
                " ORDER BY m.next_attempt_at, m.id LIMIT 1",
                (iso(now), iso(now), broadcasts),
            )
            if due is None or due["kind"] == CONSENT_REPLY or may_text(
                    db, due["phone"], contact_id=due["contact_id"]):
                break
            # Nothing is ever sent to an opted-out number, whenever it opted out,
            # even if its contact was erased and made again since.
            _set(db, due["id"], status="failed", error_code="21610",
                 error_message="opted out", now=now)
        if due is None:
            return None
        due.update(status="sending", attempts=due["attempts"] + 1, attempted_at=iso(now))
        _set(db, due["id"], status="sending", attempts=due["attempts"],
             attempted_at=due["attempted_at"], now=now)
        return due


def mark_sent(db: Database, message_id: int, *, provider_id: str | None, now: datetime) -> None:
    """Record that the provider accepted the message."""
    _advance(db, message_id, "sent", now=now, provider_id=provider_id)


def mark_retry(
    db: Database, message_id: int, *, error: str, retry_at: datetime, now: datetime
) -> None:
    """Put a message whose send failed for a passing reason back in the queue."""
    _set(db, message_id, status="queued", error_message=error, next_attempt_at=iso(retry_at),
         now=now)


def mark_failed(
    db: Database, message_id: int, *, error_code: str | None, error: str, now: datetime
) -> None:
    """Record that a message will never be sent."""
    _set(db, message_id, status="failed", error_code=error_code, error_message=error, now=now)


def mark_uncertain(
    db: Database, message_id: int, *, error: str, check_at: datetime, now: datetime
) -> None:
    """Record that the provider may or may not have taken a message; ask it at check_at."""
    # Only from 'sending': a status callback carrying our id may have come first.
    db.execute(
        "UPDATE messages SET status = 'uncertain', error_message = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ? AND status = 'sending'",
        (error, iso(check_at), iso(now), message_id))


def due_uncertain(db: Database, *, now: datetime, limit: int = 10) -> list[dict]:
    """Return uncertain messages whose provider is due to be asked about them, oldest first."""
    return rows(
        db,
        "SELECT *, coalesce(attempted_at, updated_at) AS attempted_since FROM messages"
        " WHERE direction = 'out' AND status = 'uncertain' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, id LIMIT ?", (iso(now), limit))


def provider_ids_in_use(db: Database, provider_ids: list[str]) -> set[str]:
    """Return which of these provider ids another stored message already has."""
    if not provider_ids:
        return set()
    marks = ", ".join("?" * len(provider_ids))
    return {r["provider_id"] for r in rows(
        db, f"SELECT provider_id FROM messages WHERE provider_id IN ({marks})", provider_ids)}


def settle_uncertain(
    db: Database, message_id: int, *, provider_id: str, status: str, now: datetime,
    error_code: str | None = None,
) -> dict:
    """Record what the provider says became of an uncertain message; return it as stored."""
    if status not in STATUS_RANK or STATUS_RANK[status] < STATUS_RANK["sent"]:
        raise InvalidValue(f"Not a status the provider reports: {status!r}")
    with immediate(db):
        db.execute(
            "UPDATE messages SET status = ?, provider_id = ?, error_code = ?, error_message = NULL,"
            " next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status = 'uncertain'",
            (status, provider_id, error_code, iso(now), message_id))
        return get_message(db, message_id)


def requeue_uncertain(db: Database, message_id: int, *, reason: str, now: datetime) -> None:
    """Queue an uncertain message again: the provider has shown it never took it."""
    db.execute(
        "UPDATE messages SET status = 'queued', error_message = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ? AND status = 'uncertain'",
        (reason, iso(now), iso(now), message_id))


def fail_uncertain(db: Database, message_id: int, *, reason: str, now: datetime) -> None:
    """Give up on an uncertain message the provider never took (too many attempts)."""
    db.execute(
        "UPDATE messages SET status = 'failed', error_message = ?, next_attempt_at = NULL,"
        " updated_at = ? WHERE id = ? AND status = 'uncertain'", (reason, iso(now), message_id))


def recheck_uncertain(
    db: Database, message_id: int, *, reason: str, check_at: datetime, now: datetime
) -> None:
    """Leave a message uncertain and ask the provider again at check_at."""
    db.execute(
        "UPDATE messages SET error_message = ?, next_attempt_at = ?, updated_at = ?"
        " WHERE id = ? AND status = 'uncertain'",
        (reason, iso(check_at), iso(now), message_id))


def apply_status_callback(
    db: Database, provider_id: str, reported: str, *, now: datetime,
    error_code: str | None = None, message_id: int | None = None, provider: str = "twilio",
) -> dict | None:
    """Move a message forward to the status the provider reported; return it, or None.

    reported is the provider's word (PROVIDER_STATUSES[provider] gives ours).
    message_id (ours, carried in Twilio's status callback URL and in GatewayAPI's
    userref) finds the message when the report arrives before the worker has
    stored the provider's id, or when the worker never learnt it; only a message
    that was handed to the provider, or is being handed, can be found that way.
    """
    status = our_status(provider, reported)
    if status is None:
        raise InvalidValue(f"Not a status the provider reports: {reported!r}")
    with immediate(db):
        message = row(db, "SELECT * FROM messages WHERE provider_id = ? AND direction = 'out'",
                      (provider_id,))
        if message is None and message_id is not None:
            message = row(db, "SELECT * FROM messages WHERE id = ? AND direction = 'out'"
                              " AND provider_id IS NULL", (message_id,))
            if message is not None and not (message["status"] in _HANDED
                                            or _unsettled(message)):
                # Still in our queue (or never sent): a callback cannot be about it.
                return None
            if message is not None:
                _set(db, message["id"], provider_id=provider_id, now=now)
        if message is None:
            return None
        if message["status"] == "uncertain" or _unsettled(message):
            # The provider did take it: what it reports now settles the doubt.
            _set(db, message["id"], status=status, error_code=error_code, error_message=None,
                 next_attempt_at=None, now=now)
        elif STATUS_RANK[status] > STATUS_RANK[message["status"]]:
            _set(db, message["id"], status=status, error_code=error_code, now=now)
        return get_message(db, message["id"])


def _unsettled(message: dict) -> bool:
    # Failed by us for not knowing, not by the provider: by an older worker for
    # being left 'sending', or for hearing nothing about an uncertain message.
    return (message["status"] == "failed" and message["error_message"] in (INTERRUPTED, NO_REPORT)
            and message["error_code"] is None)


def _advance(db: Database, message_id: int, status: str, *, now: datetime, **fields) -> None:
    with immediate(db):
        current = get_message(db, message_id)["status"]
        if STATUS_RANK[status] <= STATUS_RANK[current]:
            raise IllegalTransition(f"A message that is {current} cannot become {status}")
        _set(db, message_id, status=status, now=now, **fields)


def _set(db: Database, message_id: int, *, now: datetime, **fields) -> None:
    fields["updated_at"] = iso(now)
    assignments = ", ".join(f"{name} = ?" for name in fields)
    db.execute(f"UPDATE messages SET {assignments} WHERE id = ?",
               (*fields.values(), message_id))


def outbox_counts(db: Database) -> dict[str, int]:
    """Return the number of outbound messages per status."""
    return {r["status"]: r["n"] for r in rows(db,
        "SELECT status, count(*) AS n FROM messages WHERE direction = 'out' GROUP BY status")}


def record_reply(db: Database, *, phone: str, body: str, now: datetime,
                 contact_id: int | None = None) -> int:
    """Log a reply that went back in the webhook's TwiML response."""
    size = measure(body)
    return db.execute(
        "INSERT INTO messages (direction, contact_id, phone, body, encoding, segments, kind,"
        " status, attempts, created_at, updated_at)"
        " VALUES ('out', ?, ?, ?, ?, ?, 'reply', 'sent', 1, ?, ?)",
        (contact_id, phone, body, size.encoding, size.segments, iso(now), iso(now)),
    ).lastrowid


def queue_reply(db: Database, *, phone: str, body: str, now: datetime,
                contact_id: int | None = None) -> int:
    """Put the reply to an inbound SMS in the outbox, for a provider that takes none in its answer.

    Called in the transaction that stores the inbound SMS and applies its
    effects, so a retried one never queues a second reply. A reply worked out
    for a number that may not be texted now (it just sent STOP, or HELP after
    it) is a CONSENT_REPLY, which claim_next sends all the same; any other waits
    on the number's consent as every message does, so what was answered before
    a STOP is not sent after it.
    """
    kind = "reply" if may_text(db, phone, contact_id=contact_id) else CONSENT_REPLY
    size = measure(body)
    return db.execute(
        "INSERT INTO messages (direction, contact_id, phone, body, encoding, segments, kind,"
        " status, next_attempt_at, created_at, updated_at)"
        " VALUES ('out', ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
        (contact_id, phone, body, size.encoding, size.segments, kind, iso(now), iso(now),
         iso(now)),
    ).lastrowid


def hold_interrupted(db: Database, *, now: datetime) -> int:
    """Mark messages left 'sending' by a worker that stopped mid-call uncertain; return how many.

    They may or may not have reached the provider, and messages.create has no
    idempotency key: the provider is asked before anything is sent again.
    """
    return db.execute(
        "UPDATE messages SET status = 'uncertain', error_message = ?, next_attempt_at = ?,"
        " updated_at = ? WHERE direction = 'out' AND status = 'sending'",
        (INTERRUPTED, iso(now), iso(now)),
    ).rowcount
