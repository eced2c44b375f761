"""What coordinators do, as single calls: each checks its rule, writes, audits and queues.

A kiosk pane asks this module whether a decision is allowed, what SMS it will
send (`*_notice`), and then makes it. The citizen is told by SMS in their own
language through the outbox, never when they opted out or gave no number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from shared.audit import audit_log, coordinator_actor, record_audit
from shared.broadcasts import quiet_hours_end, send_broadcast
from shared.clock import iso
from shared.communities import (STATUSES as COMMUNITY_STATUSES, add_community, get_community,
                                list_communities, set_community_status, update_community)
from shared.contacts import contact_data, find_contact, get_contact
from shared.conversations import save_conversation
from shared.coordinators import MAX_FAILED_ATTEMPTS, check_pin, list_coordinators, record_attempt
from shared.db import Database, immediate, row, rows
from shared.engine import FLOW_TTL
from shared.errors import IllegalTransition, InvalidValue, LockedOut, WrongPin
from shared.exports import csv_text, export_table, write_private, xlsx_bytes
from shared.feedback import (TRANSITIONS as FEEDBACK_TRANSITIONS, change_feedback_status,
                             get_feedback, list_feedback)
from shared.i18n import DEFAULT_LOCALE, TIMEZONE
from shared.messages import queue_message
from shared.offers import TRANSITIONS as OFFER_TRANSITIONS, change_offer_status, get_offer
from shared.replies import REPLY_BUDGET_SEGMENTS, Reply, render_reply
from shared.services.erasure import erase_number, leave_no_trace
from shared.sms_text import measure, sanitise

DECISIONS = {"approve": "approved", "ask": "needs_info", "reject": "rejected",
             "match": "matched"}
# Decisions a coordinator writes a note for: the question, or the reason.
NOTE_DECISIONS = ("ask", "reject")
MAX_NOTE = 200
# A citizen may answer a coordinator's question days later.
ANSWER_WINDOW = FLOW_TTL * 24 * 7
# The review queue: new offers, and those waiting for the citizen's answer.
REVIEW_STATUSES = ("pending", "needs_info")
FEEDBACK_MARKS = ("read", "archived")
OPEN_FEEDBACK = ("new", "read", "answered")
STATUS_ACTIONS = {"active": "community_resume", "paused": "community_pause",
                  "archived": "community_archive"}


class TooLong(InvalidValue):
    """An SMS that would not fit the reply budget: refused, never cut."""


def _audit(db: Database, coordinator_id: int, action: str, now: datetime,
           kind: str | None = None, record_id: int | None = None) -> None:
    record_audit(db, actor=coordinator_actor(coordinator_id), action=action, now=now,
                 record_kind=kind,
                 record_id=record_id, coordinator_id=coordinator_id)


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


def clean_note(note: str) -> str:
    """Return the note as it is stored and sent: whitespace collapsed."""
    return " ".join((note or "").split())[:MAX_NOTE]


# -- the SMS a decision sends --------------------------------------------------------

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


def _contact(db: Database, contact_id: int | None) -> dict | None:
    if contact_id is None:
        return None
    return row(db, "SELECT * FROM contacts WHERE id = ?", (contact_id,))


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
    contact = _contact(db, offer["contact_id"])
    language = (contact or {}).get("language") or DEFAULT_LOCALE
    return notice_for(contact, _decision_reply(db, offer, decision, clean_note(note),
                                            community_code, language))


def _queue(db: Database, contact: dict | None, notice: Notice, now: datetime) -> int | None:
    if not notice.sends:
        return None
    if not notice.fits:
        raise TooLong(f"The SMS would need {notice.segments} segments")
    return queue_message(db, phone=contact["phone"], body=notice.text, now=now,
                         contact_id=contact["id"], kind="notice")


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
        contact = _contact(db, offer["contact_id"])
        notice = decision_notice(db, offer_id, decision, note=note,
                                 community_code=community_code)
        community = get_community(db, community_code) if decision == "match" else None
        if decision == "match" and offer["status"] == "pending":
            change_offer_status(db, offer_id, "approved", now=now, reviewer_id=coordinator_id)
        change_offer_status(db, offer_id, DECISIONS[decision], now=now,
                            reviewer_id=coordinator_id, note=note or None,
                            community_id=community["id"] if community else None)
        _audit(db, coordinator_id, f"offer_{decision}", now, "offer", offer_id)
        if decision == "ask" and contact is not None:
            # The citizen's next SMS is the answer, not a keyword or the menu.
            save_conversation(db, contact["id"], flow="offer", step="info",
                              data={"offer_id": offer_id}, expires_at=now + ANSWER_WINDOW,
                              now=now)
        return _queue(db, contact, notice, now)


def answer_notice(db: Database, feedback_id: int, answer: str) -> Notice:
    """Return the SMS an answer to this feedback would send."""
    item = get_feedback(db, feedback_id)
    return notice_for(_contact(db, item["contact_id"]),
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
        _audit(db, coordinator_id, "feedback_answer", now, "feedback", feedback_id)
        return _queue(db, _contact(db, item["contact_id"]), notice, now)


def mark_feedback(db: Database, feedback_id: int, status: str, *, coordinator_id: int,
                  now: datetime) -> None:
    """Mark feedback read or archived, audited."""
    if status not in FEEDBACK_MARKS:
        raise InvalidValue(f"Use answer_feedback to answer; {status!r} is not a mark")
    with immediate(db):
        change_feedback_status(db, feedback_id, status, now=now)
        _audit(db, coordinator_id, f"feedback_{status}", now, "feedback", feedback_id)


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
    return {"offer": offer, "contact": _contact(db, offer["contact_id"]),
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


def coordinator_names(db: Database) -> dict[int, str]:
    return {c["id"]: c["name"] for c in list_coordinators(db)}


# -- communities ---------------------------------------------------------------------

def community_table(db: Database, language: str) -> list[dict]:
    """Return every community with its member count, archived ones last."""
    found = list_communities(db, language=language, statuses=COMMUNITY_STATUSES)
    return sorted(found, key=lambda c: c["status"] == "archived")


def create_community(db: Database, *, code: str, town: str, place: str, texts: dict,
                     coordinator_id: int, now: datetime) -> int:
    """Create a community from the coordinator's form, audited; return its id."""
    with immediate(db):
        community_id = add_community(db, code=code, town=town, place=place, texts=texts,
                                     now=now)
        _audit(db, coordinator_id, "community_create", now, "community", community_id)
    return community_id


