"""Broadcasts: one SMS from a coordinator to every member of a community, and how far it got.

A broadcast has a main text in the default language and may have a text per
language; each member gets the text in their language, or else the main one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from shared.clock import iso
from shared.consent import not_textable_among
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.i18n import N_, TIMEZONE
from shared.keywords import fold
from shared.messages import queue_message
from shared.sms_text import MAX_INBOUND_CHARS, measure, sanitise
from shared.vocabulary import DEFAULT_LOCALE

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
    # Recipients per language, most first; a member with no language counts as the default.
    languages: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TextSize:
    """One text of a broadcast on the wire, and how many recipients get it."""

    characters: int
    encoding: str
    segments: int  # per recipient
    readers: int
    too_long: bool


@dataclass(frozen=True)
class Estimate:
    """What a broadcast will be on the wire, how much it costs, and when it goes."""

    texts: Mapping[str, TextSize]  # by language, the main text first
    recipients: int
    opted_out: int
    languages: Mapping[str, int]  # recipients per language, most first
    # Recipients per language that has no text, who get the main text instead.
    fallback: Mapping[str, int]
    total_segments: int
    cost: Decimal
    held_until: datetime | None  # Copenhagen time when quiet hours end, or None
    problem: tuple[str, dict] | None  # why it cannot be sent (a msgid and its fields)

    @property
    def main(self) -> TextSize:
        return self.texts[DEFAULT_LOCALE]

    @property
    def characters(self) -> int:
        return self.main.characters

    @property
    def encoding(self) -> str:
        return self.main.encoding

    @property
    def segments(self) -> int:
        return self.main.segments

    @property
    def too_long(self) -> bool:
        return any(size.too_long for size in self.texts.values())


def clean_body(body: str) -> str:
    """Return the text as it will be sent: no control characters, trimmed."""
    return sanitise(body or "", max_chars=MAX_BODY + 1)


def broadcast_texts(body: str, translations: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the texts as they will be sent, by language: the main one first, no empty ones."""
    texts = {DEFAULT_LOCALE: clean_body(body)}
    for language, text in (translations or {}).items():
        if language != DEFAULT_LOCALE and (text := clean_body(text)):
            texts[language] = text
    return texts


def reader_language(language: str | None) -> str:
    """Return the language a member reads: their own, or the default when none is known."""
    return language or DEFAULT_LOCALE


def text_language(language: str | None, texts: Mapping[str, str]) -> str:
    """Return the language of the text a recipient gets: their own if written, else the main one."""
    language = reader_language(language)
    return language if texts.get(language) else DEFAULT_LOCALE


def count_languages(languages: Iterable[str | None]) -> dict[str, int]:
    """Count recipients per language, most first; of as many, the default, then by code."""
    counts = Counter(reader_language(language) for language in languages)
    return dict(sorted(counts.items(),
                       key=lambda item: (-item[1], item[0] != DEFAULT_LOCALE, item[0])))


def readers_per_text(audience: Audience, texts: Mapping[str, str]) -> dict[str, int]:
    """Count the recipients who get each text; those not counted by language get the main one."""
    readers = dict.fromkeys(texts, 0)
    for language, count in audience.languages.items():
        readers[text_language(language, texts)] += count
    readers[DEFAULT_LOCALE] += audience.recipients - sum(audience.languages.values())
    return readers


def fallback_languages(audience: Audience, texts: Mapping[str, str]) -> dict[str, int]:
    """Count per language the recipients who read another language yet get the main text."""
    return {language: count for language, count in audience.languages.items()
            if language != DEFAULT_LOCALE and text_language(language, texts) == DEFAULT_LOCALE}


def texts_problem(texts: Mapping[str, str]) -> tuple[str, dict] | None:
    """Return why these texts cannot be sent (a msgid and its fields), or None."""
    # A msgid and fields, not a sentence: the kiosk says it in the coordinator's
    # language and names the language of the text in the same words.
    if len(texts.get(DEFAULT_LOCALE, "")) > MAX_BODY:
        return N_("The text is too long: at most {n} characters."), {"n": MAX_BODY}
    for language, text in texts.items():
        if len(text) > MAX_BODY:
            return (N_("The text in {language} is too long: at most {n} characters."),
                    {"language": language, "n": MAX_BODY})
    if not texts.get(DEFAULT_LOCALE):
        if len(texts) > 1:
            return (N_("Write the Danish text too: it goes to everyone without a text in "
                       "their language."), {})
        return N_("Write the text of the SMS."), {}
    return None


