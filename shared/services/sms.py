"""Handle one inbound SMS: log it once, run the engine, apply its effects, render the reply."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from babel import Locale

from shared import engine
from shared.abuse import NOTICE, Verdict, judge, load_history, record_verdict
from shared.clock import iso
from shared.communities import join_community, leave_community, list_communities, memberships_of
from shared.contacts import opt_in, opt_out, set_language
from shared.conversations import clear_conversation, load_conversation, save_conversation
from shared.db import Database, immediate, row, rows
from shared.feedback import record_feedback
from shared.introductions import waiting_for
from shared.needs import needs_of, record_need, update_need_details
from shared.services import introducing, leading
from shared.services.erasure import erase_number, leave_no_trace
from shared.i18n import available_locales
from shared.keywords import fold
from shared.messages import log_inbound_once, queue_reply, record_reply
from shared.offers import add_answer, offers_of, record_offer, update_offer_details
from shared.phones import normalise_phone
from shared.replies import Reply, fit_reply, render_reply, ucs2_languages
from shared.sms_text import sanitise
from shared.unsorted import record_unsorted
from shared.suppression import suppressed_since

NEW_CONTACT = {"id": None, "phone": None, "language": None, "opted_out": 0,
               "opted_out_at": None, "revision": -1}
MAX_RETRIES = 5


class _Changed(Exception):
    """Another SMS from the same number was handled while this one was thought through."""


@lru_cache(maxsize=1)
def catalog_languages() -> tuple[str, ...]:
    """Return the languages with a catalog, looked up once per process."""
    return available_locales()


# Codes people write that are not the language's own: Ukrainians write UA, the
# country's code, as often as UK, the language's.
OTHER_LANGUAGE_CODES = {"UA": "uk"}


@lru_cache(maxsize=1)
def language_aliases() -> dict[str, str]:
    """Return folded language codes and names (in every catalog language) -> locale."""
    aliases: dict[str, str] = {code: locale for code, locale in OTHER_LANGUAGE_CODES.items()
                               if locale in available_locales()}
    for code in available_locales():
        aliases[fold(code)] = code
        for other in available_locales():
            name = Locale.parse(code).get_display_name(other)
            if name:
                aliases.setdefault(fold(name.split()[0]), code)
    return aliases


def load_facts(db: Database, contact: dict, needed: frozenset[str] = engine.ALL_FACTS,
               *, now: datetime) -> engine.Facts:
    """Gather what the engine needs to know about the contact and the communities."""
    language = contact["language"] or engine.DEFAULT_LANGUAGE
    facts = {"language": contact["language"], "available": catalog_languages(),
             "ucs2_languages": ucs2_languages()}
    if needed & {"communities", "towns"}:
        communities = list_communities(db, language=language, statuses=("active", "paused"),
                                       count_members=False)
        # A set meeting says more than the free-text "when": the next date, in words.
        planned = leading.next_meetings(db, language, now=now)
        facts["communities"] = tuple(
            engine.CommunityFact(c["code"], c["name"], c["town"],
                                 (planned[c["code"]][1] or c["place"]) if c["code"] in planned
                                 else c["place"],
                                 planned[c["code"]][0] if c["code"] in planned else c["schedule"],
                                 c["status"]) for c in communities)
        facts["towns"] = tuple(dict.fromkeys(c["town"] for c in communities))
    if "memberships" in needed and contact["id"] is not None:
        facts["memberships"] = tuple(
            m["code"] for m in memberships_of(db, contact["id"], language))
    if "offers" in needed and contact["id"] is not None:
        facts["offers"] = tuple((o["id"], o["description"], o["status"])
                                for o in offers_of(db, contact["id"]))
    if "needs" in needed and contact["id"] is not None:
        facts["needs"] = tuple((n["id"], n["description"], n["status"])
                               for n in needs_of(db, contact["id"]))
    if "waiting" in needed and contact["id"] is not None:
        facts["waiting"] = tuple(waiting_for(db, contact["id"]))
    if "languages" in needed:
        facts["languages"] = language_aliases()
    return engine.Facts(**facts)


def handle_inbound_sms(
    db: Database, *, provider_id: str, phone: str, body: str, now: datetime,
    opt_out_type: str | None = None, reply_later: bool = False,
) -> str:
    """Return the reply to an inbound SMS, doing its work once however often it arrives.

    opt_out_type is Twilio's OptOutType parameter: "STOP" when Twilio took the
    text as an opt-out itself (Advanced Opt-Out, its own keywords). With
    reply_later (GatewayAPI, whose webhook takes no reply in its answer) the
    reply is queued in the outbox with the inbound SMS, instead of being
    recorded as given in the answer; a retry gets the reply back and queues nothing.
    """
    text = sanitise(body)
    e164 = normalise_phone(phone)
    for attempt in range(MAX_RETRIES):
        # Retries are rare: the first attempt finds a duplicate by the UNIQUE
        # provider id at insert time, and only then is the stored reply read.
        answered = attempt and row(db, "SELECT reply FROM messages WHERE provider_id = ?",
                                   (provider_id,))
        if answered:
            return answered["reply"] or ""
        # Think first, outside the write lock, so the lock is held only for writing.
        contact = _known_contact(db, e164)
        conversation = (load_conversation(db, contact["id"], now=now)
                        if contact["id"] is not None else None)
        state = (engine.State(conversation["flow"], conversation["step"], conversation["data"])
                 if conversation else None)
        facts = load_facts(db, contact, engine.facts_needed(state, text), now=now)
        outcome = engine.step(state, text, facts, now)
        if (opt_out_type or "").strip().upper() == "STOP":
            outcome = _opted_out_by_twilio(outcome)
        elif contact["opted_out"]:
            outcome = _while_opted_out(db, outcome, contact)
        else:
            outcome = leading.resolve(db, contact, outcome, now=now)
        verdict = judge(load_history(db, contact["id"], now=now), text,
                        render_replies(outcome, contact), now)
        if not verdict.answers:
            outcome = _guarded(outcome, verdict)
        try:
            reply = _commit(db, provider_id=provider_id, contact=contact, text=text,
                            outcome=outcome, verdict=verdict, had_flow=state is not None,
                            now=now, reply_later=reply_later)
        except _Changed:
            continue  # re-read and think again; a duplicate finds its stored reply
        if any(isinstance(e, engine.EraseContact) for e in outcome.effects):
            leave_no_trace(db)  # once committed: no copy of the number left in the files
        return reply
    raise RuntimeError(f"Could not handle {provider_id}: its sender kept changing")


def _known_contact(db: Database, e164: str) -> dict:
    """Return the stored contact, or a new one; opted out when the number is suppressed."""
    contact = row(db, "SELECT * FROM contacts WHERE phone = ?", (e164,)) or {
        **NEW_CONTACT, "phone": e164}
    if not contact["opted_out"]:
        # The suppression list outlives an erased contact.
        since = suppressed_since(db, e164)
        if since is not None:
            contact = {**contact, "opted_out": 1, "opted_out_at": since}
    return contact


def _opted_out_by_twilio(outcome: engine.Outcome) -> engine.Outcome:
    """Honour an opt-out Twilio recognised, whatever our keywords say, and stay quiet."""
    # Twilio sends its own confirmation and refuses our reply to the number
    # (21610); its keywords include some of ours lack (REVOKE, OPTOUT).
    kept = tuple(e for e in outcome.effects if isinstance(e, engine.SetLanguage))
    return replace(outcome, state=engine.State(), replies=(), expires_at=None,
                   effects=kept + (engine.OptOut(),))


def _while_opted_out(db: Database, outcome: engine.Outcome, contact: dict) -> engine.Outcome:
    """Answer HELP from an opted-out number once, with how to start again; nothing else."""
    # Carriers and Twilio expect HELP to be answered even after STOP; answered
    # with the STOP confirmation, the citizen learns that START brings texts back.
    if not any(r.key == "help" for r in outcome.replies):
        return outcome
    # Newest first, back to the STOP itself: was a HELP answered since? (By order,
    # not by time: texts of the same second must not hide each other.)
    since_stop = rows(db, "SELECT body, reply FROM messages WHERE contact_id = ?"
                          " AND direction = 'in' ORDER BY id DESC LIMIT 100",
                      (contact["id"],)) if contact["id"] is not None else []
    for earlier in since_stop:
        intent = engine.parse(earlier["body"]).intent
        if intent == "stop":
            break
        if intent == "help" and earlier["reply"]:
            return outcome
    return replace(outcome, replies=(Reply("stopped"),), answers_opted_out=True)


def _guarded(outcome: engine.Outcome, verdict: Verdict) -> engine.Outcome:
    """Keep of a text the guards do not answer only its consent; say the notice if due."""
    # Stored, not run: a flood of TILBYD makes no offers and moves no flow.
    # STOP and START still count (consent always does), without a confirmation.
    consent = tuple(e for e in outcome.effects if isinstance(e, (engine.OptOut, engine.OptIn)))
    notice = (Reply("throttled"),) if verdict.kind == NOTICE and not consent else ()
    return replace(outcome, replies=notice, effects=consent)


def render_replies(outcome: engine.Outcome, contact: dict) -> str:
    """Return the text to send back, or '' for a contact who has opted out."""
    # A suppressed number gets nothing back but the START confirmation (Twilio
    # refuses anything else with 21610 until START). The STOP confirmation goes
    # once, on the way out: the reply to STOP is worked out before it applies.
    if contact["opted_out"] and not (outcome.answers_opted_out or any(
            isinstance(e, engine.OptIn) for e in outcome.effects)):
        return ""
    return "\n".join(fit_reply(render_reply(r, outcome.language), r.may_grow_to)
                     for r in outcome.replies)


def _commit(db: Database, *, provider_id: str, contact: dict, text: str,
            outcome: engine.Outcome, verdict: Verdict, had_flow: bool, now: datetime,
            reply_later: bool = False) -> str:
    """Store the inbound SMS, the effects and the reply in one short write transaction."""
    reply = render_replies(outcome, contact)
    with immediate(db):
        # The engine ran on what was read before the lock: go on only if no other
        # SMS from this number has been handled since (its revision is unchanged).
        if contact["id"] is None:
            cursor = db.execute(
                "INSERT INTO contacts (phone, opted_out, opted_out_at, first_seen, last_seen,"
                " revision) VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (phone) DO NOTHING",
                (contact["phone"], contact["opted_out"], contact["opted_out_at"], iso(now),
                 iso(now)))
            contact = {**contact, "id": cursor.lastrowid}
        else:
            cursor = db.execute(
                "UPDATE contacts SET last_seen = ?, revision = revision + 1"
                " WHERE id = ? AND revision = ?", (iso(now), contact["id"], contact["revision"]))
        if cursor.rowcount != 1:
            raise _Changed()
        # A retry of the same MessageSid that raced this one past the first check
        # loses here on the UNIQUE provider id, rolls back and reads the reply.
        message_id = log_inbound_once(db, provider_id=provider_id, phone=contact["phone"],
                                      body=text, now=now, contact_id=contact["id"],
                                      reply=reply)
        if message_id is None:
            raise _Changed()
        outcome = _apply_effects(db, contact, outcome, now, message_id)
        if any(isinstance(e, engine.EraseContact) for e in outcome.effects):
            # The contact, this message and the conversation are gone. Keep only
            # the provider id and the reply, with no number and no text, so that
            # Twilio's retry of this same SMS gets the same answer instead of
            # bringing the contact back. A reply to send later would keep the
            # number in the outbox: with GatewayAPI the erasure goes unconfirmed.
            log_inbound_once(db, provider_id=provider_id, phone="", body="", now=now,
                             reply=reply)
            return reply
        record_verdict(db, contact["id"], verdict, now=now)
        # A guarded text leaves the conversation where it was.
        if verdict.answers and outcome.state.flow is None:
            if had_flow:
                clear_conversation(db, contact["id"])
        elif verdict.answers:
            save_conversation(db, contact["id"], flow=outcome.state.flow,
                              step=outcome.state.step, data=outcome.state.data,
                              expires_at=outcome.expires_at, now=now)
        if reply and reply_later:
            queue_reply(db, phone=contact["phone"], body=reply, now=now,
                        contact_id=contact["id"])
        elif reply:
            record_reply(db, phone=contact["phone"], body=reply, now=now,
                         contact_id=contact["id"])
    return reply


def _apply_effects(db: Database, contact: dict, outcome: engine.Outcome,
                   now: datetime, message_id: int) -> engine.Outcome:
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
            case engine.AnswerOffer(offer_id, text):
                add_answer(db, offer_id, text, now=now)
            case engine.CreateNeed(description):
                need_id = record_need(db, contact_id=contact_id, description=description,
                                      channel="sms", now=now)
                state = outcome.state
                outcome = replace(outcome, state=replace(
                    state, data={**state.data, "need_id": need_id}))
            case engine.UpdateNeed(need_id, category, town, needed_when):
                update_need_details(db, need_id, category=category, town=town,
                                    needed_when=needed_when, now=now)
            case engine.AnswerIntroduction(introduction_id, side, yes, name):
                introducing.answer(db, introduction_id, side, yes, name=name, now=now)
            case engine.AnswerFollowUp(introduction_id, helped):
                introducing.follow_up_answer(db, introduction_id, helped, now=now)
            case engine.SendLeaderMessage(code, text):
                leading.send(db, contact, code, text, language=outcome.language, now=now)
            case engine.SetMeetingBySms():
                leading.set_meeting(db, contact, effect, now=now)
            case engine.RecordAbsence(code):
                leading.absent(db, contact, code, now=now)
            case engine.JoinCommunity(code):
                join_community(db, contact_id, code, channel="sms", now=now)
            case engine.LeaveCommunity(code):
                leave_community(db, contact_id, code, now=now)
            case engine.RecordFeedback(kind, text):
                record_feedback(db, contact_id=contact_id, kind=kind, text=text,
                                channel="sms", now=now)
            case engine.KeepUnsorted(text):
                record_unsorted(db, contact_id=contact_id, message_id=message_id, text=text,
                                language=outcome.language, now=now)
            case engine.EraseContact():
                erase_number(db, contact["phone"], actor="sms", now=now)
    return outcome
