"""Coordinators' decisions on offers and feedback: the rule, the SMS, the audit row.

A pane asks whether a decision is allowed (can_decide, can_mark, can_answer),
what SMS it would send (decision_notice, answer_notice), and then makes it in
one transaction that checks, writes, audits and queues.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.communities import get_community, list_communities
from shared.conversations import save_conversation
from shared.db import Database, immediate, row, rows
from shared.engine import FLOW_TTL
from shared.errors import IllegalTransition, InvalidValue
from shared.feedback import (
    TRANSITIONS as FEEDBACK_TRANSITIONS, change_feedback_status, get_feedback, list_feedback,
    set_for_report,
)
from shared.i18n import DEFAULT_LOCALE, TIMEZONE
from shared.offers import TRANSITIONS as OFFER_TRANSITIONS, change_offer_status, get_offer
from shared.replies import Reply
from shared.sms_text import sanitise
from shared.services.notices import (
    Notice, TooLong, audit_by, clean_note, contact_of, notice_for, queue_notice,
)


DECISIONS = {"approve": "approved", "ask": "needs_info", "reject": "rejected",
             "match": "matched"}
# Decisions a coordinator writes a note for: the question, or the reason.
NOTE_DECISIONS = ("ask", "reject")
# A citizen may answer a coordinator's question days later.
ANSWER_WINDOW = FLOW_TTL * 24 * 7
# The review queue: new offers, and those waiting for the citizen's answer.
REVIEW_STATUSES = ("pending", "needs_info")
FEEDBACK_MARKS = ("read", "archived")
OPEN_FEEDBACK = ("new", "read", "answered")


# -- the rules ---------------------------------------------------------------------

def can_decide(status: str, decision: str) -> bool:
    """Tell whether an offer in this status can get this decision."""
    if decision == "match":
        # Matching an offer nobody has approved yet approves it on the way.
        return status in ("pending", "approved")
    return DECISIONS[decision] in OFFER_TRANSITIONS[status]


def can_mark(status: str, mark: str) -> bool:
    """Tell whether feedback in this status can be marked read or archived."""
    return mark in FEEDBACK_MARKS and mark in FEEDBACK_TRANSITIONS[status]


def can_answer(status: str) -> bool:
    return "answered" in FEEDBACK_TRANSITIONS[status]


def has_new_answer(offer: dict) -> bool:
    """Tell whether the citizen has answered the question and the offer awaits review again."""
    return offer["status"] == "pending" and bool(offer.get("answer"))


# -- the SMS a decision sends, and the decision --------------------------------------

def _decision_reply(db: Database, offer: dict, decision: str, note: str,
                    community_code: str | None, language: str) -> Reply:
    if decision == "approve":
        return Reply("offer_approved", {"id": offer["id"]})
    if decision == "ask":
        return Reply("offer_needs_info", {"id": offer["id"], "question": note})
    if decision == "reject":
        return Reply("offer_rejected", {"id": offer["id"], "reason": note})
    # The community's name as the citizen will read it, in their own language.
    name = get_community(db, community_code, language)["name"] if community_code else ""
    return Reply("offer_matched", {"id": offer["id"], "name": name})


def decision_notice(db: Database, offer_id: int, decision: str, *, note: str = "",
                    community_code: str | None = None) -> Notice:
    """Return the SMS this decision would send the citizen."""
    offer = get_offer(db, offer_id)
    contact = contact_of(db, offer["contact_id"])
    language = (contact or {}).get("language") or DEFAULT_LOCALE
    return notice_for(contact, _decision_reply(db, offer, decision, clean_note(note),
                                            community_code, language))


def decide_offer(db: Database, offer_id: int, decision: str, *, coordinator_id: int,
                 now: datetime, note: str = "", community_code: str | None = None) -> int | None:
    """Record a coordinator's decision on an offer; return the queued SMS id, if any."""
    if decision not in DECISIONS:
        raise InvalidValue(f"Unknown decision {decision!r}")
    note = clean_note(note)
    if decision == "ask" and not note:
        raise InvalidValue("Write the question to ask")
    if decision == "match" and not community_code:
        raise InvalidValue("Choose the community")
    with immediate(db):
        offer = get_offer(db, offer_id)
        if not can_decide(offer["status"], decision):
            raise IllegalTransition(f"Offer {offer_id} is {offer['status']}")
        contact = contact_of(db, offer["contact_id"])
        notice = decision_notice(db, offer_id, decision, note=note,
                                 community_code=community_code)
        community = get_community(db, community_code) if decision == "match" else None
        if decision == "match" and offer["status"] == "pending":
            change_offer_status(db, offer_id, "approved", now=now, reviewer_id=coordinator_id)
        # The note is the latest decision's own: a rejection without a reason must
        # not leave an earlier question standing as its reason.
        change_offer_status(db, offer_id, DECISIONS[decision], now=now,
                            reviewer_id=coordinator_id,
                            note=note if decision in NOTE_DECISIONS else None,
                            community_id=community["id"] if community else None)
        audit_by(db, coordinator_id, f"offer_{decision}", now, "offer", offer_id)
        if decision == "ask" and contact is not None:
            # The citizen's next SMS is the answer, not a keyword or the menu.
            save_conversation(db, contact["id"], flow="offer", step="info",
                              data={"offer_id": offer_id}, expires_at=now + ANSWER_WINDOW,
                              now=now)
        return queue_notice(db, contact, notice, now)


