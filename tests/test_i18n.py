"""Tests for shared.i18n and the catalogs: every message translated, placeholders intact."""

from datetime import datetime, timezone
from string import Formatter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from shared.i18n import (
    LOCALES_DIR, available_locales, best_locale, format_day, format_when, language_name,
    language_name_in, translator,
)

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
CATALOGS = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def messages(catalog):
    return [m for m in catalog if m.id]


def as_tuple(text):
    return text if isinstance(text, (tuple, list)) else (text,)


def placeholders(text):
    return {field for part in as_tuple(text) for _, field, _, _ in Formatter().parse(part)
            if field is not None}


def test_there_are_catalogs_for_danish_and_english():
    assert {p.parent.parent.name for p in CATALOGS} >= {"da", "en"}
    assert available_locales()[0] == "da"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_and_not_fuzzy(path):
    catalog = read(path)
    assert messages(catalog)
    for message in messages(catalog):
        assert not message.fuzzy, message.id
        assert all(s.strip() for s in as_tuple(message.string)), message.id


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_translations_keep_the_placeholders(path):
    for message in messages(read(path)):
        assert placeholders(message.string) == placeholders(message.id), message.id


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalogs_hold_the_template_messages(path):
    template = {m.id for m in messages(read(LOCALES_DIR / "messages.pot"))}
    assert {m.id for m in messages(read(path))} == template


def test_template_is_up_to_date_with_the_code():
    # The same extraction `make i18n` runs: a message added to the code must be
    # extracted and translated before it ships.
    root = LOCALES_DIR.parent
    with open(root / "babel.cfg") as f:
        method_map, options = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    in_code = {msg for _, _, msg, _, _ in extract_from_dir(root, method_map, options,
                                                           keywords=keywords)}
    template = {m.id for m in messages(read(LOCALES_DIR / "messages.pot"))}
    assert in_code == template, "run `make i18n`"


def test_translator_uses_the_catalog():
    assert translator("da").gettext("Communities") == "Fællesskaber"
    assert translator("en").gettext("Communities") == "Communities"


def test_translator_is_cached_per_locale():
    assert translator("da") is translator("da")
    assert translator("da") is not translator("en")


def test_format_when_is_copenhagen_time():
    # 09:30 UTC in November is 10:30 in Copenhagen (CET, UTC+1).
    assert "10.30" in format_when(NOW, "da")
    assert "10:30" in format_when(NOW, "en")
    assert "2026" in format_when(NOW, "da")
    # In July it is CEST, UTC+2.
    assert "11:30" in format_when(datetime(2026, 7, 1, 9, 30, tzinfo=timezone.utc), "en")


def test_format_day_is_the_day_in_copenhagen():
    assert format_day(NOW, "da") == "27. november 2026"
    # 23:30 UTC is already the next day in Copenhagen.
    assert format_day(datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc), "da") == (
        "28. november 2026")


@pytest.mark.parametrize(("locale", "name"), [
    ("da", "Dansk"), ("en", "English"), ("uk", "Українська"),
    ("not a locale", "not a locale"),
])
def test_language_name_is_the_languages_own(locale, name):
    assert language_name(locale) == name


@pytest.mark.parametrize(("language", "locale", "name"), [
    ("de", "da", "tysk"), ("ar", "da", "arabisk"), ("uk", "da", "ukrainsk"),
    ("ar", "en", "Arabic"), ("pl", "de", "Polnisch"), ("xx", "da", "xx"),
])
def test_a_language_in_a_sentence_is_named_in_the_screens_language(language, locale, name):
    assert language_name_in(language, locale) == name


@pytest.mark.parametrize(("requested", "locale"), [
    ("en_GB.UTF-8", "en"), ("en-US", "en"), ("EN", "en"), ("da_DK", "da"), ("xx", "da"),
    ("", "da"), (None, "da"),
])
def test_best_locale(requested, locale):
    assert best_locale(requested) == locale


@pytest.mark.parametrize(("locale", "day"), [
    ("de", "27. November 2026"), ("pl", "27 listopada 2026"), ("uk", "27 листопада 2026\u202fр."),
    ("ar", "27 نوفمبر 2026"),
])
def test_dates_are_written_as_each_language_writes_them(locale, day):
    assert format_day(NOW, locale) == day


@pytest.mark.parametrize(("locale", "forms"), [
    # n = 1, 2, 5, 22: Polish and Ukrainian have three forms, Arabic six.
    ("de", [0, 1, 1, 1]), ("pl", [0, 1, 2, 1]), ("uk", [0, 1, 2, 1]), ("ar", [1, 2, 3, 4]),
])
def test_plural_forms_follow_each_languages_rule(locale, forms):
    catalog = translator(locale)
    plural = catalog.plural  # from the catalog's Plural-Forms header
    assert [plural(n) for n in (1, 2, 5, 22)] == forms


@pytest.mark.parametrize(("n", "said"), [
    # The dual and the singular carry their number in the word: no numeral before them.
    (1, "حصلت على دقيقة إضافية."), (2, "حصلت على دقيقتين إضافيتين."),
    (3, "حصلت على 3 دقائق إضافية."), (11, "حصلت على 11 دقيقة إضافية."),
])
def test_an_arabic_plural_may_leave_out_the_number(n, said):
    minutes = translator("ar").ngettext("You have been given {minutes} more minute.",
                                        "You have been given {minutes} more minutes.", n)
    assert minutes.format(minutes=n) == said
