"""Who is in a community: number, when and how they joined, and whether they take SMS."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from kiosk.screens.base import literal
from kiosk.widgets.cells import cell
from shared.clock import parse
from shared.communities import get_community, members_of
from shared.i18n import format_when
from shared.labels import CHANNELS, label


class CommunityMembersScreen(ModalScreen):
    """The current members of one community."""

    DEFAULT_CSS = """
    CommunityMembersScreen { align: center middle; }
    #members-box { width: 100; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                   background: $surface; border: heavy $accent; }
    #members-box DataTable { height: auto; max-height: 60vh; }
    #members-buttons { height: auto; }
    """
    BINDINGS = [("escape", "close", "")]

    def __init__(self, code: str):
        super().__init__(id="community-members")
        self.code = code

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="members-box"):
            yield Static("", id="members-title", classes="title")
            yield Static("", id="member-count", markup=False)
            table = DataTable(id="members", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("Phone"), _("Joined"), _("Channel"), _("Location"), _("SMS"))
            yield table
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
        self.query_one("#members-title", Static).update(literal(_(
            "Members of {code}: {name}").format(code=self.code, name=community["name"] or "")))
        self.query_one("#member-count", Static).update(self.app.ngettext(
            "{n} member", "{n} members", len(members)).format(n=len(members)))
        table = self.query_one("#members", DataTable)
        for member in members:
            table.add_row(
                cell(member["phone"]),
                cell(format_when(parse(member["joined_at"]), self.app.locale, "short")),
                cell(label(CHANNELS, member["channel"], _)),
                cell(member["location"] or ""),
                cell(_("opted out") if member["opted_out"] else _("yes")),
                key=str(member["id"]))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
