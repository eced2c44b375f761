"""Large text, more time and the keyboard alone: a visitor needs no help of their own.

Time is the kiosk's injected clock, moved on by the test (as in test_kiosk_idle.py).
"""

from __future__ import annotations

import pytest
from textual.widget import Widget

from kiosk.app import KioskApp, LARGE_TEXT_FRAGMENTS, RESET_AFTER_S, WARN_AFTER_S
from kiosk.screens.idle import MORE_TIME_S, IdleScreen
from shared.db import row
from shared.i18n import translator

pytestmark = pytest.mark.asyncio


def da(message: str) -> str:
    return translator("da").gettext(message)


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


def height(k, selector: str) -> int:
    return k.one(selector).outer_size.height


# --- large text ------------------------------------------------------------------------

async def test_f2_makes_the_buttons_taller_and_the_text_bold_and_back(kiosk):
    async with kiosk() as k:
        assert height(k, "#offer") == 3
        await k.press("f2")
        assert k.app.large_text and k.app.has_class("-large-text")
        assert height(k, "#offer") == 5
        assert k.app.screen.styles.text_style.bold
        await k.press("3")
        assert height(k, "#kind-ros") == 5  # every screen, not Home alone
        await k.press("f2")
        assert height(k, "#kind-ros") == 3
        assert not k.app.screen.styles.text_style.bold


async def test_the_large_text_button_shows_that_it_is_on(kiosk):
    async with kiosk() as k:
        button = k.one("#large-text")
        assert str(button.label) == da("Large text")
        normal = button.styles.border_top[0]
        await k.tap("#large-text")
        await k.pilot.pause()
        assert k.app.large_text
        assert button.styles.border_top[0] == "heavy" != normal
        await k.press("f2")  # (a second tap this soon is taken as the same press)
        assert not k.app.large_text
        assert button.styles.border_top[0] == normal


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_home_shows_both_switches_without_scrolling(kiosk, size):
    async with kiosk(size=size) as k:
        screen = k.app.screen.region
        for selector in ("#large-text", "#read-aloud", "#offer", "#feedback", "#need",
                         "#about"):
            assert screen.contains_region(k.one(selector).region), selector


@pytest.mark.parametrize("keys", [("1",), ("2",), ("3",), ("4",)])
async def test_every_citizen_screen_has_the_switches_in_its_title_bar(kiosk, keys):
    async with kiosk() as k:
        await k.press(*keys)
        for selector in ("#large-text", "#read-aloud"):
            assert k.one(f".title-bar {selector}").region.area > 0


async def test_the_next_visitor_gets_normal_text_back(kiosk):
    clock = Clock()
    async with kiosk(clock=clock) as k:
        await k.press("f2")
        await later(k, clock, RESET_AFTER_S)  # left at Home with large text on
        assert not k.app.large_text
        await k.press("f2", "3")
        await later(k, clock, RESET_AFTER_S)  # left in the middle of feedback
        assert k.app.screen.id == "home" and not k.app.large_text


async def test_in_a_browser_large_text_asks_the_page_for_bigger_letters(kiosk, monkeypatch):
    opened = []
    monkeypatch.setattr(KioskApp, "is_web", property(lambda app: True))
    monkeypatch.setattr(KioskApp, "open_url",
                        lambda app, url, new_tab=True: opened.append((url, new_tab)))
    async with kiosk() as k:
        await k.press("f2")
        await k.press("f2")
    assert [(url, new_tab) for url, new_tab in opened if url.startswith("#text")] == [
        (LARGE_TEXT_FRAGMENTS[True], False), (LARGE_TEXT_FRAGMENTS[False], False)]


async def test_in_a_browser_the_page_learns_the_language_for_its_lang(kiosk, monkeypatch):
    opened = []
    monkeypatch.setattr(KioskApp, "is_web", property(lambda app: True))
    monkeypatch.setattr(KioskApp, "open_url",
                        lambda app, url, new_tab=True: opened.append((url, new_tab)))
    async with kiosk() as k:
        first = k.app.locale
        await k.tap("#lang-en")
        await k.pilot.pause()
        await k.tap("#lang-en")  # the same again: nothing new to say
        await k.pilot.pause()
    assert opened == [(f"#lang={first}", False), ("#lang=en", False)]


async def test_in_a_terminal_large_text_opens_nothing(kiosk, monkeypatch):
    opened = []
    monkeypatch.setattr(KioskApp, "open_url", lambda app, url, new_tab=True: opened.append(url))
    async with kiosk() as k:
        await k.press("f2")
    assert opened == []


# --- more time -------------------------------------------------------------------------

