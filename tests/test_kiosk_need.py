"""Asking for a hand at the kiosk: own words, kind, town, when, a proven number, review, receipt."""

from __future__ import annotations

import re

import pytest

from shared.db import row, rows
from shared.replies import Reply, render_reply
from test_kiosk_flows import SIZES, choose, count, queued, sent_code, step

pytestmark = pytest.mark.asyncio

LOCATION = "Munkebo Bibliotek"
PHONE = "+4520123456"


async def describe(k, text: str = "Jeg skal køres til lægen") -> None:
    await k.press("4")
    assert k.app.screen.id == "need"
    assert k.app.focused is k.one("#description")
    await k.type(text)
    await k.tap("#describe-done")
    assert step(k) == "step-kind"


async def ask_for_code(k, phone: str = "20 12 34 56") -> None:
    """From the details: on to the number, type it, and have a code sent."""
    await k.tap("#details-done")
    assert step(k) == "step-phone"
    assert k.app.focused is k.one("#phone")
    await k.type(phone)
    await k.tap("#send-code")
    await k.until(lambda: step(k) == "step-code")
    assert k.app.focused is k.one("#code")


async def prove(k, db, phone: str = PHONE) -> None:
    await k.type(sent_code(db, phone))
    await k.tap("#check-code")
    await k.until(lambda: step(k) == "step-review")


def needs(db) -> list[dict]:
    return rows(db, "SELECT n.*, c.phone FROM needs n JOIN contacts c ON c.id = n.contact_id"
                    " ORDER BY n.id")


@pytest.mark.parametrize("size", SIZES)
async def test_a_need_is_stored_with_the_proven_number_and_where_the_kiosk_stands(
        kiosk, demo_db, size):
    before = count(demo_db, "needs")
    async with kiosk(size) as k:
        await describe(k)
        await k.tap("#category-transport")
        assert step(k) == "step-details"
        await choose(k, "#town", "Munkebo")
        k.one("#when").focus()
        await k.type("torsdag formiddag")
        await ask_for_code(k)
        [code_sms] = queued(demo_db, PHONE, "code")
        assert "Din kode til Fælles er" in code_sms["body"]
        await prove(k, demo_db)
        assert k.text("#review").splitlines() == [
            "Hvad: Jeg skal køres til lægen", "Slags: Kørsel", "By: Munkebo",
            "Hvornår: torsdag formiddag", "Telefon: +45 20 12 34 56"]
        assert k.app.screen.region.contains_region(k.one("#send").region)
        await k.tap("#send")
        await k.until(lambda: step(k) == "step-receipt")
        receipt = k.text("#receipt")
        number = int(re.search(r"nummer (\d+)\.", receipt).group(1))
        assert "En koordinator leder efter en, der kan hjælpe" in receipt

    assert count(demo_db, "needs") == before + 1
    need = row(demo_db, "SELECT n.*, c.phone FROM needs n JOIN contacts c"
                        " ON c.id = n.contact_id WHERE n.id = ?", (number,))
    assert need == need | {
        "phone": PHONE, "channel": "kiosk", "location": LOCATION, "status": "new",
        "description": "Jeg skal køres til lægen", "category": "transport", "town": "Munkebo",
        "needed_when": "torsdag formiddag"}
    [confirmation] = queued(demo_db, PHONE, "notice")
    assert confirmation["body"] == render_reply(Reply("need_done"), "da")


async def test_kind_town_and_when_may_be_skipped(kiosk, demo_db):
    async with kiosk() as k:
        await describe(k, "Hjælp til at skifte en pære")
        await k.tap("#kind-skip")
        await ask_for_code(k)
        await prove(k, demo_db)
        assert k.text("#review").splitlines() == [
            "Hvad: Hjælp til at skifte en pære", "Slags: ikke angivet", "By: ikke angivet",
            "Hvornår: ikke angivet", "Telefon: +45 20 12 34 56"]
        await k.tap("#send")
        await k.until(lambda: step(k) == "step-receipt")
    [need] = [n for n in needs(demo_db) if n["phone"] == PHONE]
    assert (need["category"], need["town"], need["needed_when"]) == (None, None, None)


async def test_a_wrong_code_is_refused_and_nothing_is_stored(kiosk, demo_db):
    before = count(demo_db, "needs")
    async with kiosk() as k:
        await describe(k)
        await k.tap("#kind-skip")
        await ask_for_code(k)
        right = sent_code(demo_db, PHONE)
        await k.type("000000" if right != "000000" else "111111")
        await k.press("enter")
        await k.until(lambda: k.text("#problem") != "")
        assert k.text("#problem") == "Det er ikke koden. Du kan prøve 4 gange mere."
        assert step(k) == "step-code"
    assert count(demo_db, "needs") == before
    assert queued(demo_db, PHONE, "notice") == []


