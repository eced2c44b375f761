"""A text field for numbers that takes the digits of an Arabic or Persian keyboard as 0-9."""

from __future__ import annotations

from textual.widgets import Input

from shared.digits import ascii_digits


class DigitsInput(Input):
    """An Input whose typed and pasted ١٢٣ or ۱۲۳ become 123, before `restrict` is checked."""

    def replace(self, text: str, start: int, end: int) -> None:
        # Textual's Input sends every key and every paste through replace(), which
        # refuses a value that does not match `restrict` ([0-9]* would ring the bell).
        super().replace(ascii_digits(text), start, end)
