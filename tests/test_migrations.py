"""Tests for shared.migrations: the schema, applied once even by racing processes."""

import pytest

from shared.db import Database, open_db
from shared.migrations import migrate, migrations

TABLES = {"contacts", "communities", "community_texts", "memberships", "coordinators",
          "offers", "feedback", "messages", "conversations", "audit", "broadcasts",
          "broadcast_translations", "erasures", "_sqlite_migrations"}


def every_migration() -> list[str]:
    empty = Database(memory=True)
    try:
        return [m.name for m in migrations.pending(empty)]
    finally:
        empty.close()


def applied(db):
    return [r["name"] for r in db.query(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'faelles' ORDER BY id")]


def test_fresh_database_has_every_table(db):
    assert TABLES <= set(db.table_names())
    assert applied(db) == every_migration()
    assert applied(db)[0] == "m001_initial"


def test_open_db_without_migrate_leaves_the_file_empty(db_path):
    bare = open_db(db_path, migrate=False)
    try:
        assert bare.table_names() == []
    finally:
        bare.close()


def test_migrate_twice_is_a_no_op(db):
    before = list(db.query("SELECT * FROM _sqlite_migrations"))
    assert migrate(db) == []
    assert list(db.query("SELECT * FROM _sqlite_migrations")) == before


def test_migrate_returns_what_it_applied(db_path):
    bare = open_db(db_path, migrate=False)
    try:
        assert migrate(bare) == [m.name for m in migrations._migrations]
        assert not bare.conn.in_transaction
    finally:
        bare.close()


def test_reopening_keeps_the_data(db, db_path, now):
    from shared.contacts import touch_contact

    touch_contact(db, "20112233", now=now)
    again = open_db(db_path)
    try:
        assert again.execute("SELECT phone FROM contacts").fetchall() == [("+4520112233",)]
        assert len(applied(again)) == len(migrations._migrations)
    finally:
        again.close()


def test_an_older_store_gets_only_the_newer_migrations(db_path, now):
    *older, newest = every_migration()
    if not older:
        pytest.skip("only one migration so far")
    from shared.contacts import find_contact, touch_contact

    store = open_db(db_path, migrate=False)
    try:
        migrations.apply(store, stop_before=newest)
        store.execute("INSERT INTO contacts (phone, first_seen, last_seen)"
                      " VALUES ('+4520112233', '2026-01-01', '2026-01-01')")
        assert migrate(store) == [newest]
        assert applied(store) == [*older, newest]
        assert find_contact(store, "20112233") is not None
        assert touch_contact(store, "20112233", now=now)["last_seen"] != "2026-01-01"
    finally:
        store.close()


OPEN_NEW_FILE = """
import traceback
from shared.db import open_db
start_together()
try:
    db = open_db(db_path)
    result = {"tables": sorted(db.table_names())}
except Exception as exc:
    result = {"error": repr(exc), "at": traceback.extract_tb(exc.__traceback__)[-1].line}
"""


@pytest.mark.parametrize("attempt", range(3))
def test_processes_opening_a_new_file_together_migrate_once(db_path, run_together, attempt):
    assert not db_path.exists()
    results = run_together(OPEN_NEW_FILE, processes=2)
    opened = [r for r in results if "error" not in r]
    assert opened, results
    for result in opened:
        assert TABLES <= set(result["tables"])
    db = open_db(db_path, migrate=False)
    try:
        assert applied(db) == every_migration()
    finally:
        db.close()
    assert len(opened) == len(results), results


def test_answers_appended_to_offers_are_moved_to_their_own_column(db_path):
    old = open_db(db_path, migrate=False)
    try:
        migrations.apply(old, stop_before="m013_offer_answers")
        old.execute("INSERT INTO contacts (id, phone, first_seen, last_seen)"
                    " VALUES (1, '+4520112233', 't', 't')")
        for offer_id, description, note in [
                (1, "Jeg kan gå ture\n→ Tirsdage", "Hvilke dage?"),
                (2, "Pile → skilte\n→ ikke et svar", None)]:
            old.execute("INSERT INTO offers (id, contact_id, description, channel, review_note,"
                        " created_at, updated_at) VALUES (?, 1, ?, 'sms', ?, 't', 'u')",
                        (offer_id, description, note))
        assert migrate(old)[0] == "m013_offer_answers"
        moved = old.execute("SELECT id, description, answer, answered_at FROM offers"
                            " ORDER BY id").fetchall()
    finally:
        old.close()
    # Only where a question was asked: without one, nothing was an answer.
    assert moved == [(1, "Jeg kan gå ture", "Tirsdage", "u"),
                     (2, "Pile → skilte\n→ ikke et svar", None, None)]
