"""Tests for shared.sms_text: inbound sanitising and outbound SMS sizing."""

import math
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.sms_text import (
    GSM7_TWO_SEGMENTS,
    MAX_INBOUND_CHARS,
    UCS2_TWO_SEGMENTS,
    SmsSize,
    fits,
    is_gsm7,
    measure,
    sanitise,
)

REMOVED = (
    {chr(c) for c in range(0x00, 0x20)} - {"\n", "\t"}
    | {"\x7f"}
    | {chr(c) for c in range(0x80, 0xA0)}
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
    | {"\u200e", "\u200f", "\u061c", "\ufeff"}
)
EMOJI = "\U0001F600"  # 😀, outside the BMP: a UTF-16 surrogate pair
DANISH = "Æ Ø Å æ ø å é ä ö ü"


# --- measure: GSM-7 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_digit_boundaries(n, segments):
    assert measure("7" * n) == SmsSize("GSM-7", n, segments)


def test_empty_string():
    assert measure("") == SmsSize("GSM-7", 0, 0)
    assert is_gsm7("")
    assert fits("", 0)


def test_danish_letters_are_basic_gsm7():
    assert is_gsm7(DANISH)
    assert measure(DANISH).units == len(DANISH)


def test_extension_chars_cost_two_septets():
    for ch in "^{}\\[~]|€\f":
        assert measure(ch) == SmsSize("GSM-7", 2, 1), repr(ch)


def test_eighty_euro_signs_fill_one_segment():
    assert measure("€" * 80) == SmsSize("GSM-7", 160, 1)
    assert measure("€" * 81) == SmsSize("GSM-7", 162, 2)


def test_escape_pair_not_split_at_153_boundary():
    # 152 + 2 + 152 = 306 septets, so ceil(306/153) says 2 segments, but the
    # € cannot straddle septets 153/154: seg1 = 152 a, seg2 = € + 151 a, seg3 = a.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text) == SmsSize("GSM-7", 306, 3)
    assert math.ceil(306 / 153) == 2
    assert not fits(text, 2)
    # Same length with the € aligned to a boundary packs into two.
    assert measure("a" * 151 + "€" + "a" * 153) == SmsSize("GSM-7", 306, 2)


def test_escape_at_single_segment_limit():
    assert measure("a" * 158 + "€") == SmsSize("GSM-7", 160, 1)
    assert measure("a" * 159 + "€") == SmsSize("GSM-7", 161, 2)


# --- measure: UCS-2 ---------------------------------------------------------


def test_emoji_boundaries():
    assert measure(EMOJI + "1" * 68) == SmsSize("UCS-2", 70, 1)
    assert measure(EMOJI + "1" * 69) == SmsSize("UCS-2", 71, 2)


def test_surrogate_pair_not_split_at_67_boundary():
    # 66 + 2 + 66 = 134 units: ceil says 2, greedy needs 3.
    text = "1" * 66 + EMOJI + "1" * 66
    assert measure(text) == SmsSize("UCS-2", UCS2_TWO_SEGMENTS, 3)
    assert measure("1" * 65 + EMOJI + "1" * 67) == SmsSize("UCS-2", 134, 2)


@pytest.mark.parametrize("text", ["\u201chej\u201d", "Привіт, Київ", "ї", "Ґ", "ok ✓"])
def test_non_gsm_forces_ucs2(text):
    assert not is_gsm7(text)
    assert measure(text).encoding == "UCS-2"


def test_ucs2_plain_boundaries():
    assert measure("ї" * 70).segments == 1
    assert measure("ї" * 71).segments == 2
    assert measure("ї" * 134) == SmsSize("UCS-2", 134, 2)
    assert measure("ї" * 135).segments == 3


def test_two_segment_constants():
    assert fits("a" * GSM7_TWO_SEGMENTS)
    assert not fits("a" * (GSM7_TWO_SEGMENTS + 1))
    assert fits("ї" * UCS2_TWO_SEGMENTS)
    assert not fits("ї" * (UCS2_TWO_SEGMENTS + 1))
    assert fits("a" * 161, 2) and not fits("a" * 161, 1)


def test_lone_surrogate_does_not_raise():
    assert measure("\ud800").encoding == "UCS-2"
    assert sanitise("a\ud800b") == "ab"


# --- sanitise ---------------------------------------------------------------


def test_sanitise_nfc():
    assert sanitise("e\u0301") == "é"
    assert sanitise("Å") == "Å"  # U+212B ANGSTROM SIGN


@pytest.mark.parametrize(
    "bad", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u200f", "\ufeff"]
)
def test_sanitise_strips_controls(bad):
    assert sanitise(f"a{bad}b") == "ab"


