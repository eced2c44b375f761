"""Every SMS reply fits two segments in every language, and every catalog carries every reply."""

from __future__ import annotations

import string
import unicodedata

import pytest
from babel.messages.pofile import read_po

from shared.engine import GSM7_LIMITS, UCS2_LIMITS, Limits, _pages, joined_reply, mine_counts
from shared.i18n import LOCALES_DIR, available_locales, translator
from shared.keywords import KEYWORDS, fold
from shared.replies import REPLIES, Cut, Reply, fit_reply, render_reply, room, ucs2_languages
from shared.sms_text import GSM7_TWO_SEGMENTS, UCS2_TWO_SEGMENTS, fits, measure

# The longest values a reply's placeholders take in real use, in Danish letters
# (Æ Ø Å are GSM-7, so they cost no more than A).
NAME = "Fællesspisning og brætspil på Ærøvej 12"[:40].ljust(40, "x")   # names <= 40
CODE = "ABCDEFGHIJ"                                                    # codes <= 10
TOWN = "Ølstedgårdså"                                                  # towns <= 12
SCHEDULE = "Hver anden tirsdag i måneden kl. 14-16.3"[:40].ljust(40, "x")
PLACE = "Kerteminde Bibliotek, Strandvejen 5, 5300 Kerteminde, salen"[:60].ljust(60, "x")
MEMBER_CODES = ", ".join([CODE] * 8)       # LEAVE lists at most 8 memberships
OFFER_TEXT = "Jeg kan køre en nabo til lægen om tirsdagen og hente medicin på apoteket"
OFFER_ID = 99999
assert len(NAME) == 40 and len(SCHEDULE) == 40 and len(PLACE) == 60 and len(TOWN) == 12


# What a coordinator may write into a notice: the kiosk keeps a question or a
# reason to 200 characters and refuses any notice over two segments (TooLong),
# so in a UCS-2 language the words must be shorter. Each template must leave
# at least this much room for them.
COORDINATOR_WORDS = {"GSM-7": {"question": 200, "reason": 200, "answer": 250},
                     "UCS-2": {"question": 50, "reason": 50, "answer": 80}}


def limits_for(locale: str) -> Limits:
    return UCS2_LIMITS if locale in ucs2_languages() else GSM7_LIMITS


def longest_page(locale: str) -> str:
    """Return a page of community items as long as the engine lets one page be."""
    page_room = room("communities_more", locale)
    full = f"{CODE} {NAME}"
    items = []
    while measure("; ".join(items + [full])).units <= page_room:
        items.append(full)
    left = page_room - measure("; ".join(items + [f"{CODE} "])).units
    if left > 0:  # one more item with a shorter name fills the page to the last character
        items.append(f"{CODE} {NAME[:left]}")
    assert _pages(items, page_room) == [items], "the engine would split these"
    page = "; ".join(items)
    assert measure(page).units > page_room - len(f"; {CODE} ")
    return page


def longest_status(locale: str, prefix: str = "status_") -> Reply:
    statuses = [Reply(key) for key in REPLIES if key.startswith(prefix)]
    return max(statuses, key=lambda r: measure(render_reply(r, locale)).units)


def longest_values(locale: str) -> dict:
    """Return the longest realistic value of every placeholder, as the engine fills it."""
    limits = limits_for(locale)
    status = longest_status(locale)
    text = Cut(OFFER_TEXT, order=0, keep=12)
    offer = Reply("offer_item", {"id": OFFER_ID, "text": text, "status": status})
    words = COORDINATOR_WORDS["UCS-2" if locale in ucs2_languages() else "GSM-7"]
    return {
        "examples": ", ".join([TOWN] * min(3, limits.towns)), "items": longest_page(locale),
        "town": Cut(TOWN), "towns": ", ".join([TOWN] * limits.towns),
        "example": CODE, "name": Cut(NAME), "schedule": SCHEDULE, "place": PLACE,
        "code": CODE, "suggestions": ", ".join([CODE] * 3), "codes": MEMBER_CODES,
        "offers": (offer,) * limits.offers,
        "communities": [Cut(NAME, order=1)] * limits.memberships + ["+99"],
        "needs": (Reply("offer_item", {"id": OFFER_ID, "text": text,
                                       "status": longest_status(locale, "need_status_")}),),
        "offer": Cut(OFFER_TEXT, keep=20), "need": Cut(OFFER_TEXT, keep=20),
        "ref": OFFER_ID, "refs": ", ".join([str(OFFER_ID)] * 3), "phone": "+45 20 99 88 77",
        "count": 999, "segments": 2, "time": "08:00", "max": 999, "leader": "X" * 20,
        "when": WHEN,
        "id": OFFER_ID, "text": text, "status": status,
        "question": "Q" * words["question"], "reason": "R" * words["reason"],
        "answer": "A" * words["answer"],
        "languages": ", ".join(sorted(code.upper() for code in available_locales())),
    }


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def budget_cases() -> list:
    return [pytest.param(key, locale, id=f"{key}-{locale}")
            for key in REPLIES for locale in available_locales()]


