"""Erasing a person, whoever asks: the citizen by SMS, a coordinator, or the operator."""

from __future__ import annotations

import logging
from datetime import datetime

from shared.audit import record_audit
from shared.contacts import erase_contact
from shared.db import Database, OperationalError, checkpoint_truncate, immediate, row
from shared.erasures import Erasure, append_to_file, erasure_of, record_erasure, store_ledger_file
from shared.export_files import forget_in_exports, store_exports
from shared.phones import normalise_phone
from shared.suppression import suppression_keys

log = logging.getLogger(__name__)

RESTORE_ACTOR = "restore"


def erase_number(db: Database, phone: str, *, actor: str, now: datetime,
                 coordinator_id: int | None = None) -> dict[str, int]:
    """Erase the contact with this number and all linked to them; audit who did it.

    The audit row names the contact's id, never the number; the erasure ledger
    keeps a keyed hash of it, in the store and in the file beside the backups.
    A suppressed number stays suppressed. Called inside a caller's transaction,
    the caller must call leave_no_trace() once it has committed.
    """
    with immediate(db):
        contact_id, removed = erase_records(db, phone, actor=actor, now=now,
                                            coordinator_id=coordinator_id)
        erasure = record_erasure(db, phone, now=now)
        # Files are not rolled back with the store: at worst an export lost a row,
        # or a restore erases again, someone whose erasure then failed and who
        # asked for it anyway. The other way round, a crash between the commit
        # and the file would let a restore bring back someone who asked to go.
        _append_to_ledger_file(db, erasure)
        removed["export files"] = len(forget_in_exports(
            store_exports(db), phone=normalise_phone(phone), contact_id=contact_id))
    if not db.conn.in_transaction:
        leave_no_trace(db)
    return removed


def erase_records(db: Database, phone: str, *, actor: str, now: datetime,
                  coordinator_id: int | None = None) -> tuple[int, dict[str, int]]:
    """Delete the contact with this number and all linked to them, audited; ledger untouched."""
    with immediate(db):
        contact_id, removed = erase_contact(db, phone, now=now)
        record_audit(db, actor=actor, action="erase_contact", now=now, record_kind="contact",
                     record_id=contact_id, coordinator_id=coordinator_id)
    return contact_id, removed


def _append_to_ledger_file(db: Database, erasure: Erasure) -> None:
    path = store_ledger_file(db)
    if path is None:
        return
    try:
        append_to_file(path, erasure)
    except OSError as exc:
        # The erase itself must not fail for it: the store's ledger has the row,
        # and the next `faelles backup` writes the file again from it.
        log.error("erase: could not add the erasure to %s (%s); the next `faelles backup`"
                  " writes it there. Until then a restore finds it only in the store", path, exc)


def erase_again(db: Database, ledger: dict[str, Erasure], *, now: datetime) -> dict[str, int]:
    """Erase again every number in the ledger whose records here are older than its erasure.

    For a restored backup: the ledger's hashes are matched under every key the
    store knows. A contact first seen after their number's erasure texted again
    of their own accord, and stays. Numbers with no contact (messages logged, or
    a kiosk code sent, before one was made) lose what predates the erasure.
    Runs in the caller's transaction; returns what it did.
    """
    keys = suppression_keys(db)
    done = {"contacts": 0, "numbers without a contact": 0, "came back since": 0}
    phones = {p for (p,) in db.execute("SELECT phone FROM contacts UNION SELECT phone FROM"
                                       " messages UNION SELECT phone FROM verifications")}
    for phone in sorted(phones):
        erasure = erasure_of(phone, keys, ledger)
        if erasure is None:
            continue
        contact = row(db, "SELECT first_seen FROM contacts WHERE phone = ?", (phone,))
        if contact is None:
            before = (phone, erasure.erased_at)
            removed = db.execute("DELETE FROM messages WHERE phone = ? AND created_at <= ?"
                                 " AND contact_id IS NULL", before).rowcount
            removed += db.execute("DELETE FROM verifications WHERE phone = ?"
                                  " AND created_at <= ?", before).rowcount
            done["numbers without a contact"] += bool(removed)
        elif contact["first_seen"] > erasure.erased_at:
            done["came back since"] += 1
        else:
            # Exports beside the store were rewritten by the erasure itself, and a
            # restore does not bring files back: only the store's rows go here.
            erase_records(db, phone, actor=RESTORE_ACTOR, now=now)
            done["contacts"] += 1
    return done


def leave_no_trace(db: Database) -> bool:
    """Rid the store's files of erased rows' old bytes; return False if some may remain.

    After an erase the WAL held 131 copies of the number and, once merged, free
    pages held 16 more. secure_delete (set by open_db) zeroes
    deleted cells, but a b-tree balance leaves stale copies of moved cells in a
    page's unused gap, which only VACUUM rewrites (measured: one copy left of a
    contact with offers, feedback and 180 messages; 0.17 s for a 29 MB store).
    The WAL keeps old page images until it is checkpointed and truncated.
    """
    if db.conn.in_transaction:
        raise RuntimeError("leave_no_trace runs after the erase has committed")
    clean = True
    try:
        db.execute("VACUUM")
    except OperationalError as exc:  # another writer held the store past the busy timeout
        log.warning("erase: could not VACUUM (%s); old copies may stay in free space"
                    " until the next erase", exc)
        clean = False
    if not checkpoint_truncate(db):
        # A reader (an export, a backup) still looks at an older snapshot: the
        # WAL stays until the next checkpoint after it ends (the last connection
        # to close, or the next erase).
        log.warning("erase: readers kept the WAL from being emptied; it still holds"
                    " the erased rows until the next checkpoint")
        clean = False
    return clean
