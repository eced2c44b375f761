"""The outbox worker: send queued SMS one by one, politely and at most once."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, time, timedelta
from time import monotonic
from typing import Callable

from shared.broadcasts import in_quiet_hours  # the one quiet-hours rule, shared with the kiosk
from shared.clock import parse, utcnow
from shared.contacts import opt_out_number
from shared.db import Database, OperationalError, open_db
from shared.errors import IllegalTransition, StoreBusy
from shared.messages import (NO_REPORT, apply_status_callback, claim_next, due_uncertain,
                             fail_uncertain, get_message, hold_interrupted, mark_failed,
                             mark_retry, mark_sent, mark_uncertain, provider_ids_in_use,
                             recheck_uncertain, requeue_uncertain, settle_uncertain)
from shared.services import introducing, leading
from shared.settings import Settings
from sms_gateway.transports import (PermanentSendError, SendResult, TransientSendError,
                                    Transport, UncertainSendError, make_transport)

log = logging.getLogger("faelles.worker")

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
OPTED_OUT = "21610"
CHORES_EVERY_S = 60.0  # Twilio: the recipient has replied STOP to this sender
# An uncertain message: the provider is asked about it
# every UNCERTAIN_CHECK; if it has not shown the message UNCERTAIN_GRACE after
# our call, it never took it, and the message is queued again. Twilio creates
# the message before it answers the request, so minutes are ample.
UNCERTAIN_CHECK = timedelta(seconds=30)
UNCERTAIN_GRACE = timedelta(minutes=5)
# A provider that cannot be asked (GatewayAPI) settles an uncertain message by
# its delivery report alone, which carries our id. GatewayAPI retries a report
# for 24 hours, and a message may wait days for a phone that is off: after
# REPORT_WAIT no report is coming, and the message is failed as perhaps sent.
REPORT_WAIT = timedelta(days=3)


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
    except UncertainSendError as exc:
        # Perhaps sent: never again blind. resolve_uncertain asks the provider.
        mark_uncertain(db, message["id"], error=str(exc), check_at=now + UNCERTAIN_CHECK,
                       now=now)
    except TransientSendError as exc:
        if message["attempts"] >= MAX_ATTEMPTS:
            mark_failed(db, message["id"], error_code=None,
                        error=f"gave up after {message['attempts']} attempts: {exc}", now=now)
        else:
            mark_retry(db, message["id"], error=str(exc),
                       retry_at=now + retry_delay(message["attempts"]), now=now)
    except PermanentSendError as exc:
        mark_failed(db, message["id"], error_code=exc.code, error=str(exc), now=now)
        if exc.code == OPTED_OUT:  # with a contact or not (a kiosk code): never again
            opt_out_number(db, message["phone"], now=now)
    except Exception as exc:
        # Unknown whether the provider took it, and messages.create has no
        # idempotency key: ask the provider rather than risk texting someone twice.
        log.exception("message %s: unexpected error while sending", message["id"])
        mark_uncertain(db, message["id"], error=f"{type(exc).__name__}: {exc}",
                       check_at=now + UNCERTAIN_CHECK, now=now)
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


def resolve_uncertain(db: Database, transport: Transport, *, now: datetime) -> list[dict]:
    """Ask the provider about each uncertain message that is due; return them as stored after."""
    resolved = []
    for message in due_uncertain(db, now=now):
        since = parse(message["attempted_since"])
        if not transport.looks_up_sent:
            _wait_for_report(db, message, since, now=now)
            resolved.append(get_message(db, message["id"]))
            continue
        try:
            found = transport.find_sent(message, since)
        except TransientSendError as exc:
            # Not knowing is no reason to send: ask again later.
            recheck_uncertain(db, message["id"], reason=str(exc),
                              check_at=now + UNCERTAIN_CHECK, now=now)
        else:
            # A match that another of our messages holds is that one, not this one.
            taken = provider_ids_in_use(db, [f.provider_id for f in found])
            match = next((f for f in found if f.provider_id not in taken), None)
            if match is not None:
                settle_uncertain(db, message["id"], provider_id=match.provider_id,
                                 status=match.status, error_code=match.error_code, now=now)
                if match.error_code == OPTED_OUT:
                    opt_out_number(db, message["phone"], now=now)
            elif now - since >= UNCERTAIN_GRACE and message["attempts"] >= MAX_ATTEMPTS:
                fail_uncertain(db, message["id"], now=now,
                               reason=f"gave up after {message['attempts']} attempts")
            elif now - since >= UNCERTAIN_GRACE:
                requeue_uncertain(db, message["id"], now=now,
                                  reason=f"not at the provider {UNCERTAIN_GRACE} after sending")
            else:
                recheck_uncertain(db, message["id"], reason="not at the provider yet",
                                  check_at=min(now + UNCERTAIN_CHECK, since + UNCERTAIN_GRACE),
                                  now=now)
        stored = get_message(db, message["id"])
        log.info("message %s (%s, attempt %s) was uncertain: %s%s", stored["id"], stored["kind"],
                 stored["attempts"], stored["status"],
                 f" {stored['provider_id']}" if stored["status"] != "uncertain" else
                 f", asking again at {stored['next_attempt_at']}")
        resolved.append(stored)
    return resolved


def _wait_for_report(db: Database, message: dict, since: datetime, *, now: datetime) -> None:
    """Leave a message uncertain until its delivery report comes, or fail it at REPORT_WAIT."""
    # Never sent again: nothing says the provider did not take it. A report that
    # comes after all still settles the failed message (NO_REPORT).
    if now - since >= REPORT_WAIT:
        fail_uncertain(db, message["id"], reason=NO_REPORT, now=now)
        log.warning("message %s (%s) was uncertain and no delivery report came in %s: failed,"
                    " perhaps sent", message["id"], message["kind"], REPORT_WAIT)
    else:
        recheck_uncertain(db, message["id"], reason="waiting for the delivery report",
                          check_at=since + REPORT_WAIT, now=now)


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
        interrupted = hold_interrupted(db, now=clock())
        if interrupted:
            log.warning("%d message(s) were left sending by a stopped worker: asking the "
                        "provider about them before anything is sent again", interrupted)
        quiet = (settings.quiet_start, settings.quiet_end)
        interval = 1.0 / settings.send_rate if settings.send_rate > 0 else 0.0
        log.info("worker started")
        next_chores = 0.0
        while not stop_event.is_set():
            started = monotonic()
            try:
                if started >= next_chores:
                    # What time brings: unanswered introductions end, follow-ups are
                    # asked, old needs close, meetings are reminded. Once a minute
                    # is soon enough.
                    done = introducing.run_due(db, now=clock())
                    done["reminders"] = leading.remind(db, now=clock())
                    if any(done.values()):
                        log.info("chores: %s", done)
                    next_chores = started + CHORES_EVERY_S
                # Before any send: an uncertain message found not taken is queued
                # again here, so it is never sent while still in doubt.
                resolve_uncertain(db, transport, now=clock())
                sent = send_one(db, transport, now=clock(), quiet=quiet)
            except (OperationalError, StoreBusy):
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
