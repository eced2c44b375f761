"""Introductions: a need and an offer put in touch, only when both people say yes."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.clock import iso
from shared.db import Database, row, rows
from shared.errors import IllegalTransition, NotFound

# No answer from both within this long ends the introduction.
ANSWER_WITHIN = timedelta(days=3)
# After this long the one who needed help is asked whether it came.
FOLLOW_UP_AFTER = timedelta(days=14)
SIDES = ("need", "offer")
# Why an introduction ended, for the coordinator: both said yes, one said no,
# no answer in time, one opted out, one was erased.
AGREED, DECLINED, EXPIRED, ENDED = "agreed", "declined", "expired", "ended"


def create_introduction(db: Database, *, need_id: int, offer_id: int, coordinator_id: int,
                        now: datetime) -> int:
    """Store a new introduction waiting for both answers; return its id."""
    return db.execute(
        "INSERT INTO introductions (need_id, offer_id, coordinator_id, answer_by, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (need_id, offer_id, coordinator_id, iso(now + ANSWER_WITHIN), iso(now), iso(now)),
    ).lastrowid


def get_introduction(db: Database, introduction_id: int) -> dict:
    """Return the introduction with both people's contact ids, or raise NotFound."""
    found = row(db, "SELECT i.*, n.contact_id AS need_contact_id,"
                    " o.contact_id AS offer_contact_id FROM introductions i"
                    " LEFT JOIN needs n ON n.id = i.need_id"
                    " LEFT JOIN offers o ON o.id = i.offer_id WHERE i.id = ?",
                (introduction_id,))
    if found is None:
        raise NotFound(f"No introduction {introduction_id}")
    return found


def waiting_for(db: Database, contact_id: int) -> list[dict]:
    """Return what waits for this contact's JA or NEJ: introductions and follow-up questions.

    Each is (id, side, whether the other has said yes): side is "need", "offer"
    or "follow_up"; oldest first.
    """
    asked = rows(db, "SELECT i.id AS id, 'need' AS side, i.offer_answer = 'yes' AS other,"
                     " i.created_at AS at FROM introductions i"
                     " JOIN needs n ON n.id = i.need_id WHERE n.contact_id = ?"
                     " AND i.status = 'waiting' AND i.need_answer IS NULL"
                     " UNION ALL SELECT i.id, 'offer', i.need_answer = 'yes', i.created_at"
                     " FROM introductions i"
                     " JOIN offers o ON o.id = i.offer_id WHERE o.contact_id = ?"
                     " AND i.status = 'waiting' AND i.offer_answer IS NULL"
                     " UNION ALL SELECT i.id, 'follow_up', 0, i.followed_up_at"
                     " FROM introductions i"
                     " JOIN needs n ON n.id = i.need_id WHERE n.contact_id = ?"
                     " AND i.followed_up_at IS NOT NULL AND i.helped IS NULL"
                     " ORDER BY at, id", (contact_id, contact_id, contact_id))
    return [(a["id"], a["side"], bool(a["other"])) for a in asked]


def record_answer(db: Database, introduction_id: int, side: str, yes: bool, *,
                  now: datetime, name: str | None = None) -> dict:
    """Record one side's JA or NEJ; return the introduction as it now stands.

    A NEJ declines it at once; the second JA makes it agreed.
    """
    if side not in SIDES:
        raise ValueError(f"Unknown side {side!r}")
    found = get_introduction(db, introduction_id)
    if found["status"] != "waiting" or found[f"{side}_answer"] is not None:
        raise IllegalTransition(f"Introduction {introduction_id} is not waiting for this answer")
    db.execute(f"UPDATE introductions SET {side}_answer = ?, {side}_answered_at = ?,"
               f" {side}_name = ?, updated_at = ? WHERE id = ?",
               ("yes" if yes else "no", iso(now), (name or None) if yes else None, iso(now),
                introduction_id))
    other = "offer" if side == "need" else "need"
    if not yes:
        _set_status(db, introduction_id, DECLINED, reason=f"{side}_said_no", now=now)
    elif found[f"{other}_answer"] == "yes":
        _set_status(db, introduction_id, AGREED, reason=None, now=now)
        db.execute("UPDATE introductions SET follow_up_at = ? WHERE id = ?",
                   (iso(now + FOLLOW_UP_AFTER), introduction_id))
    return get_introduction(db, introduction_id)


def record_follow_up(db: Database, introduction_id: int, helped: bool, *, now: datetime) -> dict:
    """Record whether help came, as the one who needed it says; return the introduction."""
    db.execute("UPDATE introductions SET helped = ?, helped_at = ?, updated_at = ? WHERE id = ?",
               (int(helped), iso(now), iso(now), introduction_id))
    return get_introduction(db, introduction_id)


def due_follow_ups(db: Database, *, now: datetime) -> list[dict]:
    """Return agreed introductions whose follow-up question is due and not yet asked."""
    return [get_introduction(db, r["id"]) for r in rows(
        db, "SELECT id FROM introductions WHERE status = 'agreed' AND followed_up_at IS NULL"
            " AND follow_up_at <= ? AND need_id IS NOT NULL ORDER BY id", (iso(now),))]


def mark_followed_up(db: Database, introduction_id: int, *, now: datetime) -> None:
    db.execute("UPDATE introductions SET followed_up_at = ?, updated_at = ? WHERE id = ?",
               (iso(now), iso(now), introduction_id))


def overdue(db: Database, *, now: datetime) -> list[dict]:
    """Return the introductions still waiting after their time to answer."""
    return [get_introduction(db, r["id"]) for r in rows(
        db, "SELECT id FROM introductions WHERE status = 'waiting' AND answer_by <= ?"
            " ORDER BY id", (iso(now),))]


def end_introduction(db: Database, introduction_id: int, status: str, *, reason: str,
                     now: datetime) -> None:
    """End a waiting introduction: expired (no answer), or ended (opt-out, erasure)."""
    _set_status(db, introduction_id, status, reason=reason, now=now)


def end_for_contact(db: Database, contact_id: int, *, reason: str, now: datetime) -> list[int]:
    """End every waiting introduction the contact is in (opted out, erased); return their ids.

    Their first name, given with a JA, goes too.
    """
    ids = [r["id"] for r in rows(
        db, "SELECT i.id FROM introductions i LEFT JOIN needs n ON n.id = i.need_id"
            " LEFT JOIN offers o ON o.id = i.offer_id"
            " WHERE n.contact_id = ? OR o.contact_id = ?", (contact_id, contact_id))]
    for introduction_id in ids:
        found = get_introduction(db, introduction_id)
        side = "need" if found["need_contact_id"] == contact_id else "offer"
        db.execute(f"UPDATE introductions SET {side}_name = NULL WHERE id = ?",
                   (introduction_id,))
        if found["status"] == "waiting":
            _set_status(db, introduction_id, ENDED, reason=reason, now=now)
    return ids


def list_introductions(db: Database, need_id: int | None = None) -> list[dict]:
    """Return introductions (of one need, or all), newest first."""
    where, params = ("WHERE i.need_id = ?", (need_id,)) if need_id is not None else ("", ())
    return rows(db, f"SELECT i.*, o.description AS offer_description FROM introductions i"
                    f" LEFT JOIN offers o ON o.id = i.offer_id {where} ORDER BY i.id DESC",
                params)


def _set_status(db: Database, introduction_id: int, status: str, *, reason: str | None,
                now: datetime) -> None:
    db.execute("UPDATE introductions SET status = ?, ended_reason = ?, updated_at = ?"
               " WHERE id = ?", (status, reason, iso(now), introduction_id))
