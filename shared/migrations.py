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


@migrations()
def m005_outbox_uncertain(db: Database) -> None:
    """Let an outbound message be 'uncertain', give messages AUTOINCREMENT ids, add a heartbeat."""
    # A send whose outcome is unknown (the provider answered
    # after our timeout, or the worker died mid-call) is 'uncertain' until the
    # provider is asked, never sent again blind. attempted_at is when the provider
    # was last called: the window to look for the message in, and the grace period.
    # The CHECK constraint is part of the table, so SQLite needs the table rebuilt;
    # this rebuild also gives messages the AUTOINCREMENT ids m006 gives the others.
    # It reads the table as it is (whatever columns and indexes others added).
    import re

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'"
                     ).fetchone()[0]
    status_list = re.search(r"CHECK\s*\(\s*status\s+IN\s*\(([^)]*)\)", sql, re.IGNORECASE)
    if status_list is None:
        raise RuntimeError("m005: cannot find the status CHECK of messages")
    if "'uncertain'" not in status_list.group(1):
        sql = sql[:status_list.end(1)] + ", 'uncertain'" + sql[status_list.end(1):]
    if not re.search(r"\bAUTOINCREMENT\b", sql, re.IGNORECASE):
        sql, found = re.subn(
            r"""([(,]\s*(?:"id"|`id`|\[id\]|id)\s+INTEGER\s+PRIMARY\s+KEY)(?=[\s,)])""",
            r"\1 AUTOINCREMENT", sql, count=2, flags=re.IGNORECASE)
        if found != 1:
            raise RuntimeError("m005: cannot find the id column's PRIMARY KEY in messages")
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for child in tables:
        for reference in db.execute(f"PRAGMA foreign_key_list({quote(child)})"):
            # DROP TABLE deletes every row first, which would run that action.
            if reference[2].lower() == "messages" and reference[6] != "NO ACTION":
                raise RuntimeError(f"m005: {child} has ON DELETE {reference[6]} on messages")
    deferred_before = db.execute("PRAGMA defer_foreign_keys").fetchone()[0]
    db.execute("PRAGMA defer_foreign_keys = ON")
    info = db.execute("PRAGMA table_xinfo(messages)").fetchall()
    columns = ", ".join(quote(column[1]) for column in info if column[6] == 0)
    extras = db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'messages'"
        " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    count, high = db.execute("SELECT count(*), max(id) FROM messages").fetchone()
    db.execute(f"CREATE TEMP TABLE _m005_copy AS SELECT {columns} FROM messages")
    db.execute("DROP TABLE messages")
    db.execute(sql)
    db.execute(f"INSERT INTO messages ({columns}) SELECT {columns} FROM temp._m005_copy")
    db.execute("DROP TABLE temp._m005_copy")
    for (extra_sql,) in extras:
        db.execute(extra_sql)
    if db.execute("SELECT count(*) FROM messages").fetchone()[0] != count:
        raise RuntimeError("m005: messages lost rows in the rebuild")
    db.execute("DELETE FROM sqlite_sequence WHERE name = 'messages'")
    if high:
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', ?)", (high,))
    if not any(column[1] == "attempted_at" for column in info):
        db.execute("ALTER TABLE messages ADD COLUMN attempted_at TEXT")
    db.execute(f"PRAGMA defer_foreign_keys = {'ON' if deferred_before else 'OFF'}")
    # /healthz proves a write can be made by committing one small row here: a
    # rolled-back write never reaches the disk, so it would not notice a full one.
    # beats changes at every check: SQLite writes nothing for an unchanged row.
    db.execute("CREATE TABLE heartbeat (source TEXT PRIMARY KEY, at TEXT NOT NULL,"
               " beats INTEGER NOT NULL DEFAULT 1)")


