"""The kiosk forgets a visitor who walked away, and keeps one who is still there."""

from __future__ import annotations

import pytest

from kiosk.screens.idle import IdleScreen

pytestmark = pytest.mark.asyncio

# The inactivity check runs once a second: a warning comes within ~1 s of
# warn_after, the reset within ~1 s of reset_after.
QUICK = dict(warn_after=0.5, reset_after=1.5)


async def start_feedback(k, text: str) -> None:
    await k.press("3")
    await k.tap("#kind-ide")
    await k.tap("#rating-skip")
    await k.type(text)
    assert k.one("#text").text == text


async def test_walking_away_warns_then_clears_everything(kiosk):
    async with kiosk(**QUICK) as k:
        await start_feedback(k, "Mit navn er Grethe")
        await k.until(lambda: isinstance(k.app.screen, IdleScreen), timeout=3)
        assert k.text("#countdown").startswith("Det, du har skrevet, bliver slettet om 1 ")
        assert "Er du her stadig?" in k.screen_text()
        await k.until(lambda: k.app.screen.id == "home", timeout=3)
        assert len(k.app.screen_stack) == 1
        await k.press("3")
        assert k.app.screen.id == "feedback"
        assert k.one("ContentSwitcher").current == "step-kind"
        assert k.one("#text").text == ""


async def test_the_last_second_is_singular(kiosk):
    async with kiosk(**QUICK) as k:
        await start_feedback(k, "Hej")
        await k.until(lambda: isinstance(k.app.screen, IdleScreen), timeout=3)
        assert k.text("#countdown") == "Det, du har skrevet, bliver slettet om 1 sekund."


async def test_a_key_on_the_warning_keeps_what_was_typed(kiosk):
    async with kiosk(**QUICK) as k:
        await start_feedback(k, "Mit navn er Grethe")
        await k.until(lambda: isinstance(k.app.screen, IdleScreen), timeout=3)
        await k.press("x")
        assert k.app.screen.id == "feedback"
        assert k.one("#text").text == "Mit navn er Grethe"  # the key is not typed either
        assert k.one("ContentSwitcher").current == "step-text"


async def test_the_still_here_button_keeps_what_was_typed(kiosk):
    async with kiosk(**QUICK) as k:
        await start_feedback(k, "Hej")
        await k.until(lambda: isinstance(k.app.screen, IdleScreen), timeout=3)
        await k.tap("#still-here")
        assert k.app.screen.id == "feedback"
        assert k.one("#text").text == "Hej"


async def test_home_never_warns(kiosk):
    async with kiosk(**QUICK) as k:
        await k.pilot.pause(1.2)  # past the first inactivity check
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


async def test_the_next_visitor_gets_the_kiosks_own_language_back(kiosk):
    async with kiosk(**QUICK) as k:
        await k.tap("#lang-en")
        await start_feedback(k, "Hello")
        await k.until(lambda: k.app.screen.id == "home", timeout=4)
        assert k.app.locale == "da"
        assert k.text(".title") == "Velkommen til Fælles"
