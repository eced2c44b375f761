"""The offer review queue: approve, ask, reject or match, and the citizen is told by SMS."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, OptionList, Select, Static, Tabs
from textual.widgets.option_list import Option

from kiosk.coordinator.feedback_pane import (
    DEFAULT_SMS_LANGUAGE, NO_VALUE, SmsCounter, cell, in_language, no_sms_reason,
)
from kiosk.screens.base import literal
from shared.clock import parse, utcnow
from shared.communities import get_community, list_communities
from shared.contacts import get_contact
from shared.coordinators import list_coordinators
from shared.errors import FaellesError
from shared.i18n import N_
from shared.offers import TRANSITIONS, get_offer, offers_with_status
from shared.replies import Reply, render_reply
from shared.services.coordinator import MAX_NOTE, decide_offer
from shared.sms_text import sanitise

REVIEW = "review"
# The queue: new offers, and those waiting for the citizen's answer to a question.
REVIEW_STATUSES = ("pending", "needs_info")
ALL = "all"
STATUS_LABELS = {"pending": N_("Pending"), "needs_info": N_("Needs info"),
                 "approved": N_("Approved"), "matched": N_("Matched"), "done": N_("Done"),
                 "rejected": N_("Rejected"), "withdrawn": N_("Withdrawn")}
CATEGORY_LABELS = {"time": N_("Time"), "knowhow": N_("Know-how"),
                   "things": N_("Things to lend"), "room": N_("A room"),
                   "transport": N_("A lift"), "initiative": N_("New initiative")}
# The status each decision leads to, for checking before asking for a note.
TARGETS = {"approve": "approved", "ask": "needs_info", "reject": "rejected",
           "match": "matched"}
REFUSALS = {
    "approve": N_("Nothing changed: offer no. {id} is “{status}” and cannot be approved."),
    "ask": N_("Nothing changed: offer no. {id} is “{status}”, so you cannot ask about it."),
    "reject": N_("Nothing changed: offer no. {id} is “{status}” and cannot be rejected."),
    "match": N_("Nothing changed: offer no. {id} is “{status}” and cannot be matched."),
}
DONE = {
    "approve": N_("Offer no. {id} is approved."),
    "ask": N_("Offer no. {id}: your question is saved."),
    "reject": N_("Offer no. {id} is rejected."),
    "match": N_("Offer no. {id} is matched with {name}."),
}


def allowed(status: str, decision: str) -> bool:
    """Tell whether decide_offer can make this decision on an offer in this status."""
    if decision == "match":
        # decide_offer approves a pending offer on the way to matching it.
        return status in ("pending", "approved")
    return TARGETS[decision] in TRANSITIONS[status]


def age(app, created_at: str) -> str:
    """Return how long ago, e.g. '3 d', '5 h' or '12 min'."""
    seconds = max(0, int((utcnow() - parse(created_at)).total_seconds()))
    if seconds >= 86400:
        return app._("{n} d").format(n=seconds // 86400)
    if seconds >= 3600:
        return app._("{n} h").format(n=seconds // 3600)
    return app._("{n} min").format(n=seconds // 60)


class NoteDialog(ModalScreen[str | None]):
    """Write the question or the reason sent with a decision, seeing the SMS it makes."""

    DEFAULT_CSS = """
    NoteDialog {
        align: center middle;
    }
    NoteDialog > Vertical {
        width: 96;
        height: auto;
        max-height: 100%;
        padding: 0 2 1 2;
        background: #003b73;
        border: heavy #ffff66;
    }
    NoteDialog #note-offer {
        max-height: 5;
    }
    NoteDialog #note-problem {
        padding: 0;
    }
    NoteDialog .buttons {
        height: auto;
    }
    NoteDialog .buttons Button {
        margin: 1 2 0 0;
    }
    """
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, offer: dict, decision: str, contact: dict | None):
        super().__init__(id="note-dialog")
        self.offer = offer
        self.decision = decision
        self.contact = contact

    def compose(self) -> ComposeResult:
        _ = self.app._
        asking = self.decision == "ask"
        title = (_("Ask about offer no. {id}") if asking else _("Reject offer no. {id}"))
        placeholder = (_("Your question, e.g. Which days can you drive?") if asking
                       else _("The reason, in a few kind words (optional)"))
        with Vertical():
            yield Static(title.format(id=self.offer["id"]), classes="title", markup=False)
            yield Static(literal(self.offer["description"]), id="note-offer")
            yield Input(placeholder=placeholder, id="note", max_length=MAX_NOTE)
            yield SmsCounter(id="note-counter")
            yield Static(self.sms_line(), id="note-sms", markup=False)
            yield Static("", id="note-problem", classes="problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Ask (Enter)") if asking else _("Reject (Enter)"),
                             id="note-send", classes="primary")
                yield Button(_("Cancel (Esc)"), id="note-cancel", classes="small")

    @property
    def sends_sms(self) -> bool:
        return no_sms_reason(self.app, self.contact) is None

    def sms_line(self) -> str:
        if not self.sends_sms:
            return no_sms_reason(self.app, self.contact)
        return self.app._("The citizen gets this by SMS {in_language}.").format(
            in_language=in_language(self.app, self.contact["language"]))

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.count()

    def note(self) -> str:
        # As decide_offer stores and sends it: whitespace collapsed.
        return " ".join(self.query_one(Input).value.split())

    def sms_body(self) -> str:
        language = (self.contact or {}).get("language") or DEFAULT_SMS_LANGUAGE
        if self.decision == "ask":
            reply = Reply("offer_needs_info", {"id": self.offer["id"], "question": self.note()})
        else:
            reply = Reply("offer_rejected", {"id": self.offer["id"], "reason": self.note()})
        return render_reply(reply, language)

    @on(Input.Changed)
    def count(self) -> bool:
        return self.query_one(SmsCounter).count(self.sms_body())

    @on(Input.Submitted)
    @on(Button.Pressed, "#note-send")
    def send(self) -> None:
        problem = self.query_one("#note-problem", Static)
        if self.decision == "ask" and not self.note():
            problem.update(self.app._("Write the question first."))
        elif self.sends_sms and not self.count():
            # shared.services.coordinator cuts a notice that is too long with "...": the
            # question itself would be lost, so refuse instead.
            problem.update(self.app._("Too long for the SMS. Please shorten it."))
        else:
            self.dismiss(self.note())

    @on(Button.Pressed, "#note-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CommunityDialog(ModalScreen[str | None]):
    """Choose the community an offer goes to: type to narrow, Enter to choose."""

    DEFAULT_CSS = """
    CommunityDialog {
        align: center middle;
    }
    CommunityDialog > Vertical {
        width: 90;
        height: 80%;
        padding: 0 2 1 2;
        background: #003b73;
        border: heavy #ffff66;
    }
    CommunityDialog OptionList {
        height: 1fr;
        margin: 1 0 0 0;
    }
    """
    BINDINGS = [Binding("escape", "cancel", show=False),
                Binding("down", "to_list", show=False)]

    def __init__(self, offer: dict, communities: list[dict]):
        super().__init__(id="community-dialog")
        self.offer = offer
        # The offer's own town first: that is where a match is likeliest.
        self.communities = sorted(communities, key=lambda c: (c["town"] != offer["town"],
                                                               c["town"], c["code"]))

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical():
            yield Static(_("Match offer no. {id} with a community").format(id=self.offer["id"]),
                         classes="title", markup=False)
            yield Input(placeholder=_("Type to find a code, name or town"), id="community-find")
            yield OptionList(*self.options(""), id="community-list")
            yield Static(_("↑↓ choose · Enter match · Esc cancel"), markup=False)

    def options(self, wanted: str) -> list[Option]:
        wanted = wanted.strip().casefold()
        return [
            Option(Content.assemble((c["code"], "bold"), "  ", literal(c["name"]), " · ",
                                    literal(c["town"])), id=c["code"])
            for c in self.communities
            if wanted in f"{c['code']} {c['name']} {c['town']}".casefold()
        ]

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.query_one(OptionList).highlighted = 0 if self.communities else None

    @on(Input.Changed)
    def narrow(self, event: Input.Changed) -> None:
        found = self.query_one(OptionList)
        found.set_options(self.options(event.value))
        found.highlighted = 0 if found.option_count else None

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    @on(Input.Submitted)
    def choose_highlighted(self) -> None:
        found = self.query_one(OptionList)
        if found.highlighted is not None:
            self.dismiss(found.get_option_at_index(found.highlighted).id)

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OffersPane(Vertical):
    """Offers waiting for review, oldest first, and what a coordinator decides about them."""

    DEFAULT_CSS = """
    /* TabbedContent, ContentSwitcher and TabPane are height: auto in Textual 8,
       so a 1fr pane would overflow the screen: the table takes a share of the
       screen instead (and scrolls), and the details keep their place under it. */
    OffersPane {
        height: auto;
    }
    OffersPane #offers-bar {
        height: auto;
    }
    OffersPane #offers-count {
        width: 1fr;
        padding: 1 1 0 1;
    }
    OffersPane #offers-status {
        width: 32;
    }
    OffersPane DataTable {
        height: 45vh;
    }
    OffersPane #offers-detail-box {
        height: 25vh;
        min-height: 6;
        border-top: solid #ffff66;
        padding: 0 1;
    }
    OffersPane .help {
        height: auto;
        background: #003b73;
        padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("a", "decide('approve')", "", show=False),
        Binding("i", "decide('ask')", "", show=False),
        Binding("r", "decide('reject')", "", show=False),
        Binding("m", "decide('match')", "", show=False),
        Binding("s", "statuses", "", show=False),
        Binding("g,f5", "reload", "", show=False),
    ]

    def __init__(self):
        super().__init__(id="offers-pane")
        self.offers: list[dict] = []

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(id="offers-bar"):
            yield Static("", id="offers-count", markup=False)
            yield Select([(_("To review"), REVIEW)]
                         + [(_(label), status) for status, label in STATUS_LABELS.items()]
                         + [(_("All offers"), ALL)],
                         value=REVIEW, allow_blank=False, id="offers-status")
        table = DataTable(id="offers-table", cursor_type="row", zebra_stripes=True)
        for label in (N_("No."), N_("Age"), N_("Status"), N_("Category"), N_("Town"),
                      N_("Channel"), N_("Phone"), N_("Description")):
            table.add_column(_(label))
        yield table
        with VerticalScroll(id="offers-detail-box", can_focus=False):
            yield Static("", id="offers-detail")
        yield Static(_("↑↓ choose · a approve · i ask for information · r reject · "
                       "m match with a community · s other statuses · g refresh"),
                     classes="help", markup=False)

    def on_show(self) -> None:
        # Fresh offers each time the tab is opened; the cursor stays where it was.
        self.reload(keep=self.current_id())
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.query_one(DataTable).focus()

    # -- the list ----------------------------------------------------------------

    def statuses(self) -> tuple[str, ...]:
        chosen = self.query_one("#offers-status", Select).value
        if chosen == REVIEW:
            return REVIEW_STATUSES
        if chosen == ALL:
            return tuple(STATUS_LABELS)
        return (chosen,)

    @on(Select.Changed, "#offers-status")
    def statuses_changed(self) -> None:
        self.reload()

    def action_statuses(self) -> None:
        self.query_one("#offers-status", Select).focus()

    def action_reload(self) -> None:
        self.reload(keep=self.current_id())

    def reload(self, keep: int | None = None) -> None:
        """Read the offers again, keeping the cursor on keep or at its row."""
        table = self.query_one(DataTable)
        index = table.cursor_row
        with self.app.store() as db:
            found = [offer for status in self.statuses()
                     for offer in offers_with_status(db, status)]
        self.offers = sorted(found, key=lambda offer: (offer["created_at"], offer["id"]))
        table.clear()
        for offer in self.offers:
            table.add_row(*self.cells(offer), key=str(offer["id"]))
        reviewing = self.statuses() == REVIEW_STATUSES
        count = len(self.offers)
        counted = (self.app.ngettext("{n} offer to review", "{n} offers to review", count)
                   if reviewing else self.app.ngettext("{n} offer", "{n} offers", count))
        self.query_one("#offers-count", Static).update(counted.format(n=count))
        ids = [offer["id"] for offer in self.offers]
        if ids:
            table.move_cursor(row=ids.index(keep) if keep in ids
                              else max(0, min(index, len(ids) - 1)))
        self.show_details()

    def cells(self, offer: dict) -> list:
        _ = self.app._
        if offer["channel"] == "sms":
            channel = Text(_("SMS"))
        else:
            channel = Text.assemble(_("Kiosk"), " ", cell(offer["location"], 10)
                                    if offer["location"] else "")
        first_line = (offer["description"] or "").strip().split("\n", 1)[0]
        return [
            Text(str(offer["id"]), justify="right"),
            Text(age(self.app, offer["created_at"]), justify="right"),
            Text(_(STATUS_LABELS[offer["status"]]),
                 style="bold #ffff66" if offer["status"] == "needs_info" else ""),
            Text(_(CATEGORY_LABELS[offer["category"]]) if offer["category"] else NO_VALUE),
            cell(offer["town"], 12),
            channel,
            cell(offer["phone"], 15),
            cell(first_line, 26),
        ]

    def current(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.offers or not 0 <= table.cursor_row < len(self.offers):
            return None
        return self.offers[table.cursor_row]

    def current_id(self) -> int | None:
        offer = self.current()
        return offer["id"] if offer else None

    # -- details -----------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#offers-table")
    @on(DataTable.RowSelected, "#offers-table")
    def show_details(self) -> None:
        detail = self.query_one("#offers-detail", Static)
        offer = self.current()
        if offer is not None:
            detail.update(self.details(offer))
        elif self.statuses() == REVIEW_STATUSES:
            detail.update(Content.assemble((self.app._(
                "Nothing to review. Every offer has an answer. Thank you!"), "bold #ffff66")))
        else:
            detail.update(self.app._("No offers with this status."))

    def details(self, offer: dict) -> Content:
        _ = self.app._
        with self.app.store() as db:
            contact = get_contact(db, offer["contact_id"]) if offer["contact_id"] else None
            reviewers = {c["id"]: c["name"] for c in list_coordinators(db)}
            community = None
            if offer["community_id"]:
                community = next((c for c in list_communities(
                    db, language=self.app.locale, statuses=("active", "paused", "archived"),
                    count_members=False) if c["id"] == offer["community_id"]), None)
        heading = " · ".join((
            _("Offer no. {id}").format(id=offer["id"]), _(STATUS_LABELS[offer["status"]]),
            _(CATEGORY_LABELS[offer["category"]]) if offer["category"] else _("no category"),
            _("{age} ago").format(age=age(self.app, offer["created_at"])),
        ))
        parts: list = [(heading, "bold #ffff66"), "\n",
                       (_("Town") + ": ", "bold"), literal(offer["town"] or _("not given")),
                       " · ", (_("When") + ": ", "bold"),
                       literal(offer["availability"] or _("not given")), " · ",
                       (_("Channel") + ": ", "bold"),
                       _("SMS") if offer["channel"] == "sms" else _("Kiosk")]
        if offer["location"]:
            parts += [" (", literal(offer["location"]), ")"]
        parts += ["\n", (_("Phone") + ": ", "bold")]
        if contact is None:
            parts.append(_("none. No SMS: no number."))
        else:
            parts += [literal(contact["phone"]), " · ",
                      no_sms_reason(self.app, contact)
                      or _("The citizen is told by SMS {in_language}.").format(
                          in_language=in_language(self.app, contact["language"]))]
        if offer["review_note"]:
            parts += ["\n", (_("Note") + ": ", "bold"), literal(offer["review_note"])]
        if offer["reviewer_id"]:
            parts += ["\n", (_("Reviewed by") + ": ", "bold"),
                      literal(reviewers.get(offer["reviewer_id"], "?"))]
        if community:
            parts += ["\n", (_("Community") + ": ", "bold"), literal(community["code"]), " ",
                      literal(community["name"])]
        parts += ["\n\n", literal(offer["description"])]
        return Content.assemble(*parts)

    # -- decisions ---------------------------------------------------------------

    def action_decide(self, decision: str) -> None:
        """Approve, ask, reject or match the offer under the cursor."""
        offer = self.current()
        if offer is None:
            return
        if not allowed(offer["status"], decision):
            self.refused(offer["id"], decision, offer["status"])
            return
        coordinator_id = self.screen.coordinator_id

        def decide(note: str | None = "", community_code: str | None = None) -> None:
            if note is None:  # the dialog was cancelled
                return
            self.save_decision(offer["id"], decision, coordinator_id, note, community_code)

        if decision == "approve":
            decide()
        elif decision == "match":
            with self.app.store() as db:
                communities = list_communities(db, language=self.app.locale,
                                               count_members=False)
            self.app.push_screen(CommunityDialog(offer, communities),
                                 lambda code: code and decide(community_code=code))
        else:
            with self.app.store() as db:
                contact = (get_contact(db, offer["contact_id"])
                           if offer["contact_id"] else None)
            self.app.push_screen(NoteDialog(offer, decision, contact), decide)

    @work(thread=True, exit_on_error=False, group="offers")
    def save_decision(self, offer_id: int, decision: str, coordinator_id: int, note: str,
                      community_code: str | None) -> None:
        """Record the decision on a connection of this worker thread's own."""
        try:
            with self.app.store() as db:
                message_id = decide_offer(db, offer_id, decision, coordinator_id=coordinator_id,
                                          note=note, community_code=community_code,
                                          now=utcnow())
                offer = get_offer(db, offer_id)
                contact = get_contact(db, offer["contact_id"]) if offer["contact_id"] else None
                name = (get_community(db, community_code, self.app.locale)["name"]
                        if community_code else None)
        except FaellesError:
            self.app.call_from_thread(self.refused, offer_id, decision)
            return
        self.app.call_from_thread(self.decided, offer_id, decision, message_id, contact, name)

    def decided(self, offer_id: int, decision: str, message_id: int | None,
                contact: dict | None, name: str | None) -> None:
        _ = self.app._
        if message_id is not None:
            sms = _("SMS queued to the citizen {in_language}.").format(
                in_language=in_language(self.app, contact["language"]))
        else:
            sms = no_sms_reason(self.app, contact) or _("No SMS.")
        done = _(DONE[decision]).format(id=offer_id, name=sanitise(name or "", max_chars=200))
        self.app.notify(f"{done} {sms}", markup=False)
        self.reload(keep=offer_id)

    def refused(self, offer_id: int, decision: str, status: str | None = None) -> None:
        """Say kindly that nothing changed, and why."""
        _ = self.app._
        if status is None:
            with self.app.store() as db:
                try:
                    status = get_offer(db, offer_id)["status"]
                except FaellesError:
                    status = None
        if status is None:
            message = _("Offer no. {id} no longer exists.").format(id=offer_id)
        else:
            message = _(REFUSALS[decision]).format(id=offer_id,
                                                   status=_(STATUS_LABELS[status]))
        self.app.notify(message, severity="warning", markup=False)
        self.reload(keep=offer_id)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble in Textual 8: hand it to the app,
        # which tells the coordinator kindly that something went wrong.
        self.app.on_worker_state_changed(event)
