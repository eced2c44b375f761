"""The SMS conversation engine: state + inbound text -> new state, replies, effects.

Pure: no SQL, no clock, no I/O. The service in shared/services/sms.py loads the
facts, calls step() and applies the effects in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# The engine's types, re-exported: callers write engine.State, engine.ALL_FACTS.
from shared.engine_communities import (  # noqa: F401  (joined_reply, mine_counts: read from here)
    MAX_FREE_TEXT_ANSWER, _done, _find, _join, _known_town, _leave, _list_communities, _mine,
    _pages, joined_reply, mine_counts,
)
from shared.engine_types import (  # noqa: F401
    Limits, GSM7_LIMITS, UCS2_LIMITS, State, CommunityFact, Facts, ALL_FACTS,
    CreateNeed, UpdateNeed, AnswerIntroduction, AnswerFollowUp, AskToSend, SendLeaderMessage,
    SetMeetingBySms, AskMeeting, RecordAbsence,
    SetLanguage, OptOut, OptIn, CreateOffer, UpdateOffer, AnswerOffer, JoinCommunity,
    LeaveCommunity, RecordFeedback, EraseContact, KeepUnsorted, Outcome,
)
from shared.keywords import MORE_WORDS, NO_WORDS, fold, keyword_index, means_yes
from shared.language_guess import guess_language
from shared.meeting_time import describe_meeting, parse_meeting
from shared.replies import Cut, Reply
from shared.vocabulary import CATEGORIES, DEFAULT_LOCALE

FLOW_TTL = timedelta(minutes=60)
DEFAULT_LANGUAGE = DEFAULT_LOCALE  # the old name, still read by shared/services/sms.py
# Intents that win over any flow in progress: a way out always works.
PRIORITY_INTENTS = frozenset({"stop", "start", "help"})
# Steps whose answer is the citizen's own words rather than a choice.
FREE_TEXT_STEPS = frozenset({("offer", "describe"), ("offer", "info"), ("feedback", "text"),
                             ("need", "describe"), ("need", "when")})
# HELP followed by this many words is a need in the citizen's own words
# ("HJÆLP jeg skal til lægen torsdag og har ingen bil"), not a question about texting.
HELP_AS_NEED_WORDS = 5
# What may follow the need keyword before the words themselves: "BRUG FOR kørsel".
NEED_FILLERS = ("FOR", "TIL")
KEYWORD_PUNCTUATION = ".,!?:;«»‹›\"'“”„‘’()"
# A text that is no keyword and no answer goes to a person when it has this
# many words: "Hej" gets the menu, a question or a story gets read.
UNSORTED_MIN_WORDS = 5
# Inside a flow, where a question asked for a number, a town or a code, fewer
# words are already the citizen's own ("Der mangler bænke ved havnen" after
# "Is it praise, a complaint or an idea?"): kept for a person, never dropped.
OWN_WORDS_MIN = 3
# A town is a name of a word or two; a longer answer is kept as it was written.
MAX_TOWN_WORDS = 2
# A first name given with a JA ("JA Inge"), as the other person will read it.
MAX_FIRST_NAME = 20


@dataclass(frozen=True)
class _Turn:
    """One inbound text, taken apart."""

    text: str
    first: str          # first word, folded
    rest: str           # the text after the first word
    intent: str | None
    keyword_language: str | None


def parse(text: str) -> _Turn:
    """Split an inbound text into its keyword (if any) and the rest."""
    text = text.strip()
    parts = text.split(None, 1)
    # Punctuation and quotes around the keyword do not count: the Arabic replies
    # quote their keywords as «مساعدة», and people copy what they read.
    first = fold(parts[0]).strip(KEYWORD_PUNCTUATION) if parts else ""
    rest = parts[1].strip() if len(parts) > 1 else ""
    intent, language = keyword_index().get(first, (None, None))
    return _Turn(text, first, rest, intent, None if language == "*" else language)


_KEYWORD_FACTS = {
    "mine": frozenset({"offers", "needs", "memberships", "communities"}),
    "communities": frozenset({"communities", "towns"}),
    "join": frozenset({"communities", "memberships"}),
    "leave": frozenset({"communities", "memberships"}),
    "language": frozenset({"languages"}),
}
_FLOW_FACTS = {
    "offer": frozenset({"towns"}),
    "need": frozenset({"towns"}),
    "join": frozenset({"communities", "memberships"}),
    "list": frozenset({"communities", "towns"}),
}


def facts_needed(state: State | None, text: str) -> frozenset[str]:
    """Return which Facts fields step() will read for this text: the rest may stay empty."""
    turn = parse(text)
    needed = _KEYWORD_FACTS.get(turn.intent, frozenset())
    if _is_answer_word(turn.first):
        needed |= {"waiting"}
    if state is None or state.flow is None or turn.intent in PRIORITY_INTENTS:
        return needed
    if state.flow == "menu" and turn.first == "2":
        return needed | _KEYWORD_FACTS["communities"]
    return needed | _FLOW_FACTS.get(state.flow, frozenset())


def step(state: State | None, text: str, facts: Facts, now: datetime) -> Outcome:
    """Run one inbound text through the conversation and return what follows."""
    turn = parse(text)
    # A new contact's first reply comes in the language their text is in.
    language = (facts.language or turn.keyword_language
                or guess_language(text, facts.available) or DEFAULT_LOCALE)
    effects: tuple = ()
    if facts.language is None:
        effects = (SetLanguage(language),)
    state = state or State()
    outcome = _dispatch(state, turn, facts, language, now)
    outcome = replace(outcome, effects=effects + outcome.effects)
    if outcome.state.flow is not None:
        outcome = replace(outcome, expires_at=now + FLOW_TTL)
    return outcome


def _is_answer_word(first: str) -> bool:
    return first in NO_WORDS or means_yes(first, "pl")  # the widest set of yes words


def _dispatch(state: State, turn: _Turn, facts: Facts, language: str,
              now: datetime) -> Outcome:
    if state.flow == "erase" and means_yes(turn.first, language):
        return _done(language, Reply("erased"), EraseContact())
    if state.flow == "send" and turn.intent not in PRIORITY_INTENTS:
        # The leader's answer to the preview: JA sends, anything else does not.
        if means_yes(turn.first, language):
            # The service answers with the community's name (leading.resolve).
            return _done(language, Reply("not_leader", {"code": state.data["code"]}),
                         SendLeaderMessage(state.data["code"], state.data["text"]))
        return _done(language, Reply("send_cancelled"))
    if facts.waiting and state.flow != "erase" and (
            means_yes(turn.first, language) or turn.first in NO_WORDS):
        # A JA or NEJ to an introduction or to "did you get help?" comes first:
        # YES is also Twilio's opt-in word, but an opted-out number has no
        # introduction waiting (opting out ends them).
        return _consent(turn, facts, language)
    if (state.flow, state.step) in FREE_TEXT_STEPS:
        # "Hjælp til indkøb" is an offer, not HELP: here a keyword counts only
        # when it is the whole text, as Twilio's own STOP handling does, or when
        # it names this very step ("TILBYD Jeg kan..." after menu choice 1).
        if turn.intent is not None and (not turn.rest or _restates(state, turn.intent)):
            return _keyword(turn, facts, language, now)
        return _answer(state, turn, facts, language)
    if turn.intent in PRIORITY_INTENTS:
        return _keyword(turn, facts, language, now)
    if state.flow is not None:
        answer = _answer(state, turn, facts, language)
        if answer is not None:
            return answer
    if turn.intent is not None:
        return _keyword(turn, facts, language, now)
    if len(turn.text.split()) >= UNSORTED_MIN_WORDS or (state.flow and _own_words(turn)):
        # No keyword, no answer, but words: a person reads it.
        return _keep(turn, language)
    return Outcome(State("menu", "choice"), language, (Reply("menu"),))


def _own_words(turn: _Turn) -> bool:
    """Return whether an answer to a choice is the citizen's own words rather than a slip."""
    return len(turn.text.split()) >= OWN_WORDS_MIN and any(c.isalpha() for c in turn.text)


