"""About your data: what is stored, why, for how long, and how to have it erased."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from kiosk.screens.base import KioskScreen
from shared.phones import display_phone
from shared.retention import retention_days


class AboutScreen(KioskScreen):
    def compose(self) -> ComposeResult:
        _ = self._
        number = self.app.settings.sms_number
        location = self.app.location
        paragraphs = [
            _("We store only what you give us here: your offer, your praise, complaint "
              "or idea, the communities you join, and your phone number if you give it."),
            _("We use it to put you in touch with a coordinator and with the "
              "communities. We never sell it or use it for advertising."),
            _("Feedback is anonymous unless you give your number."),
        ]
        if location:
            paragraphs.append(_("We also note that you used the kiosk at {location}.").format(
                location=location))
        paragraphs += [
            _("Finished offers, answered feedback and old messages are deleted after "
              "{days} days.").format(days=retention_days()),
            _("To have everything about you erased, text SLET to {number}, or ask the staff "
              "here.").format(number=display_phone(number)) if number else
            _("To have everything about you erased, text SLET to the number you texted, "
              "or ask the staff here."),
        ]
        yield from self.title_bar(_("About your data"))
        with VerticalScroll(classes="body"):
            for paragraph in paragraphs:
                yield Static(paragraph, classes="paragraph", markup=False)
