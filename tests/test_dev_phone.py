"""The dev phone texts the gateway as Twilio does and answers the Messages API as Twilio does."""

from __future__ import annotations

import io
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.serving import WSGIRequestHandler, make_server

from shared.settings import Settings
from sms_gateway.dev_phone import (
    SERVICE_LABEL,
    FakeTwilioApi,
    inbound_params,
    run_phone,
    sign_and_post,
    twiml_messages,
)

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
SERVICE_NUMBER = "+4570000000"
PHONE = "+4520112233"
NEIGHBOUR = "+4530112233"
OPTED_OUT = "+4540112233"
SID = re.compile(r"^SM[0-9a-f]{32}$")
REPLIES = ["Skriv TILBYD, FÆLLESSKABER eller ROS.", "Første linje\nAnden linje"]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class StandIn:
    """A stand-in gateway: /sms answers TwiML, /sms/status takes callbacks; both check signatures."""

    def __init__(self, auth_token: str):
        self.validator = RequestValidator(auth_token)
        self.calls: list[dict] = []
        self._arrived = threading.Condition()
        app = Flask(__name__)
        app.add_url_rule("/sms", "sms", self._sms, methods=["POST"])
        app.add_url_rule("/sms/status", "status", self._status, methods=["POST"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def _record(self) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = self.validator.validate(request.url, request.form, signature)
        with self._arrived:
            self.calls.append({"path": request.path, "query": request.query_string.decode(),
                               "form": request.form.to_dict(), "signature": signature,
                               "content_type": request.content_type})
            self._arrived.notify_all()
        return valid

    def _sms(self):
        if not self._record():
            return "", 403
        reply = MessagingResponse()
        for text in REPLIES:
            reply.message(text)
        return str(reply), 200, {"Content-Type": "text/xml"}

    def _status(self):
        return ("", 204) if self._record() else ("", 403)

    def wait_for(self, count: int, timeout: float = 5) -> list[dict]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.calls) >= count, timeout)
            return list(self.calls)


@pytest.fixture
def stand_in():
    gateway = StandIn(AUTH_TOKEN)
    gateway._thread.start()
    yield gateway
    gateway._server.shutdown()
    gateway._thread.join()


@pytest.fixture
def settings():
    return Settings(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    twilio_from=SERVICE_NUMBER)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def phone(url, settings, typed: str, number: str = PHONE) -> tuple[int, str]:
    out = io.StringIO()
    code = run_phone(number, url, "127.0.0.1", 0, settings, stdin=io.StringIO(typed), stdout=out)
    return code, out.getvalue()


# Texting the gateway


def test_each_line_is_posted_as_a_signed_twilio_webhook(stand_in, settings):
    code, out = phone(stand_in.url + "/sms", settings, "HJÆLP\n\n   \n/quit\nnot sent\n")

    assert code == 0
    [call] = stand_in.calls
    form = call["form"]
    assert stand_in.validator.validate(stand_in.url + "/sms", form, call["signature"])
    assert call["content_type"] == "application/x-www-form-urlencoded"
    assert SID.match(form.pop("MessageSid"))
    assert form == {"AccountSid": ACCOUNT_SID, "From": PHONE, "To": SERVICE_NUMBER,
                    "Body": "HJÆLP", "NumMedia": "0", "NumSegments": "1",
                    "ApiVersion": "2010-04-01"}


def test_replies_are_printed_as_from_the_service(stand_in, settings):
    _, out = phone(stand_in.url + "/sms", settings, "HJÆLP\n")

    lines = out.splitlines()
    assert re.fullmatch(r"Messages API on http://127\.0\.0\.1:\d+", lines[0])
    assert lines[-4:] == [
        "→ HJÆLP",
        "← Skriv TILBYD, FÆLLESSKABER eller ROS.",
        "← Første linje",
        " " * len(SERVICE_LABEL) + "Anden linje",
    ]