def _keep(turn: _Turn, language: str) -> Outcome:
    return Outcome(State("menu", "choice"), language, (Reply("unsorted_kept"),),
                   (KeepUnsorted(turn.text),))


def _leading(intent: str, rest: str, language: str, now: datetime) -> Outcome:
    """SEND, MØDE and AFBUD with a community code: the service checks who may, and answers.

    The replies to a request are the service's (leading.resolve): it knows who
    leads what, how many members a message reaches and when the next meeting is.
    Until it has looked, the answer is the refusal: not a leader, not a member.
    """
    code, _space, text = rest.partition(" ")
    code, text = fold(code), text.strip()
    if not code:
        return _done(language, Reply(f"{intent}_how", {"code": "STRIK"}))
    no = Reply("not_member" if intent == "absent" else "not_leader", {"code": code[:12]})
    if intent == "absent":
        return _done(language, no, RecordAbsence(code))
    if intent == "send":
        if not text:
            return _done(language, Reply("send_how", {"code": code}))
        return Outcome(State("send", "confirm", {"code": code, "text": text}), language, (no,),
                       (AskToSend(code, text),))
    if not text:
        return _done(language, no, AskMeeting(code))
    meeting = parse_meeting(text, now, language)
    if meeting is None or meeting.starts_at is None:
        # Never a guessed date: an example of what can be read instead.
        return _done(language, Reply("meeting_how", {"code": code}))
    return _done(language, no, SetMeetingBySms(
        code, meeting.starts_at, meeting.weekly, meeting.place,
        describe_meeting(meeting, language, now=now)))


