"""Clean inbound SMS text and measure outbound SMS size the way Twilio does.

Two unrelated-looking jobs live together because both are about what a
message *is* on the wire versus what a person sees: `sanitise` makes untrusted
inbound text safe to store and render (terminal kiosk, web), and `measure`
predicts encoding and segment count (which is what we are billed for).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_INBOUND_CHARS = 1600  # Twilio's own cap on a concatenated message body

# Most units that fit in two segments (2 x 153 septets, 2 x 67 UTF-16 units).
GSM7_TWO_SEGMENTS = 306
UCS2_TWO_SEGMENTS = 134

# 3GPP TS 23.038 section 6.2.1, default alphabet, in code order 0x00-0x7F.
# 0x1B (ESC) is omitted: it is the escape to the extension table, not a
# character a user can send.  0x09 is "Ç" as in the current spec text.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# TS 23.038 section 6.2.1.1, extension table: each is sent as ESC + char, so
# it costs two septets.  Only these are defined for the default (Latin)
# language; national shift tables are not used by Twilio by default.
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# Concatenated SMS spend part of each 140-octet payload on a user data header
# (TS 23.040 section 9.2.3.24.1): 160 -> 153 septets, 70 -> 67 UCS-2 units.
_GSM7_SINGLE, _GSM7_MULTI = 160, 153
_UCS2_SINGLE, _UCS2_MULTI = 70, 67

# ECMA-48 CSI: ESC [ parameter bytes (0x30-0x3F), intermediates (0x20-0x2F),
# one final byte (0x40-0x7E).  OSC: ESC ] ... ended by BEL or ST (ESC \).
# Both patterns are linear: neither class can re-enter at the same ESC.
_ANSI_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_ANSI_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")

# Bidi embeddings/overrides/isolates and marks ("Trojan Source", CVE-2021-42574)
# let a sender make displayed text read differently from stored text.
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_KEPT_CONTROLS = frozenset("\n\t")
# Characters that draw nothing but are letters to Unicode, so no category test
# finds them: the Hangul fillers, and the braille blank people use as "empty".
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
ZWNJ, ZWJ = "\u200c", "\u200d"
# Unicode's line and paragraph separators end a line as a line feed does.
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_TAGS = range(0xE0000, 0xE0080)
_BLACK_FLAG = "\U0001f3f4"
_ARABIC_LETTERS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                   (0xFE70, 0xFEFF))


def _is_arabic_letter(ch: str) -> bool:
    return any(low <= ord(ch) <= high for low, high in _ARABIC_LETTERS) and ch.isalpha()


def _is_emoji(ch: str) -> bool:
    # Pictographs are So; a skin tone is Sk; VS16 (U+FE0F) ends many emoji.
    return unicodedata.category(ch) in ("So", "Sk") or ch == "\ufe0f"


def _kept_joiner(ch: str, before: str, after: str) -> bool:
    # ZWJ builds one emoji from several (👩‍👧); ZWNJ keeps two Persian or
    # Arabic letters from joining where the word needs a break (می‌خواهم).
    # Anywhere else either one is invisible and only hides text.
    if ch == ZWJ:
        return bool(before and after) and _is_emoji(before) and _is_emoji(after)
    return bool(before and after) and _is_arabic_letter(before) and _is_arabic_letter(after)


def _is_removed(ch: str) -> bool:
    """Return True if ch is a control, a format character or a blank letter (not a joiner)."""
    if ch in _KEPT_CONTROLS:
        return False
    if ch in _BIDI_CONTROLS or ch in _BLANK_LETTERS:
        return True
    # Cc is exactly C0, DEL and C1. Cf is every format character: zero-width
    # space (U+200B), word joiner (U+2060), soft hyphen, BOM, tags, invisible
    # operators. Cs are lone surrogates, which cannot be stored as UTF-8.
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs")


def clean_characters(text: str) -> str:
    """Return text without escape sequences, controls and invisible characters, in NFC.

    Every inbound text passes here (through sanitise), so "\u200bSTOP", "S\u00adTOP"
    and a table misaligned by zero-width characters cannot happen. What stays
    invisible on purpose: a ZWJ inside an emoji, a ZWNJ between Arabic-script
    letters, and the tags of a subdivision flag (🏴 + tags).
    """
    # Remove whole escape sequences before dropping ESC, otherwise their
    # payload (e.g. an OSC 8 hyperlink target) would survive as text.
    text = _ANSI_OSC.sub("", text)
    text = _ANSI_CSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    kept: list[str] = []
    for index, ch in enumerate(text):
        if ch in (ZWJ, ZWNJ):
            following = next((c for c in text[index + 1:] if not _is_removed(c)), "")
            if _kept_joiner(ch, kept[-1] if kept else "", following):
                kept.append(ch)
        elif ord(ch) in _TAGS:
            if kept and (kept[-1] == _BLACK_FLAG or ord(kept[-1]) in _TAGS):
                kept.append(ch)
        elif not _is_removed(ch):
            kept.append(ch)
    # Normalise after removal: a dropped control between a base letter and a
    # combining mark would otherwise leave a composable pair behind and make
    # the cleaning non-idempotent. NFC never introduces a removed character.
    return unicodedata.normalize("NFC", "".join(kept))


def sanitise(text: str, max_chars: int = MAX_INBOUND_CHARS) -> str:
    """Return text safe to store and show: clean_characters, trimmed and capped."""
    text = clean_characters(text).strip()
    # A prefix of an NFC string is still NFC, so a plain slice is safe.
    return text[: max(0, max_chars)].rstrip()


@dataclass(frozen=True)
class SmsSize:
    """Encoding, length in encoding units and segment count of an SMS body."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int  # 0 for the empty string


_GSM7_ALL = frozenset(_GSM7_BASIC) | frozenset(_GSM7_EXTENSION)


def is_gsm7(text: str) -> bool:
    """Return True if text can be sent in the GSM 03.38 default alphabet."""
    return _GSM7_ALL.issuperset(text)


def _pack(costs: list[int], single: int, multi: int) -> int:
    """Return how many segments the per-character costs need."""
    if not costs:
        return 0
    if sum(costs) <= single:
        return 1
    # Greedy, not ceil(units / multi): an escape pair (TS 23.038 6.2.1.1) or a
    # UTF-16 surrogate pair must not straddle a segment boundary, so a
    # two-unit character that does not fit moves whole to the next segment.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def _pack_even(units: int, single: int, multi: int) -> int:
    """Return how many segments units of one unit each need."""
    if units <= single:
        return 1 if units else 0
    return -(-units // multi)


def measure(text: str) -> SmsSize:
    """Return the encoding, length and segment count Twilio would use for text."""
    if is_gsm7(text):
        if _GSM7_EXTENSION.isdisjoint(text):  # the common case: one septet each
            return SmsSize("GSM-7", len(text), _pack_even(len(text), _GSM7_SINGLE, _GSM7_MULTI))
        costs = [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
        return SmsSize("GSM-7", sum(costs), _pack(costs, _GSM7_SINGLE, _GSM7_MULTI))
    # UCS-2 on the wire is really UTF-16: astral characters (most emoji) take
    # a surrogate pair.  Counted by code point so lone surrogates cannot raise.
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsSize("UCS-2", sum(costs), _pack(costs, _UCS2_SINGLE, _UCS2_MULTI))


def fits(text: str, max_segments: int = 2) -> bool:
    """Return True if text needs at most max_segments SMS segments."""
    return measure(text).segments <= max_segments
