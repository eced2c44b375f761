"""The offer review queue in coordinator mode: decisions, the citizen's SMS, the audit."""

from __future__ import annotations

import pytest

from shared.communities import get_community
from shared.contacts import find_contact, opt_out
from shared.db import row, rows
from shared.offers import get_offer, record_offer
from shared.replies import Reply, render_reply
from shared.services.coordinator import decide_offer

pytestmark = pytest.mark.asyncio

# Citizens' text that Textual would run as an action, crash on, link, or colour.
HOSTILE = ["[@click=app.quit]x", "[/x]", "[link=http://x]y[/link]", "\x1b[31mrød\x1b[0m farve"]


def offer_of(db, phone: str) -> int:
    return row(db, "SELECT o.id FROM offers o JOIN contacts c ON c.id = o.contact_id"
                   " WHERE c.phone = ?", (phone,))["id"]


def outbox(db) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE direction = 'out' ORDER BY id")


def notified(app, text: str) -> bool:
    """Tell whether a pane's status line says text now (it says so there, not in a toast)."""
    return any(text in str(line.render()) for line in app.screen.query(".pane-status.-shown"))


def sms_queued(app, in_language: str) -> str:
    return app._("SMS queued to the citizen {in_language}.").format(
        in_language=app._(in_language))


async def choose(visitor, offer_id: int) -> None:
    """Put the cursor on the offer, as the arrow keys would."""
    pane = visitor.one("#offers-pane")
    await visitor.until(lambda: offer_id in [offer["id"] for offer in pane.offers])
    visitor.one("#offers-table").move_cursor(
        row=[offer["id"] for offer in pane.offers].index(offer_id))
    await visitor.pilot.pause()


async def approve(visitor) -> None:
    """Press a, see the SMS it sends, and confirm."""
    await visitor.press("a")
    await visitor.until(lambda: visitor.app.screen.id == "confirm")
    await visitor.press("enter")


async def decided(visitor, db, offer_id: int, status: str, note: str) -> None:
    await visitor.until(lambda: get_offer(db, offer_id)["status"] == status)
    await visitor.until(lambda: notified(visitor.app, note))


async def test_approve_queues_an_sms_in_the_citizens_language_and_audits(
        coordinator_session, demo_db):
    english = offer_of(demo_db, "+4520110303")
    danish = offer_of(demo_db, "+4520110101")
    async with coordinator_session() as visitor:
        app = visitor.app
        anna = app.coordinator["id"]
        assert app.screen.focused is visitor.one("#offers-table")
        await choose(visitor, english)
        await approve(visitor)
        await decided(visitor, demo_db, english, "approved", sms_queued(app, "in English"))
        await choose(visitor, danish)
        await approve(visitor)
        await decided(visitor, demo_db, danish, "approved", sms_queued(app, "in Danish"))
        # Approved offers leave the review queue.
        assert english not in [offer["id"] for offer in visitor.one("#offers-pane").offers]
    first, second = outbox(demo_db)
    assert (first["phone"], first["kind"], first["status"]) == ("+4520110303", "notice", "queued")
    assert first["body"] == render_reply(Reply("offer_approved", {"id": english}), "en")
    assert second["phone"] == "+4520110101"
    assert second["body"] == render_reply(Reply("offer_approved", {"id": danish}), "da")
    assert first["body"] != render_reply(Reply("offer_approved", {"id": english}), "da")
    audit = rows(demo_db, "SELECT * FROM audit WHERE action = 'offer_approve' ORDER BY id")
    assert [(a["record_id"], a["coordinator_id"]) for a in audit] == [(english, anna),
                                                                      (danish, anna)]
    assert get_offer(demo_db, english)["reviewer_id"] == anna


async def test_ask_for_information_sends_the_question(coordinator_session, demo_db):
    offer_id = offer_of(demo_db, "+4520110404")
    question = "Hvilke dage kan du hjælpe?"
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, offer_id)
        await visitor.press("i")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.press("enter")  # no question yet: refused, the dialog stays
        assert app._("Write the question first.") in visitor.text("#message-problem")
        await visitor.type(question)
        assert "GSM-7" in visitor.text("#message-counter")
        await visitor.press("enter")
        await decided(visitor, demo_db, offer_id, "needs_info", sms_queued(app, "in Danish"))
        # Still in the queue, now waiting for the citizen's answer.
        assert app._("Needs info") in visitor.screen_text()
    offer = get_offer(demo_db, offer_id)
    assert offer["review_note"] == question
    (sms,) = outbox(demo_db)
    assert question in sms["body"] and sms["phone"] == "+4520110404"
    # The citizen's next SMS is taken as the answer.
    conversation = row(demo_db, "SELECT * FROM conversations WHERE contact_id = ?",
                       (offer["contact_id"],))
    assert (conversation["flow"], conversation["step"]) == ("offer", "info")


