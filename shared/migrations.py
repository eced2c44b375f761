"""The schema, as sqlite-utils migrations applied under one write lock."""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

from shared.db import Database

migrations = Migrations("faelles")


def _run(db: Database, statements: str) -> None:
    # Not executescript(): it COMMITs first, which would end the migration's transaction.
    for statement in statements.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db: Database) -> None:
    _run(db, """
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        phone TEXT NOT NULL UNIQUE,
        language TEXT,
        opted_out INTEGER NOT NULL DEFAULT 0,
        opted_out_at TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE TABLE communities (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        town TEXT NOT NULL,
        place TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'active'
            CHECK (status IN ('active', 'paused', 'archived')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE community_texts (
        community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
        language TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        schedule TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (community_id, language)
    );
    CREATE TABLE memberships (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
        joined_at TEXT NOT NULL,
        left_at TEXT,
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'kiosk')),
        location TEXT
    );
    CREATE UNIQUE INDEX memberships_active
        ON memberships (contact_id, community_id) WHERE left_at IS NULL;
    CREATE TABLE coordinators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL DEFAULT 'coordinator',
        pin_hash TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE offers (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
        category TEXT,
        description TEXT NOT NULL,
        town TEXT,
        availability TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
            ('pending', 'approved', 'needs_info', 'rejected', 'withdrawn', 'matched', 'done')),
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'kiosk')),
        location TEXT,
        community_id INTEGER REFERENCES communities(id) ON DELETE SET NULL,
        review_note TEXT,
        reviewer_id INTEGER REFERENCES coordinators(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX offers_status ON offers (status, created_at);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('ris', 'ros', 'ide')),
        text TEXT NOT NULL,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        town TEXT,
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'read', 'answered', 'archived')),
        reply TEXT,
        replied_at TEXT,
        replied_by INTEGER REFERENCES coordinators(id) ON DELETE SET NULL,
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'kiosk')),
        location TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX feedback_status ON feedback (status, created_at);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
        phone TEXT NOT NULL,
        provider_id TEXT UNIQUE,
        body TEXT NOT NULL,
        encoding TEXT NOT NULL,
        segments INTEGER NOT NULL,
        kind TEXT NOT NULL DEFAULT 'reply',
        status TEXT NOT NULL CHECK (status IN ('received', 'queued', 'sending', 'sent',
            'delivered', 'failed', 'undelivered')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        not_before TEXT,
        error_code TEXT,
        error_message TEXT,
        reply TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX messages_outbox ON messages (status, next_attempt_at) WHERE direction = 'out';
    CREATE INDEX messages_contact ON messages (contact_id, created_at);
    CREATE TABLE conversations (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        flow TEXT NOT NULL,
        step TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}',
        expires_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        coordinator_id INTEGER,
        action TEXT NOT NULL,
        record_kind TEXT,
        record_id INTEGER
    );
    CREATE INDEX audit_at ON audit (at)
    """)


@migrations()
def m002_contact_revision(db: Database) -> None:
    # Bumped by every inbound SMS handled for the contact, so the service can run
    # the engine before taking the write lock and notice if another SMS from the
    # same number changed the conversation meanwhile.
    db.execute("ALTER TABLE contacts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")


@migrations()
def m003_verifications(db: Database) -> None:
    _run(db, """
    CREATE TABLE verifications (
        id INTEGER PRIMARY KEY,
        phone TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        location TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        verified_at TEXT
    );
    CREATE INDEX verifications_phone ON verifications (phone, created_at);
    CREATE INDEX verifications_location ON verifications (location, created_at)
    """)


@migrations()
def m004_broadcasts(db: Database) -> None:
    _run(db, """
    CREATE TABLE broadcasts (
        id INTEGER PRIMARY KEY,
        community_id INTEGER REFERENCES communities(id) ON DELETE SET NULL,
        body TEXT NOT NULL,
        coordinator_id INTEGER REFERENCES coordinators(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL
    );
    ALTER TABLE messages ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id)
        ON DELETE SET NULL
    """)


def migrate(db: Database) -> list[str]:
    """Apply pending migrations once, even when several processes start together."""
    if not migrations.pending(db):
        return []
    # BEGIN IMMEDIATE takes the write lock before reading what is applied: a
    # second process waits here, then finds nothing pending. Migrations.apply
    # nests its own transactions as savepoints inside this one.
    db.execute("BEGIN IMMEDIATE")
    try:
        names = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return names