def edit_community(db: Database, code: str, *, town: str, place: str, texts: dict,
                   coordinator_id: int, now: datetime) -> None:
    """Change a community's town, place and texts, audited; its code stays."""
    with immediate(db):
        community_id = update_community(db, code, town=town, place=place, texts=texts, now=now)
        _audit(db, coordinator_id, "community_edit", now, "community", community_id)


def change_community_status(db: Database, code: str, status: str, *, coordinator_id: int,
                            now: datetime) -> None:
    """Pause, resume or archive a community, audited; an archived one stays archived."""
    with immediate(db):
        community = get_community(db, code)
        if community["status"] == "archived":
            raise IllegalTransition("An archived community stays archived")
        set_community_status(db, code, status, now=now)
        _audit(db, coordinator_id, STATUS_ACTIONS[status], now, "community", community["id"])


def pause_or_resume(db: Database, code: str, *, coordinator_id: int, now: datetime) -> str:
    """Pause an active community or resume a paused one; return its new status."""
    with immediate(db):
        new = "paused" if get_community(db, code)["status"] == "active" else "active"
        change_community_status(db, code, new, coordinator_id=coordinator_id, now=now)
    return new


def archive_community(db: Database, code: str, *, coordinator_id: int, now: datetime) -> None:
    change_community_status(db, code, "archived", coordinator_id=coordinator_id, now=now)


@dataclass(frozen=True)
class Broadcast:
    id: int
    held_until: datetime | None  # quiet hours: when the worker lets it go


def broadcast(db: Database, code: str, body: str, *, coordinator_id: int, now: datetime,
              quiet_start, quiet_end) -> Broadcast:
    """Queue an SMS to every member who takes SMS, audited; say when it will leave."""
    with immediate(db):
        broadcast_id = send_broadcast(db, code, body, coordinator_id=coordinator_id, now=now)
        _audit(db, coordinator_id, "broadcast", now, "community", get_community(db, code)["id"])
    return Broadcast(broadcast_id, quiet_hours_end(now, quiet_start, quiet_end))


# -- people --------------------------------------------------------------------------

def look_up_person(db: Database, phone: str, *, coordinator_id: int,
                   now: datetime) -> dict | None:
    """Return everything stored about the number (an access request), audited; or None."""
    with immediate(db):
        contact = find_contact(db, phone)
        if contact is None:
            return None
        _audit(db, coordinator_id, "access_view", now, "contact", contact["id"])
        data = contact_data(db, contact["id"])
    data["community_codes"] = {c["id"]: c["code"] for c in list_communities(
        db, statuses=COMMUNITY_STATUSES, count_members=False)}
    return data


