"""The Needs tab in coordinator mode: waiting needs, the offers that fit, introducing by SMS."""

from __future__ import annotations

import pytest

from kiosk.coordinator.needs_pane import PROBLEMS
from shared.contacts import find_contact
from shared.db import row, rows
from shared.i18n import language_name_in
from shared.needs import get_need, record_need
from shared.services import introducing
from shared.services.decisions import decide_offer

pytestmark = pytest.mark.asyncio

# The demo's needs, oldest first: a lift to Odense (English, Langeskov), a small
# repair (Danish, Munkebo), a trailer (Danish, Kerteminde).
LIFT, REPAIR, TRAILER = "+4520110707", "+4520110202", "+4520110606"
# Demo offers that fit them once approved: a lift to Odense from Langeskov (English)
# and a retired carpenter in Munkebo (Danish).
DRIVER, CARPENTER = "+4520110303", "+4520110404"


def need_of(db, phone: str) -> int:
    return row(db, "SELECT n.id FROM needs n JOIN contacts c ON c.id = n.contact_id"
                   " WHERE c.phone = ? ORDER BY n.id DESC", (phone,))["id"]


def offer_of(db, phone: str) -> int:
    return row(db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                   " WHERE c.phone = ?", (phone,))["id"]


def approve(db, now, *phones: str) -> list[int]:
    """Approve the offers of these numbers, and forget the SMS that tell them so."""
    demo = row(db, "SELECT id FROM coordinators ORDER BY id")["id"]
    offers = [offer_of(db, phone) for phone in phones]
    for offer_id in offers:
        decide_offer(db, offer_id, "approve", coordinator_id=demo, now=now)
    db.execute("DELETE FROM messages")
    return offers


def outbox(db) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE direction = 'out' ORDER BY id")


def notified(app, text: str) -> bool:
    # What an action did is said on the pane's status line, not in a toast.
    return any(text in str(line.render()) for line in app.screen.query(".pane-status.-shown"))


async def open_needs(visitor) -> None:
    """Press 8, as the help line says, and wait for the list."""
    await visitor.press("8")
    pane = visitor.one("#needs-pane")
    await visitor.until(lambda: visitor.one("#tabs").active == "tab-needs" and pane.items)
    await visitor.settle()


async def choose(visitor, need_id: int) -> None:
    """Put the cursor on the need, as the arrow keys would, and let its details load."""
    pane = visitor.one("#needs-pane")
    await visitor.until(lambda: need_id in [need["id"] for need in pane.items])
    visitor.one("#needs-table").move_cursor(
        row=[need["id"] for need in pane.items].index(need_id))
    await visitor.settle()


async def test_the_tab_lists_waiting_needs_oldest_first_and_reading_one_opens_it(
        coordinator_session, demo_db):
    lift, repair, trailer = (need_of(demo_db, phone) for phone in (LIFT, REPAIR, TRAILER))
    async with coordinator_session(size=(80, 24)) as visitor:
        app = visitor.app
        _ = app._
        await open_needs(visitor)
        table = visitor.one("#needs-table")
        assert app.screen.focused is table
        assert [need["id"] for need in visitor.one("#needs-pane").items] == [
            lift, repair, trailer]
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[1:5] == ["Langeskov", _("A lift"), _("Open"), ""]
        assert first[5].startswith("I need a lift to Odense")
        assert str(table.get_row_at(1)[3]) == _("New")
        assert visitor.text("#needs-count") == app.ngettext(
            "{n} need waiting for a hand", "{n} needs waiting for a hand", 3).format(n=3)
        # The cursor's need was read: it is open, in Anna's name; the others still new.
        assert [get_need(demo_db, n)["status"] for n in (lift, repair, trailer)] == [
            "open", "new", "new"]
        assert rows(demo_db, "SELECT coordinator_id, record_id FROM audit"
                             " WHERE action = 'need_open'") == [
            {"coordinator_id": app.coordinator["id"], "record_id": lift}]
        assert visitor.text("#keys").startswith(
            _("i introduce to an offer · Tab the details, ↑↓ scroll · g refresh"))
        await visitor.press("down")
        await visitor.until(lambda: get_need(demo_db, repair)["status"] == "open")
        await visitor.until(lambda: str(table.get_row_at(1)[3]) == _("Open"))
        assert all(len(line) <= 80 for line in visitor.screen_text().splitlines())


async def test_the_details_show_the_citizens_words_its_introductions_and_what_fits(
        coordinator_session, demo_db, now):
    driver, carpenter = approve(demo_db, now, DRIVER, CARPENTER)
    asker = find_contact(demo_db, "+4520110909")
    words = "[@click=app.quit]kørsel[/] til Odense, gerne \x1b[31mtorsdag\x1b[0m"
    need = record_need(demo_db, contact_id=asker["id"], description=words, channel="sms",
                       now=now, category="transport", town="Langeskov", needed_when="[b]snart")
    anna_before = row(demo_db, "SELECT id FROM coordinators ORDER BY id")["id"]
    earlier = introducing.propose(demo_db, need, carpenter, coordinator_id=anna_before, now=now)
    introducing.answer(demo_db, earlier, "offer", False, name=None, now=now)
    async with coordinator_session() as visitor:
        app = visitor.app
        _ = app._
        await open_needs(visitor)
        await choose(visitor, need)
        detail = visitor.text("#needs-detail")
        assert "[@click=app.quit]kørsel[/] til Odense, gerne torsdag" in detail
        assert "\x1b" not in detail and app.screen.id == "coordinator"
        assert _("Need no. {id}").format(id=need) in detail
        assert f"{_('When')}: [b]snart" in detail
        assert f"{_('Language')}: {language_name_in('da', app.locale)}" in detail
        assert (f"{_('no. {id}').format(id=earlier)}" in detail
                and f"{_('Declined')}: {_('the one who offers said no')}" in detail)
        assert f"{_('Offer no. {id}').format(id=driver)} · Langeskov · {_('A lift')}" in detail
        assert _("Fits: {reasons}.").format(reasons=", ".join([
            _("same town"), _("same kind"),
            _("shared words: {words}").format(words="odense")])) in detail
        # The carpenter fits in nothing, and says so.
        assert _("Fits: no town, kind or words in common.") in detail


