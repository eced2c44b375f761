"""Communities (fællesskaber) and the memberships that tie contacts to them."""

from __future__ import annotations

import re
from datetime import datetime

from shared.clock import iso
from shared.db import Database, immediate, row, rows
from shared.errors import IllegalTransition, InvalidValue, NotFound
from shared.i18n import N_
from shared.keywords import fold, reserved_words
from shared.sms_text import sanitise
from shared.vocabulary import CHANNELS, DEFAULT_LOCALE

STATUSES = ("active", "paused", "archived")
CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,10}$")
DEFAULT_LANGUAGE = DEFAULT_LOCALE  # old name; kiosk/coordinator/community_form.py reads it


def validate_code(code: str) -> str:
    """Return code folded to an SMS keyword, or raise InvalidValue."""
    folded = fold((code or "").strip())
    if not CODE_PATTERN.match(folded):
        raise InvalidValue("A code is 3 to 10 letters A-Z or digits, e.g. STRIK")
    if folded.isdigit():
        raise InvalidValue("A code needs at least one letter")
    if folded in reserved_words():
        raise InvalidValue(f"{folded} is an SMS keyword and cannot be a code")
    return folded


def create_community(
    db: Database,
    *,
    code: str,
    town: str,
    texts: dict[str, dict[str, str]],
    now: datetime,
    place: str = "",
    status: str = "active",
) -> int:
    """Create a community with its name, description and schedule per language."""
    code = validate_code(code)
    if status not in STATUSES:
        raise InvalidValue(f"Unknown status {status!r}")
    if not any((t.get("name") or "").strip() for t in texts.values()):
        raise InvalidValue("A community needs a name")
    with immediate(db):
        if row(db, "SELECT 1 FROM communities WHERE code = ?", (code,)):
            raise InvalidValue(f"The code {code} is already used")
        community_id = db.execute(
            "INSERT INTO communities (code, town, place, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (code, town, place, status, iso(now), iso(now)),
        ).lastrowid
        for language, text in texts.items():
            db.execute(
                "INSERT INTO community_texts (community_id, language, name, description, schedule)"
                " VALUES (?, ?, ?, ?, ?)",
                (community_id, language, text["name"], text.get("description", ""),
                 text.get("schedule", "")),
            )
    return community_id


_MEMBER_COUNT = """(SELECT count(*) FROM memberships m
         WHERE m.community_id = c.id AND m.left_at IS NULL)"""
_SELECT = """
SELECT c.*, coalesce(t.name, d.name) AS name,
       coalesce(t.description, d.description) AS description,
       coalesce(t.schedule, d.schedule) AS schedule,
       {members} AS members
FROM communities c
LEFT JOIN community_texts t ON t.community_id = c.id AND t.language = :language
LEFT JOIN community_texts d ON d.community_id = c.id AND d.language = :fallback
"""


def get_community(db: Database, code: str, language: str = DEFAULT_LOCALE) -> dict:
    """Return the community with this code in the given language, or raise NotFound."""
    found = row(db, _SELECT.format(members=_MEMBER_COUNT) + " WHERE c.code = :code",
                {"language": language, "fallback": DEFAULT_LOCALE, "code": fold(code)})
    if found is None:
        raise NotFound(f"No community with code {code}")
    return found


def list_communities(
    db: Database,
    *,
    language: str = DEFAULT_LOCALE,
    town: str | None = None,
    statuses: tuple[str, ...] = ("active",),
    count_members: bool = True,
) -> list[dict]:
    """Return communities ordered by town and code, optionally in one town."""
    params: dict = {"language": language, "fallback": DEFAULT_LOCALE, "town": town}
    params.update({f"s{i}": status for i, status in enumerate(statuses)})
    marks = ", ".join(f":s{i}" for i in range(len(statuses)))
    sql = _SELECT.format(members=_MEMBER_COUNT if count_members else "NULL")
    sql += f" WHERE c.status IN ({marks})"
    if town:
        sql += " AND lower(c.town) = lower(:town)"
    return rows(db, sql + " ORDER BY c.town, c.code", params)


