"""Offers of time, know-how, things, rooms or lifts, and their review."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.vocabulary import CATEGORIES, CHANNELS

MAX_DESCRIPTION = 1000

# Status -> the statuses it may move to. needs_info returns to pending when the
# citizen answers; rejected, withdrawn and done are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "needs_info", "rejected", "withdrawn"}),
    "needs_info": frozenset({"pending", "approved", "rejected", "withdrawn"}),
    "approved": frozenset({"matched", "withdrawn"}),
    "matched": frozenset({"done", "withdrawn"}),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
    "done": frozenset(),
}


def record_offer(
    db: Database,
    *,
    description: str,
    channel: str,
    now: datetime,
    contact_id: int | None = None,
    category: str | None = None,
    town: str | None = None,
    availability: str | None = None,
    location: str | None = None,
) -> int:
    """Store a new pending offer and return its id."""
    description = (description or "").strip()
    if not description:
        raise InvalidValue("An offer needs a description")
    if category is not None and category not in CATEGORIES:
        raise InvalidValue(f"Unknown category {category!r}")
    if channel not in CHANNELS:
        raise InvalidValue(f"Unknown channel {channel!r}")
    return db.execute(
        "INSERT INTO offers (contact_id, category, description, town, availability, channel,"
        " location, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (contact_id, category, description[:MAX_DESCRIPTION], town, availability, channel,
         location, iso(now), iso(now)),
    ).lastrowid


def get_offer(db: Database, offer_id: int) -> dict:
    """Return the offer with this id, or raise NotFound."""
    found = row(db, "SELECT * FROM offers WHERE id = ?", (offer_id,))
    if found is None:
        raise NotFound(f"No offer {offer_id}")
    return found


def update_offer_details(
    db: Database, offer_id: int, *, now: datetime, category: str | None = None,
    town: str | None = None, availability: str | None = None,
) -> None:
    """Fill in the category, town or availability given after the offer was made."""
    if category is not None and category not in CATEGORIES:
        raise InvalidValue(f"Unknown category {category!r}")
    db.execute(
        "UPDATE offers SET category = coalesce(?, category), town = coalesce(?, town),"
        " availability = coalesce(?, availability), updated_at = ? WHERE id = ?",
        (category, town, availability, iso(now), offer_id),
    )


def change_offer_status(
    db: Database,
    offer_id: int,
    status: str,
    *,
    now: datetime,
    reviewer_id: int | None = None,
    note: str | None = None,
    community_id: int | None = None,
) -> dict:
    """Move an offer to a new status if its current one allows it; return the old row."""
    if status not in TRANSITIONS:
        raise InvalidValue(f"Unknown status {status!r}")
    with immediate(db):
        offer = get_offer(db, offer_id)
        if status not in TRANSITIONS[offer["status"]]:
            raise IllegalTransition(
                f"An offer that is {offer['status']} cannot become {status}")
        db.execute(
            "UPDATE offers SET status = ?, review_note = coalesce(?, review_note),"
            " reviewer_id = coalesce(?, reviewer_id), community_id = coalesce(?, community_id),"
            " updated_at = ? WHERE id = ?",
            (status, note, reviewer_id, community_id, iso(now), offer_id),
        )
        if status == "needs_info":  # a new question waits for a new answer
            db.execute("UPDATE offers SET answer = NULL, answered_at = NULL WHERE id = ?",
                       (offer_id,))
    return offer


def offers_of(db: Database, contact_id: int) -> list[dict]:
    """Return the contact's offers, newest first."""
    return rows(db,
        "SELECT * FROM offers WHERE contact_id = ? ORDER BY id DESC", (contact_id,))


def offers_with_status(db: Database, status: str = "pending") -> list[dict]:
    """Return offers in one status, oldest first (the review queue)."""
    return rows(db,
        "SELECT o.*, c.phone, c.language FROM offers o LEFT JOIN contacts c ON c.id = o.contact_id"
        " WHERE o.status = ? ORDER BY o.created_at, o.id", (status,))


def add_answer(db: Database, offer_id: int, answer: str, *, now: datetime) -> None:
    """Keep the citizen's answer to a coordinator's question and put the offer back in review."""
    with immediate(db):
        offer = get_offer(db, offer_id)
        answer = "\n".join(filter(None, [offer["answer"], answer.strip()]))[:MAX_DESCRIPTION]
        db.execute("UPDATE offers SET answer = ?, answered_at = ?, updated_at = ? WHERE id = ?",
                   (answer, iso(now), iso(now), offer_id))
        if offer["status"] == "needs_info":
            change_offer_status(db, offer_id, "pending", now=now)
