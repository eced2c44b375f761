"""The coordinator's communities: create, edit, pause, archive, see members, broadcast."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kiosk.coordinator.broadcast_form import BroadcastScreen
from kiosk.coordinator.broadcast_progress import BroadcastProgress
from kiosk.coordinator.community_confirm import CommunityConfirmScreen
from kiosk.coordinator.community_form import CommunityFormScreen
from kiosk.coordinator.community_members import CommunityMembersScreen, cell
from shared.clock import utcnow
from shared.communities import STATUSES, change_community_status, list_communities
from shared.errors import FaellesError
from shared.i18n import N_

STATUS_LABELS = {"active": N_("Active"), "paused": N_("Paused"), "archived": N_("Archived")}


class CommunitiesPane(Vertical):
    """Every community in a table; keys or buttons act on the highlighted one."""

    DEFAULT_CSS = """
    /* TabbedContent and TabPane are height: auto, where 1fr would take the
       whole screen's height and make the screen scroll: size by content. */
    CommunitiesPane { height: auto; }
    CommunitiesPane #community-actions { height: auto; }
    CommunitiesPane #community-actions Button { margin: 0 1 0 0; min-width: 10; }
    CommunitiesPane #communities { height: auto; max-height: 55vh; }
    CommunitiesPane #community-hint { color: #c0c0c0; height: auto; }
    """
    BINDINGS = [
        Binding("n", "new", show=False),
        Binding("e", "edit", show=False),
        Binding("p", "pause", show=False),
        Binding("x", "archive", show=False),
        Binding("b", "broadcast", show=False),
    ]

    def __init__(self):
        super().__init__(id="communities-pane")
        self.communities: dict[str, dict] = {}

    def compose(self) -> ComposeResult:
        _ = self.app._
        # Buttons as well as keys: a kiosk may have a touch screen and no keyboard.
        with Horizontal(id="community-actions"):
            yield Button(_("New"), id="community-new", classes="small")
            yield Button(_("Edit"), id="community-edit", classes="small")
            yield Button(_("Pause / resume"), id="community-pause", classes="small")
            yield Button(_("Archive"), id="community-archive", classes="small")
            yield Button(_("Members"), id="community-members", classes="small")
            yield Button(_("SMS to members"), id="community-broadcast", classes="small")
        yield Static(_("Keys: n new · e edit · p pause/resume · x archive · Enter members · "
                       "b SMS to members"), id="community-hint", markup=False)
        table = DataTable(id="communities", cursor_type="row", zebra_stripes=True)
        table.add_columns(_("Code"), _("Name"), _("Town"), _("Status"), _("Members"))
        yield table
        yield BroadcastProgress(id="broadcast-progress")

    def on_mount(self) -> None:
        self.load()

    def on_show(self) -> None:
        self.load()

    @property
    def coordinator_id(self) -> int:
        return self.screen.coordinator_id

    def load(self, select: str | None = None) -> None:
        """Fill the table from the store, keeping the cursor on select or where it was."""
        table = self.query_one("#communities", DataTable)
        select = select or self.highlighted()
        with self.app.store() as db:
            found = list_communities(db, language=self.app.locale, statuses=STATUSES)
        # Archived ones last: they are kept for the record, not for work.
        found.sort(key=lambda c: c["status"] == "archived")
        self.communities = {c["code"]: c for c in found}
        table.clear()
        for c in found:
            table.add_row(cell(c["code"]), cell(c["name"] or ""), cell(c["town"]),
                          Text(self.app._(STATUS_LABELS[c["status"]])), Text(str(c["members"])),
                          key=c["code"])
        if select in self.communities:
            table.move_cursor(row=table.get_row_index(select))

    def highlighted(self) -> str | None:
        """Return the code of the community under the cursor, or None."""
        table = self.query_one("#communities", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def chosen(self) -> dict | None:
        code = self.highlighted()
        if code is None:
            self.app.notify(self.app._("There are no communities yet."), markup=False)
            return None
        return self.communities[code]

    def tell(self, message: str, severity: str = "information") -> None:
        # notify() parses markup, and messages here carry coordinator-typed names.
        self.app.notify(message, severity=severity, markup=False)

    @on(Button.Pressed, "#community-new")
    def action_new(self) -> None:
        self.app.push_screen(CommunityFormScreen(self.coordinator_id), self.saved)

    @on(Button.Pressed, "#community-edit")
    def action_edit(self) -> None:
        if (community := self.chosen()) is not None:
            self.app.push_screen(CommunityFormScreen(self.coordinator_id, community["code"]),
                                 self.saved)

    def saved(self, code: str | None) -> None:
        if code is not None:
            self.load(select=code)
            self.query_one("#communities").focus()
            self.tell(self.app._("Saved {code}.").format(code=code))

    @on(Button.Pressed, "#community-pause")
    def action_pause(self) -> None:
        community = self.chosen()
        if community is None:
            return
        if community["status"] == "archived":
            self.tell(self.app._("An archived community stays archived."), "warning")
            return
        status = "paused" if community["status"] == "active" else "active"
        self.change_status(community, status)
        self.tell((self.app._("{name} is paused: it takes no new members.")
                   if status == "paused" else self.app._("{name} is active again."))
                  .format(name=community["name"] or community["code"]))

    @on(Button.Pressed, "#community-archive")
    def action_archive(self) -> None:
        community = self.chosen()
        if community is None:
            return
        if community["status"] == "archived":
            self.tell(self.app._("An archived community stays archived."), "warning")
            return
        question = self.app._(
            "Archive {code}: {name}? It can no longer be found or joined, and this cannot "
            "be undone.").format(code=community["code"], name=community["name"] or "")

        def archive(confirmed: bool | None) -> None:
            if confirmed:
                self.change_status(community, "archived")
                self.tell(self.app._("{code} is archived.").format(code=community["code"]))

        self.app.push_screen(CommunityConfirmScreen(question, self.app._("Yes, archive it")),
                             archive)

    def change_status(self, community: dict, status: str) -> None:
        try:
            with self.app.store() as db:
                change_community_status(db, community["code"], status,
                                        coordinator_id=self.coordinator_id, now=utcnow())
        except FaellesError as exc:
            self.tell(str(exc), "error")
        self.load(select=community["code"])

    @on(DataTable.RowSelected, "#communities")
    @on(Button.Pressed, "#community-members")
    def action_members(self) -> None:
        if (community := self.chosen()) is not None:
            self.app.push_screen(CommunityMembersScreen(community["code"]))

    @on(Button.Pressed, "#community-broadcast")
    def action_broadcast(self) -> None:
        community = self.chosen()
        if community is None:
            return
        if community["status"] == "archived":
            self.tell(self.app._("An archived community gets no SMS."), "warning")
            return

        def sent(broadcast_id: int | None) -> None:
            if broadcast_id is None:
                return
            self.query_one(BroadcastProgress).follow(
                broadcast_id, self.app._("SMS to the members of {code}: {name}").format(
                    code=community["code"], name=community["name"] or ""))
            self.tell(self.app._("The SMS is on its way."))

        self.app.push_screen(BroadcastScreen(community["code"], self.coordinator_id), sent)
