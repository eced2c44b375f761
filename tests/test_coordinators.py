"""Tests for shared.coordinators: hashed PINs, login and lockout."""

from datetime import timedelta

import pytest

from shared.audit import audit_log
from shared.coordinators import (
    LOCKOUT, MAX_FAILED_ATTEMPTS, add_coordinator, hash_pin, list_coordinators, validate_pin,
    verify_pin,
)
from shared.services.coordinator import log_in as authenticate
from shared.services.operator import create_coordinator
from shared.errors import InvalidValue, LockedOut, NotFound, WrongPin

PIN = "2468"


@pytest.fixture
def coordinator_id(db, now):
    return create_coordinator(db, "Birthe", PIN, now=now)


def test_hash_is_salted_and_verifies():
    first, second = hash_pin(PIN), hash_pin(PIN)
    assert first != second
    assert first.startswith("scrypt$") and PIN not in first
    assert verify_pin(PIN, first) and verify_pin(PIN, second)
    assert not verify_pin("2469", first)


def test_verify_refuses_another_scheme():
    assert not verify_pin(PIN, "md5$1$1$1$00$00")


@pytest.mark.parametrize("pin", ["1234", "12345678", "0000"])
def test_validate_pin_accepts_4_to_8_digits(pin):
    assert validate_pin(pin) == pin


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", " 1234", "١٢٣٤", "12.4"])
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
        add_coordinator(db, "Birthe", "1357", now=now)
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
        authenticate(db, coordinator_id, "0000", now=now)
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


def test_five_wrong_pins_lock_out_for_five_minutes(db, coordinator_id, now):
    for attempt in range(1, MAX_FAILED_ATTEMPTS):
        with pytest.raises(WrongPin, match=f"{attempt} of {MAX_FAILED_ATTEMPTS}"):
            authenticate(db, coordinator_id, "0000", now=now)
    with pytest.raises(LockedOut):
        authenticate(db, coordinator_id, "0000", now=now)
    assert MAX_FAILED_ATTEMPTS == 5 and LOCKOUT == timedelta(minutes=5)

    # While locked even the right PIN is refused (and not checked).
    with pytest.raises(LockedOut):
        authenticate(db, coordinator_id, PIN, now=now + LOCKOUT - timedelta(seconds=1))

    assert authenticate(db, coordinator_id, PIN, now=now + LOCKOUT)["id"] == coordinator_id
    assert list_coordinators(db)[0]["locked_until"] is None

    actions = [e["action"] for e in reversed(audit_log(db))]
    assert actions == ["add_coordinator"] + ["failed_login"] * 4 + ["lockout", "login"]
    assert all(e["coordinator_id"] == coordinator_id for e in audit_log(db)[:6])
