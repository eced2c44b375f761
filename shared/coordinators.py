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
LOCKOUT = timedelta(minutes=5)
ROLES = ("coordinator", "admin")
# scrypt cost: n=2**14, r=8 uses 16 MiB and about 50 ms, which makes guessing a
# 4–8 digit PIN from a stolen database slow (OWASP password storage cheat sheet).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """Return a salted scrypt hash of the PIN as 'scrypt$n$r$p$salt$hash'."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Tell whether the PIN matches the stored hash, in constant time."""
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                               p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def validate_pin(pin: str) -> str:
    """Return the PIN if it is 4 to 8 digits, or raise InvalidValue."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidValue("A PIN is 4 to 8 digits")
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


def check_pin(db: Database, coordinator_id: int, pin: str, *, now: datetime) -> tuple[dict, bool]:
    """Return the coordinator (without the hash) and whether the PIN is right.

    Raise NotFound, or LockedOut while locked (the PIN is then not even checked).
    """
    found = row(db, "SELECT * FROM coordinators WHERE id = ?", (coordinator_id,))
    if found is None:
        raise NotFound(f"No coordinator {coordinator_id}")
    if found["locked_until"] and parse(found["locked_until"]) > now:
        raise LockedOut(f"Locked until {found['locked_until']}")
    # The slow hash runs before any write transaction so it never holds the lock.
    correct = verify_pin(pin, found.pop("pin_hash"))
    return found, correct


def record_attempt(db: Database, coordinator_id: int, correct: bool, *,
                   now: datetime) -> tuple[str, int]:
    """Clear the failures after a right PIN, or count one and lock after too many.

    Return what happened ("login", "failed_login" or "lockout") and the failures counted.
    """
    with immediate(db):
        if correct:
            db.execute("UPDATE coordinators SET failed_attempts = 0, locked_until = NULL"
                       " WHERE id = ?", (coordinator_id,))
            return "login", 0
        failed = row(db, "SELECT failed_attempts FROM coordinators WHERE id = ?",
                     (coordinator_id,))["failed_attempts"] + 1
        locked_until = iso(now + LOCKOUT) if failed >= MAX_FAILED_ATTEMPTS else None
        db.execute("UPDATE coordinators SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                   (0 if locked_until else failed, locked_until, coordinator_id))
    return ("lockout" if locked_until else "failed_login"), failed
