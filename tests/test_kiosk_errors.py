"""A failing save never ends the kiosk, and the visitor is told kindly, in their language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


def broken(*args, **kwargs):
    raise RuntimeError("disk I/O error")


async def send_feedback(k) -> None:
    await k.press("3")
    await k.tap("#kind-ros")
    await k.tap("#rating-4")
    await k.type("Fin kiosk")
    await k.tap("#text-done")
    await k.tap("#send")
    await k.app.workers.wait_for_complete()
    await k.pilot.pause()


async def send_offer(k) -> None:
    await k.press("1")
    await k.tap("#category-time")
    await k.type("Jeg kan læse højt")
    await k.tap("#describe-done")
    await k.tap("#details-done")
    await k.tap("#send")
    await k.app.workers.wait_for_complete()
    await k.pilot.pause()


async def send_need(k) -> None:
    import re
    import sqlite3

    await k.press("4")
    await k.type("Hjælp til indkøb")
    await k.tap("#describe-done")
    await k.tap("#kind-skip")
    await k.tap("#details-done")
    await k.type("20 12 34 56")
    await k.tap("#send-code")
    await k.until(lambda: k.one("ContentSwitcher").current == "step-code")
    with sqlite3.connect(f"file:{k.app.db_path}?mode=ro", uri=True) as db:
        [body] = db.execute("SELECT body FROM messages WHERE kind = 'code'").fetchone()
    await k.type(re.search(r"\b(\d{6})\b", body).group(1))
    await k.tap("#check-code")
    await k.until(lambda: k.one("ContentSwitcher").current == "step-review")
    await k.tap("#send")
    await k.app.workers.wait_for_complete()
    await k.pilot.pause()


FLOWS = [pytest.param("kiosk.screens.feedback.submit_feedback", send_feedback, "step-details",
                      id="feedback"),
         pytest.param("kiosk.screens.offer.submit_offer", send_offer, "step-review",
                      id="offer"),
         pytest.param("kiosk.screens.need.submit_need_with_proven_number", send_need,
                      "step-review", id="need")]


@pytest.mark.parametrize("target, send, step", FLOWS)
async def test_a_failing_save_keeps_the_kiosk_running_and_the_input(kiosk, monkeypatch, target,
                                                                    send, step):
    monkeypatch.setattr(target, broken)
    async with kiosk() as k:
        await send(k)
        assert k.app.is_running
        assert k.app.return_code is None
        assert k.one("ContentSwitcher").current == step  # nothing lost: press Send again


@pytest.mark.parametrize("target, send, step", FLOWS)
async def test_a_failing_save_says_sorry_in_danish(kiosk, monkeypatch, target, send, step):
    monkeypatch.setattr(target, broken)
    async with kiosk() as k:
        await send(k)
        messages = [notification.message for notification in k.app._notifications]
        assert any("noget gik galt" in message for message in messages), messages


@pytest.mark.parametrize("target", ["kiosk.screens.forms.town_options",
                                    "kiosk.screens.communities.list_communities"])
async def test_a_failing_read_keeps_the_kiosk_running_and_says_sorry(kiosk, monkeypatch,
                                                                     target):
    monkeypatch.setattr(target, broken)
    async with kiosk() as k:
        await k.press("2")
        await k.app.workers.wait_for_complete()
        await k.pilot.pause()
        assert k.app.is_running
        assert k.app.screen.id == "communities"
        messages = [notification.message for notification in k.app._notifications]
        assert any("noget gik galt" in message for message in messages), messages
        await k.type("strik")  # the screen still answers keys
        assert k.one("#search").value == "strik"
