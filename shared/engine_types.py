"""What the conversation engine reads and returns: the flow's state, the facts
the service loads, the limits of one reply, the effects to apply and the outcome.

Plain frozen dataclasses, no behaviour beyond Facts.limits; shared/engine.py
works with them and re-exports them, so callers keep writing engine.State.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.replies import Reply


@dataclass(frozen=True)
class Limits:
    """How much of the store's own words one reply may carry within two segments.

    A GSM-7 reply has 306 characters in two segments, a UCS-2 one (Ukrainian,
    Arabic) only 134 (design.md), so the same community list or MINE must be
    shorter there. tests/test_replies.py fills every reply with these limits.
    """

    page_chars: int      # community items ("CODE Name; ...") on one page
    name: int            # a community's name in a reply
    schedule: int
    place: int
    towns: int           # towns named when a town has no community
    offers: int          # offers MINE shows
    offer_text: int      # characters of each
    memberships: int     # community names MINE shows
    membership_name: int


GSM7_LIMITS = Limits(page_chars=200, name=40, schedule=40, place=60, towns=10, offers=3,
                     offer_text=30, memberships=3, membership_name=24)
UCS2_LIMITS = Limits(page_chars=48, name=20, schedule=16, place=20, towns=3, offers=1,
                     offer_text=14, memberships=1, membership_name=16)
LIST_PAGE_CHARS = GSM7_LIMITS.page_chars


@dataclass(frozen=True)
class State:
    """The flow in progress: which flow, which step, what was collected."""

    flow: str | None = None
    step: str | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CommunityFact:
    code: str
    name: str
    town: str
    place: str = ""
    schedule: str = ""
    status: str = "active"


@dataclass(frozen=True)
class Facts:
    """What the engine may know about the world, loaded by the service."""

    language: str | None = None                  # the contact's, None when new
    communities: tuple[CommunityFact, ...] = ()
    towns: tuple[str, ...] = ()
    memberships: tuple[str, ...] = ()            # codes
    offers: tuple[tuple[int, str, str], ...] = ()  # (id, description, status)
    languages: dict[str, str] = field(default_factory=dict)  # folded name or code -> locale
    available: tuple[str, ...] = ()              # languages with a catalog
    ucs2_languages: frozenset[str] = frozenset()  # those whose replies need UCS-2

    def limits(self, language: str) -> Limits:
        return UCS2_LIMITS if language in self.ucs2_languages else GSM7_LIMITS


ALL_FACTS = frozenset({"communities", "towns", "memberships", "offers", "languages"})


# Effects: what the service must do to the store.
@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class OptOut:
    pass


@dataclass(frozen=True)
class OptIn:
    pass


@dataclass(frozen=True)
class CreateOffer:
    description: str


@dataclass(frozen=True)
class UpdateOffer:
    offer_id: int
    category: str | None = None
    town: str | None = None


@dataclass(frozen=True)
class AnswerOffer:
    offer_id: int
    text: str


@dataclass(frozen=True)
class JoinCommunity:
    code: str


@dataclass(frozen=True)
class LeaveCommunity:
    code: str


@dataclass(frozen=True)
class RecordFeedback:
    kind: str
    text: str


@dataclass(frozen=True)
class EraseContact:
    pass


@dataclass(frozen=True)
class KeepUnsorted:
    """Keep the text for a coordinator to read and answer."""

    text: str


@dataclass(frozen=True)
class Outcome:
    state: State
    language: str
    replies: tuple[Reply, ...] = ()
    effects: tuple = ()
    expires_at: datetime | None = None
    # Set by the service, never by the engine: these replies may go to a number
    # that opted out (the one answer to HELP after STOP).
    answers_opted_out: bool = False
