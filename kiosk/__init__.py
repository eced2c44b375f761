"""The kiosk: a Textual app for citizens at the library and town hall."""

from kiosk.app import KioskApp, make_kiosk

__all__ = ["KioskApp", "make_kiosk"]
