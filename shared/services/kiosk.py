"""What a citizen does at the kiosk, as single calls: offer, feedback, join, ask for a hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.communities import get_community, join_community
from shared.contacts import touch_contact
from shared.db import Database, immediate
from shared.errors import FaellesError
from shared.feedback import record_feedback
from shared.messages import queue_message
from shared.needs import record_need
from shared.offers import record_offer
from shared.phones import is_allowed, typed_phone
from shared.replies import Reply, render_reply
from shared.sms_text import sanitise
from shared.verification import CannotText


class NumberNotAllowed(FaellesError):
    """A number in a country we do not send SMS to."""


def _contact_id(db: Database, phone: str | None, *, language: str, now: datetime,
                allowed_codes: tuple[str, ...]) -> int | None:
    if not phone or not phone.strip():
        return None
    e164 = typed_phone(phone)
    if not is_allowed(e164, allowed_codes):
        raise NumberNotAllowed(f"We only send SMS to +{', +'.join(allowed_codes)}")
    return touch_contact(db, e164, now=now, language=language)["id"]


def submit_offer(
    db: Database, *, description: str, category: str | None, town: str | None,
    phone: str | None, language: str, location: str | None, now: datetime,
    allowed_codes: tuple[str, ...] = ("45",),
) -> int:
    """Store an offer made at the kiosk (with an optional number) and return its id."""
    with immediate(db):
        contact_id = _contact_id(db, phone, language=language, now=now,
                                 allowed_codes=allowed_codes)
        return record_offer(db, description=sanitise(description), category=category,
                            town=town, contact_id=contact_id, channel="kiosk",
                            location=location, now=now)


def submit_feedback(
    db: Database, *, kind: str, text: str, rating: int | None, town: str | None,
    phone: str | None, language: str, location: str | None, now: datetime,
    allowed_codes: tuple[str, ...] = ("45",),
) -> int:
    """Store feedback given at the kiosk, anonymous unless a number is given."""
    with immediate(db):
        contact_id = _contact_id(db, phone, language=language, now=now,
                                 allowed_codes=allowed_codes)
        return record_feedback(db, kind=kind, text=sanitise(text), rating=rating, town=town,
                               contact_id=contact_id, channel="kiosk", location=location,
                               now=now)


def join_with_proven_number(
    db: Database, *, phone: str, code: str, language: str, location: str | None,
    confirmation: str, now: datetime,
) -> tuple[int, bool]:
    """Join a community for a number proven by SMS code and text a confirmation.

    Return (membership id, whether it is new); confirmation is the SMS text.
    """
    with immediate(db):
        get_community(db, code)
        contact = touch_contact(db, phone, now=now, language=language)
        membership_id, created = join_community(db, contact["id"], code, channel="kiosk",
                                                location=location, now=now)
        if created:
            queue_message(db, phone=contact["phone"], body=confirmation, now=now,
                          contact_id=contact["id"], kind="notice")
    return membership_id, created


@dataclass(frozen=True)
class NeedRecorded:
    """What asking for a hand at the kiosk did: the need, and the SMS that confirms it."""

    need_id: int
    confirmation_id: int | None


def submit_need_with_proven_number(
    db: Database, *, phone: str, description: str, category: str | None, town: str | None,
    needed_when: str | None, language: str, location: str | None, now: datetime,
) -> NeedRecorded:
    """Store a need for a number proven by SMS code and text a confirmation.

    Raises CannotText for a number that opted out: a need is answered by SMS, so
    one we may not text could never be introduced to anyone.
    """
    with immediate(db):
        # touch_contact reads the suppression list too: an erased number that had
        # texted STOP comes back opted out.
        contact = touch_contact(db, phone, now=now, language=language)
        if contact["opted_out"]:
            raise CannotText("This number has asked us not to send SMS")
        need_id = record_need(db, contact_id=contact["id"], description=sanitise(description),
                              category=category, town=town,
                              needed_when=sanitise(needed_when or ""),
                              channel="kiosk", location=location, now=now)
        confirmation_id = queue_message(
            db, phone=contact["phone"], body=render_reply(Reply("need_done"), language),
            now=now, contact_id=contact["id"], kind="notice")
    return NeedRecorded(need_id, confirmation_id)
