"""The SMS channel: Twilio webhook, status callbacks, outbox worker and dev phone."""

from sms_gateway.app import create_app

__all__ = ["create_app"]
