"""Coordinator mode, People: find a contact, see and export their data, erase them."""

from __future__ import annotations

import json

import pytest

from shared.contacts import find_contact, touch_contact
from shared.db import row, rows
from shared.feedback import record_feedback
from shared.offers import record_offer

pytestmark = pytest.mark.asyncio

# Demo contact +4520110101: in STRIK and FODSLAW, one offer, one piece of feedback.
PHONE = "20 11 01 01"
OFFER = "Jeg kan gå en tur med en nabo, der ikke har lyst til at gå alene."
FEEDBACK = "Stien langs Kerteminde Fjord er blevet rigtig fin. Tak til dem, der har ryddet den."


async def open_people(visitor) -> None:
    visitor.one("#tabs").active = "tab-people"
    await visitor.until(lambda: visitor.app.screen.focused is visitor.one("#people-phone"))


async def find(visitor, phone: str) -> None:
    await open_people(visitor)
    visitor.one("#people-phone").focus()
    await visitor.type(phone)
    await visitor.press("enter")


def record(visitor) -> str:
    return visitor.text("#people-record")


def problem(visitor) -> str:
    return visitor.text("#people-problem")


def coordinator_id(visitor) -> int:
    return visitor.app.coordinator["id"]


async def test_finding_a_contact_shows_everything_about_them(coordinator_session, demo_db):
    async with coordinator_session() as k:
        await find(k, PHONE)
        await k.until(lambda: "STRIK" in record(k))
        shown = record(k)
        for expected in ("+4520110101", "STRIK", "FODSLAW", OFFER, FEEDBACK):
            assert expected in shown
        # Statuses, kinds and channels in the coordinator's language, not stored codes.
        app = k.app
        for code, word in (("pending", "Pending"), ("time", "Time"), ("sms", "SMS")):
            assert f"· {app._(word)} ·" in shown
        assert "· pending" not in shown and "· time ·" not in shown
        drawn = k.screen_text()
        assert "+4520110101" in drawn and "STRIK" in drawn
    contact = find_contact(demo_db, PHONE)
    viewed = rows(demo_db, "SELECT * FROM audit WHERE action = 'access_view'")
    assert [(v["record_kind"], v["record_id"], v["coordinator_id"]) for v in viewed] == [
        ("contact", contact["id"], coordinator_id(k))]
    assert viewed[0]["actor"] == f"coordinator:{coordinator_id(k)}"


async def test_the_record_shows_needs_inbox_texts_and_leading(coordinator_session, demo_db):
    from shared.clock import utcnow
    from shared.leaders import add_leader
    from shared.needs import record_need
    from shared.unsorted import record_unsorted

    contact = find_contact(demo_db, PHONE)
    now = utcnow()
    record_need(demo_db, contact_id=contact["id"], description="Hjælp til at bære en sofa",
                category="time", town="Munkebo", needed_when="lørdag formiddag",
                channel="sms", now=now)
    record_unsorted(demo_db, contact_id=contact["id"], message_id=None,
                    text="Er der nogen der vil spille kort om torsdagen", language="da", now=now)
    add_leader(demo_db, "STRIK", contact["id"], "Birthe", now=now)
    async with coordinator_session() as k:
        _ = k.app._
        await find(k, PHONE)
        await k.until(lambda: "sofa" in record(k))
        shown = record(k)
        for expected in ("Hjælp til at bære en sofa", _("When: {schedule}").format(
                schedule="lørdag formiddag"), "Er der nogen der vil spille kort om torsdagen",
                f"{_('Leader')} · STRIK · Birthe", f"{_('Needs')} (1)", f"{_('Inbox')} (1)"):
            assert expected in shown, expected


async def test_an_invalid_number_and_an_unknown_number_are_explained(coordinator_session,
                                                                     demo_db):
    async with coordinator_session() as k:
        _ = k.app._
        await find(k, "123")
        await k.until(lambda: problem(k) != "")
        assert problem(k) == _("That is not a valid phone number. Please check it.")
        assert record(k) == ""
        k.one("#people-phone").value = ""
        await find(k, "20 99 99 99")
        await k.until(lambda: problem(k) == _("No one with that number."))
        assert record(k) == ""
        assert k.one("#people-export").disabled and k.one("#people-erase").disabled
    assert row(demo_db, "SELECT * FROM audit WHERE action = 'access_view'") is None