@migrations()
def m006_ids_never_reused(db: Database) -> None:
    """Make every table's integer id AUTOINCREMENT, so an erased record's number is never reused."""
    # A plain INTEGER PRIMARY KEY hands out max(id) + 1, so after
    # an erase the next offer got the erased one's number ("Dit tilbud har nummer 8")
    # and old audit rows pointed at someone else. AUTOINCREMENT keeps the largest id
    # ever given in sqlite_sequence. m005 rebuilds messages; it is left to it.
    #
    # Adding AUTOINCREMENT means rebuilding the table, which SQLite's recipe does with
    # foreign keys off, but PRAGMA foreign_keys cannot change inside a transaction and
    # migrate() runs every migration inside one BEGIN IMMEDIATE. With them on, DROP
    # TABLE first deletes every row, and ON DELETE CASCADE would take the children
    # along (contacts -> offers, messages, conversations...). So each table's ids are
    # first moved below its smallest id, where no child points (nothing cascades, and
    # the broken references are deferred to COMMIT); the rows then come back with
    # their own ids into the new table, which settles every deferred reference.
    import re

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    primary_key = re.compile(
        r"""([(,]\s*(?:"id"|`id`|\[id\]|id)\s+INTEGER\s+PRIMARY\s+KEY"""
        r"""(?:\s+(?:ASC|DESC))?(?:\s+ON\s+CONFLICT\s+\w+)?)(?=[\s,)])""", re.IGNORECASE)
    # An id the audit log names stays used even if its row was erased before this ran.
    audited_kinds = {"contacts": "contact", "communities": "community",
                     "coordinators": "coordinator", "offers": "offer", "feedback": "feedback"}

    def fk_problems() -> set[tuple]:
        return {tuple(found) for found in db.execute("PRAGMA foreign_key_check").fetchall()}

    deferred_before = db.execute("PRAGMA defer_foreign_keys").fetchone()[0]
    db.execute("PRAGMA defer_foreign_keys = ON")
    problems_before = fk_problems()
    tables = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name != 'messages'"
        r" AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_%' ESCAPE '\'"
        " ORDER BY name").fetchall()
    every_table = [name for name, _ in tables]
    for name, sql in tables:
        info = db.execute(f"PRAGMA table_xinfo({quote(name)})").fetchall()
        keys = [column for column in info if column[5]]
        if (len(keys) != 1 or keys[0][1].lower() != "id" or keys[0][2].upper() != "INTEGER"
                or re.search(r"\bAUTOINCREMENT\b", sql, re.IGNORECASE)):
            continue
        new_sql, found = primary_key.subn(r"\1 AUTOINCREMENT", sql, count=2)
        if found != 1:
            raise RuntimeError(f"m006: cannot find the id column's PRIMARY KEY in {name}")
        for child in every_table:
            for reference in db.execute(f"PRAGMA foreign_key_list({quote(child)})"):
                if reference[2].lower() == name.lower() and reference[5] != "NO ACTION":
                    # Moving the ids would run that action on the children.
                    raise RuntimeError(f"m006: {child} has ON UPDATE {reference[5]} on {name}")
        columns = ", ".join(quote(column[1]) for column in info if column[6] == 0)
        extras = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?"
            " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            (name,)).fetchall()
        for kind, extra, _ in extras:
            if kind == "trigger":  # it would fire on the moves below
                db.execute(f"DROP TRIGGER {quote(extra)}")
        count, low, high = db.execute(
            f"SELECT count(*), min(id), max(id) FROM {quote(name)}").fetchone()
        db.execute(f"CREATE TEMP TABLE _m006_copy AS SELECT {columns} FROM {quote(name)}")
        if count:
            db.execute(f"UPDATE {quote(name)} SET id = id - ?", (high - low + 1,))
        db.execute(f"DROP TABLE {quote(name)}")
        db.execute(new_sql)
        db.execute(f"INSERT INTO {quote(name)} ({columns}) SELECT {columns} FROM temp._m006_copy")
        db.execute("DROP TABLE temp._m006_copy")
        for _, _, extra_sql in extras:
            db.execute(extra_sql)
        if db.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0] != count:
            raise RuntimeError(f"m006: {name} lost rows in the rebuild")
        floor = high or 0
        if name in audited_kinds and "audit" in every_table:
            seen = db.execute("SELECT max(record_id) FROM audit WHERE record_kind = ?",
                              (audited_kinds[name],)).fetchone()[0]
            floor = max(floor, seen or 0)
        db.execute("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
        if floor:
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, floor))
    # Rows keep their ids and so their rowids: the check's rows compare as they are.
    if fk_problems() - problems_before:
        raise RuntimeError("m006: the rebuild broke a foreign key")
    db.execute(f"PRAGMA defer_foreign_keys = {'ON' if deferred_before else 'OFF'}")


