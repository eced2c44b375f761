"""GatewayAPI's webhooks: real JWTs, replies through the outbox, retries answered once, reports."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

import jwt
import pytest
from twilio.request_validator import RequestValidator

from shared.clock import utcnow
from shared.contacts import find_contact
from shared.db import row, rows
from shared.messages import (NO_REPORT, claim_next, get_message, mark_failed, mark_sent,
                             mark_uncertain, queue_message)
from shared.replies import Reply, render_reply
from shared.settings import Settings
from sms_gateway.app import close_connections, create_app
from sms_gateway.fake_gatewayapi import FakeGatewayApi, inbound_message
from sms_gateway.transports import GatewayApiTransport
from sms_gateway.worker import send_one

SECRET = "5f0c8e1d" * 8  # 64 bytes: long enough for HS512 too, so that test is about the algorithm
OTHER_SECRET = "a1b2c3d4" * 8
TOKEN = "webhook-test-token"
NUMBER = "+4587654321"
ALL_DAY = (Settings.quiet_start, Settings.quiet_start)  # no quiet hours

# Shaped like the examples in GatewayAPI's documentation.
DOCS_INBOUND = {"id": 1000001, "msisdn": 4587654321, "receiver": 451204, "message": "HJÆLP",
                "senttime": 1450000000, "webhook_label": "test", "country_code": "DK",
                "country_prefix": 45}
DOCS_REPORT = {"id": 1000001, "msisdn": 4587654321, "time": 1450000000, "status": "DELIVERED",
               "userref": "foobar", "charge_status": "CAPTURED", "country_code": "DK",
               "country_prefix": 45}


def signed(message: dict, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(message, secret, algorithm=algorithm)


def unsigned(message: dict) -> str:
    """Return a token with "alg": "none" and no signature, as an attacker would make it."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(message)}."


class GatewayApi:
    """Calls the gateway's GatewayAPI webhooks as GatewayAPI does: JSON, signed with a JWT."""

    def __init__(self, client):
        self.client = client

    def post(self, path: str, message: dict, *, token: str | None = None, body=None):
        token = signed(message) if token is None else token
        headers = {"X-Gwapi-Signature": token} if token else {}
        data = json.dumps(message if body is None else body)
        return self.client.post(path, data=data, headers=headers,
                                content_type="application/json")

    def text(self, body: str, *, number: str = NUMBER, message: dict | None = None):
        message = message or inbound_message(number, "4570000000", body)
        response = self.post("/gatewayapi/sms", message)
        assert response.status_code == 204, response.get_data(as_text=True)
        return message

    def report(self, their_id: int, status: str, *, userref: str | None = None, **fields):
        message = {"id": their_id, "msisdn": int(NUMBER[1:]), "time": 1450000000,
                   "status": status, **fields}
        if userref is not None:
            message["userref"] = userref
        return self.post("/gatewayapi/status", message)


@pytest.fixture
def settings(db_path) -> Settings:
    return Settings(db_path=str(db_path), provider="gatewayapi",
                    gatewayapi_webhook_secret=SECRET, twilio_auth_token="test-auth-token")


@pytest.fixture
def make_client():
    apps = []

    def make(settings: Settings):
        apps.append(create_app(settings))
        return apps[-1].test_client()

    yield make
    for app in apps:
        close_connections(app)


@pytest.fixture
def gatewayapi(demo_db, settings, make_client) -> GatewayApi:
    return GatewayApi(make_client(settings))


@pytest.fixture
def api():
    with FakeGatewayApi(TOKEN, SECRET) as fake:
        yield fake


@pytest.fixture
def transport(api):
    """The worker's GatewayAPI transport, sending to the fake API (reports go nowhere)."""
    sender = GatewayApiTransport(api.url, TOKEN, "4570000000", None)
    yield sender
    sender.close()


