"""Feedback: ris, ros and ideas, read and answered by coordinators."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound

KINDS = ("ris", "ros", "ide")
CHANNELS = ("sms", "kiosk")
MAX_TEXT = 1600

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"read", "answered", "archived"}),
    "read": frozenset({"answered", "archived"}),
    "answered": frozenset({"answered", "archived"}),
    "archived": frozenset(),
}


def record_feedback(
    db: Database,
    *,
    kind: str,
    text: str,
    channel: str,
    now: datetime,
    contact_id: int | None = None,
    rating: int | None = None,
    town: str | None = None,
    location: str | None = None,
) -> int:
    """Store feedback as new and return its id."""
    text = (text or "").strip()
    if kind not in KINDS:
        raise InvalidValue(f"Unknown kind {kind!r}")
    if not text:
        raise InvalidValue("Feedback needs a text")
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool)
                               or not 1 <= rating <= 5):
        raise InvalidValue("A rating is 1 to 5")
    if channel not in CHANNELS:
        raise InvalidValue(f"Unknown channel {channel!r}")
    return db.execute(
        "INSERT INTO feedback (contact_id, kind, text, rating, town, channel, location,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (contact_id, kind, text[:MAX_TEXT], rating, town, channel, location, iso(now), iso(now)),
    ).lastrowid


def get_feedback(db: Database, feedback_id: int) -> dict:
    """Return the feedback with this id, or raise NotFound."""
    found = row(db, "SELECT * FROM feedback WHERE id = ?", (feedback_id,))
    if found is None:
        raise NotFound(f"No feedback {feedback_id}")
    return found


def change_feedback_status(
    db: Database, feedback_id: int, status: str, *, now: datetime,
    reply: str | None = None, coordinator_id: int | None = None,
) -> None:
    """Mark feedback read, answered (with the reply) or archived."""
    if status not in TRANSITIONS:
        raise InvalidValue(f"Unknown status {status!r}")
    if status == "answered" and not (reply or "").strip():
        raise InvalidValue("An answer needs a text")
    with immediate(db):
        current = get_feedback(db, feedback_id)["status"]
        if status not in TRANSITIONS[current]:
            raise IllegalTransition(f"Feedback that is {current} cannot become {status}")
        db.execute(
            "UPDATE feedback SET status = ?, reply = coalesce(?, reply),"
            " replied_at = CASE WHEN ? IS NULL THEN replied_at ELSE ? END,"
            " replied_by = coalesce(?, replied_by), updated_at = ? WHERE id = ?",
            (status, reply, reply, iso(now), coordinator_id, iso(now), feedback_id),
        )


def set_for_report(db: Database, feedback_id: int, quoted: bool) -> None:
    """Mark feedback to be quoted in the report, or no longer."""
    # updated_at stays: the retention counts from the citizen's last change, not ours.
    if db.execute("UPDATE feedback SET for_report = ? WHERE id = ?",
                  (int(quoted), feedback_id)).rowcount == 0:
        raise NotFound(f"No feedback {feedback_id}")


def list_feedback(
    db: Database,
    *,
    kind: str | None = None,
    town: str | None = None,
    status: str | tuple[str, ...] | None = None,
    since: datetime | None = None,
    limit: int = 500,
) -> list[dict]:
    """Return feedback matching the filters, newest first, with the sender's phone and consent."""
    where, params = [], []
    if kind is not None:
        where.append("f.kind = ?")
        params.append(kind)
    if town is not None:
        where.append("f.town = ?")
        params.append(town)
    if status is not None:
        statuses = (status,) if isinstance(status, str) else tuple(status)
        where.append(f"f.status IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    if since is not None:
        # Stored as UTC ISO 8601 text, so comparing text compares times.
        where.append("f.created_at >= ?")
        params.append(iso(since))
    sql = ("SELECT f.*, c.phone, c.language, c.opted_out FROM feedback f"
           " LEFT JOIN contacts c ON c.id = f.contact_id")
    if where:
        sql += " WHERE " + " AND ".join(where)
    return rows(db, sql + " ORDER BY f.created_at DESC, f.id DESC LIMIT ?", (*params, limit))


def feedback_towns(db: Database) -> list[str]:
    """Return every town some feedback is about, in alphabetical order."""
    return [r["town"] for r in rows(db,
        "SELECT DISTINCT town FROM feedback WHERE coalesce(town, '') != '' ORDER BY town")]
