"""Feedback in coordinator mode: filters, marks, answers by SMS and the live SMS counter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.db import row, rows
from shared.feedback import get_feedback, record_feedback
from shared.replies import Reply, render_reply
from shared.sms_text import measure

pytestmark = pytest.mark.asyncio

HOSTILE = ["[@click=app.quit]x", "[/x]", "[link=http://x]y[/link]",
           "\x1b]8;;http://evil\x07link\x1b]8;;\x07 og \x1b[31mrød\x1b[0m"]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, now):
    """Count 'today' and 'last 7 days' from the demo's fixed NOW, not the real clock."""
    monkeypatch.setattr("kiosk.coordinator.feedback_pane.utcnow", lambda: now)


def feedback_of(db, phone: str | None, kind: str | None = None) -> int:
    if phone is None:
        return row(db, "SELECT id FROM feedback WHERE contact_id IS NULL AND kind = ?"
                       " ORDER BY id", (kind,))["id"]
    return row(db, "SELECT f.id FROM feedback f JOIN contacts c ON c.id = f.contact_id"
                   " WHERE c.phone = ?", (phone,))["id"]


def outbox(db) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE direction = 'out' ORDER BY id")


def notified(app, text: str) -> bool:
    """Tell whether a pane's status line says text now (it says so there, not in a toast)."""
    return any(text in str(line.render()) for line in app.screen.query(".pane-status.-shown"))


async def open_feedback(visitor) -> None:
    visitor.one("#tabs").active = "tab-feedback"
    await visitor.pilot.pause()
    visitor.one("#feedback-table").focus()
    await visitor.settle()


async def choose(visitor, feedback_id: int) -> None:
    """Put the cursor on the feedback, as the arrow keys would."""
    pane = visitor.one("#feedback-pane")
    await visitor.until(lambda: feedback_id in [item["id"] for item in pane.items])
    visitor.one("#feedback-table").move_cursor(
        row=[item["id"] for item in pane.items].index(feedback_id))
    await visitor.settle()


async def filtered(visitor, **values) -> int:
    for name, value in values.items():
        visitor.one(f"#feedback-{name}").value = value
    await visitor.settle()
    return visitor.one("#feedback-table").row_count


async def test_filters_narrow_the_table(coordinator_session, demo_db, now):
    record_feedback(demo_db, kind="ros", text="Dejlig morgen i Munkebo.", town="Munkebo",
                    channel="kiosk", now=now - timedelta(hours=1))
    async with coordinator_session() as visitor:
        await open_feedback(visitor)
        assert visitor.one("#feedback-table").row_count == 8
        # Newest first.
        assert visitor.one("#feedback-pane").items[0]["text"] == "Dejlig morgen i Munkebo."
        await visitor.press("f")
        assert visitor.app.screen.focused is visitor.one("#feedback-kind")
        assert await filtered(visitor, kind="ros") == 3
        assert await filtered(visitor, kind="ris") == 2
        assert await filtered(visitor, kind="ide") == 3
        assert await filtered(visitor, town="Kerteminde") == 2
        assert await filtered(visitor, kind="all", town="Langeskov") == 2
        assert await filtered(visitor, town="all", status="new") == 8
        assert await filtered(visitor, status="answered") == 0
        assert visitor.app._("No feedback matches these filters.") in visitor.screen_text()
        assert await filtered(visitor, status="open", since="today") == 1
        assert await filtered(visitor, since="7") == 7
        assert await filtered(visitor, since="30") == 8


