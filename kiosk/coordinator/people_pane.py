"""People: find a contact by number, see everything stored, export it or erase it."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Static, Tabs
from textual.worker import get_current_worker

from kiosk.coordinator.person_record import describe
from kiosk.widgets.confirm import ConfirmDialog
from kiosk.widgets.digits_input import DigitsInput
from shared.clock import utcnow
from shared.errors import FaellesError, InvalidPhoneNumber
from shared.export_files import exports_folder
from shared.i18n import N_
from shared.phones import normalise_phone
from shared.services.coordinator import erase_person, export_person, look_up_person


class PeoplePane(Vertical):
    """Access requests and erasure: everything stored about one phone number."""

    # Not while typing the number: an Input consumes printable keys
    # (Widget.check_consume_key). Finding someone moves the focus to their data.
    BINDINGS = [Binding("x", "export", show=False)]
    KEY_HELP = N_("Enter find · x export to a file · Erase asks before it erases")
    DEFAULT_CSS = """
    PeoplePane { height: 1fr; }
    #people-search { height: auto; }
    #people-phone { width: 30; }
    #people-search Button { margin: 0 0 0 2; }
    #people-view { height: 1fr; padding: 0 1; }
    """

    def __init__(self):
        super().__init__(id="people")
        self.contact: dict | None = None

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(id="people-search"):
            yield DigitsInput(placeholder=_("Phone number, e.g. 20 12 34 56"), id="people-phone",
                              restrict=r"[0-9+ ]*", max_length=20, compact=True)
            yield Button(_("Find"), id="people-find", compact=True)
            yield Button(_("Export to a file (x)"), id="people-export", classes="on-contact",
                         disabled=True, compact=True)
            yield Button(_("Erase…"), id="people-erase", classes="on-contact", variant="error",
                         disabled=True, compact=True)
        yield Static("", id="people-problem", classes="problem", markup=False)
        with VerticalScroll(id="people-view"):
            yield Static("", id="people-record", markup=False)

    def on_show(self) -> None:
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.query_one("#people-phone", Input).focus()

    def focus_home(self) -> None:
        """Focus the record: out of the number field, so x and the tab numbers work."""
        self.query_one("#people-view").focus()

    @property
    def coordinator_id(self) -> int:
        return self.screen.coordinator_id

    def tell(self, problem: str, is_problem: bool = True) -> None:
        """Say what is wrong (or, is_problem False, what was done) above the record."""
        # Here rather than in a notification, which covered the record for seconds.
        line = self.query_one("#people-problem", Static)
        line.update(problem)
        line.set_class(is_problem, "problem")

    @on(Button.Pressed, "#people-find")
    @on(Input.Submitted, "#people-phone")
    def find(self) -> None:
        _ = self.app._
        raw = self.query_one("#people-phone", Input).value
        self.show(None)
        if not raw.strip():
            self.tell(_("Type a phone number first."))
            return
        try:
            phone = normalise_phone(raw)
        except InvalidPhoneNumber:
            self.tell(_("That is not a valid phone number. Please check it."))
            return
        self.look_up(phone, self.coordinator_id)

    @work(thread=True, exit_on_error=False, exclusive=True, group="people")
    def look_up(self, phone: str, coordinator_id: int) -> None:
        """Load everything about the number; the service audits that it was viewed."""
        with self.app.store() as db:
            data = look_up_person(db, phone, coordinator_id=coordinator_id, now=utcnow())
        if not get_current_worker().is_cancelled:  # a newer search replaced this one
            self.app.call_from_thread(self.found, data)

    def found(self, data: dict | None) -> None:
        self.show(data)
        if data is None:
            self.tell(self.app._("No one with that number."))
        else:
            self.query_one("#people-view").focus()

    def show(self, data: dict | None) -> None:
        """Show one contact's data, or clear the view when data is None."""
        self.contact = data["contact"] if data else None
        self.tell("")
        self.query_one("#people-record", Static).update(
            describe(data, self.app) if data else Content(""))
        self.query_one("#people-view").scroll_home(animate=False)
        for button in self.query(".on-contact"):
            button.disabled = data is None

    @on(Button.Pressed, "#people-export")
    def action_export(self) -> None:
        if self.contact is None:
            self.tell(self.app._("Find someone first."))
            return
        folder = exports_folder(self.app.db_path)
        self.export(self.contact["id"], self.coordinator_id, folder)

    @work(thread=True, exit_on_error=False, group="people-export")
    def export(self, contact_id: int, coordinator_id: int, folder: Path) -> None:
        """Write everything about the contact to a JSON file; the service audits it."""
        try:
            with self.app.store() as db:
                path = export_person(db, contact_id, folder, coordinator_id=coordinator_id,
                                     now=utcnow())
        except FaellesError:  # erased meanwhile, e.g. by texting SLET
            message = self.app._("No one with that number.")
        else:
            message = self.app._("Saved to {path}").format(path=path)
        self.app.call_from_thread(self.tell, message, False)

    @on(Button.Pressed, "#people-erase")
    def ask_to_erase(self) -> None:
        if self.contact is None:
            self.tell(self.app._("Find someone first."))
            return
        _ = self.app._
        contact = self.contact
        self.app.push_screen(ConfirmDialog(
            _("Erase {phone}?").format(phone=contact["phone"]), _("Erase everything"),
            details=_("This deletes the contact and all their offers, feedback, memberships, "
                      "messages and conversations. It cannot be undone."),
            must_type=contact["phone"][-4:],
            type_prompt=_("Type the last 4 digits of the number to confirm."),
            wrong_typed=_("Those are not the last 4 digits. Nothing was erased."),
            danger=True), partial(self.erase_if_confirmed, contact))

    def erase_if_confirmed(self, contact: dict, confirmed: bool | None) -> None:
        if confirmed:
            self.erase(contact["id"], self.coordinator_id)

    @work(thread=True, exit_on_error=False, group="people-erase")
    def erase(self, contact_id: int, coordinator_id: int) -> None:
        """Erase the contact and everything linked to them; the service audits it."""
        try:
            with self.app.store() as db:
                erase_person(db, contact_id, coordinator_id=coordinator_id, now=utcnow())
        except FaellesError:
            message = self.app._("No one with that number.")
        else:
            message = self.app._("Erased. Nothing about that number is stored any more.")
        self.app.call_from_thread(self.erased, message)

    def erased(self, message: str) -> None:
        self.show(None)
        phone = self.query_one("#people-phone", Input)
        phone.value = ""
        phone.focus()
        self.tell(message, False)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: let the app report a failure kindly.
        self.app.on_worker_state_changed(event)
