"""Ways to hand an outbound SMS to a provider: Twilio, or the log for development."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from shared.settings import Settings

log = logging.getLogger("faelles.sms")

TWILIO_API_URL = "https://api.twilio.com"
API_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str


class TransientSendError(Exception):
    """The provider could not take the message now; try again later."""


class PermanentSendError(Exception):
    """The provider refused the message; sending it again will not help."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class Transport(Protocol):
    def send(self, message: dict) -> SendResult: ...


class ConsoleTransport:
    """Write each message to the log instead of sending it (development, demos)."""

    def send(self, message: dict) -> SendResult:
        """Log the message and report it delivered."""
        log.info("to %s: %s", message["phone"], message["body"])
        return SendResult(provider_id=f"console-{message['id']}", status="delivered")


class TwilioTransport:
    """Send through Twilio's Messages API."""

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
            if status is None or status == 429 or status >= 500:
                raise TransientSendError(_describe(exc)) from exc
            raise PermanentSendError(_describe(exc), _error_code(exc)) from exc
        except requests.RequestException as exc:  # connection refused, timeouts
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        return SendResult(provider_id=created.sid, status=created.status or "queued")

    def _callback_url(self, message_id: int) -> str | None:
        # Our id rides along so a callback that beats mark_sent still finds the row.
        if not self.status_callback_url:
            return None
        joiner = "&" if "?" in self.status_callback_url else "?"
        return f"{self.status_callback_url}{joiner}id={message_id}"


class RedirectingHttpClient(TwilioHttpClient):
    """Send Twilio REST calls to another base URL (the dev phone, a test server)."""

    def __init__(self, base_url: str, timeout: float = API_TIMEOUT_SECONDS):
        super().__init__(timeout=timeout)
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
    if status_callback_url is None and settings.public_url:
        status_callback_url = f"{settings.public_url}/sms/status"
    http_client = (RedirectingHttpClient(settings.twilio_api_url) if settings.twilio_api_url
                   else TwilioHttpClient(timeout=API_TIMEOUT_SECONDS))
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=http_client)
    return TwilioTransport(client, settings.twilio_from, status_callback_url)


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
