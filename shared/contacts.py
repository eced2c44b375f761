"""Contacts: a phone number with its language and consent, nothing more."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.db import Database, immediate, row, rows
from shared.errors import NotFound
from shared.introductions import end_for_contact
from shared.phones import normalise_phone
from shared.suppression import suppress, suppressed_since, unsuppress

# Tables whose rows belong to a contact; erasing the contact removes them (ON DELETE CASCADE).
PERSONAL_TABLES = ("memberships", "offers", "needs", "feedback", "unsorted", "messages",
                   "conversations", "leaders", "absences", "reminders")


def find_contact(db: Database, phone: str) -> dict | None:
    """Return the contact with this number, or None."""
    return row(db, "SELECT * FROM contacts WHERE phone = ?", (normalise_phone(phone),))


def get_contact(db: Database, contact_id: int) -> dict:
    """Return the contact with this id, or raise NotFound."""
    found = row(db, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    if found is None:
        raise NotFound(f"No contact {contact_id}")
    return found


def touch_contact(
    db: Database, phone: str, *, now: datetime, language: str | None = None
) -> dict:
    """Return the contact for phone, creating it or updating last seen.

    A number on the suppression list comes back opted out, even after an erase.
    """
    e164 = normalise_phone(phone)
    with immediate(db):
        since = suppressed_since(db, e164)
        db.execute(
            "INSERT INTO contacts (phone, language, opted_out, opted_out_at, first_seen,"
            " last_seen) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (phone) DO UPDATE SET last_seen = excluded.last_seen,"
            " language = coalesce(contacts.language, excluded.language),"
            " opted_out = max(contacts.opted_out, excluded.opted_out),"
            " opted_out_at = coalesce(contacts.opted_out_at, excluded.opted_out_at)",
            (e164, language, int(since is not None), since, iso(now), iso(now)),
        )
        return row(db, "SELECT * FROM contacts WHERE phone = ?", (e164,))


def set_language(db: Database, contact_id: int, language: str) -> None:
    """Remember the language the contact wants replies in."""
    db.execute("UPDATE contacts SET language = ? WHERE id = ?", (language, contact_id))


def opt_out(db: Database, contact_id: int, *, now: datetime) -> None:
    """Mark the contact as opted out and suppress their number: nothing more until START."""
    with immediate(db):
        found = row(db, "SELECT phone FROM contacts WHERE id = ?", (contact_id,))
        if found is None:
            return
        db.execute(
            "UPDATE contacts SET opted_out = 1, opted_out_at = ? WHERE id = ? AND opted_out = 0",
            (iso(now), contact_id),
        )
        suppress(db, found["phone"], now=now)
        end_for_contact(db, contact_id, reason="opted_out", now=now)


def opt_out_number(db: Database, phone: str, *, now: datetime) -> None:
    """Suppress a number (error 21610 for a message with no contact), and its contact if any."""
    with immediate(db):
        suppress(db, phone, now=now)
        db.execute(
            "UPDATE contacts SET opted_out = 1, opted_out_at = ?"
            " WHERE phone = ? AND opted_out = 0", (iso(now), normalise_phone(phone)),
        )
        found = row(db, "SELECT id FROM contacts WHERE phone = ?", (normalise_phone(phone),))
        if found is not None:
            end_for_contact(db, found["id"], reason="opted_out", now=now)


def opt_in(db: Database, contact_id: int) -> None:
    """Let messages reach the contact again: only for START texted from their number."""
    with immediate(db):
        found = row(db, "SELECT phone FROM contacts WHERE id = ?", (contact_id,))
        if found is None:
            return
        db.execute(
            "UPDATE contacts SET opted_out = 0, opted_out_at = NULL WHERE id = ?", (contact_id,)
        )
        unsuppress(db, found["phone"])


def contact_data(db: Database, contact_id: int) -> dict:
    """Return everything stored about a contact (an access request)."""
    data = {"contact": get_contact(db, contact_id)}
    for table in PERSONAL_TABLES:
        data[table] = list(
            rows(db, f"SELECT * FROM {table} WHERE contact_id = ?", (contact_id,))
        )
    return data


def erase_contact(db: Database, phone: str, *, now: datetime) -> tuple[int, dict[str, int]]:
    """Delete a contact and every record linked to them; return its id and what was removed."""
    e164 = normalise_phone(phone)
    with immediate(db):
        contact = row(db, "SELECT id FROM contacts WHERE phone = ?", (e164,))
        if contact is None:
            raise NotFound("No contact with that number")
        # The introductions they are in end (and lose their first name); the
        # rows stay, without them, so a coordinator sees what became of them.
        end_for_contact(db, contact["id"], reason="erased", now=now)
        counts = {
            table: db.execute(
                f"SELECT count(*) FROM {table} WHERE contact_id = ?", (contact["id"],)
            ).fetchone()[0]
            for table in PERSONAL_TABLES
        }
        # Messages logged before the contact existed carry only the number.
        counts["messages"] += db.execute(
            "DELETE FROM messages WHERE phone = ? AND contact_id IS NULL", (e164,)
        ).rowcount
        counts["verifications"] = db.execute(
            "DELETE FROM verifications WHERE phone = ?", (e164,)).rowcount
        db.execute("DELETE FROM contacts WHERE id = ?", (contact["id"],))
    counts["contacts"] = 1
    return contact["id"], counts
