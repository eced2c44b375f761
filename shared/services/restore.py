"""Putting a backup in the store's place, and erasing again whoever was erased since.

The backup (a `faelles backup` copy, or a file Litestream restored) goes in only
while no other process has the store open: the gateway, the worker, the kiosks
and Litestream all keep it open, and SQLite's exclusive lock, taken here and
held to the end, cannot be had while one does. The backup is first copied into
a private folder beside the store and made ready there (migrated, erasures made
again, vacuumed); only then are its pages written into the store with SQLite's
backup API. A refusal, or a "no" at the question, leaves the store as it was.

Who was erased after the backup was made is known from three ledgers, merged:
the file beside the backups (the newest), the store being replaced (when it
can be read) and the backup's own. The replaced store's own keys, the
fingerprints of the keys it has seen and its suppression list are kept too:
the backup may be older than the store's key, and than someone's STOP.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from shared.audit import record_audit
from shared.clock import iso
from shared.db import Database, OperationalError, create_private, immediate, open_db, sqlite3
from shared.erasures import (
    LEDGER_NAME, Erasure, keep_erasures, latest, ledger_file, read_file, recorded_erasures,
    write_file,
)
from shared.errors import FaellesError
from shared.migrations import migrate
from shared.services.erasure import erase_again, leave_no_trace
from shared.suppression import (
    KEY_VARIABLE, PREVIOUS_VARIABLE, SEEN_KEY, configured_keys, fingerprint, keep_own_keys,
    own_keys,
)

ACTOR = "cli"
SQLITE_HEADER = b"SQLite format 3\x00"
LEDGER_MIGRATION = "m014_erasure_ledger"
STOP_FIRST = "sudo systemctl stop faelles.target litestream faelles-backup.timer"
# Long enough for a one-off command that is reading (an export) to finish.
HOLD_WAIT_SECONDS = 2.0


class RestoreRefused(FaellesError):
    """The backup cannot go into the store, or not now; the store was not changed."""


@dataclass
class Restored:
    """What a restore did."""

    migrations: list[str]
    erased_again: dict[str, int]
    ledger_size: int
    ledger_file: Path | None  # where the merged ledger was written; None if it could not be
    warnings: list[str]  # those that came up while it ran


class Restore:
    """One backup going into one store: checked and holding the store, then run once.

    Use it as a context manager: entering checks everything and holds the store,
    run() changes it, leaving lets go and removes what a restore that did not
    run had made.
    """

    def __init__(self, backup: str | os.PathLike, store: str | os.PathLike):
        self.backup = Path(backup).resolve()
        self.store = Path(store).resolve()
        self.warnings: list[str] = []
        self.newest: str | None = None  # the backup's newest record, to tell backups apart
        self._made: list[Path] = []
        self._lock = self._held = self._copy = self._workdir = None
        self._damaged: Exception | None = None
        self._live_erasures: list[Erasure] = []
        self._live_keys: list[bytes] = []
        self._live_secrets: list[tuple] = []
        self._live_suppressions: list[tuple] = []
        self._ledger: dict[str, Erasure] = {}
        self._ran = False

    def __enter__(self) -> Restore:
        try:
            self._check_backup()
            self._hold_store()
            live_read = self._read_store()
            file_erasures = self._read_ledger_files(live_read)
            self._prepare_copy()
            self._ledger = latest(self._backup_erasures(), self._live_erasures, file_erasures)
            self._check_keys()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- before anything changes ------------------------------------------------------

    def _check_backup(self) -> None:
        if not self.backup.is_file():
            raise RestoreRefused(f"No backup at {self.backup}")
        with self.backup.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise RestoreRefused(f"{self.backup} is not an SQLite database")
        if self.store.exists() and os.path.samefile(self.backup, self.store):
            raise RestoreRefused(f"{self.backup} is the store itself")

    def _hold_store(self) -> None:
        """Take the writers' lock file and SQLite's exclusive lock, or refuse."""
        lock_path = self.store.with_name(self.store.name + "-writer.lock")
        self._made += [p for p in (self.store.parent, self.store, lock_path) if not p.exists()]
        self._lock = open(create_private(lock_path), "a+b")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RestoreRefused(
                f"Another process holds the writer lock of the store {self.store}: stop the "
                f"services first ({STOP_FIRST})") from None
        create_private(self.store)
        held = sqlite3.connect(str(self.store), timeout=HOLD_WAIT_SECONDS, isolation_level=None)
        # In exclusive locking mode SQLite keeps the lock after the transaction
        # ends, until this connection closes. In WAL mode (the store's, see
        # open_db) every other connection holds a shared lock for as long as it
        # is open, idle or not, so this fails while one is.
        held.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            held.execute("BEGIN EXCLUSIVE")
            held.execute("SELECT count(*) FROM sqlite_master").fetchone()
            held.execute("COMMIT")
        except OperationalError as exc:
            held.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise RestoreRefused(
                    f"The store {self.store} is open in another process (the gateway, the "
                    f"worker, a kiosk or Litestream keep it open): stop them first "
                    f"({STOP_FIRST})") from None
            raise RestoreRefused(f"The store {self.store} cannot be opened: {exc}") from None
        except sqlite3.DatabaseError as exc:  # not a database, or corrupt: replaced whole
            held.close()
            self._damaged = exc
        else:
            self._held = Database(held)
        if self._damaged is not None:
            self.warnings.append(
                f"The store {self.store} cannot be read by SQLite ({self._damaged}). It will "
                f"be moved aside, beside it, and the backup put in its place; delete the "
                f"damaged copy once all is well: it may hold people erased since.")

    def _read_store(self) -> bool:
        """Read the ledger, keys and suppression list of the store being replaced."""
        if self._held is None or self.store in self._made or not self.store.stat().st_size:
            return False
        db = self._held
        try:
            tables = set(db.table_names())
            if "erasures" in tables:
                self._live_erasures = recorded_erasures(db)
            if "store_secrets" in tables:
                self._live_keys = own_keys(db)
                self._live_secrets = db.execute(
                    "SELECT name, value, created_at FROM store_secrets WHERE name LIKE ?",
                    (SEEN_KEY + "%",)).fetchall()
            if "suppressions" in tables:
                self._live_suppressions = db.execute(
                    "SELECT hash, created_at FROM suppressions").fetchall()
        except sqlite3.DatabaseError as exc:
            self.warnings.append(
                f"The erasure ledger and keys of the store being replaced could not be read "
                f"({exc}): only the ledger file's and the backup's own are used.")
            return False
        return True

    def _read_ledger_files(self, live_read: bool) -> list[Erasure]:
        """Read the ledger beside the store's backups, and one beside the backup itself."""
        kept = ledger_file(self.store)
        beside = self.backup.parent / LEDGER_NAME
        candidates = [kept] if beside == kept else [kept, beside]
        present = [path for path in candidates if path.is_file()]
        erasures: list[Erasure] = []
        for path in present:
            read, unreadable = read_file(path)
            erasures += read
            if unreadable:
                self.warnings.append(f"Some lines of the erasure ledger {path} could not be "
                                     f"read ({unreadable}); its other {len(read)} erasures "
                                     f"are used.")
        if not present:
            also = " and in the store it replaces" if live_read else ""
            self.warnings.append(
                f"No erasure ledger: {' nor '.join(map(str, candidates))} is there. Only the "
                f"erasures recorded in the backup itself{also} will be made again: anyone "
                f"erased since the backup was made, and recorded nowhere else, comes back. If "
                f"the backups folder was copied elsewhere, put its {LEDGER_NAME} at {kept} "
                f"and run the restore again.")
        return erasures

    def _prepare_copy(self) -> None:
        """Copy the backup beside the store (in a private folder) and look at it."""
        self._workdir = Path(tempfile.mkdtemp(prefix=".restore-", dir=self.store.parent))
        copy = self._workdir / "restored.db"
        shutil.copyfile(self.backup, create_private(copy))
        wal = self.backup.with_name(self.backup.name + "-wal")
        if wal.is_file():  # a copy taken with its WAL: what was committed there counts
            shutil.copyfile(wal, create_private(copy.with_name(copy.name + "-wal")))
        try:
            self._copy = open_db(copy, migrate=False)
            verdict = self._copy.execute("PRAGMA quick_check").fetchone()[0]
            tables = set(self._copy.table_names())
        except sqlite3.DatabaseError as exc:
            raise RestoreRefused(f"{self.backup} cannot be read as a database: {exc}") from None
        if verdict != "ok":
            raise RestoreRefused(f"{self.backup} is damaged (SQLite's quick_check says: "
                                 f"{verdict}); try an older backup")
        if not {"contacts", "_sqlite_migrations"} <= tables:
            raise RestoreRefused(f"{self.backup} is not a copy of a Fælles store")
        applied = {name for (name,) in self._copy.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'faelles'")}
        if LEDGER_MIGRATION not in applied:
            self.warnings.append(
                "The backup was made by a version of Fælles that kept no erasure ledger. "
                "Erasures made before the ledger existed are recorded nowhere by number: "
                "whoever was erased between this backup and that upgrade comes back. The "
                "audit log of the store being replaced lists those erasures by contact id "
                "(erase_contact).")
        times = [("contacts", "last_seen"), ("messages", "created_at"), ("audit", "at")]
        self.newest = max(filter(None, (self._copy.execute(f"SELECT max({column}) FROM {table}")
                                        .fetchone()[0] for table, column in times
                                        if table in tables)), default=None)

    def _backup_erasures(self) -> list[Erasure]:
        return recorded_erasures(self._copy) if "erasures" in self._copy.table_names() else []

    def _check_keys(self) -> None:
        """Refuse when some erasures were hashed with a key that nobody here has."""
        current, previous = configured_keys()
        backup_keys = own_keys(self._copy) if "store_secrets" in self._copy.table_names() else []
        known = {fingerprint(key) for key in [*filter(None, [current]), *previous,
                                               *backup_keys, *self._live_keys]}
        unknown = [e for e in self._ledger.values() if e.key_fingerprint not in known]
        if unknown:
            missing = sorted({e.key_fingerprint for e in unknown})
            raise RestoreRefused(
                f"{len(unknown)} erasures in the ledger were hashed with a key this restore "
                f"does not have (fingerprint {', '.join(missing)}), so it cannot tell whom "
                f"they erased. Set {KEY_VARIABLE} and {PREVIOUS_VARIABLE} as they were when "
                f"those people were erased, and run the restore again.")

    # -- the restore itself ----------------------------------------------------------

    def run(self, *, now: datetime) -> Restored:
        """Migrate the copy, erase again, vacuum, and put it in the store's place."""
        if self._ran or self._copy is None:
            raise RuntimeError("A restore runs once, inside its with block")
        db, known_warnings = self._copy, len(self.warnings)
        applied = migrate(db)
        with immediate(db):
            keep_own_keys(db, self._live_keys, at=iso(now))
            db.conn.executemany("INSERT INTO store_secrets (name, value, created_at)"
                                " VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                                self._live_secrets)
            # Whoever texted STOP since the backup stays opted out. Someone who
            # texted START since is opted out again: the safer of the two mistakes.
            db.conn.executemany("INSERT INTO suppressions (hash, created_at) VALUES (?, ?)"
                                " ON CONFLICT (hash) DO NOTHING", self._live_suppressions)
            ledger = latest(recorded_erasures(db), self._ledger.values())
            keep_erasures(db, ledger.values())
            erased = erase_again(db, ledger, now=now)
            record_audit(db, actor=ACTOR, action="restore", now=now)
        leave_no_trace(db)  # nothing else has this copy open: VACUUM and an empty WAL
        db.close()
        self._copy = None
        self._put_in_place(now)
        self._ran = True
        written: Path | None = ledger_file(self.store)
        try:
            write_file(written, ledger.values())
        except OSError as exc:
            self.warnings.append(f"The erasure ledger could not be written to {written} "
                                 f"({exc}); the next `faelles backup` writes it.")
            written = None
        return Restored(applied, erased, len(ledger), written, self.warnings[known_warnings:])

    def _put_in_place(self, now: datetime) -> None:
        copy = self._workdir / "restored.db"
        if self._damaged is not None:
            aside = self.store.with_name(f"{self.store.name}.damaged-{now:%Y%m%dT%H%M%S}")
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{self.store}{suffix}").exists():
                    os.replace(f"{self.store}{suffix}", f"{aside}{suffix}")
            os.replace(copy, self.store)
            self.warnings.append(f"The damaged store was moved to {aside}.")
            return
        # The store runs in WAL (open_db); a new file would otherwise be left with
        # an emptied rollback journal beside it, kept by the exclusive lock.
        self._held.execute("PRAGMA journal_mode = WAL")
        source = sqlite3.connect(str(copy))
        try:
            source.backup(self._held.conn)
        finally:
            source.close()
        # Every page is now the vacuumed copy's, and the file is cut to its size
        # when this checkpoint empties the WAL, which held the new pages.
        self._held.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Let go of the store; remove what a restore that did not run made."""
        for db in (self._copy, self._held):
            if db is not None:
                db.close()
        self._copy = self._held = None
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        if not self._ran:
            for path in reversed(self._made):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink(missing_ok=True)
            self._made = []
