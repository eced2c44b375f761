"""What coordinators decide: offers approved, questioned, rejected or matched; feedback answered.

Each decision is audited, and the citizen is told by SMS in their own language
through the outbox (never when they have opted out or gave no number).
"""

from __future__ import annotations

from datetime import datetime

from shared.audit import record_audit
from shared.communities import get_community
from shared.conversations import save_conversation
from shared.db import Database, immediate, row
from shared.engine import FLOW_TTL
from shared.errors import InvalidValue
from shared.feedback import change_feedback_status, get_feedback
from shared.messages import queue_message
from shared.offers import change_offer_status, get_offer
from shared.replies import Reply, fit_reply, render_reply

DECISIONS = {"approve": "approved", "ask": "needs_info", "reject": "rejected",
             "match": "matched"}
MAX_NOTE = 200
# A citizen may answer a coordinator's question days later.
ANSWER_WINDOW = FLOW_TTL * 24 * 7


def _tell(db: Database, contact_id: int | None, reply: Reply, *, now: datetime,
          language_default: str = "da") -> int | None:
    """Queue an SMS to the contact in their language; return its id, or None if not sent."""
    if contact_id is None:
        return None
    contact = row(db, "SELECT * FROM contacts WHERE id = ?", (contact_id,))
    if contact is None or contact["opted_out"]:
        return None
    body = fit_reply(render_reply(reply, contact["language"] or language_default))
    return queue_message(db, phone=contact["phone"], body=body, now=now,
                         contact_id=contact_id, kind="notice")


def decide_offer(
    db: Database, offer_id: int, decision: str, *, coordinator_id: int, now: datetime,
    note: str = "", community_code: str | None = None,
) -> int | None:
    """Record a coordinator's decision on an offer; return the queued SMS id, if any."""
    if decision not in DECISIONS:
        raise InvalidValue(f"Unknown decision {decision!r}")
    note = " ".join(note.split())[:MAX_NOTE]
    if decision == "ask" and not note:
        raise InvalidValue("Write the question to ask")
    with immediate(db):
        offer = get_offer(db, offer_id)
        citizen = row(db, "SELECT language FROM contacts WHERE id = ?", (offer["contact_id"],))
        # The community's name as the citizen will read it, in their own language.
        community = (get_community(db, community_code,
                                   (citizen and citizen["language"]) or "da")
                     if decision == "match" else None)
        if decision == "match" and offer["status"] == "pending":
            # Matching an offer nobody has approved yet approves it on the way.
            change_offer_status(db, offer_id, "approved", now=now, reviewer_id=coordinator_id)
        change_offer_status(db, offer_id, DECISIONS[decision], now=now,
                            reviewer_id=coordinator_id, note=note or None,
                            community_id=community["id"] if community else None)
        record_audit(db, actor=f"coordinator:{coordinator_id}", action=f"offer_{decision}",
                     now=now, record_kind="offer", record_id=offer_id,
                     coordinator_id=coordinator_id)
        reply = {
            "approve": lambda: Reply("offer_approved", {"id": offer_id}),
            "ask": lambda: Reply("offer_needs_info", {"id": offer_id, "question": note}),
            "reject": lambda: Reply("offer_rejected", {"id": offer_id, "reason": note}),
            "match": lambda: Reply("offer_matched", {"id": offer_id,
                                                     "name": community["name"]}),
        }[decision]()
        if decision == "ask" and offer["contact_id"] is not None:
            # The citizen's next SMS is the answer, not a keyword or the menu.
            save_conversation(db, offer["contact_id"], flow="offer", step="info",
                              data={"offer_id": offer_id}, expires_at=now + ANSWER_WINDOW,
                              now=now)
        return _tell(db, offer["contact_id"], reply, now=now)


def answer_feedback(
    db: Database, feedback_id: int, answer: str, *, coordinator_id: int, now: datetime,
) -> int | None:
    """Store the coordinator's answer, mark the feedback answered and text it if possible."""
    answer = answer.strip()
    if not answer:
        raise InvalidValue("Write an answer first")
    with immediate(db):
        item = get_feedback(db, feedback_id)
        change_feedback_status(db, feedback_id, "answered", now=now, reply=answer,
                               coordinator_id=coordinator_id)
        record_audit(db, actor=f"coordinator:{coordinator_id}", action="feedback_answer",
                     now=now, record_kind="feedback", record_id=feedback_id,
                     coordinator_id=coordinator_id)
        return _tell(db, item["contact_id"], Reply("feedback_answer", {"answer": answer}),
                     now=now)


def mark_feedback(db: Database, feedback_id: int, status: str, *, coordinator_id: int,
                  now: datetime) -> None:
    """Mark feedback read or archived, audited."""
    if status not in ("read", "archived"):
        raise InvalidValue(f"Use answer_feedback to answer; {status!r} is not a mark")
    with immediate(db):
        change_feedback_status(db, feedback_id, status, now=now)
        record_audit(db, actor=f"coordinator:{coordinator_id}", action=f"feedback_{status}",
                     now=now, record_kind="feedback", record_id=feedback_id,
                     coordinator_id=coordinator_id)
