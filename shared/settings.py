"""Configuration from the environment, read once by each entry point."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import time

DEFAULT_DB_PATH = "var/faelles.db"
# Browser pages served at once by `faelles kiosk --web`, each with its own kiosk
# process of about 50-65 MB: eight fit beside the gateway on a small machine, and
# cover two or three screens at each of a municipality's sites.
DEFAULT_KIOSK_MAX_SESSIONS = 8
PROVIDERS = ("twilio", "gatewayapi")


def _clock(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Settings:
    db_path: str = DEFAULT_DB_PATH
    public_url: str | None = None
    # "console" writes outbound SMS to the worker's log; "twilio" sends them for
    # real, through the provider (the value is from when Twilio was the only one).
    transport: str = "console"
    # Whom the worker sends through, and whose webhooks come in.
    provider: str = "twilio"
    twilio_account_sid: str = "ACdev00000000000000000000000000000"
    twilio_auth_token: str = "dev-auth-token"
    twilio_from: str = "+4570000000"
    twilio_api_url: str | None = None
    # Development values, like Twilio's above: the gateway refuses to start with
    # this secret when the provider is GatewayAPI, and accepts it only with the
    # console transport otherwise (the dev phone signs with it). The secret is
    # as long as PyJWT wants an HS256 key to be: 32 bytes at least.
    gatewayapi_token: str = "dev-gatewayapi-token"
    gatewayapi_webhook_secret: str = "dev-webhook-secret-for-the-dev-phone-only"
    gatewayapi_sender: str = "4570000000"
    gatewayapi_url: str = "https://gatewayapi.eu"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    send_rate: float = 1.0
    allowed_country_codes: tuple[str, ...] = ("45",)
    # The number citizens text, as the kiosk shows it; None when not configured.
    sms_number: str | None = None
    kiosk_max_sessions: int = DEFAULT_KIOSK_MAX_SESSIONS


def load_settings(environ: dict | None = None) -> Settings:
    """Return the settings given by FAELLES_*, TWILIO_* and GATEWAYAPI_* variables."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    quiet = env.get("FAELLES_QUIET_HOURS", "21:00-08:00")
    start, end = quiet.split("-")
    transport = env.get("FAELLES_SMS_TRANSPORT") or defaults.transport
    if transport not in ("console", "twilio"):
        raise ValueError("FAELLES_SMS_TRANSPORT must be 'console' or 'twilio'"
                         " (real SMS, through FAELLES_SMS_PROVIDER)")
    provider = env.get("FAELLES_SMS_PROVIDER") or defaults.provider
    if provider not in PROVIDERS:
        raise ValueError("FAELLES_SMS_PROVIDER must be 'twilio' or 'gatewayapi'")
    sender = (env.get("GATEWAYAPI_SENDER") or "").strip()
    # The number citizens text is usually the one we send from (a GatewayAPI
    # sender may be a name instead, which nobody can text).
    if provider == "twilio":
        sending_number = env.get("TWILIO_FROM")
    elif sender.lstrip("+").replace(" ", "").isdigit():
        sending_number = "+" + sender.lstrip("+")
    else:
        sending_number = None
    return Settings(
        db_path=env.get("FAELLES_DB") or defaults.db_path,
        public_url=(env.get("FAELLES_PUBLIC_URL") or "").rstrip("/") or None,
        transport=transport,
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or defaults.twilio_account_sid,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or defaults.twilio_auth_token,
        twilio_from=env.get("TWILIO_FROM") or defaults.twilio_from,
        twilio_api_url=(env.get("FAELLES_TWILIO_API_URL") or "").rstrip("/") or None,
        provider=provider,
        gatewayapi_token=env.get("GATEWAYAPI_TOKEN") or defaults.gatewayapi_token,
        gatewayapi_webhook_secret=(env.get("GATEWAYAPI_WEBHOOK_SECRET")
                                   or defaults.gatewayapi_webhook_secret),
        gatewayapi_sender=sender or defaults.gatewayapi_sender,
        gatewayapi_url=((env.get("FAELLES_GATEWAYAPI_URL") or "").rstrip("/")
                        or defaults.gatewayapi_url),
        quiet_start=_clock(start),
        quiet_end=_clock(end),
        send_rate=float(env.get("FAELLES_SEND_RATE") or defaults.send_rate),
        allowed_country_codes=tuple(
            c.strip().lstrip("+") for c in
            (env.get("FAELLES_ALLOWED_COUNTRY_CODES") or "45").split(",") if c.strip()),
        # The number citizens text is usually the one we send from.
        sms_number=(env.get("FAELLES_SMS_NUMBER") or sending_number or "").strip() or None,
        kiosk_max_sessions=_at_least_one(env.get("FAELLES_KIOSK_MAX_SESSIONS"),
                                         "FAELLES_KIOSK_MAX_SESSIONS",
                                         defaults.kiosk_max_sessions),
    )


def _at_least_one(text: str | None, name: str, default: int) -> int:
    if not (text or "").strip():
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1")
    return value
