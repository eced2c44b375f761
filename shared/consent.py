"""May we text this number? One answer for every way a message leaves.

No when the number's contact opted out, and no when the number is on the
suppression list (it texted STOP, or the provider said 21610), even if its
contact was erased and made again since. Replies, the outbox, kiosk codes,
decisions, introductions and broadcasts all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.db import Database, row, rows
from shared.errors import InvalidPhoneNumber
from shared.phones import normalise_phone
from shared.suppression import is_suppressed, suppressed_among


def may_text(db: Database, phone: str, *, contact_id: int | None = None) -> bool:
    """Tell whether a message may go to this number (and its contact, if known)."""
    if row(db, "SELECT 1 FROM contacts WHERE (id = ? OR phone = ?) AND opted_out = 1",
           (contact_id, _e164(phone))):
        return False
    return not is_suppressed(db, phone)


def not_textable_among(db: Database, phones: Iterable[str]) -> set[str]:
    """Return those of the numbers that may not be texted."""
    phones = set(phones)
    opted_out = {r["phone"] for r in rows(
        db, "SELECT phone FROM contacts WHERE opted_out = 1")} & phones
    return opted_out | suppressed_among(db, phones)


def _e164(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except InvalidPhoneNumber:
        return (phone or "").strip()
