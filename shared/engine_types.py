"""What the conversation engine reads and returns: the flow's state, the facts
the service loads, the limits of one reply, the effects to apply and the outcome.

Plain frozen dataclasses, no behaviour beyond Facts.limits; shared/engine.py
works with them and re-exports them, so callers keep writing engine.State.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.replies import Reply, room as reply_room


@dataclass(frozen=True)
class Limits:
    """How many of the store's things one reply may list within two segments.

    A GSM-7 reply has 306 characters in two segments, a UCS-2 one (Ukrainian,
    Arabic) only 134, so MINE lists fewer there. How long each name may be is
    not a limit here: the renderer fills the room the reply leaves (replies.Cut).
    tests/test_replies.py fills every reply with these limits.
    """

    towns: int           # towns named when a town has no community
    offers: int          # offers MINE shows
    memberships: int     # community names MINE shows
    needs: int           # needs MINE shows


GSM7_LIMITS = Limits(towns=10, offers=3, memberships=3, needs=2)
UCS2_LIMITS = Limits(towns=3, offers=2, memberships=3, needs=1)


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
    needs: tuple[tuple[int, str, str], ...] = ()   # (id, description, status)
    # What waits for this contact's JA or NEJ: (introduction id, "need", "offer"
    # or "follow_up", whether the other person has said yes already), oldest first.
    waiting: tuple[tuple[int, str, bool], ...] = ()
    languages: dict[str, str] = field(default_factory=dict)  # folded name or code -> locale
    available: tuple[str, ...] = ()              # languages with a catalog
    ucs2_languages: frozenset[str] = frozenset()  # those whose replies need UCS-2

    def limits(self, language: str) -> Limits:
        return UCS2_LIMITS if language in self.ucs2_languages else GSM7_LIMITS

    def room(self, language: str, key: str) -> int:
        """Return the units the reply's placeholders may fill in the language."""
        return reply_room(key, language)


ALL_FACTS = frozenset({"communities", "towns", "memberships", "offers", "needs", "waiting",
                       "languages"})


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
class CreateNeed:
    description: str


@dataclass(frozen=True)
class UpdateNeed:
    need_id: int
    category: str | None = None
    town: str | None = None
    needed_when: str | None = None


@dataclass(frozen=True)
class AnswerIntroduction:
    """A JA or NEJ to an introduction; name: the first name a JA may carry."""

    introduction_id: int
    side: str  # "need" or "offer"
    yes: bool
    name: str | None = None


@dataclass(frozen=True)
class AnswerFollowUp:
    """Whether help came, from the one who needed it."""

    introduction_id: int
    helped: bool


@dataclass(frozen=True)
class AskToSend:
    """A leader's SEND KODE tekst: the service checks it and answers with a preview."""

    code: str
    text: str


@dataclass(frozen=True)
class SendLeaderMessage:
    """The leader's JA to the preview: send it to the members."""

    code: str
    text: str


@dataclass(frozen=True)
class SetMeetingBySms:
    """A leader's MØDE KODE: the service checks that they lead the community."""

    code: str
    starts_at: datetime
    weekly: bool
    place: str
    when: str  # the date in words, as the reply repeats it


@dataclass(frozen=True)
class AskMeeting:
    """A leader's MØDE KODE alone: when the next meeting is, and how many cannot come."""

    code: str


@dataclass(frozen=True)
class RecordAbsence:
    """AFBUD KODE: a member will not come to the next meeting."""

    code: str


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
