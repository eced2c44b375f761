"""What coordinators do with communities: create, edit, set the next meeting, pause, archive,
message members."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared import meetings
from shared.broadcasts import quiet_hours_end, send_broadcast
from shared.clock import parse
from shared.communities import (
    STATUSES as COMMUNITY_STATUSES, add_community, get_community, list_communities,
    set_community_status, update_community,
)
from shared.db import Database, immediate
from shared.errors import IllegalTransition, InvalidValue
from shared.i18n import N_, TIMEZONE
from shared.meeting_time import Meeting, parse_meeting
from shared.services.notices import audit_by
from shared.sms_text import sanitise
from shared.vocabulary import DEFAULT_LOCALE


STATUS_ACTIONS = {"active": "community_resume", "paused": "community_pause",
                  "archived": "community_archive"}
# The next meeting as the coordinator writes it: day, time and place, as in a leader's MØDE.
MAX_MEETING = 120


class UnreadableMeeting(InvalidValue):
    """A meeting with no clear coming day and time: refused, never guessed."""

    message = N_("Cannot read a coming day and time: write e.g. 12/12 14:00 Library.")

    def __init__(self):
        super().__init__(self.message)


def community_table(db: Database, language: str) -> list[dict]:
    """Return every community with its member count, archived ones last."""
    found = list_communities(db, language=language, statuses=COMMUNITY_STATUSES)
    return sorted(found, key=lambda c: c["status"] == "archived")


def create_community(db: Database, *, code: str, town: str, place: str, texts: dict,
                     coordinator_id: int, now: datetime, meeting: str = "",
                     language: str = DEFAULT_LOCALE) -> int:
    """Create a community from the coordinator's form, audited; return its id.

    meeting is its next meeting as written (read in language), or "" for none yet.
    """
    with immediate(db):
        community_id = add_community(db, code=code, town=town, place=place, texts=texts,
                                     now=now)
        audit_by(db, coordinator_id, "community_create", now, "community", community_id)
        if meeting.strip():
            set_next_meeting(db, code, meeting, language=language,
                             coordinator_id=coordinator_id, now=now)
    return community_id


def edit_community(db: Database, code: str, *, town: str, place: str, texts: dict,
                   coordinator_id: int, now: datetime, meeting: str = "",
                   call_off_meeting: bool = False, language: str = DEFAULT_LOCALE) -> None:
    """Change a community's town, place, texts and next meeting, audited; its code stays.

    An empty meeting leaves the next meeting as it is; nothing is saved when the
    meeting written cannot be read.
    """
    with immediate(db):
        community_id = update_community(db, code, town=town, place=place, texts=texts, now=now)
        audit_by(db, coordinator_id, "community_edit", now, "community", community_id)
        if call_off_meeting:
            call_off_next_meeting(db, code, coordinator_id=coordinator_id, now=now)
        elif meeting.strip():
            set_next_meeting(db, code, meeting, language=language,
                             coordinator_id=coordinator_id, now=now)


def read_meeting(text: str, *, language: str, now: datetime) -> Meeting | None:
    """Return the meeting a coordinator wrote, read as a leader's MØDE is; None if unclear."""
    return parse_meeting(sanitise(text, MAX_MEETING), now, language)


def current_meeting(db: Database, code: str, *, now: datetime) -> Meeting | None:
    """Return the community's next meeting (a weekly one as weekly), or None."""
    found = meetings.next_meeting(db, code, now=now)
    if found is None:
        return None
    starts_at = parse(found["starts_at"]).astimezone(TIMEZONE)
    weekly = bool(found["weekly"])
    return Meeting(starts_at=starts_at, weekday=starts_at.weekday() if weekly else None,
                   time_of_day=starts_at.time().replace(tzinfo=None), weekly=weekly,
                   place=found["place"])


def set_next_meeting(db: Database, code: str, text: str, *, language: str,
                     coordinator_id: int, now: datetime) -> Meeting:
    """Make the meeting written the community's next one, audited; raise UnreadableMeeting
    when it has no clear coming day and time."""
    meeting = read_meeting(text, language=language, now=now)
    if meeting is None:
        raise UnreadableMeeting()
    with immediate(db):
        meeting_id = meetings.set_meeting(db, code, starts_at=meeting.starts_at,
                                          weekly=meeting.weekly, place=meeting.place, now=now,
                                          by_coordinator=coordinator_id)
        audit_by(db, coordinator_id, "set_meeting", now, "meeting", meeting_id)
    return meeting


def call_off_next_meeting(db: Database, code: str, *, coordinator_id: int,
                          now: datetime) -> bool:
    """Call off the community's next meeting, audited; return whether there was one."""
    with immediate(db):
        found = meetings.next_meeting(db, code, now=now)
        if found is None:
            return False
        meetings.cancel_meeting(db, code, now=now)
        audit_by(db, coordinator_id, "call_off_meeting", now, "meeting", found["id"])
    return True


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
