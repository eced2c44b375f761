"""Who is in a community: number, when and how they joined, whether they take SMS, who leads."""

from __future__ import annotations

from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from kiosk.screens.base import literal
from kiosk.widgets.cells import cell
from kiosk.widgets.message_dialog import MessageDialog
from shared.clock import parse, utcnow
from shared.communities import get_community, members_of
from shared.errors import FaellesError
from shared.i18n import format_when
from shared.labels import CHANNELS, label
from shared.leaders import MAX_FIRST_NAME
from shared.services import leading


class CommunityMembersScreen(ModalScreen):
    """The current members of one community; make one a leader, pause or end that role."""

    DEFAULT_CSS = """
    CommunityMembersScreen { align: center middle; }
    #members-box { width: 100; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                   background: $surface; border: heavy $accent; }
    #members-box DataTable { height: auto; max-height: 60vh; }
    #members-buttons { height: auto; }
    #members-status { color: $accent; }
    """
    BINDINGS = [("escape", "close", ""), ("l", "lead", ""), ("u", "unlead", ""),
                ("s", "pause", "")]

    def __init__(self, code: str):
        super().__init__(id="community-members")
        self.code = code
        self.members: list[dict] = []

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="members-box"):
            yield Static("", id="members-title", classes="title")
            yield Static("", id="member-count", markup=False)
            table = DataTable(id="members", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("Phone"), _("Joined"), _("Channel"), _("Location"), _("SMS"),
                              _("Leader"))
            yield table
            yield Static("", id="members-status", markup=False)
            yield Static(_("l make leader · u no longer leader · s pause or resume their "
                           "messages · Esc close"), id="members-keys", markup=False)
            with Horizontal(id="members-buttons"):
                yield Button(_("Close"), id="close", classes="small")

    def on_mount(self) -> None:
        self.query_one("#members", DataTable).focus()
        self.load()

    @work(thread=True, exit_on_error=False, group="members")
    def load(self) -> None:
        with self.app.store() as db:
            community = get_community(db, self.code, self.app.locale)
            members = members_of(db, self.code)
        self.app.call_from_thread(self.show, community, members)

    def show(self, community: dict, members: list[dict]) -> None:
        _ = self.app._
        self.members = members
        self.query_one("#members-title", Static).update(literal(_(
            "Members of {code}: {name}").format(code=self.code, name=community["name"] or "")))
        self.query_one("#member-count", Static).update(self.app.ngettext(
            "{n} member", "{n} members", len(members)).format(n=len(members)))
        table = self.query_one("#members", DataTable)
        row = table.cursor_row
        table.clear()
        for member in members:
            leads = (_("{name} (paused)").format(name=member["leader"])
                     if member["leader_stopped_at"] else member["leader"] or "")
            table.add_row(
                cell(member["phone"]),
                cell(format_when(parse(member["joined_at"]), self.app.locale, "short")),
                cell(label(CHANNELS, member["channel"], _)),
                cell(member["location"] or ""),
                cell(_("opted out") if member["opted_out"] else _("yes")),
                cell(leads),
                key=str(member["id"]))
        if members:
            table.move_cursor(row=min(row, len(members) - 1))

    def chosen(self) -> dict | None:
        table = self.query_one("#members", DataTable)
        if not self.members or table.cursor_row < 0:
            return None
        return self.members[min(table.cursor_row, len(self.members) - 1)]

    def action_lead(self) -> None:
        """Make the highlighted member a leader: their first name, and the SMS they get."""
        member = self.chosen()
        if member is not None and not member["leader"]:
            self.ask_first_name(member)

    @work(thread=True, exit_on_error=False, group="members-act")
    def ask_first_name(self, member: dict) -> None:
        with self.app.store() as db:
            notice = leading.welcome_notice(db, self.code, member["contact_id"])
        self.app.call_from_thread(self.first_name_dialog, member, notice.text)

    def first_name_dialog(self, member: dict, welcome: str) -> None:
        _, contact_id = self.app._, member["contact_id"]
        self.app.push_screen(MessageDialog(
            title=_("Make {phone} a leader of {code}").format(phone=member["phone"],
                                                              code=self.code),
            original=_("They get this SMS:") + "\n" + welcome,
            placeholder=_("The first name members will see with each message"),
            send=_("Make leader"), max_length=MAX_FIRST_NAME,
            preview=lambda db, text: leading.welcome_notice(db, self.code, contact_id),
            required=_("Write their first name first.")),
            partial(self.appoint, contact_id))

    def appoint(self, contact_id: int, first_name: str | None) -> None:
        if first_name:
            coordinator_id = self.app.coordinator["id"]
            self.act(lambda db: leading.appoint(db, self.code, contact_id, first_name,
                                                coordinator_id=coordinator_id, now=utcnow()),
                     self.app._("The new leader gets an SMS saying what they can now text."))

    def action_unlead(self) -> None:
        member = self.chosen()
        if member is not None and member["leader"]:
            coordinator_id = self.app.coordinator["id"]
            self.act(lambda db: leading.dismiss(db, self.code, member["contact_id"],
                                                coordinator_id=coordinator_id, now=utcnow()),
                     self.app._("No longer a leader."))

    def action_pause(self) -> None:
        """Stop a leader's messages at once, or let them send again."""
        member = self.chosen()
        if member is None or not member["leader"]:
            return
        coordinator_id = self.app.coordinator["id"]
        change = leading.resume if member["leader_stopped_at"] else leading.pause
        self.act(lambda db: change(db, self.code, member["contact_id"],
                                   coordinator_id=coordinator_id, now=utcnow()),
                 self.app._("Their messages can go again.") if member["leader_stopped_at"]
                 else self.app._("Their messages are stopped."))

    @work(thread=True, exit_on_error=False, group="members-act")
    def act(self, change, done: str) -> None:
        try:
            with self.app.store() as db:
                change(db)
        except FaellesError as refused:
            self.app.call_from_thread(self.say, str(refused))
            return
        self.app.call_from_thread(self.say, done)
        self.app.call_from_thread(self.load)

    def say(self, text: str) -> None:
        self.query_one("#members-status", Static).update(text)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
