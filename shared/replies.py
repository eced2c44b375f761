"""Every SMS reply the engine can give, as catalog messages rendered in the contact's language."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache

from shared.i18n import N_, available_locales, translator
from shared.sms_text import fits, measure

REPLY_BUDGET_SEGMENTS = 2
# What a reply's segments hold, in units (septets, or UTF-16 units for UCS-2):
# one segment alone, or 153 / 67 each once concatenated (TS 23.040 9.2.3.24.1).
_SEGMENT_UNITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
ELLIPSIS = "..."

# Reply key -> English msgid. The Danish catalog carries the Danish wording
# (and the Danish keywords); every other catalog its own.
REPLIES: dict[str, str] = {
    "help": N_("Fælles - text: OFFER and what you can give. COMMUNITIES to see groups. "
               "JOIN and a code to join one. PRAISE, COMPLAINT or IDEA and your text. "
               "STATUS shows your offers and communities. LANGUAGE DA for Danish. "
               "STOP to stop."),
    # Item 1 does not say "help": next to the HELP keyword, a reader would take
    # one for the other.
    "menu": N_("Hi! Reply with a number: 1 Give a hand or lend things. 2 Find a community. "
               "3 Praise, complaint or idea. Text HELP to see what you can do. "
               "Other languages: LANGUAGE DA, DE, PL, UK or AR."),
    # A text that was no keyword and no answer: it waits in the coordinators' inbox.
    "unsorted_kept": N_("Thank you. One of us will read your text and answer you. "
                        "Or reply 1 Offer, 2 Communities, 3 Praise, complaint or idea."),
    "ask_offer": N_("What would you like to offer? Write it in one text, e.g.: "
                    "I can drive a neighbour to the doctor."),
    "offer_saved": N_("Thank you! Your offer is saved. What kind is it? 1 Time 2 Know-how "
                      "3 Things to lend 4 A room 5 Transport 6 A new idea. Or 0 to skip."),
    "ask_town": N_("Which town? E.g. {examples}. Or 0 to skip."),
    "offer_done": N_("Thank you. A coordinator will look at your offer and we will text you."),
    "pick_number": N_("Please reply with a number from the list, or 0 to skip."),
    "communities": N_("Communities: {items}. Text JOIN and a code to join."),
    "communities_more": N_("Communities: {items}. Text JOIN and a code to join, "
                           "or MORE to see more."),
    "no_more_communities": N_("That was all. Text JOIN and a code to join."),
    "no_communities_in_town": N_("We found no communities in {town}. Towns: {towns}."),
    "ask_code": N_("Which community? Text JOIN and the code, e.g. JOIN {example}. "
                   "Text COMMUNITIES to see them all."),
    "joined": N_("Welcome to {name}! {schedule}, {place}. Text LEAVE {code} to stop."),
    "already_member": N_("You are already in {name}. Text LEAVE {code} to stop."),
    "unknown_code_suggest": N_("We do not know the code {code}. Did you mean {suggestions}? "
                               "Text COMMUNITIES to see them all."),
    "unknown_code": N_("We do not know the code {code}. Text COMMUNITIES to see them all."),
    "community_paused": N_("{name} is taking a break and has no new members right now."),
    "left": N_("You have left {name}. You are welcome back any time."),
    "not_member": N_("You are not in {code}."),
    "ask_leave": N_("Text LEAVE and the code. You are in: {codes}."),
    "ask_leave_none": N_("You are not in any community. Text COMMUNITIES to see them."),
    "ask_feedback_kind": N_("Is it 1 Praise, 2 A complaint or 3 An idea?"),
    "ask_ros": N_("What is good? Write it in one text."),
    "ask_ris": N_("What can we do better? Write it in one text."),
    "ask_ide": N_("What is your idea? Write it in one text."),
    "thanks_ros": N_("Thank you for the praise! We will pass it on."),
    "thanks_ris": N_("Thank you for telling us. A coordinator will read it."),
    "thanks_ide": N_("Thank you for the idea! A coordinator will read it."),
    "mine": N_("Your offers: {offers}. Your communities: {communities}."),
    "mine_with_needs": N_("Your offers: {offers}. You need: {needs}. "
                          "Your communities: {communities}."),
    "need_status_new": N_("waiting"),
    "need_status_open": N_("we are looking"),
    "need_status_introduced": N_("introduced"),
    "need_status_met": N_("helped"),
    "need_status_not_met": N_("we are looking again"),
    "need_status_withdrawn": N_("withdrawn"),
    "need_status_expired": N_("closed"),
    "mine_empty": N_("You have no offers or communities yet. Text HELP to see what you can do."),
    "none": N_("none"),
    "offer_item": N_("#{id} {text} ({status})"),
    "status_pending": N_("waiting"),
    "status_needs_info": N_("we have a question"),
    "status_approved": N_("approved"),
    "status_rejected": N_("not approved"),
    "status_withdrawn": N_("withdrawn"),
    "status_matched": N_("matched"),
    "status_done": N_("done"),
    "language_set": N_("We will now write to you in English."),
    "language_unknown": N_("We can write in: {languages}. Text LANGUAGE and the code, "
                           "e.g. LANGUAGE DA."),
    "stopped": N_("You will get no more texts from us. Text START to get them again."),
    "started": N_("Welcome back! You will get texts from us again. Text HELP to see what "
                  "you can do."),
    "confirm_erase": N_("Do you want us to erase everything about you? Reply YES to erase. "
                        "Any other answer keeps it."),
    "erased": N_("Everything about you is erased. Thank you for your time with us."),
    "erase_cancelled": N_("Nothing was erased."),
    # Needs: BRUG FOR ..., SØGER ..., or HJÆLP with a sentence.
    "ask_need": N_("What do you need a hand with? Write it in one text, e.g.: "
                   "I need a lift to the doctor on Thursday."),
    "need_saved": N_("We have written down: \"{text}\". What kind is it? 1 Time 2 Know-how "
                     "3 Things 4 A room 5 Transport 6 Other. Or 0 to skip."),
    "ask_need_when": N_("When do you need it? E.g. Thursday morning. Or 0 to skip."),
    "need_done": N_("Thank you. A coordinator will look for someone who can help, and we "
                    "will text you."),
    # Introductions: each side is asked, in the other's own words.
    "introduce_need": N_("A neighbour offers: \"{offer}\". May we give you each other's "
                         "numbers? Reply YES {ref}, or NO {ref}."),
    "introduce_offer": N_("A neighbour needs: \"{need}\". Can you help? May we give you "
                          "each other's numbers? Reply YES {ref}, or NO {ref}."),
    "consent_yes": N_("Thank you! When the other says yes too, you get each other's "
                      "number (no. {ref})."),
    "consent_both": N_("Thank you! You both said yes: we are sending you each other's "
                       "number now (no. {ref})."),
    "consent_no": N_("Thank you for answering. We do not share your number (no. {ref})."),
    "consent_which": N_("Which one? Reply YES or NO and the number: {refs}."),
    "introduced": N_("{name} says yes too: {phone}. Thank you for helping each other! "
                     "(no. {ref})"),
    "a_neighbour": N_("A neighbour"),
    "follow_up": N_("Did you get help with \"{need}\"? Reply YES {ref} or NO {ref}."),
    "helped_yes": N_("We are glad! Thank you for telling us (no. {ref})."),
    "helped_no": N_("Thank you for telling us. A coordinator will look again (no. {ref})."),
    "helper_thanks": N_("The neighbour you helped says the help came. Thank you! "
                        "(no. {ref})"),
    # Leaders (tovholdere) and meetings.
    "leader_welcome": N_("You now lead {name}. Text SEND {code} and a message to write to the "
                         "members, or MEETING {code} with a date, time and place to set a "
                         "meeting. Reply STOP to stop all texts."),
    "not_leader": N_("Only a leader of {code} can do that. Ask a coordinator if you would "
                     "like to be one."),
    "leader_paused": N_("A coordinator has paused your messages to {code}. Please talk to "
                        "them."),
    "send_how": N_("Text SEND, the code and your message in one text, e.g. SEND {code} "
                   "We meet at the library."),
    "send_preview": N_("Your message goes to {count} members of {name}, {segments} SMS each. "
                       "Reply YES to send it, or NO."),
    "send_preview_later": N_("Your message goes to {count} members of {name} at {time}, "
                             "{segments} SMS each. Reply YES to send it, or NO."),
    "send_too_long": N_("Your message is too long. Write it in at most {max} characters."),
    "send_limit": N_("{name} has had {max} messages today. Please send it tomorrow."),
    "send_done": N_("Your message to {name} is on its way. Thank you!"),
    "send_cancelled": N_("Nothing was sent."),
    "from_leader": N_("From {name} ({leader}): {text}"),
    "meeting_how": N_("We could not read the date and time. Write e.g. MEETING {code} "
                      "12/12 14:00 Munkebo Library."),
    "meeting_set": N_("{name} meets {when}, {place}. We remind the members the day "
                      "before."),
    "meeting_set_no_place": N_("{name} meets {when}. We remind the members the day before."),
    "meeting_reminder": N_("Reminder: {name} meets {when}, {place}. Reply CANCEL {code} if "
                           "you cannot come."),
    "meeting_reminder_no_place": N_("Reminder: {name} meets {when}. Reply CANCEL {code} if "
                                    "you cannot come."),
    "absent_how": N_("Text CANCEL and the community's code, e.g. CANCEL {code}."),
    "absence_noted": N_("Thank you for telling us. You are not coming {when}."),
    "no_meeting": N_("{name} has no meeting planned right now."),
    "meeting_status": N_("{name} meets {when}. {count} have said they cannot come."),
    # Sent once when a number texts faster than a person would (shared/abuse.py).
    "throttled": N_("We have got many texts from you in a short time. We keep them all, "
                    "but we wait a little before we answer. Please write again in a few "
                    "minutes."),
    # Sent when a coordinator decides or answers.
    "offer_approved": N_("Good news: your offer no. {id} is approved. Thank you! A coordinator "
                         "will be in touch about what happens next."),
    "offer_needs_info": N_("About your offer no. {id}: {question} Please answer by replying "
                           "to this SMS."),
    "offer_rejected": N_("About your offer no. {id}: we cannot use it right now. {reason} "
                         "Thank you for offering!"),
    "offer_matched": N_("Your offer no. {id} now belongs to {name}. They will be in touch."),
    "feedback_answer": N_("Answer from Fælles: {answer}"),
    "info_thanks": N_("Thank you for your answer. A coordinator will look at your offer again."),
    # Sent from the kiosk.
    "kiosk_code": N_("Your Fælles code is {code}. It works for 10 minutes. "
                     "Did you not ask for it? Then do nothing."),
}


@dataclass(frozen=True)
class Cut:
    """A value the renderer may shorten so that its reply fits: those of a lower
    order are cut first, none to fewer than `keep` characters (with the "...").

    Everything else in a reply (a code, a time, a place) is never cut: the room
    the template leaves goes to them first, and what is left to the Cut values.
    """

    text: str
    order: int = 0
    keep: int = 10


@dataclass(frozen=True)
class Reply:
    """A reply to render: a key of REPLIES and its parameters.

    A parameter may itself be a Reply, a tuple of them (joined by "; "), a
    list of names (joined by ", "), or a Cut. may_grow_to: the segments the reply may take when, with every Cut at
    its shortest, the words that must not be cut need more than two.
    """

    key: str
    params: dict = field(default_factory=dict)
    may_grow_to: int = REPLY_BUDGET_SEGMENTS

    def __post_init__(self):
        if self.key not in REPLIES:
            raise KeyError(f"Unknown reply {self.key!r}")


@lru_cache(maxsize=1)
def ucs2_languages() -> frozenset[str]:
    """Return the catalog languages whose replies go as UCS-2 (134 characters in two SMS)."""
    def needs_ucs2(language: str) -> bool:
        gettext = translator(language).gettext
        return any(measure(gettext(msgid)).encoding == "UCS-2" for msgid in REPLIES.values())

    return frozenset(filter(needs_ucs2, available_locales()))


def render_reply(reply: Reply, language: str) -> str:
    """Return the reply's text in the language, with its parameters filled in.

    Cut values are as long as the reply's budget lets them be: the room the
    template and the other values leave is filled, nothing more is cut.
    """
    cuts = sorted(set(_cuts(reply)), key=lambda cut: cut.order)
    caps: dict[Cut, int] = {}
    text = _render(reply, language, caps)
    if not cuts:
        return text
    for segments in range(REPLY_BUDGET_SEGMENTS, max(reply.may_grow_to, 2) + 1):
        caps.clear()
        text = _render(reply, language, caps)
        for order in sorted({cut.order for cut in cuts}):
            if fits(text, segments):
                return text
            level = [cut for cut in cuts if cut.order == order]
            caps.update(_largest_caps(reply, language, caps, level, segments))
            text = _render(reply, language, caps)
        if fits(text, segments):
            return text
    return text


def _largest_caps(reply: Reply, language: str, caps: dict, level: list, segments: int) -> dict:
    """Return the longest equal cap for this level's values with which the reply fits."""
    def capped(limit: int) -> dict:
        return {cut: max(cut.keep, limit) for cut in level}

    low, high = 0, max(len(cut.text) for cut in level)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_render(reply, language, {**caps, **capped(middle)}), segments):
            low = middle
        else:
            high = middle - 1
    return capped(low)


