"""handle_inbound_sms: the engine's effects reach the store once, however often Twilio calls."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.contacts import find_contact
from shared.db import open_db, row, rows
from shared.engine import FLOW_TTL
from shared.replies import Reply, fit_reply, render_reply
from shared.services.sms import handle_inbound_sms
from shared.sms_text import fits
from shared.suppression import is_suppressed

PHONE = "+4522334455"


class Texter:
    """Send texts from one number through the service, each with a new MessageSid."""

    sids = itertools.count(1)

    def __init__(self, db, now, phone=PHONE):
        self.db, self.now, self.phone = db, now, phone

    def __call__(self, body: str, *, sid: str | None = None, later: timedelta = timedelta()):
        self.now += later
        sid = sid or f"SM{next(self.sids):032x}"
        return handle_inbound_sms(self.db, provider_id=sid, phone=self.phone, body=body,
                                  now=self.now)

    @property
    def contact(self) -> dict | None:
        return find_contact(self.db, self.phone)


@pytest.fixture
def texter(demo_db, now):
    return Texter(demo_db, now)


def count(db, sql: str, params=()) -> int:
    return db.execute(sql, params).fetchone()[0]


def test_an_offer_is_stored_with_its_category_and_town(texter, demo_db):
    assert texter("TILBYD Jeg kan strikke") == render_reply(Reply("offer_saved"), "da")
    texter("2")
    assert texter("munkebo") == render_reply(Reply("offer_done"), "da")

    offer = row(demo_db, "SELECT * FROM offers WHERE contact_id = ?", (texter.contact["id"],))
    assert offer["description"] == "Jeg kan strikke"
    assert (offer["channel"], offer["category"], offer["town"]) == ("sms", "knowhow", "Munkebo")
    assert offer["status"] == "pending"


def test_the_flow_in_progress_is_kept_between_texts_and_expires(texter, demo_db):
    texter("TILBYD")
    conversation = row(demo_db, "SELECT * FROM conversations WHERE contact_id = ?",
                       (texter.contact["id"],))
    assert (conversation["flow"], conversation["step"]) == ("offer", "describe")

    assert texter("Jeg kan strikke", later=FLOW_TTL + timedelta(minutes=1)) == \
        render_reply(Reply("menu"), "da")
    assert count(demo_db, "SELECT count(*) FROM offers WHERE contact_id = ?",
                 (texter.contact["id"],)) == 0


def test_a_finished_flow_is_forgotten(texter, demo_db):
    texter("TILBYD Jeg kan strikke")
    texter("0")
    texter("0")
    assert count(demo_db, "SELECT count(*) FROM conversations") == 0


def test_joining_and_leaving_a_community(texter, demo_db):
    texter("DELTAG STRIK")
    membership = row(demo_db, "SELECT m.* FROM memberships m JOIN communities c"
                              " ON c.id = m.community_id WHERE c.code = 'STRIK'"
                              " AND m.contact_id = ?", (texter.contact["id"],))
    assert membership["channel"] == "sms" and membership["left_at"] is None
    assert texter("DELTAG STRIK").startswith("Du er allerede med i Strikkecafé")

    texter("FORLAD STRIK")
    assert row(demo_db, "SELECT left_at FROM memberships WHERE id = ?",
               (membership["id"],))["left_at"] is not None


def test_a_paused_community_takes_no_one(texter, demo_db):
    assert texter("DELTAG SKAK") == render_reply(
        Reply("community_paused", {"name": "Skakklubben i Dalby"}), "da")
    assert count(demo_db, "SELECT count(*) FROM memberships WHERE contact_id = ?",
                 (texter.contact["id"],)) == 0


@pytest.mark.parametrize(("texts", "kind", "text"), [
    (["ROS Stien er fin"], "ros", "Stien er fin"),
    (["RIS", "Der mangler lys"], "ris", "Der mangler lys"),
    (["IDÉ Et drivhus"], "ide", "Et drivhus"),
    (["Hej", "3", "3", "Et drivhus"], "ide", "Et drivhus"),
])
def test_feedback_is_stored_with_its_kind(texter, demo_db, texts, kind, text):
    for body in texts:
        texter(body)
    feedback = row(demo_db, "SELECT * FROM feedback WHERE contact_id = ?",
                   (texter.contact["id"],))
    assert (feedback["kind"], feedback["text"], feedback["channel"]) == (kind, text, "sms")


def test_the_language_is_set_by_the_first_keyword_and_by_sprog(texter):
    assert texter("HELP") == render_reply(Reply("help"), "en")
    assert texter.contact["language"] == "en"
    assert texter("SPROG DA") == render_reply(Reply("language_set"), "da")
    assert texter.contact["language"] == "da"
    assert texter("HELP") == render_reply(Reply("help"), "da")


def test_a_demo_contact_gets_community_names_in_their_language(demo_db, now):
    english = Texter(demo_db, now, phone="+4520110303")  # an English demo contact
    assert english("DELTAG STRIK").startswith("Welcome to Knitting café!")


def test_opting_out_and_back_in(texter, demo_db):
    texter("STOP")
    contact = texter.contact
    assert contact["opted_out"] == 1 and contact["opted_out_at"]

    # HELP is answered once, with how to start again; then nothing.
    assert texter("HJÆLP") == render_reply(Reply("stopped"), "da")
    assert texter("HJÆLP") == ""
    assert texter("TILBYD Jeg kan strikke") == ""
    # The text is still heard: the offer is kept, only the reply is held back.
    assert count(demo_db, "SELECT count(*) FROM offers WHERE contact_id = ?",
                 (contact["id"],)) == 1
    # An opted-out number gets no reply row but the one to HELP: nothing else was sent.
    assert count(demo_db, "SELECT count(*) FROM messages WHERE direction = 'out'"
                          " AND contact_id = ?", (contact["id"],)) == 2

    assert texter("START") == render_reply(Reply("started"), "da")
    assert texter.contact["opted_out"] == 0
    assert texter("HJÆLP") == render_reply(Reply("help"), "da")


def test_erase_removes_the_contact_and_everything_of_theirs(texter, demo_db):
    texter("TILBYD Jeg kan strikke")
    texter("DELTAG STRIK")
    texter("ROS Tak")
    texter("SLET")
    contact_id = texter.contact["id"]

    assert texter("JA") == render_reply(Reply("erased"), "da")

    assert texter.contact is None
    for table in ("offers", "memberships", "feedback", "messages", "conversations"):
        assert count(demo_db, f"SELECT count(*) FROM {table} WHERE contact_id = ?",
                     (contact_id,)) == 0, table
    assert count(demo_db, "SELECT count(*) FROM messages WHERE phone = ?", (PHONE,)) == 0
    assert row(demo_db, "SELECT action FROM audit WHERE record_kind = 'contact'"
                        " AND record_id = ?", (contact_id,))["action"] == "erase_contact"


def test_anything_but_ja_keeps_everything(texter, demo_db):
    texter("TILBYD Jeg kan strikke")
    texter("SLET")
    assert texter("Nej") == render_reply(Reply("erase_cancelled"), "da")
    assert texter.contact is not None
    assert count(demo_db, "SELECT count(*) FROM offers WHERE contact_id = ?",
                 (texter.contact["id"],)) == 1


def test_the_same_message_twice_is_handled_once(texter, demo_db):
    first = texter("TILBYD Jeg kan strikke", sid="SMretry")
    again = texter("TILBYD Jeg kan strikke", sid="SMretry")

    assert again == first == render_reply(Reply("offer_saved"), "da")
    assert count(demo_db, "SELECT count(*) FROM messages WHERE provider_id = 'SMretry'") == 1
    assert count(demo_db, "SELECT count(*) FROM messages WHERE direction = 'in'"
                          " AND phone = ?", (PHONE,)) == 1
    assert count(demo_db, "SELECT count(*) FROM offers WHERE description = ?",
                 ("Jeg kan strikke",)) == 1


def test_control_characters_and_bidi_overrides_are_stored_stripped(texter, demo_db):
    texter("TILBYD Jeg kan\x1b[31m strikke\u202e og\x00 hækle\u2066\x07", sid="SMdirty")

    message = row(demo_db, "SELECT body FROM messages WHERE provider_id = 'SMdirty'")
    offer = row(demo_db, "SELECT description FROM offers WHERE contact_id = ?",
                (texter.contact["id"],))
    assert message["body"] == "TILBYD Jeg kan strikke og hækle"
    assert offer["description"] == "Jeg kan strikke og hækle"


def test_the_reply_is_logged_as_an_outbound_message(texter, demo_db):
    reply = texter("HJÆLP", sid="SMlogged")
    inbound = row(demo_db, "SELECT * FROM messages WHERE provider_id = 'SMlogged'")
    outbound = row(demo_db, "SELECT * FROM messages WHERE direction = 'out' AND phone = ?",
                   (PHONE,))
    assert inbound["reply"] == reply
    assert inbound["contact_id"] == texter.contact["id"]
    assert (outbound["body"], outbound["kind"], outbound["status"]) == (reply, "reply", "sent")


def test_a_duplicate_arriving_at_the_same_time_is_handled_once(demo_db, db_path, now):
    """Two gunicorn workers get Twilio's retry while the first call is still running."""
    barrier = threading.Barrier(2)
    replies, errors = [], []

    def deliver():
        db = open_db(db_path, migrate=False)
        try:
            barrier.wait()
            replies.append(handle_inbound_sms(db, provider_id="SMtwice", phone=PHONE,
                                              body="TILBYD Jeg kan strikke", now=now))
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert replies == [render_reply(Reply("offer_saved"), "da")] * 2
    assert count(demo_db, "SELECT count(*) FROM offers WHERE description = ?",
                 ("Jeg kan strikke",)) == 1
    assert count(demo_db, "SELECT count(*) FROM messages WHERE direction = 'in'") == 1


