"""Leaders (tovholdere): members who may message their community by SMS and set its meetings."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.db import Database, row, rows
from shared.errors import InvalidValue, NotFound
from shared.keywords import fold

MAX_LEADERS = 3
MAX_FIRST_NAME = 20
# A leader's messages to their community, at most this many a day (Copenhagen).
MAX_MESSAGES_PER_DAY = 3


def clean_first_name(name: str) -> str:
    """Return the first name as members will read it: one word, at most 20 letters."""
    words = (name or "").split()
    if not words:
        raise InvalidValue("A leader needs a first name")
    return words[0][:MAX_FIRST_NAME]


def community_id(db: Database, code: str) -> int:
    found = row(db, "SELECT id FROM communities WHERE code = ?", (fold(code),))
    if found is None:
        raise NotFound(f"No community with code {code}")
    return found["id"]


def add_leader(db: Database, code: str, contact_id: int, first_name: str, *,
               now: datetime) -> None:
    """Make a member a leader of the community (at most MAX_LEADERS)."""
    community = community_id(db, code)
    if not row(db, "SELECT 1 FROM memberships WHERE community_id = ? AND contact_id = ?"
                   " AND left_at IS NULL", (community, contact_id)):
        raise InvalidValue("Only a member can lead the community")
    if len(leaders_of(db, code)) >= MAX_LEADERS:
        raise InvalidValue(f"A community has at most {MAX_LEADERS} leaders")
    db.execute("INSERT INTO leaders (community_id, contact_id, first_name, created_at)"
               " VALUES (?, ?, ?, ?) ON CONFLICT (community_id, contact_id) DO UPDATE"
               " SET first_name = excluded.first_name, stopped_at = NULL",
               (community, contact_id, clean_first_name(first_name), iso(now)))


def remove_leader(db: Database, code: str, contact_id: int) -> bool:
    """End a leader's role; return whether they had it."""
    return db.execute("DELETE FROM leaders WHERE community_id = ? AND contact_id = ?",
                      (community_id(db, code), contact_id)).rowcount > 0


def stop_leader(db: Database, code: str, contact_id: int, *, now: datetime) -> None:
    """Stop a leader's messages at once (a coordinator's brake); they stay a leader."""
    db.execute("UPDATE leaders SET stopped_at = ? WHERE community_id = ? AND contact_id = ?",
               (iso(now), community_id(db, code), contact_id))


def leaders_of(db: Database, code: str) -> list[dict]:
    """Return the community's leaders, first names first appointed first."""
    return rows(db, "SELECT l.*, c.phone, c.language FROM leaders l"
                    " JOIN communities m ON m.id = l.community_id"
                    " JOIN contacts c ON c.id = l.contact_id"
                    " WHERE m.code = ? ORDER BY l.created_at, l.contact_id", (fold(code),))


def led_by(db: Database, contact_id: int) -> list[dict]:
    """Return the communities this contact leads: code, first name, whether stopped."""
    return rows(db, "SELECT m.code, l.first_name, l.stopped_at FROM leaders l"
                    " JOIN communities m ON m.id = l.community_id WHERE l.contact_id = ?"
                    " ORDER BY m.code", (contact_id,))


def messages_since(db: Database, code: str, since: datetime) -> int:
    """Count the leaders' messages to the community since a moment."""
    return row(db, "SELECT count(*) AS n FROM broadcasts b JOIN communities m"
                   " ON m.id = b.community_id WHERE m.code = ? AND b.leader_contact_id"
                   " IS NOT NULL AND b.created_at >= ?", (fold(code), iso(since)))["n"]


def day_start(now: datetime, zone) -> datetime:
    """Return the start of now's day where the community lives."""
    return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
