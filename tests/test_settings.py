"""Settings from the environment: the SMS provider and GatewayAPI's variables."""

from __future__ import annotations

import pytest

from shared.settings import Settings, load_settings


def test_twilio_stays_the_default_provider():
    settings = load_settings({})
    assert (settings.provider, settings.transport) == ("twilio", "console")


def test_gatewayapi_is_chosen_with_its_variables():
    settings = load_settings({
        "FAELLES_SMS_PROVIDER": "gatewayapi", "FAELLES_SMS_TRANSPORT": "twilio",
        "GATEWAYAPI_TOKEN": "token", "GATEWAYAPI_WEBHOOK_SECRET": "s" * 40,
        "GATEWAYAPI_SENDER": "4560575797", "FAELLES_GATEWAYAPI_URL": "http://127.0.0.1:5001/"})

    assert (settings.provider, settings.gatewayapi_token, settings.gatewayapi_webhook_secret,
            settings.gatewayapi_sender, settings.gatewayapi_url) == (
        "gatewayapi", "token", "s" * 40, "4560575797", "http://127.0.0.1:5001")
    assert settings.sms_number == "+4560575797"  # the number citizens text, at the kiosk


def test_gatewayapi_is_reached_at_its_eu_address_by_default():
    assert load_settings({"FAELLES_SMS_PROVIDER": "gatewayapi"}).gatewayapi_url == (
        "https://gatewayapi.eu")


def test_a_sender_that_is_a_name_is_no_number_to_text():
    settings = load_settings({"FAELLES_SMS_PROVIDER": "gatewayapi",
                              "GATEWAYAPI_SENDER": "Faelles"})
    assert settings.sms_number is None
    assert load_settings({"FAELLES_SMS_PROVIDER": "gatewayapi", "GATEWAYAPI_SENDER": "Faelles",
                          "FAELLES_SMS_NUMBER": "+45 70 00 00 00"}).sms_number == (
        "+45 70 00 00 00")


def test_an_unknown_provider_is_refused():
    with pytest.raises(ValueError, match="FAELLES_SMS_PROVIDER"):
        load_settings({"FAELLES_SMS_PROVIDER": "gatewayapi.eu"})


def test_the_development_secret_is_long_enough_for_hs256():
    assert len(Settings.gatewayapi_webhook_secret.encode()) >= 32
