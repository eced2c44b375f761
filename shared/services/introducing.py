"""Bringing people together: a need and an offer introduced, with both people's consent.

A coordinator proposes; each person is asked by SMS in their own language, in
the other's own words; only when both have said JA does each get the other's
first name and number, and nobody's number leaves the system any other way.
A NEJ, no answer in time, an opt-out or an erasure ends it. Fourteen days later
the one who needed help is asked whether it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared import introductions, needs
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition
from shared.matching import Suggestion, rank_offers
from shared.offers import get_offer
from shared.phones import display_phone
from shared.replies import Cut, Reply
from shared.services.notices import Notice, audit_by, contact_of, notice_for, queue_notice


@dataclass(frozen=True)
class Proposal:
    """The two SMS an introduction would send, and whether it may be made."""

    need: dict
    offer: dict
    reference: int       # the introduction's id-to-be, which both SMS name
    to_need: Notice      # to the one who needs help: what the other offers
    to_offer: Notice     # to the one who offers: what the other needs
    problem: str | None  # None when it may be sent; else why not

    @property
    def sends(self) -> bool:
        return self.problem is None


def suggestions(db: Database, need_id: int) -> list[Suggestion]:
    """Return the approved offers that fit the need best (pure ranking over the store)."""
    need = needs.get_need(db, need_id)
    offers = rows(db, "SELECT o.* FROM offers o JOIN contacts c ON c.id = o.contact_id"
                      " WHERE o.status IN ('approved', 'matched') AND c.opted_out = 0"
                      " AND o.contact_id != ? ORDER BY o.id", (need["contact_id"],))
    return rank_offers(need, offers)


def needs_to_introduce(db: Database) -> list[dict]:
    """Return the needs waiting for a hand, oldest first; "asked" when an introduction waits."""
    asked = {r["need_id"] for r in rows(db, "SELECT need_id FROM introductions"
                                            " WHERE status = 'waiting'")}
    return [{**need, "asked": need["id"] in asked} for need in needs.list_needs(db)]


def need_view(db: Database, need_id: int) -> dict:
    """Return a need with its contact, its introductions so far and the offers that fit it."""
    need = needs.get_need(db, need_id)
    return {"need": need, "contact": contact_of(db, need["contact_id"]),
            "introductions": introductions.list_introductions(db, need_id),
            "suggestions": suggestions(db, need_id)}


def open_need(db: Database, need_id: int, *, coordinator_id: int, now: datetime) -> dict:
    """Mark a new need open now that a coordinator has read it, audited; return the need."""
    with immediate(db):
        need = needs.get_need(db, need_id)
        if need["status"] != "new":
            return need
        opened = needs.change_need_status(db, need_id, "open", now=now)
        audit_by(db, coordinator_id, "need_open", now, "need", need_id)
    return opened


def introduction_choices(db: Database, need_id: int) -> list[tuple[Suggestion, Proposal]]:
    """Return each suggested offer with what introducing the need to it would send, or why not."""
    return [(fit, proposal(db, need_id, fit.offer["id"])) for fit in suggestions(db, need_id)]


def proposal(db: Database, need_id: int, offer_id: int) -> Proposal:
    """Return what introducing this need to this offer would send, or why it may not."""
    need, offer = needs.get_need(db, need_id), get_offer(db, offer_id)
    asker, helper = contact_of(db, need["contact_id"]), contact_of(db, offer["contact_id"])
    ref = _next_reference(db)
    to_need = notice_for(asker, Reply("introduce_need", {
        "offer": Cut(offer["description"], keep=20), "ref": ref}))
    to_offer = notice_for(helper, Reply("introduce_offer", {
        "need": Cut(need["description"], keep=20), "ref": ref}))
    problem = None
    if need["status"] not in needs.WAITING + ("not_met",):
        problem = "need_not_open"
    elif offer["status"] not in ("approved", "matched"):
        problem = "offer_not_approved"
    elif not (to_need.sends and to_offer.sends):
        problem = "cannot_text"
    elif row(db, "SELECT 1 FROM introductions WHERE need_id = ? AND status = 'waiting'",
             (need_id,)):
        problem = "already_waiting"
    return Proposal(need, offer, ref, to_need, to_offer, problem)


def propose(db: Database, need_id: int, offer_id: int, *, coordinator_id: int,
            now: datetime, shown: tuple[str, str] | None = None) -> int:
    """Introduce the need to the offer: store it, ask both people, audit; return its id.

    shown is the two texts (to the need, to the offer) the coordinator saw before
    saying send: if either would now read otherwise, nothing is sent ("changed").
    """
    with immediate(db):
        planned = proposal(db, need_id, offer_id)
        if not planned.sends:
            raise IllegalTransition(planned.problem)
        # Another coordinator's introduction in between takes the reference both
        # texts name: the ones shown would no longer be the ones sent.
        if shown is not None and shown != (planned.to_need.text, planned.to_offer.text):
            raise IllegalTransition("changed")
        introduction_id = introductions.create_introduction(
            db, need_id=need_id, offer_id=offer_id, coordinator_id=coordinator_id, now=now)
        # Within this one write transaction nobody else can take the id.
        assert introduction_id == planned.reference
        queue_notice(db, contact_of(db, planned.need["contact_id"]), planned.to_need, now)
        queue_notice(db, contact_of(db, planned.offer["contact_id"]), planned.to_offer, now)
        if planned.need["status"] == "new":
            needs.change_need_status(db, need_id, "open", now=now)
        audit_by(db, coordinator_id, "propose_introduction", now, "introduction",
                 introduction_id)
    return introduction_id


def answer(db: Database, introduction_id: int, side: str, yes: bool, *, name: str | None,
           now: datetime) -> dict:
    """Record a JA or NEJ; when both said JA, send each the other's name and number."""
    with immediate(db):
        found = introductions.record_answer(db, introduction_id, side, yes, now=now, name=name)
        if found["status"] == introductions.AGREED:
            _share_numbers(db, found, now)
            needs.change_need_status(db, found["need_id"], "introduced", now=now)
    return found


