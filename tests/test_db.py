"""Tests for shared.db: connection settings, immediate transactions, backup, and two writers."""

import subprocess
import sys
import threading

import pytest

from shared import db as store
from shared.db import (
    IntegrityError, OperationalError, backup_to, immediate, open_db, row, sqlite3, sqlite_version,
)
from shared.errors import StoreBusy


def test_open_db_sets_wal_foreign_keys_and_busy_timeout(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # Long enough to queue behind a writer, short enough to answer Twilio (15 s) in time.
    assert 1000 <= db.execute("PRAGMA busy_timeout").fetchone()[0] <= 5000
    assert store.WRITE_WAIT_SECONDS <= 5


def test_sqlite_is_new_enough_for_the_wal_reset_fix(db):
    version = tuple(int(part) for part in sqlite_version(db).split("."))
    assert version >= (3, 44)


def test_open_db_waits_for_a_writer_on_a_new_file(db_path):
    # What a second process meets when the first is still creating the store.
    writer = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, writer.execute, ("COMMIT",))
    release.start()
    try:
        opened = open_db(db_path)
        assert opened.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        opened.close()
    finally:
        release.join()
        writer.close()


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        db.execute("INSERT INTO memberships (contact_id, community_id, joined_at, channel)"
                   " VALUES (999, 999, '2026-01-01', 'sms')")


@pytest.fixture
def notes(db):
    db.execute("CREATE TABLE notes (text TEXT)")
    return db


def texts(db):
    return [r["text"] for r in db.query("SELECT text FROM notes ORDER BY rowid")]


def test_immediate_commits_on_success(notes, db_path):
    with immediate(notes):
        notes.execute("INSERT INTO notes VALUES ('kept')")
    assert not notes.conn.in_transaction
    other = open_db(db_path, migrate=False)
    try:
        assert texts(other) == ["kept"]
    finally:
        other.close()


def test_immediate_rolls_back_on_exception(notes):
    with pytest.raises(RuntimeError):
        with immediate(notes):
            notes.execute("INSERT INTO notes VALUES ('lost')")
            raise RuntimeError("boom")
    assert not notes.conn.in_transaction
    assert texts(notes) == []


