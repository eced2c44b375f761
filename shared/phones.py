"""Phone numbers in E.164: as a provider sends them, as a person types them, and masked for logs.

Two rules, on purpose. A number from Twilio or from our own
store is taken as given when it is E.164 by syntax: libphonenumber's metadata
lags the numbering plans (it calls +4522000001 unallocated), and refusing a
webhook with a 4xx loses the citizen's text, since Twilio does not retry it.
A number a person types is parsed and must be a valid number, so a typo at the
kiosk is caught before a code is texted to nobody.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from shared.errors import InvalidPhoneNumber

DEFAULT_REGION = "DK"
# E.164: a plus, then 8 to 15 digits, the first of them (the calling code's) not 0.
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
MASK = "•"


def provider_phone(raw: str) -> str:
    """Return a number that a provider (or the store) gives, if it is E.164; else raise InvalidPhoneNumber."""
    text = (raw or "").strip()
    if not E164.fullmatch(text):
        raise InvalidPhoneNumber("Not an E.164 number")
    return text


@lru_cache(maxsize=4096)  # parsing costs ~0.1 ms and numbers repeat
def typed_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return a number a person typed as E.164, if it is a valid number; else raise InvalidPhoneNumber."""
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"Not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"Not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return raw as E.164: as given when it already is, else parsed strictly as typed."""
    # What is already E.164 came from Twilio or the store (a person types spaces,
    # a leading 0045 or a national number): a contact whose number libphonenumber
    # does not know must still be found, answered and erased.
    text = (raw or "").strip()
    if E164.fullmatch(text):
        return text
    return typed_phone(raw, region)


def display_phone(number: str | None) -> str:
    """Return a number as people write it, e.g. +45 20 99 88 77; as given if it is no number."""
    text = (number or "").strip()
    try:
        parsed = phonenumbers.parse(normalise_phone(text), DEFAULT_REGION)
    except (InvalidPhoneNumber, phonenumbers.NumberParseException):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(number: str | None) -> str:
    """Return the number for a log line: the calling code and the last two digits, e.g. +45 •• •• •• 88."""
    text = (number or "").strip()
    digits = re.sub(r"[^0-9]", "", text)
    if not digits:
        return MASK * 3  # nothing of what was sent is echoed: it may not be a number at all
    prefix = ""
    if E164.fullmatch(text):
        code = _calling_code(digits)
        prefix, digits = f"+{code} " if code else "+", digits[len(code):]
    hidden = MASK * max(len(digits) - 2, 0) + digits[-2:]
    pairs = [hidden[max(end - 2, 0):end] for end in range(len(hidden), 0, -2)]
    return prefix + " ".join(reversed(pairs))


def _calling_code(digits: str) -> str:
    # Calling codes are prefix-free, one to three digits long.
    for length in (1, 2, 3):
        if int(digits[:length]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return digits[:length]
    return ""


def country_code(e164: str) -> str:
    """Return the calling code of an E.164 number, e.g. '45'."""
    return str(phonenumbers.parse(e164).country_code)


def is_allowed(e164: str, allowed_codes: tuple[str, ...] = ("45",)) -> bool:
    """Tell whether the number belongs to one of the allowed calling codes."""
    return country_code(e164) in allowed_codes
