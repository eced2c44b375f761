"""Citizens who lead their community by SMS: messages to the members, meetings, reminders.

The engine reads SEND, MØDE and AFBUD; this service knows who leads what, how
many members a message reaches and when the next meeting is, and answers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared import engine, leaders, meetings
from shared.audit import record_audit
from shared.broadcasts import quiet_hours_end, recipients_of
from shared.clock import iso, parse
from shared.communities import get_community
from shared.db import Database, immediate, row, rows
from shared.errors import NotFound
from shared.i18n import TIMEZONE
from shared.meeting_time import Meeting, describe_meeting
from shared.messages import queue_message
from shared.replies import REPLY_BUDGET_SEGMENTS, Cut, Reply, render_reply
from shared.services.notices import Notice, audit_by, contact_of, notice_for, queue_notice
from shared.settings import load_settings
from shared.sms_text import fits, measure
from shared.vocabulary import DEFAULT_LOCALE

_REQUESTS = (engine.AskToSend, engine.SetMeetingBySms, engine.AskMeeting, engine.RecordAbsence,
             engine.SendLeaderMessage)


def welcome_notice(db: Database, code: str, contact_id: int) -> Notice:
    """Return the SMS a new leader gets: what they can now text, in their language."""
    community = get_community(db, code, _language(db, contact_id))
    return notice_for(contact_of(db, contact_id), Reply(
        "leader_welcome", {"name": community["name"], "code": community["code"]}))


def appoint(db: Database, code: str, contact_id: int, first_name: str, *,
            coordinator_id: int, now: datetime) -> int | None:
    """Make a member a leader, tell them by SMS what they can now text; return the SMS id."""
    with immediate(db):
        leaders.add_leader(db, code, contact_id, first_name, now=now)
        message_id = queue_notice(db, contact_of(db, contact_id),
                                  welcome_notice(db, code, contact_id), now)
        audit_by(db, coordinator_id, "appoint_leader", now, "contact", contact_id)
    return message_id


def resume(db: Database, code: str, contact_id: int, *, coordinator_id: int,
           now: datetime) -> None:
    """Let a paused leader message the members again, audited."""
    with immediate(db):
        db.execute("UPDATE leaders SET stopped_at = NULL WHERE community_id = ?"
                   " AND contact_id = ?", (leaders.community_id(db, code), contact_id))
        audit_by(db, coordinator_id, "resume_leader", now, "contact", contact_id)


def dismiss(db: Database, code: str, contact_id: int, *, coordinator_id: int,
            now: datetime) -> None:
    """End a leader's role, audited."""
    with immediate(db):
        leaders.remove_leader(db, code, contact_id)
        audit_by(db, coordinator_id, "dismiss_leader", now, "contact", contact_id)


def pause(db: Database, code: str, contact_id: int, *, coordinator_id: int,
          now: datetime) -> None:
    """Stop a leader's messages at once, audited."""
    with immediate(db):
        leaders.stop_leader(db, code, contact_id, now=now)
        audit_by(db, coordinator_id, "pause_leader", now, "contact", contact_id)


