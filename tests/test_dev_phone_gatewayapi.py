"""The dev phone speaking GatewayAPI: signed webhook calls out, a fake /rest/mtsms in."""

from __future__ import annotations

import io
import threading
import time

import jwt
import pytest
import requests
from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler, make_server

from shared.settings import Settings
from sms_gateway.dev_phone import SERVICE_LABEL, run_phone
from sms_gateway.fake_gatewayapi import FakeGatewayApi, inbound_message, post_signed

TOKEN = "dev-phone-test-token"
SECRET = "dev-phone-test-secret-0123456789abcdef"
PHONE = "+4520112233"
NEIGHBOUR = "+4530112233"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class StandIn:
    """A stand-in gateway for GatewayAPI's webhooks: checks each JWT as the gateway does."""

    def __init__(self, secret: str, answer: int = 204):
        self.secret, self.answer = secret, answer
        self.calls: list[dict] = []
        self._arrived = threading.Condition()
        app = Flask(__name__)
        app.add_url_rule("/gatewayapi/sms", "sms", self._record, methods=["POST"])
        app.add_url_rule("/gatewayapi/status", "status", self._record, methods=["POST"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def _record(self):
        try:
            signed = jwt.decode(request.headers.get("X-Gwapi-Signature", ""), self.secret,
                                algorithms=["HS256"])
        except jwt.InvalidTokenError:
            signed = None
        with self._arrived:
            self.calls.append({"path": request.path, "json": request.get_json(silent=True),
                               "signed": signed, "content_type": request.content_type})
            self._arrived.notify_all()
        return ("", self.answer) if signed is not None else ("", 403)

    def wait_for(self, count: int, timeout: float = 5) -> list[dict]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.calls) >= count, timeout)
            return list(self.calls)


@pytest.fixture
def stand_in():
    gateway = StandIn(SECRET)
    gateway._thread.start()
    yield gateway
    gateway._server.shutdown()
    gateway._server.server_close()
    gateway._thread.join()


@pytest.fixture
def settings() -> Settings:
    return Settings(provider="gatewayapi", gatewayapi_token=TOKEN,
                    gatewayapi_webhook_secret=SECRET, gatewayapi_sender="4570000000")


@pytest.fixture
def api(stand_in):
    with FakeGatewayApi(TOKEN, SECRET, report_delay=0.05) as fake:
        yield fake


def send(url: str, to: str = PHONE, body: str = "Du er med i STRIK", *, token: str = TOKEN,
         **fields) -> requests.Response:
    """POST one message to the fake API at url, as the worker's transport does."""
    sms = {"sender": "4570000000", "message": body, "recipients": [{"msisdn": int(to[1:])}],
           **fields}
    return requests.post(url + "/rest/mtsms", json=sms, auth=(token, ""), timeout=5)


