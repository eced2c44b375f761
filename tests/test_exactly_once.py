"""Exactly once towards the provider: a send with an unknown outcome is asked about, not repeated.

When Twilio took a message but answered after the client's
timeout, and no status callback came, the worker called messages.create again.
These tests use the real twilio client against FakeTwilioApi, which takes a
message and answers only after the client has given up. GatewayAPI cannot be
asked at all: there its delivery report, through the real gateway, settles it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from twilio.rest import Client

from shared.clock import utcnow
from shared.messages import NO_REPORT, get_message, mark_sent, queue_message
from shared.settings import Settings
from sms_gateway.dev_phone import FakeTwilioApi
from sms_gateway.fake_gatewayapi import FakeGatewayApi
from sms_gateway.transports import GatewayApiTransport, RedirectingHttpClient, TwilioTransport
from sms_gateway.worker import (REPORT_WAIT, UNCERTAIN_CHECK, UNCERTAIN_GRACE,
                                resolve_uncertain, run_worker, send_one)

PROJECT = Path(__file__).resolve().parent.parent
SID = "AC" + "1234" * 8
TOKEN = "exactly-once-token"
SENDER = "+4570000000"
ALL_DAY = (Settings.quiet_start, Settings.quiet_start)  # no quiet hours
BODY = "Dit tilbud er godkendt. Tak fordi du vil hjælpe!"


@pytest.fixture
def transports():
    """Return connect(url, timeout): a TwilioTransport to that API; close their sessions after."""
    made = []

    def connect(url: str, timeout: float = 5.0) -> TwilioTransport:
        http_client = RedirectingHttpClient(url, timeout=timeout)
        made.append(http_client)
        return TwilioTransport(Client(SID, TOKEN, http_client=http_client), SENDER, None)

    yield connect
    for http_client in made:
        http_client.session.close()


@pytest.fixture
def black_hole():
    """Return the URL of a server that takes connections and requests but never answers."""
    # The kernel completes the handshake for a listening socket even if nobody
    # accepts: the request goes out, the answer never comes.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def wait_for(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def run_worker_until(db_path, transport, clock, condition) -> None:
    """Run the worker in a thread with the given clock until condition() holds, then stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(str(db_path), transport, Settings()),
                              kwargs={"stop_event": stop, "clock": clock,
                                      "poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        wait_for(condition)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture
def queued(db, contact, now):
    return queue_message(db, phone=contact["phone"], body=BODY, now=now, contact_id=contact["id"])


def test_a_late_answer_then_a_restart_sends_once_and_ends_delivered(db, db_path, queued, now,
                                                                    transports):
    with FakeTwilioApi(SID, TOKEN, answer_late=1, callback_delay=0, clock=lambda: now) as api:
        # The first worker's call times out: Twilio has the message, the worker cannot know.
        run_worker_until(db_path, transports(api.url, timeout=0.3), lambda: now,
                         lambda: get_message(db, queued)["status"] == "uncertain")
        assert len(api.received) == 1
        api.release_answers()  # too late for the client; Twilio delivers, with no callback
        wait_for(lambda: api.received[0]["status"] == "delivered")

        # A worker started later asks Twilio before anything else.
        later = now + UNCERTAIN_CHECK
        run_worker_until(db_path, transports(api.url), lambda: later,
                         lambda: get_message(db, queued)["status"] != "uncertain")

    assert len(api.received) == 1  # exactly one messages.create reached the provider
    message = get_message(db, queued)
    assert (message["status"], message["provider_id"]) == ("delivered", api.received[0]["sid"])
    assert message["attempts"] == 1
    assert api.lookups[0]["To"] == message["phone"] and api.lookups[0]["From"] == SENDER
    assert api.lookups[0]["DateSent>"] == (now - timedelta(minutes=10)).strftime("%Y-%m-%d")


def test_a_worker_killed_mid_call_is_settled_by_asking_not_by_sending(db, db_path, contact,
                                                                       transports):
    message_id = queue_message(db, phone=contact["phone"], body=BODY, now=utcnow(),
                               contact_id=contact["id"])
    with FakeTwilioApi(SID, TOKEN, answer_late=1, callback_delay=0) as api:
        env = {**os.environ, "FAELLES_DB": str(db_path), "FAELLES_SMS_TRANSPORT": "twilio",
               "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": SENDER,
               "FAELLES_TWILIO_API_URL": api.url, "FAELLES_QUIET_HOURS": "00:00-00:00"}
        worker = subprocess.Popen([sys.executable, "-m", "faelles", "worker"], cwd=PROJECT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(api.received) == 1)  # Twilio has it; the answer is held
            assert get_message(db, message_id)["status"] == "sending"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        api.release_answers()
        wait_for(lambda: api.received[0]["status"] == "delivered")

        run_worker_until(db_path, transports(api.url), utcnow,
                         lambda: get_message(db, message_id)["status"] == "delivered")

    assert len(api.received) == 1
    assert get_message(db, message_id)["provider_id"] == api.received[0]["sid"]


def test_a_send_the_provider_never_got_goes_again_after_the_grace_period(db, queued, now,
                                                                        black_hole, transports):
    send_one(db, transports(black_hole, timeout=0.3), now=now, quiet=ALL_DAY)
    assert get_message(db, queued)["status"] == "uncertain"

    with FakeTwilioApi(SID, TOKEN, callback_delay=0, clock=lambda: now) as api:
        transport = transports(api.url)
        # Not found yet: still in doubt, and nothing is sent.
        [asked] = resolve_uncertain(db, transport, now=now + UNCERTAIN_CHECK)
        assert asked["status"] == "uncertain"
        assert send_one(db, transport, now=now + UNCERTAIN_CHECK, quiet=ALL_DAY) is None
        assert api.received == []
        # Not found after the grace period: Twilio never took it, so it is queued again.
        [asked] = resolve_uncertain(db, transport, now=now + UNCERTAIN_GRACE)
        assert asked["status"] == "queued"
        sent = send_one(db, transport, now=now + UNCERTAIN_GRACE, quiet=ALL_DAY)

    assert len(api.received) == 1
    assert (sent["status"], sent["provider_id"]) == ("sent", api.received[0]["sid"])
    assert sent["attempts"] == 2
    assert len(api.lookups) == 4  # two questions (dated, undated) each time, before the send


def test_an_unreachable_provider_leaves_it_uncertain_and_asks_again_later(db, queued, now,
                                                                          black_hole, transports):
    send_one(db, transports(black_hole, timeout=0.3), now=now, quiet=ALL_DAY)
    long_after = now + 10 * UNCERTAIN_GRACE

    [asked] = resolve_uncertain(db, transports(closed_port_url(), timeout=2), now=long_after)

    assert asked["status"] == "uncertain"  # not knowing is no reason to send
    assert asked["next_attempt_at"] == (long_after + UNCERTAIN_CHECK).isoformat()
    assert asked["error_message"].startswith("cannot ask the provider")


def test_a_match_another_message_already_holds_is_not_this_one(db, contact, now, black_hole,
                                                               transports):
    with FakeTwilioApi(SID, TOKEN, callback_delay=0, clock=lambda: now) as api:
        transport = transports(api.url)
        first = queue_message(db, phone=contact["phone"], body=BODY, now=now,
                              contact_id=contact["id"])
        send_one(db, transport, now=now, quiet=ALL_DAY)
        # The same text again, whose call times out before it reaches Twilio.
        second = queue_message(db, phone=contact["phone"], body=BODY, now=now,
                               contact_id=contact["id"])
        send_one(db, transports(black_hole, timeout=0.3), now=now, quiet=ALL_DAY)
        assert get_message(db, second)["status"] == "uncertain"

        resolve_uncertain(db, transport, now=now + UNCERTAIN_GRACE)
        send_one(db, transport, now=now + UNCERTAIN_GRACE, quiet=ALL_DAY)

    assert [m["sid"] for m in api.received] == [get_message(db, first)["provider_id"],
                                                get_message(db, second)["provider_id"]]


def test_a_message_found_failed_at_twilio_is_recorded_failed(db, queued, now, transports):
    with FakeTwilioApi(SID, TOKEN, answer_late=1, callback_delay=0, clock=lambda: now) as api:
        send_one(db, transports(api.url, timeout=0.3), now=now, quiet=ALL_DAY)
        api.release_answers()
        wait_for(lambda: api.received[0]["status"] == "delivered")
        api.received[0].update(status="undelivered", error_code=30003)

        [settled] = resolve_uncertain(db, transports(api.url), now=now + UNCERTAIN_CHECK)

    assert (settled["status"], settled["error_code"]) == ("undelivered", "30003")
    assert len(api.received) == 1


def test_an_uncertain_message_a_callback_settled_meanwhile_is_left_alone(db, queued, now,
                                                                         black_hole, transports):
    send_one(db, transports(black_hole, timeout=0.3), now=now, quiet=ALL_DAY)
    mark_sent(db, queued, provider_id="SM" + "7" * 32, now=now)  # what a callback would do

    assert resolve_uncertain(db, transports(closed_port_url()), now=now + UNCERTAIN_GRACE) == []
    assert get_message(db, queued)["status"] == "sent"


# -- GatewayAPI: no look-up at all; the delivery report, which carries our id, settles it ----

GWAPI_TOKEN = "exactly-once-gatewayapi-token"
GWAPI_SECRET = "exactly-once-webhook-secret-0123456789"


@pytest.fixture
def gateway(db_path, db):
    """Serve the real gateway on a local port (for GatewayAPI's reports); return its URL."""
    from werkzeug.serving import make_server

    from sms_gateway.app import close_connections, create_app

    app = create_app(Settings(db_path=str(db_path), provider="gatewayapi",
                              gatewayapi_webhook_secret=GWAPI_SECRET))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()
    close_connections(app)


@pytest.fixture
def gatewayapi_transports():
    """Return connect(url, callback, timeout): a GatewayApiTransport; close their sessions after."""
    made = []

    def connect(url: str, callback: str | None = None, timeout: float = 5.0):
        made.append(GatewayApiTransport(url, GWAPI_TOKEN, "4570000000", callback,
                                        timeout=timeout))
        return made[-1]

    yield connect
    for transport in made:
        transport.close()


def test_a_late_answer_from_gatewayapi_is_settled_by_its_report_not_by_sending(
        db, queued, now, gateway, gatewayapi_transports):
    with FakeGatewayApi(GWAPI_TOKEN, GWAPI_SECRET, answer_late=1, report_delay=0.3) as api:
        transport = gatewayapi_transports(api.url, f"{gateway}/gatewayapi/status", timeout=0.2)
        sent = send_one(db, transport, now=now, quiet=ALL_DAY)
        assert sent["status"] == "uncertain"  # GatewayAPI has it; the worker cannot know

        # Asked about, it waits for the report: nothing is sent again meanwhile.
        [waiting] = resolve_uncertain(db, transport, now=now + UNCERTAIN_GRACE)
        assert waiting["status"] == "uncertain"
        assert waiting["next_attempt_at"] == (now + REPORT_WAIT).isoformat()
        assert send_one(db, transport, now=now + UNCERTAIN_GRACE, quiet=ALL_DAY) is None

        # The report carries our id (userref) and GatewayAPI's: it settles the message.
        wait_for(lambda: get_message(db, queued)["status"] == "delivered")

    assert api.problems == []
    [taken] = api.received
    message = get_message(db, queued)
    assert message["provider_id"] == f"gwapi-mt-{taken['id']}"
    assert (message["attempts"], message["error_message"]) == (1, None)


def test_with_no_report_an_uncertain_message_fails_after_the_wait_and_is_never_resent(
        db, queued, now, black_hole, gatewayapi_transports):
    transport = gatewayapi_transports(black_hole, timeout=0.2)
    send_one(db, transport, now=now, quiet=ALL_DAY)
    assert get_message(db, queued)["status"] == "uncertain"

    [waiting] = resolve_uncertain(db, transport, now=now + REPORT_WAIT - timedelta(minutes=1))
    assert waiting["status"] == "uncertain"

    [failed] = resolve_uncertain(db, transport, now=now + REPORT_WAIT)

    assert (failed["status"], failed["error_message"]) == ("failed", NO_REPORT)
    assert send_one(db, transport, now=now + REPORT_WAIT, quiet=ALL_DAY) is None
    assert failed["attempts"] == 1
