"""Rows for `faelles export`: the fields design.md promises for each kind."""

from __future__ import annotations

import os
from pathlib import Path

from shared.db import Database

_QUERIES = {
    "offers": """
        SELECT o.id, c.phone, o.category, o.description, o.town, o.availability, o.status,
               o.channel, o.location, o.created_at
        FROM offers o LEFT JOIN contacts c ON c.id = o.contact_id ORDER BY o.id""",
    "feedback": """
        SELECT f.id, c.phone, f.kind, f.text, f.rating, f.town, f.status, f.channel,
               f.location, f.created_at, f.reply
        FROM feedback f LEFT JOIN contacts c ON c.id = f.contact_id ORDER BY f.id""",
    "communities": """
        SELECT c.code, da.name AS name_da, en.name AS name_en, c.town, c.place, c.status,
               da.schedule AS schedule_da,
               (SELECT count(*) FROM memberships m
                 WHERE m.community_id = c.id AND m.left_at IS NULL) AS members,
               c.created_at
        FROM communities c
        LEFT JOIN community_texts da ON da.community_id = c.id AND da.language = 'da'
        LEFT JOIN community_texts en ON en.community_id = c.id AND en.language = 'en'
        ORDER BY c.code""",
    "members": """
        SELECT c.code, p.phone, m.joined_at, m.channel, m.location
        FROM memberships m JOIN communities c ON c.id = m.community_id
        JOIN contacts p ON p.id = m.contact_id
        WHERE m.left_at IS NULL ORDER BY c.code, m.joined_at""",
    "messages": """
        SELECT id, direction, phone, provider_id, body, encoding, segments, kind, status,
               attempts, error_code, created_at, updated_at
        FROM messages ORDER BY id""",
}

EXPORT_KINDS = tuple(_QUERIES)


def export_rows(db: Database, kind: str) -> list[dict]:
    """Return every row of one export kind as dicts."""
    return export_table(db, kind)[1]


def export_table(db: Database, kind: str) -> tuple[list[str], list[dict]]:
    """Return the column names (known even with no rows) and the rows of one export kind."""
    if kind not in _QUERIES:
        raise ValueError(f"Unknown export kind {kind!r}; choose one of {', '.join(EXPORT_KINDS)}")
    cursor = db.conn.execute(_QUERIES[kind])
    names = [column[0] for column in cursor.description]
    return names, [dict(zip(names, values)) for values in cursor.fetchall()]


def write_private(folder: Path, name: str, suffix: str, text: str) -> Path:
    """Write text to a new file readable by its owner only; never overwrite one."""
    # Exports hold personal data: keep them out of other users' reach.
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for attempt in range(1, 100):
        path = folder / (f"{name}{suffix}" if attempt == 1 else f"{name}-{attempt}{suffix}")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with open(descriptor, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path
    raise FileExistsError(f"Too many exports named {name} in {folder}")
