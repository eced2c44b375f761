"""The kiosk forgets a visitor who walked away, and keeps one who is still there.

Time is the kiosk's injected clock, moved on by the test: nothing waits for real
seconds, so a busy machine cannot make these tests late.
"""

from __future__ import annotations

import pytest

from kiosk.app import COORDINATOR_LOGOUT_S, RESET_AFTER_S, WARN_AFTER_S
from kiosk.screens.idle import IdleScreen

pytestmark = pytest.mark.asyncio


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


async def later(k, clock: Clock, seconds: float) -> None:
    """Let seconds pass without input, then run the kiosk's once-a-second check."""
    clock.now += seconds
    k.app.check_inactivity()
    await k.pilot.pause()
    if isinstance(k.app.screen, IdleScreen):
        k.app.screen.tick()
    await k.pilot.pause()


async def start_feedback(k, text: str) -> None:
    await k.press("3")
    await k.tap("#kind-ide")
    await k.tap("#rating-skip")
    await k.type(text)
    assert k.one("#text").text == text


async def test_walking_away_warns_then_clears_everything(kiosk, clock):
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Mit navn er Grethe")
        await later(k, clock, WARN_AFTER_S - 1)
        assert k.app.screen.id == "feedback"
        await later(k, clock, 1)
        assert isinstance(k.app.screen, IdleScreen)
        assert k.text("#countdown") == ("Det, du har skrevet, bliver slettet om "
                                        f"{int(RESET_AFTER_S - WARN_AFTER_S)} sekunder.")
        assert "Er du her stadig?" in k.screen_text()
        await later(k, clock, RESET_AFTER_S - WARN_AFTER_S)
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1
        await k.press("3")
        assert k.app.screen.id == "feedback"
        assert k.one("ContentSwitcher").current == "step-kind"
        assert k.one("#text").text == ""


async def test_the_last_second_is_singular(kiosk, clock):
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Hej")
        await later(k, clock, WARN_AFTER_S)
        await later(k, clock, RESET_AFTER_S - WARN_AFTER_S - 1)
        assert k.text("#countdown") == "Det, du har skrevet, bliver slettet om 1 sekund."


async def test_a_key_on_the_warning_keeps_what_was_typed(kiosk, clock):
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Mit navn er Grethe")
        await later(k, clock, WARN_AFTER_S)
        assert isinstance(k.app.screen, IdleScreen)
        await k.press("x")
        assert k.app.screen.id == "feedback"
        assert k.one("#text").text == "Mit navn er Grethe"  # the key is not typed either
        assert k.one("ContentSwitcher").current == "step-text"
        # The key counts as input: the full time starts again.
        await later(k, clock, WARN_AFTER_S - 1)
        assert k.app.screen.id == "feedback"


async def test_the_still_here_button_keeps_what_was_typed(kiosk, clock):
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Hej")
        await later(k, clock, WARN_AFTER_S)
        await k.tap("#still-here")
        assert k.app.screen.id == "feedback"
        assert k.one("#text").text == "Hej"


async def test_home_never_warns(kiosk, clock):
    async with kiosk(clock=clock) as k:
        await later(k, clock, RESET_AFTER_S * 3)
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


async def test_the_next_visitor_gets_the_kiosks_own_language_back(kiosk, clock):
    async with kiosk(clock=clock) as k:
        await k.tap("#lang-en")
        await start_feedback(k, "Hello")
        await later(k, clock, RESET_AFTER_S)
        assert k.app.screen.id == "home"
        assert k.app.locale == "da"
        assert k.text(".title").startswith("Velkommen til Fælles")


async def test_a_coordinator_is_logged_out_after_three_quiet_minutes(coordinator_session,
                                                                      demo_db):
    clock = Clock()
    async with coordinator_session(clock=clock) as k:
        await later(k, clock, COORDINATOR_LOGOUT_S - 1)
        assert k.app.screen.id == "coordinator"  # no visitor warning in coordinator mode
        await later(k, clock, 1)
        await k.settle()
        assert k.app.screen.id == "home" and k.app.coordinator is None
    actions = [r[0] for r in demo_db.execute(
        "SELECT action FROM audit ORDER BY id").fetchall()]
    assert actions[-2:] == ["login", "logout"]
