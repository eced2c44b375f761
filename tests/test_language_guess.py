"""The first reply in the sender's language: which language a text is in."""

from __future__ import annotations

import pytest

from shared.language_guess import guess_language

ALL = ("da", "en", "de", "uk", "pl", "ar")


@pytest.mark.parametrize(("text", "language"), [
    ("مرحبا، أريد المساعدة", "ar"),
    ("Привіт, мені потрібна допомога з покупками", "uk"),
    ("Hallo, ich möchte gerne helfen. Ich habe ein Auto.", "de"),
    ("Dzień dobry, chcę pomóc sąsiadom", "pl"),
    ("Dzien dobry, jestem nowa w Kerteminde i nie wiem co robic", "pl"),
    ("Hello, I would like to help with the garden", "en"),
    ("Hej, jeg vil gerne hjælpe med at male", "da"),
    ("Hej jeg har en cykel jeg gerne vil låne ud", "da"),
])
def test_a_text_is_recognised(text, language):
    assert guess_language(text, ALL) == language


@pytest.mark.parametrize("text", ["😀👍", "   ", "12345", "Ok", "Kerteminde", "STRIK"])
def test_nothing_to_go_by_says_nothing(text):
    assert guess_language(text, ALL) is None


def test_only_languages_with_a_catalog_are_guessed():
    assert guess_language("مرحبا، أريد المساعدة", ("da", "en")) is None
    assert guess_language("Hallo, ich möchte gerne helfen", ("da", "en")) is None