async def test_export_writes_their_data_to_a_json_file(coordinator_session, demo_db, db_path):
    folder = db_path.parent / "exports"
    async with coordinator_session() as k:
        await find(k, PHONE)
        await k.until(lambda: "STRIK" in record(k))
        await k.press("x")
        await k.until(lambda: folder.exists() and any(folder.iterdir()))
    contact = find_contact(demo_db, PHONE)
    [path] = folder.iterdir()
    assert path.name.startswith(f"contact-{contact['id']}-") and path.suffix == ".json"
    assert "20110101" not in path.name
    assert path.stat().st_mode & 0o077 == 0  # personal data: the owner's eyes only
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["contact"]["phone"] == "+4520110101"
    assert [o["description"] for o in data["offers"]] == [OFFER]
    assert [f["text"] for f in data["feedback"]] == [FEEDBACK]
    assert len(data["memberships"]) == 2
    exported = row(demo_db, "SELECT * FROM audit WHERE action = 'access_export'")
    assert (exported["record_id"], exported["coordinator_id"]) == (contact["id"],
                                                                   coordinator_id(k))


async def test_erase_asks_for_the_last_digits_then_erases_everything(coordinator_session,
                                                                     demo_db):
    contact = find_contact(demo_db, PHONE)
    async with coordinator_session() as k:
        await find(k, PHONE)
        await k.until(lambda: "STRIK" in record(k))
        await k.tap("#people-erase")
        await k.until(lambda: k.app.screen.id == "confirm")
        await k.type("9999")
        await k.press("enter")
        assert k.app.screen.id == "confirm"
        assert find_contact(demo_db, PHONE) is not None
        k.one("#confirm-typed").value = ""
        await k.type("0101")
        await k.tap("#confirm-yes")
        await k.until(lambda: k.app.screen.id == "coordinator" and record(k) == "")
        await k.until(lambda: find_contact(demo_db, PHONE) is None)
        assert k.one("#people-erase").disabled
    for table in ("memberships", "offers", "feedback", "messages", "conversations"):
        assert row(demo_db, f"SELECT 1 FROM {table} WHERE contact_id = ?",
                   (contact["id"],)) is None, table
    assert row(demo_db, "SELECT 1 FROM offers WHERE description = ?", (OFFER,)) is None
    erased = row(demo_db, "SELECT * FROM audit WHERE action = 'erase_contact'")
    assert erased["actor"] == f"coordinator:{coordinator_id(k)}"
    assert (erased["record_kind"], erased["record_id"]) == ("contact", contact["id"])
    confirmed = row(demo_db, "SELECT * FROM audit WHERE action = 'erase_confirmed'")
    assert (confirmed["record_id"], confirmed["coordinator_id"]) == (contact["id"],
                                                                     coordinator_id(k))


async def test_cancelling_the_erase_keeps_the_contact(coordinator_session, demo_db):
    async with coordinator_session() as k:
        await find(k, PHONE)
        await k.until(lambda: "STRIK" in record(k))
        await k.tap("#people-erase")
        await k.until(lambda: k.app.screen.id == "confirm")
        await k.tap("#confirm-no")
        await k.until(lambda: k.app.screen.id == "coordinator")
        assert "STRIK" in record(k)
    assert find_contact(demo_db, PHONE) is not None
    assert row(demo_db, "SELECT 1 FROM audit WHERE action LIKE 'erase%'") is None


async def test_citizen_text_with_markup_shows_literally(coordinator_session, demo_db, now):
    contact = touch_contact(demo_db, "20 33 44 55", now=now)
    record_offer(demo_db, contact_id=contact["id"], description="[@click=app.quit]x",
                 channel="sms", now=now)
    record_feedback(demo_db, contact_id=contact["id"], kind="ris", text="[/x]", channel="sms",
                    now=now)
    async with coordinator_session() as k:
        await find(k, "20 33 44 55")
        await k.until(lambda: "[/x]" in record(k))
        drawn = k.screen_text()
        assert "[@click=app.quit]x" in drawn and "[/x]" in drawn
        await k.tap("#people-record")  # where a parsed [@click] would quit
        await k.pilot.pause()
        assert k.app.is_running and k.app.return_code is None
