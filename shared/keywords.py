"""SMS keywords by intent and language, and the folding that makes HJAELP equal HJÆLP."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Intent -> words per language. Danish and English always work; a catalog
# language may add its own aliases here.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "help": {"da": ("HJÆLP",), "en": ("HELP", "INFO")},
    "offer": {"da": ("TILBYD",), "en": ("OFFER",)},
    "communities": {"da": ("FÆLLESSKABER", "FÆLLESSKAB"), "en": ("COMMUNITIES", "LIST")},
    "join": {"da": ("DELTAG",), "en": ("JOIN",)},
    "leave": {"da": ("FORLAD",), "en": ("LEAVE",)},
    "ros": {"da": ("ROS",), "en": ("PRAISE",)},
    "ris": {"da": ("RIS",), "en": ("COMPLAINT",)},
    "ide": {"da": ("IDÉ", "IDE"), "en": ("IDEA", "FEEDBACK")},
    "mine": {"da": ("MINE",), "en": ("STATUS",)},
    "language": {"da": ("SPROG",), "en": ("LANGUAGE",)},
    # Twilio's own opt-out words (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT)
    # and opt-in words (START, YES, UNSTOP) are honoured by its Advanced Opt-Out.
    # "*": the same word in every language, so it says nothing about the sender's.
    "stop": {"*": ("STOP",), "da": ("AFMELD",),
             "en": ("STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT")},
    "start": {"*": ("START",), "da": ("TILMELD",), "en": ("YES", "UNSTOP")},
    "erase": {"da": ("SLET",), "en": ("DELETE",)},
}

# Words that are answers inside a flow rather than keywords, kept out of community codes.
ANSWER_WORDS = ("JA", "YES", "NEJ", "NO", "OK", "MERE", "MORE", "SKIP", "SPRING")
YES_WORDS = ("JA", "YES", "J", "Y")
MORE_WORDS = ("MERE", "MORE")

_FOLDS = str.maketrans({"Æ": "AE", "Ø": "OE", "Å": "AA", "É": "E"})


def fold(word: str) -> str:
    """Return word upper-cased with Danish letters folded (HJÆLP -> HJAELP)."""
    upper = unicodedata.normalize("NFC", word).upper().translate(_FOLDS)
    # Other accents (ü, ö) lose their marks: phones without them send the bare letter.
    decomposed = unicodedata.normalize("NFD", upper)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def keyword_index() -> dict[str, tuple[str, str]]:
    """Return folded word -> (intent, language) for every keyword."""
    index: dict[str, tuple[str, str]] = {}
    for intent, by_language in KEYWORDS.items():
        for language, words in by_language.items():
            for word in words:
                index.setdefault(fold(word), (intent, language))
                # Phones that cannot type Å often send A, Ø as O, Æ as A.
                plain = word.replace("Å", "A").replace("Ø", "O").replace("Æ", "A")
                index.setdefault(fold(plain), (intent, language))
    return index


@lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """Return every folded word a community code may not be."""
    return frozenset(keyword_index()) | frozenset(ANSWER_WORDS)