def soon() -> datetime:
    """Return a moment when what the webhook queued (at the wall clock's now) is due."""
    return utcnow() + timedelta(seconds=1)


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def replies_to(db, number: str = NUMBER) -> list[dict]:
    return rows(db, "SELECT * FROM messages WHERE phone = ? AND direction = 'out'"
                    " AND kind IN ('reply', 'consent_reply') ORDER BY id", (number,))


# -- inbound: the reply goes through the outbox, once ------------------------------------

@pytest.mark.parametrize("sample", ["docs", "dev phone"])
def test_the_reply_goes_through_the_outbox_to_the_api_once(gatewayapi, demo_db, api, transport,
                                                           sample):
    message = DOCS_INBOUND if sample == "docs" else inbound_message(NUMBER, "4570000000",
                                                                    "HJÆLP")
    gatewayapi.text("", message=message)
    gatewayapi.text("", message=message)  # GatewayAPI's retry: no answer came in 5 s

    assert count(demo_db, "messages") == 2  # the SMS and its one reply
    inbound = row(demo_db, "SELECT * FROM messages WHERE direction = 'in'")
    assert inbound["provider_id"] == f"gwapi-mo-{message['id']}"
    [reply] = replies_to(demo_db)
    assert (reply["status"], reply["body"]) == ("queued", render_reply(Reply("help"), "da"))

    sent = send_one(demo_db, transport, now=soon(), quiet=ALL_DAY)

    assert send_one(demo_db, transport, now=soon(), quiet=ALL_DAY) is None
    [taken] = api.received
    assert (taken["to"], taken["body"], taken["userref"]) == (NUMBER, reply["body"],
                                                             str(reply["id"]))
    assert (sent["status"], sent["provider_id"]) == ("sent", f"gwapi-mt-{taken['id']}")


def test_a_retry_after_the_reply_was_sent_queues_nothing_more(gatewayapi, demo_db, transport):
    message = gatewayapi.text("DELTAG STRIK")
    send_one(demo_db, transport, now=soon(), quiet=ALL_DAY)

    gatewayapi.text("", message=message)

    assert [r["status"] for r in replies_to(demo_db)] == ["sent"]
    assert len(rows(demo_db, "SELECT id FROM memberships")) == len(
        rows(demo_db, "SELECT DISTINCT contact_id, community_id FROM memberships"))


def test_a_conversation_by_gatewayapi_does_its_work(gatewayapi, demo_db):
    gatewayapi.text("TILBYD Jeg kan reparere cykler")
    gatewayapi.text("ROS Tak for en god gåtur")

    contact = find_contact(demo_db, NUMBER)
    assert row(demo_db, "SELECT description FROM offers WHERE contact_id = ?",
               (contact["id"],))["description"] == "Jeg kan reparere cykler"
    assert [r["body"] for r in replies_to(demo_db)] == [
        render_reply(Reply("offer_saved"), "da"), render_reply(Reply("thanks_ros"), "da")]


def test_a_reply_in_ukrainian_is_sent_as_ucs2(gatewayapi, demo_db, api, transport):
    gatewayapi.text("SPROG UK")
    send_one(demo_db, transport, now=soon(), quiet=ALL_DAY)
    assert api.received[0]["encoding"] == "UCS2"


def test_the_stop_confirmation_goes_and_nothing_after_it(gatewayapi, demo_db, api, transport):
    gatewayapi.text("STOP")
    gatewayapi.text("MINE")  # opted out: no answer

    send_one(demo_db, transport, now=soon(), quiet=ALL_DAY)

    assert [m["body"] for m in api.received] == [render_reply(Reply("stopped"), "da")]
    assert find_contact(demo_db, NUMBER)["opted_out"] == 1
    assert len(replies_to(demo_db)) == 1


