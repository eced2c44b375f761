"""Digits as people type them: an Arabic keyboard sends ١٢٣ and a Persian one ۱۲۳ for 123."""

from __future__ import annotations

# Arabic-Indic digits (U+0660-0669) and the Extended Arabic-Indic ones that
# Persian and Urdu keyboards type (U+06F0-06F9), each to its ASCII digit.
_TO_ASCII = str.maketrans({chr(base + value): str(value)
                           for base in (0x0660, 0x06F0) for value in range(10)})


def ascii_digits(text: str) -> str:
    """Return text with Arabic-Indic and Persian digits written as 0-9."""
    return text.translate(_TO_ASCII)
