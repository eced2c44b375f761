"""Tests for shared.coordinators: hashed PINs, login and lockout."""

from datetime import timedelta

from shared.db import row

import pytest

from shared.audit import audit_log
from shared.coordinators import (
    LOCKOUT, MAX_FAILED_ATTEMPTS, add_coordinator, hash_pin, list_coordinators, validate_pin,
    verify_pin,
)
from shared.services.coordinator import log_in as authenticate
from shared.services.operator import create_coordinator
from shared.errors import InvalidValue, LockedOut, NotFound, WrongPin

PIN = "246802"
WRONG = "000000"


@pytest.fixture
def coordinator_id(db, now):
    return create_coordinator(db, "Birthe", PIN, now=now)


def test_hash_is_salted_and_verifies():
    first, second = hash_pin(PIN), hash_pin(PIN)
    assert first != second
    assert first.startswith("scrypt$") and PIN not in first
    assert verify_pin(PIN, first) and verify_pin(PIN, second)
    assert not verify_pin("246803", first)


def test_verify_refuses_another_scheme():
    assert not verify_pin(PIN, "md5$1$1$1$00$00")


@pytest.mark.parametrize("pin", ["123456", "12345678", "000000"])
def test_validate_pin_accepts_6_to_8_digits(pin):
    assert validate_pin(pin) == pin


@pytest.mark.parametrize("pin", ["123", "1234", "12345", "123456789", "12a4", "", " 1234", "١٢٣٤", "12.4"])
def test_validate_pin_refuses(pin):
    with pytest.raises(InvalidValue):
        validate_pin(pin)


def test_add_coordinator_stores_only_a_hash(db, coordinator_id):
    stored = db.execute("SELECT name, role, pin_hash FROM coordinators WHERE id = ?",
                        (coordinator_id,)).fetchone()
    assert stored[:2] == ("Birthe", "coordinator")
    assert stored[2] != PIN and verify_pin(PIN, stored[2])
    assert "pin_hash" not in list_coordinators(db)[0]
    entry = audit_log(db)[0]
    assert (entry["action"], entry["record_kind"], entry["record_id"]) == (
        "add_coordinator", "coordinator", coordinator_id)


def test_add_duplicate_name_raises(db, coordinator_id, now):
    with pytest.raises(InvalidValue, match="Birthe"):
        add_coordinator(db, "Birthe", "135791", now=now)
    assert len(list_coordinators(db)) == 1


@pytest.mark.parametrize(("name", "pin", "role"), [
    ("", PIN, "coordinator"), ("  ", PIN, "coordinator"), ("Ole", "12", "coordinator"),
    ("Ole", PIN, "king"),
])
def test_add_coordinator_validates(db, now, name, pin, role):
    with pytest.raises(InvalidValue):
        add_coordinator(db, name, pin, now=now, role=role)
    assert list_coordinators(db) == []


def test_authenticate_success_resets_the_counter(db, coordinator_id, now):
    with pytest.raises(WrongPin):
        authenticate(db, coordinator_id, WRONG, now=now)
    assert list_coordinators(db)[0]["failed_attempts"] == 1
    found = authenticate(db, coordinator_id, PIN, now=now)
    assert (found["id"], found["name"], found["failed_attempts"]) == (coordinator_id, "Birthe", 0)
    assert "pin_hash" not in found
    assert list_coordinators(db)[0]["failed_attempts"] == 0
    assert [(e["action"], e["actor"]) for e in audit_log(db)][:2] == [
        ("login", f"coordinator:{coordinator_id}"), ("failed_login", f"coordinator:{coordinator_id}")]


def test_authenticate_unknown_coordinator(db, now):
    with pytest.raises(NotFound):
        authenticate(db, 99, PIN, now=now)


def test_lockouts_grow_until_a_right_pin(db, coordinator_id, now):
    def five_wrong(at):
        for _attempt in range(MAX_FAILED_ATTEMPTS - 1):
            with pytest.raises(WrongPin):
                authenticate(db, coordinator_id, WRONG, now=at)
        with pytest.raises(LockedOut) as locked:
            authenticate(db, coordinator_id, WRONG, now=at)
        return locked.value.until - at

    at = now
    lengths = []
    for _round in range(4):
        lengths.append(five_wrong(at))
        at += lengths[-1]
    assert lengths == [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=24),
                       timedelta(hours=24)]
    found = authenticate(db, coordinator_id, PIN, now=at)
    assert (found["failed_since_login"], found["lockouts_since_login"]) == (20, 4)
    # A right PIN starts the scale again, and the count since the last login.
    assert five_wrong(at) == timedelta(minutes=5)
    found = authenticate(db, coordinator_id, PIN, now=at + timedelta(minutes=5))
    assert (found["failed_since_login"], found["lockouts_since_login"]) == (5, 1)
    found = authenticate(db, coordinator_id, PIN, now=at + timedelta(minutes=6))
    assert (found["failed_since_login"], found["lockouts_since_login"]) == (0, 0)


