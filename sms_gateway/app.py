"""The Flask app the SMS providers call: inbound SMS, status callbacks and a health check.

Twilio's webhooks are here; GatewayAPI's, on the same app, in gatewayapi_webhooks.
"""

from __future__ import annotations

import hmac
import logging
import queue
import re
from xml.sax.saxutils import escape

from flask import Flask, Response, abort, current_app, g, request
from twilio.request_validator import RequestValidator

from shared.clock import iso, utcnow
from sms_gateway.group_sync import GroupSync
from shared.contacts import opt_out_number
from shared.db import (
    OperationalError, existing_store, immediate, open_db, sqlite3, sqlite_version,
)
from shared.errors import InvalidPhoneNumber, StoreBusy
from shared.messages import apply_status_callback, our_status
from shared.phones import mask_phone, provider_phone
from shared.settings import Settings, load_settings
from shared.suppression import check_keys
from shared.services.sms import handle_inbound_sms

log = logging.getLogger("faelles.gateway")
OPTED_OUT_ERROR = "21610"
# Twilio's inbound form is small: Body is at most 1600 characters, at most 4
# bytes each in UTF-8 and 3 characters per byte once URL-encoded (19.2 KB), and
# the other fields (sids, numbers, up to ten MediaUrlN of ~150 characters) add
# about 2 KB. 64 KiB is three times that, and a 100 MB body is refused unread.
MAX_BODY_BYTES = 64 * 1024
# Twilio's message sids: SM (SMS) or MM (MMS), then 32 hex digits; anything
# else (a sid with ESC and BEL in it) would be stored and exported raw.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")
# Twilio's error codes are numbers of five digits (21610, 30003); room for six.
ERROR_CODE = re.compile(r"[0-9]{1,6}")
# Our message ids in a callback's ?id=: SQLite's INTEGER PRIMARY KEY range.
MESSAGE_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_MESSAGE_ID = 2**63 - 1
RETRY_AFTER_SECONDS = 5


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway for the given settings (from the environment by default)."""
    # Imported here: its views use this module's connections.
    from sms_gateway import gatewayapi_webhooks

    settings = settings or load_settings()
    if (settings.transport == "twilio" and settings.provider == "twilio"
            and settings.twilio_auth_token == Settings.twilio_auth_token):
        raise RuntimeError("TWILIO_AUTH_TOKEN must be set when FAELLES_SMS_TRANSPORT=twilio")
    gatewayapi_webhooks.check_secret(settings)
    app = Flask(__name__)
    app.config["FAELLES"] = settings
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Migrate once here, not per request; open_db takes the write lock to do it.
    store = existing_store(settings.db_path)  # gunicorn in the wrong folder stops here
    db = open_db(store)
    log.info("gateway on %s, SQLite %s", store, sqlite_version(db))
    try:
        # A placeholder key, or a changed one that would forget who texted STOP:
        # better no gateway than texts to people who asked for none.
        check_keys(db, now=utcnow())
    finally:
        db.close()
    app.extensions["faelles_pool"] = queue.SimpleQueue()
    app.extensions["faelles_group_sync"] = GroupSync(str(store))
    app.teardown_appcontext(release_db)
    app.before_request(refuse_large_bodies)
    app.register_error_handler(StoreBusy, store_busy)
    app.register_error_handler(OperationalError, store_failed)
    app.add_url_rule("/sms", view_func=inbound_sms, methods=["POST"])
    app.add_url_rule("/sms/status", view_func=status_callback, methods=["POST"])
    # Both providers' webhooks are always served: while the number moves from
    # one to the other, texts and reports come from both.
    app.add_url_rule("/gatewayapi/sms", "gatewayapi_inbound_sms",
                     gatewayapi_webhooks.inbound_sms, methods=["POST"])
    app.add_url_rule("/gatewayapi/status", "gatewayapi_status_report",
                     gatewayapi_webhooks.status_report, methods=["POST"])
    app.add_url_rule("/healthz", view_func=healthz, methods=["GET"])
    return app


def get_db():
    """Return a connection to the store for this request, reusing an idle one."""
    # Connections are pooled rather than opened per request: closing the last
    # connection to a WAL database checkpoints it, which cost more than the rest
    # of the request (bench/webhook.py).
    if "db" not in g:
        pool: queue.SimpleQueue = current_app.extensions["faelles_pool"]
        try:
            g.db = pool.get_nowait()
        except queue.Empty:
            g.db = open_db(current_app.config["FAELLES"].db_path, migrate=False)
    return g.db


def sync_committed() -> None:
    """Flush what this request committed to the disk, before the answer says it is stored."""
    current_app.extensions["faelles_group_sync"].commit_is_durable()


def release_db(exception=None) -> None:
    """Give the request's connection back to the pool, with no transaction left open."""
    db = g.pop("db", None)
    if db is not None:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        current_app.extensions["faelles_pool"].put(db)