async def test_reject_with_a_reason_and_cancel_changes_nothing(coordinator_session, demo_db):
    offer_id = offer_of(demo_db, "+4520110808")
    reason = "Vi har ikke brug for lokaler lige nu."
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, offer_id)
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.press("escape")
        await visitor.until(lambda: app.screen.id == "coordinator")
        assert get_offer(demo_db, offer_id)["status"] == "pending"
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.type(reason)
        await visitor.press("enter")
        await decided(visitor, demo_db, offer_id, "rejected", sms_queued(app, "in Danish"))
    (sms,) = outbox(demo_db)
    assert reason in sms["body"]
    assert row(demo_db, "SELECT count(*) AS n FROM audit WHERE action = 'offer_reject'")["n"] == 1


async def test_match_with_a_community_chosen_by_typing(coordinator_session, demo_db):
    offer_id = offer_of(demo_db, "+4520110909")
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, offer_id)
        await visitor.press("m")
        await visitor.until(lambda: app.screen.id == "community-picker")
        # The offer's own town (Martofte) comes first.
        assert visitor.one("#community-list").get_option_at_index(0).id == "RENKYST"
        await visitor.type("lekt")
        await visitor.press("enter")
        await visitor.until(lambda: app.screen.id == "confirm")
        assert "LEKTIE" in visitor.text("#confirm-question")
        await visitor.press("enter")
        await decided(visitor, demo_db, offer_id, "matched", sms_queued(app, "in Danish"))
    offer = get_offer(demo_db, offer_id)
    community = get_community(demo_db, "LEKTIE")
    assert offer["community_id"] == community["id"]
    (sms,) = outbox(demo_db)
    assert community["name"] in sms["body"]


async def test_no_sms_to_an_opted_out_citizen_or_without_a_number(
        coordinator_session, demo_db, now):
    stopped = offer_of(demo_db, "+4520110101")
    opt_out(demo_db, find_contact(demo_db, "+4520110101")["id"], now=now)
    anonymous = row(demo_db, "SELECT id FROM offers WHERE contact_id IS NULL")["id"]
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, stopped)
        assert app._("No SMS: the citizen has opted out.") in visitor.screen_text()
        await approve(visitor)
        await decided(visitor, demo_db, stopped, "approved",
                      app._("No SMS: the citizen has opted out."))
        await choose(visitor, anonymous)
        await approve(visitor)
        await decided(visitor, demo_db, anonymous, "approved", app._("No SMS: no number."))
    assert outbox(demo_db) == []


async def test_an_illegal_decision_changes_nothing(coordinator_session, demo_db, now):
    offer_id = offer_of(demo_db, "+4520110404")
    decide_offer(demo_db, offer_id, "approve", coordinator_id=None, now=now)
    before = (outbox(demo_db), rows(demo_db, "SELECT * FROM audit"))
    async with coordinator_session() as visitor:
        app = visitor.app
        visitor.one("#offers-status").value = "approved"
        pane = visitor.one("#offers-pane")
        await visitor.until(lambda: [offer["id"] for offer in pane.offers] == [offer_id])
        assert [offer["id"] for offer in visitor.one("#offers-pane").offers] == [offer_id]
        visitor.one("#offers-table").focus()
        await visitor.press("a")
        await visitor.until(lambda: notified(app, app._(
            "Nothing changed: offer no. {id} is “{status}” and cannot be approved.").format(
            id=offer_id, status=app._("Approved"))))
        await visitor.press("i")
        assert app.screen.id == "coordinator"  # no dialog for a question it cannot take
        await visitor.until(lambda: notified(app, app._(
            "Nothing changed: offer no. {id} is “{status}”, so you cannot ask about it.").format(
            id=offer_id, status=app._("Approved"))))
        assert app.is_running
    assert get_offer(demo_db, offer_id)["status"] == "approved"
    assert (outbox(demo_db), rows(demo_db, "SELECT * FROM audit WHERE action != 'login'"
                                  " AND action != 'logout'")) == (before[0], before[1])


async def test_a_decision_someone_else_made_meanwhile_wins(coordinator_session, demo_db, now):
    offer_id = offer_of(demo_db, "+4520110909")
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, offer_id)
        # Another coordinator rejects it while this table still shows it pending:
        # the service refuses, and the pane says so.
        decide_offer(demo_db, offer_id, "reject", coordinator_id=None, now=now)
        await approve(visitor)
        await visitor.until(lambda: notified(app, app._(
            "Nothing changed: offer no. {id} is “{status}” and cannot be approved.").format(
            id=offer_id, status=app._("Rejected"))))
        assert offer_id not in [offer["id"] for offer in visitor.one("#offers-pane").offers]
    assert get_offer(demo_db, offer_id)["status"] == "rejected"
    assert [m["body"] for m in outbox(demo_db)] == [render_reply(
        Reply("offer_rejected", {"id": offer_id, "reason": ""}), "da")]
    assert row(demo_db, "SELECT count(*) AS n FROM audit WHERE action = 'offer_approve'")["n"] == 0


