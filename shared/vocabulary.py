"""The domain's fixed words, shared by the pure engine and the store: no imports, no I/O."""

from __future__ import annotations

# The language of the municipality: the kiosk starts in it, the SMS engine answers a
# new contact in it, and every community needs a name in it (Danish is the default).
DEFAULT_LOCALE = "da"

# What a citizen can offer, in the order the SMS follow-up numbers them (1 Time ... 6 idea).
CATEGORIES = ("time", "knowhow", "things", "room", "transport", "initiative")

# Where a citizen did something: by text message, or at a kiosk.
CHANNELS = ("sms", "kiosk")