def _restates(state: State, intent: str) -> bool:
    """Return whether the keyword starts the very flow the citizen is already in."""
    if state.flow == "offer" and state.step == "describe":
        return intent == "offer"
    if state.flow == "need" and state.step == "describe":
        return intent == "need"
    return state.flow == "feedback" and intent in ("ros", "ris", "ide")


def _keyword(turn: _Turn, facts: Facts, language: str, now: datetime) -> Outcome:
    intent, rest = turn.intent, turn.rest
    if intent == "stop" and turn.first == "CANCEL" and rest:
        intent = "absent"  # CANCEL STRIK: not coming; CANCEL alone: stop everything
    if intent in ("send", "meeting", "absent"):
        return _leading(intent, rest, language, now)
    if intent == "help":
        if len(rest.split()) >= HELP_AS_NEED_WORDS:
            return _need_text(rest, language)
        return _done(language, Reply("help"))
    if intent == "need":
        words = rest.split(None, 1)
        if words and fold(words[0]) in NEED_FILLERS:
            rest = words[1] if len(words) > 1 else ""
        return _need_text(rest, language) if rest else _ask_need(language)
    if intent == "stop":
        return _done(language, Reply("stopped"), OptOut())
    if intent == "start":
        return _done(language, Reply("started"), OptIn())
    if intent == "offer":
        return _offer_text(rest, facts, language) if rest else _ask_offer(language)
    if intent == "communities":
        return _list_communities(facts, language, town=rest, page=0)
    if intent == "join":
        return _join(rest, facts, language)
    if intent == "leave":
        return _leave(rest, facts, language)
    if intent in ("ros", "ris", "ide"):
        if rest:
            return _done(language, Reply(f"thanks_{intent}"), RecordFeedback(intent, rest))
        return Outcome(State("feedback", "text", {"kind": intent}), language,
                       (Reply(f"ask_{intent}"),))
    if intent == "mine":
        return _done(language, _mine(facts, facts.limits(language)))
    if intent == "language":
        return _language(rest, facts, language)
    if intent == "erase":
        return Outcome(State("erase", "confirm"), language, (Reply("confirm_erase"),))
    raise ValueError(f"Unhandled intent {intent}")  # pragma: no cover


