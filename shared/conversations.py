"""The SMS flow in progress per contact: which flow, which step, what was collected."""

from __future__ import annotations

import json
from datetime import datetime

from shared.clock import iso
from shared.db import Database, row


def load_conversation(db: Database, contact_id: int, *, now: datetime) -> dict | None:
    """Return the contact's unexpired conversation with its data decoded, or None."""
    found = row(db, "SELECT * FROM conversations WHERE contact_id = ? AND expires_at > ?",
                (contact_id, iso(now)))
    if found is not None:
        found["data"] = json.loads(found["data"])
    return found


def save_conversation(
    db: Database, contact_id: int, *, flow: str, step: str, data: dict,
    expires_at: datetime, now: datetime,
) -> None:
    """Store the contact's conversation state, replacing any earlier one."""
    db.execute(
        "INSERT INTO conversations (contact_id, flow, step, data, expires_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET flow = excluded.flow,"
        " step = excluded.step, data = excluded.data, expires_at = excluded.expires_at,"
        " updated_at = excluded.updated_at",
        (contact_id, flow, step, json.dumps(data, ensure_ascii=False), iso(expires_at),
         iso(now)),
    )


def clear_conversation(db: Database, contact_id: int) -> None:
    """Forget the contact's conversation."""
    db.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))
