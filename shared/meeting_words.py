"""The words people text for meeting days and times, in Danish and English, folded for lookup.

Written here as people spell them; the tables are keyed by keywords.fold(), so
"lørdag", "LØRDAG" and "loerdag" are one key. Phones without æ, ø and å also
send the bare vowel ("lordag", "sondag"), so every word gets that spelling too.
"""

from __future__ import annotations

import re

from shared.keywords import fold

_BARE_VOWELS = str.maketrans({"æ": "a", "ø": "o", "å": "a"})


def _folded(words: dict[str, int]) -> dict[str, int]:
    """Return word -> value keyed by both folded spellings of each word."""
    table: dict[str, int] = {}
    for word, value in words.items():
        table[fold(word)] = value
        table[fold(word.translate(_BARE_VOWELS))] = value
    return table


def _weekday_forms(endings: tuple[str, ...]) -> dict[str, int]:
    """Return each Danish weekday name with one of the endings -> 0 (Monday) ... 6."""
    stems = ("man", "tirs", "ons", "tors", "fre", "lør", "søn")
    return {f"{stem}dag{ending}": day for day, stem in enumerate(stems) for ending in endings}


# One day: "tirsdag", "tirs.", "tuesday", "tue".
WEEKDAYS = _folded({
    **_weekday_forms(("",)),
    "man": 0, "tir": 1, "tirs": 1, "ons": 2, "tor": 3, "tors": 3, "fre": 4, "lør": 5, "søn": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
})
# Every week on that day: "tirsdage", "tuesdays".
WEEKDAYS_PLURAL = _folded({
    **_weekday_forms(("e",)),
    "mondays": 0, "tuesdays": 1, "wednesdays": 2, "thursdays": 3, "fridays": 4,
    "saturdays": 5, "sundays": 6,
})
# "om tirsdagen" (and "om tirsdagene") is Danish for every Tuesday.
WEEKDAYS_DEFINITE = _folded(_weekday_forms(("en", "ene")))

MONTHS = _folded({
    "januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "oct": 10, "nov": 11, "dec": 12,
})

# Days from today: one word, or "i" and a word ("i morgen").
RELATIVE_DAYS = _folded({"idag": 0, "imorgen": 1, "iovermorgen": 2, "today": 0,
                         "tomorrow": 1})
AFTER_I = _folded({"dag": 0, "morgen": 1, "overmorgen": 2})
IN = fold("i")

# Words that say the next words are a day: "den 12.", "d. 12/12", "på tirsdag", "on Tuesday".
BEFORE_A_DAY = frozenset(fold(w) for w in ("den", "d.", "d", "på", "on", "the"))
# Words that say the next words are a time: "kl. 14", "klokken 14", "at 2pm", "fra 14".
BEFORE_A_TIME = frozenset(fold(w) for w in ("kl", "kl.", "klokken", "at", "@", "fra", "from"))
# Words that make the day a weekly one: "hver tirsdag", "alle tirsdage", "every Tuesday".
EVERY = frozenset(fold(w) for w in ("hver", "alle", "every", "each"))
OM = fold("om")
OF = fold("of")
# Between the start and the end of a time span: "14 - 16", "14 til 16", "2 to 4pm".
UNTIL = frozenset(fold(w) for w in ("-", "–", "—", "til", "to"))
AM_PM = {"AM": "AM", "A.M.": "AM", "A.M": "AM", "PM": "PM", "P.M.": "PM", "P.M": "PM"}
# "kl" and "klokken" mark the 24-hour clock: "kl 7" is 07:00 even in English.
TWENTY_FOUR_HOUR = frozenset(fold(w) for w in ("kl", "kl.", "klokken"))

# One folded word each. A time: 14, 14.30, 14:00, kl.14, 2pm, 2:30p.m., 14-16, 2-4pm.
SUFFIX = r"(?:AM|PM|A\.M\.?|P\.M\.?)"
CLOCK = re.compile(rf"(?:(?P<kl>KL\.?)|@)?(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?(?P<s>{SUFFIX})?"
                   rf"(?:[-–—](?P<h2>\d{{1,2}})(?:[:.](?P<m2>\d{{2}}))?(?P<s2>{SUFFIX})?)?\.?")
# A date, day first: 12/12, 12.12., 12-12, 12/12/2026, 12.12.26, 12/12-2026.
NUMERIC_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}|\d{2}))?\.?")
# A day before or after a month's name: "12." december, Dec "12th", and "12.dec" in one word.
DAY_OF_MONTH = re.compile(r"(\d{1,2})(?:\.|ST|ND|RD|TH)?")
DAY_AND_MONTH = re.compile(r"(\d{1,2})(?:\.|ST|ND|RD|TH)?([A-Z]+)\.?")
YEAR = re.compile(r"\d{4}")
# A clock time that cannot be anything else: 14:00, 2pm, 2.30pm.
PLACE_CLOCK = re.compile(rf"(?:KL\.?)?\d{{1,2}}:\d{{2}}{SUFFIX}?|\d{{1,2}}(?:[:.]\d{{2}})?{SUFFIX}")

# How a meeting is told back, per language: the date as Babel patterns it, the time,
# a one-off meeting and a weekly one. Polish and Ukrainian name the weekday on its
# own ("wtorek, co tydzień"), since "every" would need the weekday in another case.
WORDING = {
    "da": ("EEEE 'den' d. MMMM", "HH.mm", "{date} kl. {time}", "hver {weekday} kl. {time}"),
    "en": ("EEEE d MMMM", "HH:mm", "{date} at {time}", "every {weekday} at {time}"),
    "de": ("EEEE, d. MMMM", "HH:mm", "{date} um {time} Uhr", "jeden {weekday} um {time} Uhr"),
    "pl": ("EEEE, d MMMM", "HH:mm", "{date}, godz. {time}", "{weekday}, co tydzień, godz. {time}"),
    "uk": ("EEEE, d MMMM", "HH:mm", "{date} о {time}", "{weekday}, щотижня, о {time}"),
    "ar": ("EEEE، d MMMM", "HH:mm", "{date} الساعة {time}", "{weekday} من كل أسبوع الساعة {time}"),
}
