"""SMS keywords by intent and language, and the folding that makes HJAELP equal HJÆLP."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from shared.digits import ascii_digits

# Intent -> words per language. Danish and English always work; a catalog
# language may add its own aliases here.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "help": {"da": ("HJÆLP",), "en": ("HELP", "INFO"), "de": ("HILFE",), "pl": ("POMOC",),
             "uk": ("ДОПОМОГА", "DOPOMOHA"), "ar": ("مساعدة", "MUSAADA")},
    "offer": {"da": ("TILBYD",), "en": ("OFFER",), "de": ("ANBIETEN",),
              "pl": ("OFERTA", "OFERUJĘ"),
              "uk": ("ПРОПОНУЮ", "PROPONUIU"), "ar": ("عرض", "أعرض", "ARD")},
    "communities": {"da": ("FÆLLESSKABER", "FÆLLESSKAB"), "en": ("COMMUNITIES", "LIST"),
                    "de": ("GRUPPEN",), "pl": ("GRUPY",),
                    "uk": ("СПІЛЬНОТИ", "SPILNOTY", "ГРУПИ", "HRUPY"),
                    "ar": ("مجموعات", "MAJMUAAT", "MAJMOUAT")},
    "join": {"da": ("DELTAG",), "en": ("JOIN",), "de": ("MITMACHEN",), "pl": ("DOŁĄCZ",),
             "uk": ("ВСТУПИТИ", "VSTUPYTY"),
             "ar": ("انضم", "INDAM", "انضمام", "INDIMAM")},
    "leave": {"da": ("FORLAD",), "en": ("LEAVE",), "de": ("AUSTRETEN",), "pl": ("WYPISZ",),
              "uk": ("ВИЙТИ", "VYITY"),
              "ar": ("خروج", "KHUROJ", "مغادرة", "MUGHADARA")},
    # Arabic: ثناء (praise) is the word of the menu and the kiosk; شكر (thanks) works too.
    # "BRUG FOR kørsel til lægen", "SØGER en til at gå med hunden".
    "need": {"da": ("BRUG", "SØGER"), "en": ("NEED",), "de": ("BRAUCHE",),
             "pl": ("POTRZEBUJĘ",), "uk": ("ПОТРІБНО", "POTRIBNO"),
             "ar": ("أحتاج", "AHTAJ")},
    # Leaders: SEND STRIK tekst, MØDE STRIK 12/12 14:00 sted; members: AFBUD STRIK.
    "send": {"da": ("SEND",), "en": ("SEND",), "de": ("SENDEN",), "pl": ("WYŚLIJ",),
             "uk": ("НАДІСЛАТИ", "NADISLATY"), "ar": ("إرسال", "IRSAL")},
    "meeting": {"da": ("MØDE",), "en": ("MEETING",), "de": ("TREFFEN",),
                "pl": ("SPOTKANIE",), "uk": ("ЗУСТРІЧ", "ZUSTRICH"),
                "ar": ("اجتماع", "IJTIMA")},
    # English CANCEL is also an opt-out word: followed by a community code it
    # is an absence (engine._keyword), alone it stops everything.
    "absent": {"da": ("AFBUD",), "en": ("ABSENT",), "de": ("ABSAGE",), "pl": ("NIEOBECNOŚĆ",),
               "uk": ("ВІДМОВА", "VIDMOVA"), "ar": ("اعتذار", "IITIDHAR")},
    "ros": {"da": ("ROS",), "en": ("PRAISE",), "de": ("LOB",), "pl": ("POCHWAŁA",),
            "uk": ("ПОДЯКА", "PODIAKA"), "ar": ("ثناء", "شكر", "SHUKR")},
    "ris": {"da": ("RIS",), "en": ("COMPLAINT",), "de": ("KRITIK", "BESCHWERDE"), "pl": ("SKARGA",),
            "uk": ("СКАРГА", "SKARHA"), "ar": ("شكوى", "SHAKWA")},
    "ide": {"da": ("IDÉ", "IDE"), "en": ("IDEA", "FEEDBACK"), "de": ("IDEE",),
            "pl": ("POMYSŁ",), "uk": ("ІДЕЯ", "IDEIA"), "ar": ("فكرة", "FIKRA")},
    "mine": {"da": ("MINE",), "en": ("STATUS",), "de": ("MEINE",), "pl": ("MOJE",),
             "uk": ("МОЄ", "MOIE", "МОЇ", "MOI"), "ar": ("حالتي", "HALATI", "طلباتي", "TALABATI")},
    "language": {"da": ("SPROG",), "en": ("LANGUAGE",), "de": ("SPRACHE",), "pl": ("JĘZYK",),
                 "uk": ("МОВА", "MOVA"), "ar": ("لغة", "LUGHA")},
    # Twilio's own opt-out words (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT)
    # and opt-in words (START, YES, UNSTOP) are honoured by its Advanced Opt-Out.
    # "*": the same word in every language, so it says nothing about the sender's.
    "stop": {"*": ("STOP",), "da": ("AFMELD",),
             "en": ("STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"),
             "de": ("STOPP", "ABMELDEN"), "uk": ("СТОП",), "ar": ("توقف", "TAWAQAF")},
    "start": {"*": ("START",), "da": ("TILMELD",), "en": ("YES", "UNSTOP"),
              "de": ("ANMELDEN",), "uk": ("СТАРТ",), "ar": ("ابدأ", "IBDA")},
    "erase": {"da": ("SLET",), "en": ("DELETE",), "de": ("LÖSCHEN", "LOESCHEN"),
              "pl": ("USUŃ",), "uk": ("ВИДАЛИТИ", "VYDALYTY"), "ar": ("حذف", "HADHF")},
}

# Words that are answers inside a flow rather than keywords, kept out of community codes.
ANSWER_WORDS = ("JA", "YES", "NEJ", "NO", "OK", "MERE", "MORE", "SKIP", "SPRING", "MEHR",
                "NEIN", "TAK", "NIE", "WIECEJ", "NI", "LA")
# Words that mean no, to an introduction or to "did you get help?".
NO_WORDS = ("NEJ", "NO", "NEIN", "NIE", "НІ", "NI", "لا", "LA")
# Words that mean yes whatever the contact's language.
YES_WORDS = ("JA", "YES", "J", "Y", "ТАК", "نعم", "NAAM")
# Words that mean yes only in the contact's own language. Polish TAK is yes, but
# in Danish "tak" is "thank you", never a yes to erasing everything.
YES_WORDS_IN = {"pl": ("TAK",)}
MORE_WORDS = ("MERE", "MORE", "MEHR", "WIECEJ", "ЩЕ", "SHCHE", "БІЛЬШЕ", "BILSHE", "المزيد", "MAZID")

# What a poster tells people to text for an intent: the first word of their language,
# and in Danish the two words people say for a need ("BRUG FOR kørsel til lægen").
_SAID = {("need", "da"): "BRUG FOR"}


def words_to_text(intent: str, language: str) -> str:
    """Return the keyword a person writing in language texts for the intent, e.g. DELTAG."""
    by_language = KEYWORDS[intent]
    words = by_language.get(language) or by_language["en"]
    return _SAID.get((intent, language), words[0])


# Letters that do not decompose into a base letter and a mark: Polish Ł, German ß.
# Arabic: ة and ى are typed as ه and ي as often as not.
_FOLDS = str.maketrans({"Æ": "AE", "Ø": "OE", "Å": "AA", "É": "E", "Ł": "L",
                        "ة": "ه", "ى": "ي"})


def fold(word: str) -> str:
    """Return word upper-cased with Danish letters folded (HJÆLP -> HJAELP), digits as 0-9."""
    # NFKC: full-width ＳＴＯＰ, ligatures and Arabic presentation forms are the
    # letters they look like, so every spelling of a keyword is that keyword;
    # and an Arabic keyboard's ١٢ is the same answer or code as 12.
    upper = ascii_digits(unicodedata.normalize("NFKC", word)).upper().translate(_FOLDS)
    # Other accents (ü, ö) lose their marks: phones without them send the bare letter.
    decomposed = unicodedata.normalize("NFD", upper)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def means_yes(folded: str, language: str) -> bool:
    """Tell whether a folded word is a yes from a contact who writes in language."""
    return folded in YES_WORDS or folded in YES_WORDS_IN.get(language, ())


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
