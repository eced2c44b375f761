"""Texts that are no keyword reach a person: kept in the inbox, answered by SMS or filed."""

from __future__ import annotations

import itertools

import pytest

from shared.coordinators import add_coordinator
from shared.db import row, rows
from shared.errors import IllegalTransition, InvalidValue
from shared.exports import export_rows
from shared.replies import Reply, render_reply
from shared.services.inbox import (
    answer_unsorted, archive_unsorted, inbox, unsorted_to_feedback, unsorted_to_offer,
)
from shared.services.sms import handle_inbound_sms
from shared.sms_text import fits

STORY = ("Jeg bor alene på Hindsholm, og min mand døde i foråret. Jeg vil gerne lære nogen at "
         "kende, men jeg kører ikke bil mere. " * 6).strip()
SIDS = itertools.count(1)


def text(db, now, phone: str, body: str) -> str:
    return handle_inbound_sms(db, provider_id=f"SM{next(SIDS):032x}", phone=phone, body=body,
                              now=now)


@pytest.fixture
def coordinator(demo_db, now) -> int:
    return add_coordinator(demo_db, "Anna", "123456", now=now)


def waiting(db) -> list[dict]:
    return [item for item in inbox(db) if item["phone"] in ("+4522000001", "+4522000002")]


def test_a_long_story_is_kept_and_the_reply_says_a_person_reads_it(demo_db, now):
    reply = text(demo_db, now, "+4522000001", STORY)
    assert reply == render_reply(Reply("unsorted_kept"), "da")
    assert "En af os læser din besked" in reply and fits(reply, 2)
    [item] = waiting(demo_db)
    assert (item["text"], item["language"], item["status"]) == (STORY, "da", "new")
    message = row(demo_db, "SELECT body FROM messages WHERE id = ?", (item["message_id"],))
    assert message["body"] == STORY


def test_the_same_text_again_is_kept_once(demo_db, now):
    for _ in range(3):
        text(demo_db, now, "+4522000001", "Tak for din besked. Jeg er på ferie til mandag.")
    assert len(waiting(demo_db)) == 1


@pytest.mark.parametrize("body", ["🙂🙂", "   ", "Hej", "Hvad er det her?"])
def test_emoji_blanks_and_a_few_words_get_the_menu_and_are_not_kept(demo_db, now, body):
    assert text(demo_db, now, "+4522000001", body) == render_reply(Reply("menu"), "da")
    assert waiting(demo_db) == []


def test_an_arabic_first_text_gets_arabic_and_the_language_is_kept(demo_db, now):
    reply = text(demo_db, now, "+4522000002", "مرحبا، أريد المساعدة")
    assert reply == render_reply(Reply("menu"), "ar") and fits(reply, 2)
    assert any("\u0600" <= char <= "\u06ff" for char in reply)
    assert row(demo_db, "SELECT language FROM contacts WHERE phone = '+4522000002'") == {
        "language": "ar"}
    assert text(demo_db, now, "+4522000002", "HELP") == render_reply(Reply("help"), "ar")


def test_a_coordinator_answers_a_kept_text_by_sms_in_the_senders_language(
        demo_db, now, coordinator):
    text(demo_db, now, "+4522000002", "مرحبا، وصلت إلى كيرتيمينده مع عائلتي. أين يمكن لأطفالي")
    [item] = waiting(demo_db)
    assert item["language"] == "ar"
    sms_id = answer_unsorted(demo_db, item["id"], "Ring til biblioteket på 65 15 15 15.",
                             coordinator_id=coordinator, now=now)
    sms = row(demo_db, "SELECT phone, body, status, kind FROM messages WHERE id = ?", (sms_id,))
    expected = render_reply(Reply("feedback_answer",
                                  {"answer": "Ring til biblioteket på 65 15 15 15."}), "ar")
    assert sms == {"phone": "+4522000002", "body": expected, "status": "queued",
                   "kind": "notice"}
    assert waiting(demo_db) == []
    audit = rows(demo_db, "SELECT action, coordinator_id FROM audit"
                          " WHERE record_kind = 'unsorted'")
    assert audit == [{"action": "unsorted_answer", "coordinator_id": coordinator}]
    with pytest.raises(IllegalTransition):
        answer_unsorted(demo_db, item["id"], "Igen", coordinator_id=coordinator, now=now)


def test_an_empty_answer_is_refused_and_nothing_changes(demo_db, now, coordinator):
    text(demo_db, now, "+4522000001", STORY)
    [item] = waiting(demo_db)
    with pytest.raises(InvalidValue):
        answer_unsorted(demo_db, item["id"], "  ", coordinator_id=coordinator, now=now)
    assert waiting(demo_db)[0]["status"] == "new"


def test_a_kept_text_becomes_feedback_or_an_offer_from_its_sender(demo_db, now, coordinator):
    text(demo_db, now, "+4522000001", STORY)
    text(demo_db, now, "+4522000002", "Добрий день! Я медсестра і хочу допомагати літнім людям.")
    story, nurse = waiting(demo_db)
    feedback_id = unsorted_to_feedback(demo_db, story["id"], "ide", coordinator_id=coordinator,
                                       now=now)
    offer_id = unsorted_to_offer(demo_db, nurse["id"], coordinator_id=coordinator, now=now)
    feedback = row(demo_db, "SELECT kind, text, contact_id FROM feedback WHERE id = ?",
                   (feedback_id,))
    offer = row(demo_db, "SELECT description, status, contact_id FROM offers WHERE id = ?",
                (offer_id,))
    assert feedback == {"kind": "ide", "text": STORY, "contact_id": story["contact_id"]}
    assert offer == {"description": nurse["text"], "status": "pending",
                     "contact_id": nurse["contact_id"]}
    assert waiting(demo_db) == []


def test_archive_and_the_inbox_export(demo_db, now, coordinator):
    text(demo_db, now, "+4522000001", STORY)
    [item] = waiting(demo_db)
    archive_unsorted(demo_db, item["id"], coordinator_id=coordinator, now=now)
    exported = {r["id"]: r for r in export_rows(demo_db, "inbox")}
    assert exported[item["id"]]["status"] == "archived"
    assert exported[item["id"]]["text"] == STORY
    # The demo's own three waiting texts are in the export too, in their scripts.
    assert sum(r["status"] == "new" for r in exported.values()) == 3
    assert any(r["language"] == "ar" for r in exported.values())


def test_feedback_written_where_its_kind_was_asked_reaches_the_inbox(demo_db, now):
    phone = "+4522000001"
    text(demo_db, now, phone, "Hej")
    assert text(demo_db, now, phone, "3") == render_reply(Reply("ask_feedback_kind"), "da")
    reply = text(demo_db, now, phone, "Der mangler bænke ved havnen")
    assert reply == render_reply(Reply("unsorted_kept"), "da")
    [item] = waiting(demo_db)
    assert (item["text"], item["status"]) == ("Der mangler bænke ved havnen", "new")
