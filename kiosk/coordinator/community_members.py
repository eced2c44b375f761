"""Who is in a community: number, when and how they joined, and whether they take SMS."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from kiosk.screens.base import literal
from shared.clock import parse
from shared.communities import get_community, members_of
from shared.i18n import N_, format_when
from shared.sms_text import sanitise

CHANNELS = {"sms": N_("SMS"), "kiosk": N_("Kiosk")}


def cell(value) -> Text:
    """Return a table cell showing value exactly as stored (Text never parses markup)."""
    return Text(sanitise(str(value if value is not None else ""), max_chars=200))


class CommunityMembersScreen(ModalScreen):
    """The current members of one community."""

    DEFAULT_CSS = """
    CommunityMembersScreen { align: center middle; }
    #members-box { width: 110; height: auto; padding: 0 1; background: #001a33;
                   border: heavy #ffff66; }
    #members-box DataTable { height: auto; max-height: 60vh; }
    #members-buttons { height: auto; }
    """
    BINDINGS = [("escape", "close", "")]

    def __init__(self, code: str):
        super().__init__(id="community-members")
        self.code = code

    def compose(self) -> ComposeResult:
        _ = self.app._
        with self.app.store() as db:
            community = get_community(db, self.code, self.app.locale)
            members = members_of(db, self.code)
        with Vertical(id="members-box"):
            yield Static(literal(_("Members of {code}: {name}").format(
                code=self.code, name=community["name"] or "")), classes="title")
            yield Static(self.app.ngettext("{n} member", "{n} members", len(members)).format(
                n=len(members)), id="member-count", markup=False)
            table = DataTable(id="members", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("Phone"), _("Joined"), _("Channel"), _("Location"), _("SMS"))
            for member in members:
                table.add_row(
                    cell(member["phone"]),
                    cell(format_when(parse(member["joined_at"]), self.app.locale, "short")),
                    cell(_(CHANNELS.get(member["channel"], member["channel"]))),
                    cell(member["location"] or ""),
                    cell(_("opted out") if member["opted_out"] else _("yes")),
                    key=str(member["id"]))
            yield table
            with Horizontal(id="members-buttons"):
                yield Button(_("Close"), id="close", classes="small")

    def on_mount(self) -> None:
        self.query_one("#members", DataTable).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
