"""Erasing a person, whoever asks: the citizen by SMS, a coordinator, or the operator."""

from __future__ import annotations

from datetime import datetime

from shared.audit import record_audit
from shared.contacts import erase_contact
from shared.db import Database, immediate


def erase_number(db: Database, phone: str, *, actor: str, now: datetime,
                 coordinator_id: int | None = None) -> dict[str, int]:
    """Erase the contact with this number and all linked to them; audit who did it.

    The audit row names the contact's id, never the number.
    """
    with immediate(db):
        contact_id, removed = erase_contact(db, phone)
        record_audit(db, actor=actor, action="erase_contact", now=now, record_kind="contact",
                     record_id=contact_id, coordinator_id=coordinator_id)
    return removed
