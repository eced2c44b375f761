"""Tests for shared.phones: numbers as people type them, stored in E.164."""

import pytest

from shared.errors import InvalidPhoneNumber
from shared.phones import country_code, is_allowed, normalise_phone


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
