"""A text field that shows Arabic readable while nobody is typing in it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from kiosk.rtl import has_rtl_letters
from kiosk.widgets.cells import shown


class ReadableInput(Input):
    """An Input whose stored text is drawn as everywhere else when it has no focus.

    A terminal draws every line left to right, so Arabic typed into a field
    comes out back to front. While the field has the focus it shows the letters
    as typed (the cursor moves through them in that order); otherwise it shows
    them through shown(), in visual order, as the rest of coordinator mode does.
    """

    @property
    def _value(self) -> Text:
        if self.has_focus or self.password or not has_rtl_letters(self.value):
            return super()._value
        width = max(1, self.scrollable_content_region.width)
        return Text(shown(self.value, width=width), no_wrap=True, overflow="ignore", end="")

    def on_blur(self) -> None:
        # Drawn from its start: a long text typed to its end is scrolled there.
        # (Input's own blur handler runs as well: Textual calls each class's.)
        self.scroll_to(0, animate=False)
        self.refresh()
