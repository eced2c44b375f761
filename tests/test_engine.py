"""The SMS conversation engine: whole conversations as data, and properties over any input.

Each file in tests/conversations/ is one contact's conversation:

    {"description": "...",
     "facts": {"language": "da" | "en" | null, "memberships": [...], "offers": [[id, text, status]],
               "communities": [{"code", "name", "town", "place", "schedule", "status"}],
               "community_language": "da" | "en"},
     "turns": [{"in": "TILBYD Jeg kan strikke",
                "replies": ["offer_saved"] or [["joined", {"code": "STRIK"}]],
                "effects": [["CreateOffer", {"description": "Jeg kan strikke"}]],
                "state": ["offer", "category"], "data": {"offer_id": 101},
                "language": "da", "says": ["gemt"], "advance_minutes": 0}]}

A turn without "effects" expects none; without "state" expects no flow in progress.
"replies" compares keys, and the parameters that are given. "says" looks for
text in the rendered replies. Between turns the test does what the service
does: it applies the effects to the facts, puts a new offer's id into the
state, and drops a flow whose expiry has passed.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared import demo_data, engine
from shared.engine import CommunityFact, Facts, State, step
from shared.keywords import ANSWER_WORDS, KEYWORDS
from shared.i18n import available_locales
from shared.replies import Cut, Reply, fit_reply, render_reply, ucs2_languages
from shared.services.sms import language_aliases
from shared.sms_text import GSM7_TWO_SEGMENTS, fits, measure

CONVERSATIONS = Path(__file__).resolve().parent / "conversations"
FIRST_OFFER_ID = 101


@lru_cache(maxsize=None)
def demo_communities(language: str) -> tuple[CommunityFact, ...]:
    """Return the demo communities as the service loads them: ordered by town and code."""
    ordered = sorted(demo_data.COMMUNITIES, key=lambda c: (c["town"], c["code"]))
    return tuple(
        CommunityFact(c["code"], c["texts"][language]["name"], c["town"], c["place"],
                      c["texts"][language]["schedule"], c["status"])
        for c in ordered)


@lru_cache(maxsize=None)
def aliases() -> dict[str, str]:
    return language_aliases()


def facts_for(overrides: dict) -> Facts:
    """Return the demo world's facts for a contact, with the file's overrides."""
    if "communities" in overrides:
        communities = tuple(CommunityFact(**c) for c in overrides["communities"])
    else:
        communities = demo_communities(overrides.get("community_language", "da"))
    return Facts(
        language=overrides.get("language", "da"),
        communities=communities,
        towns=tuple(dict.fromkeys(c.town for c in communities)),
        memberships=tuple(overrides.get("memberships", ())),
        offers=tuple(tuple(o) for o in overrides.get("offers", ())),
        languages=aliases(),
        available=available_locales(),
        ucs2_languages=ucs2_languages(),
    )


class Contact:
    """One contact's side of the store, kept the way sms_service keeps it."""

    def __init__(self, facts: Facts, now):
        self.facts = facts
        self.now = now
        self.state: State | None = None
        self.expires_at = None
        self.next_offer_id = FIRST_OFFER_ID

    def text(self, body: str, advance_minutes: float = 0) -> engine.Outcome:
        self.now += timedelta(minutes=advance_minutes)
        if self.state is not None and self.now >= self.expires_at:
            self.state = None  # load_conversation finds only unexpired flows
        outcome = step(self.state, body, self.facts, self.now)
        outcome = self._apply(outcome)
        self.state = outcome.state if outcome.state.flow is not None else None
        self.expires_at = outcome.expires_at
        return outcome

    def _apply(self, outcome: engine.Outcome) -> engine.Outcome:
        facts = self.facts
        for effect in outcome.effects:
            match effect:
                case engine.SetLanguage(language):
                    facts = replace(facts, language=language)
                case engine.CreateOffer(description):
                    offer_id, self.next_offer_id = self.next_offer_id, self.next_offer_id + 1
                    facts = replace(facts, offers=((offer_id, description, "pending"),)
                                    + facts.offers)
                    outcome = replace(outcome, state=replace(
                        outcome.state, data={**outcome.state.data, "offer_id": offer_id}))
                case engine.CreateNeed(description):
                    need_id, self.next_offer_id = self.next_offer_id, self.next_offer_id + 1
                    facts = replace(facts, needs=((need_id, description, "new"),) + facts.needs)
                    outcome = replace(outcome, state=replace(
                        outcome.state, data={**outcome.state.data, "need_id": need_id}))
                case engine.JoinCommunity(code):
                    facts = replace(facts, memberships=facts.memberships + (code,))
                case engine.LeaveCommunity(code):
                    facts = replace(facts, memberships=tuple(
                        m for m in facts.memberships if m != code))
                case engine.EraseContact():
                    # The next text comes from a contact the store has never seen.
                    facts = replace(facts, language=None, memberships=(), offers=(), needs=())
        self.facts = facts
        return outcome


