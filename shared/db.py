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

from shared.errors import FaellesError, StoreBusy  # noqa: E402
from shared.settings import DEFAULT_DB_PATH  # noqa: E402  (kept importable from here)
# A write waits at most this long for the lock file and then for SQLite's lock
# (one budget for both): Twilio gives up on a webhook after 15 s and does not
# retry a 4xx, so a store that stays busy must answer 503 in time .
WRITE_WAIT_SECONDS = 5.0
BUSY_TIMEOUT_MS = int(WRITE_WAIT_SECONDS * 1000)
LOCK_POLL_SECONDS = (0.0002, 0.002)  # first and longest sleep between tries of the lock file



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


class StoreMissing(FaellesError):
    """A service was started where it would make a new, empty store by accident."""


def existing_store(path: str | os.PathLike) -> Path:
    """Return the store's absolute path, or raise StoreMissing where a service would
    make a new, empty one without anybody asking for it.

    The default var/faelles.db is relative to the folder a command runs in: a
    kiosk started in another folder would make an empty store there, show
    "0 communities" and let nobody log in. So only `faelles init` makes a store
    outside a checkout of Fælles (where `make run` and the tests make their own);
    a FAELLES_DB given on purpose may be new.
    """
    absolute = Path(path).resolve()
    if absolute.exists() or str(path) != DEFAULT_DB_PATH or _in_checkout(Path.cwd()):
        return absolute
    raise StoreMissing(
        f"No store at {absolute}: the default {DEFAULT_DB_PATH} is looked for in the folder "
        f"you are in ({Path.cwd()}). Set FAELLES_DB to the store's path, or run "
        f"`faelles init` here to make a new one.")


def _in_checkout(folder: Path) -> bool:
    project = folder / "pyproject.toml"
    return project.is_file() and 'name = "faelles"' in project.read_text(errors="replace")


def open_db(path: str | os.PathLike, *, migrate: bool = True) -> Database:
    """Open the store with WAL, a busy timeout and foreign keys, migrating it when asked."""
    path = Path(path)
    create_private(path)
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
    db.writer_lock = open(create_private(path.with_name(path.name + "-writer.lock")), "a+b")
    if migrate:
        from shared.migrations import migrate as apply_migrations

        try:
            apply_migrations(db)
        except BaseException:
            db.close()
            raise
    return db


def create_private(path: Path) -> Path:
    """Create path (and its folder) readable by its owner only, unless it exists; return it."""
    # SQLite makes a new store 0644 and gives its -wal and -shm files the
    # store's own mode, and a copy or a log would be 0644 too: outside systemd's
    # UMask every other user could read the citizens' numbers.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return path


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
    """Run the block in a BEGIN IMMEDIATE transaction (a savepoint when nested).

    Raises StoreBusy when the write lock cannot be had within WRITE_WAIT_SECONDS.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    # Writers queue on a lock file first: SQLite's busy handler polls with
    # sleeps of 1 to 100 ms, while the lock file is tried every 0.2 to 2 ms.
    # BEGIN IMMEDIATE and the busy timeout still guard writers that do not
    # take the file lock (another tool on the same file).
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    if db.writer_lock is not None:
        _lock_writers(db.writer_lock, deadline)
    try:
        _begin_immediate(db, deadline)
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        else:
            try:
                db.execute("COMMIT")
            except BaseException:
                # A COMMIT that fails (a full disk) may leave the transaction open.
                if db.conn.in_transaction:
                    db.execute("ROLLBACK")
                raise
    finally:
        if db.writer_lock is not None:
            fcntl.flock(db.writer_lock, fcntl.LOCK_UN)


def _lock_writers(lock_file, deadline: float) -> None:
    """Take the lock file by the deadline, or raise StoreBusy."""
    # flock() itself cannot time out, and an alarm works only in the main thread
    # (the kiosk writes from worker threads): try without blocking, sleeping a
    # little longer each time, up to LOCK_POLL_SECONDS[1].
    pause, longest = LOCK_POLL_SECONDS
    while True:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusy(f"Another writer held the store for {WRITE_WAIT_SECONDS:g} s")
            time.sleep(min(pause, left))
            pause = min(pause * 2, longest)


def _begin_immediate(db: Database, deadline: float) -> None:
    """BEGIN IMMEDIATE within what is left of the deadline, or raise StoreBusy."""
    left_ms = int((deadline - time.monotonic()) * 1000)
    # Only after a long wait for the lock file is the busy timeout cut to what is
    # left: the common case costs no extra statement.
    shortened = left_ms < BUSY_TIMEOUT_MS - 100
    if shortened:
        db.conn.execute(f"PRAGMA busy_timeout = {max(left_ms, 1)}")
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        # The low byte is the primary code (SQLITE_BUSY_SNAPSHOT is a SQLITE_BUSY).
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in (sqlite3.SQLITE_BUSY,
                                                               sqlite3.SQLITE_LOCKED):
            raise
        raise StoreBusy(f"SQLite stayed locked for {WRITE_WAIT_SECONDS:g} s: {exc}") from exc
    finally:
        if shortened:
            db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


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
    target = create_private(Path(target))
    destination = sqlite3.connect(str(target))
    try:
        db.conn.backup(destination)
    finally:
        destination.close()
