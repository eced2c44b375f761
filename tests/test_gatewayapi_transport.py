"""The GatewayAPI transport: the JSON GatewayAPI documents, and what each answer means for a message."""

from __future__ import annotations

import base64
import json
import socket
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from shared.settings import Settings
from sms_gateway.fake_gatewayapi import FakeGatewayApi
from sms_gateway.transports import (GatewayApiTransport, PermanentSendError, SendResult,
                                    TransientSendError, UncertainSendError, make_transport)

TOKEN = "transport-test-token"
SECRET = "0f1e2d3c" * 8
MESSAGE = {"id": 7, "phone": "+4520112233", "body": "Hej! Du er med i STRIK."}
CALLBACK = "https://faelles.example/gatewayapi/status"


class CannedAnswer(BaseHTTPRequestHandler):
    """Answer every POST with one canned status and body, and remember the requests."""

    status = 200
    body: object = {"ids": [421332671], "usage": {"countries": {"DK": 1}, "currency": "DKK",
                                                  "total_cost": 0.25}}
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.received.append({"path": self.path, "json": json.loads(self.rfile.read(length)),
                              "authorization": self.headers["Authorization"],
                              "content_type": self.headers["Content-Type"]})
        answer = (self.body if isinstance(self.body, bytes)
                  else json.dumps(self.body).encode())
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def canned():
    """Return answer(status, body) -> (transport, received): GatewayAPI answering so."""
    server = HTTPServer(("127.0.0.1", 0), CannedAnswer)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    made = []

    def answer(status: int = 200, body: object = CannedAnswer.body):
        CannedAnswer.status, CannedAnswer.body, CannedAnswer.received = status, body, []
        made.append(GatewayApiTransport(f"http://127.0.0.1:{server.server_port}/", TOKEN,
                                        "+45 70 00 00 00", CALLBACK))
        return made[-1], CannedAnswer.received

    yield answer
    for transport in made:
        transport.close()
    server.shutdown()
    server.server_close()
    thread.join()


def test_posts_the_message_as_gatewayapi_documents_it(canned):
    transport, received = canned()

    result = transport.send(MESSAGE)

    assert result == SendResult(provider_id="gwapi-mt-421332671", status="sent")
    [request] = received
    assert request["path"] == "/rest/mtsms"
    assert request["content_type"] == "application/json"
    assert request["json"] == {
        "sender": "4570000000", "message": "Hej! Du er med i STRIK.",
        "recipients": [{"msisdn": 4520112233}], "userref": "7", "callback_url": CALLBACK}
    # The API token as the Basic username, the password empty.
    assert base64.b64decode(request["authorization"].split()[1]) == f"{TOKEN}:".encode()


def test_a_text_gsm_7_cannot_carry_is_sent_as_ucs2(canned):
    transport, received = canned()
    transport.send({**MESSAGE, "body": "Тепер ми пишемо вам українською."})
    assert received[0]["json"]["encoding"] == "UCS2"


@pytest.mark.parametrize("status, code", [(403, "0x0216"), (401, "0x0229"), (401, None),
                                          (403, "0x0213"), (429, None), (503, None)],
                         ids=["no-credit", "bad-token", "unauthorised", "ip-refused",
                              "rate-limited", "unavailable"])
def test_what_is_wrong_with_the_account_or_the_moment_is_transient(canned, status, code):
    # Nothing was sent, and every message can go once the account is put right.
    transport, _ = canned(status, {"code": code, "message": "Try later", "variables": []})
    with pytest.raises(TransientSendError, match=str(status)):
        transport.send(MESSAGE)


@pytest.mark.parametrize("status, code", [(400, "0x0215"), (422, "0x0308"), (400, "0x0217")])
def test_what_is_wrong_with_the_message_is_permanent_with_gatewayapis_code(canned, status,
                                                                           code):
    transport, _ = canned(status, {"code": code, "message": "No", "variables": []})
    with pytest.raises(PermanentSendError) as raised:
        transport.send(MESSAGE)
    assert raised.value.code == code


