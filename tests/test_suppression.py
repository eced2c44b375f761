"""The suppression list: a number that texted STOP gets nothing, even after its contact is erased.

STOP, then `faelles erase` (or SLET + JA), and a kiosk code,
an offer approval, a kiosk welcome and a broadcast were then delivered to the
number: 4 SMS to someone who had texted STOP.
"""

from __future__ import annotations

import itertools
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from shared.contacts import find_contact, opt_in, opt_out, opt_out_number, touch_contact
from shared.coordinators import add_coordinator
from shared.db import open_db, row, rows
from shared.messages import claim_next, queue_message
from shared.migrations import migrate, migrations
from shared.replies import Reply, render_reply
from shared.services import coordinator, operator
from shared.services.kiosk import join_with_proven_number, submit_offer
from shared.services.sms import handle_inbound_sms
from shared.settings import Settings
from shared.suppression import (KEY_VARIABLE, PREVIOUS_VARIABLE, SuppressionKeyProblem,
                                check_keys, is_suppressed, number_hash, suppress,
                                suppressed_among, suppression_keys, unsuppress)
from shared.verification import CannotText, request_code

OPERATOR_KEY = "ab" * 32

PHONE = "+4522334455"
CODE_TEXT = "Din kode er {code}"


class Texter:
    """Text the SMS service from one number, each text with a new MessageSid, a minute apart."""

    sids = itertools.count(1)

    def __init__(self, db, now, phone=PHONE):
        self.db, self.now, self.phone = db, now, phone

    def __call__(self, body: str, **kwargs) -> str:
        self.now += timedelta(minutes=1)
        return handle_inbound_sms(self.db, provider_id=f"SM{next(self.sids):032x}",
                                  phone=self.phone, body=body, now=self.now, **kwargs)


@pytest.fixture
def texter(demo_db, now):
    return Texter(demo_db, now)


@pytest.fixture
def anna(demo_db, now) -> int:
    return add_coordinator(demo_db, "Anna", "123456", now=now)


def drain_outbox(db, now) -> list[dict]:
    """Return every message the worker would hand to the provider now (and mark it sent)."""
    sent = []
    while (message := claim_next(db, now=now)) is not None:
        sent.append(message)
    return sent


def erase_by(how: str, db, texter: Texter) -> None:
    if how == "operator":  # `faelles erase PHONE --yes`
        operator.erase(db, texter.phone, now=texter.now)
    else:  # SLET + JA from the phone
        texter("SLET")
        texter("JA")
    assert find_contact(db, texter.phone) is None


def everything_that_texted_them_before(db, texter: Texter, anna: int) -> dict:
    """Do what the probe did after the erase: a code, an offer approval, a welcome, a broadcast."""
    now = texter.now + timedelta(minutes=5)
    tried = {}
    try:
        request_code(db, phone=texter.phone, location="Munkebo Bibliotek", message=CODE_TEXT,
                     now=now)
        tried["code"] = "queued"
    except CannotText:
        tried["code"] = "refused"
    # The number comes back at the kiosk with an offer: a new contact row for it.
    offer_id = submit_offer(db, description="Jeg kan lave kaffe", category=None, town=None,
                            phone=texter.phone, language="da", location="Munkebo Bibliotek",
                            now=now)
    notice = coordinator.decision_notice(db, offer_id, "approve")
    tried["notice"] = notice.no_sms
    tried["approval"] = coordinator.decide_offer(db, offer_id, "approve", coordinator_id=anna,
                                                 now=now)
    _, created = join_with_proven_number(db, phone=texter.phone, code="STRIK", language="da",
                                         location="Munkebo Bibliotek", confirmation="Velkommen",
                                         now=now)
    tried["joined"] = created
    coordinator.broadcast(db, "STRIK", "Strikkecafé i morgen kl. 14", coordinator_id=anna,
                          now=now, quiet_start=time(21, 0), quiet_end=time(8, 0))
    return tried


def to_them(messages: list[dict], phone: str = PHONE) -> list[dict]:
    return [m for m in messages if m["phone"] == phone]