# Bugs found by these tests, fixed since.

def test_a_picture_without_text_after_tilbyd_is_not_an_error(texter):
    texter("TILBYD")
    assert texter("") == render_reply(Reply("ask_offer"), "da")


def test_a_retried_erase_confirmation_does_not_bring_the_contact_back(texter):
    texter("SLET")
    erased = texter("JA", sid="SMerase")
    assert texter("JA", sid="SMerase") == erased
    assert texter.contact is None


# Any texts through the real store: no error, and the reply fits two segments.

ODD = ["😀", "[@click=app.quit]x", "[/x]", "\x1b[2J", "\u202eabc", "Привіт", "مرحبا",
       "a" * 1600, "Æ" * 1600, "STRIK", "0", "1", "2", "3", "6", "JA", "MERE"]
KEYWORDS = ["HJÆLP", "HELP", "TILBYD", "OFFER", "FÆLLESSKABER", "LIST", "DELTAG", "JOIN",
            "FORLAD", "ROS", "RIS", "IDE", "FEEDBACK", "MINE", "STATUS", "SPROG", "LANGUAGE",
            "STOP", "START", "SLET", "DELETE", "YES"]
words = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20)
bodies = st.one_of(
    st.sampled_from(KEYWORDS + ODD),
    st.builds("{} {}".format, st.sampled_from(KEYWORDS), st.one_of(words, st.sampled_from(ODD))),
    st.builds("{}\x00{}".format, words, words),
)
numbers = itertools.count(20200000)  # valid Danish mobile numbers


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(bodies, min_size=1, max_size=6))
def test_no_text_makes_the_service_fail_or_overflow(demo_db, now, texts):
    texter = Texter(demo_db, now, phone=f"+45{next(numbers)}")
    for body in texts:
        reply = texter(body)
        assert fits(reply, 2)


