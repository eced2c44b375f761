"""The PIN dialog that opens coordinator mode."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from kiosk.widgets.digits_input import DigitsInput
from shared.clock import utcnow
from shared.coordinators import list_coordinators
from shared.errors import LockedOut, WrongPin
from shared.i18n import format_when
from shared.services.coordinator import log_in
from shared.sms_text import sanitise


class PinScreen(ModalScreen):
    """Choose your name, type your PIN."""

    DEFAULT_CSS = """
    PinScreen { align: center middle; }
    PinScreen #pin-box { width: 60; max-width: 100%; height: auto; padding: 0 2 1 2;
                         background: $primary; border: heavy $accent; }
    PinScreen #demo-pin { color: $accent; padding: 1 0 0 0; }
    """
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self):
        super().__init__(id="pin")

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="pin-box"):
            yield Static(_("Coordinator login"), classes="title", markup=False)
            # The names are filled in by a worker: no database work while composing.
            yield Select([], id="who", prompt=_("Who are you?"))
            yield DigitsInput(placeholder=_("PIN"), password=True, id="pin-code",
                              restrict=r"[0-9]*", max_length=8)
            yield Static("", id="problem", classes="problem", markup=False)
            yield Button(_("Log in"), id="login", classes="primary")
            yield Button(_("Cancel"), id="cancel", classes="small")
            if self.app.demo_pin:
                from shared.demo_data import DEMO_COORDINATOR

                yield Static(_("Demo: the coordinator “{name}” has PIN {pin}.").format(
                    name=DEMO_COORDINATOR, pin=self.app.demo_pin), id="demo-pin", markup=False)

    def on_mount(self) -> None:
        self.query_one("#who", Select).focus()
        self.load_names()

    @work(thread=True, exit_on_error=False, group="names")
    def load_names(self) -> None:
        with self.app.store() as db:
            people = list_coordinators(db)
        self.app.call_from_thread(self.show_names, people)

    def show_names(self, people: list[dict]) -> None:
        who = self.query_one("#who", Select)
        # Text, not markup and not Content: shown literally, and typing a name finds it
        # (Select's type-to-search matches str and Text prompts only).
        who.set_options([(Text(sanitise(p["name"], max_chars=80)), p["id"]) for p in people])
        if len(people) == 1:
            who.value = people[0]["id"]
            self.query_one("#pin-code").focus()

    @on(Select.Changed, "#who")
    def chosen(self, event: Select.Changed) -> None:
        if event.value != Select.NULL:
            self.query_one("#pin-code").focus()

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
                coordinator = log_in(db, coordinator_id, pin, now=utcnow())
        except LockedOut as locked:
            message = _("Too many wrong PINs. This login is locked until {when}.").format(
                when=format_when(locked.until, self.app.locale, "short"))
        except WrongPin as wrong:
            message = _("Wrong PIN. Try again ({left} tries before a lock).").format(
                left=wrong.limit - wrong.failed)
        else:
            self.app.call_from_thread(self.dismiss, coordinator)
            return
        self.app.call_from_thread(self.failed, message)

    def failed(self, message: str) -> None:
        self.query_one("#problem", Static).update(message)
        pin = self.query_one("#pin-code", Input)
        pin.value = ""
        pin.focus()