def test_sanitise_keeps_text():
    text = f"{DANISH}\n\tlinje 2 {EMOJI} 👍🏽 👨‍👩‍👧"
    assert sanitise(text) == text


def test_sanitise_newlines():
    assert sanitise("a\r\nb\rc\nd") == "a\nb\nc\nd"


def test_sanitise_removes_ansi_sequences():
    assert sanitise("\x1b[31mred\x1b[0m") == "red"
    assert sanitise("\x1b[1;32;40mX\x1b[2J\x1b[?25l") == "X"
    assert sanitise("\x1b]8;;http://x\x07link\x1b]8;;\x07") == "link"
    assert sanitise("\x1b]0;title\x1b\\body") == "body"
    # A bare ESC only loses itself; the remainder is inert text.
    assert sanitise("\x1b(B ok") == "(B ok"


def test_sanitise_keeps_markup_literally():
    assert sanitise("[@click=app.quit]x") == "[@click=app.quit]x"
    assert sanitise("[/x]") == "[/x]"
    assert sanitise("<b>hi</b>") == "<b>hi</b>"


def test_sanitise_caps_length():
    assert sanitise("x" * 5000) == "x" * MAX_INBOUND_CHARS
    assert sanitise("abcdef", max_chars=3) == "abc"
    assert sanitise("ab   cd", max_chars=4) == "ab"
    assert sanitise("abc", max_chars=0) == ""
    assert sanitise("abc", max_chars=-5) == ""


def test_sanitise_strips_whitespace():
    assert sanitise("  \n hej \t ") == "hej"


def test_sanitise_idempotent_when_control_splits_combining_pair():
    once = sanitise("e\x00\u0301")
    assert once == "é"
    assert sanitise(once) == once


# --- properties -------------------------------------------------------------


@settings(max_examples=500)
@given(st.text(), st.integers(min_value=0, max_value=50))
def test_sanitise_properties(text, cap):
    for limit in (cap, MAX_INBOUND_CHARS):
        out = sanitise(text, limit)
        assert not REMOVED & set(out)
        assert len(out) <= limit
        assert out == out.strip()
        assert unicodedata.is_normalized("NFC", out)
        assert sanitise(out, limit) == out


_GSM_CHARS = st.sampled_from(
    list("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
         "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f")
)


@settings(max_examples=500)
@given(st.one_of(st.text(), st.text(_GSM_CHARS, max_size=700), st.text(max_size=400)))
def test_measure_properties(text):
    size = measure(text)
    assert size.encoding in ("GSM-7", "UCS-2")
    assert is_gsm7(text) == (size.encoding == "GSM-7")
    if not text:
        assert size == SmsSize("GSM-7", 0, 0)
        return
    assert size.segments >= 1
    single, multi = (160, 153) if size.encoding == "GSM-7" else (70, 67)
    assert (size.segments == 1) == (size.units <= single)
    if size.segments > 1:
        # Greedy packing never beats ceil division and wastes < 1 unit per segment.
        assert size.segments >= math.ceil(size.units / multi)
        assert size.units > (size.segments - 1) * (multi - 1)
    if size.encoding == "UCS-2":
        assert size.units == len(text.encode("utf-16-le", "surrogatepass")) // 2
    assert fits(text, size.segments) and not fits(text, size.segments - 1)


@pytest.mark.parametrize("invisible", [
    "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u180e", "\u2061", "\ufff9",
    "\U000e0041", "\u115f", "\u1160", "\u3164", "\uffa0", "\u206a",
])
def test_invisible_and_format_characters_are_removed(invisible):
    assert sanitise(f"Ros{invisible} til{invisible}havnen") == "Ros tilhavnen"


def test_line_and_paragraph_separators_end_a_line():
    assert sanitise("første\u2028anden\u2029tredje") == "første\nanden\ntredje"


@pytest.mark.parametrize("kept", [
    "👨\u200d👩\u200d👧",  # one family emoji, made with ZWJ
    "🏳️\u200d🌈",  # VS16 before the ZWJ
    "👍🏽\u200d",  # a joiner with nothing after it goes
    "می\u200cخواهم",  # Persian: ZWNJ between two letters
    "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",  # Wales
])
def test_joiners_inside_an_emoji_or_between_arabic_letters_stay(kept):
    expected = kept.rstrip("\u200d")
    assert sanitise(kept) == expected


def test_a_joiner_between_latin_letters_goes():
    assert sanitise("S\u200dT\u200cOP") == "STOP"


def test_cleaning_is_idempotent_on_joiners():
    text = "a\u200d\u200d👍\u200d\u200b👍 ب\u200c\u200bت"
    once = sanitise(text)
    assert sanitise(once) == once == "a👍\u200d👍 ب\u200cت"