def _answer(state: State, turn: _Turn, facts: Facts, language: str) -> Outcome | None:
    """Return the outcome of answering the flow's question, or None if it is no answer."""
    flow, step_name, text = state.flow, state.step, turn.text
    if flow == "erase":
        return _done(language, Reply("erase_cancelled"))
    # Steps that wait for free text take any text; keywords still win elsewhere.
    if flow == "offer" and step_name == "describe":
        # An empty text (a picture-only MMS) asks again rather than storing nothing.
        return _offer_text(text, facts, language) if text else _ask_offer(language)
    if flow == "offer" and step_name == "info":
        # The answer to a coordinator's question about the offer.
        if not text:
            return Outcome(state, language, ())
        return _done(language, Reply("info_thanks"), AnswerOffer(state.data["offer_id"], text))
    if flow == "need" and step_name == "describe":
        return _need_text(text, language) if text else _ask_need(language)
    if flow == "need" and step_name == "when":
        when = None if turn.first == "0" or not text else text[:MAX_FREE_TEXT_ANSWER]
        effects = (UpdateNeed(state.data["need_id"], needed_when=when),) if when else ()
        return _done(language, Reply("need_done"), *effects)
    if flow == "feedback" and step_name == "text":
        kind = state.data["kind"]
        if not text:
            return Outcome(state, language, (Reply(f"ask_{kind}"),))
        return _done(language, Reply(f"thanks_{kind}"), RecordFeedback(kind, text))
    if turn.intent is not None:
        return None
    if flow == "menu":
        return {
            "1": lambda: _ask_offer(language),
            "2": lambda: _list_communities(facts, language, town="", page=0),
            "3": lambda: Outcome(State("feedback", "kind"), language,
                                 (Reply("ask_feedback_kind"),)),
        }.get(turn.first, lambda: None)()
    if flow == "feedback" and step_name == "kind":
        if turn.first == "0":
            return Outcome(State("menu", "choice"), language, (Reply("menu"),))
        kind = {"1": "ros", "2": "ris", "3": "ide"}.get(turn.first)
        if kind is None:
            return _keep(turn, language) if _own_words(turn) else Outcome(
                state, language, (Reply("pick_number"),))
        return Outcome(State("feedback", "text", {"kind": kind}), language,
                       (Reply(f"ask_{kind}"),))
    if flow == "offer" and step_name == "category":
        return _offer_category(state, turn, facts, language)
    if flow == "need" and step_name == "category":
        return _need_category(state, turn, facts, language)
    if flow == "need" and step_name == "town":
        if turn.first == "0":
            return _ask_when(state, language, ())
        town = _known_town(text, facts.towns)
        if town is None and len(text.split()) > MAX_TOWN_WORDS:
            return _keep(turn, language)
        town = town or text[:MAX_FREE_TEXT_ANSWER]
        return _ask_when(state, language, (UpdateNeed(state.data["need_id"], town=town),))
    if flow == "offer" and step_name == "town":
        if turn.first == "0":
            return _done(language, Reply("offer_done"))
        town = _known_town(text, facts.towns)
        if town is None and len(text.split()) > MAX_TOWN_WORDS:
            return _keep(turn, language)  # more than a town: kept whole, not cut to one
        town = town or text[:MAX_FREE_TEXT_ANSWER]
        return _done(language, Reply("offer_done"), UpdateOffer(state.data["offer_id"], town=town))
    if flow == "join" and step_name == "code":
        if _own_words(turn) and _find(fold(text.split()[0]), facts) is None:
            return _keep(turn, language)
        return _join(text, facts, language)
    if flow == "list" and turn.first in MORE_WORDS:
        return _list_communities(facts, language, town=state.data.get("town", ""),
                                 page=state.data["page"] + 1)
    return None


def _ask_need(language: str) -> Outcome:
    return Outcome(State("need", "describe"), language, (Reply("ask_need"),))


