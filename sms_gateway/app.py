"""The Flask app Twilio calls: inbound SMS, status callbacks and a health check."""

from __future__ import annotations

import hmac
import logging
import queue

from flask import Flask, Response, abort, current_app, g, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from shared.clock import utcnow
from shared.contacts import opt_out
from shared.db import open_db, sqlite_version
from shared.errors import InvalidPhoneNumber
from shared.messages import STATUS_RANK, apply_status_callback
from shared.settings import Settings, load_settings
from shared.services.sms import handle_inbound_sms

log = logging.getLogger("faelles.gateway")
OPTED_OUT_ERROR = "21610"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway for the given settings (from the environment by default)."""
    settings = settings or load_settings()
    if settings.transport == "twilio" and settings.twilio_auth_token == Settings.twilio_auth_token:
        raise RuntimeError("TWILIO_AUTH_TOKEN must be set when FAELLES_SMS_TRANSPORT=twilio")
    app = Flask(__name__)
    app.config["FAELLES"] = settings
    # Migrate once here, not per request; open_db takes the write lock to do it.
    db = open_db(settings.db_path)
    log.info("gateway on %s, SQLite %s", settings.db_path, sqlite_version(db))
    db.close()
    app.extensions["faelles_pool"] = queue.SimpleQueue()
    app.teardown_appcontext(release_db)
    app.add_url_rule("/sms", view_func=inbound_sms, methods=["POST"])
    app.add_url_rule("/sms/status", view_func=status_callback, methods=["POST"])
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


def twiml(text: str) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="application/xml")


def inbound_sms() -> Response:
    """Answer an inbound SMS with TwiML."""
    require_twilio_signature()
    sid, sender = required("MessageSid", "From")
    try:
        reply = handle_inbound_sms(get_db(), provider_id=sid, phone=sender,
                                   body=request.form.get("Body", ""), now=utcnow())
    except InvalidPhoneNumber:
        abort(400, description="From is not a phone number")
    return twiml(reply)


def status_callback() -> Response:
    """Record a delivery status reported by Twilio."""
    require_twilio_signature()
    sid, status = required("MessageSid", "MessageStatus")
    if status not in STATUS_RANK:  # accepted, scheduled, read...: nothing to record
        return Response(status=204)
    error_code = request.form.get("ErrorCode") or None
    our_id = request.args.get("id", type=int)
    db = get_db()
    message = apply_status_callback(db, sid, status, now=utcnow(), error_code=error_code,
                                    message_id=our_id)
    if message is not None and error_code == OPTED_OUT_ERROR and message["contact_id"]:
        opt_out(db, message["contact_id"], now=utcnow())
    return Response(status=204)


def healthz() -> Response:
    """Say whether the gateway can read the store."""
    get_db().execute("SELECT 1").fetchone()
    return Response("ok\n", mimetype="text/plain")