def plain(value):
    """Return a reply parameter as JSON-like data: a Reply becomes {"key", "params"}."""
    if isinstance(value, Reply):
        return {"key": value.key, "params": {k: plain(v) for k, v in value.params.items()}}
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, list):  # names, joined by commas
        return ", ".join(plain(v) for v in value)
    if isinstance(value, Cut):  # shortened only when rendered, and only if it must be
        return value.text
    return value


def effect_as_data(effect) -> list:
    return [type(effect).__name__, {f.name: getattr(effect, f.name) for f in fields(effect)}]


def conversation_params() -> list:
    return [pytest.param(json.loads(path.read_text(encoding="utf-8")), id=path.stem)
            for path in sorted(CONVERSATIONS.glob("*.json"))]


def test_there_are_conversations():
    assert len(list(CONVERSATIONS.glob("*.json"))) >= 10


@pytest.mark.parametrize("conversation", conversation_params())
def test_conversation(conversation, now):
    contact = Contact(facts_for(conversation.get("facts", {})), now)
    for number, turn in enumerate(conversation["turns"], start=1):
        where = f"turn {number}: {turn['in']!r}"
        outcome = contact.text(turn["in"], turn.get("advance_minutes", 0))

        expected_replies = [r if isinstance(r, list) else [r, {}] for r in turn["replies"]]
        assert [r.key for r in outcome.replies] == [key for key, _ in expected_replies], where
        for reply, (_, params) in zip(outcome.replies, expected_replies):
            got = {name: plain(reply.params.get(name)) for name in params}
            assert got == params, where

        assert [effect_as_data(e) for e in outcome.effects] == turn.get("effects", []), where

        state = contact.state
        assert ([state.flow, state.step] if state else None) == turn.get("state"), where
        for name, value in turn.get("data", {}).items():
            assert state.data.get(name) == value, where
        if "language" in turn:
            assert outcome.language == turn["language"], where

        texts = [fit_reply(render_reply(r, outcome.language)) for r in outcome.replies]
        for text in texts:
            assert fits(text, 2), where
        for snippet in turn.get("says", []):
            assert any(snippet in text for text in texts), f"{where}: {snippet!r} not in {texts}"


# Small cases the conversations cannot reach.

def test_more_after_the_list_has_shrunk_says_that_was_all(now):
    outcome = step(State("list", "page", {"page": 5, "town": ""}), "MERE", facts_for({}), now)
    assert [r.key for r in outcome.replies] == ["no_more_communities"]
    assert outcome.state == State()


def test_a_flow_in_progress_carries_its_expiry(now):
    outcome = step(None, "TILBYD", facts_for({}), now)
    assert outcome.expires_at == now + engine.FLOW_TTL
    assert step(None, "HJÆLP", facts_for({}), now).expires_at is None


def test_mine_shows_three_offers_cut_to_the_room_left(now):
    offers = tuple((n, "Jeg kan hjælpe med havearbejde hele sommeren og lidt af efteråret, "
                       "hvis vejret er til det og nogen har brug for det", "pending")
                   for n in range(1, 6))
    outcome = step(None, "MINE", replace(facts_for({}), offers=offers), now)
    items = outcome.replies[0].params["offers"]
    assert len(items) == 3
    text = render_reply(outcome.replies[0], "da")
    assert fits(text, 2) and text.count("...") == 3
    assert measure(text).units > GSM7_TWO_SEGMENTS - 10  # the room is used, not left empty


def test_every_intent_has_a_keyword_the_engine_understands(now):
    """Each intent's first Danish and English word reaches the engine as that intent."""
    for intent, by_language in KEYWORDS.items():
        for words in by_language.values():
            assert engine.parse(words[0]).intent == intent


