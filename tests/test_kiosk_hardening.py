"""A visitor cannot leave the kiosk: no quit, suspend or palette key, and Back stops at Home."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

pytestmark = pytest.mark.asyncio

# Textual's own App binds ctrl+q (quit), ctrl+c (help_quit) and ctrl+p (palette);
# a terminal sends ctrl+z and ctrl+\ for suspend and SIGQUIT; the rest are tries.
ESCAPE_KEYS = ["ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "ctrl+backslash", "ctrl+d",
               "ctrl+w", "ctrl+x", "ctrl+shift+p", *[f"f{n}" for n in range(1, 13)]]


def still_running(app) -> None:
    assert app.is_running
    assert app.return_code is None
    assert not app._exit_renderables
    assert not any(isinstance(screen, CommandPalette) for screen in app.screen_stack)


async def goto(k, where: str) -> None:
    if where == "feedback-text":
        await k.press("3")
        await k.tap("#kind-ros")
        await k.tap("#rating-5")
        assert k.app.focused is k.one("#text")
    elif where == "community-search":
        await k.press("2")
        assert k.app.focused is k.one("#search")


@pytest.mark.parametrize("where, screen", [("home", "home"), ("feedback-text", "feedback"),
                                           ("community-search", "communities")])
async def test_no_key_quits_suspends_or_opens_the_palette(kiosk, where, screen):
    async with kiosk() as k:
        await goto(k, where)
        for key in ESCAPE_KEYS:
            await k.press(key)
            still_running(k.app)
            assert k.app.screen.id == screen, key


async def test_escape_on_home_stays_home(kiosk):
    async with kiosk() as k:
        await k.press("escape", "escape", "escape")
        still_running(k.app)
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


async def test_escape_walks_the_offer_back_step_by_step_to_home(kiosk):
    async with kiosk() as k:
        await k.press("1")
        await k.tap("#category-room")
        await k.type("Et lokale")
        await k.tap("#describe-done")
        await k.tap("#details-done")
        steps = []
        for _ in range(4):
            steps.append(k.one("ContentSwitcher").current)
            await k.press("escape")
        assert steps == ["step-review", "step-details", "step-describe", "step-category"]
        assert k.app.screen.id == "home"
        await k.press("escape")
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


async def test_escape_in_the_feedback_text_goes_back_a_step(kiosk):
    async with kiosk() as k:
        await goto(k, "feedback-text")
        await k.type("Godt")
        await k.press("escape")
        assert k.one("ContentSwitcher").current == "step-rating"
        await k.press("escape", "escape", "escape")
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


async def test_escape_from_joining_goes_back_through_the_community_to_home(kiosk):
    async with kiosk() as k:
        await k.press("2")
        await k.press("tab", "tab", "down", "enter")  # search -> town -> list, first option
        assert k.app.screen.id == "community"
        await k.tap("#join")
        screens = []
        for _ in range(4):
            screens.append(k.app.screen.id)
            await k.press("escape")
        assert screens == ["join", "community", "communities", "home"]
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1
        still_running(k.app)


async def test_no_citizen_screen_reads_the_store_on_the_ui_thread(kiosk):
    """Every read runs in a worker: with strict threads a read on the UI thread raises."""
    async with kiosk() as k:
        k.app.strict_threads = True  # store() now refuses the UI thread

        async def loaded():
            await k.pilot.pause()
            await k.app.workers.wait_for_complete()
            await k.pilot.pause()

        await k.press("2")
        await loaded()
        assert k.one("#list").option_count > 0
        assert len(k.one("#town")._options) > 1  # the towns arrived
        await k.type("strik")
        await k.press("enter", "enter")
        await loaded()
        assert k.app.screen.id == "community"
        assert "Strikkecafé" in k.screen_text()
        await k.press("escape", "escape")
        for key, open_details in (("1", ("#category-time", "#describe-done")),
                                  ("3", ("#kind-ros", "#rating-skip", "#text-done"))):
            await k.press(key)
            await k.tap(open_details[0])
            for button in open_details[1:]:
                if k.app.focused and k.app.focused.id in ("description", "text"):
                    await k.type("Hej")
                await k.tap(button)
            await loaded()
            assert len(k.one("#town")._options) > 1
            await k.press("escape", "escape", "escape", "escape")
        still_running(k.app)
        assert not [n for n in k.app._notifications if n.severity == "error"]