async def test_introducing_queues_exactly_the_two_sms_the_confirmation_showed(
        coordinator_session, demo_db, now):
    driver, carpenter = approve(demo_db, now, DRIVER, CARPENTER)
    lift = need_of(demo_db, LIFT)
    async with coordinator_session(size=(80, 24)) as visitor:
        app = visitor.app
        _ = app._
        await open_needs(visitor)
        await choose(visitor, lift)
        await visitor.press("i")
        await visitor.until(lambda: app.screen.id == "pick")
        picker = visitor.one("#pick-list")
        shown = [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]
        assert shown[0].startswith(_("Offer no. {id}").format(id=driver))  # the best fit first
        await visitor.press("down", "enter")  # the carpenter, who reads Danish
        await visitor.until(lambda: app.screen.id == "confirm")
        assert visitor.text("#confirm-question") == _(
            "Introduce need no. {need} to offer no. {offer}?").format(need=lift, offer=carpenter)
        details = visitor.text("#confirm-details")
        await visitor.press("enter")  # Send
        await visitor.until(lambda: len(outbox(demo_db)) == 2)
        await visitor.until(lambda: notified(app, _(
            "Introduction no. {id}: both are asked by SMS. Their numbers are shared only "
            "when both say yes.").format(id=1)))
        table = visitor.one("#needs-table")
        await visitor.until(lambda: str(table.get_row_at(0)[4]) == "✓")
    to_need, to_offer = outbox(demo_db)
    assert (to_need["phone"], to_offer["phone"]) == (LIFT, CARPENTER)
    for heading, sms, language in (
            (_("To the one who needs help, by SMS in {language} ({size}):"), to_need, "en"),
            (_("To the one who offers, by SMS in {language} ({size}):"), to_offer, "da")):
        size = app.ngettext("{n} SMS segment", "{n} SMS segments",
                            sms["segments"]).format(n=sms["segments"])
        said = heading.format(language=language_name_in(language, app.locale), size=size)
        assert f"{said}\n{sms['body']}" in details
    assert to_need["body"] != to_offer["body"] and "YES 1" in to_need["body"]
    introduction = row(demo_db, "SELECT * FROM introductions")
    assert (introduction["need_id"], introduction["offer_id"]) == (lift, carpenter)
    assert row(demo_db, "SELECT coordinator_id FROM audit WHERE action = 'propose_introduction'"
                        " AND record_id = ?", (introduction["id"],))["coordinator_id"] == \
        app.coordinator["id"]


async def test_a_problem_is_said_in_plain_words_and_nothing_is_sent(
        coordinator_session, demo_db, now):
    driver, carpenter = approve(demo_db, now, DRIVER, CARPENTER)
    lift, repair = need_of(demo_db, LIFT), need_of(demo_db, REPAIR)
    demo = row(demo_db, "SELECT id FROM coordinators ORDER BY id")["id"]
    introducing.propose(demo_db, lift, driver, coordinator_id=demo, now=now)
    async with coordinator_session() as visitor:
        app = visitor.app
        _ = app._
        await open_needs(visitor)
        await choose(visitor, lift)
        await visitor.press("i")
        waiting = _(PROBLEMS["already_waiting"])
        await visitor.until(lambda: notified(app, waiting.format(need=lift)))
        assert app.screen.id == "coordinator"  # no dialog: nothing to choose
        assert len(outbox(demo_db)) == 2

        # Someone else introduces the repair while this coordinator reads the SMS.
        await choose(visitor, repair)
        await visitor.press("i")
        await visitor.until(lambda: app.screen.id == "pick")
        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "confirm")
        introducing.propose(demo_db, repair, carpenter, coordinator_id=demo, now=now)
        await visitor.press("enter")  # Send
        await visitor.until(lambda: notified(app, waiting.format(need=repair)))
        await visitor.settle()
    assert len(outbox(demo_db)) == 4  # only the two introductions made by the service
    assert row(demo_db, "SELECT count(*) AS n FROM introductions")["n"] == 2


async def test_texts_that_would_change_after_the_preview_are_not_sent(
        coordinator_session, demo_db, now):
    driver, carpenter = approve(demo_db, now, DRIVER, CARPENTER)
    lift, repair = need_of(demo_db, LIFT), need_of(demo_db, REPAIR)
    demo = row(demo_db, "SELECT id FROM coordinators ORDER BY id")["id"]
    async with coordinator_session() as visitor:
        app = visitor.app
        await open_needs(visitor)
        await choose(visitor, lift)
        await visitor.press("i")
        await visitor.until(lambda: app.screen.id == "pick")
        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "confirm")
        # Another introduction takes the reference number the preview shows.
        introducing.propose(demo_db, repair, carpenter, coordinator_id=demo, now=now)
        await visitor.press("enter")
        await visitor.until(lambda: notified(app, app._(PROBLEMS["changed"])))
        await visitor.settle()
    assert [m["phone"] for m in outbox(demo_db)] == [REPAIR, CARPENTER]
