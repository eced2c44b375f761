"""Ways to hand an outbound SMS to a provider: Twilio, GatewayAPI, or the log for development."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError

from shared.messages import our_status
from shared.phones import mask_phone
from shared.settings import Settings
from shared.sms_text import measure

log = logging.getLogger("faelles.sms")
# The twilio library logs every request at INFO, query string and all: a lookup
# by recipient would put the full number in the worker's log .
http_log = logging.getLogger("faelles.sms.twilio_http")
http_log.setLevel(logging.WARNING)

TWILIO_API_URL = "https://api.twilio.com"
API_TIMEOUT_SECONDS = 10.0
GATEWAYAPI_SEND_PATH = "/rest/mtsms"
# GatewayAPI's ids, of outbound (MT) and inbound (MO) messages, are numbers of
# their own: prefixed, they never meet a Twilio sid, nor each other, in the
# messages table's one UNIQUE provider_id.
GATEWAYAPI_MT = "gwapi-mt-"
GATEWAYAPI_MO = "gwapi-mo-"
# GatewayAPI's error codes about the account rather than the message: a wrong
# username or password, an address it takes no calls from, no credit, a wrong
# or revoked API token. Nothing was sent, and once the account is put right
# every message can go: they wait in the queue, with backoff, meanwhile.
GATEWAYAPI_ACCOUNT_ERRORS = frozenset({"0x0210", "0x0211", "0x0212", "0x0213", "0x0216",
                                       "0x0229"})
# A sender is up to 11 letters and digits (a name), or up to 15 digits (a number).
GATEWAYAPI_SENDER = re.compile(r"[0-9]{1,15}|[A-Za-z0-9]{1,11}")
GATEWAYAPI_ERROR_CODE = re.compile(r"0x[0-9A-Fa-f]{1,8}")
# How far before our attempt a message Twilio dates may lie (clocks differ).
CLOCK_SLACK = timedelta(minutes=10)
LOOKUP_LIMIT = 50


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str
    error_code: str | None = None


class TransientSendError(Exception):
    """The provider could not take the message now; try again later."""


class UncertainSendError(Exception):
    """The provider may or may not have taken the message: ask it before sending again."""


class PermanentSendError(Exception):
    """The provider refused the message; sending it again will not help."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class Transport(Protocol):
    # False when the provider cannot be asked about a message whose send had an
    # unknown outcome: only its delivery report settles it.
    looks_up_sent: bool

    def send(self, message: dict) -> SendResult: ...

    def find_sent(self, message: dict, since: datetime) -> list[SendResult]: ...


class ConsoleTransport:
    """Write each message to the log instead of sending it (development, demos)."""

    looks_up_sent = True

    def send(self, message: dict) -> SendResult:
        """Log the message and report it delivered."""
        # The text stays (developers read the SMS here); the number does not.
        log.info("to %s: %s", mask_phone(message["phone"]), message["body"])
        return SendResult(provider_id=f"console-{message['id']}", status="delivered")

    def find_sent(self, message: dict, since: datetime) -> list[SendResult]:
        """Return nothing: the log keeps no record to ask."""
        return []


