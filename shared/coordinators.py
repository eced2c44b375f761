"""Coordinators: who may review and answer, with PINs kept as salted scrypt hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from shared.clock import iso, parse
from shared.db import Database, IntegrityError, immediate, row, rows
from shared.errors import InvalidValue, LockedOut, NotFound

MAX_FAILED_ATTEMPTS = 5
# Each lockout in a row lasts longer, until a right PIN: five tries per five
# minutes would find a 4-digit PIN within a week at a public kiosk, while five
# per day (after the third lockout) take years over even a 4-digit one.
LOCKOUTS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=24))
LOCKOUT = LOCKOUTS[0]
ROLES = ("coordinator", "admin")
MIN_PIN_DIGITS, MAX_PIN_DIGITS = 6, 8
# scrypt at OWASP's password storage cheat sheet's parameters (n=2**17, r=8,
# p=1): 128 MiB and about half a second per try, so a stolen store gives up a
# 6-digit PIN slowly. hashlib refuses more than 32 MiB unless told.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
_SCRYPT_MAXMEM = 256 * 1024 * 1024


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """Return a salted scrypt hash of the PIN as 'scrypt$n$r$p$salt$hash'."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=_SCRYPT_MAXMEM)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Tell whether the PIN matches the stored hash, in constant time."""
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                               p=int(p), maxmem=_SCRYPT_MAXMEM)
    return hmac.compare_digest(candidate.hex(), digest)


def needs_rehash(stored: str) -> bool:
    """Tell whether a stored hash was made with other parameters than today's."""
    return stored.split("$")[:4] != ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]


def validate_pin(pin: str) -> str:
    """Return the PIN if it is 6 to 8 digits, or raise InvalidValue."""
    # Older PINs of 4 or 5 digits still log in; only new ones must be longer.
    if not (pin.isascii() and pin.isdigit() and MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS):
        raise InvalidValue(f"A PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits")
    return pin


def add_coordinator(
    db: Database, name: str, pin: str, *, now: datetime, role: str = "coordinator"
) -> int:
    """Create a coordinator with a hashed PIN and return its id."""
    return insert_coordinator(db, name, hash_pin(validate_pin(pin)), now=now, role=role)


def insert_coordinator(
    db: Database, name: str, pin_hash: str, *, now: datetime, role: str = "coordinator"
) -> int:
    """Store a coordinator whose PIN is already hashed (hash first: it is slow)."""
    name = (name or "").strip()
    if not name:
        raise InvalidValue("A coordinator needs a name")
    if role not in ROLES:
        raise InvalidValue(f"Unknown role {role!r}")
    try:
        with immediate(db):
            return db.execute(
                "INSERT INTO coordinators (name, role, pin_hash, created_at) VALUES (?, ?, ?, ?)",
                (name, role, pin_hash, iso(now)),
            ).lastrowid
    except IntegrityError as exc:
        raise InvalidValue(f"There is already a coordinator called {name}") from exc


def list_coordinators(db: Database) -> list[dict]:
    """Return coordinators by name, without their hashes."""
    return rows(db, "SELECT id, name, role, failed_attempts, locked_until FROM coordinators"
                         " ORDER BY name")


def claim_attempt(db: Database, coordinator_id: int, *, now: datetime) -> dict:
    """Count one login attempt before its PIN is checked; return the row with its hash.

    Raise NotFound, or LockedOut while locked (the PIN is then not even checked).
    The attempt counts as wrong until settle_attempt says otherwise, and the
    attempt that reaches the limit sets the lock at once: so however many
    attempts arrive together, at most MAX_FAILED_ATTEMPTS PINs are checked per
    lockout, and none can clear a lock another has set.
    """
    # The lock check and the count share one BEGIN IMMEDIATE; the slow hash runs
    # after it, as holding the store's write lock for it would stall every SMS.
    with immediate(db):
        found = row(db, "SELECT * FROM coordinators WHERE id = ?", (coordinator_id,))
        if found is None:
            raise NotFound(f"No coordinator {coordinator_id}")
        if found["locked_until"] and parse(found["locked_until"]) > now:
            raise LockedOut(parse(found["locked_until"]))
        failed = found["failed_attempts"] + 1
        locks = failed >= MAX_FAILED_ATTEMPTS
        found["locked_until"] = (iso(now + LOCKOUTS[min(found["lockouts"], len(LOCKOUTS) - 1)])
                                 if locks else None)
        db.execute("UPDATE coordinators SET failed_attempts = ?, locked_until = ?,"
                   " lockouts = lockouts + ?, failed_since_login = failed_since_login + 1"
                   " WHERE id = ?",
                   (0 if locks else failed, found["locked_until"], int(locks), coordinator_id))
    found["failed_attempts"] = failed
    return found


def settle_attempt(db: Database, coordinator_id: int, *, pin_hash: str | None = None) -> dict:
    """After a right PIN: clear the count and any lock; return what was tried before it.

    pin_hash replaces the stored hash (a rehash at today's parameters).
    """
    with immediate(db):
        before = row(db, "SELECT failed_since_login, lockouts FROM coordinators WHERE id = ?",
                     (coordinator_id,))
        db.execute("UPDATE coordinators SET failed_attempts = 0, locked_until = NULL,"
                   " lockouts = 0, failed_since_login = 0, pin_hash = coalesce(?, pin_hash)"
                   " WHERE id = ?", (pin_hash, coordinator_id))
    # This attempt was counted as wrong when it was claimed.
    return {"failed_since_login": before["failed_since_login"] - 1,
            "lockouts_since_login": before["lockouts"]}