async def test_more_time_postpones_the_warning_and_the_clearing(kiosk):
    clock = Clock()
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Mit navn er Grethe")
        await later(k, clock, WARN_AFTER_S)
        assert isinstance(k.app.screen, IdleScreen)
        await k.tap("#more-time")
        assert k.app.screen.id == "feedback"
        assert k.one("#text").text == "Mit navn er Grethe"
        minutes = int(MORE_TIME_S // 60)
        assert [n.message for n in k.app._notifications] == [
            translator("da").ngettext("You have been given {minutes} more minute.",
                                      "You have been given {minutes} more minutes.",
                                      minutes).format(minutes=minutes)]
        await later(k, clock, WARN_AFTER_S + MORE_TIME_S - 1)
        assert k.app.screen.id == "feedback"  # the ordinary warning time has passed
        await later(k, clock, 1)
        assert isinstance(k.app.screen, IdleScreen)
        left = int(RESET_AFTER_S - WARN_AFTER_S)
        assert str(k.one("#countdown").render()).endswith(f"{left} sekunder.")
        await later(k, clock, RESET_AFTER_S - WARN_AFTER_S)
        assert k.app.screen.id == "home" and len(k.app.screen_stack) == 1


async def test_more_time_adds_up_and_lasts_only_for_this_visitor(kiosk):
    clock = Clock()
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Hej")
        for _ in range(2):
            await later(k, clock, WARN_AFTER_S + k.app.extra_time)
            await k.tap("#more-time")
        assert k.app.extra_time == 2 * MORE_TIME_S
        await later(k, clock, RESET_AFTER_S + 2 * MORE_TIME_S)
        assert k.app.screen.id == "home"
        assert k.app.extra_time == 0  # the next visitor has the usual time
        await start_feedback(k, "Hej")
        await later(k, clock, WARN_AFTER_S)
        assert isinstance(k.app.screen, IdleScreen)


async def test_more_time_is_reached_with_keys_alone(kiosk):
    clock = Clock()
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Hej")
        await later(k, clock, WARN_AFTER_S)
        assert k.app.focused is k.one("#still-here")
        await k.press("down")  # an arrow moves, and does not dismiss the warning
        assert isinstance(k.app.screen, IdleScreen)
        assert k.app.focused is k.one("#more-time")
        await k.press("up", "tab")
        assert k.app.focused is k.one("#more-time")
        await k.press("enter")
        assert k.app.screen.id == "feedback"
        assert k.app.extra_time == MORE_TIME_S
        assert k.one("#text").text == "Hej"  # no key went into the text


async def test_enter_on_still_here_gives_the_usual_time_only(kiosk):
    clock = Clock()
    async with kiosk(clock=clock) as k:
        await start_feedback(k, "Hej")
        await later(k, clock, WARN_AFTER_S)
        await k.press("enter")
        assert k.app.screen.id == "feedback" and k.app.extra_time == 0


# --- the keyboard alone --------------------------------------------------------------------

async def test_feedback_can_be_given_with_the_keyboard_alone(kiosk, demo_db):
    async with kiosk() as k:
        await k.press("3")
        await k.press("tab", "enter")  # Complaint (ris)
        await k.press("4")  # the fourth face, by its number
        assert k.app.focused is k.one("#text")
        await k.type("Flere bænke ved havnen")
        await k.press("tab", "enter")  # Next
        assert k.app.focused is k.one("#town")
        await k.settle()  # the towns come from the store
        await k.press("enter")  # open the dropdown
        await k.type("Munkebo")  # jump to the town by typing it
        await k.press("enter")
        await k.press("tab")
        await k.type("20 12 34 56")
        await k.press("tab", "enter")  # Send
        await k.until(lambda: k.one("ContentSwitcher").current == "step-thanks")
        assert k.app.focused is k.one("#home")
        await k.press("enter")  # Back to start
        assert k.app.screen.id == "home"
    saved = row(demo_db, "SELECT f.*, c.phone FROM feedback f"
                         " LEFT JOIN contacts c ON c.id = f.contact_id ORDER BY f.id DESC LIMIT 1")
    assert (saved["kind"], saved["rating"], saved["text"], saved["town"], saved["phone"]) == (
        "ris", 4, "Flere bænke ved havnen", "Munkebo", "+4520123456")


@pytest.mark.parametrize("keys", [(), ("1",), ("2",), ("3",)])
async def test_tab_reaches_every_control_on_the_screen(kiosk, keys):
    async with kiosk() as k:
        await k.press(*keys)
        await k.settle()
        shown = {control.id for control in k.app.screen.query(
                     "Button, Input, Select, OptionList, TextArea")
                 if all(node.display for node in control.ancestors_with_self
                        if isinstance(node, Widget))}
        assert {"large-text", "read-aloud"} < shown
        reached = set()
        for _ in range(len(shown) + 1):
            reached.add(k.app.focused.id)
            await k.press("tab")
        assert shown <= reached, f"Tab never reaches {shown - reached}"