def test_a_local_number_is_sent_in_e164(stand_in, settings):
    phone(stand_in.url + "/sms", settings, "HJÆLP\n", number="20 11 22 33")

    assert stand_in.calls[0]["form"]["From"] == PHONE


def test_a_refused_signature_is_printed_and_the_phone_goes_on(stand_in, settings):
    wrong = Settings(twilio_account_sid=ACCOUNT_SID, twilio_auth_token="wrong-token",
                     twilio_from=SERVICE_NUMBER)

    code, out = phone(stand_in.url + "/sms", wrong, "HJÆLP\nSTOP\n")

    assert code == 0
    assert len(stand_in.calls) == 2
    assert out.count("The gateway answered 403 Forbidden") == 2
    assert "→ STOP" in out and "\n← " not in out


def test_an_unreachable_gateway_is_printed(settings):
    url = f"http://127.0.0.1:{free_port()}/sms"

    code, out = phone(url, settings, "HJÆLP\n")

    assert code == 0
    assert f"Cannot reach the gateway at {url}: " in out


def test_a_url_that_is_not_http_is_refused(settings):
    assert phone("127.0.0.1:5000/sms", settings, "HJÆLP\n") == (2, "Not an http(s) URL: 127.0.0.1:5000/sms\n")


def test_sign_and_post_returns_status_and_body(stand_in):
    params = inbound_params(PHONE, SERVICE_NUMBER, "ROS tak", ACCOUNT_SID)

    assert sign_and_post(stand_in.url + "/sms", params, AUTH_TOKEN)[0] == 200
    assert sign_and_post(stand_in.url + "/sms", params, "wrong-token") == (403, "")


def test_inbound_params_count_segments_like_twilio():
    assert inbound_params(PHONE, SERVICE_NUMBER, "x" * 161, ACCOUNT_SID)["NumSegments"] == "2"
    assert inbound_params(PHONE, SERVICE_NUMBER, "🙂" * 36, ACCOUNT_SID)["NumSegments"] == "2"
    first, second = (inbound_params(PHONE, SERVICE_NUMBER, "a", ACCOUNT_SID)["MessageSid"]
                     for _ in range(2))
    assert first != second


@pytest.mark.parametrize("xml, bodies", [
    ("", []),
    ("<Response/>", []),
    ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hej</Message></Response>', ["Hej"]),
    ("<Response><Message><Body>Hej</Body><Media>https://x/y.png</Media></Message></Response>", ["Hej"]),
    ("<Response><Message/></Response>", [""]),
])
def test_twiml_messages(xml, bodies):
    assert twiml_messages(xml) == bodies


@pytest.mark.parametrize("xml", ["OK", "<html><body>Oops</body></html>"])
def test_twiml_messages_refuses_what_is_not_twiml(xml):
    with pytest.raises(ValueError):
        twiml_messages(xml)


# The Messages API, driven by the real twilio client


class RedirectingHttpClient(TwilioHttpClient):
    """Send the twilio client's calls to the fake API instead of api.twilio.com."""

    def __init__(self, base_url: str):
        super().__init__(timeout=5)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace("https://api.twilio.com", self.base_url, 1),
                               *args, **kwargs)


@pytest.fixture
def api():
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, opted_out_numbers={OPTED_OUT},
                       callback_delay=0) as fake:
        yield fake


@pytest.fixture
def connect():
    """Return a function making a twilio Client for a base URL; close their sessions after."""
    http_clients = []

    def make_client(base_url: str, sid: str = ACCOUNT_SID, token: str = AUTH_TOKEN) -> Client:
        http_clients.append(RedirectingHttpClient(base_url))
        return Client(sid, token, http_client=http_clients[-1])

    yield make_client
    for http_client in http_clients:
        http_client.session.close()


