"""The erasure ledger: a keyed hash of every erased number and when, kept after every erase.

A backup or a replica made before an erase still holds the person, and putting
it back must erase them again. The ledger holds what the suppression list holds
(HMAC-SHA256 of the E.164 number, with the same keys: shared/suppression.py),
the time of the erasure and the fingerprint of the key that made the hash;
never a number.

A restored store's own table is as old as the backup, so every entry is also
written to a file outside the store: erasures.jsonl in the backups folder beside
the store (`backups/` next to `faelles.db`, where the nightly copies go). An
erase appends its line; `faelles backup` rewrites the file from the table and
the file together; `faelles restore` reads it. One JSON object a line, so the
file can be read, copied and merged with a text editor if it ever must.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from shared.clock import iso
from shared.db import Database, create_private, immediate, rows
from shared.suppression import fingerprint, number_hash, suppression_keys

log = logging.getLogger(__name__)

BACKUPS_FOLDER = "backups"
LEDGER_NAME = "erasures.jsonl"


@dataclass(frozen=True)
class Erasure:
    """One erased number, as the ledger keeps it."""

    hash: str
    erased_at: str
    key_fingerprint: str


def ledger_file(db_path: str | os.PathLike) -> Path:
    """Return where the ledger's file is kept for the store at db_path."""
    return Path(db_path).resolve().parent / BACKUPS_FOLDER / LEDGER_NAME


def store_ledger_file(db: Database) -> Path | None:
    """Return the ledger's file for the store db has open, or None for an in-memory one."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return ledger_file(file) if file else None
    return None


def record_erasure(db: Database, phone: str, *, now: datetime) -> Erasure:
    """Put the number's erasure in the store's ledger (in the caller's transaction)."""
    key = suppression_keys(db)[0]
    erasure = Erasure(number_hash(key, phone), iso(now), fingerprint(key))
    keep_erasures(db, [erasure])
    return erasure


def keep_erasures(db: Database, erasures: Iterable[Erasure]) -> None:
    """Add erasures to the store's ledger; a number erased twice keeps the later time."""
    # The later time matters: someone erased, who then texted again and was
    # erased again, must go again from a backup made in between.
    db.conn.executemany(
        "INSERT INTO erasures (hash, erased_at, key_fingerprint) VALUES (?, ?, ?)"
        " ON CONFLICT (hash) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)",
        [(e.hash, e.erased_at, e.key_fingerprint) for e in erasures])


def recorded_erasures(db: Database) -> list[Erasure]:
    """Return the store's ledger, oldest first."""
    return [Erasure(**r) for r in rows(
        db, "SELECT hash, erased_at, key_fingerprint FROM erasures ORDER BY erased_at, hash")]


def latest(*ledgers: Iterable[Erasure]) -> dict[str, Erasure]:
    """Merge ledgers by hash, keeping each number's latest erasure."""
    merged: dict[str, Erasure] = {}
    for ledger in ledgers:
        for erasure in ledger:
            known = merged.get(erasure.hash)
            if known is None or erasure.erased_at > known.erased_at:
                merged[erasure.hash] = erasure
    return merged


def erasure_of(phone: str, keys: list[bytes], ledger: dict[str, Erasure]) -> Erasure | None:
    """Return the number's latest erasure in the ledger, under any of the keys, or None."""
    found = [ledger[h] for h in {number_hash(key, phone) for key in keys} if h in ledger]
    return max(found, key=lambda e: e.erased_at, default=None)


def append_to_file(path: Path, erasure: Erasure) -> None:
    """Append one erasure to the ledger's file, on disk before this returns."""
    create_private(path)
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    try:
        line = json.dumps(asdict(erasure)) + "\n"
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = "\n" + line  # a line cut short by a crash stays on a line of its own
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_file(path: Path) -> tuple[list[Erasure], int]:
    """Return the erasures in the ledger's file and how many lines could not be read."""
    erasures, unreadable = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            erasures.append(Erasure(str(fields["hash"]), str(fields["erased_at"]),
                                    str(fields["key_fingerprint"])))
        except (ValueError, TypeError, KeyError):
            unreadable += 1
    return erasures, unreadable


def write_file(path: Path, erasures: Iterable[Erasure]) -> None:
    """Replace the ledger's file with these erasures, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    ordered = sorted(erasures, key=lambda e: (e.erased_at, e.hash))
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(asdict(e)) + "\n" for e in ordered)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def save_ledger_file(db: Database) -> tuple[Path, int]:
    """Write the store's ledger and what the file already held to the file; return it and its size.

    Under the store's write lock, so that no erase appends to the file while it
    is being replaced.
    """
    path = store_ledger_file(db)
    if path is None:
        raise ValueError("An in-memory store keeps no ledger file")
    with immediate(db):
        held = read_file(path)[0] if path.exists() else []
        merged = latest(held, recorded_erasures(db))
        write_file(path, merged.values())
    return path, len(merged)
