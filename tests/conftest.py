"""Fixtures that build on each other: db_path -> db -> demo_db; a fixed NOW."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.db import open_db

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "faelles.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def demo_db(db, now):
    from shared.demo import load_demo

    load_demo(db, now=now)
    return db


@pytest.fixture
def contact(db, now):
    from shared.contacts import touch_contact

    return touch_contact(db, "20 11 22 33", now=now, language="da")