def wait_until(condition, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_create_returns_a_twilio_message(api, connect):
    message = connect(api.url).messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Velkommen")

    assert SID.match(message.sid)
    assert (message.to, message.from_, message.body) == (PHONE, SERVICE_NUMBER, "Velkommen")
    assert (message.status, message.num_segments, message.direction) == ("queued", "1", "outbound-api")
    assert message.error_code is None and message.price is None
    assert message.date_created.tzinfo is not None
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"
    assert api.received[0]["sid"] == message.sid
    assert api.received[0]["status_callback"] is None


@pytest.mark.parametrize("sid, token", [(ACCOUNT_SID, "wrong-token"), ("AC" + "f" * 32, AUTH_TOKEN)])
def test_wrong_credentials_are_refused(api, connect, sid, token):
    with pytest.raises(TwilioRestException) as refused:
        connect(api.url, sid, token).messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Hej")

    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert api.received == []


def test_an_opted_out_number_fails_with_21610(api, connect):
    with pytest.raises(TwilioRestException) as refused:
        connect(api.url).messages.create(to=OPTED_OUT, from_=SERVICE_NUMBER, body="Hej")

    assert (refused.value.status, refused.value.code) == (400, 21610)
    assert api.received == []


def test_a_message_without_body_fails_with_21602(api, connect):
    with pytest.raises(TwilioRestException) as refused:
        connect(api.url).messages.create(to=PHONE, from_=SERVICE_NUMBER)

    assert (refused.value.status, refused.value.code) == (400, 21602)


def test_status_callbacks_sent_then_delivered_are_signed(api, connect, stand_in):
    callback_url = stand_in.url + "/sms/status?id=12"

    message = connect(api.url).messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Hej",
                                               status_callback=callback_url)

    calls = stand_in.wait_for(2)
    assert [call["form"]["MessageStatus"] for call in calls] == ["sent", "delivered"]
    for call in calls:
        assert call["query"] == "id=12"
        assert call["form"] == {"MessageSid": message.sid, "MessageStatus": call["form"]["MessageStatus"],
                                "AccountSid": ACCOUNT_SID, "From": SERVICE_NUMBER, "To": PHONE,
                                "ApiVersion": "2010-04-01"}
        assert stand_in.validator.validate(callback_url, call["form"], call["signature"])
        # Twilio signs the URL with its query string.
        assert not stand_in.validator.validate(stand_in.url + "/sms/status", call["form"],
                                               call["signature"])
    assert wait_until(lambda: api.received[0]["status"] == "delivered")
    assert api.problems == []


def test_an_unreachable_status_callback_is_reported_not_raised(api, connect):
    callback_url = f"http://127.0.0.1:{free_port()}/sms/status"

    connect(api.url).messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Hej",
                                     status_callback=callback_url)

    assert wait_until(lambda: len(api.problems) == 2)
    assert api.problems[0].startswith(f"Status callback 'sent' to {callback_url} failed: ")
    assert api.received[0]["status"] == "delivered"


def test_messages_to_every_number_are_accepted_and_shown(connect):
    shown = []
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, on_message=shown.append) as api:
        client = connect(api.url)
        for number in (PHONE, NEIGHBOUR):
            client.messages.create(to=number, from_=SERVICE_NUMBER, body="Strikkecafé i aften")

    assert [message["to"] for message in shown] == [PHONE, NEIGHBOUR]
    assert [message["to"] for message in api.received] == [PHONE, NEIGHBOUR]


def test_answer_late_takes_the_message_but_answers_after_the_client_gave_up(connect):
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, answer_late=1, callback_delay=0) as api:
        slow = connect(api.url)
        slow.http_client.timeout = 0.2  # gives up: the answer comes only on release
        with pytest.raises(requests.ReadTimeout):
            slow.messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Velkommen")
        assert [m["body"] for m in api.received] == ["Velkommen"]  # taken all the same
        api.release_answers()
        # The next one is answered at once.
        message = connect(api.url).messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Hej")
        assert message.sid == api.received[1]["sid"]