def _members(db: Database, code: str) -> list[dict]:
    """Return the current members of a community, each with whether they take SMS."""
    members = rows(db,
        "SELECT m.contact_id, p.phone, p.language, p.opted_out FROM memberships m"
        " JOIN communities c ON c.id = m.community_id JOIN contacts p ON p.id = m.contact_id"
        " WHERE c.code = ? AND m.left_at IS NULL ORDER BY m.joined_at", (fold(code),))
    # The suppression list as well as the flag: it outlives erasure.
    blocked = not_textable_among(db, (m["phone"] for m in members))
    for member in members:
        member["opted_out"] = member["phone"] in blocked
    return members


def recipients_of(db: Database, code: str) -> list[dict]:
    """Return the current members of a community who have not opted out of SMS."""
    return [{"contact_id": m["contact_id"], "phone": m["phone"], "language": m["language"]}
            for m in _members(db, code) if not m["opted_out"]]


def audience(db: Database, code: str) -> Audience:
    """Count the members a broadcast would reach and the members who opted out."""
    members = _members(db, code)
    opted_out = sum(m["opted_out"] for m in members)
    return Audience(recipients=len(members) - opted_out, opted_out=opted_out,
                    languages=count_languages(m["language"] for m in members
                                              if not m["opted_out"]))


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


def text_size(text: str, readers: int = 0) -> TextSize:
    """Return the size of one text as it will be sent (cleaned), for so many readers."""
    text = clean_body(text)
    size = measure(text)
    return TextSize(characters=len(text), encoding=size.encoding, segments=size.segments,
                    readers=readers, too_long=len(text) > MAX_BODY)


def estimate_broadcast(body: str, audience: Audience, *, now: datetime, quiet_start: time,
                       quiet_end: time, translations: Mapping[str, str] | None = None,
                       cost_per_segment: Decimal = COST_PER_SEGMENT) -> Estimate:
    """Return the size, reach, cost and timing of sending body and its translations."""
    texts = broadcast_texts(body, translations)
    readers = readers_per_text(audience, texts)
    sizes = {language: text_size(text, readers[language]) for language, text in texts.items()}
    total = sum(size.segments * size.readers for size in sizes.values())
    return Estimate(texts=sizes, recipients=audience.recipients, opted_out=audience.opted_out,
                    languages=audience.languages, fallback=fallback_languages(audience, texts),
                    total_segments=total, cost=cost_per_segment * total,
                    held_until=quiet_hours_end(now, quiet_start, quiet_end),
                    problem=texts_problem(texts))


def send_broadcast(db: Database, code: str, body: str, *, coordinator_id: int, now: datetime,
                   translations: Mapping[str, str] | None = None) -> int:
    """Queue to every member who takes SMS the text in their language; return the broadcast id.

    body is the main text, in the default language; translations holds the texts
    in other languages. The worker holds broadcasts during quiet hours, so they
    are queued at once anyway.
    """
    texts = broadcast_texts(body, translations)
    problem = texts_problem(texts)
    if problem is not None:
        msgid, fields = problem
        raise InvalidValue(msgid.format(**fields))
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
            " VALUES (?, ?, ?, ?)", (community["id"], texts[DEFAULT_LOCALE], coordinator_id,
                                     iso(now)),
        ).lastrowid
        for language, text in texts.items():
            if language != DEFAULT_LOCALE:
                db.execute("INSERT INTO broadcast_translations (broadcast_id, language, body)"
                           " VALUES (?, ?, ?)", (broadcast_id, language, text))
        for person in people:
            text = texts[text_language(person["language"], texts)]
            message_id = queue_message(db, phone=person["phone"], body=text, now=now,
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
