"""Needs meet offers: a coordinator proposes, both people say JA, only then numbers are shared."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from shared.coordinators import add_coordinator
from shared.db import row, rows
from shared.errors import IllegalTransition
from shared.matching import as_written, rank_offers, words
from shared.needs import get_need
from shared.phones import display_phone
from shared.replies import Reply, render_reply
from shared.services import introducing
from shared.services.decisions import decide_offer
from shared.services.sms import handle_inbound_sms

HELPER, ASKER, OTHER = "+4522001001", "+4522001002", "+4522001003"
SIDS = itertools.count(1)


class People:
    """Phones that text the service, each at the same moving clock."""

    def __init__(self, db, now):
        self.db, self.now = db, now

    def text(self, phone: str, body: str) -> str:
        return handle_inbound_sms(self.db, provider_id=f"SM{next(SIDS):032x}", phone=phone,
                                  body=body, now=self.now)

    def outbox(self, phone: str) -> list[str]:
        return [m["body"] for m in rows(self.db, "SELECT body FROM messages WHERE phone = ?"
                                                 " AND direction = 'out' AND kind = 'notice'"
                                                 " ORDER BY id", (phone,))]


@pytest.fixture
def people(demo_db, now):
    return People(demo_db, now)


@pytest.fixture
def anna(demo_db, now):
    return add_coordinator(demo_db, "Anna", "123456", now=now)


def offer_a_lift(people, anna) -> int:
    people.text(HELPER, "TILBYD Jeg kan køre folk til lægen")
    people.text(HELPER, "5")
    people.text(HELPER, "Munkebo")
    offer_id = row(people.db, "SELECT id FROM offers ORDER BY id DESC LIMIT 1")["id"]
    decide_offer(people.db, offer_id, "approve", coordinator_id=anna, now=people.now)
    return offer_id


def need_a_lift(people, phone=ASKER, first="BRUG FOR kørsel til lægen i Munkebo") -> int:
    reply = people.text(phone, first)
    assert "kørsel til lægen i Munkebo" in reply  # the citizen's own words, read back
    people.text(phone, "0")
    people.text(phone, "Munkebo")
    assert people.text(phone, "torsdag formiddag") == render_reply(Reply("need_done"), "da")
    return row(people.db, "SELECT id FROM needs ORDER BY id DESC LIMIT 1")["id"]


def test_a_need_is_stored_with_its_town_and_when(people):
    need = get_need(people.db, need_a_lift(people))
    assert (need["description"], need["town"], need["needed_when"], need["channel"],
            need["status"]) == ("kørsel til lægen i Munkebo", "Munkebo", "torsdag formiddag",
                                "sms", "new")


def test_help_with_a_sentence_is_a_need_and_short_help_is_the_list(people):
    reply = people.text(ASKER, "HJÆLP jeg skal til lægen torsdag og har ingen bil")
    assert "jeg skal til lægen torsdag og har ingen bil" in reply
    assert people.text(OTHER, "HJÆLP") == render_reply(Reply("help"), "da")
    assert people.text(OTHER, "HJÆLP mig nu") == render_reply(Reply("help"), "da")


def test_the_fitting_offer_is_suggested_first(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    need_id = need_a_lift(people)
    ranked = introducing.suggestions(demo_db, need_id)
    assert ranked[0].offer["id"] == offer_id and ranked[0].same_town


def test_both_say_yes_and_only_they_get_each_others_number(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    need_id = _english_need(people)
    planned = introducing.proposal(demo_db, need_id, offer_id)
    assert planned.sends and planned.to_need.language == "en"
    assert planned.to_offer.language == "da"
    assert "Jeg kan køre folk til lægen" in planned.to_need.text
    assert "JA" in planned.to_offer.text and "NEJ" in planned.to_offer.text
    ref = introducing.propose(demo_db, need_id, offer_id, coordinator_id=anna, now=people.now)
    assert people.outbox(ASKER) == [planned.to_need.text]
    assert people.outbox(HELPER)[-1] == planned.to_offer.text

    assert people.text(HELPER, "JA Inge") == render_reply(
        Reply("consent_yes", {"ref": ref}), "da")
    assert not any(display_phone(ASKER) in body for body in people.outbox(HELPER))
    assert people.text(ASKER, "YES") == render_reply(Reply("consent_both", {"ref": ref}), "en")

    to_asker, to_helper = people.outbox(ASKER)[-1], people.outbox(HELPER)[-1]
    assert "Inge" in to_asker and display_phone(HELPER) in to_asker
    assert display_phone(ASKER) in to_helper and "En nabo" in to_helper
    everyone_else = rows(demo_db, "SELECT body FROM messages WHERE direction = 'out'"
                                  " AND phone NOT IN (?, ?)", (ASKER, HELPER))
    assert not any(display_phone(n) in m["body"] for m in everyone_else for n in (ASKER, HELPER))
    assert get_need(demo_db, need_id)["status"] == "introduced"

    # Fourteen days on, the one who needed help is asked; JA means the need was met.
    later = people.now + timedelta(days=14, minutes=1)
    assert introducing.run_due(demo_db, now=later)["followed_up"] == 1
    assert people.outbox(ASKER)[-1] == render_reply(Reply("follow_up", {
        "need": "a lift to the doctor in Munkebo", "ref": ref}), "en")
    people.now = later
    assert people.text(ASKER, "YES") == render_reply(Reply("helped_yes", {"ref": ref}), "en")
    assert get_need(demo_db, need_id)["status"] == "met"
    assert people.outbox(HELPER)[-1] == render_reply(Reply("helper_thanks", {"ref": ref}), "da")


def _english_need(people) -> int:
    people.text(ASKER, "NEED a lift to the doctor in Munkebo")
    people.text(ASKER, "0")
    people.text(ASKER, "Munkebo")
    people.text(ASKER, "0")
    return row(people.db, "SELECT id FROM needs ORDER BY id DESC LIMIT 1")["id"]


def test_a_no_shares_no_number(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    need_id = need_a_lift(people)
    ref = introducing.propose(demo_db, need_id, offer_id, coordinator_id=anna, now=people.now)
    people.text(HELPER, "JA")
    assert people.text(ASKER, "NEJ") == render_reply(Reply("consent_no", {"ref": ref}), "da")
    numbers = [m["body"] for m in rows(demo_db, "SELECT body FROM messages")]
    assert not any(display_phone(HELPER) in b or display_phone(ASKER) in b for b in numbers)
    found = row(demo_db, "SELECT status, ended_reason FROM introductions WHERE id = ?", (ref,))
    assert found == {"status": "declined", "ended_reason": "need_said_no"}


def test_no_answer_in_three_days_ends_it_and_a_new_one_can_be_tried(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    need_id = need_a_lift(people)
    ref = introducing.propose(demo_db, need_id, offer_id, coordinator_id=anna, now=people.now)
    assert not introducing.proposal(demo_db, need_id, offer_id).sends  # one at a time
    introducing.run_due(demo_db, now=people.now + timedelta(days=3))
    assert row(demo_db, "SELECT status FROM introductions WHERE id = ?",
               (ref,))["status"] == "expired"
    assert introducing.proposal(demo_db, need_id, offer_id).sends


def test_with_two_waiting_a_bare_yes_asks_which_and_a_number_picks(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    first = need_a_lift(people)
    second = need_a_lift(people, phone=OTHER)
    one = introducing.propose(demo_db, first, offer_id, coordinator_id=anna, now=people.now)
    two = introducing.propose(demo_db, second, offer_id, coordinator_id=anna, now=people.now)
    assert people.text(HELPER, "JA") == render_reply(
        Reply("consent_which", {"refs": f"{one}, {two}"}), "da")
    assert people.text(HELPER, f"JA {two}") == render_reply(
        Reply("consent_yes", {"ref": two}), "da")
    assert row(demo_db, "SELECT offer_answer FROM introductions WHERE id = ?",
               (one,))["offer_answer"] is None


def test_an_opt_out_or_an_erasure_ends_the_introduction(people, anna, demo_db, now):
    from shared.services.erasure import erase_number

    offer_id = offer_a_lift(people, anna)
    need_id = need_a_lift(people)
    ref = introducing.propose(demo_db, need_id, offer_id, coordinator_id=anna, now=now)
    people.text(HELPER, "STOP")
    assert row(demo_db, "SELECT status, ended_reason FROM introductions WHERE id = ?",
               (ref,)) == {"status": "ended", "ended_reason": "opted_out"}
    erase_number(demo_db, ASKER, actor="test", now=now)
    left = row(demo_db, "SELECT need_id, need_name FROM introductions WHERE id = ?", (ref,))
    assert left == {"need_id": None, "need_name": None}


def test_the_ranking_puts_the_same_town_first_then_kind_then_words():
    need = {"description": "kørsel til lægen", "town": "Munkebo", "category": "transport"}
    offers = [
        {"id": 1, "description": "Jeg kan strikke", "town": "Munkebo", "category": "knowhow"},
        {"id": 2, "description": "Kørsel til lægen", "town": "Dalby", "category": "transport"},
        {"id": 3, "description": "Jeg kører til lægen", "town": "Munkebo",
         "category": "transport"},
        {"id": 4, "description": "Havearbejde", "town": "Dalby", "category": "time"},
    ]
    assert [s.offer["id"] for s in rank_offers(need, offers)] == [3, 1, 2, 4]


def test_reading_a_new_need_opens_it_once_and_audits_who(people, anna, demo_db):
    need_id = need_a_lift(people)
    assert introducing.open_need(demo_db, need_id, coordinator_id=anna,
                                 now=people.now)["status"] == "open"
    introducing.open_need(demo_db, need_id, coordinator_id=anna, now=people.now)
    opened = rows(demo_db, "SELECT coordinator_id, record_kind, record_id FROM audit"
                           " WHERE action = 'need_open'")
    assert opened == [{"coordinator_id": anna, "record_kind": "need", "record_id": need_id}]


def test_the_waiting_needs_say_which_have_an_introduction_waiting(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    asked, other = need_a_lift(people), need_a_lift(people, phone=OTHER)
    introducing.propose(demo_db, asked, offer_id, coordinator_id=anna, now=people.now)
    listed = {need["id"]: need["asked"] for need in introducing.needs_to_introduce(demo_db)}
    assert (listed[asked], listed[other]) == (True, False)
    view = introducing.need_view(demo_db, asked)
    assert [i["offer_id"] for i in view["introductions"]] == [offer_id]
    assert view["suggestions"][0].offer["id"] == offer_id


def test_texts_that_changed_since_they_were_shown_are_not_sent(people, anna, demo_db):
    offer_id = offer_a_lift(people, anna)
    first, second = need_a_lift(people), need_a_lift(people, phone=OTHER)
    shown = introducing.proposal(demo_db, second, offer_id)
    # Another coordinator introduces the first need meanwhile: it takes the reference.
    introducing.propose(demo_db, first, offer_id, coordinator_id=anna, now=people.now)
    queued = rows(demo_db, "SELECT id FROM messages WHERE direction = 'out'")
    with pytest.raises(IllegalTransition, match="changed"):
        introducing.propose(demo_db, second, offer_id, coordinator_id=anna, now=people.now,
                            shown=(shown.to_need.text, shown.to_offer.text))
    assert rows(demo_db, "SELECT id FROM messages WHERE direction = 'out'") == queued
    assert get_need(demo_db, second)["status"] == "new"


def test_shared_words_are_named_as_the_need_wrote_them():
    folded = tuple(sorted(words("Kørsel til lægen") & words("Jeg tilbyder kørsel til LÆGEN")))
    assert as_written("Kørsel til lægen", folded) == ("kørsel", "lægen")