class TwilioTransport:
    """Send through Twilio's Messages API."""

    looks_up_sent = True

    def __init__(self, client: Client, from_number: str, status_callback_url: str | None):
        self.client = client
        self.from_number = from_number
        self.status_callback_url = status_callback_url

    def send(self, message: dict) -> SendResult:
        """Create the message at Twilio; raise TransientSendError or PermanentSendError."""
        try:
            created = self.client.messages.create(
                to=message["phone"],
                from_=self.from_number,
                body=message["body"],
                status_callback=self._callback_url(message["id"]),
            )
        except TwilioException as exc:
            # TwilioRestException and TwilioServiceException carry the HTTP status;
            # a bare TwilioException comes from the HTTP layer itself.
            status = getattr(exc, "status", None)
            if status in (429, 503):  # Twilio turned it away: nothing was created
                raise TransientSendError(_describe(exc)) from exc
            if status is None or status >= 500:
                # A 500, or a 502/504 from a proxy in front of Twilio, can come
                # after the message was created.
                raise UncertainSendError(_describe(exc)) from exc
            raise PermanentSendError(_describe(exc), _error_code(exc)) from exc
        except requests.RequestException as exc:
            text = f"{type(exc).__name__}: {exc}"
            if _never_reached(exc):
                raise TransientSendError(text) from exc
            # A read timeout or a dropped connection: Twilio may have the message.
            raise UncertainSendError(text) from exc
        return SendResult(provider_id=created.sid, status=created.status or "queued")

    def find_sent(self, message: dict, since: datetime) -> list[SendResult]:
        """Return Twilio's messages that match this one and were created since `since`, oldest first.

        Raises TransientSendError when Twilio cannot be asked.
        """
        # Twilio has no idempotency key, so the message is recognised by what we
        # know of it: recipient, our sender, the body, and when we called.
        since = since.astimezone(timezone.utc) - CLOCK_SLACK
        query = {"to": message["phone"], "from_": self.from_number, "limit": LOOKUP_LIMIT}
        try:
            # Filtered by date, as Twilio documents it (a day, in GMT) ...
            found = self.client.messages.list(
                date_sent_after=since.strftime("%Y-%m-%d"), **query)
            # ... and, since a message still queued at Twilio has no date_sent yet,
            # the newest ones without the date filter.
            found += self.client.messages.list(**query)
        except (TwilioException, requests.RequestException, ValueError, KeyError) as exc:
            raise TransientSendError(f"cannot ask the provider: {type(exc).__name__}: "
                                     f"{_describe(exc) if isinstance(exc, TwilioException) else exc}"
                                     ) from exc
        matches: dict[str, tuple] = {}
        for sent in found:
            created = sent.date_created
            if (not (sent.direction or "").startswith("outbound")
                    or (sent.body or "").strip() != message["body"].strip()
                    or (created is not None and created < since)):
                continue
            status = our_status("twilio", sent.status or "") or "sent"
            code = str(sent.error_code) if sent.error_code else None
            matches[sent.sid] = (created or since, SendResult(sent.sid, status, code))
        return [result for _, result in sorted(matches.values(), key=lambda m: m[0])]

    def _callback_url(self, message_id: int) -> str | None:
        # Our id rides along so a callback that beats mark_sent still finds the row.
        if not self.status_callback_url:
            return None
        joiner = "&" if "?" in self.status_callback_url else "?"
        return f"{self.status_callback_url}{joiner}id={message_id}"