def community_codes(db: Database) -> list[str]:
    """Return the codes of active communities."""
    return [r["code"] for r in rows(db,
        "SELECT code FROM communities WHERE status = 'active' ORDER BY code")]


def set_community_status(db: Database, code: str, status: str, *, now: datetime) -> None:
    """Pause, reactivate or archive a community."""
    if status not in STATUSES:
        raise InvalidValue(f"Unknown status {status!r}")
    with immediate(db):
        current = row(db, "SELECT status FROM communities WHERE code = ?", (fold(code),))
        if current is None:
            raise NotFound(f"No community with code {code}")
        if current["status"] == "archived" and status != "archived":
            raise IllegalTransition("An archived community stays archived")
        db.execute("UPDATE communities SET status = ?, updated_at = ? WHERE code = ?",
                   (status, iso(now), fold(code)))


def join_community(
    db: Database,
    contact_id: int,
    code: str,
    *,
    channel: str,
    now: datetime,
    location: str | None = None,
) -> tuple[int, bool]:
    """Make the contact a member; return (membership id, whether it is new)."""
    if channel not in CHANNELS:
        raise InvalidValue(f"Unknown channel {channel!r}")
    with immediate(db):
        community = row(db, "SELECT id, status FROM communities WHERE code = ?", (fold(code),))
        if community is None:
            raise NotFound(f"No community with code {code}")
        if community["status"] != "active":
            raise IllegalTransition(f"The community {fold(code)} is not taking members now")
        existing = row(db, "SELECT id FROM memberships WHERE contact_id = ? AND community_id = ?"
                           " AND left_at IS NULL", (contact_id, community["id"]))
        if existing:
            return existing["id"], False
        membership_id = db.execute(
            "INSERT INTO memberships (contact_id, community_id, joined_at, channel, location)"
            " VALUES (?, ?, ?, ?, ?)",
            (contact_id, community["id"], iso(now), channel, location),
        ).lastrowid
    return membership_id, True


def leave_community(db: Database, contact_id: int, code: str, *, now: datetime) -> bool:
    """End the contact's membership; return whether there was one."""
    with immediate(db):
        community = row(db, "SELECT id FROM communities WHERE code = ?", (fold(code),))
        if community is None:
            raise NotFound(f"No community with code {code}")
        return db.execute(
            "UPDATE memberships SET left_at = ? WHERE contact_id = ? AND community_id = ?"
            " AND left_at IS NULL", (iso(now), contact_id, community["id"]),
        ).rowcount > 0


def memberships_of(db: Database, contact_id: int, language: str = DEFAULT_LOCALE) -> list[dict]:
    """Return the contact's current memberships with community code and name."""
    return rows(db,
        "SELECT m.*, c.code, coalesce(t.name, d.name) AS name FROM memberships m"
        " JOIN communities c ON c.id = m.community_id"
        " LEFT JOIN community_texts t ON t.community_id = c.id AND t.language = ?"
        " LEFT JOIN community_texts d ON d.community_id = c.id AND d.language = ?"
        " WHERE m.contact_id = ? AND m.left_at IS NULL ORDER BY m.joined_at",
        (language, DEFAULT_LOCALE, contact_id))


def members_of(db: Database, code: str) -> list[dict]:
    """Return the current members of a community with their numbers, and who leads it."""
    return rows(db,
        "SELECT m.*, p.phone, p.language, p.opted_out, l.first_name AS leader,"
        " l.stopped_at AS leader_stopped_at FROM memberships m"
        " JOIN communities c ON c.id = m.community_id JOIN contacts p ON p.id = m.contact_id"
        " LEFT JOIN leaders l ON l.community_id = c.id AND l.contact_id = p.id"
        " WHERE c.code = ? AND m.left_at IS NULL ORDER BY m.joined_at", (fold(code),))


# --- What a coordinator does to communities: each change audited ---------------

# Coordinator-typed texts are shown on terminals and sent by SMS: stored clean
# (no control characters or bidi overrides) and short enough for a list.
TEXT_LIMITS = {"name": 60, "description": 400, "schedule": 80}
MAX_TOWN = 40
MAX_PLACE = 120

