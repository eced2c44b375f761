"""Join a community with a phone number proven by a 6-digit code sent by SMS."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, ContentSwitcher, Static

from kiosk.screens.forms import problem_line
from kiosk.screens.number_proof import NumberProofScreen
from shared.communities import get_community
from shared.engine import joined_reply
from shared.replies import fit_reply, render_reply
from shared.services.kiosk import join_with_proven_number


class JoinScreen(NumberProofScreen):
    """Phone number, then the code from the SMS, then welcome."""

    STEPS = ("phone", "code")

    def __init__(self, code: str):
        super().__init__(id="join")
        self.code = code

    def compose(self) -> ComposeResult:
        _ = self._
        yield from self.title_bar(_("Join"))
        yield problem_line()
        with ContentSwitcher(initial="step-phone", classes="body"):
            yield from self.number_steps(check_label=_("Join"))
            with Vertical(id="step-done"):
                yield Static("", id="welcome", classes="question", markup=False)
                yield Button(_("Back to start"), id="home", classes="choice")

    def on_mount(self) -> None:
        self.show_step("phone")

    def leave(self) -> None:
        """Back from the number goes back to the community, not Home."""
        self.app.pop_screen()

    def use_proven_number(self, db, phone: str, now: datetime) -> str:
        """Join the community (in the worker thread); return what to tell the visitor."""
        _ = self._
        community = get_community(db, self.code, self.app.locale)
        welcome = joined_reply(community["name"], self.code, community["schedule"],
                               community["place"])
        confirmation = fit_reply(render_reply(welcome, self.app.locale), welcome.may_grow_to)
        _membership, created = join_with_proven_number(
            db, phone=phone, code=self.code, language=self.app.locale,
            location=self.app.location, confirmation=confirmation, now=now)
        text = (_("Welcome to {name}! We have sent you an SMS about it.")
                if created else _("You are already a member of {name}."))
        return text.format(name=community["name"])

    def number_proven(self, welcome: str) -> None:
        self.query_one("#welcome", Static).update(welcome)
        self.show_step("done")

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.go_home()