# Whole conversations through the real service and store, as data (tests/conversations/service):
#
#     {"description": "...", "phone": "+45...",
#      "turns": [{"in": "STOP" | "echo": true, "reply": "stopped" | "",
#                 "repeat": 1, "every_seconds": 60,
#                 "suppressed": true, "contact": "erased" | "opted_out" | "opted_in"}],
#      "stored": 202, "audited": ["sms_throttled"]}
#
# "reply" is a reply key rendered in Danish, or "" for silence; "echo" texts back
# our last reply, as an echo bot does. The clock moves by every_seconds before
# each text, so no turn waits on the wall clock. Unlike tests/conversations/*.json
# (the pure engine), these include what the service adds: suppression, the guards.

SERVICE_CONVERSATIONS = Path(__file__).resolve().parent / "conversations" / "service"


def service_conversations() -> list:
    return [pytest.param(json.loads(path.read_text(encoding="utf-8")), id=path.stem)
            for path in sorted(SERVICE_CONVERSATIONS.glob("*.json"))]


def check_contact(db, phone: str, expected: str, where: str) -> None:
    contact = find_contact(db, phone)
    if expected == "erased":
        assert contact is None, where
    else:
        assert contact is not None, where
        assert contact["opted_out"] == (expected == "opted_out"), where


