"""Handle one inbound SMS: log it once, run the engine, apply its effects, render the reply."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from babel import Locale

from shared import engine
from shared.communities import join_community, leave_community, list_communities, memberships_of
from shared.contacts import erase_contact, opt_in, opt_out, set_language, touch_contact
from shared.conversations import clear_conversation, load_conversation, save_conversation
from shared.db import Database, immediate
from shared.feedback import record_feedback
from shared.i18n import available_locales
from shared.keywords import fold
from shared.messages import record_inbound, record_reply, remember_reply
from shared.offers import offers_of, record_offer, update_offer_details
from shared.replies import fit_reply, render_reply
from shared.sms_text import sanitise


def language_aliases() -> dict[str, str]:
    """Return folded language codes and names (in every catalog language) -> locale."""
    aliases: dict[str, str] = {}
    for code in available_locales():
        aliases[fold(code)] = code
        for other in available_locales():
            name = Locale.parse(code).get_display_name(other)
            if name:
                aliases.setdefault(fold(name.split()[0]), code)
    return aliases


def load_facts(db: Database, contact: dict) -> engine.Facts:
    """Gather what the engine may need to know about the contact and the communities."""
    language = contact["language"] or engine.DEFAULT_LANGUAGE
    communities = list_communities(db, language=language, statuses=("active", "paused"))
    return engine.Facts(
        language=contact["language"],
        communities=tuple(
            engine.CommunityFact(c["code"], c["name"], c["town"], c["place"], c["schedule"],
                                 c["status"]) for c in communities),
        towns=tuple(dict.fromkeys(c["town"] for c in communities)),
        memberships=tuple(m["code"] for m in memberships_of(db, contact["id"], language)),
        offers=tuple((o["id"], o["description"], o["status"])
                     for o in offers_of(db, contact["id"])),
        languages=language_aliases(),
    )


def handle_inbound_sms(
    db: Database, *, provider_id: str, phone: str, body: str, now: datetime
) -> str:
    """Return the reply to an inbound SMS, doing its work once however often it arrives."""
    text = sanitise(body)
    # One write transaction for all of it: a retry of the same MessageSid waits
    # here, then finds the message and the reply already stored.
    with immediate(db):
        message, created = record_inbound(db, provider_id=provider_id, phone=phone,
                                          body=text, now=now)
        if not created:
            return message["reply"] or ""
        contact = touch_contact(db, phone, now=now)
        db.execute("UPDATE messages SET contact_id = ? WHERE id = ?",
                   (contact["id"], message["id"]))
        conversation = load_conversation(db, contact["id"], now=now)
        state = (engine.State(conversation["flow"], conversation["step"], conversation["data"])
                 if conversation else None)
        outcome = engine.step(state, text, load_facts(db, contact), now)
        outcome = _apply_effects(db, contact, outcome, now)
        erased = any(isinstance(e, engine.EraseContact) for e in outcome.effects)
        # After an erase the contact, this message and the conversation are gone.
        if not erased and outcome.state.flow is None:
            clear_conversation(db, contact["id"])
        elif not erased:
            save_conversation(db, contact["id"], flow=outcome.state.flow,
                              step=outcome.state.step, data=outcome.state.data,
                              expires_at=outcome.expires_at, now=now)
        reply = "\n".join(fit_reply(render_reply(r, outcome.language)) for r in outcome.replies)
        # An opted-out number gets nothing back; Twilio would refuse it anyway (21610).
        if contact["opted_out"] and not any(isinstance(e, engine.OptIn) for e in outcome.effects):
            reply = ""
        if not erased:
            remember_reply(db, message["id"], reply)
            if reply:
                record_reply(db, phone=contact["phone"], body=reply, now=now,
                             contact_id=contact["id"])
    return reply


def _apply_effects(db: Database, contact: dict, outcome: engine.Outcome,
                   now: datetime) -> engine.Outcome:
    """Carry out the engine's effects on the store; return the outcome with new ids in it."""
    contact_id = contact["id"]
    for effect in outcome.effects:
        match effect:
            case engine.SetLanguage(language):
                set_language(db, contact_id, language)
            case engine.OptOut():
                opt_out(db, contact_id, now=now)
            case engine.OptIn():
                opt_in(db, contact_id)
            case engine.CreateOffer(description):
                offer_id = record_offer(db, contact_id=contact_id, description=description,
                                        channel="sms", now=now)
                state = outcome.state
                outcome = replace(outcome, state=replace(
                    state, data={**state.data, "offer_id": offer_id}))
            case engine.UpdateOffer(offer_id, category, town):
                update_offer_details(db, offer_id, category=category, town=town, now=now)
            case engine.JoinCommunity(code):
                join_community(db, contact_id, code, channel="sms", now=now)
            case engine.LeaveCommunity(code):
                leave_community(db, contact_id, code, now=now)
            case engine.RecordFeedback(kind, text):
                record_feedback(db, contact_id=contact_id, kind=kind, text=text,
                                channel="sms", now=now)
            case engine.EraseContact():
                erase_contact(db, contact["phone"], now=now, actor="sms")
    return outcome