def test_a_client_error_without_a_code_is_permanent_without_one(canned):
    transport, _ = canned(400, b"<html>Bad Request</html>")
    with pytest.raises(PermanentSendError) as raised:
        transport.send(MESSAGE)
    assert raised.value.code is None


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_are_uncertain(canned, status):
    # An exception at GatewayAPI, or a proxy's 502/504, can come after it took the message.
    transport, _ = canned(status, {"code": "0x0101", "message": "Unknown error"})
    with pytest.raises(UncertainSendError):
        transport.send(MESSAGE)


@pytest.mark.parametrize("body", [{"usage": {}}, {"ids": []}, {"ids": [1, 2]}, {"ids": ["x"]},
                                  b"not json"])
def test_a_success_without_one_id_is_uncertain(canned, body):
    transport, _ = canned(200, body)
    with pytest.raises(UncertainSendError):
        transport.send(MESSAGE)


def test_an_unreachable_api_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    transport = GatewayApiTransport(f"http://127.0.0.1:{port}", TOKEN, "4570000000", None)
    try:
        with pytest.raises(TransientSendError):
            transport.send(MESSAGE)
    finally:
        transport.close()


def test_an_answer_that_comes_too_late_is_uncertain():
    with FakeGatewayApi(TOKEN, SECRET, answer_late=1) as api:
        transport = GatewayApiTransport(api.url, TOKEN, "4570000000", None, timeout=0.5)
        try:
            with pytest.raises(UncertainSendError):
                transport.send(MESSAGE)
        finally:
            transport.close()
        assert [m["userref"] for m in api.received] == ["7"]  # it did take it


def test_gatewayapi_cannot_be_asked_about_a_message():
    transport = GatewayApiTransport("http://127.0.0.1:9", TOKEN, "4570000000", None)
    try:
        assert transport.looks_up_sent is False
        with pytest.raises(TransientSendError):
            transport.find_sent(MESSAGE, datetime(2026, 11, 27, tzinfo=timezone.utc))
    finally:
        transport.close()


@pytest.mark.parametrize("sender", ["Faelles", "4570000000", "+4570000000", "+45 70 00 00 00"])
def test_a_sender_is_a_name_or_a_number(sender):
    GatewayApiTransport("http://127.0.0.1:9", TOKEN, sender, None).close()


@pytest.mark.parametrize("sender", ["Fælles Kerteminde", "TwelveLetters", "1" * 16, ""])
def test_a_sender_gatewayapi_would_refuse_is_refused_at_start(sender):
    with pytest.raises(ValueError, match="GATEWAYAPI_SENDER"):
        GatewayApiTransport("http://127.0.0.1:9", TOKEN, sender, None)


def test_make_transport_sends_through_gatewayapi_when_it_is_the_provider():
    with FakeGatewayApi(TOKEN, SECRET) as api:
        settings = Settings(transport="twilio", provider="gatewayapi", gatewayapi_token=TOKEN,
                            gatewayapi_url=api.url, gatewayapi_sender="Faelles",
                            public_url="https://faelles.example")
        transport = make_transport(settings)
        try:
            transport.send(MESSAGE)
        finally:
            transport.close()
    [taken] = api.received
    assert (taken["sender"], taken["callback_url"]) == ("Faelles", CALLBACK)


def test_make_transport_will_not_send_to_gatewayapi_without_a_token():
    with pytest.raises(RuntimeError, match="GATEWAYAPI_TOKEN"):
        make_transport(Settings(transport="twilio", provider="gatewayapi"))


def test_the_console_transport_stays_the_console_whatever_the_provider():
    transport = make_transport(Settings(transport="console", provider="gatewayapi"))
    assert transport.send(MESSAGE).provider_id == "console-7"