def answer_notice(db: Database, feedback_id: int, answer: str) -> Notice:
    """Return the SMS an answer to this feedback would send."""
    item = get_feedback(db, feedback_id)
    return notice_for(contact_of(db, item["contact_id"]),
                   Reply("feedback_answer", {"answer": sanitise(answer)}))


def answer_feedback(db: Database, feedback_id: int, answer: str, *, coordinator_id: int,
                    now: datetime) -> int | None:
    """Store the coordinator's answer, mark the feedback answered and text it if possible."""
    answer = sanitise(answer).strip()
    if not answer:
        raise InvalidValue("Write an answer first")
    with immediate(db):
        item = get_feedback(db, feedback_id)
        notice = answer_notice(db, feedback_id, answer)
        if notice.sends and not notice.fits:
            raise TooLong(f"The SMS would need {notice.segments} segments")
        change_feedback_status(db, feedback_id, "answered", now=now, reply=answer,
                               coordinator_id=coordinator_id)
        audit_by(db, coordinator_id, "feedback_answer", now, "feedback", feedback_id)
        return queue_notice(db, contact_of(db, item["contact_id"]), notice, now)


def mark_feedback(db: Database, feedback_id: int, status: str, *, coordinator_id: int,
                  now: datetime) -> None:
    """Mark feedback read or archived, audited."""
    if status not in FEEDBACK_MARKS:
        raise InvalidValue(f"Use answer_feedback to answer; {status!r} is not a mark")
    with immediate(db):
        change_feedback_status(db, feedback_id, status, now=now)
        audit_by(db, coordinator_id, f"feedback_{status}", now, "feedback", feedback_id)


def quote_feedback(db: Database, feedback_id: int, quoted: bool, *, coordinator_id: int,
                   now: datetime) -> bool:
    """Choose feedback to be quoted in the report (without name or number), or unchoose it.

    Return whether it is now quoted.
    """
    with immediate(db):
        set_for_report(db, feedback_id, quoted)
        audit_by(db, coordinator_id, "feedback_quote" if quoted else "feedback_unquote", now,
                 "feedback", feedback_id)
    return quoted


# -- what the panes list -------------------------------------------------------------

def review_offers(db: Database, statuses: tuple[str, ...] = REVIEW_STATUSES) -> list[dict]:
    """Return offers in these statuses, oldest first, with the citizen's number and language."""
    marks = ", ".join("?" * len(statuses))
    return rows(db, "SELECT o.*, c.phone, c.language, c.opted_out FROM offers o"
                    " LEFT JOIN contacts c ON c.id = o.contact_id"
                    f" WHERE o.status IN ({marks}) ORDER BY o.created_at, o.id", statuses)


def offer_view(db: Database, offer_id: int, language: str) -> dict:
    """Return an offer with its citizen, reviewer's name and community, for its details."""
    offer = get_offer(db, offer_id)
    reviewer = (row(db, "SELECT name FROM coordinators WHERE id = ?", (offer["reviewer_id"],))
                if offer["reviewer_id"] else None)
    community = (row(db, "SELECT code FROM communities WHERE id = ?", (offer["community_id"],))
                 if offer["community_id"] else None)
    return {"offer": offer, "contact": contact_of(db, offer["contact_id"]),
            "reviewer": reviewer["name"] if reviewer else None,
            "community": (get_community(db, community["code"], language)
                          if community else None)}


def matching_communities(db: Database, language: str, town: str | None) -> list[dict]:
    """Return the communities an offer can be matched with, its own town's first."""
    found = list_communities(db, language=language, count_members=False)
    return sorted(found, key=lambda c: (c["town"] != town, c["town"], c["code"]))


def feedback_since(choice: str, now: datetime) -> datetime | None:
    """Return where a date filter starts: today (Copenhagen), 7 or 30 days, or None."""
    if choice == "today":
        return now.astimezone(TIMEZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    if choice in ("7", "30"):
        return now - timedelta(days=int(choice))
    return None


def feedback_items(db: Database, *, kind: str | None, town: str | None,
                   status: str | None, since: datetime | None) -> list[dict]:
    """Return feedback for the filters; status "open" means not archived."""
    return list_feedback(db, kind=kind, town=town, since=since,
                         status=OPEN_FEEDBACK if status == "open" else status)