def export_person(db: Database, contact_id: int, folder: Path, *, coordinator_id: int,
                  now: datetime) -> Path:
    """Write everything about a contact to a private JSON file, audited; return its path."""
    with immediate(db):
        data = {"exported_at": iso(now), **contact_data(db, contact_id)}
        # The file name carries the contact's id, never the phone number.
        path = write_private(folder, f"contact-{contact_id}-{stamp(now)}", ".json",
                             json.dumps(data, ensure_ascii=False, indent=2))
        _audit(db, coordinator_id, "access_export", now, "contact", contact_id)
    return path


def erase_person(db: Database, contact_id: int, *, coordinator_id: int,
                 now: datetime) -> dict[str, int]:
    """Erase a contact and everything linked to them, audited with who confirmed it."""
    with immediate(db):
        phone = get_contact(db, contact_id)["phone"]
        removed = erase_number(db, phone, actor=coordinator_actor(coordinator_id), now=now,
                               coordinator_id=coordinator_id)
        _audit(db, coordinator_id, "erase_confirmed", now, "contact", contact_id)
    leave_no_trace(db)  # after the commit: VACUUM and an emptied WAL (issue 9, finding 2)
    return removed


# -- exports, audit, login -----------------------------------------------------------

def stamp(now: datetime) -> str:
    """Return a file-name-safe UTC timestamp, e.g. 20261127T093000Z."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def export_csv_files(db: Database, kinds: tuple[str, ...], folder: Path, *,
                     coordinator_id: int, now: datetime) -> list[Path]:
    """Write each kind to its own CSV file for Danish Excel (a header even when empty), audited."""
    # The byte order mark lets Excel read æ, ø and å as UTF-8, and ";" is Danish Excel's
    # list separator, so the file opens in columns. (A first line "sep=;" would split
    # it too, but Excel then ignores the byte order mark, and other programs read
    # that line as data.) Cells a spreadsheet would run are neutralised (issue 9).
    def render(kind: str, names: list[str], records: list[dict]) -> str:
        return "\ufeff" + csv_text(names, records, delimiter=";", lineterminator="\r\n")

    return _export_files(db, kinds, folder, ".csv", render, coordinator_id=coordinator_id,
                         now=now)


def export_xlsx_files(db: Database, kinds: tuple[str, ...], folder: Path, *,
                      coordinator_id: int, now: datetime) -> list[Path]:
    """Write each kind to its own XLSX file, every cell typed text, audited."""
    def render(kind: str, names: list[str], records: list[dict]) -> bytes:
        return xlsx_bytes(names, records, title=kind)

    return _export_files(db, kinds, folder, ".xlsx", render, coordinator_id=coordinator_id,
                         now=now)


def _export_files(db: Database, kinds: tuple[str, ...], folder: Path, suffix: str,
                  render: Callable[[str, list[str], list[dict]], str | bytes], *,
                  coordinator_id: int, now: datetime) -> list[Path]:
    paths = []
    for kind in kinds:
        names, records = export_table(db, kind)
        paths.append(write_private(folder, f"{kind}-{stamp(now)}", suffix,
                                   render(kind, names, records)))
        with immediate(db):
            _audit(db, coordinator_id, "export", now, kind)
    return paths


def audit_entries(db: Database, limit: int = 200) -> list[dict]:
    """Return the newest audit entries first, each with the coordinator's name if any."""
    names = coordinator_names(db)
    entries = audit_log(db, limit)
    for entry in entries:
        coordinator_id = entry["coordinator_id"]
        if coordinator_id is None and entry["actor"].startswith("coordinator:"):
            coordinator_id = int(entry["actor"].split(":", 1)[1])
        entry["who"] = names.get(coordinator_id, entry["actor"])
    return entries


def log_in(db: Database, coordinator_id: int, pin: str, *, now: datetime) -> dict:
    """Return the coordinator if the PIN is right; count, lock and audit wrong ones."""
    coordinator, correct = check_pin(db, coordinator_id, pin, now=now)
    with immediate(db):
        outcome, failed = record_attempt(db, coordinator_id, correct, now=now)
        _audit(db, coordinator_id, outcome, now)
    if outcome == "login":
        return {**coordinator, "failed_attempts": 0, "locked_until": None}
    if outcome == "lockout":
        raise LockedOut("Locked after too many wrong PINs")
    raise WrongPin(f"Wrong PIN ({failed} of {MAX_FAILED_ATTEMPTS})")


def log_out(db: Database, coordinator_id: int, *, now: datetime) -> None:
    with immediate(db):
        _audit(db, coordinator_id, "logout", now)