def test_a_reply_queued_before_a_stop_is_not_sent_after_it(gatewayapi, demo_db):
    gatewayapi.text("HJÆLP")
    gatewayapi.text("STOP")

    first = claim_next(demo_db, now=soon())

    # The answer to HJÆLP was worked out before the number opted out.
    help_reply, stop_reply = replies_to(demo_db)
    assert first["id"] == stop_reply["id"]
    assert (get_message(demo_db, help_reply["id"])["status"],
            get_message(demo_db, help_reply["id"])["error_code"]) == ("failed", "21610")


def test_an_erasure_is_not_confirmed_so_the_number_is_not_kept(gatewayapi, demo_db):
    gatewayapi.text("SLET")
    gatewayapi.text("JA")

    assert find_contact(demo_db, NUMBER) is None
    assert rows(demo_db, "SELECT id FROM messages WHERE phone = ?", (NUMBER,)) == []


# -- refused: nothing is stored ------------------------------------------------------------

def refused_tokens(message: dict) -> dict[str, str]:
    other = {**message, "id": message["id"] + 1}
    return {
        "alg none": unsigned(message),
        "HS512": signed(message, algorithm="HS512"),
        "wrong secret": signed(message, OTHER_SECRET),
        "another message": signed(other),
        "expired": signed({**message, "exp": 1450000000}),
        "not a token": "bm90IGEgdG9rZW4",
    }


@pytest.mark.parametrize("kind", list(refused_tokens(DOCS_INBOUND)))
def test_a_wrongly_signed_sms_is_refused_and_not_stored(gatewayapi, demo_db, kind):
    before = count(demo_db, "messages")
    token = refused_tokens(DOCS_INBOUND)[kind]

    response = gatewayapi.post("/gatewayapi/sms", DOCS_INBOUND, token=token)

    assert response.status_code == 403
    assert count(demo_db, "messages") == before
    assert find_contact(demo_db, NUMBER) is None


def test_an_sms_without_a_token_is_unauthorised(gatewayapi, demo_db):
    assert gatewayapi.post("/gatewayapi/sms", DOCS_INBOUND, token="").status_code == 401
    assert count(demo_db, "messages") == 0


@pytest.mark.parametrize("body", [
    {**DOCS_INBOUND, "message": "SLET"},                   # tampered on the way
    {**DOCS_INBOUND, "msisdn": 4520112233},                # someone else's number
    {**DOCS_INBOUND, "extra": "not signed"},               # more than was signed
    [DOCS_INBOUND],                                        # not the object that was signed
], ids=["tampered-text", "tampered-number", "unsigned-field", "a-list"])
def test_a_body_that_is_not_the_signed_message_is_refused(gatewayapi, demo_db, body):
    response = gatewayapi.post("/gatewayapi/sms", DOCS_INBOUND, body=body)
    assert response.status_code == 403
    assert count(demo_db, "messages") == 0