@migrations()
def m007_suppression(db: Database) -> None:
    """Keep opted-out numbers as keyed hashes that outlive erasure; per-contact SMS guards."""
    # The opted-out flag died with the contact row on erase.
    # suppressions holds HMAC-SHA256(key, E.164) only; store_secrets holds the key
    # used when FAELLES_SUPPRESSION_KEY is unset. New tables only, so whatever
    # columns m005/m006 gave the others does not matter here.
    _run(db, """
    CREATE TABLE IF NOT EXISTS store_secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS suppressions (
        hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS sms_guards (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        throttle_notice_at TEXT,
        loop_stopped_at TEXT
    )
    """)
    from shared.suppression import create_stored_key, number_hash, suppression_keys

    # No clock in a migration: the key is dated by the store's oldest contact, if any.
    first = db.execute("SELECT coalesce(min(first_seen), '') FROM contacts").fetchone()[0]
    create_stored_key(db, at=first)
    key = suppression_keys(db)[0]
    # Everyone who opted out before this migration stays opted out after an erase.
    for phone, since in db.execute(
            "SELECT phone, coalesce(opted_out_at, last_seen) FROM contacts WHERE opted_out = 1"
    ).fetchall():
        db.execute("INSERT INTO suppressions (hash, created_at) VALUES (?, ?)"
                   " ON CONFLICT (hash) DO NOTHING", (number_hash(key, phone), since))

@migrations()
def m008_unsorted(db: Database) -> None:
    """Keep texts that were no keyword and no answer for a person to read."""
    # A long story or a question used to get the numbered menu and reach nobody:
    # it sat only in messages, which retention purges. Here it waits for a
    # coordinator, who answers it or files it as feedback or an offer.
    _run(db, """
    CREATE TABLE IF NOT EXISTS unsorted (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        text TEXT NOT NULL,
        language TEXT,
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'answered', 'feedback', 'offer', 'archived')),
        reply TEXT,
        record_id INTEGER,
        handled_by INTEGER REFERENCES coordinators(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS unsorted_status ON unsorted (status, created_at);
    CREATE INDEX IF NOT EXISTS unsorted_contact ON unsorted (contact_id)
    """)


@migrations()
def m009_growing_lockouts(db: Database) -> None:
    """Count lockouts in a row and wrong PINs since the last login, per coordinator."""
    # Lockouts grow with each one in a row, and a coordinator is told at login
    # how many wrong PINs were tried on their name meanwhile.
    _run(db, """
    ALTER TABLE coordinators ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE coordinators ADD COLUMN failed_since_login INTEGER NOT NULL DEFAULT 0
    """)


@migrations()
def m010_broadcast_translations(db: Database) -> None:
    """Keep a broadcast's texts in other languages than its main text (broadcasts.body)."""
    # Each member gets the text in their language, or else the main one. The
    # messages go with the retention period; the broadcast keeps what was written.
    _run(db, """
    CREATE TABLE IF NOT EXISTS broadcast_translations (
        broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
        language TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (broadcast_id, language)
    )
    """)


@migrations()
def m011_needs_and_introductions(db: Database) -> None:
    """Needs, and introductions of a need to an offer with both people's consent."""
    # A need always has a contact: an introduction needs a number to answer.
    # An introduction outlives an erased person (need_id or offer_id becomes
    # NULL), so the coordinator still sees that it ended and why.
    _run(db, """
    CREATE TABLE IF NOT EXISTS needs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        description TEXT NOT NULL,
        category TEXT,
        town TEXT,
        needed_when TEXT,
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'open', 'introduced', 'met', 'not_met', 'withdrawn',
                              'expired')),
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'kiosk')),
        location TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS needs_status ON needs (status, created_at);
    CREATE INDEX IF NOT EXISTS needs_contact ON needs (contact_id);
    CREATE TABLE IF NOT EXISTS introductions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        need_id INTEGER REFERENCES needs(id) ON DELETE SET NULL,
        offer_id INTEGER REFERENCES offers(id) ON DELETE SET NULL,
        coordinator_id INTEGER REFERENCES coordinators(id) ON DELETE SET NULL,
        status TEXT NOT NULL DEFAULT 'waiting'
            CHECK (status IN ('waiting', 'agreed', 'declined', 'expired', 'ended')),
        ended_reason TEXT,
        need_answer TEXT CHECK (need_answer IN ('yes', 'no')),
        need_answered_at TEXT,
        need_name TEXT,
        offer_answer TEXT CHECK (offer_answer IN ('yes', 'no')),
        offer_answered_at TEXT,
        offer_name TEXT,
        answer_by TEXT NOT NULL,
        follow_up_at TEXT,
        followed_up_at TEXT,
        helped INTEGER CHECK (helped IN (0, 1)),
        helped_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS introductions_status ON introductions (status, answer_by);
    CREATE INDEX IF NOT EXISTS introductions_need ON introductions (need_id);
    CREATE INDEX IF NOT EXISTS introductions_offer ON introductions (offer_id)
    """)


