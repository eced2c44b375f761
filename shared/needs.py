"""Needs: what a citizen needs a hand with, in their own words, until it is met or ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.clock import iso
from shared.db import Database, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.vocabulary import CATEGORIES, CHANNELS

MAX_DESCRIPTION = 1000
MAX_WHEN = 120
# A need nobody has been introduced to in this long is closed as expired.
EXPIRES_AFTER = timedelta(days=60)
STATUSES = ("new", "open", "introduced", "met", "not_met", "withdrawn", "expired")
# What a coordinator can still act on: propose an introduction.
WAITING = ("new", "open")

# Status -> the statuses it may move to. "new" is not yet seen by a coordinator;
# "not_met" reopens when a follow-up says no help came.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "introduced", "withdrawn", "expired"}),
    "open": frozenset({"introduced", "withdrawn", "expired"}),
    "introduced": frozenset({"open", "met", "not_met", "withdrawn"}),
    "not_met": frozenset({"introduced", "withdrawn", "expired"}),
    "met": frozenset(),
    "withdrawn": frozenset(),
    "expired": frozenset(),
}


def record_need(db: Database, *, contact_id: int, description: str, channel: str,
                now: datetime, category: str | None = None, town: str | None = None,
                needed_when: str | None = None, location: str | None = None) -> int:
    """Store a new need and return its id."""
    description = (description or "").strip()
    if not description:
        raise InvalidValue("A need needs a description")
    if category is not None and category not in CATEGORIES:
        raise InvalidValue(f"Unknown category {category!r}")
    if channel not in CHANNELS:
        raise InvalidValue(f"Unknown channel {channel!r}")
    return db.execute(
        "INSERT INTO needs (contact_id, description, category, town, needed_when, channel,"
        " location, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (contact_id, description[:MAX_DESCRIPTION], category, town,
         (needed_when or "").strip()[:MAX_WHEN] or None, channel, location, iso(now), iso(now)),
    ).lastrowid


def get_need(db: Database, need_id: int) -> dict:
    """Return the need with this id, or raise NotFound."""
    found = row(db, "SELECT * FROM needs WHERE id = ?", (need_id,))
    if found is None:
        raise NotFound(f"No need {need_id}")
    return found


def update_need_details(db: Database, need_id: int, *, now: datetime,
                        category: str | None = None, town: str | None = None,
                        needed_when: str | None = None) -> None:
    """Fill in the kind, town or when given after the need was made."""
    if category is not None and category not in CATEGORIES:
        raise InvalidValue(f"Unknown category {category!r}")
    db.execute(
        "UPDATE needs SET category = coalesce(?, category), town = coalesce(?, town),"
        " needed_when = coalesce(?, needed_when), updated_at = ? WHERE id = ?",
        (category, town, (needed_when or "").strip()[:MAX_WHEN] or None, iso(now), need_id))


def change_need_status(db: Database, need_id: int, status: str, *, now: datetime) -> dict:
    """Move a need to a new status if its current one allows it; return it as stored."""
    need = get_need(db, need_id)
    if status not in TRANSITIONS[need["status"]]:
        raise IllegalTransition(f"A need that is {need['status']} cannot become {status}")
    db.execute("UPDATE needs SET status = ?, updated_at = ? WHERE id = ?",
               (status, iso(now), need_id))
    return {**need, "status": status}


def needs_of(db: Database, contact_id: int) -> list[dict]:
    """Return a contact's needs, newest first."""
    return rows(db, "SELECT * FROM needs WHERE contact_id = ? ORDER BY id DESC", (contact_id,))


def list_needs(db: Database, statuses: tuple[str, ...] = WAITING + ("not_met",)) -> list[dict]:
    """Return the needs in these statuses, oldest first, with the contact's number and language."""
    marks = ", ".join("?" * len(statuses))
    return rows(db, f"SELECT n.*, c.phone, c.language FROM needs n"
                    f" JOIN contacts c ON c.id = n.contact_id"
                    f" WHERE n.status IN ({marks}) ORDER BY n.created_at, n.id", statuses)


def expire_needs(db: Database, *, now: datetime) -> int:
    """Close the needs left without an introduction for EXPIRES_AFTER; return how many."""
    return db.execute(
        "UPDATE needs SET status = 'expired', updated_at = ? WHERE status IN ('new', 'open')"
        " AND created_at < ?", (iso(now), iso(now - EXPIRES_AFTER))).rowcount
