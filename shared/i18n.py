"""Translations per locale from the Babel catalogs, and dates in Copenhagen time."""

from __future__ import annotations

import gettext
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from shared.vocabulary import DEFAULT_LOCALE

# Babel itself is imported where dates are formatted: the catalogs it compiles
# are read with the standard library, which keeps the kiosk's start quick.

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
TIMEZONE = ZoneInfo("Europe/Copenhagen")


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


@lru_cache(maxsize=None)
def available_locales() -> tuple[str, ...]:
    """Return every locale that has a catalog, the default first."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(found, key=lambda code: code != DEFAULT_LOCALE))


def best_locale(requested: str | None) -> str:
    """Return the requested locale if it has a catalog (en_GB counts as en), else the default."""
    if requested:
        code = requested.replace("-", "_").split(".")[0]
        for candidate in (code, code.split("_")[0].lower()):
            if candidate in available_locales():
                return candidate
    return DEFAULT_LOCALE


@lru_cache(maxsize=None)
def translator(locale: str) -> gettext.NullTranslations:
    """Return the compiled catalog for the locale (never installed globally)."""
    try:
        return gettext.translation(DOMAIN, str(LOCALES_DIR), [locale])
    except FileNotFoundError:
        if locale in available_locales():
            raise RuntimeError(f"The {locale} catalog is not compiled: run `make i18n`")
        return gettext.NullTranslations()


def operator_locale() -> str:
    """Return the locale for command-line output: FAELLES_LOCALE, then the environment."""
    from babel import default_locale

    return best_locale(os.environ.get("FAELLES_LOCALE") or default_locale())


def language_name(locale: str) -> str:
    """Return the language's own name, e.g. 'Dansk', 'English', 'Українська'."""
    # Each catalog names its own language: loading Babel's CLDR data for the
    # same answer took longer than the rest of the kiosk's Home screen.
    if locale in available_locales():
        return translator(locale).pgettext("the name of this catalog's language", "English")
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(locale).get_display_name(locale) or locale
    except (ValueError, UnknownLocaleError):
        return locale
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=None)
def language_name_in(language: str, locale: str) -> str:
    """Return a language's name as the locale writes it in a sentence: 'tysk' in Danish.

    A sentence on a Danish screen says "på arabisk", not the language's own name
    ("på العربية"), which a Danish reader cannot read and a terminal draws back to
    front. The language buttons on Home are where a language's own name belongs.
    """
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language).get_display_name(locale) or language
    except (ValueError, UnknownLocaleError):
        return language


def format_when(moment: datetime, locale: str, fmt: str = "medium") -> str:
    """Return date and time as people in Copenhagen read them, in the locale's words."""
    from babel.dates import format_datetime

    return format_datetime(moment, fmt, tzinfo=TIMEZONE, locale=locale)


def format_day(moment: datetime, locale: str, fmt: str = "long") -> str:
    """Return the date in Copenhagen, e.g. '27. november 2026'."""
    from babel.dates import format_date

    return format_date(moment.astimezone(TIMEZONE).date(), fmt, locale=locale)


def format_month_day(moment: datetime, locale: str) -> str:
    """Return the day and month in Copenhagen, short, e.g. '27. nov.' or 'Nov 27'."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMd", moment.astimezone(TIMEZONE).date(), locale=locale)
