"""The kiosk's services: asking for a hand with a number proven at the kiosk."""

from __future__ import annotations

import pytest

from shared.db import row, rows
from shared.replies import Reply, render_reply
from shared.services.kiosk import submit_need_with_proven_number
from shared.verification import CannotText

PHONE = "+4520123456"
LOCATION = "Munkebo Bibliotek"


def ask(db, now, **given):
    need = dict(phone=PHONE, description="Jeg skal køres til lægen", category="transport",
                town="Munkebo", needed_when="torsdag formiddag", language="da",
                location=LOCATION, now=now)
    return submit_need_with_proven_number(db, **{**need, **given})


def texts_to(db, phone: str = PHONE) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE phone = ? AND direction = 'out'", (phone,))


def test_a_need_is_stored_for_the_number_at_the_kiosk_and_confirmed_by_sms(db, now):
    recorded = ask(db, now)
    need = row(db, "SELECT n.*, c.phone, c.language FROM needs n JOIN contacts c"
                   " ON c.id = n.contact_id WHERE n.id = ?", (recorded.need_id,))
    assert need == need | {
        "phone": PHONE, "language": "da", "description": "Jeg skal køres til lægen",
        "category": "transport", "town": "Munkebo", "needed_when": "torsdag formiddag",
        "channel": "kiosk", "location": LOCATION, "status": "new"}
    [sms] = texts_to(db)
    assert sms["id"] == recorded.confirmation_id
    assert (sms["kind"], sms["status"]) == ("notice", "queued")
    assert sms["body"] == render_reply(Reply("need_done"), "da")


def test_the_confirmation_is_in_the_visitors_language(db, now):
    ask(db, now, language="uk")
    [sms] = texts_to(db)
    assert sms["body"] == render_reply(Reply("need_done"), "uk") != render_reply(
        Reply("need_done"), "da")


def test_what_was_typed_is_stored_without_control_or_bidi_characters(db, now):
    recorded = ask(db, now, description="\x1b[31mHjælp\x1b[0m \u202ei haven\x00",
                   needed_when="\x1b]8;;https://evil.example\x07lørdag\x1b]8;;\x07")
    need = row(db, "SELECT description, needed_when FROM needs WHERE id = ?",
               (recorded.need_id,))
    assert need == {"description": "Hjælp i haven", "needed_when": "lørdag"}


def test_an_empty_when_is_stored_as_none(db, now):
    recorded = ask(db, now, category=None, town=None, needed_when="  ")
    need = row(db, "SELECT category, town, needed_when FROM needs WHERE id = ?",
               (recorded.need_id,))
    assert need == {"category": None, "town": None, "needed_when": None}


def test_a_number_that_opted_out_is_refused_and_nothing_is_kept(db, now):
    from shared.contacts import opt_out, touch_contact

    opt_out(db, touch_contact(db, PHONE, now=now)["id"], now=now)
    with pytest.raises(CannotText):
        ask(db, now)
    assert rows(db, "SELECT * FROM needs") == []
    assert texts_to(db) == []


def test_an_erased_number_on_the_suppression_list_is_refused_without_a_new_contact(db, now):
    from shared.suppression import suppress

    suppress(db, PHONE, now=now)  # it texted STOP, then was erased
    with pytest.raises(CannotText):
        ask(db, now)
    assert rows(db, "SELECT * FROM contacts WHERE phone = ?", (PHONE,)) == []
    assert rows(db, "SELECT * FROM needs") == []
