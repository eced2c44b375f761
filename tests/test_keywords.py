"""Tests for shared.keywords: folding and the keyword index."""

import pytest

from shared.keywords import (ANSWER_WORDS, KEYWORDS, YES_WORDS, fold, keyword_index, means_yes,
                             reserved_words)


def test_fold_makes_danish_letters_typeable():
    assert fold("HJÆLP") == fold("hjaelp") == fold("hjælp") == "HJAELP"
    assert fold("Fællesskaber") == "FAELLESSKABER"
    assert fold("ø") == "OE"
    assert fold("å") == "AA"


def test_fold_strips_other_accents():
    assert fold("idé") == "IDE"
    assert fold("Müller") == "MULLER"
    # A decomposed é (e + combining accent) folds like the composed one.
    assert fold("ide\u0301") == "IDE"


def test_fold_reads_the_digits_of_arabic_and_persian_keyboards():
    assert fold("kor٥٥") == fold("KOR۵۵") == "KOR55"
    assert fold("٣") == "3"


def test_keyword_index_finds_help_in_both_languages():
    index = keyword_index()
    assert index["HJAELP"] == ("help", "da")
    assert index["HELP"] == ("help", "en")
    assert index["INFO"] == ("help", "en")


@pytest.mark.parametrize(("intent", "language", "word"), [
    (intent, language, word)
    for intent, by_language in KEYWORDS.items()
    for language, words in by_language.items()
    for word in words
])
def test_every_keyword_is_indexed_under_its_intent(intent, language, word):
    assert keyword_index()[fold(word)][0] == intent


def test_no_folded_word_belongs_to_two_intents():
    seen: dict[str, str] = {}
    for intent, by_language in KEYWORDS.items():
        for words in by_language.values():
            for word in words:
                assert seen.setdefault(fold(word), intent) == intent, word


def test_reserved_words_hold_keywords_and_answers():
    reserved = reserved_words()
    assert {"STOP", "JA", "NEJ", "HJAELP", "TILBYD", "DELTAG"} <= reserved
    assert set(ANSWER_WORDS) <= reserved
    assert "STRIK" not in reserved


@pytest.mark.parametrize(("typed", "intent", "language"), [
    ("ANBIETEN", "offer", "de"), ("Hilfe", "help", "de"), ("loeschen", "erase", "de"),
    ("POMOC", "help", "pl"), ("dołącz", "join", "pl"), ("DOLACZ", "join", "pl"),
    ("допомога", "help", "uk"), ("DOPOMOHA", "help", "uk"), ("вийти", "leave", "uk"),
    ("مساعدة", "help", "ar"), ("أعرض", "offer", "ar"), ("MUSAADA", "help", "ar"),
    ("ثناء", "ros", "ar"), ("شكر", "ros", "ar"),
])
def test_each_language_has_its_keywords_in_its_script_and_in_latin_letters(typed, intent,
                                                                           language):
    assert keyword_index()[fold(typed)] == (intent, language)


@pytest.mark.parametrize("word", YES_WORDS)
def test_the_common_yes_words_mean_yes_in_every_language(word):
    assert all(means_yes(fold(word), language) for language in ("da", "en", "pl", "uk", "ar"))


def test_tak_means_yes_only_from_a_contact_who_writes_polish():
    # In Danish "tak" is "thank you": never a yes to erasing everything.
    assert means_yes("TAK", "pl")
    assert not any(means_yes("TAK", language) for language in ("da", "en", "de", "uk", "ar"))