async def test_the_number_is_required(kiosk):
    async with kiosk() as k:
        await describe(k)
        await k.tap("#kind-skip")
        await k.tap("#details-done")
        await k.tap("#send-code")
        assert k.text("#problem") == "Skriv dit telefonnummer."
        assert step(k) == "step-phone"


async def test_the_words_come_first(kiosk):
    async with kiosk() as k:
        await k.press("4")
        await k.tap("#describe-done")
        assert k.text("#problem") == "Skriv lige et par ord først."
        assert step(k) == "step-describe"


async def test_an_opted_out_number_gets_no_code_and_no_need(kiosk, demo_db, now):
    from shared.contacts import opt_out, touch_contact

    opt_out(demo_db, touch_contact(demo_db, PHONE, now=now)["id"], now=now)
    before = count(demo_db, "needs")
    async with kiosk() as k:
        await describe(k)
        await k.tap("#kind-skip")
        await k.tap("#details-done")
        await k.type("20 12 34 56")
        await k.tap("#send-code")
        await k.until(lambda: k.text("#problem") != "")
        assert k.text("#problem") == ("Dette nummer har bedt os om ikke at sende sms. "
                                      "Send START til os først.")
        assert step(k) == "step-phone"
    assert queued(demo_db, PHONE, "code") == []
    assert count(demo_db, "needs") == before


async def test_a_number_that_opts_out_before_send_is_told_so(kiosk, demo_db, now):
    from shared.contacts import opt_out, touch_contact

    async with kiosk() as k:
        await describe(k)
        await k.tap("#kind-skip")
        await ask_for_code(k)
        await prove(k, demo_db)
        opt_out(demo_db, touch_contact(demo_db, PHONE, now=now)["id"], now=now)  # STOP by SMS
        await k.tap("#send")
        await k.until(lambda: k.text("#problem") != "")
        assert k.text("#problem").startswith("Dette nummer har bedt os om ikke at sende sms.")
        assert step(k) == "step-review"
        assert k.app.is_running
    assert [n for n in needs(demo_db) if n["phone"] == PHONE] == []


async def test_changing_the_text_after_the_code_needs_no_second_code(kiosk, demo_db):
    async with kiosk() as k:
        await describe(k, "Boremaskine")
        await k.tap("#kind-skip")
        await ask_for_code(k)
        await prove(k, demo_db)
        await k.tap("#change")
        assert step(k) == "step-describe"
        await k.type(" og en stige")
        await k.tap("#describe-done")
        await k.tap("#category-things")
        await k.tap("#details-done")
        assert step(k) == "step-review"  # the number is proven already
        assert k.text("#review").splitlines()[:2] == ["Hvad: Boremaskine og en stige",
                                                      "Slags: Noget at låne"]
    assert len(queued(demo_db, PHONE, "code")) == 1


async def test_escape_walks_back_step_by_step_and_the_code_goes_back_to_the_number(kiosk,
                                                                                   demo_db):
    async with kiosk() as k:
        await describe(k)
        await k.tap("#category-room")
        await ask_for_code(k)
        await k.press("escape")
        assert step(k) == "step-phone"
        await k.tap("#send-code")
        await k.until(lambda: step(k) == "step-code")
        await prove(k, demo_db)
        steps = []
        for _ in range(5):
            steps.append(step(k))
            await k.press("escape")
        assert steps == ["step-review", "step-phone", "step-details", "step-kind",
                         "step-describe"]
        assert k.app.screen.id == "home"
        assert len(k.app.screen_stack) == 1


async def test_a_long_need_still_leaves_send_in_reach_at_80x24(kiosk, demo_db):
    long = " ".join(["Jeg har brug for hjælp til at bære kasser op på tredje sal."] * 12)
    async with kiosk() as k:
        await describe(k, long)
        await k.tap("#kind-skip")
        await ask_for_code(k)
        await prove(k, demo_db)
        assert k.app.focused is k.one("#send")
        assert k.app.screen.region.contains_region(k.one("#send").region)
        await k.press("enter")
        await k.until(lambda: step(k) == "step-receipt")


async def test_the_need_screen_in_english_and_arabic(kiosk):
    async with kiosk(locale="en") as k:
        await k.press("4")
        drawn = k.screen_text()
        assert "I need a hand" in drawn
        assert "What do you need a hand with?" in drawn
    async with kiosk(locale="ar") as k:
        await k.press("٤")
        assert k.app.screen.id == "need"
        assert k.app.has_class("-rtl")

