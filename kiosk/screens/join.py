"""Join a community with a phone number proven by a 6-digit code sent by SMS."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, ContentSwitcher, Input, Static

from kiosk.screens.base import StepScreen
from kiosk.screens.forms import checked_phone, phone_field, problem_line
from kiosk.widgets.digits_input import DigitsInput
from shared.clock import utcnow
from shared.communities import get_community
from shared.services.kiosk import join_with_proven_number
from shared.engine import joined_reply
from shared.replies import Reply, fit_reply, render_reply
from shared.verification import (CannotText, CodeExpired, CountryNotAllowed, TooManyCodes,
                                 WrongCode, check_code, request_code)


class JoinScreen(StepScreen):
    """Phone number, then the code from the SMS, then welcome."""

    STEPS = ("phone", "code")

    def __init__(self, code: str):
        super().__init__(id="join")
        self.code = code
        self.verification_id: int | None = None

    def compose(self) -> ComposeResult:
        _ = self._
        yield from self.title_bar(_("Join"))
        yield problem_line()
        with ContentSwitcher(initial="step-phone", classes="body"):
            with Vertical(id="step-phone"):
                yield Static(_("Type your mobile number. We send you a code by SMS, so we "
                               "know the number is yours."), classes="question", markup=False)
                yield from phone_field(self.app)
                yield Button(_("Send me a code"), id="send-code", classes="choice")
            with Vertical(id="step-code"):
                yield Static(_("We have sent you an SMS with 6 digits. Type them here."),
                             classes="question", markup=False)
                yield DigitsInput(placeholder="123456", id="code", restrict=r"[0-9]*",
                                  max_length=6)
                yield Button(_("Join"), id="check-code", classes="choice")
                yield Button(_("I did not get a code"), id="again", classes="small")
            with Vertical(id="step-done"):
                yield Static("", id="welcome", classes="question", markup=False)
                yield Button(_("Back to start"), id="home", classes="choice")

    def on_mount(self) -> None:
        self.show_step("phone")

    def leave(self) -> None:
        """Back from the number goes back to the community, not Home."""
        self.app.pop_screen()



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
            self.app.call_from_thread(self.problem, _(
                "This number has asked us not to send SMS. Text START to us first."))
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
                community = get_community(db, self.code, self.app.locale)
                welcome = joined_reply(community["name"], self.code, community["schedule"],
                                       community["place"])
                confirmation = fit_reply(render_reply(welcome, self.app.locale),
                                         welcome.may_grow_to)
                _membership, created = join_with_proven_number(
                    db, phone=phone, code=self.code, language=self.app.locale,
                    location=self.app.location, confirmation=confirmation, now=now)
        except WrongCode as wrong:
            self.app.call_from_thread(self.problem, self.app.ngettext(
                "That is not the code. You can try {n} more time.",
                "That is not the code. You can try {n} more times.",
                wrong.tries_left).format(n=wrong.tries_left))
        except CodeExpired:
            self.app.call_from_thread(self.problem, _(
                "The code is no longer valid. Press “I did not get a code” for a new one."))
        else:
            text = (_("Welcome to {name}! We have sent you an SMS about it.")
                    if created else _("You are already a member of {name}."))
            self.app.call_from_thread(self.welcomed, text.format(name=community["name"]))

    def welcomed(self, text: str) -> None:
        self.query_one("#welcome", Static).update(text)
        self.show_step("done")

    @on(Button.Pressed, "#again")
    def again(self) -> None:
        self.query_one("#code", Input).value = ""
        self.show_step("phone")

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.go_home()