def test_the_message_list_filters_by_recipient_sender_and_date_sent(connect):
    day = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
    clock = [day - timedelta(days=1)]
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, callback_delay=0,
                       clock=lambda: clock[0]) as api:
        client = connect(api.url)
        yesterday = client.messages.create(to=PHONE, from_=SERVICE_NUMBER, body="I går")
        assert wait_until(lambda: api.received[0]["status"] == "delivered")
        clock[0] = day
        today = client.messages.create(to=PHONE, from_=SERVICE_NUMBER, body="I dag")
        client.messages.create(to=NEIGHBOUR, from_=SERVICE_NUMBER, body="Til naboen")
        assert wait_until(lambda: all(m["status"] == "delivered" for m in api.received))

        def sids(**filters):
            return [m.sid for m in client.messages.list(**filters)]

        assert sids(to=PHONE) == [today.sid, yesterday.sid]  # newest first
        assert sids(to=PHONE, date_sent_after="2026-11-27") == [today.sid]
        assert sids(to=PHONE, date_sent="2026-11-26") == [yesterday.sid]
        assert sids(to=PHONE, date_sent_before=day - timedelta(hours=1)) == [yesterday.sid]
        assert sids(to=PHONE, from_="+4599999999") == []
        assert len(sids(to=PHONE, limit=1, page_size=1)) == 1
        [listed] = client.messages.list(to=NEIGHBOUR)
        assert (listed.body, listed.status, listed.date_sent) == ("Til naboen", "delivered", day)
    assert api.lookups[1] == {"To": PHONE, "DateSent>": "2026-11-27"}


def test_a_message_not_yet_sent_has_no_date_sent_and_is_left_out_by_date(connect):
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, callback_delay=60) as api:  # stays queued
        client = connect(api.url)
        message = client.messages.create(to=PHONE, from_=SERVICE_NUMBER, body="I kø")
        assert [m.sid for m in client.messages.list(to=PHONE)] == [message.sid]
        assert client.messages.list(to=PHONE, date_sent_after="2000-01-01") == []


# The whole phone as a process, through pipes


PHONE_SCRIPT = """
import sys
from shared.settings import Settings
from sms_gateway.dev_phone import run_phone
settings = Settings(twilio_account_sid=sys.argv[1], twilio_auth_token=sys.argv[2],
                    twilio_from=sys.argv[3])
sys.exit(run_phone(sys.argv[4], sys.argv[5], "127.0.0.1", 0, settings))
"""


def read_until(lines: queue.Queue, prefix: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        if line is None:
            raise AssertionError(f"the phone ended before printing {prefix!r}")
        if line.startswith(prefix):
            return line.rstrip("\n")


def test_the_phone_runs_as_a_process_through_pipes(stand_in, connect):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    command = [sys.executable, "-c", PHONE_SCRIPT, ACCOUNT_SID, AUTH_TOKEN, SERVICE_NUMBER,
               PHONE, stand_in.url + "/sms"]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, encoding="utf-8") as process:
        lines: queue.Queue = queue.Queue()

        def pump():
            for line in process.stdout:
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            api_url = read_until(lines, "Messages API on ").removeprefix("Messages API on ")

            process.stdin.write("HJÆLP\n")
            process.stdin.flush()
            assert read_until(lines, "← ") == "← " + REPLIES[0]

            client = connect(api_url)
            client.messages.create(to=PHONE, from_=SERVICE_NUMBER, body="Du er med i STRIK")
            assert read_until(lines, "← Du er") == "← Du er med i STRIK"
            client.messages.create(to=NEIGHBOUR, from_=SERVICE_NUMBER, body="Strikkecafé i aften")
            assert read_until(lines, "(to ") == f"(to {NEIGHBOUR}) Strikkecafé i aften"

            process.stdin.write("/quit\n")
            process.stdin.flush()
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
            reader.join(timeout=10)
    assert stand_in.calls[0]["form"]["Body"] == "HJÆLP"