def resolve(db: Database, contact: dict, outcome: engine.Outcome, *,
            now: datetime) -> engine.Outcome:
    """Answer a leader's or a member's request with what the store says may happen."""
    request = next((e for e in outcome.effects if isinstance(e, _REQUESTS)), None)
    if request is None:
        return outcome
    language = outcome.language
    others = tuple(e for e in outcome.effects if not isinstance(e, _REQUESTS))
    try:
        community = get_community(db, request.code, language)
    except NotFound:
        community = None
    if community is None or community["status"] == "archived":
        return _answer(outcome, Reply("unknown_code", {"code": request.code[:12]}), others)
    if isinstance(request, engine.RecordAbsence):
        return _absence(db, contact, community, outcome, request, others, now)
    role = next((r for r in leaders.led_by(db, contact["id"]) if r["code"] == community["code"]),
                None) if contact["id"] is not None else None
    if role is None:
        return _answer(outcome, Reply("not_leader", {"code": community["code"]}), others)
    if isinstance(request, engine.AskMeeting):
        found = meetings.next_meeting(db, community["code"], now=now)
        if found is None:
            return _answer(outcome, Reply("no_meeting", {"name": community["name"]}), others)
        return _answer(outcome, Reply("meeting_status", {
            "name": community["name"], "when": _when(found, language),
            "count": meetings.absences(db, found)}), others)
    if isinstance(request, engine.SetMeetingBySms):
        key = "meeting_set" if request.place else "meeting_set_no_place"
        return replace(outcome, replies=(Reply(key, {
            "name": Cut(community["name"]), "when": request.when, "place": request.place},
            may_grow_to=3),))
    if role["stopped_at"]:
        return _answer(outcome, Reply("leader_paused", {"code": community["code"]}), others)
    if isinstance(request, engine.SendLeaderMessage):
        return replace(outcome, replies=(Reply("send_done", {"name": community["name"]}),))
    return _preview(db, contact, community, role, outcome, request, others, now)


def send(db: Database, contact: dict, code: str, text: str, *, language: str,
         now: datetime) -> int:
    """Queue the leader's message to every member who takes SMS; return the broadcast id."""
    community = get_community(db, code, language)
    role = next(r for r in leaders.led_by(db, contact["id"]) if r["code"] == community["code"])
    body = _message(community, role, text, language)
    broadcast_id = db.execute(
        "INSERT INTO broadcasts (community_id, body, leader_contact_id, created_at)"
        " VALUES (?, ?, ?, ?)", (community["id"], body, contact["id"], iso(now))).lastrowid
    for person in recipients_of(db, code):
        if person["contact_id"] == contact["id"]:
            continue
        message_id = queue_message(db, phone=person["phone"], body=body, now=now,
                                   contact_id=person["contact_id"], kind="broadcast")
        if message_id is not None:
            db.execute("UPDATE messages SET broadcast_id = ? WHERE id = ?",
                       (broadcast_id, message_id))
    # Who and when, never what: the leader's contact id names them.
    record_audit(db, actor=f"contact:{contact['id']}", action="leader_message", now=now,
                 record_kind="broadcast", record_id=broadcast_id)
    return broadcast_id


def set_meeting(db: Database, contact: dict, request: engine.SetMeetingBySms, *,
                now: datetime) -> int:
    """Store the meeting a leader texted, audited."""
    meeting_id = meetings.set_meeting(db, request.code, starts_at=request.starts_at,
                                      weekly=request.weekly, place=request.place, now=now,
                                      by_contact=contact["id"])
    record_audit(db, actor=f"contact:{contact['id']}", action="set_meeting", now=now,
                 record_kind="meeting", record_id=meeting_id)
    return meeting_id


def absent(db: Database, contact: dict, code: str, *, now: datetime) -> None:
    """Note that the member will not come to the next meeting."""
    found = meetings.next_meeting(db, code, now=now)
    if found is not None:
        meetings.record_absence(db, found, contact["id"], now=now)


def remind(db: Database, *, now: datetime) -> int:
    """Queue each due reminder once per member and occurrence; return how many were queued."""
    queued = 0
    with immediate(db):
        for meeting in meetings.due_reminders(db, now=now):
            for member in meetings.not_reminded(db, meeting):
                language = member["language"] or DEFAULT_LOCALE
                community = get_community(db, meeting["code"], language)
                key = "meeting_reminder" if meeting["place"] else "meeting_reminder_no_place"
                # When and where are never cut: a long place may take a third segment.
                text = render_reply(Reply(key, {
                    "name": Cut(community["name"]), "when": _when(meeting, language),
                    "place": meeting["place"], "code": community["code"]}, may_grow_to=3),
                    language)
                message_id = queue_message(db, phone=member["phone"], body=text, now=now,
                                           contact_id=member["contact_id"], kind="reminder")
                meetings.mark_reminded(db, meeting, member["contact_id"], message_id)
                queued += message_id is not None
    return queued


