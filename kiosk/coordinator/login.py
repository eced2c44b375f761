"""The PIN dialog that opens coordinator mode."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from kiosk.screens.base import literal
from shared.clock import utcnow
from shared.coordinators import authenticate, list_coordinators
from shared.errors import LockedOut, WrongPin


class PinScreen(ModalScreen):
    """Choose your name, type your PIN."""

    BINDINGS = [("escape", "cancel", "")]

    def __init__(self):
        super().__init__(id="pin")

    def compose(self) -> ComposeResult:
        _ = self.app._
        with self.app.store() as db:
            people = list_coordinators(db)
        with Vertical(id="pin-box"):
            yield Static(_("Coordinator login"), classes="title", markup=False)
            yield Select([(literal(p["name"]), p["id"]) for p in people], id="who",
                         prompt=_("Who are you?"), value=people[0]["id"] if len(people) == 1
                         else Select.NULL)
            yield Input(placeholder=_("PIN"), password=True, id="pin-code",
                        restrict=r"[0-9]*", max_length=8)
            yield Static("", id="problem", classes="problem", markup=False)
            yield Button(_("Log in"), id="login", classes="primary")
            yield Button(_("Cancel"), id="cancel", classes="small")

    def on_mount(self) -> None:
        who = self.query_one("#who", Select)
        (self.query_one("#pin-code") if who.value != Select.NULL else who).focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#login")
    @on(Input.Submitted, "#pin-code")
    def login(self) -> None:
        who = self.query_one("#who", Select).value
        if who == Select.NULL:
            self.query_one("#problem", Static).update(self.app._("Choose your name first."))
            return
        self.check(int(who), self.query_one("#pin-code", Input).value)

    @work(thread=True, exit_on_error=False, exclusive=True)
    def check(self, coordinator_id: int, pin: str) -> None:
        _ = self.app._
        try:
            with self.app.store() as db:
                coordinator = authenticate(db, coordinator_id, pin, now=utcnow())
        except LockedOut:
            message = _("Too many wrong PINs. This login is locked for 5 minutes.")
        except WrongPin:
            message = _("Wrong PIN. Try again.")
        else:
            self.app.call_from_thread(self.dismiss, coordinator)
            return
        self.app.call_from_thread(self.failed, message)

    def failed(self, message: str) -> None:
        self.query_one("#problem", Static).update(message)
        pin = self.query_one("#pin-code", Input)
        pin.value = ""
        pin.focus()
