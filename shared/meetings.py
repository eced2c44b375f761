"""A community's next meeting (one-off or weekly), its reminders and who cannot come."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from shared.clock import iso, parse
from shared.db import Database, row, rows
from shared.i18n import TIMEZONE
from shared.keywords import fold
from shared.leaders import community_id

# Members are reminded the day before, at this time, Copenhagen time.
REMIND_AT = time(10, 0)
WEEK = timedelta(days=7)


def set_meeting(db: Database, code: str, *, starts_at: datetime, weekly: bool, place: str,
                now: datetime, by_contact: int | None = None,
                by_coordinator: int | None = None) -> int:
    """Make this the community's next meeting (the one before it no longer holds)."""
    cancel_meeting(db, code, now=now)
    return db.execute(
        "INSERT INTO meetings (community_id, starts_at, weekly, place, set_by_contact_id,"
        " set_by_coordinator_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (community_id(db, code), iso(starts_at), int(weekly), place, by_contact, by_coordinator,
         iso(now)),
    ).lastrowid


def cancel_meeting(db: Database, code: str, *, now: datetime) -> None:
    """Call off the community's meeting: it is no longer its next one, and nobody is reminded."""
    db.execute("UPDATE meetings SET cancelled_at = ? WHERE community_id = ?"
               " AND cancelled_at IS NULL", (iso(now), community_id(db, code)))


def next_meeting(db: Database, code: str, *, now: datetime) -> dict | None:
    """Return the community's next meeting with its next start (starts_at), or None."""
    found = row(db, "SELECT m.* FROM meetings m JOIN communities c ON c.id = m.community_id"
                    " WHERE c.code = ? AND m.cancelled_at IS NULL ORDER BY m.id DESC LIMIT 1",
                (fold(code),))
    if found is None:
        return None
    starts_at = next_start(found, now=now)
    return {**found, "starts_at": iso(starts_at)} if starts_at else None


def next_start(meeting: dict, *, now: datetime) -> datetime | None:
    """Return when the meeting next starts after now: a weekly one keeps its weekday and time."""
    starts_at = parse(meeting["starts_at"])
    if not meeting["weekly"]:
        return starts_at if starts_at > now else None
    local = starts_at.astimezone(TIMEZONE)
    while local.astimezone(TIMEZONE) <= now:
        # Wall-clock weeks: the same weekday and hour across a change to summer time.
        local = (local + WEEK).replace(tzinfo=TIMEZONE)
    return local


def reminder_time(starts_at: datetime) -> datetime:
    """Return when members are reminded of a meeting: REMIND_AT the day before."""
    day_before = starts_at.astimezone(TIMEZONE).date() - timedelta(days=1)
    return datetime.combine(day_before, REMIND_AT, tzinfo=TIMEZONE)


def due_reminders(db: Database, *, now: datetime) -> list[dict]:
    """Return the meetings whose reminders are due now: reminder time passed, not yet begun."""
    due = []
    for meeting in rows(db, "SELECT m.*, c.code FROM meetings m"
                            " JOIN communities c ON c.id = m.community_id"
                            " WHERE m.cancelled_at IS NULL AND c.status = 'active'"):
        starts_at = next_start(meeting, now=now)
        if starts_at is not None and reminder_time(starts_at) <= now < starts_at:
            due.append({**meeting, "starts_at": iso(starts_at)})
    return due


def not_reminded(db: Database, meeting: dict) -> list[dict]:
    """Return the members not yet reminded of this occurrence: contact id, phone, language.

    An occurrence is the community's meeting at that time, however often it was
    set again (a leader correcting the place): each member is reminded of it once.
    """
    return rows(db, "SELECT p.id AS contact_id, p.phone, p.language FROM memberships ms"
                    " JOIN contacts p ON p.id = ms.contact_id"
                    " WHERE ms.community_id = ? AND ms.left_at IS NULL AND NOT EXISTS ("
                    "  SELECT 1 FROM reminders r JOIN meetings m ON m.id = r.meeting_id"
                    "  WHERE m.community_id = ms.community_id AND r.starts_at = ?"
                    "  AND r.contact_id = p.id) ORDER BY p.id",
                (meeting["community_id"], meeting["starts_at"]))


def mark_reminded(db: Database, meeting: dict, contact_id: int,
                  message_id: int | None) -> None:
    """Remember that this member was reminded of this occurrence (or could not be)."""
    db.execute("INSERT INTO reminders (meeting_id, starts_at, contact_id, message_id)"
               " VALUES (?, ?, ?, ?)",
               (meeting["id"], meeting["starts_at"], contact_id, message_id))


def record_absence(db: Database, meeting: dict, contact_id: int, *, now: datetime) -> bool:
    """Note that a member will not come to this occurrence; return whether it is new."""
    return db.execute(
        "INSERT INTO absences (meeting_id, starts_at, contact_id, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (meeting["id"], meeting["starts_at"], contact_id, iso(now))).rowcount == 1


def absences(db: Database, meeting: dict) -> int:
    """Count who cannot come to this occurrence (however often it was set): a number,
    never names."""
    return row(db, "SELECT count(DISTINCT a.contact_id) AS n FROM absences a"
                   " JOIN meetings m ON m.id = a.meeting_id"
                   " WHERE m.community_id = ? AND a.starts_at = ?",
               (meeting["community_id"], meeting["starts_at"]))["n"]
