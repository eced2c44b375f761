"""The SMS a coordinator's decision sends: its size as it will go, and to whom."""

from __future__ import annotations

from textual.widgets import Static

from shared.i18n import DEFAULT_LOCALE, N_, language_name_in
from shared.replies import REPLY_BUDGET_SEGMENTS
from shared.services.coordinator import Notice

IN_LANGUAGE = {"da": N_("in Danish"), "en": N_("in English")}


def in_language(app, language: str | None) -> str:
    """Return 'in Danish', 'in German'... in the kiosk's language: 'på tysk' in Danish."""
    if language in IN_LANGUAGE:
        return app._(IN_LANGUAGE[language])
    return app._("in {language}").format(
        language=language_name_in(language or DEFAULT_LOCALE, app.locale))


def no_sms_text(app, reason: str | None) -> str | None:
    """Return why no SMS goes, in the kiosk's language, or None when one does."""
    if reason == "no_number":
        return app._("No SMS: no number.")
    if reason == "opted_out":
        return app._("No SMS: the citizen has opted out.")
    return None


def sent_text(app, notice: Notice) -> str:
    """Return who gets the SMS and in which language, or why nobody does."""
    return no_sms_text(app, notice.no_sms) or app._(
        "The citizen gets this by SMS {in_language}.").format(
        in_language=in_language(app, notice.language))


class SmsCounter(Static):
    """Characters, encoding and segments of the SMS as it will be sent, and who gets it."""

    DEFAULT_CSS = """
    SmsCounter { height: auto; }
    SmsCounter.-too-long { color: $error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__("", id=id, markup=False)

    def show(self, notice: Notice) -> None:
        app = self.app
        parts = [app.ngettext("{n} character", "{n} characters",
                              notice.characters).format(n=notice.characters),
                 notice.encoding,
                 app.ngettext("{n} SMS segment", "{n} SMS segments",
                              notice.segments).format(n=notice.segments)]
        lines = [app._("The SMS: {size}").format(size=" · ".join(parts)),
                 sent_text(app, notice)]
        too_long = notice.sends and not notice.fits
        if too_long:
            lines.append(app._("Too long: at most {n} SMS segments. Please shorten it.").format(
                n=REPLY_BUDGET_SEGMENTS))
        self.set_class(too_long, "-too-long")
        self.update("\n".join(lines))