def close_connections(app: Flask) -> None:
    """Close every idle pooled connection (tests, and a clean shutdown)."""
    pool: queue.SimpleQueue = app.extensions["faelles_pool"]
    while True:
        try:
            pool.get_nowait().close()
        except queue.Empty:
            return


def refuse_large_bodies() -> None:
    """Answer 413 to a body over the limit before anything reads it."""
    # Flask checks MAX_CONTENT_LENGTH only when the form is read; say no here,
    # for every route, before the signature check would parse the form.
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        log.warning("refused %s: a body of %d bytes", request.path, request.content_length)
        abort(413)


def store_busy(error: StoreBusy) -> Response:
    """Answer 503, which Twilio retries, when the store could not take the write in time."""
    log.warning("answered 503 to %s: %s", request.path, error)
    return Response("The store is busy; try again.\n", status=503, mimetype="text/plain",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def store_failed(error: OperationalError) -> Response:
    """Answer 503 when the disk is full (nothing was written); let other errors be 500s."""
    if getattr(error, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_FULL:
        raise error
    log.error("answered 503 to %s: %s", request.path, error)
    return Response("The store cannot write; try again.\n", status=503, mimetype="text/plain",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def signed_url(public_url: str | None) -> str:
    """Return the URL Twilio signed: the public base (if set), the path and the query."""
    # Built from the raw WSGI environ: werkzeug's request.url decodes and
    # re-quotes the URL, which costs more and can differ from what Twilio signed.
    environ = request.environ
    query = environ.get("QUERY_STRING")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    base = public_url or f"{environ['wsgi.url_scheme']}://{request.host}"
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def require_twilio_signature() -> None:
    """Abort with 403 unless X-Twilio-Signature signs this request with our auth token."""
    settings: Settings = current_app.config["FAELLES"]
    if settings.transport != "console" and settings.twilio_auth_token == Settings.twilio_auth_token:
        # Sending real SMS through GatewayAPI with no Twilio account: the
        # development token is public, so it signs nothing.
        log.warning("rejected %s: TWILIO_AUTH_TOKEN is not set", request.path)
        abort(403)
    # Behind a TLS proxy Flask sees http://internal-host/...; Twilio signed the
    # public https URL, so validate against FAELLES_PUBLIC_URL when it is set.
    url = signed_url(settings.public_url)
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict()
    validator = RequestValidator(settings.twilio_auth_token)
    # One HMAC for the URL as we see it; validate() also tries the URL with and
    # without its port, which costs a second HMAC on every request.
    if signature and hmac.compare_digest(validator.compute_signature(url, params), signature):
        return
    if not signature or not validator.validate(url, params, signature):
        log.warning("rejected %s with a missing or wrong signature", request.path)
        abort(403)


def required(*names: str) -> list[str]:
    """Return the named form parameters, or abort with 400 if one is missing."""
    missing = [name for name in names if not request.form.get(name)]
    if missing:
        abort(400, description=f"missing {', '.join(missing)}")
    return [request.form[name] for name in names]


def message_sid() -> str:
    """Return the request's MessageSid, or abort with 400 unless it is in Twilio's format."""
    sid = request.form.get("MessageSid", "")
    if not MESSAGE_SID.fullmatch(sid):
        # Not echoed: it may carry control characters for a terminal.
        log.warning("rejected %s: a MessageSid of %d characters not in Twilio's format",
                    request.path, len(sid))
        abort(400, description="MessageSid is not a Twilio message sid")
    return sid


def twiml(text: str) -> Response:
    """Return TwiML that answers with text, or with nothing when it is empty."""
    # Written out rather than built with MessagingResponse, whose ElementTree
    # serialisation cost a tenth of the request (bench/webhook.py); the same XML.
    body = f"<Response><Message>{escape(text)}</Message></Response>" if text else "<Response />"
    return Response(f'<?xml version="1.0" encoding="UTF-8"?>{body}', mimetype="application/xml")


def inbound_sms() -> Response:
    """Answer an inbound SMS with TwiML."""
    require_twilio_signature()
    _, sender = required("MessageSid", "From")
    sid = message_sid()
    try:
        # Any E.164 number Twilio sends is a citizen's: a 400 would lose the
        # text, as Twilio does not retry a 4xx.
        sender = provider_phone(sender)
    except InvalidPhoneNumber:
        log.warning("rejected an SMS from %s: not an E.164 number", mask_phone(sender))
        abort(400, description="From is not an E.164 phone number")
    reply = handle_inbound_sms(get_db(), provider_id=sid, phone=sender,
                               body=request.form.get("Body", ""), now=utcnow())
    sync_committed()
    return twiml(reply)


def status_callback() -> Response:
    """Record a delivery status reported by Twilio."""
    require_twilio_signature()
    _, reported = required("MessageSid", "MessageStatus")
    sid = message_sid()
    error_code = request.form.get("ErrorCode") or None
    if error_code is not None and not ERROR_CODE.fullmatch(error_code):
        log.warning("rejected a status callback: an ErrorCode of %d characters", len(error_code))
        abort(400, description="ErrorCode is not a Twilio error code")
    our_id = our_message_id()
    if our_status("twilio", reported) is None:  # receiving, received...: not about what we sent
        return Response(status=204)
    db = get_db()
    message = apply_status_callback(db, sid, reported, now=utcnow(), error_code=error_code,
                                    message_id=our_id)
    if message is not None and error_code == OPTED_OUT_ERROR:
        # With a contact or without one (a kiosk code): the number is never texted again.
        opt_out_number(db, message["phone"], now=utcnow())
    sync_committed()  # a lost 21610 would be a lost opt-out
    return Response(status=204)


def our_message_id() -> int | None:
    """Return the message id the worker put in the callback URL, or abort with 400."""
    value = request.args.get("id")
    if value is None:
        return None
    if not MESSAGE_ID.fullmatch(value) or int(value) > MAX_MESSAGE_ID:
        abort(400, description="id is not one of our message ids")
    return int(value)


def healthz() -> Response:
    """Say whether the gateway can write to the store, within the bounded wait."""
    # A real, committed write: a rolled-back one never reaches the disk, so it
    # would not notice a full one; and a read succeeds while writes are blocked.
    db = get_db()
    try:
        with immediate(db):
            # beats always changes: SQLite skips writing a row updated to what it was.
            db.execute("INSERT INTO heartbeat (source, at) VALUES ('gateway', ?)"
                       " ON CONFLICT (source) DO UPDATE SET at = excluded.at,"
                       " beats = beats + 1", (iso(utcnow()),))
        sync_committed()
    except StoreBusy as exc:
        log.warning("health check: %s", exc)
        return Response("store busy: writes are blocked\n", status=503, mimetype="text/plain")
    except (OperationalError, OSError) as exc:
        log.error("health check: the store cannot write: %s", exc)
        return Response(f"store cannot write: {exc}\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")
