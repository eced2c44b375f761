"""m005_outbox_uncertain: messages rebuilt with 'uncertain' and AUTOINCREMENT, nothing lost."""

from __future__ import annotations

import pytest

from shared.db import IntegrityError, open_db, rows
from shared.migrations import migrate, migrations

OLD_ROWS = [
    # direction, phone, provider_id, body, status, error_message
    ("in", "+4520112233", "SM" + "1" * 32, "TILBYD Jeg kan strikke", "received", None),
    ("out", "+4520112233", None, "Tak! Dit tilbud er gemt.", "sent", None),
    ("out", "+4520112233", None, "Dit tilbud er godkendt.", "failed", "interrupted while sending"),
    ("out", "+4530112233", "SM" + "2" * 32, "Velkommen til STRIK", "delivered", None),
    ("out", "+4530112233", None, "Strikkecaféen er aflyst.", "queued", None),
]


@pytest.fixture
def old_store(db_path):
    """A store as the schema stood before m005, with rows and something another tool added."""
    db = open_db(db_path, migrate=False)
    migrations.apply(db, stop_before="m005_outbox_uncertain")
    for direction, phone, sid, body, status, error in OLD_ROWS:
        db.execute(
            "INSERT INTO messages (direction, phone, provider_id, body, encoding, segments, kind,"
            " status, error_message, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'gsm7', 1, 'notice', ?, ?, '2026-11-27T09:30:00+00:00',"
            " '2026-11-27T09:30:00+00:00')", (direction, phone, sid, body, status, error))
    db.execute("DELETE FROM messages WHERE id = 2")  # a gap, as an erase leaves
    db.execute("ALTER TABLE messages ADD COLUMN note TEXT DEFAULT 'kept'")
    db.execute("CREATE INDEX messages_note ON messages (note)")
    yield db
    db.close()


def schema_of(db, table: str) -> dict[str, str]:
    return {r["name"]: r["sql"] for r in rows(
        db, "SELECT name, sql FROM sqlite_master WHERE tbl_name = ? AND type = 'index'"
            " AND sql IS NOT NULL", (table,))}


def test_every_row_column_and_index_is_kept(old_store):
    before = rows(old_store, "SELECT * FROM messages ORDER BY id")
    indexes = schema_of(old_store, "messages")

    assert "m005_outbox_uncertain" in migrate(old_store)

    after = rows(old_store, "SELECT * FROM messages ORDER BY id")
    assert [{k: v for k, v in r.items() if k != "attempted_at"} for r in after] == before
    assert all(r["attempted_at"] is None for r in after)
    assert schema_of(old_store, "messages") == indexes
    assert {"messages_outbox", "messages_contact", "messages_note"} <= set(indexes)
    assert old_store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert old_store.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_message_can_be_uncertain_and_nothing_else_new(old_store):
    migrate(old_store)
    old_store.execute("UPDATE messages SET status = 'uncertain' WHERE id = 5")
    with pytest.raises(IntegrityError, match="CHECK"):
        old_store.execute("UPDATE messages SET status = 'lost' WHERE id = 5")


def test_message_ids_are_never_reused(old_store):
    migrate(old_store)
    old_store.execute("DELETE FROM messages WHERE id = 5")  # the newest, erased

    new_id = old_store.execute(
        "INSERT INTO messages (direction, phone, body, encoding, segments, status, created_at,"
        " updated_at) VALUES ('out', '+4520112233', 'Hej', 'gsm7', 1, 'queued', 'x', 'x')"
    ).lastrowid

    assert new_id == 6


def test_the_heartbeat_table_is_there_for_healthz(old_store):
    migrate(old_store)
    old_store.execute("INSERT INTO heartbeat (source, at) VALUES ('gateway', 'now')")
    assert rows(old_store, "SELECT beats FROM heartbeat") == [{"beats": 1}]


def test_a_new_store_gets_the_same_messages_table(tmp_path):
    fresh = open_db(tmp_path / "fresh.db")
    try:
        sql = fresh.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    finally:
        fresh.close()
    assert "AUTOINCREMENT" in sql and "'uncertain'" in sql