# Bugs found by these tests, fixed since.

def test_a_superscript_or_full_width_digit_as_category_is_that_digit(now):
    # Keywords and answers are read in NFKC: ² and ２ are the 2 they look like.
    state = State("offer", "category", {"offer_id": 1})
    for typed in ("²", "２", "2"):
        outcome = step(state, typed, facts_for({}), now)
        assert [r.key for r in outcome.replies] == ["ask_town"]
        assert outcome.effects[0].category == "knowhow"


@pytest.mark.parametrize("state", [State("offer", "describe"),
                                   State("feedback", "text", {"kind": "ros"})])
def test_an_empty_answer_to_a_free_text_question_asks_again(state, now):
    outcome = step(state, "", facts_for({}), now)
    assert outcome.effects == ()
    assert outcome.state == state


def test_an_offer_that_starts_with_help_is_saved(now):
    outcome = step(State("offer", "describe"), "Hjælp til indkøb", facts_for({}), now)
    assert engine.CreateOffer("Hjælp til indkøb") in outcome.effects


@pytest.mark.parametrize(("text", "intent"), [("HJALP", "help"),
                                              ("FALLESSKABER", "communities")])
def test_a_keyword_typed_with_a_for_ae_is_understood(text, intent):
    assert engine.parse(text).intent == intent


def test_zero_skips_the_feedback_kind_question(now):
    outcome = step(State("feedback", "kind"), "0", facts_for({}), now)
    assert [r.key for r in outcome.replies] == ["menu"]
    assert outcome.state == State("menu", "choice")


# Properties: no input makes the engine raise, and every reply fits two segments.

KEYWORD_WORDS = sorted({word for by_language in KEYWORDS.values()
                        for words in by_language.values() for word in words}
                       | set(ANSWER_WORDS) | {"IDÉ", "HJAELP", "J", "Y"})
CODES = [c["code"] for c in demo_data.COMMUNITIES]
ODD_TEXTS = [
    "😀🎉", "[@click=app.quit]x", "[/x]", "[bold]hej[/bold]", "\x1b[31mrød\x1b[0m",
    "\x1b]8;;http://x\x07link\x1b]8;;\x07", "\u202eLIKS\u202c", "\x00\x07\x7f",
    "Привіт, я можу допомогти з покупками", "مرحبا، يمكنني المساعدة في التسوق",
    "TILBYD:", "Deltag strik", "  ", "\n", "{name} {0} {}", "%s %(x)s",
    "٣", "١٢", "99999999999999999999", "-1", "0.5",
]
free_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
texts = st.one_of(
    st.sampled_from(KEYWORD_WORDS),
    st.builds(lambda word, rest: f"{word} {rest}", st.sampled_from(KEYWORD_WORDS + CODES),
              st.one_of(free_text, st.sampled_from(CODES + ODD_TEXTS))),
    st.sampled_from([str(n) for n in range(10)]),
    st.sampled_from(ODD_TEXTS),
    free_text,
    st.builds(lambda word, fill: f"{word} {fill * 1600}"[:1600],
              st.sampled_from(KEYWORD_WORDS + [""]), st.sampled_from(["a", "æ", "😀", "Я "])),
)


# Most odd answers matter only inside a flow: start one in most conversations.
FLOW_STARTERS = ["TILBYD Jeg kan strikke", "TILBYD", "OFFER", "ROS", "DELTAG", "SLET",
                 "FÆLLESSKABER", "Hej", "IDE", None]


@settings(max_examples=500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(starter=st.sampled_from(FLOW_STARTERS), conversation=st.lists(texts, min_size=1,
                                                                     max_size=5),
       language=st.sampled_from([None, "da", "en"]))
def test_no_text_makes_the_engine_fail_or_overflow(starter, conversation, language, now):
    contact = Contact(facts_for({"language": language}), now)
    for body in ([starter] if starter else []) + conversation:
        outcome = contact.text(body)
        assert (outcome.expires_at is not None) == (outcome.state.flow is not None)
        assert outcome.replies
        for reply in outcome.replies:
            for locale in ("da", "en"):
                assert fits(fit_reply(render_reply(reply, locale)), 2)