def code_problem(db: Database, code: str) -> tuple[str, dict] | None:
    """Return why code cannot be a new community's code (a msgid and its fields), or None."""
    # validate_code's own messages are English sentences with the code baked
    # in; the kiosk needs a msgid and fields to say the same in every language.
    folded = fold((code or "").strip())
    try:
        validate_code(code)
    except InvalidValue:
        if not CODE_PATTERN.match(folded):
            return N_("A code is 3 to 10 letters A-Z or digits, e.g. STRIK"), {}
        if folded.isdigit():
            return N_("A code needs at least one letter"), {}
        return N_("{code} is an SMS keyword and cannot be a code"), {"code": folded}
    if row(db, "SELECT 1 FROM communities WHERE code = ?", (folded,)):
        return N_("The code {code} is already used"), {"code": folded}
    return None


def clean_texts(texts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Return name, description and schedule per language, sanitised and cut to size."""
    return {language: {field: sanitise(" ".join((text.get(field) or "").split()), limit)
                       for field, limit in TEXT_LIMITS.items()}
            for language, text in texts.items()}


def community_texts(db: Database, code: str) -> dict[str, dict[str, str]]:
    """Return name, description and schedule per language, as stored."""
    return {r["language"]: {"name": r["name"], "description": r["description"],
                            "schedule": r["schedule"]}
            for r in rows(db, "SELECT t.* FROM community_texts t"
                              " JOIN communities c ON c.id = t.community_id"
                              " WHERE c.code = ? ORDER BY t.language", (fold(code),))}


def _require_default_name(texts: dict[str, dict[str, str]]) -> None:
    # Every other language falls back to the default one (see _SELECT), so a
    # community without a name there would show up nameless.
    if not texts.get(DEFAULT_LOCALE, {}).get("name"):
        raise InvalidValue(f"A community needs a name in {DEFAULT_LOCALE!r}")


def add_community(
    db: Database, *, code: str, town: str, place: str, texts: dict[str, dict[str, str]],
    now: datetime,
) -> int:
    """Create a community from a coordinator's form, its texts cleaned; return its id."""
    texts = {language: text for language, text in clean_texts(texts).items() if text["name"]}
    _require_default_name(texts)
    town = sanitise(" ".join(town.split()), MAX_TOWN)
    if not town:
        raise InvalidValue("A community needs a town")
    with immediate(db):
        return create_community(db, code=code, town=town, texts=texts, now=now,
                                place=sanitise(" ".join(place.split()), MAX_PLACE))


def update_community(
    db: Database, code: str, *, town: str, place: str, texts: dict[str, dict[str, str]],
    now: datetime,
) -> int:
    """Change a community's town, place and texts per language; its code stays; return its id.

    A language given with an empty name is removed; languages not given are kept.
    """
    # The code is not editable: members text FORLAD/LEAVE with it, and posters
    # and earlier SMS replies print it. A new code means a new community.
    texts = clean_texts(texts)
    town = sanitise(" ".join(town.split()), MAX_TOWN)
    if not town:
        raise InvalidValue("A community needs a town")
    with immediate(db):
        community = row(db, "SELECT id FROM communities WHERE code = ?", (fold(code),))
        if community is None:
            raise NotFound(f"No community with code {code}")
        db.execute("UPDATE communities SET town = ?, place = ?, updated_at = ? WHERE id = ?",
                   (town, sanitise(" ".join(place.split()), MAX_PLACE), iso(now),
                    community["id"]))
        for language, text in texts.items():
            if not text["name"]:
                db.execute("DELETE FROM community_texts WHERE community_id = ? AND language = ?",
                           (community["id"], language))
                continue
            db.execute(
                "INSERT INTO community_texts (community_id, language, name, description,"
                " schedule) VALUES (?, ?, ?, ?, ?) ON CONFLICT (community_id, language)"
                " DO UPDATE SET name = excluded.name, description = excluded.description,"
                " schedule = excluded.schedule",
                (community["id"], language, text["name"], text["description"],
                 text["schedule"]))
        _require_default_name(community_texts(db, code))  # raising rolls it all back
    return community["id"]
