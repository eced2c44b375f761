"""What coordinators do with communities: create, edit, pause, archive, message members."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.broadcasts import quiet_hours_end, send_broadcast
from shared.communities import (
    STATUSES as COMMUNITY_STATUSES, add_community, get_community, list_communities,
    set_community_status, update_community,
)
from shared.db import Database, immediate
from shared.errors import IllegalTransition
from shared.services.notices import audit_by


STATUS_ACTIONS = {"active": "community_resume", "paused": "community_pause",
                  "archived": "community_archive"}


def community_table(db: Database, language: str) -> list[dict]:
    """Return every community with its member count, archived ones last."""
    found = list_communities(db, language=language, statuses=COMMUNITY_STATUSES)
    return sorted(found, key=lambda c: c["status"] == "archived")


def create_community(db: Database, *, code: str, town: str, place: str, texts: dict,
                     coordinator_id: int, now: datetime) -> int:
    """Create a community from the coordinator's form, audited; return its id."""
    with immediate(db):
        community_id = add_community(db, code=code, town=town, place=place, texts=texts,
                                     now=now)
        audit_by(db, coordinator_id, "community_create", now, "community", community_id)
    return community_id


def edit_community(db: Database, code: str, *, town: str, place: str, texts: dict,
                   coordinator_id: int, now: datetime) -> None:
    """Change a community's town, place and texts, audited; its code stays."""
    with immediate(db):
        community_id = update_community(db, code, town=town, place=place, texts=texts, now=now)
        audit_by(db, coordinator_id, "community_edit", now, "community", community_id)


def change_community_status(db: Database, code: str, status: str, *, coordinator_id: int,
                            now: datetime) -> None:
    """Pause, resume or archive a community, audited; an archived one stays archived."""
    with immediate(db):
        community = get_community(db, code)
        if community["status"] == "archived":
            raise IllegalTransition("An archived community stays archived")
        set_community_status(db, code, status, now=now)
        audit_by(db, coordinator_id, STATUS_ACTIONS[status], now, "community", community["id"])


def pause_or_resume(db: Database, code: str, *, coordinator_id: int, now: datetime) -> str:
    """Pause an active community or resume a paused one; return its new status."""
    with immediate(db):
        new = "paused" if get_community(db, code)["status"] == "active" else "active"
        change_community_status(db, code, new, coordinator_id=coordinator_id, now=now)
    return new


def archive_community(db: Database, code: str, *, coordinator_id: int, now: datetime) -> None:
    change_community_status(db, code, "archived", coordinator_id=coordinator_id, now=now)


@dataclass(frozen=True)
class Broadcast:
    id: int
    held_until: datetime | None  # quiet hours: when the worker lets it go


def broadcast(db: Database, code: str, body: str, *, coordinator_id: int, now: datetime,
              quiet_start, quiet_end, translations: Mapping[str, str] | None = None) -> Broadcast:
    """Queue an SMS to every member who takes SMS, in their language, audited; say when it leaves.

    body is the main text; translations holds a text per other language. A member
    whose language has none gets the main text.
    """
    with immediate(db):
        broadcast_id = send_broadcast(db, code, body, coordinator_id=coordinator_id, now=now,
                                      translations=translations)
        audit_by(db, coordinator_id, "broadcast", now, "community", get_community(db, code)["id"])
    return Broadcast(broadcast_id, quiet_hours_end(now, quiet_start, quiet_end))
