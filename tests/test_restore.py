"""`faelles restore`: a backup goes back in place, and whoever was erased since is erased again.

Before the erasure ledger, restoring last night's copy brought back everyone
erased today, with no record that they had asked to be forgotten. The first
tests drive real `faelles` processes on real files, as an operator would, and
read the restored store as raw bytes afterwards, as someone with the file would.
The rest call the service, for the cases around keys and people who came back.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from shared.contacts import find_contact, touch_contact
from shared.db import backup_to, open_db
from shared.demo import load_demo
from shared.erasures import LEDGER_NAME, ledger_file, read_file
from shared.migrations import migrations
from shared.services import operator
from shared.services.kiosk import submit_offer
from shared.services.restore import Restore, RestoreRefused
from shared.services.sms import handle_inbound_sms
from shared.suppression import (KEY_VARIABLE, PREVIOUS_VARIABLE, fingerprint, is_suppressed,
                                own_keys)
from shared.verification import request_code

ROOT = Path(__file__).resolve().parent.parent
PHONE = "+4522334455"
NATIONAL = PHONE[3:].encode()  # inside the E.164 and digits-only forms too
OTHER = "+4522334466"
KEY = "ab" * 32
sids = itertools.count(1)


def text(db, phone: str, body: str, now) -> None:
    handle_inbound_sms(db, provider_id=f"SM{next(sids):032x}", phone=phone, body=body, now=now)


def give_a_history(db, phone: str, now) -> None:
    """An offer, feedback, a membership, a need and the replies to each, by SMS and kiosk."""
    for n, body in enumerate(["TILBYD Jeg kan strikke", "2", "Munkebo", "ROS Tak for kaffen",
                              "DELTAG STRIK", "BRUG FOR hjælp til indkøb i Munkebo"]):
        text(db, phone, body, now + timedelta(minutes=n))
    submit_offer(db, description="Kaffe og kage", category=None, town=None, phone=phone,
                 language="da", location="Munkebo Bibliotek", now=now + timedelta(minutes=9))


@pytest.fixture
def store(tmp_path, now) -> Path:
    """A store as a municipality has it: the demo data and two citizens with a history."""
    path = tmp_path / "var" / "faelles.db"
    db = open_db(path)
    try:
        load_demo(db, now=now)
        give_a_history(db, PHONE, now)
        give_a_history(db, OTHER, now + timedelta(hours=1))
    finally:
        db.close()
    return path


def faelles(store: Path, *args, input: str | None = None, **env) -> subprocess.CompletedProcess:
    """Run the real `faelles` command on store, in English, without a suppression key."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in (KEY_VARIABLE, PREVIOUS_VARIABLE)}
    environment.update(FAELLES_DB=str(store), FAELLES_LOCALE="en", **env)
    return subprocess.run([sys.executable, "-m", "faelles", *map(str, args)], input=input,
                          env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def copies(path: Path) -> int:
    """Count the number in the store's file and its WAL, as raw bytes."""
    return sum(Path(f"{path}{suffix}").read_bytes().count(NATIONAL)
               for suffix in ("", "-wal") if Path(f"{path}{suffix}").exists())


def rows_holding(path: Path, needle: str = PHONE[3:]) -> dict[str, int]:
    """Return, per table, how many rows hold the number in any column."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            n = sum(needle in repr(r) for r in conn.execute(f'SELECT * FROM "{table}"'))
            if n:
                found[table] = n
        return found
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def backed_up(store, now) -> Path:
    """Take last night's backup with `faelles backup`, then let the day go on; return the copy."""
    copy = store.parent / "backups" / "faelles-2026-11-27.db"
    done = ok(faelles(store, "backup", copy))
    assert f"Erasures recorded: 0, kept in {ledger_file(store)}" in done.stdout
    db = open_db(store)
    try:  # written after the backup: a restore loses it
        text(db, OTHER, "ROS Dagen efter backuppen", now + timedelta(days=1))
    finally:
        db.close()
    assert copies(copy) > 10 and rows_holding(copy)["contacts"] == 1
    return copy


def test_a_restored_backup_forgets_whoever_was_erased_since(store, backed_up):
    ok(faelles(store, "erase", PHONE, "--yes"))
    [line] = ledger_file(store).read_text().splitlines()
    assert set(json.loads(line)) == {"hash", "erased_at", "key_fingerprint"}
    assert PHONE[3:] not in line
    backup_before = digest(backed_up)

    done = ok(faelles(store, "restore", backed_up, "--yes"))

    assert "Erased again: contacts 1" in done.stdout
    assert f"Restored {backed_up} into {store}." in done.stdout
    assert "litestream reset" in done.stdout and "WARNING" not in done.stderr
    assert rows_holding(store) == {}
    assert copies(store) == 0  # no stale copy in free pages or in the WAL after the VACUUM
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    db = open_db(store)
    try:
        assert find_contact(db, PHONE) is None
        assert find_contact(db, OTHER) is not None  # the backup's data is back...
        assert db.execute("SELECT count(*) FROM feedback WHERE text = ?",
                          ("Dagen efter backuppen",)).fetchone()[0] == 0  # ...as it was then
        assert db.execute("SELECT count(*) FROM communities").fetchone()[0] >= 12
        audit = db.execute("SELECT actor, action FROM audit ORDER BY id").fetchall()
        assert audit[-2:] == [("restore", "erase_contact"), ("cli", "restore")]
        assert db.execute("SELECT count(*) FROM erasures").fetchone()[0] == 1
    finally:
        db.close()
    assert digest(backed_up) == backup_before  # the backup itself is left as it was
    assert not [p for p in store.parent.iterdir() if p.name.startswith(".restore-")]


def test_a_restore_on_a_new_machine_finds_the_ledger_beside_the_backup(store, backed_up,
                                                                         tmp_path):
    ok(faelles(store, "erase", PHONE, "--yes"))
    # The backups folder, copied off the machine, comes back to a new one.
    carried = tmp_path / "carried"
    shutil.copytree(store.parent / "backups", carried)
    new_store = tmp_path / "new" / "var" / "faelles.db"

    done = ok(faelles(new_store, "restore", carried / backed_up.name, "--yes"))

    assert "Erased again: contacts 1" in done.stdout and "WARNING" not in done.stderr
    assert rows_holding(new_store) == {} and copies(new_store) == 0
    assert stat.S_IMODE(new_store.stat().st_mode) == 0o600
    # The ledger is kept beside the new store's backups from now on.
    assert read_file(ledger_file(new_store))[0] == read_file(carried / LEDGER_NAME)[0]
    assert stat.S_IMODE(ledger_file(new_store).stat().st_mode) == 0o600


def test_without_yes_it_asks_and_no_changes_nothing(store, backed_up):
    ok(faelles(store, "erase", PHONE, "--yes"))
    ok(faelles(store, "erase", OTHER, "--yes"))
    before, files = digest(store), listing(store.parent)

    said_no = faelles(store, "restore", backed_up, input="n\n")

    assert said_no.returncode == 1 and "Aborted" in said_no.stderr
    assert f"Put {backed_up} (newest record 2026-11-27" in said_no.stdout
    assert str(store) in said_no.stdout
    assert digest(store) == before and listing(store.parent) == files

    said_yes = ok(faelles(store, "restore", backed_up, input="y\n"))
    assert "Erased again: contacts 2" in said_yes.stdout
    assert rows_holding(store) == {} and rows_holding(store, OTHER[3:]) == {}
    assert copies(store) == 0


def test_no_to_a_store_that_was_not_there_leaves_nothing_behind(store, backed_up, tmp_path):
    new_store = tmp_path / "new" / "faelles.db"
    said_no = faelles(new_store, "restore", backed_up, input="n\n")
    assert said_no.returncode == 1
    assert not new_store.parent.exists()


def test_a_missing_ledger_file_is_said_loudly_and_the_stores_ledger_still_replays(
        store, backed_up):
    ok(faelles(store, "erase", PHONE, "--yes"))
    ledger_file(store).unlink()

    done = ok(faelles(store, "restore", backed_up, "--yes"))

    assert f"WARNING: No erasure ledger: {ledger_file(store)}" in done.stderr
    assert "comes back" in done.stderr
    # The store being replaced still knew the erasure.
    assert "Erased again: contacts 1" in done.stdout
    assert rows_holding(store) == {} and copies(store) == 0
    assert len(read_file(ledger_file(store))[0]) == 1  # and the file is back


def test_restore_refuses_while_another_process_has_the_store(store, backed_up):
    kiosk = open_db(store)  # a service's idle connection, as the gateway's pool keeps one
    try:
        kiosk.execute("SELECT count(*) FROM contacts").fetchone()
        refused = faelles(store, "restore", backed_up, "--yes")
        assert refused.returncode == 1
        assert "open in another process" in refused.stderr
        assert "systemctl stop faelles.target litestream" in refused.stderr
        # Nothing changed: what was written after the backup is still there.
        assert kiosk.execute("SELECT count(*) FROM feedback WHERE text = ?",
                             ("Dagen efter backuppen",)).fetchone()[0] == 1
    finally:
        kiosk.close()
    with open(f"{store}-writer.lock", "a+b") as lock:  # a writer mid-transaction
        fcntl.flock(lock, fcntl.LOCK_EX)
        refused = faelles(store, "restore", backed_up, "--yes")
    assert refused.returncode == 1 and "writer lock" in refused.stderr


# --- the service: who is erased again, and with which keys ------------------------------


def restore(backup: Path, store: Path, now):
    with Restore(backup, store) as job:
        return job, job.run(now=now)


def erase(store: Path, phone: str, now) -> None:
    db = open_db(store)
    try:
        operator.erase(db, phone, now=now)
    finally:
        db.close()


def backup_of(store: Path, name: str = "copy.db") -> Path:
    copy = store.parent / "backups" / name
    db = open_db(store)
    try:
        backup_to(db, copy)
    finally:
        db.close()
    return copy


def test_someone_who_texted_again_after_their_erasure_stays(store, now):
    erase(store, PHONE, now + timedelta(days=1))
    db = open_db(store)
    try:  # they come back of their own accord: a new contact
        text(db, PHONE, "DELTAG STRIK", now + timedelta(days=2))
    finally:
        db.close()
    copy = backup_of(store)
    erase(store, OTHER, now + timedelta(days=3))

    _, done = restore(copy, store, now + timedelta(days=4))

    assert done.erased_again == {"contacts": 1, "numbers without a contact": 0,
                                 "came back since": 1}
    db = open_db(store)
    try:
        assert find_contact(db, PHONE) is not None and find_contact(db, OTHER) is None
    finally:
        db.close()


def test_someone_erased_again_after_coming_back_goes_again(store, now):
    erase(store, PHONE, now + timedelta(days=1))
    db = open_db(store)
    try:
        text(db, PHONE, "DELTAG STRIK", now + timedelta(days=2))
    finally:
        db.close()
    copy = backup_of(store)
    erase(store, PHONE, now + timedelta(days=3))  # the later erasure is the one that counts

    _, done = restore(copy, store, now + timedelta(days=4))

    assert done.erased_again["contacts"] == 1 and rows_holding(store) == {}


def test_a_number_with_only_a_kiosk_code_in_the_backup_loses_it(tmp_path, now):
    store = tmp_path / "faelles.db"
    db = open_db(store)
    try:
        request_code(db, phone=PHONE, location="Munkebo Bibliotek", message="Kode {code}",
                     now=now)
    finally:
        db.close()
    copy = backup_of(store)
    db = open_db(store)
    try:
        touch_contact(db, PHONE, now=now + timedelta(minutes=5))
        operator.erase(db, PHONE, now=now + timedelta(minutes=10))
    finally:
        db.close()
    assert rows_holding(copy) == {"verifications": 1, "messages": 1}

    _, done = restore(copy, store, now + timedelta(days=1))

    assert done.erased_again["numbers without a contact"] == 1
    assert rows_holding(store) == {} and copies(store) == 0


def test_an_erasure_hashed_with_a_key_that_is_not_here_is_refused(store, now, monkeypatch):
    copy = backup_of(store)
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    erase(store, PHONE, now + timedelta(days=1))
    monkeypatch.delenv(KEY_VARIABLE)  # a new machine, its environment file incomplete
    before = digest(store)

    with pytest.raises(RestoreRefused, match=fingerprint(KEY.encode())) as refused:
        restore(copy, store, now + timedelta(days=2))

    assert PREVIOUS_VARIABLE in str(refused.value)
    assert digest(store) == before
    monkeypatch.setenv(PREVIOUS_VARIABLE, KEY)
    _, done = restore(copy, store, now + timedelta(days=2))
    assert done.erased_again["contacts"] == 1 and rows_holding(store) == {}


def test_a_backup_older_than_the_stores_key_forgets_with_the_replaced_stores_key(tmp_path,
                                                                                  now):
    # A backup from before the store had a key of its own (m007): migrating it
    # makes a new key, which matches none of the ledger's hashes. The replaced
    # store's key is kept in the restored one, and the hashes match again.
    old = tmp_path / "backups" / "old.db"
    db = open_db(old, migrate=False)
    try:
        migrations.apply(db, stop_before="m007_suppression")
        for phone in (PHONE, OTHER):
            db.execute("INSERT INTO contacts (phone, first_seen, last_seen) VALUES (?, ?, ?)",
                       (phone, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"))
    finally:
        db.close()
    store = tmp_path / "faelles.db"
    db = open_db(store)
    try:
        for phone in (PHONE, OTHER):
            touch_contact(db, phone, now=now)
        operator.erase(db, PHONE, now=now)
        text(db, OTHER, "STOP", now)  # after the backup, so the backup does not know it
        live_key = own_keys(db)[0]
    finally:
        db.close()

    job, done = restore(old, store, now + timedelta(days=1))

    assert any("kept no erasure ledger" in w for w in job.warnings)
    assert "m007_suppression" in done.migrations and "m014_erasure_ledger" in done.migrations
    assert done.erased_again["contacts"] == 1
    db = open_db(store)
    try:
        assert find_contact(db, PHONE) is None
        assert live_key in own_keys(db) and len(own_keys(db)) == 2
        assert is_suppressed(db, OTHER)  # their STOP outlives the restore
    finally:
        db.close()


def test_a_store_sqlite_cannot_read_is_moved_aside(store, tmp_path, now):
    copy = backup_of(store)
    erase(store, PHONE, now + timedelta(days=1))
    shutil.copy(ledger_file(store), tmp_path / "ledger")
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    store.write_bytes(os.urandom(8192))

    job, done = restore(copy, store, now + timedelta(days=2))

    assert any("cannot be read by SQLite" in w for w in job.warnings)
    [aside] = [p for p in store.parent.iterdir() if ".damaged-" in p.name]
    assert any(str(aside) in w for w in done.warnings)
    assert done.erased_again["contacts"] == 1 and rows_holding(store) == {}


@pytest.mark.parametrize("content", [b"not a database at all", None])
def test_what_is_no_faelles_backup_is_refused(store, tmp_path, now, content):
    backup = tmp_path / "other.db"
    if content is None:  # an SQLite database, but not a store of ours
        conn = sqlite3.connect(backup)
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.commit()
        conn.close()
    else:
        backup.write_bytes(content)
    before = digest(store)
    with pytest.raises(RestoreRefused, match="not an SQLite database|not a copy of a Fælles"):
        restore(backup, store, now)
    assert digest(store) == before
    with pytest.raises(RestoreRefused, match="the store itself"):
        restore(store, store, now)


def test_an_empty_ledger_file_is_a_ledger_and_a_broken_line_is_said(store, now):
    copy = backup_of(store)
    ledger = ledger_file(store)
    ledger.write_text("")  # as `faelles backup` leaves it before anyone was erased
    job, done = restore(copy, store, now)
    assert job.warnings == [] and done.ledger_size == 0
    erase(store, PHONE, now + timedelta(days=1))
    with ledger.open("a") as file:
        file.write("{not json\n")
    job, done = restore(copy, store, now + timedelta(days=2))
    assert [w for w in job.warnings if "could not be read (1)" in w]
    assert done.erased_again["contacts"] == 1