def phone(url: str, settings: Settings, typed: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run_phone(PHONE, url, "127.0.0.1", 0, settings, stdin=io.StringIO(typed),
                     stdout=out, provider="gatewayapi")
    return code, out.getvalue()


# Texting the gateway

def test_each_line_is_posted_as_gatewayapi_posts_an_sms(stand_in, settings):
    code, out = phone(stand_in.url + "/gatewayapi/sms", settings, "HJÆLP\n\n/quit\nnot sent\n")

    assert code == 0
    [call] = stand_in.calls
    assert call["content_type"] == "application/json"
    assert call["signed"] == call["json"]  # the token's payload is the message
    message = call["json"]
    assert isinstance(message.pop("id"), int) and isinstance(message.pop("senttime"), int)
    assert message == {"msisdn": 4520112233, "receiver": 4570000000, "message": "HJÆLP",
                       "webhook_label": "faelles-dev"}
    assert "worker: FAELLES_SMS_PROVIDER=gatewayapi FAELLES_GATEWAYAPI_URL=http://" in out


def test_the_answer_carries_no_reply_so_none_is_printed(stand_in, settings):
    _, out = phone(stand_in.url + "/gatewayapi/sms", settings, "HJÆLP\n")
    assert out.splitlines()[-1] == "→ HJÆLP"


def test_a_refused_signature_is_printed_and_the_phone_goes_on(stand_in, settings):
    wrong = Settings(provider="gatewayapi", gatewayapi_webhook_secret="another-secret-" * 3)

    code, out = phone(stand_in.url + "/gatewayapi/sms", wrong, "HJÆLP\nSTOP\n")

    assert code == 0 and len(stand_in.calls) == 2
    assert out.count("The gateway answered 403 Forbidden") == 2


def test_every_sms_has_an_id_of_its_own():
    # The gateway takes an id it has seen for GatewayAPI's retry of that SMS.
    ids = {inbound_message(PHONE, "4570000000", "HJÆLP")["id"] for _ in range(50)}
    assert len(ids) == 50


def test_post_signed_returns_status_and_body(stand_in):
    message = inbound_message(PHONE, "4570000000", "ROS tak")
    assert post_signed(stand_in.url + "/gatewayapi/sms", message, SECRET) == (204, "")
    assert post_signed(stand_in.url + "/gatewayapi/sms", message, "x" * 32)[0] == 403


# The fake /rest/mtsms

def test_a_message_is_taken_with_an_id_and_shown(api):
    shown = []
    api.on_message = shown.append

    response = send(api.url, userref="7")

    assert response.status_code == 200
    [their_id] = response.json()["ids"]
    assert [(m["id"], m["to"], m["body"], m["userref"]) for m in shown] == [
        (their_id, PHONE, "Du er med i STRIK", "7")]


@pytest.mark.parametrize("header", ["Token {token}", "Basic"])
def test_the_token_goes_as_basic_username_or_a_token_header(api, header):
    if header == "Basic":
        assert send(api.url).status_code == 200
    else:
        sms = {"message": "Hej", "recipients": [{"msisdn": 4520112233}]}
        response = requests.post(api.url + "/rest/mtsms", json=sms, timeout=5,
                                 headers={"Authorization": header.format(token=TOKEN)})
        assert response.status_code == 200


def test_a_wrong_token_is_refused_with_gatewayapis_code(api):
    response = send(api.url, token="wrong-token")
    assert (response.status_code, response.json()["code"]) == (401, "0x0229")
    assert api.received == []


def test_a_blacklisted_number_is_refused_with_0x0215(stand_in):
    with FakeGatewayApi(TOKEN, SECRET, blacklisted_numbers=[NEIGHBOUR]) as fake:
        response = send(fake.url, to=NEIGHBOUR)
    assert (response.status_code, response.json()["code"]) == (400, "0x0215")


def test_a_message_without_text_is_refused(api):
    assert send(api.url, body="").json()["code"] == "0x0222"


def test_reports_enroute_then_delivered_are_signed_and_carry_our_userref(api, stand_in):
    [their_id] = send(api.url, userref="42",
                      callback_url=stand_in.url + "/gatewayapi/status").json()["ids"]

    calls = stand_in.wait_for(2)

    assert [c["json"]["status"] for c in calls] == ["ENROUTE", "DELIVERED"]
    for call in calls:
        assert call["signed"] == call["json"]
        assert (call["json"]["id"], call["json"]["userref"], call["json"]["msisdn"]) == (
            their_id, "42", 4520112233)
    assert api.problems == []


def test_an_unreachable_report_url_is_reported_not_raised(api):
    assert send(api.url, callback_url="http://127.0.0.1:9/gatewayapi/status").status_code == 200
    wait_until(lambda: api.problems)
    assert api.problems[0].startswith("Delivery report ENROUTE to http://127.0.0.1:9/")


def test_what_the_worker_sends_shows_on_the_phone(stand_in, settings):
    out, done = io.StringIO(), threading.Event()
    thread = threading.Thread(
        target=run_phone, args=(PHONE, stand_in.url + "/gatewayapi/sms", "127.0.0.1", 0, settings),
        kwargs={"stdin": BlockingInput(done), "stdout": out, "provider": "gatewayapi"},
        daemon=True)
    thread.start()
    try:
        wait_until(lambda: "Messages API on" in out.getvalue())
        api_url = out.getvalue().splitlines()[0].removeprefix("Messages API on ")
        send(api_url, PHONE, "Du er med i STRIK")
        send(api_url, NEIGHBOUR, "Strikkecafé i aften")
        wait_until(lambda: "Strikkecafé" in out.getvalue())
    finally:
        done.set()
        thread.join(timeout=10)

    lines = out.getvalue().splitlines()
    assert f"{SERVICE_LABEL}Du er med i STRIK" in lines
    assert f"(to {NEIGHBOUR}) Strikkecafé i aften" in lines


class BlockingInput(io.StringIO):
    """A stdin that has nothing to read until done is set, then ends."""

    def __init__(self, done: threading.Event):
        super().__init__()
        self.done = done

    def readline(self, *args) -> str:
        self.done.wait(10)
        return ""


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
