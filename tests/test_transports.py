"""The transports: the real twilio Client answered locally, and the console."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from shared.settings import Settings
from sms_gateway.transports import (ConsoleTransport, PermanentSendError,
                                    RedirectingHttpClient, SendResult, TransientSendError,
                                    TwilioTransport, UncertainSendError, make_transport)

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
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth,
                              "params": params})
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


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limits_and_unavailable_are_transient(status):
    api = LocalTwilioApi(status, {"code": 20429 if status == 429 else 20503,
                                  "message": "Try later", "status": status})

    with pytest.raises(TransientSendError):
        twilio_transport(api).send(MESSAGE)


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_server_errors_are_uncertain(status):
    # A 500, or a proxy's 502/504, can come after Twilio created the message.
    api = LocalTwilioApi(status, {"code": 20500, "message": "Internal error", "status": status})

    with pytest.raises(UncertainSendError):
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
    requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused"))),
    requests.ConnectTimeout("connect timed out"),
], ids=["refused", "connect-timeout"])
def test_failures_to_connect_are_transient(error):
    with pytest.raises(TransientSendError):
        twilio_transport(LocalTwilioApi(error=error)).send(MESSAGE)


@pytest.mark.parametrize("error", [
    requests.ReadTimeout("read timed out"),
    requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
    requests.exceptions.ChunkedEncodingError("connection broken"),
    TwilioException("HttpClient failed"),
], ids=["read-timeout", "dropped", "broken-answer", "http-layer"])
def test_failures_after_the_request_went_out_are_uncertain(error):
    # Twilio may have the message; sending again could text twice.
    with pytest.raises(UncertainSendError):
        twilio_transport(LocalTwilioApi(error=error)).send(MESSAGE)


def listed(*messages: dict) -> dict:
    return {"messages": list(messages), "next_page_uri": None, "page": 0, "page_size": 50,
            "uri": MESSAGES_PATH, "first_page_uri": MESSAGES_PATH, "previous_page_uri": None,
            "start": 0, "end": len(messages) - 1}


def at_twilio(sid: str, **fields) -> dict:
    return {**CREATED, "sid": sid, "direction": "outbound-api", "error_code": None,
            "date_created": "Fri, 27 Nov 2026 09:30:05 +0000", **fields}


def test_find_sent_asks_by_recipient_and_date_and_matches_the_body():
    since = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
    api = LocalTwilioApi(200, listed(
        at_twilio("SM" + "1" * 32, status="delivered"),
        at_twilio("SM" + "2" * 32, body="Another text"),
        at_twilio("SM" + "3" * 32, direction="inbound"),
        at_twilio("SM" + "4" * 32, date_created="Thu, 26 Nov 2026 09:00:00 +0000"),
        at_twilio("SM" + "5" * 32, status="undelivered", error_code=30003),
    ))

    found = twilio_transport(api).find_sent(MESSAGE, since)

    assert found == [SendResult("SM" + "1" * 32, "delivered"),
                     SendResult("SM" + "5" * 32, "undelivered", "30003")]
    dated, undated = api.requests
    assert dated["method"] == "GET" and dated["uri"] == f"https://api.twilio.com{MESSAGES_PATH}"
    assert dated["params"] == {"To": "+4520112233", "From": "+4570000000",
                               "DateSent>": "2026-11-27", "PageSize": 50}
    # A message still queued at Twilio has no date_sent: asked for without the date too.
    assert undated["params"] == {"To": "+4520112233", "From": "+4570000000", "PageSize": 50}


@pytest.mark.parametrize("status, ours", [("accepted", "sent"), ("queued", "sent"),
                                          ("sending", "sent"), ("sent", "sent"),
                                          ("delivered", "delivered"), ("read", "delivered"),
                                          ("failed", "failed"), ("canceled", "failed")])
def test_find_sent_says_twilios_status_in_ours(status, ours):
    api = LocalTwilioApi(200, listed(at_twilio("SM" + "1" * 32, status=status)))
    [found] = twilio_transport(api).find_sent(MESSAGE, datetime(2026, 11, 27, 9, 30,
                                                                tzinfo=timezone.utc))
    assert found.status == ours


@pytest.mark.parametrize("api", [
    LocalTwilioApi(error=requests.ConnectionError("refused")),
    LocalTwilioApi(401, {"code": 20003, "message": "Authenticate", "status": 401}),
    LocalTwilioApi(500, {"code": 20500, "message": "Internal error", "status": 500}),
], ids=["unreachable", "refused", "server-error"])
def test_find_sent_raises_transient_when_twilio_cannot_be_asked(api):
    with pytest.raises(TransientSendError):
        twilio_transport(api).find_sent(MESSAGE, datetime(2026, 11, 27, tzinfo=timezone.utc))


def test_the_twilio_librarys_request_log_is_kept_out_of_ours(caplog):
    caplog.set_level(logging.INFO)
    transport = make_transport(Settings(transport="twilio"))
    try:
        assert transport.client.http_client.logger.getEffectiveLevel() >= logging.WARNING
        transport.client.http_client.log_request(
            {"method": "GET", "url": "https://api.twilio.com/x", "headers": {},
             "params": {"To": "+4520112233"}})
    finally:
        transport.client.http_client.session.close()
    assert "+4520112233" not in caplog.text


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
    # The text, for the developer reading it; not the number.
    assert caplog.messages == ["to +45 •• •• •• 33: Hej! Du er med i STRIK."]
