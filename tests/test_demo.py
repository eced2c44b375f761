"""Tests for shared.demo: the demo data set and the store summary."""

import threading

import pytest

from shared import demo_data
from shared.communities import list_communities
from shared.coordinators import verify_pin
from shared.db import open_db
from shared.demo import demo_pin_works, has_demo, load_demo, summarise


def test_demo_has_enough_communities_across_towns(demo_db):
    communities = list_communities(demo_db, statuses=("active", "paused", "archived"))
    assert len(communities) >= 12
    assert len({c["town"] for c in communities}) >= 5
    assert {c["town"] for c in communities} <= set(demo_data.TOWNS)


def test_every_demo_community_is_named_in_danish_and_english(demo_db):
    names = {}
    for language in ("da", "en"):
        for r in demo_db.query("SELECT c.code, t.name FROM communities c JOIN community_texts t"
                               " ON t.community_id = c.id WHERE t.language = ?", (language,)):
            names.setdefault(r["code"], {})[language] = r["name"]
    assert len(names) == len(demo_data.COMMUNITIES)
    for code, by_language in names.items():
        assert set(by_language) == {"da", "en"}, code
        assert all(name.strip() for name in by_language.values()), code


def test_load_demo_returns_a_pin_that_works(db, now):
    assert not has_demo(db)
    pin = load_demo(db, now=now)
    assert has_demo(db)
    assert len(pin) == 6 and pin.isdigit()
    stored = db.execute("SELECT pin_hash, role FROM coordinators WHERE name = ?",
                        (demo_data.DEMO_COORDINATOR,)).fetchone()
    assert stored[1] == "admin"
    assert verify_pin(pin, stored[0])


def test_load_demo_twice_loads_once(demo_db, now):
    before = summarise(demo_db)
    assert load_demo(demo_db, now=now) is None
    assert summarise(demo_db) == before


def test_a_second_loader_waiting_for_the_first_loads_nothing(db, db_path, now):
    # Two `faelles init --demo` at once: the first holds the write lock while loading.
    db.execute("BEGIN IMMEDIATE")
    load_demo(db, now=now)
    release = threading.Timer(0.3, db.execute, ("COMMIT",))
    release.start()
    second = open_db(db_path)
    try:
        assert load_demo(second, now=now) is None
    finally:
        release.join()
        second.close()


def test_summarise_counts_what_was_loaded(demo_db):
    expected = {
        "communities": sum(c["status"] != "archived" for c in demo_data.COMMUNITIES),
        "towns": len({c["town"] for c in demo_data.COMMUNITIES}),
        "contacts": len(demo_data.CONTACTS),
        "members": len(demo_data.MEMBERSHIPS),
        "offers": len(demo_data.OFFERS),
        "pending_offers": len(demo_data.OFFERS),
        "needs": len(demo_data.NEEDS),
        "feedback": len(demo_data.FEEDBACK),
        "coordinators": 1,
        "outbox": 0,
    }
    assert summarise(demo_db) == expected


def test_summarise_an_empty_store(db):
    assert set(summarise(db).values()) == {0}


def test_demo_contacts_keep_their_language(demo_db):
    languages = dict(demo_db.execute("SELECT phone, language FROM contacts").fetchall())
    assert languages == {c["phone"]: c["language"] for c in demo_data.CONTACTS}


def test_demo_pin_works_only_for_the_demo_coordinators_pin(db, now):
    assert not demo_pin_works(db, "123456")  # no demo loaded
    pin = load_demo(db, now=now)
    assert demo_pin_works(db, pin)
    assert not demo_pin_works(db, f"{(int(pin) + 1) % 10**6:06d}")
