"""Translations per locale from the Babel catalogs, and dates in Copenhagen time."""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, default_locale
from babel.dates import format_date, format_datetime
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "da"
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
def translator(locale: str) -> NullTranslations:
    """Return the compiled catalog for the locale (never installed globally)."""
    translations = Translations.load(str(LOCALES_DIR), [locale], DOMAIN)
    if not isinstance(translations, Translations) and locale in available_locales():
        raise RuntimeError(f"The {locale} catalog is not compiled: run `make i18n`")
    return translations


def operator_locale() -> str:
    """Return the locale for command-line output: FAELLES_LOCALE, then the environment."""
    return best_locale(os.environ.get("FAELLES_LOCALE") or default_locale())


def language_name(locale: str) -> str:
    """Return the language's own name, e.g. 'Dansk', 'English', 'Українська'."""
    try:
        name = Locale.parse(locale).get_display_name(locale) or locale
    except (ValueError, UnknownLocaleError):
        return locale
    return name[:1].upper() + name[1:]


def format_when(moment: datetime, locale: str, fmt: str = "medium") -> str:
    """Return date and time as people in Copenhagen read them, in the locale's words."""
    return format_datetime(moment, fmt, tzinfo=TIMEZONE, locale=locale)


def format_day(moment: datetime, locale: str, fmt: str = "long") -> str:
    """Return the date in Copenhagen, e.g. '27. november 2026'."""
    return format_date(moment.astimezone(TIMEZONE).date(), fmt, locale=locale)
