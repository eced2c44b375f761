"""Ids are never given twice, and m006 keeps an older store's data."""

import pytest

from shared.contacts import touch_contact
from shared.db import IntegrityError, open_db, rows
from shared.feedback import record_feedback
from shared.migrations import migrate, migrations
from shared.offers import record_offer
from shared.services.erasure import erase_number

MINE = "m006_ids_never_reused"


def before_mine() -> list[str]:
    names = [m.name for m in migrations._migrations]
    return names[:names.index(MINE)]


def test_an_erased_persons_numbers_are_not_given_again(db, now):
    # The finding: offers 1..8, the one who made offer 8 is erased, and the next
    # offer was told "Dit tilbud har nummer 8" again.
    anna = touch_contact(db, "20112233", now=now)
    for n in range(7):
        record_offer(db, contact_id=anna["id"], description=f"Tilbud {n + 1}", channel="sms",
                     now=now)
    bo = touch_contact(db, "30112233", now=now)
    assert record_offer(db, contact_id=bo["id"], description="Lift", channel="sms",
                        now=now) == 8
    bos_feedback = record_feedback(db, kind="ros", text="Tak", contact_id=bo["id"],
                                   channel="sms", now=now)
    erase_number(db, "30112233", actor="operator", now=now)

    assert record_offer(db, description="En stige", channel="kiosk", now=now) == 9
    assert touch_contact(db, "40112233", now=now)["id"] > bo["id"]
    assert record_feedback(db, kind="ide", text="Flere bænke", channel="kiosk",
                           now=now) > bos_feedback


