"""Table cells that show stored text literally, on one line, cut to a width."""

from __future__ import annotations

from rich.text import Text

from shared.sms_text import sanitise

NO_VALUE = "—"


def cell(value, width: int = 200) -> Text:
    """Return a table cell showing value as stored: never markup, no control characters."""
    # Text() never parses markup; sanitise() drops ESC/OSC sequences that Rich
    # and Textual would otherwise pass on to the terminal.
    text = " ".join(sanitise(str(value if value is not None else ""), max_chars=2000).split())
    text = text or NO_VALUE
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    return Text(text, no_wrap=True, overflow="ellipsis")
