"""Tests for shared.verification: a 6-digit code by SMS proves a number at the kiosk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shared.contacts import opt_out, touch_contact
from shared.db import row
from shared.services import operator
from shared.suppression import suppress
from shared.verification import (CODE_TTL, MAX_CODES_PER_NUMBER_PER_HOUR, MAX_TRIES, CannotText,
                                 CodeExpired, CountryNotAllowed, TooManyCodes, WrongCode,
                                 check_code, code_usage, kiosk_place, request_code)

PHONE = "+4522334455"


def ask(db, now, phone=PHONE, location="Munkebo Bibliotek") -> tuple[int, str]:
    """Request a code; return the verification id and the code as texted."""
    verification_id = request_code(db, phone=phone, location=location,
                                   message="Din kode er {code}", now=now)
    body = row(db, "SELECT body FROM messages WHERE direction = 'out' ORDER BY id DESC")["body"]
    return verification_id, re.search(r"\d{6}", body).group()


def test_the_right_code_proves_the_number_once(db, now):
    verification_id, code = ask(db, now, phone="22 33 44 55")
    assert check_code(db, verification_id, code, now=now + timedelta(minutes=1)) == PHONE
    with pytest.raises(CodeExpired):
        check_code(db, verification_id, code, now=now + timedelta(minutes=2))


def test_the_code_is_stored_hashed_and_texted_as_a_code(db, now):
    verification_id, code = ask(db, now)
    stored = row(db, "SELECT * FROM verifications WHERE id = ?", (verification_id,))
    assert code not in stored["code_hash"]
    message = row(db, "SELECT * FROM messages WHERE direction = 'out'")
    assert (message["kind"], message["phone"], message["status"]) == ("code", PHONE, "queued")


def test_wrong_codes_count_down_then_the_code_is_spent(db, now):
    verification_id, code = ask(db, now)
    wrong = "000000" if code != "000000" else "111111"
    for left in range(MAX_TRIES - 1, 0, -1):
        with pytest.raises(WrongCode) as raised:
            check_code(db, verification_id, wrong, now=now)
        assert raised.value.tries_left == left
    with pytest.raises(CodeExpired):
        check_code(db, verification_id, wrong, now=now)
    with pytest.raises(CodeExpired):
        check_code(db, verification_id, code, now=now)


def test_a_code_expires(db, now):
    verification_id, code = ask(db, now)
    with pytest.raises(CodeExpired):
        check_code(db, verification_id, code, now=now + CODE_TTL)


def test_a_few_codes_per_number_each_hour(db, now):
    for _ in range(MAX_CODES_PER_NUMBER_PER_HOUR):
        ask(db, now)
    with pytest.raises(TooManyCodes):
        ask(db, now)
    ask(db, now + timedelta(hours=1, seconds=1))


def test_only_to_the_allowed_countries(db, now):
    with pytest.raises(CountryNotAllowed):
        ask(db, now, phone="+46701234567")


def test_no_code_to_an_opted_out_contact(db, now):
    opt_out(db, touch_contact(db, PHONE, now=now)["id"], now=now)
    with pytest.raises(CannotText):
        ask(db, now)


def test_no_code_to_a_number_that_opted_out_and_was_erased(db, now):
    opt_out(db, touch_contact(db, PHONE, now=now)["id"], now=now)
    operator.erase(db, PHONE, now=now)
    with pytest.raises(CannotText):
        ask(db, now)
    suppress(db, "+4522334466", now=now)  # 21610 before any contact existed
    with pytest.raises(CannotText):
        ask(db, now, phone="+4522334466")
    assert code_usage(db, now=now).sent == 0  # refused codes use none of the cap


@pytest.mark.parametrize(("given", "stored"), [(None, None), ("", None), ("  ", None),
                                                (" Rådhuset ", "Rådhuset")])
def test_kiosk_place(given, stored):
    assert kiosk_place(given) == stored
