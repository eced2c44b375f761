"""What the operator does from the command line: coordinators, erasure, the purge. Audited."""

from __future__ import annotations

from datetime import datetime

from shared.audit import record_audit
from shared.coordinators import hash_pin, insert_coordinator, validate_pin
from shared.db import Database, immediate
from shared.export_files import remove_old_exports, store_exports
from shared.retention import purge
from shared.services.erasure import erase_number

ACTOR = "cli"


def create_coordinator(db: Database, name: str, pin: str, *, now: datetime,
                       role: str = "coordinator") -> int:
    """Create a coordinator with a hashed PIN, audited; return its id."""
    pin_hash = hash_pin(validate_pin(pin))  # slow on purpose: before taking the write lock
    with immediate(db):
        coordinator_id = insert_coordinator(db, name, pin_hash, now=now, role=role)
        record_audit(db, actor=ACTOR, action="add_coordinator", now=now,
                     record_kind="coordinator", record_id=coordinator_id)
    return coordinator_id


def erase(db: Database, phone: str, *, now: datetime) -> dict[str, int]:
    """Erase a contact on the operator's word, audited."""
    return erase_number(db, phone, actor=ACTOR, now=now)


def purge_old(db: Database, *, now: datetime, days: int) -> dict[str, int]:
    """Delete finished records older than the retention, audited."""
    with immediate(db):
        removed = purge(db, now=now, days=days)
        record_audit(db, actor=ACTOR, action="purge", now=now)
    removed["export files"] = len(remove_old_exports(store_exports(db), now=now, days=days))
    return removed
