"""GatewayAPI's webhooks: inbound SMS and delivery reports, JSON vouched for by a JWT.

GatewayAPI signs each call with the webhook's secret: a JWT (HS256) in the
X-Gwapi-Signature header whose payload is the message itself. Nothing is
read, nor stored, before that token has been checked. Its webhook takes no
reply in the answer, so the reply to an inbound SMS goes through the outbox,
queued in the same transaction that stores the SMS.
"""

from __future__ import annotations

import logging
import re

import jwt
from flask import Response, abort, current_app, request

from shared.clock import utcnow
from shared.errors import InvalidPhoneNumber
from shared.messages import apply_status_callback, our_status
from shared.phones import mask_phone, provider_phone
from shared.services.sms import handle_inbound_sms
from shared.settings import Settings
from sms_gateway.app import get_db, sync_committed
from sms_gateway.transports import GATEWAYAPI_ERROR_CODE, GATEWAYAPI_MO, GATEWAYAPI_MT

log = logging.getLogger("faelles.gateway")

SIGNATURE_HEADER = "X-Gwapi-Signature"
# HS256 only: PyJWT then refuses "none", another HMAC and every public-key
# algorithm, whatever the token's header says.
ALGORITHMS = ["HS256"]
# A JWT may carry these beside the message (PyJWT checks exp and nbf); they are
# about the token, not the message, and are no part of the body.
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
# Should a token carry exp, nbf or iat: their clock and ours may differ a little.
CLOCK_SLACK_SECONDS = 300
MIN_SECRET_BYTES = 32  # what PyJWT asks of an HS256 key; shorter ones can be guessed
# GatewayAPI's ids are positive integers; ours (in userref) fit SQLite's INTEGER.
NUMERIC_ID = re.compile(r"[1-9][0-9]{0,18}")
MSISDN = re.compile(r"[1-9][0-9]{6,14}")
MAX_ID = 2**63 - 1


def check_secret(settings: Settings) -> None:
    """Raise RuntimeError when the webhook secret cannot protect the GatewayAPI webhooks."""
    if (settings.provider == "gatewayapi"
            and settings.gatewayapi_webhook_secret == Settings.gatewayapi_webhook_secret):
        raise RuntimeError("GATEWAYAPI_WEBHOOK_SECRET must be set when "
                           "FAELLES_SMS_PROVIDER=gatewayapi")
    if len(settings.gatewayapi_webhook_secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise RuntimeError(f"GATEWAYAPI_WEBHOOK_SECRET must be at least {MIN_SECRET_BYTES}"
                           " characters; make one with: python3 -c 'import secrets;"
                           " print(secrets.token_hex(32))'")


def verified_message() -> dict:
    """Return the message GatewayAPI signed, once the body says the same; abort with 401 or 403."""
    settings: Settings = current_app.config["FAELLES"]
    token = request.headers.get(SIGNATURE_HEADER, "")
    if not token:
        log.warning("rejected %s without %s", request.path, SIGNATURE_HEADER)
        abort(401)
    if (settings.gatewayapi_webhook_secret == Settings.gatewayapi_webhook_secret
            and settings.transport != "console"):
        # The development secret is public: sending real SMS, it signs nothing.
        log.warning("rejected %s: GATEWAYAPI_WEBHOOK_SECRET is not set", request.path)
        abort(403)
    try:
        claims = jwt.decode(token, settings.gatewayapi_webhook_secret, algorithms=ALGORITHMS,
                            leeway=CLOCK_SLACK_SECONDS)
    except jwt.InvalidTokenError as exc:
        # Not echoed: the token is the caller's to choose.
        log.warning("rejected %s: %s", request.path, type(exc).__name__)
        abort(403)
    message = {name: value for name, value in claims.items() if name not in REGISTERED_CLAIMS}
    body = request.get_json(silent=True)
    # Every field of the body must be the signed one: the body says nothing the
    # signature does not vouch for. The signed message is what is read; it may
    # say more than the body (GatewayAPI's own example token does).
    if not isinstance(body, dict) or any(
            name not in message or message[name] != value for name, value in body.items()):
        log.warning("rejected %s: the body is not the message its token signed", request.path)
        abort(403)
    return message


def inbound_sms() -> Response:
    """Store an SMS GatewayAPI received and queue its reply, once per GatewayAPI id."""
    message = verified_message()
    their_id = _their_id(message.get("id"))
    text = message.get("message")
    if not isinstance(text, str):
        abort(400, description="message is not a text")
    sender = _msisdn(message.get("msisdn"))
    # GatewayAPI retries for 24 hours until it gets a 2xx: the same id then finds
    # the stored SMS, and no second reply is queued.
    handle_inbound_sms(get_db(), provider_id=GATEWAYAPI_MO + their_id, phone=sender,
                       body=text, now=utcnow(), reply_later=True)
    sync_committed()  # the 204 says the SMS is ours: it must survive a power cut
    return Response(status=204)


def status_report() -> Response:
    """Record a delivery status reported by GatewayAPI."""
    message = verified_message()
    their_id = _their_id(message.get("id"))
    reported = message.get("status")
    if not isinstance(reported, str) or our_status("gatewayapi", reported) is None:
        # A 4xx would only bring the same report back for a day.
        log.warning("a delivery report with a status we do not know: %.20r", reported)
        return Response(status=204)
    code = message.get("code")
    if code is not None and not (isinstance(code, str) and GATEWAYAPI_ERROR_CODE.fullmatch(code)):
        log.warning("a delivery report with an error code not in GatewayAPI's form: dropped")
        code = None
    apply_status_callback(get_db(), GATEWAYAPI_MT + their_id, reported, now=utcnow(),
                          error_code=code, message_id=_our_id(message.get("userref")),
                          provider="gatewayapi")
    sync_committed()
    return Response(status=204)


def _their_id(value) -> str:
    """Return GatewayAPI's message id as digits, or abort with 400."""
    text = _digits(value)
    if text is None:
        abort(400, description="id is not a GatewayAPI message id")
    return text


def _msisdn(value) -> str:
    """Return the sender's number in E.164 from GatewayAPI's msisdn, or abort with 400."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    try:
        if not MSISDN.fullmatch(text):
            raise InvalidPhoneNumber("not an msisdn")
        return provider_phone("+" + text)
    except InvalidPhoneNumber:
        log.warning("rejected an SMS from %s: not a phone number", mask_phone(text))
        abort(400, description="msisdn is not a phone number")


def _our_id(userref) -> int | None:
    """Return our message id from a report's userref, or None if it is not one of ours."""
    # Not a 400: a report about a message someone else sent on the same account
    # (the dashboard's test) would come back for a day.
    text = _digits(userref)
    return int(text) if text is not None else None


def _digits(value) -> str | None:
    """Return a positive id given as a number or as digits, or None."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return text if NUMERIC_ID.fullmatch(text) and int(text) <= MAX_ID else None
