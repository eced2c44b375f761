"""The SMS engine's answers about communities and towns: lists, joining, leaving, MINE.

Pure like the engine itself (shared/engine.py dispatches here): facts in, an
Outcome out, no store and no clock.
"""

from __future__ import annotations

import difflib

from shared.engine_types import (
    CommunityFact, Facts, JoinCommunity, LeaveCommunity, Limits, Outcome, State,
)
from shared.keywords import fold
from shared.replies import Cut, Reply, shorten
from shared.sms_text import measure

# What a citizen may write as a town answer or a town to list, kept this long.
MAX_FREE_TEXT_ANSWER = 60


def _done(language: str, reply: Reply, *effects) -> Outcome:
    return Outcome(State(), language, (reply,), tuple(effects))


def _known_town(text: str, towns: tuple[str, ...]) -> str | None:
    """Return the known town the answer names (spelled a little off, too), or None."""
    folded = {fold(town): town for town in towns}
    close = difflib.get_close_matches(fold(text), list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close else None


def _match_town(text: str, towns: tuple[str, ...]) -> str:
    """Return the known town the answer names, else the answer itself, shortened."""
    return _known_town(text, towns) or text[:MAX_FREE_TEXT_ANSWER]


def _list_communities(facts: Facts, language: str, *, town: str, page: int) -> Outcome:
    limits = facts.limits(language)
    active = [c for c in facts.communities if c.status == "active"]
    if town:
        wanted = _match_town(town, facts.towns)
        active = [c for c in active if fold(c.town) == fold(wanted)]
        if not active:
            return _done(language, Reply("no_communities_in_town",
                                         {"town": Cut(town),
                                          "towns": ", ".join(facts.towns[:limits.towns])}))
    # A page holds as many communities as the reply has room for in this
    # language; a name is cut only when its item alone is longer than that.
    room = facts.room(language, "communities_more")
    pages = _pages([f"{c.code} {shorten(c.name, room - len(c.code) - 1)}" for c in active],
                   room)
    if page >= len(pages):
        return _done(language, Reply("no_more_communities"))
    items = "; ".join(pages[page])
    # The last page keeps the flow too, so that MORE after it says "that was all".
    state = State("list", "page", {"page": page, "town": town})
    if page + 1 < len(pages):
        return Outcome(state, language, (Reply("communities_more", {"items": items}),))
    return Outcome(state, language, (Reply("communities", {"items": items}),))


def _pages(items: list[str], room: int) -> list[list[str]]:
    pages: list[list[str]] = [[]]
    for item in items:
        if pages[-1] and measure("; ".join(pages[-1] + [item])).units > room:
            pages.append([])
        pages[-1].append(item)
    return pages if pages[0] else []


def _find(code: str, facts: Facts) -> CommunityFact | None:
    return next((c for c in facts.communities if c.code == code), None)


def _suggest(code: str, facts: Facts) -> list[str]:
    """Return up to three community codes close to what was typed, by code or name."""
    active = [c for c in facts.communities if c.status == "active"]
    by_key = {c.code: c.code for c in active}
    by_key.update({fold(c.name): c.code for c in active})
    matches = difflib.get_close_matches(code, list(by_key), n=5, cutoff=0.6)
    return list(dict.fromkeys(by_key[m] for m in matches))[:3]


def _unknown(code: str, facts: Facts, language: str) -> Outcome:
    shown = code[:12]
    suggestions = _suggest(code, facts)
    if suggestions:
        return _done(language, Reply("unknown_code_suggest",
                                     {"code": shown, "suggestions": ", ".join(suggestions)}))
    return _done(language, Reply("unknown_code", {"code": shown}))


def _join(rest: str, facts: Facts, language: str) -> Outcome:
    if not rest:
        example = facts.communities[0].code if facts.communities else "STRIK"
        return Outcome(State("join", "code"), language,
                       (Reply("ask_code", {"example": example}),))
    code = fold(rest.split()[0])
    community = _find(code, facts)
    if community is None or community.status == "archived":
        return _unknown(code, facts, language)
    if community.status != "active":
        return _done(language, Reply("community_paused", {"name": community.name}))
    if code in facts.memberships:
        return _done(language, Reply("already_member", {"name": community.name, "code": code}))
    return _done(language, joined_reply(community.name, code, community.schedule,
                                        community.place), JoinCommunity(code))


def joined_reply(name: str, code: str, schedule: str, place: str) -> Reply:
    """Return the welcome to a community: its time and place whole, its name as room allows."""
    # When and where are what a new member needs; a name can be cut. Where even
    # the shortest name leaves too little room for them (UCS-2, a long place),
    # the welcome may take a third segment rather than lose them.
    return Reply("joined", {"name": Cut(name), "code": code, "schedule": schedule,
                            "place": place}, may_grow_to=3)


def _leave(rest: str, facts: Facts, language: str) -> Outcome:
    if not rest:
        if facts.memberships:
            return _done(language, Reply("ask_leave", {"codes": ", ".join(facts.memberships[:8])}))
        return _done(language, Reply("ask_leave_none"))
    code = fold(rest.split()[0])
    community = _find(code, facts)
    if community is None:
        return _unknown(code, facts, language)
    if code not in facts.memberships:
        return _done(language, Reply("not_member", {"code": code}))
    return _done(language, Reply("left", {"name": community.name}), LeaveCommunity(code))


def mine_counts(limits: Limits, with_needs: bool) -> tuple[int, int, int]:
    """Return how many offers, needs and community names MINE shows."""
    # Needs take their room from the offers and the names: two segments in all.
    if not with_needs:
        return limits.offers, 0, limits.memberships
    return (max(1, limits.offers - limits.needs), limits.needs,
            max(1, limits.memberships - 1))


def _mine(facts: Facts, limits: Limits) -> Reply:
    if not facts.offers and not facts.memberships and not facts.needs:
        return Reply("mine_empty")
    offer_count, need_count, name_count = mine_counts(limits, bool(facts.needs))
    # Offer and need texts are cut first, then names, each to the room the reply leaves.
    offers = tuple(
        Reply("offer_item", {"id": offer_id, "text": Cut(text, order=0, keep=12),
                             "status": Reply(f"status_{status}")})
        for offer_id, text, status in facts.offers[:offer_count])
    # Names, not codes: "Strikkeklubben" says more than STRIK.
    names = [Cut(c.name, order=1) if c else code
             for code in facts.memberships[:name_count]
             for c in [_find(code, facts)]]
    more = len(facts.memberships) - len(names)
    if more > 0:
        names.append(f"+{more}")
    if not facts.needs:
        return Reply("mine", {"offers": offers or Reply("none"),
                              "communities": names or Reply("none")})
    needs = tuple(
        Reply("offer_item", {"id": need_id, "text": Cut(text, order=0, keep=12),
                             "status": Reply(f"need_status_{status}")})
        for need_id, text, status in facts.needs[:need_count])
    return Reply("mine_with_needs", {"offers": offers or Reply("none"), "needs": needs,
                                     "communities": names or Reply("none")})
