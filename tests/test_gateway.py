"""The Twilio webhook: real signatures, TwiML out, replays answered once, status callbacks."""

from __future__ import annotations

import io
import itertools
import logging
import os
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from shared import demo_data
from shared.communities import create_community
from shared.contacts import find_contact, touch_contact
from shared.db import open_db, row
from shared.exports import export_rows
from shared.messages import (claim_next, get_message, mark_failed, mark_sent, mark_uncertain,
                             queue_message)
from shared.replies import Reply, render_reply
from shared.settings import Settings
from sms_gateway.app import MAX_BODY_BYTES, close_connections, create_app

NUMBER = "+4520112233"
BASE = "http://localhost"
SENT_SID = "SM" + "5e" * 16  # an outbound message Twilio took
EARLY_SID = "SM" + "ea" * 16


def twiml_text(xml: str) -> str:
    """Return the text of every <Message> in a TwiML response, one per line."""
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return "\n".join(message.text or "" for message in root.iter("Message"))


class Phone:
    """A citizen's phone: texts the gateway the way Twilio delivers an SMS, signed."""

    sids = itertools.count(1)

    def __init__(self, client, settings: Settings, number: str = NUMBER):
        self.client, self.settings, self.number = client, settings, number
        self.validator = RequestValidator(settings.twilio_auth_token)

    def params(self, body: str, sid: str | None = None) -> dict:
        return {
            "MessageSid": sid or f"SM{next(self.sids):032x}",
            "AccountSid": self.settings.twilio_account_sid,
            "From": self.number, "To": self.settings.twilio_from, "Body": body,
            "NumMedia": "0", "NumSegments": "1",
        }

    def post(self, path: str, params: dict, *, signed_url: str | None = None,
             signature: str | None = None):
        """POST form params to path, signed for signed_url (the URL posted to by default)."""
        if signature is None:
            signature = self.validator.compute_signature(signed_url or BASE + path, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return self.client.post(path, data=params, headers=headers)

    def text(self, body: str, sid: str | None = None) -> str:
        """Send an SMS and return the reply the gateway gives in its TwiML."""
        response = self.post("/sms", self.params(body, sid))
        assert response.status_code == 200, response.get_data(as_text=True)
        return twiml_text(response.get_data(as_text=True))


@pytest.fixture
def settings(db_path) -> Settings:
    return Settings(db_path=str(db_path), twilio_auth_token="test-auth-token")


@pytest.fixture
def make_client():
    """Return a function that builds the gateway for some settings and gives its test client."""
    apps = []

    def make(settings: Settings):
        apps.append(create_app(settings))
        return apps[-1].test_client()

    yield make
    for app in apps:
        close_connections(app)


@pytest.fixture
def client(demo_db, settings, make_client):
    return make_client(settings)


@pytest.fixture
def phone(client, settings) -> Phone:
    return Phone(client, settings)


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def english(key: str, **params) -> str:
    return render_reply(Reply(key, params), "en")


def test_the_done_when_conversation(phone, demo_db):
    strik = next(c for c in demo_data.COMMUNITIES if c["code"] == "STRIK")
    texts = strik["texts"]["en"]

    assert phone.text("HELP") == english("help")
    assert phone.text("TILBYD Jeg kan strikke") == english("offer_saved")
    assert phone.text("DELTAG STRIK") == english(
        "joined", name=texts["name"], schedule=texts["schedule"], place=strik["place"],
        code="STRIK")
    assert phone.text("ROS Strikkecaféen er hyggelig") == english("thanks_ros")
    assert phone.text("STOP") == english("stopped")
    assert phone.text("START") == english("started")

    offers = [o for o in export_rows(demo_db, "offers") if o["phone"] == NUMBER]
    assert [(o["description"], o["channel"], o["status"]) for o in offers] == [
        ("Jeg kan strikke", "sms", "pending")]
    members = [m for m in export_rows(demo_db, "members") if m["phone"] == NUMBER]
    assert [(m["code"], m["channel"]) for m in members] == [("STRIK", "sms")]
    feedback = [f for f in export_rows(demo_db, "feedback") if f["phone"] == NUMBER]
    assert [(f["kind"], f["text"], f["channel"]) for f in feedback] == [
        ("ros", "Strikkecaféen er hyggelig", "sms")]
    assert find_contact(demo_db, NUMBER)["opted_out"] == 0


def test_the_reply_is_twiml_in_xml(phone):
    response = phone.post("/sms", phone.params("HJÆLP"))
    assert response.status_code == 200
    assert response.mimetype in ("application/xml", "text/xml")
    assert twiml_text(response.get_data(as_text=True)) == render_reply(Reply("help"), "da")


def test_an_opted_out_number_gets_an_empty_response(phone):
    phone.text("STOP")
    response = phone.post("/sms", phone.params("MINE"))
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response" and list(root) == []


def test_ampersands_and_angle_brackets_are_escaped(phone, demo_db, now):
    create_community(demo_db, code="KAGE", town="Munkebo", now=now, place="Bager & <Café>",
                     texts={"da": {"name": "Kaffe & <kage>", "schedule": "Fredage"}})
    response = phone.post("/sms", phone.params("DELTAG KAGE"))
    xml = response.get_data(as_text=True)
    assert "Kaffe &amp; &lt;kage&gt;" in xml
    assert "<kage>" not in xml
    assert twiml_text(xml).startswith("Velkommen til Kaffe & <kage>! Fredage, Bager & <Café>.")

    # A citizen's own text comes back in MINE: it is escaped the same way.
    phone.text("TILBYD Is & <b>kage</b>")
    assert "Is & <b>kage</b>" in phone.text("MINE")
    # The demo's Fjord&Bælt place name survives the round trip too.
    assert "Foran Fjord&Bælt" in phone.text("DELTAG FODSLAW")


def test_an_unsigned_request_is_refused_and_nothing_is_written(phone, demo_db):
    before = count(demo_db, "messages")
    response = phone.post("/sms", phone.params("TILBYD Jeg kan strikke"), signature="")
    assert response.status_code == 403
    assert count(demo_db, "messages") == before
    assert find_contact(demo_db, NUMBER) is None


def test_a_wrong_signature_is_refused(phone, demo_db):
    params = phone.params("HJÆLP")
    forged = RequestValidator("another-token").compute_signature(BASE + "/sms", params)
    assert phone.post("/sms", params, signature=forged).status_code == 403
    assert phone.post("/sms", params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert count(demo_db, "messages") == 0


def test_a_signature_for_changed_params_is_refused(phone, demo_db):
    params = phone.params("HJÆLP")
    signature = phone.validator.compute_signature(BASE + "/sms", params)
    params["Body"] = "SLET"
    assert phone.post("/sms", params, signature=signature).status_code == 403


def test_a_signature_for_another_url_is_refused(phone, demo_db):
    params = phone.params("HJÆLP")
    assert phone.post("/sms", params, signed_url=BASE + "/other").status_code == 403
    assert phone.post("/sms", params, signed_url="https://evil.example/sms").status_code == 403
    assert count(demo_db, "messages") == 0


def test_behind_a_proxy_the_public_url_is_what_twilio_signed(demo_db, db_path, make_client):
    settings = Settings(db_path=str(db_path), twilio_auth_token="test-auth-token",
                        public_url="https://sms.example.dk")
    phone = Phone(make_client(settings), settings)
    params = phone.params("HJÆLP")

    refused = phone.post("/sms", params, signed_url="http://localhost/sms")
    accepted = phone.post("/sms", params, signed_url="https://sms.example.dk/sms")

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert twiml_text(accepted.get_data(as_text=True)) == render_reply(Reply("help"), "da")


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_a_signed_request_without_sid_or_sender_is_a_bad_request(phone, demo_db, missing):
    params = phone.params("HJÆLP")
    del params[missing]
    assert phone.post("/sms", params).status_code == 400
    assert count(demo_db, "messages") == 0


@pytest.mark.parametrize("sender", ["Telenor", "+45 20 11 22 33", "004520112233", "20112233",
                                    "+0452011223", "+4520112", "+4520112233445566"])
def test_a_sender_that_is_not_e164_is_a_bad_request_logged_masked(client, settings, demo_db,
                                                                   sender, caplog):
    caplog.set_level(logging.WARNING, logger="faelles.gateway")
    phone = Phone(client, settings, number=sender)

    assert phone.post("/sms", phone.params("HJÆLP")).status_code == 400

    assert count(demo_db, "messages") == 0
    [line] = [r.getMessage() for r in caplog.records if "not an E.164 number" in r.getMessage()]
    assert sender not in line and sender.replace(" ", "")[-4:] not in line


@pytest.mark.parametrize("number", ["+4522000001", "+4529999999", "+299123456", "+88234567890"])
def test_any_e164_sender_is_answered_even_one_libphonenumber_does_not_know(client, settings,
                                                                           demo_db, number):
    # +4522000001 is E.164, but libphonenumber's metadata calls
    # the range unallocated. The 400 lost the text: Twilio does not retry a 4xx.
    phone = Phone(client, settings, number=number)

    assert phone.text("HJÆLP") == render_reply(Reply("help"), "da")
    assert phone.text("STOP") == render_reply(Reply("stopped"), "da")

    contact = find_contact(demo_db, number)
    assert contact["phone"] == number and contact["opted_out"] == 1
    assert count(demo_db, "messages") == 4  # two texts in, two replies out


# MessageSid (ESC and BEL in it were stored and exported raw).

@pytest.mark.parametrize("sid", [
    "SM\x1b[31m" + "a" * 25 + "\x07", "SMreplayed", "sm" + "a" * 32, "SM" + "a" * 31,
    "SM" + "a" * 33, "SM" + "a" * 32 + "\n", "XX" + "a" * 32, "SM" + "g" * 32, "AC" + "a" * 32,
], ids=["escape-bell", "short", "lower-prefix", "31-hex", "33-hex", "newline", "XX", "not-hex",
        "account-sid"])
def test_a_message_sid_not_in_twilios_format_is_refused_before_storing(phone, demo_db, sid,
                                                                         caplog):
    caplog.set_level(logging.WARNING, logger="faelles.gateway")
    offers = count(demo_db, "offers")

    assert phone.post("/sms", phone.params("TILBYD Jeg kan strikke", sid=sid)).status_code == 400
    assert phone.post("/sms/status", callback(sid, "delivered")).status_code == 400

    assert count(demo_db, "messages") == 0
    assert count(demo_db, "offers") == offers
    assert find_contact(demo_db, NUMBER) is None
    assert not any("\x1b" in r.getMessage() or "\x07" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("sid", ["MM" + "0a" * 16, "SM" + "AB" * 16, "SM" + "0123456789abcdef" * 2])
def test_sms_and_mms_sids_in_either_case_are_taken(phone, sid):
    assert phone.text("HJÆLP", sid=sid) == render_reply(Reply("help"), "da")


# Request size (an unsigned 100 MB body was read and parsed before the 403).

class UnreadBody(io.RawIOBase):
    """A request body that records whether the gateway read any of it."""

    def __init__(self):
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.reads += 1
        return 0


@pytest.mark.parametrize("path", ["/sms", "/sms/status", "/healthz"])
def test_a_body_over_the_limit_is_refused_unread(client, demo_db, path):
    body = UnreadBody()
    response = client.open(path, method="GET" if path == "/healthz" else "POST",
                           content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input": body,
                                              "CONTENT_LENGTH": str(100 * 1024 * 1024)})

    assert response.status_code == 413
    assert body.reads == 0
    assert count(demo_db, "messages") == 0


def test_the_largest_text_twilio_sends_is_under_the_limit(phone):
    # 1600 characters of 4 bytes each in UTF-8: 12 characters each URL-encoded.
    params = phone.params("ROS " + "🙂" * 1596)
    assert len(urlencode(params)) < MAX_BODY_BYTES / 3

    assert phone.post("/sms", params).status_code == 200


def test_an_oversized_signed_body_is_refused_too(phone, demo_db):
    response = phone.post("/sms", phone.params("ROS " + "x" * (64 * 1024)))
    assert response.status_code == 413
    assert count(demo_db, "messages") == 0


# Durable before the 200.

def test_the_inbound_commit_is_on_disk_before_the_answer(phone, demo_db, db_path, monkeypatch):
    synced = []
    real_fdatasync = os.fdatasync

    def fdatasync(fd):
        real_fdatasync(fd)
        # What was synced, and whether the text was committed by then.
        committed = row(demo_db, "SELECT count(*) AS n FROM messages WHERE direction = 'in'")["n"]
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), committed))

    monkeypatch.setattr("sms_gateway.group_sync.os.fdatasync", fdatasync)

    phone.text("ROS Tak for i går")

    assert synced == [(str(db_path) + "-wal", 1)]


