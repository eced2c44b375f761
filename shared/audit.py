"""The audit log: who did what to which record, and when (never message content)."""

from __future__ import annotations

from datetime import datetime

from shared.clock import iso
from shared.db import Database, rows


def coordinator_actor(coordinator_id: int) -> str:
    """Return the audit actor for a coordinator, e.g. 'coordinator:7'."""
    return f"coordinator:{coordinator_id}"


def record_audit(
    db: Database,
    *,
    actor: str,
    action: str,
    now: datetime,
    record_kind: str | None = None,
    record_id: int | None = None,
    coordinator_id: int | None = None,
) -> int:
    """Append one entry to the audit log and return its id."""
    cursor = db.execute(
        "INSERT INTO audit (at, actor, coordinator_id, action, record_kind, record_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (iso(now), actor, coordinator_id, action, record_kind, record_id),
    )
    return cursor.lastrowid


def audit_log(db: Database, limit: int = 200) -> list[dict]:
    """Return the newest audit entries first."""
    return rows(db, "SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
