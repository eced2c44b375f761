"""Tests for shared.audit: an append-only log, newest first."""

from datetime import timedelta

from shared.audit import audit_log, record_audit
from shared.clock import iso


def test_record_and_read_back(db, now):
    entry_id = record_audit(db, actor="coordinator:3", action="approve_offer", now=now,
                            record_kind="offer", record_id=12, coordinator_id=3)
    assert audit_log(db) == [{
        "id": entry_id, "at": iso(now), "actor": "coordinator:3", "coordinator_id": 3,
        "action": "approve_offer", "record_kind": "offer", "record_id": 12}]


def test_newest_first_and_limited(db, now):
    for minute in range(5):
        record_audit(db, actor="cli", action=f"step{minute}", now=now + timedelta(minutes=minute))
    assert [e["action"] for e in audit_log(db, limit=3)] == ["step4", "step3", "step2"]
    assert len(audit_log(db)) == 5


def test_audit_has_no_column_for_content(db):
    columns = {c.name for c in db["audit"].columns}
    assert {"at", "actor", "action", "record_kind", "record_id"} <= columns
    assert not columns & {"phone", "body", "text", "description", "reply", "pin", "pin_hash"}
