"""Tests for shared.phones: numbers as people type them, as Twilio sends them, and masked."""

import pytest

from shared.errors import InvalidPhoneNumber
from shared.phones import (country_code, is_allowed, mask_phone, normalise_phone, provider_phone,
                           typed_phone)


@pytest.mark.parametrize(("raw", "e164"), [
    ("20 11 22 33", "+4520112233"),
    ("20112233", "+4520112233"),
    ("0045 20112233", "+4520112233"),
    ("+45 20 11 22 33", "+4520112233"),
    ("  +4520112233 ", "+4520112233"),
    ("+46 70 123 45 67", "+46701234567"),
    ("0046701234567", "+46701234567"),
])
def test_valid_numbers_become_e164(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["123", "", "   ", "hello", "+45 1234", "00", None])
def test_invalid_numbers_raise(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(raw)


def test_invalid_phone_number_is_a_value_error():
    with pytest.raises(ValueError):
        normalise_phone("hello")


def test_region_decides_numbers_without_a_calling_code():
    assert normalise_phone("070-123 45 67", region="SE") == "+46701234567"


def test_country_code():
    assert country_code("+4520112233") == "45"
    assert country_code("+46701234567") == "46"


def test_is_allowed_checks_the_calling_code():
    assert is_allowed("+4520112233")
    assert not is_allowed("+46701234567")
    assert is_allowed("+46701234567", allowed_codes=("45", "46"))


# As Twilio sends them: E.164 by syntax is enough.

@pytest.mark.parametrize("number", ["+4522000001", "+4520112233", "+12025550123", "+299123456",
                                    "+999123456789012"])
def test_any_e164_number_from_the_provider_is_taken_as_given(number):
    assert provider_phone(number) == number
    assert normalise_phone(number) == number


@pytest.mark.parametrize("raw", ["", None, "Telenor", "4520112233", "+45 20 11 22 33",
                                 "004520112233", "+0452011223", "+4520112", "+4520112233445566",
                                 "+45\u0662\u0660112233", "+4520112233\x1b"])
def test_what_is_not_e164_is_no_provider_number(raw):
    with pytest.raises(InvalidPhoneNumber):
        provider_phone(raw)


def test_a_typed_number_must_be_a_valid_number():
    # libphonenumber calls the +45 22 range unallocated: a typo at the kiosk, say.
    with pytest.raises(InvalidPhoneNumber):
        typed_phone("+4522000001")
    with pytest.raises(InvalidPhoneNumber):
        typed_phone("22 00 00 01")
    assert typed_phone("20 11 22 33") == "+4520112233"


def test_normalise_takes_e164_as_given_and_checks_what_a_person_typed():
    assert normalise_phone("+4522000001") == "+4522000001"  # from Twilio or the store
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone("22 00 00 01")


# Masked for logs.

@pytest.mark.parametrize(("number", "masked"), [
    ("+4520119988", "+45 •• •• •• 88"),
    ("+46701234567", "+46 • •• •• •• 67"),
    ("+12025550123", "+1 •• •• •• •• 23"),
    ("+299123456", "+299 •• •• 56"),
    ("20 11 22 33", "•• •• •• 33"),
    ("Telenor", "•••"),
    ("", "•••"),
    (None, "•••"),
])
def test_mask_phone_keeps_the_calling_code_and_the_last_two_digits(number, masked):
    assert mask_phone(number) == masked


def test_mask_phone_echoes_no_control_characters():
    assert mask_phone("+4520\x1b]0;pwned\x0711") == "• •• •• 11"
