"""What every coordinator action shares: the SMS it would send, and its audit row.

A notice over two SMS segments is refused (TooLong), never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.audit import coordinator_actor, record_audit
from shared.db import Database, row
from shared.errors import InvalidValue
from shared.i18n import DEFAULT_LOCALE
from shared.messages import queue_message
from shared.replies import REPLY_BUDGET_SEGMENTS, Reply, render_reply
from shared.sms_text import measure


MAX_NOTE = 200


class TooLong(InvalidValue):
    """An SMS that would not fit the reply budget: refused, never cut."""


def audit_by(db: Database, coordinator_id: int, action: str, now: datetime,
           kind: str | None = None, record_id: int | None = None) -> None:
    record_audit(db, actor=coordinator_actor(coordinator_id), action=action, now=now,
                 record_kind=kind,
                 record_id=record_id, coordinator_id=coordinator_id)


def clean_note(note: str) -> str:
    """Return the note as it is stored and sent: whitespace collapsed."""
    return " ".join((note or "").split())[:MAX_NOTE]


@dataclass(frozen=True)
class Notice:
    """The SMS a decision would send: its text, language and size, or why none goes."""

    text: str               # as it will be queued (shown even when none is sent)
    language: str
    no_sms: str | None      # None when it is sent; else "no_number" or "opted_out"
    characters: int
    encoding: str
    segments: int

    @property
    def sends(self) -> bool:
        return self.no_sms is None

    @property
    def fits(self) -> bool:
        return self.segments <= REPLY_BUDGET_SEGMENTS


def notice_for(contact: dict | None, reply: Reply) -> Notice:
    """Return the SMS a reply to this contact would be, in their language, or why none goes."""
    language = (contact or {}).get("language") or DEFAULT_LOCALE
    text = render_reply(reply, language)
    size = measure(text)
    no_sms = ("no_number" if contact is None else "opted_out" if contact["opted_out"]
              else None)
    return Notice(text, language, no_sms, len(text), size.encoding, size.segments)


def contact_of(db: Database, contact_id: int | None) -> dict | None:
    if contact_id is None:
        return None
    return row(db, "SELECT * FROM contacts WHERE id = ?", (contact_id,))


def queue_notice(db: Database, contact: dict | None, notice: Notice, now: datetime) -> int | None:
    if not notice.sends:
        return None
    if not notice.fits:
        raise TooLong(f"The SMS would need {notice.segments} segments")
    return queue_message(db, phone=contact["phone"], body=notice.text, now=now,
                         contact_id=contact["id"], kind="notice")