def _cuts(value) -> list[Cut]:
    if isinstance(value, Cut):
        return [value]
    if isinstance(value, Reply):
        return [cut for param in value.params.values() for cut in _cuts(param)]
    if isinstance(value, (tuple, list)):
        return [cut for item in value for cut in _cuts(item)]
    return []


def shorten(text: str, limit: int) -> str:
    """Return text in at most limit characters, ending with '...' when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def _render(reply: Reply, language: str, caps: dict) -> str:
    gettext = translator(language).gettext

    def value(param):
        if isinstance(param, Cut):
            return shorten(param.text, caps[param]) if param in caps else param.text
        if isinstance(param, Reply):
            return _render(param, language, caps)
        if isinstance(param, tuple):
            return "; ".join(str(value(p)) for p in param)
        if isinstance(param, list):
            return ", ".join(str(value(p)) for p in param)
        return param

    return gettext(REPLIES[reply.key]).format(
        **{name: value(param) for name, param in reply.params.items()})


def room(key: str, language: str, segments: int = REPLY_BUDGET_SEGMENTS) -> int:
    """Return the units a reply's placeholders may fill in the language within its segments."""
    return _rooms(language, segments).get(key, 0)


@lru_cache(maxsize=None)
def _rooms(language: str, segments: int) -> dict[str, int]:
    encoding = "UCS-2" if language in ucs2_languages() else "GSM-7"
    single, multi = _SEGMENT_UNITS[encoding]
    budget = single if segments == 1 else multi * segments
    gettext = translator(language).gettext
    rooms = {}
    for key, msgid in REPLIES.items():
        template = gettext(msgid)
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        rooms[key] = budget - measure(template.format(**dict.fromkeys(names, ""))).units
    return rooms


def fit_reply(text: str, segments: int = REPLY_BUDGET_SEGMENTS) -> str:
    """Shorten text to fit the segment budget, ending with '...' when cut.

    The templates are tested to fit; this guards against a citizen's own long
    words (a community name, a long description) pushing a reply over.
    """
    if fits(text, segments):
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle].rstrip() + "...", segments):
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "..."
