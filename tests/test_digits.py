"""Tests for shared.digits: the digits of Arabic and Persian keyboards read as 0-9."""

from shared.digits import ascii_digits, digit_forms


def test_arabic_indic_and_persian_digits_become_ascii():
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_everything_else_is_left_as_it_is():
    assert ascii_digits("+45 ٢٠ 12 ۳۴ ٥٦") == "+45 20 12 34 56"
    assert ascii_digits("Strik ² ½ ①") == "Strik ² ½ ①"  # not digits one can type as an answer
    assert ascii_digits("عرض") == "عرض"


def test_each_digit_has_its_three_forms():
    assert digit_forms(1) == ("1", "١", "۱")
    assert all(ascii_digits(form) == str(n) for n in range(10) for form in digit_forms(n))