def test_immediate_takes_the_write_lock_at_begin(notes, db_path):
    other = open_db(db_path, migrate=False)
    other.execute("PRAGMA busy_timeout = 0")
    try:
        with immediate(notes):
            with pytest.raises(OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_nested_immediate_is_a_savepoint(notes):
    with immediate(notes):
        notes.execute("INSERT INTO notes VALUES ('outer')")
        with pytest.raises(ValueError):
            with immediate(notes):
                notes.execute("INSERT INTO notes VALUES ('inner')")
                raise ValueError("undo only the inner block")
        with immediate(notes):
            notes.execute("INSERT INTO notes VALUES ('second inner')")
        assert notes.conn.in_transaction
    assert texts(notes) == ["outer", "second inner"]


def test_row_returns_a_dict_or_none(notes):
    notes.execute("INSERT INTO notes VALUES ('a')")
    assert row(notes, "SELECT text FROM notes") == {"text": "a"}
    assert row(notes, "SELECT text FROM notes WHERE text = ?", ("b",)) is None


def test_backup_to_writes_a_readable_copy(demo_db, tmp_path):
    target = tmp_path / "copies" / "backup.db"
    backup_to(demo_db, target)
    copy = open_db(target, migrate=False)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in ("communities", "contacts", "memberships", "offers", "feedback"):
            original = list(demo_db.query(f"SELECT * FROM {table} ORDER BY rowid"))
            assert original, table
            assert list(copy.query(f"SELECT * FROM {table} ORDER BY rowid")) == original
    finally:
        copy.close()


READ_THEN_WRITE = """
from shared.db import immediate, open_db
db = open_db(db_path, migrate=False)
errors = []
start_together()
for _ in range(200):
    try:
        with immediate(db):
            n = db.execute("SELECT coalesce(max(n), 0) FROM counter").fetchone()[0]
            db.execute("INSERT INTO counter (n, worker) VALUES (?, ?)", (n + 1, worker))
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.0005)  # let the other process in, so the two interleave
result = errors
"""


def test_two_processes_read_then_write_without_locking_errors(db, run_together):
    # No UNIQUE on n: only BEGIN IMMEDIATE keeps two writers from reading the same max.
    db.execute("CREATE TABLE counter (n INTEGER NOT NULL, worker INTEGER NOT NULL)")
    errors = run_together(READ_THEN_WRITE, processes=2)
    assert errors == [[], []]
    values = [r["n"] for r in db.query("SELECT n FROM counter")]
    assert sorted(values) == list(range(1, 401))
    writers = [r["worker"] for r in db.query("SELECT worker FROM counter ORDER BY n")]
    assert writers.count(0) == writers.count(1) == 200
    # The two really took turns, so the lock was contended rather than passed once.
    turns = sum(1 for a, b in zip(writers, writers[1:]) if a != b)
    assert turns >= 10, turns


# A write waits a bounded time (with a foreign writer holding
# the lock file, replies came after 43.8 s; Twilio gives up at 15 s).

HOLD = """
import fcntl, sys
{how}
print("held", flush=True)
sys.stdin.readline()
"""
HOLD_LOCK_FILE = HOLD.format(how="lock = open(sys.argv[1] + '-writer.lock', 'a+b');"
                                 " fcntl.flock(lock, fcntl.LOCK_EX)")
HOLD_SQLITE = HOLD.format(how="import sqlite3; conn = sqlite3.connect(sys.argv[1],"
                              " isolation_level=None); conn.execute('BEGIN IMMEDIATE')")


@pytest.fixture
def foreign_writer(db_path):
    """Return hold(script): a process that holds the store's lock until the test ends."""
    holders = []

    def hold(script: str) -> subprocess.Popen:
        holder = subprocess.Popen([sys.executable, "-c", script, str(db_path)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        holders.append(holder)
        assert holder.stdout.readline().strip() == "held"
        return holder

    yield hold
    for holder in holders:
        if holder.poll() is None:
            holder.communicate("\n", timeout=10)


def write_in_thread(db_path) -> tuple[threading.Thread, list]:
    outcome = []

    def write():
        other = open_db(db_path, migrate=False)
        try:
            with immediate(other):
                other.execute("INSERT INTO notes VALUES ('late')")
            outcome.append("written")
        except StoreBusy as exc:
            outcome.append(exc)
        finally:
            other.close()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("script", [HOLD_LOCK_FILE, HOLD_SQLITE], ids=["lock-file", "sqlite"])
def test_a_write_blocked_by_a_foreign_process_gives_up_with_store_busy(notes, db_path,
                                                                       foreign_writer, script,
                                                                       monkeypatch):
    monkeypatch.setattr(store, "WRITE_WAIT_SECONDS", 0.2)  # the bound, shortened for the test
    foreign_writer(script)

    thread, outcome = write_in_thread(db_path)
    thread.join(timeout=30)

    assert not thread.is_alive(), "the write waited without bound"
    assert len(outcome) == 1 and isinstance(outcome[0], StoreBusy)
    assert texts(notes) == []


def test_the_busy_timeout_is_restored_after_a_long_wait(notes, db_path, foreign_writer,
                                                        monkeypatch):
    monkeypatch.setattr(store, "WRITE_WAIT_SECONDS", 0.2)
    holder = foreign_writer(HOLD_LOCK_FILE)
    with pytest.raises(StoreBusy):
        with immediate(notes):
            pass
    holder.communicate("\n", timeout=10)
    assert notes.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS
    with immediate(notes):
        notes.execute("INSERT INTO notes VALUES ('after')")
    assert texts(notes) == ["after"]


def test_a_write_goes_ahead_when_the_foreign_writer_lets_go_in_time(notes, db_path,
                                                                    foreign_writer):
    holder = foreign_writer(HOLD_LOCK_FILE)
    thread, outcome = write_in_thread(db_path)
    holder.communicate("\n", timeout=10)  # within the 5 s the write waits

    thread.join(timeout=30)

    assert outcome == ["written"]
    assert texts(notes) == ["late"]