# A leader's own message: the service refuses one that would not fit (send_too_long).
NOT_BUDGETED = {"from_leader"}
# Replies whose time and place are never cut: in UCS-2 they may take a third segment.
GROWS = {"joined", "meeting_set", "meeting_reminder"}
# The longest date in words a meeting reply repeats.
WHEN = "onsdag den 30. september kl. 14.30"


@pytest.mark.parametrize(("key", "locale"), [c for c in budget_cases()
                                             if c.values[0] not in NOT_BUDGETED])
def test_every_reply_fits_two_segments_with_its_longest_values(key, locale):
    values = longest_values(locale)
    reply = Reply(key, {name: values[name] for name in placeholders(REPLIES[key])})
    if key == "mine_with_needs":
        offers, needs, names = mine_counts(limits_for(locale), with_needs=True)
        reply = Reply(key, {"offers": values["offers"][:1] * offers,
                            "needs": values["needs"][:1] * needs,
                            "communities": values["communities"][:names] + ["+99"]})
    if key == "joined":
        # The exceptions: when and where are never cut, so where two UCS-2
        # segments cannot hold them a welcome or a meeting may take a third.
        reply = joined_reply(NAME, CODE, SCHEDULE, PLACE)
    if key in GROWS:
        reply = Reply(key, {**reply.params, "name": Cut(NAME)}, may_grow_to=3)
    text = render_reply(reply, locale)
    assert "{" not in text
    segments = 2 if key not in GROWS or locale not in ucs2_languages() else 3
    assert fits(text, segments), f"{measure(text)}: {text}"
    if key in GROWS:
        assert PLACE in text


@pytest.mark.parametrize("locale", sorted(ucs2_languages()))
def test_a_ucs2_welcome_fills_the_room_before_it_cuts(locale):
    short_place, long_name = "Biblioteket", f"{NAME} {NAME}"
    text = render_reply(joined_reply(long_name, CODE, "Søndage kl. 10-12", short_place), locale)
    assert fits(text, 2) and "Søndage kl. 10-12" in text and short_place in text
    assert "..." in text and long_name not in text
    # The name is cut only as far as two segments need: the reply is full.
    assert measure(text).units > UCS2_TWO_SEGMENTS - 5


def test_cut_values_go_in_order_and_never_below_what_they_keep():
    reply = Reply("mine", {
        "offers": (Reply("offer_item", {"id": 1, "text": Cut("o" * 200, order=0, keep=12),
                                        "status": Reply("status_pending")}),),
        "communities": [Cut("n" * 60, order=1)]})
    text = render_reply(reply, "da")
    assert fits(text, 2) and "n" * 60 in text  # the names had room once the offer was cut
    assert "o" * 9 + "..." in text and "o" * 200 not in text
    tight = render_reply(reply, "uk")
    assert fits(tight, 2) and "o" * 9 + "..." in tight


# Parts that MINE puts inside its reply, never sent on their own.
REPLY_PARTS = {"none", "offer_item", "a_neighbour"} | {
    key for key in REPLIES if key.startswith(("status_", "need_status_"))}


def first_strong_direction(text: str) -> str | None:
    """Return the bidi class of the first letter that has a direction: L, R or AL."""
    classes = (unicodedata.bidirectional(char) for char in text)
    return next((bidi for bidi in classes if bidi in ("L", "R", "AL")), None)


@pytest.mark.parametrize("key", [key for key in REPLIES if key not in REPLY_PARTS])
def test_every_arabic_sms_starts_with_an_arabic_letter(key):
    # Phones lay a message out by its first letter with a direction (Unicode's
    # paragraph rule): one that starts "Fælles:" or with a Latin community name
    # is drawn left to right, its Arabic words in the wrong order around it.
    values = longest_values("ar")
    text = render_reply(Reply(key, {name: values[name] for name in placeholders(REPLIES[key])}),
                        "ar")
    assert first_strong_direction(text) in ("R", "AL"), text


def test_the_longest_values_are_gsm7_so_the_budget_is_306():
    values = longest_values("da")
    for value in (NAME, SCHEDULE, PLACE, TOWN, values["items"]):
        assert measure(value).encoding == "GSM-7"


