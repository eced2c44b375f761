"""People, exports, the audit log and logging in: each call audited with who did it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Callable

from shared.audit import audit_log, coordinator_actor
from shared.clock import iso, parse
from shared.communities import STATUSES as COMMUNITY_STATUSES, list_communities
from shared.contacts import contact_data, find_contact, get_contact
from shared.coordinators import (
    MAX_FAILED_ATTEMPTS, claim_attempt, hash_pin, list_coordinators, needs_rehash, settle_attempt,
    verify_pin,
)
from shared.db import Database, immediate
from shared.errors import LockedOut, WrongPin
from shared.export_files import access_file_name
from shared.exports import csv_text, export_table, write_private, xlsx_bytes
from shared.services.erasure import erase_number, leave_no_trace
from shared.services.notices import audit_by


def look_up_person(db: Database, phone: str, *, coordinator_id: int,
                   now: datetime) -> dict | None:
    """Return everything stored about the number (an access request), audited; or None."""
    with immediate(db):
        contact = find_contact(db, phone)
        if contact is None:
            return None
        audit_by(db, coordinator_id, "access_view", now, "contact", contact["id"])
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
        path = write_private(folder, access_file_name(contact_id, stamp(now)), ".json",
                             json.dumps(data, ensure_ascii=False, indent=2))
        audit_by(db, coordinator_id, "access_export", now, "contact", contact_id)
    return path


def erase_person(db: Database, contact_id: int, *, coordinator_id: int,
                 now: datetime) -> dict[str, int]:
    """Erase a contact and everything linked to them, audited with who confirmed it."""
    with immediate(db):
        phone = get_contact(db, contact_id)["phone"]
        removed = erase_number(db, phone, actor=coordinator_actor(coordinator_id), now=now,
                               coordinator_id=coordinator_id)
        audit_by(db, coordinator_id, "erase_confirmed", now, "contact", contact_id)
    leave_no_trace(db)  # after the commit: VACUUM and an emptied WAL
    return removed


# -- exports, audit, login -----------------------------------------------------------

def coordinator_names(db: Database) -> dict[int, str]:
    return {c["id"]: c["name"] for c in list_coordinators(db)}


def stamp(now: datetime) -> str:
    """Return a file-name-safe UTC timestamp, e.g. 20261127T093000Z."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def export_csv_files(db: Database, kinds: tuple[str, ...], folder: Path, *,
                     coordinator_id: int, now: datetime) -> list[Path]:
    """Write each kind to its own CSV file for Danish Excel (a header even when empty), audited."""
    # The byte order mark lets Excel read æ, ø and å as UTF-8, and ";" is Danish Excel's
    # list separator, so the file opens in columns. (A first line "sep=;" would split
    # it too, but Excel then ignores the byte order mark, and other programs read
    # that line as data.) Cells a spreadsheet would run are neutralised.
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
            audit_by(db, coordinator_id, "export", now, kind)
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
    """Return the coordinator if the PIN is right; count, lock and audit wrong ones.

    The coordinator comes back with failed_since_login and lockouts_since_login:
    what was tried on their name since they last logged in, to be shown to them.
    """
    attempt = claim_attempt(db, coordinator_id, now=now)
    stored = attempt.pop("pin_hash")
    if verify_pin(pin, stored):
        # A hash made at older parameters is made again now, while the PIN is at hand.
        fresh = hash_pin(pin) if needs_rehash(stored) else None
        with immediate(db):
            tried = settle_attempt(db, coordinator_id, pin_hash=fresh)
            audit_by(db, coordinator_id, "login", now)
        return {**attempt, **tried, "failed_attempts": 0, "locked_until": None}
    locked = attempt["locked_until"] is not None
    with immediate(db):
        audit_by(db, coordinator_id, "lockout" if locked else "failed_login", now)
    if locked:
        raise LockedOut(parse(attempt["locked_until"]))
    raise WrongPin(attempt["failed_attempts"], MAX_FAILED_ATTEMPTS)


def log_out(db: Database, coordinator_id: int, *, now: datetime) -> None:
    with immediate(db):
        audit_by(db, coordinator_id, "logout", now)