@pytest.mark.parametrize("how", ["operator", "sms"])
def test_stop_then_erase_and_nothing_reaches_the_number(demo_db, texter, anna, how, now):
    assert texter("STOP") == render_reply(Reply("stopped"), "da")  # the one confirmation
    erase_by(how, demo_db, texter)
    assert is_suppressed(demo_db, PHONE)

    tried = everything_that_texted_them_before(demo_db, texter, anna)
    assert tried == {"code": "refused", "notice": "opted_out", "approval": None,
                     "joined": True}
    assert find_contact(demo_db, PHONE)["opted_out"] == 1
    # Nothing to them in the outbox, and nothing the worker would send.
    queued = rows(demo_db, "SELECT * FROM messages WHERE direction = 'out' AND phone = ?"
                           " AND status NOT IN ('failed')", (PHONE,))
    assert queued == []
    sent = drain_outbox(demo_db, texter.now + timedelta(hours=1))
    assert sent and to_them(sent) == []  # the other members' broadcast does go
    # And no TwiML reply either, but the one answer to HELP: how to start again.
    assert texter("HJÆLP") == render_reply(Reply("stopped"), "da")
    assert texter("HJÆLP") == ""


def test_start_from_the_number_lets_messages_flow_again(demo_db, texter, anna):
    texter("STOP")
    erase_by("sms", demo_db, texter)
    assert texter("START") == render_reply(Reply("started"), "da")
    assert not is_suppressed(demo_db, PHONE)
    assert find_contact(demo_db, PHONE)["opted_out"] == 0

    tried = everything_that_texted_them_before(demo_db, texter, anna)
    assert tried["code"] == "queued" and tried["notice"] is None
    assert tried["approval"] is not None
    sent = to_them(drain_outbox(demo_db, texter.now + timedelta(hours=1)))
    assert sorted(m["kind"] for m in sent) == ["broadcast", "code", "notice", "notice"]
    assert texter("HJÆLP") == render_reply(Reply("help"), "da")


def test_a_message_queued_before_the_opt_out_fails_before_it_leaves(db, now):
    # Two codes to a number with no contact; the provider refuses the first (21610).
    first = queue_message(db, phone=PHONE, body="Kode 1", now=now, kind="code")
    second = queue_message(db, phone=PHONE, body="Kode 2", now=now, kind="code")
    assert claim_next(db, now=now)["id"] == first
    opt_out_number(db, PHONE, now=now)

    assert claim_next(db, now=now) is None
    failed = row(db, "SELECT status, error_code FROM messages WHERE id = ?", (second,))
    assert failed == {"status": "failed", "error_code": "21610"}


def test_queue_message_refuses_a_suppressed_number_with_no_contact(db, now):
    suppress(db, PHONE, now=now)
    assert queue_message(db, phone=PHONE, body="Hej", now=now, kind="code") is None
    assert rows(db, "SELECT * FROM messages") == []


def test_a_repeated_stop_gets_no_second_confirmation(texter):
    assert texter("STOP") != ""
    assert texter("STOP") == ""
    assert texter("AFMELD") == ""


def test_the_start_confirmation_goes_even_to_a_suppressed_number(texter, demo_db, now):
    suppress(demo_db, PHONE, now=now)  # e.g. 21610 from the provider, before any SMS
    assert texter("TILBYD Jeg kan strikke") == ""
    assert texter("TILMELD") == render_reply(Reply("started"), "da")
    assert texter("HJÆLP") == render_reply(Reply("help"), "da")


def test_twilio_opt_out_type_stop_suppresses_whatever_the_word(texter, demo_db):
    # REVOKE is one of Twilio's opt-out words but not one of ours: Twilio says so
    # with OptOutType=STOP, sends its own confirmation and blocks ours.
    assert texter("REVOKE", opt_out_type="STOP") == ""
    assert is_suppressed(demo_db, PHONE)
    assert find_contact(demo_db, PHONE)["opted_out"] == 1
    assert texter("STOP", opt_out_type="STOP") == ""