async def test_an_empty_queue_says_so_kindly(coordinator_session, demo_db):
    demo_db.execute("UPDATE offers SET status = 'withdrawn'")
    async with coordinator_session() as visitor:
        app = visitor.app
        await visitor.until(lambda: app._("Nothing to review. Every offer has an answer. "
                                          "Thank you!") in visitor.screen_text())
        await visitor.press("a", "m")  # nothing under the cursor: nothing happens
        assert app.screen.id == "coordinator"


async def test_citizen_text_is_shown_literally(coordinator_session, demo_db, now):
    ids = [record_offer(demo_db, description=text, town="[/town]", channel="kiosk",
                        location="[b]kiosk", now=now) for text in HOSTILE]
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, ids[-1])
        table = visitor.screen_text()
        for piece in ("[@click=app.quit]x", "[/x]", "[link=http://x]y[/link]", "rød farve",
                      "[/town]"):
            assert piece in table
        assert "\x1b" not in table
        for offer_id, shown in zip(ids, ("[@click=app.quit]x", "[/x]", "[link=http://x]y[/link]",
                                         "rød farve")):
            await choose(visitor, offer_id)
            await visitor.until(lambda: shown in visitor.text("#offers-detail"))
        await choose(visitor, ids[0])
        await visitor.tap("#offers-detail")  # where a parsed [@click] would quit
        await approve(visitor)
        await decided(visitor, demo_db, ids[0], "approved", app._("No SMS: no number."))
        assert app.is_running and app.return_code is None


async def test_a_stray_a_sends_nothing_until_confirmed(coordinator_session, demo_db):
    offer_id = offer_of(demo_db, "+4520110303")
    async with coordinator_session() as visitor:
        app = visitor.app
        await choose(visitor, offer_id)
        await visitor.press("a")
        await visitor.until(lambda: app.screen.id == "confirm")
        # The dialog shows the very SMS the citizen would get, in their language.
        shown = visitor.text("#confirm-details")
        assert render_reply(Reply("offer_approved", {"id": offer_id}), "en")[:40] in shown
        assert get_offer(demo_db, offer_id)["status"] == "pending"
        assert outbox(demo_db) == []
        await visitor.press("escape")
        await visitor.until(lambda: app.screen.id == "coordinator")
    assert get_offer(demo_db, offer_id)["status"] == "pending"
    assert outbox(demo_db) == []
    assert row(demo_db, "SELECT count(*) AS n FROM audit WHERE action = 'offer_approve'")["n"] == 0


async def test_an_answered_question_is_marked_in_the_list_and_shown_first(
        coordinator_session, demo_db, now):
    from shared.services.sms import handle_inbound_sms

    offer_id = offer_of(demo_db, "+4520110101")
    question, answer = "Hvilke dage kan du gå?", "Tirsdag og torsdag formiddag."
    decide_offer(demo_db, offer_id, "ask", coordinator_id=None, note=question, now=now)
    handle_inbound_sms(demo_db, provider_id="SM" + "a" * 32, phone="+4520110101", body=answer,
                       now=now)
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await choose(visitor, offer_id)
        await visitor.until(lambda: answer in visitor.text("#offers-detail"))
        table = visitor.one("#offers-table")
        row_shown = [str(cell) for cell in table.get_row(str(offer_id))]
        assert "Svar modtaget" in row_shown and "Venter" not in row_shown
        drawn = visitor.screen_text()
        # Within the five lines the details show at 80x24, named for what they are.
        assert f"Spørgsmål til borgeren: {question}" in drawn
        assert f"Borgerens svar: {answer}" in drawn
        assert "Note:" not in drawn
    stored = get_offer(demo_db, offer_id)
    assert (stored["status"], stored["answer"]) == ("pending", answer)
    assert answer not in stored["description"]


async def test_what_a_decision_did_is_said_beside_the_details_not_over_them(
        coordinator_session, demo_db):
    english = offer_of(demo_db, "+4520110303")
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await choose(visitor, english)
        await approve(visitor)
        await decided(visitor, demo_db, english, "approved", sms_queued(app, "in English"))
        await visitor.settle()
        assert not app._notifications  # a toast would stand over the details for seconds
        said = visitor.one("#offers-notice")
        detail_box = visitor.one("#offers-detail").parent
        assert not said.region.overlaps(detail_box.region)
        assert app._("Offer no. {id} is approved.").format(id=english) in visitor.screen_text()
