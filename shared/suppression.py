"""The suppression list: a keyed hash of every number that opted out, kept after erasure.

An opted-out flag on the contact row alone would die with an erased contact,
and the next kiosk code, decision notice, welcome and broadcast would go to a
number that had texted STOP. This list holds no number,
only HMAC-SHA256(key, E.164), so it can outlive the erasure it must survive.
Only START (or an alias) texted from the number takes it off again.

The key comes from FAELLES_SUPPRESSION_KEY when set (recommended: then a copy of
the database file alone cannot tell which numbers opted out, since Danish numbers
are few enough to try them all against a known key); otherwise from a random key
generated once into the store by migration m007. Both are tried when checking,
so setting the variable later forgets nobody. The key is never logged.

The variable must be 64 hex digits (32 random bytes): a placeholder copied from
the example file is refused, not used. Changing it must forget nobody either,
since the hashes cannot be made again without the numbers: the earlier keys go
in FAELLES_SUPPRESSION_KEY_PREVIOUS and are tried too, and the store remembers
a fingerprint of every key it has seen, so that the gateway and the worker
refuse to start when a key that hashed some of the list is missing.

The erasure ledger (shared/erasures.py) hashes with the same keys. A restore
puts an older copy of the store in place, which may hold another key of its
own (one made before the store had a key): the replaced store's own keys are
then kept beside it as earlier own keys, and tried too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from datetime import datetime

from shared.clock import iso
from shared.db import Database, immediate, row, rows
from shared.errors import FaellesError, InvalidPhoneNumber
from shared.phones import normalise_phone

KEY_VARIABLE = "FAELLES_SUPPRESSION_KEY"
PREVIOUS_VARIABLE = "FAELLES_SUPPRESSION_KEY_PREVIOUS"
STORED_KEY = "suppression_key"
EARLIER_STORED_KEY = "suppression_key_earlier:"  # + a fingerprint: a replaced store's own key
SEEN_KEY = "suppression_key_seen:"  # + a fingerprint, one row per key ever used
KEY_FORMAT = re.compile(r"[0-9a-fA-F]{64}")
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class SuppressionKeyProblem(FaellesError):
    """The configured key is not a key, or a key that hashed part of the list is missing."""


def configured_keys(environ=None) -> tuple[bytes | None, list[bytes]]:
    """Return the environment's key (new entries use it) and the earlier ones, checked."""
    env = os.environ if environ is None else environ
    current = env.get(KEY_VARIABLE, "").strip()
    if current and not KEY_FORMAT.fullmatch(current):
        raise SuppressionKeyProblem(
            f"{KEY_VARIABLE} must be 64 hex digits, not a placeholder or a phrase; make one "
            f"with {MAKE_A_KEY}. (A key used before goes in {PREVIOUS_VARIABLE}.)")
    # Earlier keys are taken as they were given: they hashed what is on the list.
    previous = [k.strip().encode() for k in env.get(PREVIOUS_VARIABLE, "").split(",")
                if k.strip()]
    return (current.encode() if current else None), previous


def fingerprint(key: bytes) -> str:
    """Return a short name for a key that tells nothing about the key itself."""
    return hashlib.sha256(b"faelles suppression key " + key).hexdigest()[:16]


def create_stored_key(db: Database, *, at: str) -> None:
    """Generate the store's own key once (the migration calls this)."""
    db.execute("INSERT INTO store_secrets (name, value, created_at) VALUES (?, ?, ?)"
               " ON CONFLICT (name) DO NOTHING", (STORED_KEY, secrets.token_bytes(32), at))


def suppression_keys(db: Database) -> list[bytes]:
    """Return the keys to hash with: the environment's first (it is used for new entries)."""
    current, previous = configured_keys()
    keys = ([current] if current else []) + previous + own_keys(db)
    if not keys:
        raise RuntimeError("No suppression key: the store is not migrated")
    return keys


def own_keys(db: Database) -> list[bytes]:
    """Return the keys kept in the store: its own first, then earlier ones a restore kept."""
    return [bytes(r["value"]) for r in rows(
        db, "SELECT value FROM store_secrets WHERE name = ? OR name LIKE ?"
            " ORDER BY name = ? DESC, created_at, name",
        (STORED_KEY, EARLIER_STORED_KEY + "%", STORED_KEY))]


