"""The coordinator PIN dialog: every name to choose from, and the demo PIN for a newcomer."""

from __future__ import annotations

import pytest

from shared.coordinators import add_coordinator

pytestmark = pytest.mark.asyncio


async def test_the_name_list_holds_every_coordinator(kiosk, demo_db, now):
    add_coordinator(demo_db, "Anna", "123456", now=now)
    add_coordinator(demo_db, "Bent", "123456", now=now)
    async with kiosk(open_coordinator=True) as k:
        await k.until(lambda: k.app.screen.id == "pin")
        who = k.one("#who")
        await k.until(lambda: len(who._options) > 2)
        names = [str(prompt) for prompt, _value in who._options[1:]]
        assert names == ["Anna", "Bent", "Demo Koordinator"]
        # Two or more: nobody is chosen for you.
        assert who.value == who.NULL


async def test_the_demo_pin_is_shown_when_the_demo_gives_it(kiosk):
    async with kiosk(open_coordinator=True, demo_pin="246810") as k:
        await k.until(lambda: k.app.screen.id == "pin")
        assert "246810" in k.text("#demo-pin")
        assert "Demo Koordinator" in k.text("#demo-pin")


async def test_no_pin_is_shown_otherwise(kiosk):
    async with kiosk(open_coordinator=True) as k:
        await k.until(lambda: k.app.screen.id == "pin")
        assert not k.app.screen.query("#demo-pin")


async def test_a_wrong_pin_says_how_many_tries_are_left_and_a_lock_says_until_when(kiosk,
                                                                                    demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    async with kiosk(open_coordinator=True) as k:
        await k.until(lambda: k.app.screen.id == "pin")
        k.one("#who").value = anna
        for left in (4, 3, 2, 1):
            k.one("#pin-code").value = "000000"
            k.one("#pin-code").focus()
            await k.press("enter")
            await k.until(lambda: f"({left} " in k.text("#problem"))
        k.one("#pin-code").value = "000000"
        await k.press("enter")
        await k.until(lambda: "låst indtil" in k.text("#problem"))


async def test_the_next_login_tells_of_the_wrong_pins_tried_meanwhile(kiosk, demo_db, now):
    from shared.errors import LockedOut, WrongPin
    from shared.services.coordinator import log_in

    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    for _attempt in range(7):  # five to a lock, then two refused unchecked
        with pytest.raises((WrongPin, LockedOut)):
            log_in(demo_db, anna, "000000", now=now)
    demo_db.execute("UPDATE coordinators SET locked_until = NULL")  # the lock has run out
    async with kiosk(open_coordinator=True) as k:
        await k.until(lambda: k.app.screen.id == "pin")
        k.one("#who").value = anna
        k.one("#pin-code").value = "123456"
        k.one("#pin-code").focus()
        await k.press("enter")
        await k.until(lambda: k.app.screen.id == "confirm")
        assert "5 forkerte PIN-koder" in k.text("#confirm-question"), k.text("#confirm-question")
        assert "låst 1 gang" in k.text("#confirm-details")
        await k.press("enter")
        await k.until(lambda: k.app.screen.id == "coordinator")


async def test_a_pin_and_a_tab_number_typed_with_persian_digits_work(kiosk, demo_db, now):
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    async with kiosk(open_coordinator=True) as k:
        await k.until(lambda: k.app.screen.id == "pin")
        k.one("#who").value = anna
        await k.pilot.pause()
        k.one("#pin-code").focus()
        await k.type("۱۲۳۴۵۶")
        await k.press("enter")
        await k.until(lambda: k.app.screen.id == "coordinator")
        await k.press("۶")
        assert k.one("#tabs").active == "tab-overview"
