"""Broadcasts: one SMS from a coordinator to every member of a community, and how far it got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from shared.clock import iso
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.i18n import TIMEZONE
from shared.keywords import fold
from shared.messages import queue_message
from shared.sms_text import MAX_INBOUND_CHARS, measure, sanitise
from shared.suppression import suppressed_among

# What one SMS segment costs. An assumption (a typical Danish bulk price in
# 2026): set it to the price per segment in the municipality's SMS contract.
COST_PER_SEGMENT = Decimal("0.35")
CURRENCY = "DKK"
# Twilio refuses bodies longer than 1,600 characters.
MAX_BODY = MAX_INBOUND_CHARS
# Uncertain (the answer from Twilio was lost) is still in our hands: not done.
PROGRESS_STATUSES = ("queued", "sending", "uncertain", "sent", "delivered", "failed")


@dataclass(frozen=True)
class Audience:
    """Who a broadcast to a community reaches: members who take SMS, and those who opted out."""

    recipients: int
    opted_out: int


@dataclass(frozen=True)
class Estimate:
    """What a broadcast will be on the wire, how much it costs, and when it goes."""

    characters: int
    encoding: str
    segments: int  # per recipient
    recipients: int
    opted_out: int
    total_segments: int
    cost: Decimal
    held_until: datetime | None  # Copenhagen time when quiet hours end, or None
    too_long: bool


def clean_body(body: str) -> str:
    """Return the text as it will be sent: no control characters, trimmed."""
    return sanitise(body or "", max_chars=MAX_BODY + 1)


def _members(db: Database, code: str) -> list[dict]:
    """Return the current members of a community, each with whether they take SMS."""
    members = rows(db,
        "SELECT m.contact_id, p.phone, p.language, p.opted_out FROM memberships m"
        " JOIN communities c ON c.id = m.community_id JOIN contacts p ON p.id = m.contact_id"
        " WHERE c.code = ? AND m.left_at IS NULL ORDER BY m.joined_at", (fold(code),))
    # The suppression list as well as the flag: it outlives erasure (issue 9, finding 1).
    suppressed = suppressed_among(db, (m["phone"] for m in members))
    for member in members:
        member["opted_out"] = bool(member["opted_out"]) or member["phone"] in suppressed
    return members


def recipients_of(db: Database, code: str) -> list[dict]:
    """Return the current members of a community who have not opted out of SMS."""
    return [{"contact_id": m["contact_id"], "phone": m["phone"], "language": m["language"]}
            for m in _members(db, code) if not m["opted_out"]]


def audience(db: Database, code: str) -> Audience:
    """Count the members a broadcast would reach and the members who opted out."""
    members = _members(db, code)
    opted_out = sum(m["opted_out"] for m in members)
    return Audience(recipients=len(members) - opted_out, opted_out=opted_out)


def in_quiet_hours(now: datetime, start: time, end: time) -> bool:
    """Tell whether now falls in the quiet window on a Copenhagen clock (the worker uses this too)."""
    local = now.astimezone(TIMEZONE).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def quiet_hours_end(now: datetime, start: time, end: time) -> datetime | None:
    """Return when a broadcast held now may go (Copenhagen time), or None if it goes at once."""
    if not in_quiet_hours(now, start, end):
        return None
    local = now.astimezone(TIMEZONE)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=TIMEZONE)


def estimate_broadcast(body: str, audience: Audience, *, now: datetime, quiet_start: time,
                       quiet_end: time, cost_per_segment: Decimal = COST_PER_SEGMENT) -> Estimate:
    """Return the size, reach, cost and timing of sending body to the audience."""
    body = clean_body(body)
    size = measure(body)
    total = size.segments * audience.recipients
    return Estimate(characters=len(body), encoding=size.encoding, segments=size.segments,
                    recipients=audience.recipients, opted_out=audience.opted_out,
                    total_segments=total, cost=cost_per_segment * total,
                    held_until=quiet_hours_end(now, quiet_start, quiet_end),
                    too_long=len(body) > MAX_BODY)


def send_broadcast(db: Database, code: str, body: str, *, coordinator_id: int,
                   now: datetime) -> int:
    """Queue body for every member of the community who takes SMS; return the broadcast id.

    The worker holds broadcasts during quiet hours, so they are queued at once anyway.
    """
    body = clean_body(body)
    if not body:
        raise InvalidValue("A broadcast needs a text")
    if len(body) > MAX_BODY:
        raise InvalidValue(f"A broadcast is at most {MAX_BODY} characters")
    with immediate(db):
        community = row(db, "SELECT id, status FROM communities WHERE code = ?", (fold(code),))
        if community is None:
            raise NotFound(f"No community with code {code}")
        if community["status"] == "archived":
            raise IllegalTransition("An archived community gets no broadcasts")
        people = recipients_of(db, code)
        if not people:
            raise InvalidValue("The community has no members who take SMS")
        broadcast_id = db.execute(
            "INSERT INTO broadcasts (community_id, body, coordinator_id, created_at)"
            " VALUES (?, ?, ?, ?)", (community["id"], body, coordinator_id, iso(now)),
        ).lastrowid
        for person in people:
            message_id = queue_message(db, phone=person["phone"], body=body, now=now,
                                       contact_id=person["contact_id"], kind="broadcast")
            if message_id is not None:
                db.execute("UPDATE messages SET broadcast_id = ? WHERE id = ?",
                           (broadcast_id, message_id))
    return broadcast_id


def broadcast_progress(db: Database, broadcast_id: int) -> dict[str, int]:
    """Count a broadcast's messages per status, with total and done (no longer in our hands)."""
    counts = dict.fromkeys(PROGRESS_STATUSES, 0)
    for r in rows(db, "SELECT status, count(*) AS n FROM messages WHERE broadcast_id = ?"
                      " GROUP BY status", (broadcast_id,)):
        # Undelivered is a failure the carrier reported after Twilio accepted it.
        status = "failed" if r["status"] == "undelivered" else r["status"]
        counts[status] = counts.get(status, 0) + r["n"]
    counts["total"] = sum(counts[s] for s in PROGRESS_STATUSES)
    counts["done"] = (counts["total"] - counts["queued"] - counts["sending"]
                      - counts["uncertain"])
    return counts