class GatewayApiTransport:
    """Send through GatewayAPI's REST API, POST /rest/mtsms."""

    # Its API finds a message by its own id only, which a call that went
    # unanswered never gave us; there is no search by our reference (userref).
    looks_up_sent = False

    def __init__(self, base_url: str, token: str, sender: str,
                 status_callback_url: str | None, *, timeout: float = API_TIMEOUT_SECONDS):
        digits = sender.strip().lstrip("+").replace(" ", "")  # "+45 70 00 00 00" is a number
        sender = digits if digits.isdigit() else sender.strip()
        if not GATEWAYAPI_SENDER.fullmatch(sender):
            raise ValueError("GATEWAYAPI_SENDER must be a number of up to 15 digits, "
                             "or up to 11 letters and digits")
        self.url = base_url.rstrip("/") + GATEWAYAPI_SEND_PATH
        self.token = token
        self.sender = sender
        self.status_callback_url = status_callback_url
        self.timeout = timeout
        self.session = requests.Session()

    def close(self) -> None:
        """Close the connections kept open to the API."""
        self.session.close()

    def send(self, message: dict) -> SendResult:
        """Hand the message to GatewayAPI; raise Transient-, Uncertain- or PermanentSendError."""
        phone = message["phone"].lstrip("+")
        if not phone.isdigit():
            raise PermanentSendError(f"not a phone number: {mask_phone(message['phone'])}")
        payload = {"sender": self.sender, "message": message["body"],
                   # The number without its "+", as an integer; our id comes back
                   # in each delivery report, so a report finds a message whose
                   # send had an unknown outcome.
                   "recipients": [{"msisdn": int(phone)}], "userref": str(message["id"])}
        if self.status_callback_url:
            payload["callback_url"] = self.status_callback_url
        if measure(message["body"]).encoding == "UCS-2":
            payload["encoding"] = "UCS2"  # else GSM-7, which would lose the letters
        try:
            # The API token as the Basic username, with no password.
            response = self.session.post(self.url, json=payload, auth=(self.token, ""),
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            text = f"{type(exc).__name__}: {exc}"
            if _never_reached(exc):
                raise TransientSendError(text) from exc
            # A read timeout or a dropped connection: GatewayAPI may have the message.
            raise UncertainSendError(text) from exc
        if 200 <= response.status_code < 300:
            return SendResult(provider_id=GATEWAYAPI_MT + _gatewayapi_id(response),
                              status="sent")
        code, text = _gatewayapi_error(response)
        if code in GATEWAYAPI_ACCOUNT_ERRORS or response.status_code in (401, 403, 429, 503):
            raise TransientSendError(text)
        if response.status_code >= 500:
            # An exception at GatewayAPI, or a proxy's 502/504, can come after
            # the message was taken.
            raise UncertainSendError(text)
        raise PermanentSendError(text, code)

    def find_sent(self, message: dict, since: datetime) -> list[SendResult]:
        """Raise TransientSendError: GatewayAPI cannot be asked, only its reports tell."""
        raise TransientSendError("GatewayAPI cannot be asked about a message by our reference;"
                                 " its delivery report settles it")


def _gatewayapi_id(response: requests.Response) -> str:
    """Return the one id in GatewayAPI's answer, or raise UncertainSendError."""
    try:
        [their_id] = response.json()["ids"]
    except (ValueError, KeyError, TypeError) as exc:
        # It answered success: it has the message, under an id we did not get.
        raise UncertainSendError(f"HTTP {response.status_code} without one message id: "
                                 f"{response.text[:200]!r}") from exc
    if isinstance(their_id, bool) or not isinstance(their_id, (int, str)) \
            or not str(their_id).isdigit():
        raise UncertainSendError(f"HTTP {response.status_code} with an id that is no number")
    return str(their_id)


def _gatewayapi_error(response: requests.Response) -> tuple[str | None, str]:
    """Return GatewayAPI's hex error code (or None) and a line describing the error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return None, f"HTTP {response.status_code}: {response.text[:200]!r}"
    code = body.get("code")
    code = code if isinstance(code, str) and GATEWAYAPI_ERROR_CODE.fullmatch(code) else None
    text = str(body.get("message") or response.reason or "")[:200]
    return code, f"HTTP {response.status_code}{f' {code}' if code else ''}: {text}"


class RedirectingHttpClient(TwilioHttpClient):
    """Send Twilio REST calls to another base URL (the dev phone, a test server)."""

    def __init__(self, base_url: str, timeout: float = API_TIMEOUT_SECONDS):
        super().__init__(timeout=timeout, logger=http_log)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        """Make the request against base_url instead of api.twilio.com."""
        if url.startswith(TWILIO_API_URL):
            url = self.base_url + url[len(TWILIO_API_URL):]
        return super().request(method, url, *args, **kwargs)


def make_transport(settings: Settings, status_callback_url: str | None = None):
    """Return the transport the settings ask for."""
    if settings.transport == "console":
        return ConsoleTransport()
    if settings.transport != "twilio":
        raise ValueError(f"Unknown SMS transport {settings.transport!r}")
    if settings.provider == "gatewayapi":
        return make_gatewayapi_transport(settings, status_callback_url)
    if status_callback_url is None and settings.public_url:
        status_callback_url = f"{settings.public_url}/sms/status"
    http_client = (RedirectingHttpClient(settings.twilio_api_url) if settings.twilio_api_url
                   else TwilioHttpClient(timeout=API_TIMEOUT_SECONDS, logger=http_log))
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=http_client)
    return TwilioTransport(client, settings.twilio_from, status_callback_url)


def make_gatewayapi_transport(settings: Settings, status_callback_url: str | None = None):
    """Return the GatewayAPI transport; raise RuntimeError without a token for the real API."""
    if (settings.gatewayapi_url == Settings.gatewayapi_url
            and settings.gatewayapi_token == Settings.gatewayapi_token):
        # Every message would wait for a token that never comes.
        raise RuntimeError("GATEWAYAPI_TOKEN must be set to send through GatewayAPI")
    if status_callback_url is None and settings.public_url:
        status_callback_url = f"{settings.public_url}/gatewayapi/status"
    return GatewayApiTransport(settings.gatewayapi_url, settings.gatewayapi_token,
                               settings.gatewayapi_sender, status_callback_url)


def _never_reached(exc: requests.RequestException) -> bool:
    """Tell whether a request failed before a connection to the provider was made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        # requests wraps urllib3's MaxRetryError; its reason says what failed.
        # Refused, unresolvable and timed-out connections are ConnectTimeoutErrors.
        reason = getattr(exc.args[0], "reason", exc.args[0])
        return isinstance(reason, ConnectTimeoutError)
    return isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                            requests.exceptions.InvalidSchema))


def _error_code(exc: TwilioException) -> str | None:
    code = getattr(exc, "code", None)
    # Without a Twilio code in the body the library puts the HTTP status there.
    if code is None or code == getattr(exc, "status", None):
        return None
    return str(code)


def _describe(exc: TwilioException) -> str:
    status = getattr(exc, "status", None)
    text = getattr(exc, "msg", None) or getattr(exc, "title", None) or str(exc)
    return f"HTTP {status}: {text}" if status else text
