"""People: find a contact by number, see everything stored, export it or erase it."""

from __future__ import annotations

import json
import os
from datetime import datetime
from functools import partial
from pathlib import Path

from textual import on, work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, Tabs

from kiosk.screens.base import literal
from shared.audit import record_audit
from shared.clock import iso, parse, utcnow
from shared.communities import STATUSES, list_communities
from shared.contacts import contact_data, erase_contact, find_contact
from shared.db import immediate
from shared.errors import InvalidPhoneNumber, NotFound
from shared.i18n import format_when
from shared.phones import normalise_phone
from shared.sms_text import sanitise

HEADING = "bold #ffff66"
DIM = "italic"


def exports_folder(app) -> Path:
    """Return where exports go: settings.exports_dir if set, else exports/ by the database."""
    configured = getattr(app.settings, "exports_dir", None)
    return Path(configured) if configured else Path(app.db_path).parent / "exports"


def write_private(folder: Path, name: str, suffix: str, text: str) -> Path:
    """Write text to a new file readable by its owner only; never overwrite one."""
    # Exports hold personal data: keep them out of other users' reach.
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for attempt in range(1, 100):
        path = folder / (f"{name}{suffix}" if attempt == 1 else f"{name}-{attempt}{suffix}")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with open(descriptor, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path
    raise FileExistsError(f"Too many exports named {name} in {folder}")


def stamp(now: datetime) -> str:
    """Return a file-name-safe UTC timestamp, e.g. 20261127T093000Z."""
    return now.strftime("%Y%m%dT%H%M%SZ")


class ConfirmErase(ModalScreen[bool]):
    """Ask for the last four digits of the number before erasing anyone."""

    BINDINGS = [Binding("escape", "cancel", show=False)]
    DEFAULT_CSS = """
    ConfirmErase { align: center middle; }
    #erase-box { width: 70; height: auto; padding: 1 2; background: #3b0000;
                 border: heavy #ff8080; }
    #erase-buttons { height: auto; }
    #erase-buttons Button { margin: 1 2 0 0; }
    """

    def __init__(self, phone: str):
        super().__init__(id="confirm-erase")
        self.phone = phone

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="erase-box"):
            yield Static(literal(_("Erase {phone}?").format(phone=self.phone)), classes="title")
            yield Static(_("This deletes the contact and all their offers, feedback, "
                           "memberships, messages and conversations. It cannot be undone."),
                         classes="paragraph", markup=False)
            yield Static(_("Type the last 4 digits of the number to confirm."),
                         classes="paragraph", markup=False)
            yield Input(id="erase-digits", restrict=r"[0-9]*", max_length=4)
            yield Static("", id="erase-problem", classes="problem", markup=False)
            with Horizontal(id="erase-buttons"):
                yield Button(_("Erase everything"), id="erase-confirm", variant="error")
                yield Button(_("Cancel"), id="erase-cancel")

    def on_mount(self) -> None:
        self.query_one("#erase-digits", Input).focus()

    @on(Button.Pressed, "#erase-confirm")
    @on(Input.Submitted, "#erase-digits")
    def confirm(self) -> None:
        if self.query_one("#erase-digits", Input).value == self.phone[-4:]:
            self.dismiss(True)
        else:
            self.query_one("#erase-problem", Static).update(
                self.app._("Those are not the last 4 digits. Nothing was erased."))

    @on(Button.Pressed, "#erase-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class PeoplePane(Vertical):
    """Access requests and erasure: everything stored about one phone number."""

    # Not while typing the number: an Input consumes printable keys (Screen._binding_chain).
    # Finding someone moves the focus to their data, where x works.
    BINDINGS = [Binding("x", "export", "Export", show=False)]
    DEFAULT_CSS = """
    /* TabbedContent, ContentSwitcher and TabPane are height: auto in Textual 8,
       so the pane cannot be 1fr: the record view takes a share of the screen. */
    PeoplePane { height: auto; }
    #people-search { height: auto; }
    #people-phone { width: 36; }
    #people-search Button { margin: 1 0 0 2; }
    #people-view { height: 65vh; padding: 0 1; }
    PeoplePane .help { color: #cccccc; }
    """

    def __init__(self, exports_dir: Path | None = None):
        super().__init__(id="people")
        self.exports_dir = exports_dir
        self.contact: dict | None = None

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(id="people-search"):
            yield Input(placeholder=_("Phone number, e.g. 20 12 34 56"), id="people-phone",
                        restrict=r"[0-9+ ]*", max_length=20)
            yield Button(_("Find"), id="people-find")
            yield Button(_("Export to a file (x)"), id="people-export", classes="on-contact",
                         disabled=True)
            yield Button(_("Erase…"), id="people-erase", classes="on-contact", variant="error",
                         disabled=True)
        yield Static("", id="people-problem", classes="problem", markup=False)
        with VerticalScroll(id="people-view"):
            yield Static("", id="people-record", markup=False)
        yield Static(_("Enter find · x export to a file · Erase asks before it erases"),
                     classes="help", markup=False)

    def on_show(self) -> None:
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.query_one("#people-phone", Input).focus()

    @property
    def coordinator_id(self) -> int:
        return self.screen.coordinator_id

    def tell(self, problem: str) -> None:
        self.query_one("#people-problem", Static).update(problem)

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
        """Load everything about the number, and audit that it was viewed."""
        with self.app.store() as db:
            contact = find_contact(db, phone)
            if contact is None:
                data, codes = None, {}
            else:
                data = contact_data(db, contact["id"])
                codes = {c["id"]: c["code"] for c in list_communities(
                    db, statuses=STATUSES, count_members=False)}
                record_audit(db, actor=f"coordinator:{coordinator_id}", action="access_view",
                             now=utcnow(), record_kind="contact", record_id=contact["id"],
                             coordinator_id=coordinator_id)
        if not get_current_worker().is_cancelled:  # a newer search replaced this one
            self.app.call_from_thread(self.found, data, codes)

    def found(self, data: dict | None, codes: dict[int, str]) -> None:
        self.show(data, codes)
        if data is None:
            self.tell(self.app._("No one with that number."))
        else:
            self.query_one("#people-view").focus()

    def show(self, data: dict | None, codes: dict[int, str] | None = None) -> None:
        """Show one contact's data, or clear the view when data is None."""
        self.contact = data["contact"] if data else None
        self.tell("")
        record = describe(data, codes or {}, self.app) if data else Content("")
        self.query_one("#people-record", Static).update(record)
        self.query_one("#people-view").scroll_home(animate=False)
        for button in self.query(".on-contact"):
            button.disabled = data is None

    @on(Button.Pressed, "#people-export")
    def action_export(self) -> None:
        if self.contact is None:
            self.tell(self.app._("Find someone first."))
            return
        folder = self.exports_dir or exports_folder(self.app)
        self.export(self.contact["id"], self.coordinator_id, folder)

    @work(thread=True, exit_on_error=False, group="people-export")
    def export(self, contact_id: int, coordinator_id: int, folder: Path) -> None:
        """Write everything about the contact to a JSON file, audited."""
        now = utcnow()
        with self.app.store() as db:
            try:
                data = {"exported_at": iso(now), **contact_data(db, contact_id)}
            except NotFound:  # erased meanwhile, e.g. by texting SLET
                self.app.notify(self.app._("No one with that number."), markup=False)
                return
            # The file name carries the contact's id, never the phone number.
            path = write_private(folder, f"contact-{contact_id}-{stamp(now)}", ".json",
                                 json.dumps(data, ensure_ascii=False, indent=2))
            record_audit(db, actor=f"coordinator:{coordinator_id}", action="access_export",
                         now=now, record_kind="contact", record_id=contact_id,
                         coordinator_id=coordinator_id)
        self.app.notify(self.app._("Saved to {path}").format(path=path), markup=False)

    @on(Button.Pressed, "#people-erase")
    def ask_to_erase(self) -> None:
        if self.contact is None:
            self.tell(self.app._("Find someone first."))
            return
        contact = self.contact
        self.app.push_screen(ConfirmErase(contact["phone"]),
                             partial(self.erase_if_confirmed, contact))

    def erase_if_confirmed(self, contact: dict, confirmed: bool | None) -> None:
        if confirmed:
            self.erase(contact["phone"], contact["id"], self.coordinator_id)

    @work(thread=True, exit_on_error=False, group="people-erase")
    def erase(self, phone: str, contact_id: int, coordinator_id: int) -> None:
        """Erase the contact and everything linked to them, audited."""
        now = utcnow()
        actor = f"coordinator:{coordinator_id}"
        try:
            with self.app.store() as db, immediate(db):
                erase_contact(db, phone, now=now, actor=actor)
                # erase_contact takes no coordinator_id: this row records who confirmed it.
                record_audit(db, actor=actor, action="erase_confirmed", now=now,
                             record_kind="contact", record_id=contact_id,
                             coordinator_id=coordinator_id)
        except NotFound:
            message = self.app._("No one with that number.")
        else:
            message = self.app._("Erased. Nothing about that number is stored any more.")
        self.app.call_from_thread(self.erased, message)

    def erased(self, message: str) -> None:
        self.show(None)
        phone = self.query_one("#people-phone", Input)
        phone.value = ""
        phone.focus()
        self.app.notify(message, markup=False)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: let the app report a failure kindly.
        self.app.on_worker_state_changed(event)


def describe(data: dict, codes: dict[int, str], app) -> Content:
    """Return a contact's data as readable text; stored text is never parsed as markup."""
    _ = app._
    parts: list = []

    def when(text: str | None) -> str:
        return format_when(parse(text), app.locale, "short") if text else "-"

    def line(*pieces: str | None, indent: int = 2, style: str = "") -> None:
        text = " · ".join(sanitise(str(p), max_chars=2000) for p in pieces if p not in (None, ""))
        parts.append((" " * indent + text + "\n", style))

    def heading(title: str, items: list) -> None:
        parts.append(("\n" + f"{title} ({len(items)})" + "\n", HEADING))
        if not items:
            line(_("None."), style=DIM)

    contact = data["contact"]
    parts.append((_("Contact no. {id}").format(id=contact["id"]) + "\n", HEADING))
    line(_("Phone: {phone}").format(phone=contact["phone"]),
         _("Language: {language}").format(language=contact["language"] or "-"))
    line(_("Opted out {when}").format(when=when(contact["opted_out_at"]))
         if contact["opted_out"] else _("Receives SMS"))
    line(_("First seen {when}").format(when=when(contact["first_seen"])),
         _("last seen {when}").format(when=when(contact["last_seen"])))

    heading(_("Memberships"), data["memberships"])
    for m in data["memberships"]:
        line(codes.get(m["community_id"], f"#{m['community_id']}"),
             _("joined {when}").format(when=when(m["joined_at"])),
             m["left_at"] and _("left {when}").format(when=when(m["left_at"])),
             m["channel"], m["location"])

    heading(_("Offers"), data["offers"])
    for o in data["offers"]:
        line(f"#{o['id']}", o["status"], o["category"], o["town"], o["channel"], o["location"],
             when(o["created_at"]))
        line(o["description"], indent=4)
        if o["availability"]:
            line(_("When: {schedule}").format(schedule=o["availability"]), indent=4)
        if o["review_note"]:
            line(_("Note: {note}").format(note=o["review_note"]), indent=4)

    heading(_("Feedback"), data["feedback"])
    for f in data["feedback"]:
        line(f"#{f['id']}", f["kind"], f["status"], f["rating"] and f"{f['rating']}/5",
             f["town"], f["channel"], f["location"], when(f["created_at"]))
        line(f["text"], indent=4)
        if f["reply"]:
            line(_("Reply: {reply}").format(reply=f["reply"]), indent=4)

    heading(_("Messages"), data["messages"])
    for m in data["messages"]:
        line("→" if m["direction"] == "out" else "←", when(m["created_at"]), m["status"])
        line(m["body"], indent=4)

    heading(_("Conversations"), data["conversations"])
    for c in data["conversations"]:
        line(c["flow"], c["step"], _("ends {when}").format(when=when(c["expires_at"])))
        line(c["data"], indent=4)
    return Content.assemble(*parts)