def test_every_opt_out_path_suppresses_the_number(db, contact, now):
    # The worker and the status callback call opt_out on error 21610.
    opt_out(db, contact["id"], now=now)
    assert is_suppressed(db, contact["phone"])
    opt_in(db, contact["id"])
    assert not is_suppressed(db, contact["phone"])
    # 21610 for a message with no contact (a kiosk code to a new number).
    opt_out_number(db, "+4522334466", now=now)
    assert is_suppressed(db, "+4522334466")
    assert find_contact(db, "+4522334466") is None


@pytest.fixture
def gateway(db_path, demo_db):
    from sms_gateway.app import close_connections, create_app

    settings = Settings(db_path=str(db_path), twilio_auth_token="test-auth-token")
    app = create_app(settings)
    yield app.test_client(), RequestValidator(settings.twilio_auth_token)
    close_connections(app)


def test_a_status_callback_21610_suppresses_and_survives_erase(gateway, demo_db, now):
    client, validator = gateway
    contact = touch_contact(demo_db, PHONE, now=now, language="da")
    queue_message(demo_db, phone=PHONE, body="Hej", now=now, contact_id=contact["id"])
    message = claim_next(demo_db, now=now)
    sid = "SM" + "ab" * 16
    demo_db.execute("UPDATE messages SET provider_id = ?, status = 'sent' WHERE id = ?",
                    (sid, message["id"]))
    params = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "21610",
              "AccountSid": "AC" + "0" * 32}
    signature = validator.compute_signature("http://localhost/sms/status", params)
    response = client.post("/sms/status", data=params,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 204
    operator.erase(demo_db, PHONE, now=now)
    assert is_suppressed(demo_db, PHONE)
    assert queue_message(demo_db, phone=PHONE, body="Hej igen", now=now) is None


def test_the_list_holds_no_number(db, now):
    suppress(db, PHONE, now=now)
    stored = db.execute("SELECT * FROM suppressions").fetchall()
    assert len(stored) == 1 and "22334455" not in repr(stored)
    key = db.execute("SELECT value FROM store_secrets").fetchone()[0]
    assert len(key) == 32
    assert stored[0][0] == number_hash(key, PHONE)


def test_numbers_match_however_they_are_written(db, now):
    suppress(db, "22 33 44 55", now=now)
    assert is_suppressed(db, PHONE) and is_suppressed(db, "0045 22334455")
    assert suppressed_among(db, [PHONE, "+4522334466"]) == {PHONE}
    assert not suppress(db, PHONE, now=now)  # already on it


def test_the_key_from_the_environment_is_used_and_the_stored_one_still_counts(
        db, now, monkeypatch):
    suppress(db, "+4522334466", now=now)  # under the store's own key
    monkeypatch.setenv(KEY_VARIABLE, OPERATOR_KEY)
    suppress(db, PHONE, now=now)
    env_key = suppression_keys(db)[0]
    assert env_key == OPERATOR_KEY.encode()
    hashes = {h for (h,) in db.execute("SELECT hash FROM suppressions")}
    assert number_hash(env_key, PHONE) in hashes
    assert is_suppressed(db, "+4522334466") and is_suppressed(db, PHONE)
    assert unsuppress(db, "+4522334466") and not is_suppressed(db, "+4522334466")


@pytest.mark.parametrize("key", ["change-me-to-64-hex-digits", "a secret phrase", "ab" * 31,
                                 "g" * 64, "ab" * 33])
def test_a_key_that_is_not_64_hex_digits_is_refused_not_used(db, now, monkeypatch, key):
    monkeypatch.setenv(KEY_VARIABLE, key)
    with pytest.raises(SuppressionKeyProblem, match="64 hex digits"):
        suppress(db, PHONE, now=now)
    with pytest.raises(SuppressionKeyProblem):
        check_keys(db, now=now)
    assert db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_a_changed_key_forgets_nobody(db, now, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, OPERATOR_KEY)
    check_keys(db, now=now)
    suppress(db, PHONE, now=now)
    # A new key without the old one: refused, rather than texting PHONE again.
    monkeypatch.setenv(KEY_VARIABLE, "cd" * 32)
    with pytest.raises(SuppressionKeyProblem, match=PREVIOUS_VARIABLE):
        check_keys(db, now=now)
    assert not is_suppressed(db, PHONE)  # this is what starting anyway would do
    # With the old key among the earlier ones, PHONE is still on the list.
    monkeypatch.setenv(PREVIOUS_VARIABLE, OPERATOR_KEY)
    check_keys(db, now=now)
    assert is_suppressed(db, PHONE)
    suppress(db, "+4522334466", now=now)
    assert is_suppressed(db, "+4522334466") and unsuppress(db, PHONE)
    # Both keys are known to the store now: dropping either again is refused.
    monkeypatch.delenv(PREVIOUS_VARIABLE)
    with pytest.raises(SuppressionKeyProblem):
        check_keys(db, now=now)


def test_a_changed_key_is_refused_when_it_hashed_erasures_alone(db, now, monkeypatch):
    # The erasure ledger uses the same keys: without the old one a restored
    # backup could not tell whom to erase again.
    monkeypatch.setenv(KEY_VARIABLE, OPERATOR_KEY)
    check_keys(db, now=now)
    touch_contact(db, PHONE, now=now)
    operator.erase(db, PHONE, now=now)
    assert db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0
    monkeypatch.setenv(KEY_VARIABLE, "cd" * 32)
    with pytest.raises(SuppressionKeyProblem, match="were erased"):
        check_keys(db, now=now)
    monkeypatch.setenv(PREVIOUS_VARIABLE, OPERATOR_KEY)
    check_keys(db, now=now)

def test_a_gateway_will_not_start_on_a_placeholder_key(db_path, monkeypatch):
    from sms_gateway import create_app
    from shared.settings import Settings

    monkeypatch.setenv(KEY_VARIABLE, "change-me-to-64-hex-digits")
    with pytest.raises(SuppressionKeyProblem):
        create_app(Settings(db_path=str(db_path)))


def test_the_migration_keeps_everyone_who_had_opted_out(db_path):
    store = open_db(db_path, migrate=False)
    try:
        migrations.apply(store, stop_before="m007_suppression")
        store.execute("INSERT INTO contacts (phone, opted_out, opted_out_at, first_seen,"
                      " last_seen) VALUES ('+4522334455', 1, '2026-02-01T10:00:00+00:00',"
                      " '2026-01-01', '2026-02-01'), ('+4522334466', 0, NULL, '2026-01-01',"
                      " '2026-01-01')")
        assert "m007_suppression" in migrate(store)
        assert is_suppressed(store, PHONE) and not is_suppressed(store, "+4522334466")
        assert store.execute("SELECT created_at FROM suppressions").fetchall() == [
            ("2026-02-01T10:00:00+00:00",)]
        assert store.execute("SELECT count(*) FROM contacts").fetchone()[0] == 2
    finally:
        store.close()


def test_one_home_says_whether_a_number_may_be_texted():
    # Every outbound path asks shared.consent; the list itself is read nowhere else.
    root = Path(__file__).resolve().parent.parent
    readers = {str(path.relative_to(root)) for folder in ("shared", "kiosk", "sms_gateway")
               for path in (root / folder).rglob("*.py")
               if re.search(r"\b(is_suppressed|suppressed_among)\(", path.read_text())}
    assert readers == {"shared/suppression.py", "shared/consent.py"}


def test_may_text_knows_the_contact_flag_and_the_list(db, now):
    from shared.consent import may_text, not_textable_among

    other = "+4522334466"
    assert may_text(db, PHONE) and may_text(db, other)
    suppress(db, PHONE, now=now)
    contact = touch_contact(db, other, now=now)
    db.execute("UPDATE contacts SET opted_out = 1 WHERE id = ?", (contact["id"],))
    assert not may_text(db, PHONE) and not may_text(db, other)
    assert not may_text(db, "+4599999999", contact_id=contact["id"])
    assert not_textable_among(db, [PHONE, other, "+4599999999"]) == {PHONE, other}
