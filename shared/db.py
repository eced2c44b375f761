"""Open the SQLite store and run read-then-write work in immediate transactions."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

try:  # A current SQLite: Debian's 3.40 predates the WAL-reset corruption fix (3.44).
    import pysqlite3.dbapi2 as sqlite3
except ImportError:  # pragma: no cover - platforms without the binary wheel
    import sqlite3

log = logging.getLogger(__name__)

from shared.settings import DEFAULT_DB_PATH  # noqa: E402  (kept importable from here)
BUSY_TIMEOUT_MS = 10_000



class Database(sqlite_utils.Database):
    """A sqlite-utils database with the lock file that queues this store's writers."""

    writer_lock = None

    def close(self) -> None:
        super().close()
        if self.writer_lock is not None:
            self.writer_lock.close()
            self.writer_lock = None

IntegrityError = sqlite3.IntegrityError
OperationalError = sqlite3.OperationalError


def db_path_from_env() -> str:
    """Return the database path configured by FAELLES_DB."""
    return os.environ.get("FAELLES_DB") or DEFAULT_DB_PATH


def open_db(path: str | os.PathLike, *, migrate: bool = True) -> Database:
    """Open the store with WAL, a busy timeout and foreign keys, migrating it when asked."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: no implicit deferred BEGIN before writes. Every
    # transaction is explicit, so a read-then-write can start with BEGIN IMMEDIATE
    # and wait for the busy timeout instead of failing with "database is locked".
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")  # deleted rows are zeroed, not left in free space
    db = Database(conn)
    db.writer_lock = open(path.with_name(path.name + "-writer.lock"), "a+b")
    if migrate:
        from shared.migrations import migrate as apply_migrations

        apply_migrations(db)
    return db


def _enable_wal(conn) -> None:
    """Switch to WAL, waiting for other writers as the busy timeout would."""
    # Changing the journal mode skips the busy handler (waiting could deadlock),
    # so on a new file being written by another process it fails at once.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def sqlite_version(db: Database) -> str:
    """Return the version of the SQLite library the store runs on."""
    return db.execute("select sqlite_version()").fetchone()[0]


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """Run the block in a BEGIN IMMEDIATE transaction (a savepoint when nested)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    # Writers queue on a lock file first: SQLite's busy handler polls with
    # sleeps of 1 to 100 ms, while flock wakes the next writer the moment the
    # lock is free. BEGIN IMMEDIATE and the busy timeout still guard writers
    # that do not take the file lock (another tool on the same file).
    if db.writer_lock is not None:
        fcntl.flock(db.writer_lock, fcntl.LOCK_EX)
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")
    finally:
        if db.writer_lock is not None:
            fcntl.flock(db.writer_lock, fcntl.LOCK_UN)


def rows(db: Database, sql: str, params: tuple | dict | list = ()) -> list[dict]:
    """Return every row of a query as dicts."""
    # Straight to the connection: sqlite-utils 4 wraps each query() in a
    # SAVEPOINT, two extra statements that showed up in bench/webhook.py.
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def row(db: Database, sql: str, params: tuple | dict | list = ()) -> dict | None:
    """Return the first row of a query as a dict, or None."""
    cursor = db.conn.execute(sql, params)
    values = cursor.fetchone()
    if values is None:
        return None
    return dict(zip((column[0] for column in cursor.description), values))


def checkpoint_truncate(db: Database, *, tries: int = 5, wait_ms: int = 100) -> bool:
    """Copy the WAL into the database file and empty it; return False if readers kept it."""
    # TRUNCATE waits for readers through the busy handler, for the whole busy
    # timeout: shortened here, so an erase answered by SMS is not held for seconds.
    previous = db.conn.execute("PRAGMA busy_timeout").fetchone()[0]
    db.conn.execute(f"PRAGMA busy_timeout = {wait_ms}")
    try:
        for _ in range(tries):
            busy, _, _ = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
        return False
    finally:
        db.conn.execute(f"PRAGMA busy_timeout = {previous}")

def backup_to(db: Database, target: str | os.PathLike) -> None:
    """Copy the store to target with SQLite's online backup (safe while others write)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(str(target))
    try:
        db.conn.backup(destination)
    finally:
        destination.close()