def community_page(db: Database, code: str, language: str, *, now: datetime) -> dict:
    """Return a community as its page shows it: with its next meeting in words and its leaders."""
    community = get_community(db, code, language)
    found = meetings.next_meeting(db, community["code"], now=now)
    return {**community,
            "next_meeting": _when(found, language) if found else None,
            "next_place": found["place"] if found else None,
            "leaders": [r["first_name"] for r in leaders.leaders_of(db, community["code"])]}


def next_meetings(db: Database, language: str, *, now: datetime) -> dict[str, tuple[str, str]]:
    """Return, per community code, its next meeting in words and its place."""
    found = {}
    for meeting in rows(db, "SELECT m.*, c.code FROM meetings m JOIN communities c"
                            " ON c.id = m.community_id WHERE m.cancelled_at IS NULL"):
        starts_at = meetings.next_start(meeting, now=now)
        if starts_at is not None:
            found[meeting["code"]] = (_when({**meeting, "starts_at": iso(starts_at)}, language),
                                      meeting["place"])
    return found


def _preview(db, contact, community, role, outcome, request, others, now) -> engine.Outcome:
    language = outcome.language
    sent_today = leaders.messages_since(db, community["code"], leaders.day_start(now, TIMEZONE))
    if sent_today >= leaders.MAX_MESSAGES_PER_DAY:
        return _answer(outcome, Reply("send_limit", {
            "name": community["name"], "max": leaders.MAX_MESSAGES_PER_DAY}), others)
    body = _message(community, role, request.text, language)
    if not fits(body, REPLY_BUDGET_SEGMENTS):
        room = len(request.text) - (measure(body).units - _budget(body))
        return _answer(outcome, Reply("send_too_long", {"max": max(room, 0)}), others)
    count = sum(1 for p in recipients_of(db, community["code"]) if p["contact_id"] != contact["id"])
    settings = load_settings()
    held = quiet_hours_end(now, settings.quiet_start, settings.quiet_end)
    values = {"count": count, "name": community["name"], "segments": measure(body).segments}
    reply = (Reply("send_preview_later", {**values, "time": held.strftime("%H:%M")}) if held
             else Reply("send_preview", values))
    return replace(outcome, replies=(reply,), effects=others)


def _absence(db, contact, community, outcome, request, others, now) -> engine.Outcome:
    member = contact["id"] is not None and row(
        db, "SELECT 1 FROM memberships WHERE community_id = ? AND contact_id = ?"
            " AND left_at IS NULL", (community["id"], contact["id"]))
    if not member:
        return _answer(outcome, Reply("not_member", {"code": community["code"]}), others)
    found = meetings.next_meeting(db, community["code"], now=now)
    if found is None:
        return _answer(outcome, Reply("no_meeting", {"name": community["name"]}), others)
    return replace(outcome, replies=(Reply("absence_noted", {
        "when": _when(found, outcome.language)}),))


def _answer(outcome: engine.Outcome, reply: Reply, effects: tuple) -> engine.Outcome:
    return replace(outcome, state=engine.State(), replies=(reply,), effects=effects,
                   expires_at=None)


def _message(community: dict, role: dict, text: str, language: str) -> str:
    return render_reply(Reply("from_leader", {"name": community["name"],
                                              "leader": role["first_name"], "text": text}),
                        language)


def _budget(body: str) -> int:
    return 153 * REPLY_BUDGET_SEGMENTS if measure(body).encoding == "GSM-7" \
        else 67 * REPLY_BUDGET_SEGMENTS


def _when(meeting: dict, language: str) -> str:
    starts_at = parse(meeting["starts_at"]).astimezone(TIMEZONE)
    return describe_meeting(Meeting(starts_at=starts_at, weekday=starts_at.weekday(),
                                    time_of_day=starts_at.time().replace(tzinfo=None),
                                    weekly=False, place=meeting["place"]), language)


def _language(db: Database, contact_id: int) -> str:
    found = contact_of(db, contact_id)
    return (found or {}).get("language") or DEFAULT_LOCALE