def test_a_login_rehashes_an_older_hash_at_todays_cost(db, coordinator_id, now, monkeypatch):
    from shared import coordinators

    before = row(db, "SELECT pin_hash FROM coordinators WHERE id = ?", (coordinator_id,))
    monkeypatch.setattr(coordinators, "SCRYPT_N", 2**11)
    with pytest.raises(WrongPin):
        authenticate(db, coordinator_id, WRONG, now=now)
    assert row(db, "SELECT pin_hash FROM coordinators WHERE id = ?",
               (coordinator_id,)) == before
    authenticate(db, coordinator_id, PIN, now=now)
    after = row(db, "SELECT pin_hash FROM coordinators WHERE id = ?", (coordinator_id,))
    assert before["pin_hash"].startswith("scrypt$1024$8$1$")
    assert after["pin_hash"].startswith("scrypt$2048$8$1$") and verify_pin(PIN, after["pin_hash"])


def test_a_four_digit_pin_made_before_still_logs_in(db, now):
    from shared.coordinators import insert_coordinator

    old = insert_coordinator(db, "Gammel", hash_pin("2468"), now=now)
    assert authenticate(db, old, "2468", now=now)["name"] == "Gammel"


def test_pins_tried_at_once_are_checked_at_most_five_times_and_end_locked(
        db, now, run_together, monkeypatch):
    from shared import coordinators

    # A hash at n=2**14 takes about 0.1 s to check: long enough that all twelve
    # processes are between reading the row and writing the result together.
    monkeypatch.setattr(coordinators, "SCRYPT_N", 2**14)
    coordinator_id = create_coordinator(db, "Birthe", PIN, now=now)
    results = run_together("""
from datetime import datetime, timezone
from shared.db import open_db
from shared.errors import LockedOut, WrongPin
from shared.services.coordinator import log_in
db = open_db(db_path, migrate=False)
start_together()
try:
    log_in(db, int(sys.argv[4]), "000000", now=datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc))
    result = "in"
except WrongPin:
    result = "wrong"
except LockedOut:
    result = "locked"
""", processes=12, args=[str(coordinator_id)])
    assert "in" not in results
    checked = [e for e in audit_log(db) if e["action"] in ("failed_login", "lockout")]
    assert len(checked) == MAX_FAILED_ATTEMPTS, results
    assert results.count("wrong") == MAX_FAILED_ATTEMPTS - 1
    assert list_coordinators(db)[0]["locked_until"] is not None
    with pytest.raises(LockedOut):
        authenticate(db, coordinator_id, PIN, now=now)


def test_five_wrong_pins_lock_out_for_five_minutes(db, coordinator_id, now):
    for attempt in range(1, MAX_FAILED_ATTEMPTS):
        with pytest.raises(WrongPin, match=f"{attempt} of {MAX_FAILED_ATTEMPTS}"):
            authenticate(db, coordinator_id, WRONG, now=now)
    with pytest.raises(LockedOut):
        authenticate(db, coordinator_id, WRONG, now=now)
    assert MAX_FAILED_ATTEMPTS == 5 and LOCKOUT == timedelta(minutes=5)

    # While locked even the right PIN is refused (and not checked).
    with pytest.raises(LockedOut):
        authenticate(db, coordinator_id, PIN, now=now + LOCKOUT - timedelta(seconds=1))

    assert authenticate(db, coordinator_id, PIN, now=now + LOCKOUT)["id"] == coordinator_id
    assert list_coordinators(db)[0]["locked_until"] is None

    actions = [e["action"] for e in reversed(audit_log(db))]
    assert actions == ["add_coordinator"] + ["failed_login"] * 4 + ["lockout", "login"]
    assert all(e["coordinator_id"] == coordinator_id for e in audit_log(db)[:6])
