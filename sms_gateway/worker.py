"""The outbox worker: send queued SMS one by one, politely and at most once."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, time, timedelta
from time import monotonic
from typing import Callable

from shared.broadcasts import in_quiet_hours  # the one quiet-hours rule, shared with the kiosk
from shared.clock import utcnow
from shared.contacts import opt_out
from shared.db import Database, OperationalError, open_db
from shared.errors import IllegalTransition
from shared.messages import (abandon_interrupted, apply_status_callback, claim_next,
                             get_message, mark_failed, mark_retry, mark_sent)
from shared.settings import Settings
from sms_gateway.transports import (PermanentSendError, SendResult, TransientSendError,
                                    Transport, make_transport)

log = logging.getLogger("faelles.worker")

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
OPTED_OUT = "21610"  # Twilio: the recipient has replied STOP to this sender


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the given number of failed attempts."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def send_one(db: Database, transport: Transport, *, now: datetime,
             quiet: tuple[time, time]) -> dict | None:
    """Send the next due message; return it as stored afterwards, or None if none is due."""
    message = claim_next(db, now=now, broadcasts=not in_quiet_hours(now, *quiet))
    if message is None:
        return None
    try:
        result = transport.send(message)
    except TransientSendError as exc:
        if message["attempts"] >= MAX_ATTEMPTS:
            mark_failed(db, message["id"], error_code=None,
                        error=f"gave up after {message['attempts']} attempts: {exc}", now=now)
        else:
            mark_retry(db, message["id"], error=str(exc),
                       retry_at=now + retry_delay(message["attempts"]), now=now)
    except PermanentSendError as exc:
        mark_failed(db, message["id"], error_code=exc.code, error=str(exc), now=now)
        if exc.code == OPTED_OUT and message["contact_id"] is not None:
            opt_out(db, message["contact_id"], now=now)
    except Exception as exc:
        # Unknown whether the provider took it, and messages.create has no
        # idempotency key: fail it rather than risk texting someone twice.
        log.exception("message %s: unexpected error while sending", message["id"])
        mark_failed(db, message["id"], error_code=None, error=f"{type(exc).__name__}: {exc}",
                    now=now)
    else:
        _record_accepted(db, message, result, now=now)
    stored = get_message(db, message["id"])
    log.info("message %s (%s, attempt %s): %s%s", stored["id"], stored["kind"],
             stored["attempts"], stored["status"],
             f" {stored['error_code']}" if stored["error_code"] else "")
    return stored


def _record_accepted(db: Database, message: dict, result: SendResult, *,
                     now: datetime) -> None:
    try:
        mark_sent(db, message["id"], provider_id=result.provider_id, now=now)
    except IllegalTransition:
        # A status callback carrying our id got here first and already moved it on.
        pass
    if result.status == "delivered":  # the console transport delivers at once
        apply_status_callback(db, result.provider_id, "delivered", now=now,
                              message_id=message["id"])


def run_worker(
    db_path: str,
    transport: Transport,
    settings: Settings,
    *,
    stop_event: threading.Event,
    clock: Callable[[], datetime] = utcnow,
    poll_interval: float = 1.0,
) -> None:
    """Send the outbox until stop_event is set, at most settings.send_rate a second."""
    db = open_db(db_path)
    try:
        abandoned = abandon_interrupted(db, now=clock())
        if abandoned:
            log.warning("marked %d message(s) failed that were left sending by a stopped worker",
                        abandoned)
        quiet = (settings.quiet_start, settings.quiet_end)
        interval = 1.0 / settings.send_rate if settings.send_rate > 0 else 0.0
        log.info("worker started")
        while not stop_event.is_set():
            started = monotonic()
            try:
                sent = send_one(db, transport, now=clock(), quiet=quiet)
            except OperationalError:
                # Another process held the store past the busy timeout; try again.
                log.exception("store busy")
                sent = None
            if sent is None:
                stop_event.wait(poll_interval)
            else:
                stop_event.wait(max(0.0, interval - (monotonic() - started)))
    finally:
        db.close()


def main(settings: Settings) -> int:
    """Run the worker in the foreground until SIGTERM or SIGINT; return the exit code."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop_event = threading.Event()

    def stop(signum, frame):
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop_event.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        run_worker(settings.db_path, make_transport(settings), settings, stop_event=stop_event)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("worker stopped")
    return 0