@pytest.mark.parametrize("conversation", service_conversations())
def test_service_conversation(conversation, demo_db, now):
    phone = conversation.get("phone", PHONE)
    clock, last_reply = now, ""
    for number, turn in enumerate(conversation["turns"], start=1):
        for n in range(turn.get("repeat", 1)):
            where = f"turn {number} ({n + 1} of {turn.get('repeat', 1)})"
            clock += timedelta(seconds=turn.get("every_seconds", 60))
            body = last_reply if turn.get("echo") else turn["in"]
            last_reply = handle_inbound_sms(demo_db, provider_id=f"SM{next(Texter.sids):032x}",
                                            phone=phone, body=body, now=clock)
            expected = fit_reply(render_reply(Reply(turn["reply"]), "da")) if turn["reply"] else ""
            assert last_reply == expected, where
        if "suppressed" in turn:
            assert is_suppressed(demo_db, phone) == turn["suppressed"], where
        if "contact" in turn:
            check_contact(demo_db, phone, turn["contact"], where)
    if "stored" in conversation:
        assert count(demo_db, "SELECT count(*) FROM messages WHERE direction = 'in'"
                              " AND phone = ?", (phone,)) == conversation["stored"]
    audited = [r["action"] for r in rows(demo_db, "SELECT action FROM audit"
                                                  " WHERE actor = 'sms' ORDER BY id")]
    assert audited == conversation.get("audited", [])


def test_there_are_service_conversations():
    names = {path.stem for path in SERVICE_CONVERSATIONS.glob("*.json")}
    assert {"stop_erase_start", "throttle", "loop_echo", "loop_auto_responder"} <= names


@pytest.mark.parametrize("stop", ["\u200bSTOP", "S\u00adTOP", "ＳＴＯＰ", "ｓｔｏｐ", "STOP\u2060",
                                  "\u3164STOP", "ST\u200cOP", "\U000e0053STOP"])
def test_every_spelling_of_stop_is_an_opt_out(texter, stop):
    texter(stop)
    assert texter.contact["opted_out"] == 1
    assert texter("TILBYD Jeg kan strikke") == ""


def test_help_after_stop_is_answered_once_even_for_an_erased_number(texter, demo_db, now):
    from shared.services.erasure import erase_number

    texter("STOP")
    erase_number(demo_db, texter.phone, actor="test", now=now)
    assert texter.contact is None
    assert texter("HELP") == render_reply(Reply("stopped"), "en")
    assert texter("HELP") == texter("MINE") == ""
    texter("STOP")  # each STOP answers one HELP after it
    assert texter("HJÆLP") == render_reply(Reply("stopped"), "en")
    assert texter("HJÆLP") == ""


def test_help_after_stop_is_answered_even_when_all_came_in_the_same_second(texter):
    # A help answered before the STOP does not count as the one answer after it.
    assert texter("HJÆLP") == render_reply(Reply("help"), "da")
    texter("STOP")
    assert texter("HJÆLP") == render_reply(Reply("stopped"), "da")
    assert texter("HJÆLP") == ""