@migrations()
def m012_leaders_and_meetings(db: Database) -> None:
    """Citizens who lead a community by SMS, its meetings, their reminders and who cannot come."""
    # A reminder row is written in the same transaction as its SMS, under a key
    # of meeting, occurrence and member: a restarted worker never sends it twice.
    # An absence is counted, never shown by name.
    _run(db, """
    CREATE TABLE IF NOT EXISTS leaders (
        community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        first_name TEXT NOT NULL,
        stopped_at TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (community_id, contact_id)
    );
    ALTER TABLE broadcasts ADD COLUMN leader_contact_id INTEGER
        REFERENCES contacts(id) ON DELETE SET NULL;
    CREATE TABLE IF NOT EXISTS meetings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
        starts_at TEXT NOT NULL,
        weekly INTEGER NOT NULL DEFAULT 0 CHECK (weekly IN (0, 1)),
        place TEXT NOT NULL DEFAULT '',
        set_by_contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
        set_by_coordinator_id INTEGER REFERENCES coordinators(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        cancelled_at TEXT
    );
    CREATE INDEX IF NOT EXISTS meetings_community ON meetings (community_id, cancelled_at);
    CREATE TABLE IF NOT EXISTS reminders (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        starts_at TEXT NOT NULL,
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        PRIMARY KEY (meeting_id, starts_at, contact_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS absences (
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        starts_at TEXT NOT NULL,
        contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (meeting_id, starts_at, contact_id)
    ) WITHOUT ROWID
    """)


@migrations()
def m013_offer_answers(db: Database) -> None:
    """Keep a citizen's answer to a coordinator's question apart from the offer's words."""
    # Appended to the description, an answer was one more line under the offer,
    # below what the review pane shows at 80x24, and the review list could not
    # tell an answered offer from a new one. A new question clears the answer.
    _run(db, """
    ALTER TABLE offers ADD COLUMN answer TEXT;
    ALTER TABLE offers ADD COLUMN answered_at TEXT
    """)
    # Answers stored the old way: the description, a newline, "→ " and the answer,
    # on offers a coordinator asked about.
    for offer_id, description, updated_at in db.execute(
            "SELECT id, description, updated_at FROM offers WHERE review_note IS NOT NULL"
            " AND instr(description, char(10) || '→ ') > 0").fetchall():
        words, _arrow, answer = description.rpartition("\n→ ")
        db.execute("UPDATE offers SET description = ?, answer = ?, answered_at = ? WHERE id = ?",
                   (words, answer, updated_at, offer_id))


@migrations()
def m014_erasure_ledger(db: Database) -> None:
    """Keep a keyed hash of every erased number and when, for a restore to erase them again."""
    # Only HMAC-SHA256(key, E.164), as the suppression list keeps, and the key's
    # fingerprint, so a restore can tell a hash whose key it lacks from one that
    # matches nobody. Erasures made before this migration cannot be listed: their
    # numbers are gone, and the audit log names only the contact's id.
    _run(db, """
    CREATE TABLE IF NOT EXISTS erasures (
        hash TEXT PRIMARY KEY,
        erased_at TEXT NOT NULL,
        key_fingerprint TEXT NOT NULL
    ) WITHOUT ROWID
    """)


@migrations()
def m015_feedback_quoted_in_report(db: Database) -> None:
    """Let a coordinator choose feedback to quote, without name or number, in the report."""
    # Nothing a citizen wrote is published unless a person chose it: the flag
    # starts at 0 for all feedback, old and new.
    db.execute("ALTER TABLE feedback ADD COLUMN for_report INTEGER NOT NULL DEFAULT 0"
               " CHECK (for_report IN (0, 1))")


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