def keep_own_keys(db: Database, keys: Iterable[bytes], *, at: str) -> int:
    """Keep another store's own keys as earlier own keys of this one; return how many were new."""
    known = {fingerprint(key) for key in own_keys(db)}
    added = 0
    for key in keys:
        if fingerprint(key) not in known:
            known.add(fingerprint(key))
            added += db.execute(
                "INSERT INTO store_secrets (name, value, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (EARLIER_STORED_KEY + fingerprint(key), key, at)).rowcount
    return added


def check_keys(db: Database, *, now: datetime) -> None:
    """Refuse a key that is no key, or a change of key that would forget who opted out.

    Remember the environment's key (by fingerprint) once it is known to be safe.
    """
    current, previous = configured_keys()
    if current is None:
        return
    available = {fingerprint(key) for key in [current, *previous]}
    with immediate(db):
        seen = {r["name"][len(SEEN_KEY):] for r in rows(
            db, "SELECT name FROM store_secrets WHERE name LIKE ?", (SEEN_KEY + "%",))}
        missing = seen - available
        listed = row(db, "SELECT (SELECT count(*) FROM suppressions)"
                         " + (SELECT count(*) FROM erasures) AS n")["n"]
        if missing and listed:
            raise SuppressionKeyProblem(
                f"{KEY_VARIABLE} has changed, and the {listed} keyed hashes of numbers that "
                f"texted STOP or were erased were partly made with an earlier key (fingerprint "
                f"{', '.join(sorted(missing))}). Put the earlier key in {PREVIOUS_VARIABLE}, "
                f"or everyone it hashed would be texted again, and come back with a restored "
                f"backup.")
        db.execute("INSERT INTO store_secrets (name, value, created_at) VALUES (?, ?, ?)"
                   " ON CONFLICT (name) DO NOTHING",
                   (SEEN_KEY + fingerprint(current), b"", iso(now)))


def number_hash(key: bytes, phone: str) -> str:
    """Return the keyed hash that stands for the number on the list."""
    return hmac.new(key, _canonical(phone).encode(), hashlib.sha256).hexdigest()


def _canonical(phone: str) -> str:
    try:
        return normalise_phone(phone)
    except InvalidPhoneNumber:  # kept as given: it must still match itself
        return (phone or "").strip()


def suppress(db: Database, phone: str, *, now: datetime) -> bool:
    """Put the number on the list; return whether it was not on it before."""
    keys = suppression_keys(db)
    if suppressed_since(db, phone, keys=keys) is not None:
        return False
    db.execute("INSERT INTO suppressions (hash, created_at) VALUES (?, ?)"
               " ON CONFLICT (hash) DO NOTHING", (number_hash(keys[0], phone), iso(now)))
    return True


def unsuppress(db: Database, phone: str) -> bool:
    """Take the number off the list (START from that number only); return whether it was on it."""
    removed = 0
    for key in suppression_keys(db):
        removed += db.execute("DELETE FROM suppressions WHERE hash = ?",
                              (number_hash(key, phone),)).rowcount
    return removed > 0


def suppressed_since(db: Database, phone: str, *, keys: list[bytes] | None = None) -> str | None:
    """Return when the number went on the list, or None if it is not on it."""
    hashes = [number_hash(key, phone) for key in keys or suppression_keys(db)]
    found = row(db, f"SELECT min(created_at) AS at FROM suppressions"
                    f" WHERE hash IN ({', '.join('?' * len(hashes))})", hashes)
    return found["at"] if found else None


def is_suppressed(db: Database, phone: str) -> bool:
    """Tell whether the number has opted out and not texted START since."""
    return suppressed_since(db, phone) is not None


def suppressed_among(db: Database, phones: Iterable[str]) -> set[str]:
    """Return those of the numbers that are on the list."""
    keys = suppression_keys(db)
    by_hash = {number_hash(key, phone): phone for phone in set(phones) for key in keys}
    hashes = list(by_hash)
    found: set[str] = set()
    for start in range(0, len(hashes), 500):  # SQLite's limit on parameters is far above
        chunk = hashes[start:start + 500]
        found.update(h for (h,) in db.execute(
            f"SELECT hash FROM suppressions WHERE hash IN ({', '.join('?' * len(chunk))})",
            chunk))
    return {by_hash[h] for h in found}
