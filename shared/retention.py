"""How long records are kept, and the purge that removes what is older."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from shared.clock import iso
from shared.db import Database, immediate

DEFAULT_RETENTION_DAYS = 365

# Table -> which rows count as finished, so that only those age out. Pending
# offers and unread feedback stay until a coordinator has dealt with them.
_PURGES = {
    # An uncertain send is still being settled with Twilio: kept until then.
    "messages": "created_at < :cutoff AND status NOT IN ('queued', 'sending', 'uncertain')",
    "conversations": "updated_at < :cutoff OR expires_at < :now",
    # Kiosk codes are worth nothing once expired; the rate limits look back one hour.
    "verifications": "expires_at < :day_ago",
    "offers": "updated_at < :cutoff AND status IN ('rejected', 'withdrawn', 'done')",
    "feedback": "updated_at < :cutoff AND status = 'archived'",
    # Unread texts stay until someone has read them, however old.
    "unsorted": "updated_at < :cutoff AND status != 'new'",
    "memberships": "left_at IS NOT NULL AND left_at < :cutoff",
    "contacts": (
        "last_seen < :cutoff"
        " AND id NOT IN (SELECT contact_id FROM memberships WHERE contact_id IS NOT NULL)"
        " AND id NOT IN (SELECT contact_id FROM offers WHERE contact_id IS NOT NULL)"
        " AND id NOT IN (SELECT contact_id FROM feedback WHERE contact_id IS NOT NULL)"
        " AND id NOT IN (SELECT contact_id FROM unsorted)"
    ),
}


def retention_days() -> int:
    """Return the retention in days from FAELLES_RETENTION_DAYS (default 365)."""
    value = int(os.environ.get("FAELLES_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
    if value < 1:
        raise ValueError("FAELLES_RETENTION_DAYS must be at least 1")
    return value


def purge(db: Database, *, now: datetime, days: int) -> dict[str, int]:
    """Delete finished records older than the retention; return how many per table."""
    params = {"cutoff": iso(now - timedelta(days=days)), "now": iso(now),
              "day_ago": iso(now - timedelta(days=1))}
    removed = {}
    with immediate(db):
        for table, condition in _PURGES.items():
            removed[table] = db.execute(f"DELETE FROM {table} WHERE {condition}", params).rowcount
    return removed