def test_every_integer_id_is_autoincrement(db):
    tables = [r["name"] for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                          " AND name NOT LIKE 'sqlite%' AND name NOT LIKE '\\_%'"
                                          " ESCAPE '\\'")]
    with_id = [t for t in tables
               if [(c["name"], c["type"]) for c in rows(db, f'PRAGMA table_info("{t}")')
                   if c["pk"]] == [("id", "INTEGER")]]
    assert {"contacts", "communities", "memberships", "coordinators", "offers", "feedback",
            "audit", "verifications", "broadcasts"} <= set(with_id)
    # messages is rebuilt by its own migration (m005), not by m006.
    plain = [t for t in with_id if t != "messages" and "AUTOINCREMENT" not in
             db.execute("SELECT upper(sql) FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0]]
    assert plain == []


# One row in every table of the schema before m006, written as the old code did,
# with the columns m001-m004 made.
OLD_ROWS = """
INSERT INTO contacts (id, phone, language, opted_out, opted_out_at, first_seen, last_seen, revision)
    VALUES (3, '+4520112233', 'da', 1, '2026-02-01', '2026-01-01', '2026-02-01', 4),
           (5, '+4530112233', NULL, 0, NULL, '2026-01-02', '2026-01-02', 0);
INSERT INTO communities (id, code, town, place, status, created_at, updated_at)
    VALUES (2, 'STRIK', 'Munkebo', 'Biblioteket', 'paused', '2026-01-01', '2026-01-03');
INSERT INTO community_texts (community_id, language, name, description, schedule)
    VALUES (2, 'da', 'Strikkecafé', 'Vi strikker', 'Tirsdag 14-16');
INSERT INTO memberships (id, contact_id, community_id, joined_at, left_at, channel, location)
    VALUES (7, 3, 2, '2026-01-05', NULL, 'kiosk', 'Munkebo Bibliotek'),
           (9, 5, 2, '2026-01-06', '2026-01-07', 'sms', NULL);
INSERT INTO coordinators (id, name, role, pin_hash, failed_attempts, locked_until, created_at)
    VALUES (4, 'Anna', 'admin', 'pbkdf2$x', 2, '2026-01-09', '2026-01-01');
INSERT INTO offers (id, contact_id, category, description, town, availability, status, channel,
                    location, community_id, review_note, reviewer_id, created_at, updated_at)
    VALUES (6, 3, 'transport', '=1+1 lift', 'Dalby', 'weekends', 'approved', 'sms', NULL, 2,
            'fint', 4, '2026-01-10', '2026-01-11'),
           (8, 5, NULL, 'Stige', NULL, NULL, 'pending', 'kiosk', 'Rådhuset', NULL, NULL, NULL,
            '2026-01-12', '2026-01-12');
INSERT INTO feedback (id, contact_id, kind, text, rating, town, status, reply, replied_at,
                      replied_by, channel, location, created_at, updated_at)
    VALUES (11, 3, 'ros', 'Tak', 5, 'Kerteminde', 'answered', 'Selv tak', '2026-01-14', 4,
            'sms', NULL, '2026-01-13', '2026-01-14'),
           (12, NULL, 'ide', 'Bænke', NULL, NULL, 'new', NULL, NULL, NULL, 'kiosk', 'Munkebo',
            '2026-01-15', '2026-01-15');
INSERT INTO broadcasts (id, community_id, body, coordinator_id, created_at)
    VALUES (3, 2, 'Vi ses', 4, '2026-01-16');
INSERT INTO messages (id, direction, contact_id, phone, provider_id, body, encoding, segments,
                      kind, status, attempts, created_at, updated_at, broadcast_id)
    VALUES (21, 'out', 3, '+4520112233', 'SM1', 'Vi ses', 'GSM-7', 1, 'broadcast', 'sent', 1,
            '2026-01-16', '2026-01-16', 3);
INSERT INTO conversations (contact_id, flow, step, data, expires_at, updated_at)
    VALUES (5, 'offer', 'category', '{"text": "Stige"}', '2026-01-12T10:00', '2026-01-12');
INSERT INTO verifications (id, phone, code_hash, location, attempts, created_at, expires_at,
                           verified_at)
    VALUES (2, '+4530112233', 'h', 'Rådhuset', 1, '2026-01-12', '2026-01-12T00:10', NULL);
INSERT INTO audit (id, at, actor, coordinator_id, action, record_kind, record_id)
    VALUES (30, '2026-01-11', 'coordinator:4', 4, 'offer_approve', 'offer', 6),
           (31, '2026-01-20', 'operator', NULL, 'erase_contact', 'contact', 14)
"""


@pytest.fixture
def old_store(db_path):
    """A store made by the migrations before m006, with a row in every table."""
    store = open_db(db_path, migrate=False)
    migrations.apply(store, stop_before=MINE)
    with store.atomic():
        for statement in OLD_ROWS.split(";"):
            store.execute(statement)
    yield store
    store.close()


OLD_TABLES = {"contacts", "communities", "community_texts", "memberships", "coordinators",
              "offers", "feedback", "broadcasts", "messages", "conversations", "verifications",
              "audit"}


def snapshot(db, tables=None) -> dict[str, list[tuple]]:
    """Every table's rows but sqlite_sequence (which m006 fills in)."""
    tables = tables or [t for t in db.table_names() if not t.startswith(("_", "sqlite_"))]
    return {t: db.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}


def schema(db) -> set[tuple]:
    return {(r["type"], r["name"]) for r in rows(db, "SELECT type, name FROM sqlite_master"
                                                     " WHERE name NOT LIKE 'sqlite%'")}


def test_the_migration_keeps_every_row_and_index(old_store):
    assert before_mine() == [m.name for m in migrations.applied(old_store)]
    old_rows, old_schema = snapshot(old_store), schema(old_store)
    assert OLD_TABLES <= {t for t in old_rows if old_rows[t]}, "a row in every table"
    applied = migrate(old_store)

    assert applied[0] == MINE
    kept = snapshot(old_store, list(old_rows))
    for table, found in old_rows.items():
        width = len(found[0]) if found else 0  # later migrations may add columns
        assert [r[:width] for r in kept[table]] == found, table
    assert old_schema <= schema(old_store)
    assert old_store.execute("PRAGMA foreign_key_check").fetchall() == []
    assert old_store.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    offers_sql = old_store.execute("SELECT sql FROM sqlite_master WHERE name = 'offers'")
    assert "CHECK (status IN" in offers_sql.fetchone()[0]


def test_after_the_migration_ids_go_on_past_the_largest_ever_seen(old_store, now):
    migrate(old_store)
    # Offers stood at 8 and feedback at 12; the audit log had seen contact 14 erased.
    assert record_offer(old_store, description="Ny", channel="kiosk", now=now) == 9
    assert record_feedback(old_store, kind="ros", text="Fint", channel="kiosk", now=now) == 13
    assert touch_contact(old_store, "40112233", now=now)["id"] == 15
    assert old_store.execute(
        "INSERT INTO audit (at, actor, action) VALUES ('2026-02-01', 'operator', 'x')"
    ).lastrowid == 32


def test_foreign_keys_hold_after_the_migration(old_store, now):
    migrate(old_store)
    with pytest.raises(IntegrityError):
        old_store.execute("INSERT INTO offers (contact_id, description, channel, created_at,"
                          " updated_at) VALUES (99, 'x', 'sms', 'now', 'now')")
    # ON DELETE CASCADE and SET NULL still act, on the rebuilt tables and the others.
    old_store.execute("DELETE FROM contacts WHERE id = 3")
    assert old_store.execute("SELECT id FROM offers").fetchall() == [(8,)]
    assert old_store.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    old_store.execute("DELETE FROM coordinators WHERE id = 4")
    assert old_store.execute("SELECT coordinator_id FROM broadcasts").fetchall() == [(None,)]


def test_triggers_survive_and_do_not_fire_during_the_rebuild(old_store):
    old_store.execute("CREATE TRIGGER offers_touched AFTER UPDATE ON offers BEGIN"
                      " INSERT INTO audit (at, actor, action) VALUES ('t', 'trigger', 'x'); END")
    migrate(old_store)
    assert old_store.execute("SELECT count(*) FROM audit WHERE actor = 'trigger'").fetchone() == (0,)
    old_store.execute("UPDATE offers SET town = 'Dalby' WHERE id = 8")
    assert old_store.execute("SELECT count(*) FROM audit WHERE actor = 'trigger'").fetchone() == (1,)


def test_a_rebuild_it_cannot_do_safely_changes_nothing(old_store):
    # Moving ids would run ON UPDATE CASCADE on the children: refuse, and roll back.
    old_store.execute("CREATE TABLE offer_notes (offer_id INTEGER REFERENCES offers(id)"
                      " ON UPDATE CASCADE, note TEXT)")
    old_store.execute("INSERT INTO offer_notes VALUES (6, 'hej')")
    before = snapshot(old_store)
    with pytest.raises(RuntimeError, match="ON UPDATE CASCADE"):
        migrate(old_store)
    assert not old_store.conn.in_transaction
    assert snapshot(old_store) == before
    assert [m.name for m in migrations.pending(old_store)][0] == MINE
