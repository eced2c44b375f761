"""Which approved offers fit a need best: a pure ranking, no store and no clock."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.keywords import fold

# Short words every sentence has, in the languages people write their needs in;
# they say nothing about what is needed.
_COMMON = frozenset(fold(word) for word in (
    "og i på til med for der det en et at kan har jeg du vil er som af om fra den de mig min "
    "mit eller hvis have gerne nogen noget brug skal lidt tak "
    "and the to of for with can have need a an my me some someone help "
    "und der die das mit ich kann brauche für "
    "i w na z do nie mam potrzebuje").split())
MIN_WORD = 3
SAME_TOWN, SAME_KIND, PER_SHARED_WORD = 100, 10, 1


@dataclass(frozen=True)
class Suggestion:
    """An offer that may fit a need, and why."""

    offer: dict
    score: int
    same_town: bool
    same_kind: bool
    shared_words: tuple[str, ...]


def words(text: str | None) -> set[str]:
    """Return the telling words of a text, folded (case, Danish letters, accents)."""
    found = set()
    for word in re.findall(r"\w+", fold(text or "")):
        if len(word) >= MIN_WORD and word not in _COMMON and not word.isdigit():
            found.add(word)
    return found


def rank_offers(need: dict, offers: list[dict], limit: int = 5) -> list[Suggestion]:
    """Return the offers that fit the need best: same town first, then same kind, then words."""
    wanted = words(need.get("description"))
    town = fold(need.get("town") or "")
    suggestions = []
    for offer in offers:
        same_town = bool(town) and fold(offer.get("town") or "") == town
        same_kind = bool(need.get("category")) and offer.get("category") == need["category"]
        shared = tuple(sorted(wanted & words(offer.get("description"))))
        score = SAME_TOWN * same_town + SAME_KIND * same_kind + PER_SHARED_WORD * len(shared)
        suggestions.append(Suggestion(offer, score, same_town, same_kind, shared))
    suggestions.sort(key=lambda s: (-s.score, s.offer["id"]))
    return suggestions[:limit]


def as_written(text: str | None, folded: tuple[str, ...]) -> tuple[str, ...]:
    """Return the words of text whose folded forms are given, as written there (lower case)."""
    # The ranking compares folded words (KOERSEL); a coordinator reads "kørsel".
    found: dict[str, str] = {}
    for word in re.findall(r"\w+", text or ""):
        key = fold(word)
        if key in folded and key not in found:
            found[key] = word.lower()
    return tuple(found.get(key, key.lower()) for key in folded)