def _need_text(description: str, language: str) -> Outcome:
    # The citizen reads their own words back: a misunderstanding shows at once.
    # The service puts the new need's id into the state's data as need_id.
    return Outcome(State("need", "category"), language,
                   (Reply("need_saved", {"text": Cut(description, keep=20)}),),
                   (CreateNeed(description),))


def _need_category(state: State, turn: _Turn, facts: Facts, language: str) -> Outcome:
    choice = turn.first
    if choice == "0":
        return _ask_town(state, facts, language, (), flow="need")
    if not (choice.isascii() and choice.isdigit()) or not 1 <= int(choice) <= len(CATEGORIES):
        if _own_words(turn):
            return _keep(turn, language)
        return Outcome(state, language, (Reply("pick_number"),))
    update = UpdateNeed(state.data["need_id"], category=CATEGORIES[int(choice) - 1])
    return _ask_town(state, facts, language, (update,), flow="need")


def _ask_when(state: State, language: str, effects: tuple) -> Outcome:
    return Outcome(State("need", "when", state.data), language, (Reply("ask_need_when"),),
                   effects)


def _consent(turn: _Turn, facts: Facts, language: str) -> Outcome:
    """Answer an introduction or a follow-up with JA or NEJ ("JA 12 Inge" picks one, names you)."""
    yes = means_yes(turn.first, language)
    words = turn.rest.split()
    reference = next((int(w.lstrip("#")) for w in words if w.lstrip("#").isdigit()), None)
    name = next((w for w in words if w.isalpha()), None)
    chosen = [w for w in facts.waiting if reference is None or w[0] == reference]
    if len(chosen) != 1:
        refs = ", ".join(str(waiting[0]) for waiting in facts.waiting)
        return _done(language, Reply("consent_which", {"refs": refs}))
    introduction_id, side, other_said_yes = chosen[0]
    if side == "follow_up":
        return _done(language, Reply("helped_yes" if yes else "helped_no",
                                     {"ref": introduction_id}),
                     AnswerFollowUp(introduction_id, yes))
    name = name[:1].upper() + name[1:MAX_FIRST_NAME].lower() if name and yes else None
    reply = ("consent_no" if not yes else "consent_both" if other_said_yes else "consent_yes")
    return _done(language, Reply(reply, {"ref": introduction_id}),
                 AnswerIntroduction(introduction_id, side, yes, name))


def _ask_offer(language: str) -> Outcome:
    return Outcome(State("offer", "describe"), language, (Reply("ask_offer"),))


def _offer_text(description: str, facts: Facts, language: str) -> Outcome:
    # The service puts the new offer's id into the state's data as offer_id.
    return Outcome(State("offer", "category"), language, (Reply("offer_saved"),),
                   (CreateOffer(description),))


def _offer_category(state: State, turn: _Turn, facts: Facts, language: str) -> Outcome:
    choice = turn.first
    if choice == "0":
        return _ask_town(state, facts, language, ())
    if not (choice.isascii() and choice.isdigit()) or not 1 <= int(choice) <= len(CATEGORIES):
        if _own_words(turn):
            return _keep(turn, language)
        return Outcome(state, language, (Reply("pick_number"),))
    update = UpdateOffer(state.data["offer_id"], category=CATEGORIES[int(choice) - 1])
    return _ask_town(state, facts, language, (update,))


def _ask_town(state: State, facts: Facts, language: str, effects: tuple,
              flow: str = "offer") -> Outcome:
    examples = ", ".join(facts.towns[:min(3, facts.limits(language).towns)]) or "Kerteminde"
    return Outcome(State(flow, "town", state.data), language,
                   (Reply("ask_town", {"examples": examples}),), effects)


def _language(rest: str, facts: Facts, language: str) -> Outcome:
    wanted = facts.languages.get(fold(rest.split()[0])) if rest else None
    if wanted is None:
        listing = ", ".join(sorted({f"{code.upper()}" for code in facts.languages.values()}))
        return _done(language, Reply("language_unknown", {"languages": listing}))
    return _done(wanted, Reply("language_set"), SetLanguage(wanted))
