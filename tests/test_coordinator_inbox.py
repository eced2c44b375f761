"""The inbox tab: texts that were no keyword, answered by SMS or filed, shown literally."""

from __future__ import annotations

import pytest

from shared.db import row, rows
from shared.replies import Reply, render_reply
from shared.unsorted import record_unsorted

pytestmark = pytest.mark.asyncio


async def open_inbox(visitor) -> None:
    visitor.one("#tabs").active = "tab-inbox"
    await visitor.pilot.pause()
    visitor.one("#inbox-table").focus()
    await visitor.settle()


async def choose(visitor, phone: str) -> dict:
    pane = visitor.one("#inbox-pane")
    await visitor.until(lambda: any(item["phone"] == phone for item in pane.items))
    index = [item["phone"] for item in pane.items].index(phone)
    visitor.one("#inbox-table").move_cursor(row=index)
    await visitor.settle()
    return pane.items[index]


async def test_the_demo_inbox_lists_three_texts_and_the_keys(coordinator_session):
    async with coordinator_session(size=(80, 24)) as visitor:
        await open_inbox(visitor)
        await visitor.until(lambda: len(visitor.one("#inbox-pane").items) == 3)
        assert "3 " + visitor.app._("Inbox") in visitor.screen_text()
        assert visitor.text("#keys").startswith(visitor.app._(
            "r answer · f file as feedback · o file as an offer · e archive · g refresh"))


async def test_answering_an_arabic_text_sends_an_arabic_sms(coordinator_session, demo_db):
    async with coordinator_session() as visitor:
        app = visitor.app
        await open_inbox(visitor)
        item = await choose(visitor, "+4520111010")
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.type("Ring til Kerteminde Bibliotek.")
        await visitor.press("ctrl+s")
        await visitor.until(lambda: row(demo_db, "SELECT status FROM unsorted WHERE id = ?",
                                        (item["id"],))["status"] == "answered")
    (sms,) = rows(demo_db, "SELECT * FROM messages WHERE direction = 'out'")
    assert sms["phone"] == "+4520111010"
    assert sms["body"] == render_reply(
        Reply("feedback_answer", {"answer": "Ring til Kerteminde Bibliotek."}), "ar")


async def test_filing_as_feedback_and_as_an_offer(coordinator_session, demo_db):
    async with coordinator_session() as visitor:
        app = visitor.app
        await open_inbox(visitor)
        story = await choose(visitor, "+4520110404")
        await visitor.press("f")
        await visitor.until(lambda: app.screen.id != "coordinator")
        await visitor.press("enter")  # the first kind in the list
        await visitor.until(lambda: row(demo_db, "SELECT status FROM unsorted WHERE id = ?",
                                        (story["id"],))["status"] == "feedback")
        nurse = await choose(visitor, "+4520111111")
        await visitor.press("o")
        await visitor.until(lambda: app.screen.id != "coordinator")
        await visitor.press("enter")
        await visitor.until(lambda: row(demo_db, "SELECT status FROM unsorted WHERE id = ?",
                                        (nurse["id"],))["status"] == "offer")
    offer = row(demo_db, "SELECT description FROM offers ORDER BY id DESC LIMIT 1")
    assert offer["description"] == nurse["text"]


async def test_a_citizens_markup_is_shown_literally(coordinator_session, demo_db, now):
    contact = row(demo_db, "SELECT id FROM contacts WHERE phone = '+4520110101'")
    record_unsorted(demo_db, contact_id=contact["id"], message_id=None, language="da", now=now,
                    text="[@click=app.quit]luk[/] og \x1b[31mrød\x1b[0m tekst her")
    async with coordinator_session() as visitor:
        await open_inbox(visitor)
        await choose(visitor, "+4520110101")
        detail = visitor.text("#inbox-detail")
        assert "[@click=app.quit]luk[/]" in detail
        assert "\x1b" not in detail
        assert visitor.app.screen.id == "coordinator"


async def test_a_danish_screen_names_the_citizens_language_in_danish(coordinator_session):
    # The demo's Arabic text: Danish sentences say "arabisk", never "العربية", which
    # a Danish reader cannot read and a terminal draws back to front.
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await open_inbox(visitor)
        await choose(visitor, "+4520111010")
        assert "Svar sendes som SMS på arabisk." in visitor.text("#inbox-detail")
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.settle()
        assert "Borgeren får det som SMS på arabisk." in visitor.text("#message-counter")
        assert "العربية" not in visitor.screen_text()
