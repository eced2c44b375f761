"""Right-to-left text for a terminal that draws every line left to right.

Neither terminals (nor xterm.js in the browser) reorder or join Arabic letters:
drawn as stored, a sentence comes out backwards and in unjoined letters. So an
Arabic translation is turned into what the eye should see before Textual gets
it: letters in their joined forms (arabic-reshaper) and each line in visual
order (python-bidi, the Unicode bidi algorithm), with numbers and Latin words
such as STRIK kept the right way round. Lines are broken first, at a width that
fits the kiosk's narrowest text column, because breaking a reordered line
would put its end at the top.
"""

from __future__ import annotations

import textwrap

RTL_LANGUAGES = frozenset({"ar"})
# Left-to-right isolate (Unicode bidi, UAX #9, 2.4): a value such as the phone
# number "+45 70 20 30 40" stays one left-to-right run inside Arabic, instead of
# its groups coming out in reverse order. The marks are dropped once applied:
# a terminal may draw them as boxes.
LRI, PDI = "\u2066", "\u2069"
BIDI_MARKS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"))
# python-bidi 0.6 reorders but does not mirror (UAX #9, L4): "ثناء (ros)" came
# out as ")ros(". In an Arabic line a bracket is right-to-left unless it sits in
# an isolated left-to-right value (a phone number, a community's name), so the
# brackets are mirrored after reordering, and those in values are kept aside
# as private-use stand-ins until then.
BRACKETS = "()[]{}<>«»‹›"
MIRRORED = str.maketrans(BRACKETS, ")(][}{><»«›‹")
KEPT_ASIDE = str.maketrans(BRACKETS, "".join(chr(0xE000 + n) for n in range(len(BRACKETS))))
PUT_BACK = str.maketrans("".join(chr(0xE000 + n) for n in range(len(BRACKETS))), BRACKETS)
# No text column of the kiosk is narrower at 80x24 (the line beside Home's
# "About your data" button is the narrowest): Textual must never break a line
# that is already in visual order, or its end would come first.
LINE_WIDTH = 48


def is_rtl(locale: str) -> bool:
    return locale in RTL_LANGUAGES


def has_rtl_letters(text: str) -> bool:
    return any("\u0590" <= char <= "\u08ff" or "\ufb1d" <= char <= "\ufeff" for char in text)


def readable(text: str) -> str:
    """Return a citizen's text ready to draw: in visual order if it holds Arabic letters."""
    return for_display(text) if has_rtl_letters(text) else text


def isolated(value) -> str:
    """Return a left-to-right value kept whole inside right-to-left text."""
    text = str(value)
    if has_rtl_letters(text):
        return text
    # No-break spaces: the lines are broken before reordering, never inside it.
    return LRI + text.replace(" ", "\u00a0").translate(KEPT_ASIDE) + PDI


def for_display(text: str, width: int = LINE_WIDTH) -> str:
    """Return logical right-to-left text as lines in the order and forms a terminal draws."""
    from arabic_reshaper import reshape
    from bidi import get_display

    lines = []
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, width) or [""]:
            shown = get_display(reshape(line)).translate(BIDI_MARKS)
            lines.append(shown.translate(MIRRORED).translate(PUT_BACK))
    return "\n".join(lines)


class DisplayText(str):
    """A translation ready to draw right to left; format() fills in the logical text first.

    The kiosk formats its messages (`_("…{name}…").format(name=…)`): reordering
    must come after the values are in, or a name would land in the wrong place.
    """

    logical: str

    def __new__(cls, logical: str) -> DisplayText:
        shown = super().__new__(cls, for_display(logical))
        shown.logical = logical
        return shown

    def format(self, *args, **kwargs) -> DisplayText:
        return DisplayText(self.logical.format(*map(_filled_in, args),
                                               **{k: _filled_in(v) for k, v in kwargs.items()}))


def _filled_in(value) -> str:
    # A translation given as a value ("غير مذكور", not given) is filled in as
    # written, not as drawn: drawn, it would be turned round a second time.
    return isolated(value.logical if isinstance(value, DisplayText) else value)
