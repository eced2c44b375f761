"""Prove a phone number at the kiosk with a 6-digit code sent by SMS through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.clock import iso, parse
from shared.consent import may_text
from shared.db import Database, immediate, row
from shared.errors import FaellesError, NotFound
from shared.messages import queue_message
from shared.phones import is_allowed, typed_phone

CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
# A kiosk must never become a way to send SMS at will: a few codes per number
# and per kiosk each hour, and only to the allowed countries (premium-rate
# numbers abroad are the classic SMS-pumping fraud).
MAX_CODES_PER_NUMBER_PER_HOUR = 3
MAX_CODES_PER_KIOSK_PER_HOUR = 30
# And for all kiosks together (ten locations once sent 300 an
# hour). Four kiosks (three libraries and the town hall) each seeing a visitor
# join every few minutes stay well below it; at the cap an hour of SMS pumping
# costs 60 codes, not 30 per place anyone can name.
MAX_CODES_PER_HOUR = 60
# The coordinator is warned from this share of the cap on.
CODES_WARNING_SHARE = 0.8


class CountryNotAllowed(FaellesError):
    """A number outside the countries we send SMS to."""


class TooManyCodes(FaellesError):
    """Too many codes asked for this number or at this kiosk in the last hour."""


class CannotText(FaellesError):
    """A contact who has opted out of SMS."""


class WrongCode(FaellesError):
    """A code that does not match; tries_left says how many remain."""

    def __init__(self, tries_left: int):
        super().__init__(f"Wrong code, {tries_left} tries left")
        self.tries_left = tries_left


class CodeExpired(FaellesError):
    """A code that is too old or has been tried too often."""


def _hash(code: str, salt: str) -> str:
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodeUsage:
    """How many codes all kiosks sent in the last hour, against the cap."""

    sent: int
    cap: int
    frees_at: datetime | None  # when the oldest of them stops counting

    @property
    def full(self) -> bool:
        return self.sent >= self.cap

    @property
    def near(self) -> bool:
        return self.sent >= self.cap * CODES_WARNING_SHARE


def kiosk_place(location: str | None) -> str | None:
    """Return the kiosk's place as stored: None for a missing or an empty one alike."""
    return (location or "").strip() or None


def code_usage(db: Database, *, now: datetime, cap: int = MAX_CODES_PER_HOUR) -> CodeUsage:
    """Count the codes sent from every kiosk in the hour before now."""
    sent, oldest = db.execute("SELECT count(*), min(created_at) FROM verifications"
                              " WHERE created_at > ?", (iso(now - timedelta(hours=1)),)
                              ).fetchone()
    return CodeUsage(sent, cap, parse(oldest) + timedelta(hours=1) if oldest else None)

def request_code(
    db: Database,
    *,
    phone: str,
    location: str | None,
    message: str,
    now: datetime,
    allowed_codes: tuple[str, ...] = ("45",),
) -> int:
    """Send a fresh code to the number and return the verification id.

    message is the SMS text with a {code} placeholder, already in the citizen's language.
    """
    e164 = typed_phone(phone)
    if not is_allowed(e164, allowed_codes):
        raise CountryNotAllowed(f"We only send SMS to +{', +'.join(allowed_codes)}")
    place = kiosk_place(location)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    hour_ago = iso(now - timedelta(hours=1))
    with immediate(db):
        by_number = db.execute("SELECT count(*) FROM verifications WHERE phone = ?"
                               " AND created_at > ?", (e164, hour_ago)).fetchone()[0]
        # ifnull: rows stored before places were cleaned may hold '' for no place.
        by_kiosk = db.execute("SELECT count(*) FROM verifications WHERE ifnull(location, '') = ?"
                              " AND created_at > ?", (place or "", hour_ago)).fetchone()[0]
        if (by_number >= MAX_CODES_PER_NUMBER_PER_HOUR
                or by_kiosk >= MAX_CODES_PER_KIOSK_PER_HOUR
                or code_usage(db, now=now).full):
            raise TooManyCodes("Too many codes in the last hour")
        contact = row(db, "SELECT id, opted_out FROM contacts WHERE phone = ?", (e164,))
        # The suppression list too: it remembers a STOP after the contact is erased.
        if not may_text(db, e164, contact_id=contact["id"] if contact else None):
            raise CannotText("This number has asked us not to send SMS")
        verification_id = db.execute(
            "INSERT INTO verifications (phone, code_hash, location, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (e164, f"{salt}${_hash(code, salt)}", place, iso(now), iso(now + CODE_TTL)),
        ).lastrowid
        queue_message(db, phone=e164, body=message.format(code=code), now=now,
                      contact_id=contact["id"] if contact else None, kind="code")
    return verification_id


def check_code(db: Database, verification_id: int, code: str, *, now: datetime) -> str:
    """Return the proven number if the code is right; count the try either way."""
    with immediate(db):
        found = row(db, "SELECT * FROM verifications WHERE id = ?", (verification_id,))
        if found is None:
            raise NotFound("No such code")
        if (found["verified_at"] or parse(found["expires_at"]) <= now
                or found["attempts"] >= MAX_TRIES):
            raise CodeExpired("The code has expired")
        salt, expected = found["code_hash"].split("$")
        attempts = found["attempts"] + 1
        if hmac.compare_digest(_hash(code.strip(), salt), expected):
            db.execute("UPDATE verifications SET attempts = ?, verified_at = ? WHERE id = ?",
                       (attempts, iso(now), verification_id))
            return found["phone"]
        db.execute("UPDATE verifications SET attempts = ? WHERE id = ?",
                   (attempts, verification_id))
    if attempts >= MAX_TRIES:
        raise CodeExpired("Too many wrong codes")
    raise WrongCode(MAX_TRIES - attempts)
