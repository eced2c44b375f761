"""Layout snapshots of the first screens a visitor sees, as plain text at 80x24.

The screen is drawn as Textual draws it (the compositor that export_screenshot
uses) and kept as plain text: a diff shows what moved, and colours and the
cursor blink cannot make it flaky. After an intended change of layout, rewrite
the files with FAELLES_UPDATE_SNAPSHOTS=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.i18n import available_locales

pytestmark = pytest.mark.asyncio

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(name: str, drawn: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("FAELLES_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(drawn, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}: run with FAELLES_UPDATE_SNAPSHOTS=1"
    assert drawn == path.read_text(encoding="utf-8")


def drawn_with_focus(k) -> str:
    focused = k.app.focused
    where = f"{type(focused).__name__}#{focused.id}" if focused else "nothing"
    return f"# focused: {where}\n" + k.screen_text()


@pytest.mark.parametrize("keys, name", [((), "home"), (("1",), "offer_category"),
                                        (("3",), "feedback_kind"), (("2",), "communities"),
                                        (("4",), "need_describe")])
async def test_first_screens_look_as_designed(kiosk, keys, name):
    async with kiosk(size=(80, 24)) as k:
        await k.press(*keys)
        await k.pilot.pause()
        await k.app.workers.wait_for_complete()  # lists are read in worker threads
        await k.pilot.pause()
        check_snapshot(f"kiosk_{name}_da_80x24", drawn_with_focus(k))



@pytest.mark.parametrize("locale", available_locales())
@pytest.mark.parametrize("keys, name", [((), "home"), (("3",), "feedback_kind")])
async def test_home_and_feedback_in_every_language(kiosk, locale, keys, name):
    async with kiosk(size=(80, 24), locale=locale) as k:
        await k.press(*keys)
        await k.pilot.pause()
        await k.app.workers.wait_for_complete()
        await k.pilot.pause()
        drawn = drawn_with_focus(k)
        # Every choice is on the screen whole, in this language.
        for button in k.app.screen.query("Button"):
            label = str(button.label)
            if button.region.area and label.strip():  # laid out on this screen
                assert label.split("\n")[0] in drawn, label
        check_snapshot(f"kiosk_{name}_{locale}_80x24", drawn)
