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
# The kiosk's text columns are at least this wide at 80x24 (body padding 2+2).
LINE_WIDTH = 60


def is_rtl(locale: str) -> bool:
    return locale in RTL_LANGUAGES


def for_display(text: str, width: int = LINE_WIDTH) -> str:
    """Return logical right-to-left text as lines in the order and forms a terminal draws."""
    from arabic_reshaper import reshape
    from bidi import get_display

    lines = []
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, width) or [""]:
            lines.append(get_display(reshape(line)))
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
        return DisplayText(self.logical.format(*args, **kwargs))
