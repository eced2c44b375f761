"""The outbox worker: outcomes of a send, quiet hours, pacing, and stopping cleanly."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time as wall
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from shared.clock import iso, utcnow
from shared.contacts import get_contact, opt_out, touch_contact
from shared.db import row
from shared.i18n import TIMEZONE
from shared.messages import claim_next, get_message, queue_message
from shared.settings import Settings
from sms_gateway.transports import (ConsoleTransport, PermanentSendError, SendResult,
                                    TransientSendError, UncertainSendError)
from sms_gateway.worker import (MAX_ATTEMPTS, UNCERTAIN_CHECK, in_quiet_hours, retry_delay,
                                run_worker, send_one)

QUIET = (time(21, 0), time(8, 0))
PROJECT = Path(__file__).resolve().parent.parent


class RecordingTransport:
    """Accept every message, or fail each with the next of the given errors."""

    looks_up_sent = True

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.sent: list[dict] = []

    def send(self, message: dict) -> SendResult:
        self.sent.append(message)
        if self.errors:
            raise self.errors.pop(0)
        return SendResult(provider_id=f"SM{message['id']:032d}", status="queued")

    def find_sent(self, message: dict, since) -> list[SendResult]:
        return []  # the provider has no record of it


def copenhagen(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TIMEZONE)


@pytest.fixture
def queued(db, contact, now):
    return queue_message(db, phone=contact["phone"], body="Din idé er modtaget. Tak!",
                         now=now, contact_id=contact["id"])


def test_a_queued_message_is_sent(db, queued, now):
    transport = RecordingTransport()

    message = send_one(db, transport, now=now, quiet=QUIET)

    assert [m["id"] for m in transport.sent] == [queued]
    assert message["status"] == "sent"
    assert message["provider_id"] == f"SM{queued:032d}"
    assert message["attempts"] == 1
    assert send_one(db, transport, now=now, quiet=QUIET) is None


def test_the_console_transport_ends_delivered(db, queued, now):
    message = send_one(db, ConsoleTransport(), now=now, quiet=QUIET)

    assert message["status"] == "delivered"
    assert message["provider_id"] == f"console-{queued}"


def test_a_transient_error_puts_it_back_in_the_queue(db, queued, now):
    transport = RecordingTransport(TransientSendError("HTTP 503: try later"))

    message = send_one(db, transport, now=now, quiet=QUIET)

    assert message["status"] == "queued"
    assert message["attempts"] == 1
    assert message["next_attempt_at"] == iso(now + retry_delay(1))
    assert message["error_message"] == "HTTP 503: try later"
    assert send_one(db, transport, now=now, quiet=QUIET) is None  # not due yet


def test_retry_delay_doubles_up_to_an_hour():
    assert retry_delay(1) == timedelta(seconds=30)
    assert retry_delay(2) == timedelta(seconds=60)
    assert retry_delay(3) == timedelta(seconds=120)
    assert retry_delay(20) == timedelta(hours=1)


def test_gives_up_after_max_attempts(db, queued, now):
    transport = RecordingTransport(*[TransientSendError("timeout")] * MAX_ATTEMPTS)
    moment = now
    for attempt in range(1, MAX_ATTEMPTS + 1):
        message = send_one(db, transport, now=moment, quiet=QUIET)
        assert message["attempts"] == attempt
        moment += retry_delay(attempt)

    assert message["status"] == "failed"
    assert len(transport.sent) == MAX_ATTEMPTS
    assert send_one(db, transport, now=moment + timedelta(days=1), quiet=QUIET) is None


def test_a_permanent_error_fails_with_its_code(db, contact, queued, now):
    transport = RecordingTransport(PermanentSendError("invalid 'To'", code="21211"))

    message = send_one(db, transport, now=now, quiet=QUIET)

    assert message["status"] == "failed"
    assert message["error_code"] == "21211"
    assert not get_contact(db, contact["id"])["opted_out"]


def test_an_opted_out_error_opts_the_contact_out(db, contact, queued, now):
    transport = RecordingTransport(PermanentSendError("unsubscribed", code="21610"))

    message = send_one(db, transport, now=now, quiet=QUIET)

    assert message["error_code"] == "21610"
    assert get_contact(db, contact["id"])["opted_out"]


def test_an_unexpected_error_is_uncertain_and_never_sent_blind(db, queued, now):
    transport = RecordingTransport(ValueError("bad JSON from the provider"))

    message = send_one(db, transport, now=now, quiet=QUIET)

    assert message["status"] == "uncertain"
    assert message["error_message"] == "ValueError: bad JSON from the provider"
    assert send_one(db, transport, now=now + timedelta(hours=2), quiet=QUIET) is None
    assert len(transport.sent) == 1


def test_an_uncertain_send_is_held_for_the_provider_to_be_asked(db, queued, now):
    transport = RecordingTransport(UncertainSendError("ReadTimeout: read timed out"))

    message = send_one(db, transport, now=now, quiet=QUIET)

    assert message["status"] == "uncertain"
    assert message["next_attempt_at"] == iso(now + UNCERTAIN_CHECK)
    assert message["attempted_at"] == iso(now)
    assert send_one(db, transport, now=now + timedelta(days=1), quiet=QUIET) is None
    assert len(transport.sent) == 1


def test_nothing_is_sent_to_an_opted_out_contact(db, contact, queued, now):
    opt_out(db, contact["id"], now=now)
    transport = RecordingTransport()

    assert send_one(db, transport, now=now, quiet=QUIET) is None

    assert transport.sent == []
    assert get_message(db, queued)["status"] == "failed"


def test_a_broadcast_waits_for_the_end_of_quiet_hours(db, contact):
    evening = copenhagen(2026, 11, 27, 22)
    broadcast = queue_message(db, phone=contact["phone"], body="Strikkecaféen er aflyst i dag.",
                              now=evening, contact_id=contact["id"], kind="broadcast")
    transport = RecordingTransport()

    assert send_one(db, transport, now=evening, quiet=QUIET) is None
    assert send_one(db, transport, now=copenhagen(2026, 11, 28, 7, 59), quiet=QUIET) is None
    message = send_one(db, transport, now=copenhagen(2026, 11, 28, 8, 30), quiet=QUIET)

    assert message["id"] == broadcast
    assert message["status"] == "sent"


def test_a_reply_is_sent_during_quiet_hours(db, contact):
    evening = copenhagen(2026, 11, 27, 22)
    notice = queue_message(db, phone=contact["phone"], body="Dit tilbud er godkendt.",
                           now=evening, contact_id=contact["id"], kind="notice")

    message = send_one(db, RecordingTransport(), now=evening, quiet=QUIET)

    assert message["id"] == notice


@pytest.mark.parametrize("day", [(2026, 1, 15), (2026, 7, 15)], ids=["CET", "CEST"])
@pytest.mark.parametrize("hour, minute, quiet", [
    (20, 59, False), (21, 0, True), (23, 59, True), (0, 0, True), (7, 59, True), (8, 0, False),
    (12, 0, False),
])
def test_quiet_hours_across_midnight(day, hour, minute, quiet):
    local = copenhagen(*day, hour, minute)

    assert in_quiet_hours(local, *QUIET) is quiet
    assert in_quiet_hours(local.astimezone(timezone.utc), *QUIET) is quiet


@pytest.mark.parametrize("hour, quiet", [(11, False), (12, True), (13, True), (14, False)])
def test_quiet_hours_within_one_day(hour, quiet):
    assert in_quiet_hours(copenhagen(2026, 7, 15, hour), time(12), time(14)) is quiet


def test_quiet_hours_reads_utc_on_a_copenhagen_clock():
    # 19:30 UTC is 20:30 in winter (CET) and 21:30 in summer (CEST).
    assert not in_quiet_hours(datetime(2026, 1, 15, 19, 30, tzinfo=timezone.utc), *QUIET)
    assert in_quiet_hours(datetime(2026, 7, 15, 19, 30, tzinfo=timezone.utc), *QUIET)


def start_worker(db_path, transport, now, **settings):
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(db_path, transport, Settings(**settings)),
        kwargs={"stop_event": stop, "clock": lambda: now, "poll_interval": 0.05}, daemon=True)
    thread.start()
    return stop, thread


def wait_for(condition, timeout=5.0):
    deadline = wall.monotonic() + timeout
    while not condition():
        assert wall.monotonic() < deadline, "timed out"
        wall.sleep(0.02)


def test_run_worker_sends_the_queue_and_stops_promptly(db, db_path, contact, now):
    ids = [queue_message(db, phone=contact["phone"], body=f"Besked {n}", now=now,
                         contact_id=contact["id"]) for n in range(3)]
    transport = RecordingTransport()

    stop, thread = start_worker(db_path, transport, now, send_rate=20.0)
    wait_for(lambda: len(transport.sent) == 3)
    wait_for(lambda: all(get_message(db, i)["status"] == "sent" for i in ids))
    stop.set()
    thread.join(timeout=1)

    assert not thread.is_alive()
    assert [m["id"] for m in transport.sent] == ids


def test_run_worker_keeps_to_the_send_rate(db, db_path, contact, now):
    for n in range(3):
        queue_message(db, phone=contact["phone"], body=f"Besked {n}", now=now,
                      contact_id=contact["id"])
    transport = RecordingTransport()
    started = wall.monotonic()

    stop, thread = start_worker(db_path, transport, now, send_rate=5.0)
    wait_for(lambda: len(transport.sent) == 3)
    elapsed = wall.monotonic() - started
    stop.set()
    thread.join(timeout=1)

    assert elapsed >= 2 / 5.0  # three sends, two pauses of a fifth of a second


def test_an_interrupted_send_is_uncertain_on_start_and_not_sent_blind(db, db_path, contact, now):
    leftover = queue_message(db, phone=contact["phone"], body="Halvt sendt", now=now,
                             contact_id=contact["id"])
    assert claim_next(db, now=now)["id"] == leftover  # a worker died mid-call
    fresh = queue_message(db, phone=contact["phone"], body="Ny besked", now=now,
                          contact_id=contact["id"])
    transport = RecordingTransport()

    stop, thread = start_worker(db_path, transport, now, send_rate=20.0)
    wait_for(lambda: get_message(db, fresh)["status"] == "sent")
    stop.set()
    thread.join(timeout=1)

    assert [m["id"] for m in transport.sent] == [fresh]
    interrupted = get_message(db, leftover)
    assert interrupted["status"] == "uncertain"  # asked about, not yet past the grace period
    assert interrupted["error_message"] == "not at the provider yet"


def test_the_worker_process_stops_on_sigterm(db, db_path, contact):
    ids = [queue_message(db, phone=contact["phone"], body=f"Besked {n}", now=utcnow(),
                         contact_id=contact["id"]) for n in range(2)]
    env = {**os.environ, "FAELLES_DB": str(db_path), "FAELLES_SMS_TRANSPORT": "console",
           "FAELLES_SEND_RATE": "20", "FAELLES_QUIET_HOURS": "00:00-00:00"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from shared.settings import load_settings;"
         " from sms_gateway.worker import main; raise SystemExit(main(load_settings()))"],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: all(get_message(db, i)["status"] == "delivered" for i in ids),
                 timeout=15)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0
    assert "worker stopped" in log
    assert "Besked 1" in log  # the console transport wrote it out
    assert contact["phone"] not in log  # but not the number
    assert "+45 •• •• •• 33: Besked 1" in log


def test_the_worker_logs_no_number(db, contact, now, caplog):
    caplog.set_level(logging.DEBUG)
    queue_message(db, phone=contact["phone"], body="Din kode er 1234", now=now,
                  contact_id=contact["id"])
    for transport in (ConsoleTransport(), RecordingTransport(UncertainSendError("timeout"))):
        queue_message(db, phone=contact["phone"], body="Hej", now=now, contact_id=contact["id"])
        send_one(db, transport, now=now, quiet=QUIET)

    assert caplog.records
    assert not [r for r in caplog.records if contact["phone"][3:] in r.getMessage()]


def test_the_running_worker_ends_unanswered_introductions_and_asks_the_follow_ups(
        demo_db, db_path, now):
    from shared.coordinators import add_coordinator
    from shared.introductions import create_introduction
    from shared.needs import record_need

    asker = touch_contact(demo_db, "+4522002001", now=now, language="da")
    helper = touch_contact(demo_db, "+4522002002", now=now, language="da")
    offer = demo_db.execute(
        "INSERT INTO offers (contact_id, description, status, channel, created_at, updated_at)"
        " VALUES (?, 'Jeg kan køre', 'approved', 'sms', ?, ?)",
        (helper["id"], now.isoformat(), now.isoformat())).lastrowid
    anna = add_coordinator(demo_db, "Anna", "123456", now=now)
    late_need = record_need(demo_db, contact_id=asker["id"], description="Kørsel", channel="sms",
                            now=now)
    agreed_need = record_need(demo_db, contact_id=asker["id"], description="Indkøb",
                              channel="sms", now=now)
    late = create_introduction(demo_db, need_id=late_need, offer_id=offer, coordinator_id=anna,
                               now=now - timedelta(days=4))
    agreed = create_introduction(demo_db, need_id=agreed_need, offer_id=offer,
                                 coordinator_id=anna, now=now - timedelta(days=20))
    demo_db.execute("UPDATE introductions SET status = 'agreed', follow_up_at = ? WHERE id = ?",
                    ((now - timedelta(days=1)).isoformat(), agreed))

    stop, thread = start_worker(db_path, RecordingTransport(), now, send_rate=20.0)
    try:
        wait_for(lambda: row(demo_db, "SELECT status FROM introductions WHERE id = ?",
                             (late,))["status"] == "expired")
        wait_for(lambda: row(demo_db, "SELECT followed_up_at FROM introductions WHERE id = ?",
                             (agreed,))["followed_up_at"] is not None)
    finally:
        stop.set()
        thread.join(timeout=5)
    asked = row(demo_db, "SELECT body FROM messages WHERE phone = ? AND kind = 'notice'",
                (asker["phone"],))
    assert "Indkøb" in asked["body"]