def follow_up_answer(db: Database, introduction_id: int, helped: bool, *,
                     now: datetime) -> dict:
    """Record whether help came: JA marks the need met and thanks the helper; NEJ reopens it."""
    with immediate(db):
        found = introductions.record_follow_up(db, introduction_id, helped, now=now)
        if found["need_id"] is not None:
            needs.change_need_status(db, found["need_id"], "met" if helped else "not_met",
                                     now=now)
        helper = contact_of(db, found["offer_contact_id"])
        if helped and helper is not None:
            queue_notice(db, helper, notice_for(helper, Reply(
                "helper_thanks", {"ref": introduction_id})), now)
    return found


def run_due(db: Database, *, now: datetime) -> dict[str, int]:
    """Do what time brings: end unanswered introductions, ask the follow-ups, close old needs."""
    done = {"expired": 0, "followed_up": 0, "needs_expired": 0}
    with immediate(db):
        for late in introductions.overdue(db, now=now):
            introductions.end_introduction(db, late["id"], introductions.EXPIRED,
                                           reason="no_answer", now=now)
            done["expired"] += 1
        for due in introductions.due_follow_ups(db, now=now):
            asker = contact_of(db, due["need_contact_id"])
            need = needs.get_need(db, due["need_id"])
            notice = notice_for(asker, Reply("follow_up", {
                "need": Cut(need["description"], keep=20), "ref": due["id"]}))
            queue_notice(db, asker, notice, now)
            introductions.mark_followed_up(db, due["id"], now=now)
            done["followed_up"] += 1
        done["needs_expired"] = needs.expire_needs(db, now=now)
    return done


def _share_numbers(db: Database, found: dict, now: datetime) -> None:
    """Send each side the other's first name (or "a neighbour") and number."""
    asker = contact_of(db, found["need_contact_id"])
    helper = contact_of(db, found["offer_contact_id"])
    for to, other, other_name in ((asker, helper, found["offer_name"]),
                                  (helper, asker, found["need_name"])):
        name = other_name or Reply("a_neighbour")
        notice = notice_for(to, Reply("introduced", {
            "name": name, "phone": display_phone(other["phone"]), "ref": found["id"]}))
        queue_notice(db, to, notice, now)


def _next_reference(db: Database) -> int:
    """Return the id the next introduction will have: its reference in both SMS."""
    # AUTOINCREMENT never reuses an id, so the next is one more than the highest
    # ever given (sqlite_sequence), even after the newest was deleted.
    found = row(db, "SELECT seq FROM sqlite_sequence WHERE name = 'introductions'")
    return (found["seq"] if found else 0) + 1