async def test_mark_read_and_archive(coordinator_session, demo_db):
    feedback_id = feedback_of(demo_db, "+4520110101")
    async with coordinator_session() as visitor:
        app = visitor.app
        await open_feedback(visitor)
        await choose(visitor, feedback_id)
        await visitor.press("d")
        await visitor.until(lambda: get_feedback(demo_db, feedback_id)["status"] == "read")
        await visitor.until(lambda: notified(app, app._(
            "Feedback no. {id} is marked as read.").format(id=feedback_id)))
        assert visitor.one("#feedback-pane").current()["id"] == feedback_id
        await visitor.press("e")
        await visitor.until(lambda: get_feedback(demo_db, feedback_id)["status"] == "archived")
        # Archived feedback leaves the default list.
        await visitor.until(lambda: visitor.one("#feedback-table").row_count == 6)
        # Shown again, it cannot be marked or answered any more: nothing changes.
        assert await filtered(visitor, status="archived") == 1
        await visitor.press("d", "r")
        assert app.screen.id == "coordinator"
        await visitor.until(lambda: notified(app, app._(
            "Nothing changed: feedback no. {id} is “{status}”.").format(
            id=feedback_id, status=app._("Archived"))))
    assert get_feedback(demo_db, feedback_id)["status"] == "archived"
    actions = [a["action"] for a in rows(demo_db, "SELECT * FROM audit WHERE record_id = ?"
                                         " AND record_kind = 'feedback' ORDER BY id",
                                         (feedback_id,))]
    assert actions == ["feedback_read", "feedback_archived"]


async def test_reply_by_sms_to_a_contact_and_stored_for_anonymous(coordinator_session, demo_db):
    danish = feedback_of(demo_db, "+4520110101")
    anonymous = feedback_of(demo_db, None, "ros")
    answer = "Tak for din ros! Vi siger det videre til dem, der ryddede stien."
    async with coordinator_session() as visitor:
        app = visitor.app
        anna = app.coordinator["id"]
        await open_feedback(visitor)
        await choose(visitor, danish)
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.press("ctrl+s")  # nothing written yet: refused
        await visitor.settle()
        assert app._("Write an answer first.") in visitor.text("#message-problem")
        await visitor.type(answer)
        await visitor.press("ctrl+s")
        await visitor.until(lambda: get_feedback(demo_db, danish)["status"] == "answered")
        await visitor.until(lambda: notified(app, app._(
            "SMS queued to the citizen {in_language}.").format(in_language=app._("in Danish"))))
        assert answer[:40] in visitor.text("#feedback-detail")

        await choose(visitor, anonymous)
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        await visitor.settle()
        assert app._("No SMS: no number.") in visitor.screen_text()
        await visitor.type("Tak!")
        await visitor.press("ctrl+s")
        await visitor.until(lambda: get_feedback(demo_db, anonymous)["status"] == "answered")
        await visitor.until(lambda: notified(app, app._("No SMS: anonymous.")))
    stored = get_feedback(demo_db, danish)
    assert (stored["reply"], stored["replied_by"]) == (answer, anna)
    assert get_feedback(demo_db, anonymous)["reply"] == "Tak!"
    (sms,) = outbox(demo_db)
    assert (sms["phone"], sms["kind"]) == ("+4520110101", "notice")
    assert sms["body"] == render_reply(Reply("feedback_answer", {"answer": answer}), "da")
    assert sms["body"].startswith("Svar fra Fælles: ")


async def test_live_counter_shows_encoding_and_segments_and_refuses_too_long(
        coordinator_session, demo_db):
    english = feedback_of(demo_db, "+4520110707")

    def size(answer: str):
        return measure(render_reply(Reply("feedback_answer", {"answer": answer}), "en"))

    async with coordinator_session() as visitor:
        app = visitor.app
        await open_feedback(visitor)
        await choose(visitor, english)
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        counter = lambda: visitor.text("#message-counter")  # noqa: E731
        await visitor.type("Hi")
        await visitor.settle()
        assert "GSM-7" in counter() and size("Hi").segments == 1
        assert app.ngettext("{n} SMS segment", "{n} SMS segments", 1).format(n=1) in counter()
        await visitor.type(" 😀")
        await visitor.settle()
        assert "UCS-2" in counter()
        text_area = visitor.one("#message-text")
        text_area.insert("x" * 150)
        await visitor.settle()
        segments = size("Hi 😀" + "x" * 150).segments
        assert segments == 3
        assert app.ngettext("{n} SMS segment", "{n} SMS segments", 3).format(n=3) in counter()
        assert app._("Too long: at most {n} SMS segments. Please shorten it.").format(n=2) \
            in counter()
        await visitor.press("ctrl+s")  # refused: the SMS would be cut
        await visitor.settle()
        assert app.screen.id == "message-dialog"
        assert get_feedback(demo_db, english)["status"] == "new"
        long_gsm = "Thank you for the idea. " * 11  # within 2 GSM-7 segments
        text_area.clear()
        text_area.insert(long_gsm)
        await visitor.settle()
        assert "GSM-7" in counter() and size(long_gsm.strip()).segments == 2
        assert app.ngettext("{n} SMS segment", "{n} SMS segments", 2).format(n=2) in counter()
        await visitor.press("ctrl+s")
        await visitor.until(lambda: get_feedback(demo_db, english)["status"] == "answered")
    (sms,) = outbox(demo_db)
    assert sms["body"].startswith("Answer from Fælles: Thank you for the idea.")
    assert (sms["encoding"], sms["segments"]) == ("GSM-7", 2)


