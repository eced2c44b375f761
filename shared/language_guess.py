"""Guess the language of a citizen's first text, so the first reply is one they can read.

Pure: letters and a few very common words, nothing else. A script says most
(Arabic letters: Arabic; Cyrillic: Ukrainian, the Cyrillic catalog we have);
in Latin script a handful of everyday words and letters tell German, Polish,
English and Danish apart. When in doubt it says nothing, and the kiosk's
default language answers.
"""

from __future__ import annotations

import re
import unicodedata

# Everyday words, lower case, without punctuation. Short lists on purpose: a
# word that is common in two of the languages is left out of both.
COMMON_WORDS: dict[str, frozenset[str]] = {
    "da": frozenset("jeg og ikke hej tak kan vil gerne hvad hvor hvordan mig min mit "
                    "det er til af på med har skal godt dag hjælp".split()),
    "en": frozenset("i the and to you is can please want would like my me hello hi "
                    "thanks thank what where how help have need".split()),
    "de": frozenset("ich und nicht die der das ist ein eine hallo bitte danke mit für "
                    "kann möchte habe wie was wo bin mir mein hilfe guten tag".split()),
    "pl": frozenset("jestem nie się czy dzień dobry proszę chcę mogę jak dziękuję pomocy "
                    "cześć mam gdzie co mnie moja mój pomoc bardzo".split()),
}
# Letters that belong to one of the candidates alone.
OWN_LETTERS = {"pl": set("ąćęłńśźżĄĆĘŁŃŚŹŻ"), "de": set("ßẞ"), "da": set("æøåÆØÅ")}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def script_of(char: str) -> str | None:
    """Return 'arabic', 'cyrillic' or 'latin' for a letter, None for anything else."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in ("ARABIC", "CYRILLIC", "LATIN"):
        if name.startswith(script):
            return script.lower()
    return None


def guess_language(text: str, available: tuple[str, ...]) -> str | None:
    """Return the language the text is most likely in, among those available, or None."""
    letters = [script for script in map(script_of, text) if script]
    if not letters:
        return None  # emoji, digits, blanks: nothing to go by
    scripts = {script: letters.count(script) for script in set(letters)}
    main = max(scripts, key=scripts.get)
    if main == "arabic":
        return "ar" if "ar" in available else None
    if main == "cyrillic":
        return "uk" if "uk" in available else None
    return _latin_language(text, available)


def _latin_language(text: str, available: tuple[str, ...]) -> str | None:
    words = [word.lower() for word in WORD.findall(text)]
    scores = {language: sum(word in COMMON_WORDS[language] for word in words)
              for language in COMMON_WORDS if language in available}
    for language, letters in OWN_LETTERS.items():
        if language in scores and any(char in letters for char in text):
            scores[language] += 2
    if not scores:
        return None
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    # Two signs at least, and clearly ahead of the next: otherwise stay silent.
    if ranked[0] < 2 or (len(ranked) > 1 and ranked[0] - ranked[1] < 1):
        return None
    return best
