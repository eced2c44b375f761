"""Digits as people type them: an Arabic keyboard sends ١٢٣ and a Persian one ۱۲۳ for 123."""

from __future__ import annotations

# The zeros of the Arabic-Indic digits (U+0660-0669) and of the Extended
# Arabic-Indic ones that Persian and Urdu keyboards type (U+06F0-06F9).
KEYBOARD_ZEROS = (0x0660, 0x06F0)
_TO_ASCII = str.maketrans({chr(zero + value): str(value)
                           for zero in KEYBOARD_ZEROS for value in range(10)})


def ascii_digits(text: str) -> str:
    """Return text with Arabic-Indic and Persian digits written as 0-9."""
    return text.translate(_TO_ASCII)


def digit_forms(digit: int) -> tuple[str, ...]:
    """Return every character a keyboard may type for the digit: 1, ١ and ۱ for 1."""
    return (str(digit), *(chr(zero + digit) for zero in KEYBOARD_ZEROS))