def test_a_body_that_is_not_json_is_refused(gatewayapi, demo_db):
    response = gatewayapi.client.post("/gatewayapi/sms", data="id=1000001&message=HJ",
                                      headers={"X-Gwapi-Signature": signed(DOCS_INBOUND)},
                                      content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403
    assert count(demo_db, "messages") == 0


def test_the_token_may_sign_more_than_the_body_says(gatewayapi, demo_db):
    # GatewayAPI's own example token carries callback_url and api beside the message.
    token = signed({**DOCS_INBOUND, "callback_url": "https://example.com", "api": 4})
    assert gatewayapi.post("/gatewayapi/sms", DOCS_INBOUND, token=token).status_code == 204
    assert count(demo_db, "messages") == 2


@pytest.mark.parametrize("field, value", [("id", "SM123"), ("id", 0), ("id", True),
                                          ("msisdn", "Telenor"), ("msisdn", 123),
                                          ("message", None)])
def test_a_signed_sms_with_a_bad_field_is_a_bad_request(gatewayapi, demo_db, field, value):
    message = {**DOCS_INBOUND, field: value}
    assert gatewayapi.post("/gatewayapi/sms", message).status_code == 400
    assert count(demo_db, "messages") == 0


# -- delivery reports ----------------------------------------------------------------------

@pytest.fixture
def recipient(demo_db, now):
    from shared.contacts import touch_contact

    return touch_contact(demo_db, NUMBER, now=now, language="da")


@pytest.fixture
def claimed(demo_db, recipient, now) -> int:
    queue_message(demo_db, phone=NUMBER, body="Dit tilbud er godkendt.", now=now,
                  contact_id=recipient["id"])
    return claim_next(demo_db, now=now)["id"]


@pytest.fixture
def sent(demo_db, claimed, now) -> int:
    mark_sent(demo_db, claimed, provider_id="gwapi-mt-2381703", now=now)
    return claimed


def test_the_docs_report_is_acknowledged(gatewayapi, demo_db, sent):
    report = {**DOCS_REPORT, "id": 2381703}
    assert gatewayapi.post("/gatewayapi/status", report).status_code == 204
    assert get_message(demo_db, sent)["status"] == "delivered"


@pytest.mark.parametrize("status, ours", [("ENROUTE", "sent"), ("BUFFERED", "sent"),
                                          ("ACCEPTED", "sent"), ("DELIVERED", "delivered"),
                                          ("UNDELIVERABLE", "undelivered"),
                                          ("EXPIRED", "undelivered"), ("SKIPPED", "undelivered"),
                                          ("REJECTED", "failed"), ("DELETED", "failed")])
def test_a_report_moves_the_message_to_our_status(gatewayapi, demo_db, sent, status, ours):
    assert gatewayapi.report(2381703, status).status_code == 204
    assert get_message(demo_db, sent)["status"] == ours


def test_a_transient_report_after_delivered_is_ignored(gatewayapi, demo_db, sent):
    gatewayapi.report(2381703, "DELIVERED")
    assert gatewayapi.report(2381703, "ENROUTE").status_code == 204
    assert get_message(demo_db, sent)["status"] == "delivered"


def test_a_failure_keeps_gatewayapis_error_code(gatewayapi, demo_db, sent):
    gatewayapi.report(2381703, "UNDELIVERABLE", error="Unknown subscriber", code="0x1010")
    message = get_message(demo_db, sent)
    assert (message["status"], message["error_code"]) == ("undelivered", "0x1010")


def test_a_report_with_our_userref_settles_an_uncertain_message(gatewayapi, demo_db, claimed,
                                                                 now):
    # GatewayAPI took it, but its answer never reached the worker.
    mark_uncertain(demo_db, claimed, error="ReadTimeout", check_at=now, now=now)

    gatewayapi.report(7654321, "ENROUTE", userref=str(claimed))

    message = get_message(demo_db, claimed)
    assert (message["status"], message["provider_id"]) == ("sent", "gwapi-mt-7654321")
    gatewayapi.report(7654321, "DELIVERED", userref=str(claimed))
    assert get_message(demo_db, claimed)["status"] == "delivered"


def test_a_report_after_the_wait_settles_a_message_failed_for_lack_of_one(gatewayapi, demo_db,
                                                                          claimed, now):
    mark_failed(demo_db, claimed, error_code=None, error=NO_REPORT, now=now)
    gatewayapi.report(7654321, "DELIVERED", userref=str(claimed))
    assert get_message(demo_db, claimed)["status"] == "delivered"


def test_a_report_cannot_settle_a_message_still_in_our_queue(gatewayapi, demo_db, recipient,
                                                             now):
    waiting = queue_message(demo_db, phone=NUMBER, body="Hej", now=now,
                            contact_id=recipient["id"])
    gatewayapi.report(7654321, "DELIVERED", userref=str(waiting))
    assert (get_message(demo_db, waiting)["status"], claim_next(demo_db, now=now)["id"]) == (
        "queued", waiting)


@pytest.mark.parametrize("userref", ["foobar", "0", "9" * 40, None])
def test_a_report_about_a_message_not_ours_is_acknowledged(gatewayapi, demo_db, claimed, userref):
    assert gatewayapi.report(7654321, "DELIVERED", userref=userref).status_code == 204
    assert get_message(demo_db, claimed)["status"] == "sending"


def test_a_status_we_do_not_know_is_acknowledged(gatewayapi, demo_db, sent):
    assert gatewayapi.report(2381703, "TELEPORTED").status_code == 204
    assert get_message(demo_db, sent)["status"] == "sent"


@pytest.mark.parametrize("code", ["0x1010\x1b[31m", "1010", "0x" + "f" * 60])
def test_an_error_code_not_in_gatewayapis_form_is_dropped(gatewayapi, demo_db, sent, code):
    gatewayapi.report(2381703, "UNDELIVERABLE", code=code)
    message = get_message(demo_db, sent)
    assert (message["status"], message["error_code"]) == ("undelivered", None)


@pytest.mark.parametrize("kind", list(refused_tokens(DOCS_REPORT)))
def test_a_wrongly_signed_report_is_refused(gatewayapi, demo_db, sent, kind):
    report = {**DOCS_REPORT, "id": 2381703}
    token = refused_tokens(report)[kind]
    assert gatewayapi.post("/gatewayapi/status", report, token=token).status_code == 403
    assert gatewayapi.post("/gatewayapi/status", report, token="").status_code == 401
    assert get_message(demo_db, sent)["status"] == "sent"


# -- configuration, and Twilio beside it -----------------------------------------------------

def test_the_gateway_will_not_start_for_gatewayapi_without_a_secret(db_path):
    with pytest.raises(RuntimeError, match="GATEWAYAPI_WEBHOOK_SECRET must be set"):
        create_app(Settings(db_path=str(db_path), provider="gatewayapi"))


def test_the_gateway_will_not_start_with_a_short_secret(db_path):
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        create_app(Settings(db_path=str(db_path), provider="gatewayapi",
                            gatewayapi_webhook_secret="secret"))


def test_gatewayapi_needs_no_twilio_token(db_path, make_client):
    make_client(Settings(db_path=str(db_path), transport="twilio", provider="gatewayapi",
                         gatewayapi_webhook_secret=SECRET))


def test_with_real_sms_the_development_secret_signs_nothing(db_path, make_client):
    # Twilio's provider, sending for real: GATEWAYAPI_WEBHOOK_SECRET was never set.
    client = make_client(Settings(db_path=str(db_path), transport="twilio",
                                  twilio_auth_token="test-auth-token"))
    token = signed(DOCS_INBOUND, Settings.gatewayapi_webhook_secret)
    assert GatewayApi(client).post("/gatewayapi/sms", DOCS_INBOUND, token=token).status_code == 403


def twilio_params(body: str) -> dict:
    return {"MessageSid": f"SM{7:032x}", "From": "+4520112233", "To": "+4570000000",
            "Body": body}


def test_during_a_move_twilio_still_gets_its_twiml(gatewayapi, settings, demo_db):
    params = twilio_params("HJÆLP")
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(
        "http://localhost/sms", params)

    response = gatewayapi.client.post("/sms", data=params,
                                      headers={"X-Twilio-Signature": signature})

    assert response.status_code == 200
    assert render_reply(Reply("help"), "da") in response.get_data(as_text=True)
    # Given in the answer, so recorded as sent: the outbox holds nothing for it.
    assert [r["status"] for r in replies_to(demo_db, "+4520112233")] == ["sent"]


def test_without_a_twilio_account_the_development_token_signs_nothing(db_path, make_client):
    client = make_client(Settings(db_path=str(db_path), transport="twilio", provider="gatewayapi",
                                  gatewayapi_webhook_secret=SECRET))
    params = twilio_params("HJÆLP")
    signature = RequestValidator(Settings.twilio_auth_token).compute_signature(
        "http://localhost/sms", params)
    assert client.post("/sms", data=params,
                       headers={"X-Twilio-Signature": signature}).status_code == 403
