"""The transports: the real twilio Client answered locally, and the console."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from shared.settings import Settings
from sms_gateway.transports import (ConsoleTransport, PermanentSendError,
                                    RedirectingHttpClient, SendResult, TransientSendError,
                                    TwilioTransport, make_transport)

SID = "AC" + "0" * 32
TOKEN = "test-auth-token"
MESSAGES_PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
MESSAGE = {"id": 7, "phone": "+4520112233", "body": "Hej! Du er med i STRIK."}
CREATED = {"sid": "SM" + "a" * 32, "status": "queued", "to": "+4520112233",
           "from": "+4570000000", "body": "Hej! Du er med i STRIK.", "account_sid": SID}


class LocalTwilioApi(HttpClient):
    """Answer every REST call with one canned response and remember the requests."""

    def __init__(self, status: int = 201, payload: dict | None = None, error=None):
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.status = status
        self.payload = CREATED if payload is None else payload
        self.error = error
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        if self.error is not None:
            raise self.error
        return Response(self.status, json.dumps(self.payload))


def twilio_transport(api: HttpClient, callback: str | None = "https://faelles.example/sms/status"):
    return TwilioTransport(Client(SID, TOKEN, http_client=api), "+4570000000", callback)


def test_posts_the_message_to_the_messages_resource():
    api = LocalTwilioApi()

    result = twilio_transport(api).send(MESSAGE)

    assert result == SendResult(provider_id=CREATED["sid"], status="queued")
    [sent] = api.requests
    assert sent["method"] == "POST"
    assert sent["uri"] == f"https://api.twilio.com{MESSAGES_PATH}"
    assert sent["auth"] == (SID, TOKEN)
    assert sent["data"] == {
        "To": "+4520112233",
        "From": "+4570000000",
        "Body": "Hej! Du er med i STRIK.",
        "StatusCallback": "https://faelles.example/sms/status?id=7",
    }


def test_no_status_callback_without_a_url():
    api = LocalTwilioApi()

    twilio_transport(api, callback=None).send(MESSAGE)

    assert "StatusCallback" not in api.requests[0]["data"]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_transient(status):
    api = LocalTwilioApi(status, {"code": 20429 if status == 429 else 20500,
                                  "message": "Try later", "status": status})

    with pytest.raises(TransientSendError):
        twilio_transport(api).send(MESSAGE)


@pytest.mark.parametrize("code", [21211, 21610])
def test_other_client_errors_are_permanent_with_the_twilio_code(code):
    api = LocalTwilioApi(400, {"code": code, "message": "The 'To' number is not valid",
                               "more_info": f"https://www.twilio.com/docs/errors/{code}",
                               "status": 400})

    with pytest.raises(PermanentSendError) as raised:
        twilio_transport(api).send(MESSAGE)

    assert raised.value.code == str(code)


def test_a_client_error_without_a_body_has_no_code():
    api = LocalTwilioApi(401, payload={})

    with pytest.raises(PermanentSendError) as raised:
        twilio_transport(api).send(MESSAGE)

    assert raised.value.code is None


@pytest.mark.parametrize("error", [
    requests.ConnectionError("connection refused"),
    requests.ReadTimeout("read timed out"),
    TwilioException("HttpClient failed"),
])
def test_network_failures_are_transient(error):
    with pytest.raises(TransientSendError):
        twilio_transport(LocalTwilioApi(error=error)).send(MESSAGE)


class FakeMessagesApi(BaseHTTPRequestHandler):
    """A Twilio-compatible Messages.json endpoint on a real socket."""

    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        self.received.append({"path": self.path, "form": form,
                              "authorization": self.headers["Authorization"]})
        body = json.dumps({**CREATED, "to": form["To"][0]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def local_api():
    FakeMessagesApi.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeMessagesApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", FakeMessagesApi.received
    server.shutdown()
    server.server_close()
    thread.join()


def test_redirecting_client_reaches_a_local_api(local_api):
    base_url, received = local_api
    http_client = RedirectingHttpClient(base_url + "/")
    try:
        result = twilio_transport(http_client).send(MESSAGE)
    finally:
        http_client.session.close()

    assert result.provider_id == CREATED["sid"]
    [request] = received
    assert request["path"] == MESSAGES_PATH
    assert request["form"]["To"] == ["+4520112233"]
    assert request["form"]["StatusCallback"] == ["https://faelles.example/sms/status?id=7"]
    assert request["authorization"].startswith("Basic ")
    assert http_client.timeout == 10


def test_an_unreachable_api_is_transient(local_api):
    base_url, _ = local_api
    closed = HTTPServer(("127.0.0.1", 0), FakeMessagesApi)
    port = closed.server_port
    closed.server_close()  # nothing listens there any more
    http_client = RedirectingHttpClient(f"http://127.0.0.1:{port}", timeout=2)
    try:
        with pytest.raises(TransientSendError):
            twilio_transport(http_client).send(MESSAGE)
    finally:
        http_client.session.close()


def test_make_transport_talks_to_the_configured_api(local_api):
    base_url, received = local_api
    settings = Settings(transport="twilio", twilio_account_sid=SID, twilio_auth_token=TOKEN,
                        twilio_api_url=base_url, public_url="https://faelles.example")

    transport = make_transport(settings)
    try:
        transport.send(MESSAGE)
    finally:
        transport.client.http_client.session.close()

    assert isinstance(transport, TwilioTransport)
    assert received[0]["form"]["From"] == [settings.twilio_from]
    assert received[0]["form"]["StatusCallback"] == ["https://faelles.example/sms/status?id=7"]


def test_make_transport_without_a_public_url_asks_for_no_callbacks():
    transport = make_transport(Settings(transport="twilio"))
    try:
        assert transport.status_callback_url is None
        assert transport.client.http_client.timeout == 10
    finally:
        transport.client.http_client.session.close()


def test_console_transport_logs_and_delivers(caplog):
    caplog.set_level(logging.INFO, logger="faelles.sms")

    result = make_transport(Settings(transport="console")).send(MESSAGE)

    assert isinstance(make_transport(Settings()), ConsoleTransport)
    assert result == SendResult(provider_id="console-7", status="delivered")
    assert "to +4520112233: Hej! Du er med i STRIK." in caplog.messages
