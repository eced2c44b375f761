"""Stored text drawn as typed, the same way everywhere: in a table cell, a detail, a dialog."""

from __future__ import annotations

from rich.text import Text

from kiosk.rtl import DisplayText, for_display, has_rtl_letters, readable
from shared.sms_text import sanitise

NO_VALUE = "—"
# More than any screen shows at once; the store caps citizens' texts well below it.
MAX_SHOWN = 2000


def shown(value, *, width: int | None = None) -> str:
    """Return stored text ready to draw: no control characters, Arabic in visual order.

    Every citizen's (and coordinator's) text goes through here, so Arabic reads the
    same in a table, a detail and a dialog. With width it is one line, cut with "…"
    at its own end, which Arabic has on the left.
    """
    text = sanitise(str(value if value is not None else ""), max_chars=MAX_SHOWN)
    if isinstance(value, DisplayText):
        return text  # a translation of ours, already in the order a terminal draws
    if width is None:
        return readable(text)
    # Cut before reordering: cut after, the end of an Arabic line would stay
    # and its beginning be lost.
    line = Text(" ".join(text.split()) or NO_VALUE)
    line.truncate(max(1, width), overflow="ellipsis")
    return for_display(line.plain, width=len(line.plain)) if has_rtl_letters(line.plain) \
        else line.plain


class StoredCell(Text):
    """A table cell that keeps the text as stored, so a narrower column cuts it again."""

    __slots__ = ("stored",)


def cell(value, width: int = 200) -> Text:
    """Return a table cell showing value as stored: one line, never markup."""
    # Text() never parses markup; shown() drops ESC/OSC sequences that Rich and
    # Textual would otherwise pass on to the terminal.
    drawn = StoredCell(shown(value, width=width), no_wrap=True, overflow="ellipsis")
    drawn.stored = value
    return drawn


def recut(drawn: Text, width: int) -> Text:
    """Return a cell cut to width: stored text again from its start, other text copied and cut."""
    if isinstance(drawn, StoredCell):
        return cell(drawn.stored, width)
    cut = drawn.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut
