"""Needs: what citizens need a hand with, the offers that fit, and introducing the two by SMS."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import Static

from kiosk.coordinator.need_details import describe_need, suggestion
from kiosk.coordinator.pane import ListPane
from kiosk.rtl import readable
from kiosk.screens.base import literal
from kiosk.widgets.cells import cell
from kiosk.widgets.confirm import ConfirmDialog
from kiosk.widgets.pick_dialog import PickDialog
from shared.clock import parse, utcnow
from shared.errors import FaellesError
from shared.i18n import N_, format_month_day, language_name_in
from shared.labels import CATEGORIES, NEED_STATUSES, label
from shared.matching import Suggestion
from shared.services.introducing import (
    Proposal, introduction_choices, need_view, needs_to_introduce, open_need, proposal, propose,
)
from shared.services.notices import Notice, TooLong

STATUS_COLUMN = 3
# Why nothing was sent, by the service's word for it.
PROBLEMS = {
    "need_not_open": N_("Nothing was sent: need no. {need} is “{status}” and cannot be "
                        "introduced."),
    "offer_not_approved": N_("Nothing was sent: offer no. {offer} is no longer approved."),
    "already_waiting": N_("Nothing was sent: need no. {need} already has an introduction "
                          "waiting for answers."),
    "changed": N_("Nothing was sent: another introduction was made meanwhile, so the SMS "
                  "would read differently. Press i to see them again."),
}
# For a refusal the service may learn to give later.
NOT_SENT = N_("Nothing was sent.")
CANNOT_TEXT = {
    "need": N_("Nothing was sent: the one who needs help gets no SMS from us (opted out)."),
    "offer": N_("Nothing was sent: the one who offers gets no SMS from us (opted out)."),
}


class NeedsPane(ListPane):
    """Needs waiting for a hand, oldest first; the offers that fit; introducing them."""

    DEFAULT_CSS = """
    /* The details carry the need, its introductions and the offers that fit: more
       than the list, which holds only what waits. Tab reaches them to scroll. */
    NeedsPane .detail-box { height: 60%; }
    NeedsPane .detail-box:focus { border-top: thick $accent; background-tint: $foreground 5%; }
    """
    COLUMNS = (N_("Date"), N_("Town"), N_("Category"), N_("Status"), N_("Asked"), N_("Need"))
    KEY_HELP = N_("i introduce to an offer · Tab the details, ↑↓ scroll · g refresh")
    BINDINGS = [
        Binding("i", "introduce", show=False),
        Binding("g,f5", "reload", show=False),
    ]

    def __init__(self):
        super().__init__(id="needs-pane")
        self.reader_id: int | None = None

    def on_mount(self) -> None:
        # Read here, on the UI thread: the details worker opens new needs in this name.
        self.reader_id = self.coordinator_id
        self.query_one(".detail-box").can_focus = True

    def compose_bar(self) -> ComposeResult:
        yield Static("", id="needs-count", classes="count", markup=False)

    def fetch(self, db) -> list[dict]:
        return needs_to_introduce(db)

    def listed(self) -> None:
        count = len(self.items)
        self.query_one("#needs-count", Static).update(self.app.ngettext(
            "{n} need waiting for a hand", "{n} needs waiting for a hand", count).format(n=count))

    def cells(self, need: dict) -> list:
        _ = self.app._
        return [
            Text(format_month_day(parse(need["created_at"]), self.app.locale)),
            cell(need["town"], 12), cell(label(CATEGORIES, need["category"], _), 12),
            self.status_cell(need["status"]),
            # A check mark: the column says whether both people have been asked.
            Text("✓" if need["asked"] else "", justify="center"),
            cell((need["description"] or "").strip().split("\n", 1)[0], 2000),
        ]

    def status_cell(self, status: str) -> Text:
        return Text(label(NEED_STATUSES, status, self.app._),
                    style="bold" if status == "new" else "")

    def empty_text(self):
        return Content.assemble((self.app._("No needs are waiting for a hand."), "bold"))

    # -- the details: reading a new need opens it ------------------------------------------

    def fetch_details(self, db, need: dict) -> dict:
        if need["status"] == "new":
            open_need(db, need["id"], coordinator_id=self.reader_id, now=utcnow())
        return need_view(db, need["id"])

    def show_item(self, need: dict, view: dict) -> None:
        status = view["need"]["status"]
        if status != need["status"] and need in self.items:
            need["status"] = status
            self.table.update_cell_at(Coordinate(self.items.index(need), STATUS_COLUMN),
                                      self.status_cell(status))
        super().show_item(need, view)

    def details(self, need: dict, view: dict) -> Content:
        # One line per offer that fits, cut to the box; the dialog behind i shows them whole.
        return describe_need(view, self.app, width=max(40, self.query_one(".detail").size.width
                                                        or 74))

    # -- introducing: pick an offer, see both SMS, send ----------------------------------

    def action_introduce(self) -> None:
        """Introduce the need under the cursor to one of the offers that fit it."""
        need = self.current()
        if need is None:
            return
        self.act(lambda db: introduction_choices(db, need["id"]), partial(self.pick, need),
                 lambda error: self.gone(need["id"]))

    def pick(self, need: dict, choices: list[tuple[Suggestion, Proposal]]) -> None:
        _ = self.app._
        if not choices:
            self.tell(_("No approved offer fits need no. {id} yet. Approve offers in the "
                        "Offers tab first.").format(id=need["id"]), "warning")
            return
        # A need that may not be introduced now is refused with every offer alike.
        if not any(planned.sends for _fit, planned in choices):
            self.refused(choices[0][1])
            return
        shown = [(Content.assemble(*suggestion(fit, need, self.app)), fit.offer["id"])
                 for fit, _planned in choices]
        self.app.push_screen(
            PickDialog(_("Introduce need no. {id} to which offer?").format(id=need["id"]),
                       shown, _("↑↓ choose · Enter see both SMS · Esc cancel")),
            lambda offer_id: offer_id is not None and self.preview(need["id"], offer_id))

    def preview(self, need_id: int, offer_id: int) -> None:
        self.act(lambda db: proposal(db, need_id, offer_id), self.confirm,
                 lambda error: self.gone(need_id))

    def confirm(self, planned: Proposal) -> None:
        """Show both SMS exactly as they will go, each with its language, before any leaves."""
        if not planned.sends:
            self.refused(planned)
            return
        _ = self.app._
        details = Content.assemble(
            *self.sms(_("To the one who needs help, by SMS in {language} ({size}):"),
                      planned.to_need), "\n\n",
            *self.sms(_("To the one who offers, by SMS in {language} ({size}):"),
                      planned.to_offer), "\n\n",
            _("Their numbers are shared only when both reply YES."))
        question = _("Introduce need no. {need} to offer no. {offer}?").format(
            need=planned.need["id"], offer=planned.offer["id"])
        self.app.push_screen(ConfirmDialog(question, _("Send"), details=details),
                             lambda yes: yes and self.send(planned))

    def sms(self, heading: str, notice: Notice) -> list:
        size = self.app.ngettext("{n} SMS segment", "{n} SMS segments",
                                 notice.segments).format(n=notice.segments)
        return [(heading.format(language=language_name_in(notice.language, self.app.locale),
                                size=size), "bold"), "\n", literal(readable(notice.text))]

    def send(self, planned: Proposal) -> None:
        need_id, offer_id = planned.need["id"], planned.offer["id"]
        coordinator_id = self.coordinator_id
        shown = (planned.to_need.text, planned.to_offer.text)
        self.act(lambda db: propose(db, need_id, offer_id, coordinator_id=coordinator_id,
                                    now=utcnow(), shown=shown),
                 partial(self.introduced, need_id), self.not_sent(need_id, offer_id))

    def introduced(self, need_id: int, introduction_id: int) -> None:
        self.tell(self.app._("Introduction no. {id}: both are asked by SMS. Their numbers are "
                             "shared only when both say yes.").format(id=introduction_id))
        self.reload(keep=need_id)

    def not_sent(self, need_id: int, offer_id: int):
        """Return what to do when the service refuses: find out why, and say so."""
        def find_out(error: FaellesError) -> None:
            if isinstance(error, TooLong):
                self.tell(self.app._("Nothing was sent: an SMS would be too long."), "warning")
                return
            # Asked again: the problem now, or else the texts changed under the preview.
            self.act(lambda db: proposal(db, need_id, offer_id),
                     lambda fresh: self.refused(fresh, fresh.problem or "changed"),
                     lambda gone: self.gone(need_id))
        return find_out

    def refused(self, planned: Proposal, problem: str | None = None) -> None:
        """Say kindly that nothing was sent, and why."""
        _ = self.app._
        problem = problem or planned.problem
        need = planned.need
        if problem == "cannot_text":
            message = _(CANNOT_TEXT["offer" if planned.to_need.sends else "need"])
        else:
            message = _(PROBLEMS.get(problem, NOT_SENT)).format(
                need=need["id"], offer=planned.offer["id"],
                status=label(NEED_STATUSES, need["status"], _))
        self.tell(message, "warning")
        self.reload(keep=need["id"])

    def gone(self, need_id: int) -> None:
        self.tell(self.app._("Nothing was sent: need no. {id} or the offer no longer "
                             "exists.").format(id=need_id), "warning")
        self.reload()