def test_a_replayed_message_gets_the_same_twiml_and_does_nothing_new(phone, demo_db):
    params = phone.params("TILBYD Jeg kan strikke", sid="SM" + "ab" * 16)
    first = phone.post("/sms", params)
    messages, offers = count(demo_db, "messages"), count(demo_db, "offers")

    again = phone.post("/sms", params)

    assert again.status_code == first.status_code == 200
    assert again.get_data() == first.get_data()
    assert (count(demo_db, "messages"), count(demo_db, "offers")) == (messages, offers)


def test_healthz(client, demo_db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "ok"
    # It proved a write: the heartbeat row was committed.
    assert row(demo_db, "SELECT source FROM heartbeat") == {"source": "gateway"}


def test_healthz_is_get_only(client):
    assert client.post("/healthz").status_code == 405


# Status callbacks.

@pytest.fixture
def recipient(demo_db, now) -> dict:
    return touch_contact(demo_db, "+4520445566", now=now, language="da")


@pytest.fixture
def claimed(demo_db, recipient, now) -> int:
    """Return an outbound message the worker has claimed but not yet handed to Twilio."""
    message_id = queue_message(demo_db, phone=recipient["phone"], body="Dit tilbud er godkendt.",
                               now=now, contact_id=recipient["id"])
    assert claim_next(demo_db, now=now)["id"] == message_id
    return message_id


@pytest.fixture
def sent(demo_db, claimed, now) -> int:
    mark_sent(demo_db, claimed, provider_id=SENT_SID, now=now)
    return claimed


def callback(sid: str, status: str, **extra) -> dict:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC0", **extra}


def test_a_status_callback_moves_the_message_forward(phone, demo_db, sent):
    assert phone.post("/sms/status", callback(SENT_SID, "delivered")).status_code == 204
    assert get_message(demo_db, sent)["status"] == "delivered"


def test_a_late_sent_does_not_undo_delivered(phone, demo_db, sent):
    phone.post("/sms/status", callback(SENT_SID, "delivered"))
    assert phone.post("/sms/status", callback(SENT_SID, "sent")).status_code == 204
    assert get_message(demo_db, sent)["status"] == "delivered"


def test_our_id_in_the_callback_url_finds_a_message_without_provider_id(phone, demo_db,
                                                                        claimed):
    assert get_message(demo_db, claimed)["provider_id"] is None
    path = f"/sms/status?id={claimed}"

    response = phone.post(path, callback(EARLY_SID, "sent"))

    assert response.status_code == 204
    message = get_message(demo_db, claimed)
    assert (message["provider_id"], message["status"]) == (EARLY_SID, "sent")


def test_error_21610_opts_the_contact_out(phone, demo_db, sent, recipient):
    response = phone.post("/sms/status", callback(SENT_SID, "failed", ErrorCode="21610"))
    assert response.status_code == 204
    message = get_message(demo_db, sent)
    assert (message["status"], message["error_code"]) == ("failed", "21610")
    assert find_contact(demo_db, recipient["phone"])["opted_out"] == 1


def test_another_error_does_not_opt_out(phone, demo_db, sent, recipient):
    phone.post("/sms/status", callback(SENT_SID, "undelivered", ErrorCode="30003"))
    assert get_message(demo_db, sent)["status"] == "undelivered"
    assert find_contact(demo_db, recipient["phone"])["opted_out"] == 0


def test_a_status_we_do_not_track_is_acknowledged(phone, demo_db, sent):
    assert phone.post("/sms/status", callback(SENT_SID, "accepted")).status_code == 204
    assert get_message(demo_db, sent)["status"] == "sent"


def test_a_callback_for_an_unknown_message_is_acknowledged(phone):
    assert phone.post("/sms/status", callback("SM" + "0f" * 16, "delivered")).status_code == 204


def test_an_unsigned_status_callback_is_refused(phone, demo_db, sent, recipient):
    params = callback(SENT_SID, "failed", ErrorCode="21610")
    assert phone.post("/sms/status", params, signature="").status_code == 403
    assert get_message(demo_db, sent)["status"] == "sent"
    assert find_contact(demo_db, recipient["phone"])["opted_out"] == 0


def test_a_status_callback_signed_without_our_id_is_refused(phone, demo_db, claimed):
    # The id is part of the URL Twilio signs: dropping or changing it breaks the signature.
    params = callback(EARLY_SID, "sent")
    response = phone.post(f"/sms/status?id={claimed}", params,
                          signed_url=BASE + "/sms/status")
    assert response.status_code == 403
    assert get_message(demo_db, claimed)["provider_id"] is None


def test_a_late_callback_settles_an_uncertain_message(phone, demo_db, claimed, now):
    # Twilio took it, but answered after our timeout.
    mark_uncertain(demo_db, claimed, error="ReadTimeout", check_at=now, now=now)

    response = phone.post(f"/sms/status?id={claimed}", callback(EARLY_SID, "delivered"))

    assert response.status_code == 204
    message = get_message(demo_db, claimed)
    assert (message["status"], message["provider_id"]) == ("delivered", EARLY_SID)
    assert message["error_message"] is None


def test_a_late_delivered_moves_a_message_an_older_worker_failed_as_interrupted(phone, demo_db,
                                                                                claimed, now):
    # What abandon_interrupted wrote, before messages could be uncertain.
    mark_failed(demo_db, claimed, error_code=None, error="interrupted while sending", now=now)

    phone.post(f"/sms/status?id={claimed}", callback(EARLY_SID, "sent"))
    assert get_message(demo_db, claimed)["status"] == "sent"
    phone.post(f"/sms/status?id={claimed}", callback(EARLY_SID, "delivered"))

    message = get_message(demo_db, claimed)
    assert (message["status"], message["provider_id"]) == ("delivered", EARLY_SID)


def test_a_late_delivered_does_not_undo_a_failure_twilio_reported(phone, demo_db, sent):
    phone.post("/sms/status", callback(SENT_SID, "failed", ErrorCode="30007"))
    phone.post("/sms/status", callback(SENT_SID, "delivered"))
    assert get_message(demo_db, sent)["status"] == "failed"


@pytest.mark.parametrize("code", ["3" * 60_000, "30003\x1b[31m", "\x1b]8;;x\x07", "21610 ", "-1"])
def test_an_error_code_not_as_twilio_sends_it_is_refused_and_not_stored(phone, demo_db, sent,
                                                                         code):
    response = phone.post("/sms/status", callback(SENT_SID, "failed", ErrorCode=code))
    assert response.status_code == 400
    message = get_message(demo_db, sent)
    assert (message["status"], message["error_code"]) == ("sent", None)


@pytest.mark.parametrize("our_id", ["9" * 40, "9223372036854775808", "0", "-1", "1e3", ""])
def test_an_id_out_of_range_is_a_bad_request(phone, demo_db, sent, our_id):
    response = phone.post(f"/sms/status?id={our_id}", callback(EARLY_SID, "delivered"))
    assert response.status_code == 400
    assert get_message(demo_db, sent)["status"] == "sent"


@pytest.mark.parametrize("reported", ["queued", "sending", "accepted"])
def test_an_early_status_settles_an_uncertain_message_as_taken(phone, demo_db, claimed, now,
                                                               reported):
    # The provider's "queued" is its own queue: put back in ours, with no next
    # attempt, the message would never be sent nor asked about again.
    mark_uncertain(demo_db, claimed, error="ReadTimeout", check_at=now, now=now)
    phone.post(f"/sms/status?id={claimed}", callback(EARLY_SID, reported))
    message = get_message(demo_db, claimed)
    assert (message["status"], message["provider_id"]) == ("sent", EARLY_SID)
    phone.post(f"/sms/status?id={claimed}", callback(EARLY_SID, "delivered"))
    assert get_message(demo_db, claimed)["status"] == "delivered"


def test_a_callback_cannot_settle_a_message_never_handed_to_the_provider(phone, demo_db,
                                                                         recipient, now):
    waiting = queue_message(demo_db, phone=recipient["phone"], body="Hej", now=now,
                            contact_id=recipient["id"])
    assert phone.post(f"/sms/status?id={waiting}",
                      callback(EARLY_SID, "delivered")).status_code == 204
    message = get_message(demo_db, waiting)
    assert (message["status"], message["provider_id"]) == ("queued", None)
    assert claim_next(demo_db, now=now)["id"] == waiting  # and it is still sent


def test_a_status_callback_without_a_status_is_a_bad_request(phone):
    assert phone.post("/sms/status", {"MessageSid": SENT_SID}).status_code == 400


def test_the_gateway_works_on_its_own_store(tmp_path, make_client):
    """create_app migrates a new store, so a fresh clone can serve at once."""
    settings = Settings(db_path=str(tmp_path / "new" / "faelles.db"))
    phone = Phone(make_client(settings), settings)
    assert phone.text("HJÆLP") == render_reply(Reply("help"), "da")
    db = open_db(settings.db_path, migrate=False)
    try:
        assert row(db, "SELECT language FROM contacts")["language"] == "da"
    finally:
        db.close()