@pytest.fixture(scope="module")
def catalogs() -> dict:
    found = {}
    for locale in available_locales():
        with open(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po", encoding="utf-8") as po:
            found[locale] = read_po(po, locale=locale)
    return found


def test_there_are_danish_and_english_catalogs():
    assert {"da", "en"} <= set(available_locales())


@pytest.mark.parametrize("key", list(REPLIES))
def test_every_reply_is_translated_in_every_catalog(key, catalogs):
    msgid = REPLIES[key]
    for locale, catalog in catalogs.items():
        message = catalog.get(msgid)
        assert message is not None, f"{key} is missing from the {locale} catalog: run make i18n"
        assert message.string and not message.fuzzy, f"{key} is untranslated in {locale}"
        # The same placeholders, or render_reply raises KeyError or drops a value.
        assert placeholders(message.string) == placeholders(msgid), f"{key} in {locale}"
        # The compiled .mo is what render_reply reads: it must match the .po.
        assert translator(locale).gettext(msgid) == message.string, \
            f"{key}: the {locale} .mo is older than its .po: run make catalogs"


def test_danish_replies_are_danish():
    assert render_reply(Reply("help"), "da").startswith("Fælles - skriv: TILBYD")
    assert render_reply(Reply("erase_cancelled"), "da") == "Vi har ikke slettet noget."
    assert render_reply(Reply("erase_cancelled"), "en") == "Nothing was erased."


def test_nested_replies_render_in_the_same_language():
    item = Reply("offer_item", {"id": 7, "text": "Jeg kan strikke",
                                "status": Reply("status_pending")})
    reply = Reply("mine", {"offers": (item, item), "communities": Reply("none")})
    assert render_reply(reply, "da") == (
        "Dine tilbud: nr. 7 Jeg kan strikke (venter); nr. 7 Jeg kan strikke (venter)."
        " Dine fællesskaber: ingen.")
    assert render_reply(reply, "en") == (
        "Your offers: #7 Jeg kan strikke (waiting); #7 Jeg kan strikke (waiting)."
        " Your communities: none.")


def test_a_citizens_braces_are_not_formatted():
    reply = Reply("not_member", {"code": "{name}{0}"})
    assert render_reply(reply, "da") == "Du er ikke med i {name}{0}."


def test_an_unknown_reply_key_is_refused():
    with pytest.raises(KeyError):
        Reply("no_such_reply")


# fit_reply guards against a citizen's own long words.

def test_a_reply_that_fits_is_left_alone():
    text = render_reply(Reply("help"), "da")
    assert fit_reply(text) == text


def test_a_long_gsm7_reply_is_cut_to_two_segments_with_dots():
    text = "Velkommen til " + "Æblemost og kaffe " * 30
    cut = fit_reply(text)
    assert cut.endswith("...")
    assert text.startswith(cut[:-3])
    assert measure(cut).encoding == "GSM-7"
    assert measure(cut).units <= GSM7_TWO_SEGMENTS
    assert measure(cut).units >= GSM7_TWO_SEGMENTS - 20  # cut near the budget, not far below


def test_a_long_ucs2_reply_is_cut_to_the_ucs2_budget():
    text = "Velkommen til Кав'ярня для всіх мешканців міста " * 5
    cut = fit_reply(text)
    assert cut.endswith("...")
    assert text.startswith(cut[:-3])
    assert measure(cut).encoding == "UCS-2"
    assert UCS2_TWO_SEGMENTS - 10 <= measure(cut).units <= UCS2_TWO_SEGMENTS


def test_emoji_are_never_split_in_half():
    cut = fit_reply("Tak 😀" * 100)
    assert fits(cut, 2)
    assert cut.encode("utf-16-le", errors="strict")  # no lone surrogate left behind
    assert cut.endswith("...")


def test_fit_reply_takes_another_budget():
    cut = fit_reply("a" * 400, segments=1)
    assert cut == "a" * 157 + "..."


@pytest.mark.parametrize(("msgid", "danish"), [
    # Not "Ris og ros er anonym", "Velkommen i ...", "Så gør ingenting".
    ("Feedback is anonymous unless you give your number.", "Ris og ros er anonyme,"),
    (REPLIES["joined"], "Velkommen til {name}!"),
    ("Welcome to {name}! We have sent you an SMS about it.", "Velkommen til {name}!"),
    (REPLIES["kiosk_code"], "Så skal du ikke gøre noget."),
    # "Et menneske læser" sounded like a machine talking; "MINE viser dit" said nothing.
    (REPLIES["unsorted_kept"], "En af os læser din besked og svarer dig."),
    (REPLIES["help"], "MINE viser dine tilbud og fællesskaber."),
])
def test_danish_says_it_as_a_dane_would(msgid, danish):
    assert danish in translator("da").gettext(msgid)


@pytest.mark.parametrize("locale", available_locales())
def test_the_menu_says_the_help_word_only_as_the_keyword(locale):
    # "1 Tilbyd hjælp" beside "Skriv HJÆLP for mere": a reader took one for the other.
    help_words = {fold(word) for words in KEYWORDS["help"].values() for word in words}
    menu = render_reply(Reply("menu"), locale)
    said = [word for word in menu.split() if fold(word).strip(".,:;!?«»") in help_words]
    assert len(said) == 1, menu


def test_there_are_six_languages_and_two_need_ucs2():
    assert set(available_locales()) == {"da", "en", "de", "pl", "uk", "ar"}
    assert ucs2_languages() == {"uk", "ar"}


@pytest.mark.parametrize("locale", sorted(set(available_locales()) - {"ar"}))
def test_help_starts_with_the_name_the_same_way_in_every_language(locale):
    # Arabic starts with an Arabic word instead, so that phones lay it out right to left.
    assert render_reply(Reply("help"), locale).startswith("Fælles - ")