async def test_an_sms_too_long_is_said_once(coordinator_session, demo_db):
    danish = feedback_of(demo_db, "+4520110101")
    async with coordinator_session(size=(80, 24), locale="da") as visitor:
        app = visitor.app
        await open_feedback(visitor)
        await choose(visitor, danish)
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        visitor.one("#message-text").insert("Tak for din idé. " * 30)
        await visitor.settle()
        await visitor.press("ctrl+s")  # refused: the counter says why, and nothing else does
        await visitor.settle()
        assert app.screen.id == "message-dialog"
        lines = [line for line in visitor.screen_text().split("\n")
                 if "For langt" in line or "Gør det kortere" in line]
        assert len(lines) == 1, lines
        assert app.focused is visitor.one("#message-text")
    assert get_feedback(demo_db, danish)["status"] != "answered"


async def test_citizen_text_is_shown_literally(coordinator_session, demo_db, now):
    ids = [record_feedback(demo_db, kind="ris", text=text, town="[/town]", channel="sms",
                           now=now) for text in HOSTILE]
    async with coordinator_session() as visitor:
        app = visitor.app
        await open_feedback(visitor)
        assert await filtered(visitor, town="[/town]") == 4
        drawn = visitor.screen_text()
        for piece in ("[@click=app.quit]x", "[/x]", "[link=http://x]y[/link]", "link og rød",
                      "[/town]"):
            assert piece in drawn
        assert "\x1b" not in drawn and "evil" not in drawn
        for feedback_id, shown in zip(ids, ("[@click=app.quit]x", "[/x]",
                                            "[link=http://x]y[/link]", "link og rød")):
            await choose(visitor, feedback_id)
            assert shown in visitor.text("#feedback-detail")
        await choose(visitor, ids[0])
        await visitor.tap("#feedback-detail")  # where a parsed [@click] would quit
        await visitor.press("r")
        await visitor.until(lambda: app.screen.id == "message-dialog")
        assert "[@click=app.quit]x" in visitor.screen_text()
        await visitor.tap("#message-original")
        await visitor.press("escape")
        await visitor.until(lambda: app.screen.id == "coordinator")
        assert app.is_running and app.return_code is None


async def test_q_chooses_feedback_for_the_report_and_back(coordinator_session, demo_db):
    feedback_id = feedback_of(demo_db, None, "ros")
    async with coordinator_session() as visitor:
        app = visitor.app
        await open_feedback(visitor)
        await choose(visitor, feedback_id)
        assert app._("Quoted in the monthly report") not in visitor.text("#feedback-detail")
        await visitor.press("q")
        await visitor.until(lambda: get_feedback(demo_db, feedback_id)["for_report"] == 1)
        await visitor.until(lambda: notified(app, app._(
            "Feedback no. {id} will be quoted in the report, without name or number.").format(
            id=feedback_id)))
        await visitor.until(lambda: app._("Quoted in the monthly report, without name or "
                                          "number.") in visitor.text("#feedback-detail"))
        await visitor.press("q")
        await visitor.until(lambda: get_feedback(demo_db, feedback_id)["for_report"] == 0)
    # Choosing changes nothing else about the feedback, and each choice is audited.
    assert get_feedback(demo_db, feedback_id)["status"] == "new"
    actions = [r["action"] for r in rows(demo_db, "SELECT action FROM audit WHERE"
                                                  " record_kind = 'feedback' ORDER BY id")]
    assert actions == ["feedback_quote", "feedback_unquote"]
