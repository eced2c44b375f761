"""Unsorted messages: texts that were no keyword and no answer, kept for a person to read."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.db import Database, row, rows
from shared.errors import IllegalTransition, NotFound

# new -> answered (by SMS) / feedback / offer (turned into one) / archived.
STATUSES = ("new", "answered", "feedback", "offer", "archived")
OPEN = ("new",)


def record_unsorted(db: Database, *, contact_id: int, message_id: int | None, text: str,
                    language: str, now: datetime) -> int | None:
    """Keep an inbound text nobody has read yet; return its id, or None if already kept."""
    # An auto-responder or an echoing phone sends the same words again and
    # again: one copy waiting in the inbox is enough (the messages log has all).
    if row(db, "SELECT 1 AS found FROM unsorted WHERE contact_id = ? AND status = 'new'"
               " AND text = ?", (contact_id, text)):
        return None
    return db.execute(
        "INSERT INTO unsorted (contact_id, message_id, text, language, status, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, 'new', ?, ?)",
        (contact_id, message_id, text, language, iso(now), iso(now)),
    ).lastrowid


def get_unsorted(db: Database, unsorted_id: int) -> dict:
    """Return one unsorted message with the sender's number and consent, or raise NotFound."""
    found = row(db, "SELECT u.*, c.phone, c.opted_out FROM unsorted u"
                    " JOIN contacts c ON c.id = u.contact_id WHERE u.id = ?", (unsorted_id,))
    if found is None:
        raise NotFound(f"No unsorted message {unsorted_id}")
    return found


def list_unsorted(db: Database, statuses: tuple[str, ...] = OPEN,
                  limit: int = 500) -> list[dict]:
    """Return unsorted messages in these statuses, oldest first (the inbox)."""
    marks = ", ".join("?" * len(statuses))
    return rows(db, "SELECT u.*, c.phone, c.opted_out FROM unsorted u"
                    " JOIN contacts c ON c.id = u.contact_id"
                    f" WHERE u.status IN ({marks}) ORDER BY u.created_at, u.id LIMIT ?",
                (*statuses, limit))


def settle_unsorted(db: Database, unsorted_id: int, status: str, *, now: datetime,
                    coordinator_id: int | None = None, reply: str | None = None,
                    record_id: int | None = None) -> None:
    """Move a new unsorted message on: answered, turned into feedback or an offer, archived."""
    if status not in STATUSES[1:]:
        raise IllegalTransition(f"An unsorted message cannot become {status!r}")
    current = get_unsorted(db, unsorted_id)["status"]
    if current != "new":
        raise IllegalTransition(f"Unsorted message {unsorted_id} is already {current}")
    db.execute("UPDATE unsorted SET status = ?, reply = ?, record_id = ?, handled_by = ?,"
               " updated_at = ? WHERE id = ?",
               (status, reply, record_id, coordinator_id, iso(now), unsorted_id))
