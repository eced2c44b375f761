"""The coordinator's communities: create, edit, pause, archive, see members, broadcast."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, DataTable

from kiosk.coordinator.broadcast_form import BroadcastScreen
from kiosk.coordinator.broadcast_progress import BroadcastProgress
from kiosk.coordinator.community_form import CommunityFormScreen
from kiosk.coordinator.community_members import CommunityMembersScreen
from kiosk.coordinator.pane import ListPane
from kiosk.rtl import readable
from kiosk.screens.base import literal
from kiosk.widgets.cells import cell
from kiosk.widgets.choice_dialog import ChoiceDialog
from kiosk.widgets.confirm import ConfirmDialog
from shared.clock import utcnow
from shared.export_files import exports_folder
from shared.i18n import N_, available_locales, language_name
from shared.vocabulary import DEFAULT_LOCALE
from shared.labels import COMMUNITY_STATUSES, label
from shared.services.coordinator import archive_community, community_table, pause_or_resume


class CommunitiesPane(ListPane):
    """Every community in a table; keys or buttons act on the highlighted one."""

    DEFAULT_CSS = """
    CommunitiesPane #community-actions Button { margin: 0 1 0 0; }
    CommunitiesPane .detail-box { height: 30%; }
    """
    COLUMNS = (N_("Code"), N_("Name"), N_("Town"), N_("Status"), N_("Members"))
    TABLE_ID = "communities"
    FLEX_COLUMN = 1
    KEY_HELP = N_("n new · e edit · p pause/resume · x archive · Enter members · "
                  "b SMS to members · o poster")
    BINDINGS = [
        Binding("n", "new", show=False),
        Binding("e", "edit", show=False),
        Binding("p", "pause", show=False),
        Binding("x", "archive", show=False),
        Binding("b", "broadcast", show=False),
        Binding("o", "poster", show=False),
        Binding("g,f5", "reload", show=False),
    ]

    def __init__(self):
        super().__init__(id="communities-pane")

    def compose_bar(self) -> ComposeResult:
        _ = self.app._
        # Buttons as well as keys: a kiosk may have a touch screen and no keyboard.
        with Horizontal(id="community-actions", classes="bar"):
            for name, text in (("new", _("New")), ("edit", _("Edit")),
                               ("pause", _("Pause / resume")), ("archive", _("Archive")),
                               ("members", _("Members")), ("broadcast", _("SMS to members")),
                               ("poster", _("Poster"))):
                yield Button(text, id=f"community-{name}", compact=True)

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield BroadcastProgress(id="broadcast-progress")

    def fetch(self, db) -> list[dict]:
        return community_table(db, self.app.locale)

    def row_key(self, c: dict) -> str:
        return c["code"]

    def cells(self, c: dict) -> list:
        return [cell(c["code"]), cell(c["name"] or "", 2000), cell(c["town"], 16),
                Text(label(COMMUNITY_STATUSES, c["status"], self.app._)), Text(str(c["members"]))]

    def empty_text(self) -> str:
        return self.app._("There are no communities yet.")

    def details(self, c: dict, extra: dict) -> Content:
        _ = self.app._
        return Content.assemble(
            (f"{c['code']} · ", "bold"), literal(c["name"] or "").stylize("bold"), "\n",
            literal(_("Where: {place}, {town}").format(place=c["place"] or "-", town=c["town"])),
            "\n", literal(_("When: {schedule}").format(schedule=c["schedule"] or "-")), "\n",
            literal(c["description"] or ""))

    def highlighted(self) -> str | None:
        item = self.current()
        return item["code"] if item else None

    def chosen(self) -> dict | None:
        item = self.current()
        if item is None:
            self.tell(self.app._("There are no communities yet."))
        return item

    def reload_to(self, code: str) -> None:
        self.act(lambda db: community_table(db, self.app.locale),
                 lambda items: self.fill(items, next((c["id"] for c in items
                                                      if c["code"] == code), None), 0),
                 lambda error: None)

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
            self.reload_to(code)
            self.table.focus()
            self.tell(self.app._("Saved {code}.").format(code=code))

    @on(Button.Pressed, "#community-pause")
    def action_pause(self) -> None:
        community = self.chosen()
        if community is None:
            return
        coordinator_id = self.coordinator_id
        self.act(lambda db: pause_or_resume(db, community["code"], coordinator_id=coordinator_id,
                                            now=utcnow()),
                 partial(self.paused, community), self.refused)

    def paused(self, community: dict, status: str) -> None:
        self.tell((self.app._("{name} is paused: it takes no new members.")
                   if status == "paused" else self.app._("{name} is active again."))
                  .format(name=community["name"] or community["code"]))
        self.reload(keep=community["id"])

    def refused(self, error) -> None:
        self.tell(self.app._("An archived community stays archived."), "warning")

    @on(Button.Pressed, "#community-archive")
    def action_archive(self) -> None:
        community = self.chosen()
        if community is None:
            return
        if community["status"] == "archived":
            self.refused(None)
            return
        question = self.app._(
            "Archive {code}: {name}? It can no longer be found or joined, and this cannot "
            "be undone.").format(code=community["code"], name=community["name"] or "")
        self.app.push_screen(ConfirmDialog(question, self.app._("Yes, archive it"), danger=True),
                             partial(self.archive, community))

    def archive(self, community: dict, confirmed: bool | None) -> None:
        if not confirmed:
            return
        coordinator_id = self.coordinator_id

        def archived(_result) -> None:
            self.tell(self.app._("{code} is archived.").format(code=community["code"]))
            self.reload(keep=community["id"])

        self.act(lambda db: archive_community(db, community["code"],
                                              coordinator_id=coordinator_id, now=utcnow()),
                 archived, self.refused)

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
        self.app.push_screen(BroadcastScreen(community["code"], self.coordinator_id),
                             partial(self.broadcast_sent, community))

    def broadcast_sent(self, community: dict, sent) -> None:
        if sent is None:
            return
        _ = self.app._
        self.query_one(BroadcastProgress).follow(
            sent.id, _("SMS to the members of {code}: {name}").format(
                code=community["code"], name=community["name"] or ""))
        # Quiet hours hold a broadcast: say when it leaves rather than "on its way".
        self.tell(_("Quiet hours: the SMS is sent from {time}.").format(
            time=sent.held_until.strftime("%H:%M")) if sent.held_until
            else _("The SMS is on its way."))

    @on(Button.Pressed, "#community-poster")
    def action_poster(self) -> None:
        """Ask for the poster's languages: Danish alone, or Danish and one more."""
        community = self.chosen()
        if community is None:
            return
        _ = self.app._
        first = language_name(DEFAULT_LOCALE)
        choices = [(first, DEFAULT_LOCALE)] + [
            (readable(f"{first} + {language_name(code)}"), f"{DEFAULT_LOCALE} {code}")
            for code in available_locales() if code != DEFAULT_LOCALE]
        self.app.push_screen(ChoiceDialog(
            _("A poster for {code}: in which languages?").format(code=community["code"]),
            choices, stacked=True), partial(self.make_poster, community))

    def make_poster(self, community: dict, languages: str | None) -> None:
        if languages is None:
            return
        self.tell(self.app._("Making the poster: this takes a few seconds."))
        self.save_poster(community["code"], tuple(languages.split()), self.coordinator_id)

    @work(thread=True, exit_on_error=False, group="poster")
    def save_poster(self, code: str, languages: tuple[str, ...], coordinator_id: int) -> None:
        # Imported here: WeasyPrint takes a second to load, and only a poster needs it.
        from shared.printing import PdfUnavailable
        from shared.services.publishing import (
            PosterRefused, poster_for, poster_pdf, save_poster,
        )

        _ = self.app._
        try:
            with self.app.store() as db:
                poster = poster_for(db, code, languages, number=self.app.settings.sms_number,
                                    now=utcnow())
            pdf = poster_pdf(poster)  # drawn without the store: other lists load meanwhile
        except PosterRefused as refused:
            self.app.call_from_thread(self.tell, _(refused.message).format(**refused.values),
                                      "warning")
            return
        except PdfUnavailable as exc:
            self.app.call_from_thread(self.tell, _(str(exc)), "warning")
            return
        with self.app.store() as db:
            path = save_poster(db, poster, pdf, exports_folder(self.app.db_path),
                               coordinator_id=coordinator_id, now=utcnow())
        self.app.call_from_thread(self.tell, _("Poster saved: {path}").format(path=path))
