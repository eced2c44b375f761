"""Prove a phone number with a 6-digit code sent by SMS: the steps joining and asking share."""

from __future__ import annotations

from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Static

from kiosk.screens.base import StepScreen
from kiosk.screens.forms import checked_phone, phone_field
from kiosk.widgets.digits_input import DigitsInput
from shared.clock import utcnow
from shared.replies import Reply, fit_reply, render_reply
from shared.verification import (CannotText, CodeExpired, CountryNotAllowed, TooManyCodes,
                                 WrongCode, check_code, request_code)


class NumberProofScreen(StepScreen):
    """A step screen with a #step-phone and a #step-code: a number typed, a code sent, proven.

    A subclass composes number_steps() and says what a proven number does:
    use_proven_number() in the worker thread, number_proven() on the screen.
    """

    def __init__(self, id: str):
        super().__init__(id=id)
        self.verification_id: int | None = None

    def number_steps(self, why: str | None = None, check_label: str | None = None
                     ) -> ComposeResult:
        """Compose the number step (with why it is asked for) and the code step."""
        _ = self._
        with Vertical(id="step-phone"):
            yield Static(_("Type your mobile number. We send you a code by SMS, so we know "
                           "the number is yours."), classes="question", markup=False)
            if why:  # right under the question, as its second sentence
                yield Static(why, markup=False)
            yield from phone_field(self.app)
            yield Button(_("Send me a code"), id="send-code", classes="choice")
        with Vertical(id="step-code"):
            yield Static(_("We have sent you an SMS with 6 digits. Type them here."),
                         classes="question", markup=False)
            yield DigitsInput(placeholder="123456", id="code", restrict=r"[0-9]*",
                              max_length=6)
            yield Button(check_label or _("Next"), id="check-code", classes="choice")
            yield Button(_("I did not get a code"), id="again", classes="small")

    def action_back(self) -> None:
        """Back from the code is the number, whatever steps come before it."""
        if self.query_one("ContentSwitcher").current == "step-code":
            self.show_step("phone")
        else:
            super().action_back()

    def use_proven_number(self, db, phone: str, now: datetime):
        """Do what the proven number is for, in the worker thread; return it for the screen."""
        return phone

    def number_proven(self, result) -> None:
        """Show what use_proven_number() did (on the UI thread)."""
        raise NotImplementedError

    @on(Button.Pressed, "#send-code")
    @on(Input.Submitted, "#phone")
    def send_code(self) -> None:
        try:
            phone = checked_phone(self.app, self.query_one("#phone", Input).value,
                                  required=True)
        except ValueError as problem:
            self.problem(str(problem))
            return
        message = fit_reply(render_reply(Reply("kiosk_code", {"code": "{code}"}),
                                         self.app.locale))
        self.request(phone, message)

    @work(thread=True, exit_on_error=False, exclusive=True)
    def request(self, phone: str, message: str) -> None:
        _ = self._
        try:
            with self.app.store() as db:
                self.verification_id = request_code(
                    db, phone=phone, location=self.app.location, message=message,
                    now=utcnow(), allowed_codes=self.app.settings.allowed_country_codes)
        except CountryNotAllowed:
            self.app.call_from_thread(self.problem, _(
                "Sorry, we can only send SMS to Danish numbers (+45)."))
        except TooManyCodes:
            self.app.call_from_thread(self.problem, _(
                "We have sent too many codes just now. Please try again in an hour, or ask "
                "the staff for help."))
        except CannotText:
            self.app.call_from_thread(self.problem, cannot_text(self.app))
        else:
            self.app.call_from_thread(self.show_step, "code")

    @on(Button.Pressed, "#check-code")
    @on(Input.Submitted, "#code")
    def check(self) -> None:
        typed = self.query_one("#code", Input).value
        if len(typed) != 6:
            self.problem(self._("The code has 6 digits."))
            return
        self.verify(typed)

    @work(thread=True, exit_on_error=False, exclusive=True)
    def verify(self, typed: str) -> None:
        _ = self._
        now = utcnow()
        try:
            with self.app.store() as db:
                phone = check_code(db, self.verification_id, typed, now=now)
                result = self.use_proven_number(db, phone, now)
        except WrongCode as wrong:
            self.app.call_from_thread(self.problem, self.app.ngettext(
                "That is not the code. You can try {n} more time.",
                "That is not the code. You can try {n} more times.",
                wrong.tries_left).format(n=wrong.tries_left))
        except CodeExpired:
            self.app.call_from_thread(self.problem, _(
                "The code is no longer valid. Press “I did not get a code” for a new one."))
        else:
            self.app.call_from_thread(self.number_proven, result)

    @on(Button.Pressed, "#again")
    def again(self) -> None:
        self.query_one("#code", Input).value = ""
        self.show_step("phone")


def cannot_text(app) -> str:
    """Say why a number that opted out gets no code and no SMS."""
    return app._("This number has asked us not to send SMS. Text START to us first.")
