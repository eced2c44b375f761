"""What a coordinator does with the unsorted inbox: answer by SMS, file it, or archive it.

Each call checks, writes, audits and queues in one transaction, as the rest of
the coordinator service does (shared/services/coordinator.py).
"""

from __future__ import annotations

from datetime import datetime

from shared.db import Database, immediate
from shared.errors import InvalidValue
from shared.feedback import KINDS, record_feedback
from shared.offers import record_offer
from shared.replies import Reply
from shared.services.notices import Notice, TooLong, audit_by, notice_for, queue_notice
from shared.sms_text import sanitise
from shared.unsorted import get_unsorted, list_unsorted, settle_unsorted


def _audit(db: Database, coordinator_id: int, action: str, now: datetime,
           unsorted_id: int) -> None:
    audit_by(db, coordinator_id, action, now, "unsorted", unsorted_id)


def inbox(db: Database) -> list[dict]:
    """Return the unsorted messages nobody has dealt with, oldest first."""
    return list_unsorted(db)


def inbox_answer_notice(db: Database, unsorted_id: int, answer: str) -> Notice:
    """Return the SMS an answer to this message would send."""
    item = get_unsorted(db, unsorted_id)
    contact = {"language": item["language"], "opted_out": item["opted_out"]}
    return notice_for(contact, Reply("feedback_answer", {"answer": sanitise(answer)}))


def answer_unsorted(db: Database, unsorted_id: int, answer: str, *, coordinator_id: int,
                    now: datetime) -> int | None:
    """Answer the citizen by SMS in their language; return the queued SMS id, if any."""
    answer = sanitise(answer).strip()
    if not answer:
        raise InvalidValue("Write an answer first")
    with immediate(db):
        item = get_unsorted(db, unsorted_id)
        notice = inbox_answer_notice(db, unsorted_id, answer)
        if notice.sends and not notice.fits:
            raise TooLong(f"The SMS would need {notice.segments} segments")
        settle_unsorted(db, unsorted_id, "answered", now=now, coordinator_id=coordinator_id,
                        reply=answer)
        _audit(db, coordinator_id, "unsorted_answer", now, unsorted_id)
        return queue_notice(db, {"id": item["contact_id"], "phone": item["phone"]}, notice,
                            now)


def unsorted_to_feedback(db: Database, unsorted_id: int, kind: str, *, coordinator_id: int,
                         now: datetime) -> int:
    """File the message as ris, ros or an idea from its sender; return the feedback id."""
    if kind not in KINDS:
        raise InvalidValue(f"Unknown kind {kind!r}")
    with immediate(db):
        item = get_unsorted(db, unsorted_id)
        feedback_id = record_feedback(db, kind=kind, text=item["text"], channel="sms",
                                      contact_id=item["contact_id"], now=now)
        settle_unsorted(db, unsorted_id, "feedback", now=now, coordinator_id=coordinator_id,
                        record_id=feedback_id)
        _audit(db, coordinator_id, "unsorted_feedback", now, unsorted_id)
    return feedback_id


def unsorted_to_offer(db: Database, unsorted_id: int, *, coordinator_id: int,
                      now: datetime) -> int:
    """File the message as an offer from its sender, pending review; return the offer id."""
    with immediate(db):
        item = get_unsorted(db, unsorted_id)
        offer_id = record_offer(db, description=item["text"], channel="sms",
                                contact_id=item["contact_id"], now=now)
        settle_unsorted(db, unsorted_id, "offer", now=now, coordinator_id=coordinator_id,
                        record_id=offer_id)
        _audit(db, coordinator_id, "unsorted_offer", now, unsorted_id)
    return offer_id


def archive_unsorted(db: Database, unsorted_id: int, *, coordinator_id: int,
                     now: datetime) -> None:
    with immediate(db):
        settle_unsorted(db, unsorted_id, "archived", now=now, coordinator_id=coordinator_id)
        _audit(db, coordinator_id, "unsorted_archive", now, unsorted_id)
