"""The offer review queue: approve, ask, reject or match; the citizen is told by SMS."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Select, Static

from kiosk.coordinator.pane import ListPane
from kiosk.screens.base import literal
from kiosk.widgets.cells import NO_VALUE, cell
from kiosk.widgets.community_picker import CommunityPicker
from kiosk.widgets.confirm import ConfirmDialog
from kiosk.widgets.message_dialog import MessageDialog
from kiosk.widgets.sms_counter import in_language, no_sms_text, sent_text
from shared.clock import parse, utcnow
from shared.errors import FaellesError
from shared.i18n import N_
from shared.labels import (ANSWER_RECEIVED, CATEGORIES, CHANNELS, OFFER_STATUSES, label,
                           note_is_reason)
from shared.offers import get_offer
from shared.services.coordinator import (
    MAX_NOTE, REVIEW_STATUSES, can_decide, decide_offer, decision_notice, has_new_answer,
    matching_communities, offer_view, review_offers,
)

REVIEW, ALL = "review", "all"
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


def age(app, created_at: str) -> str:
    """Return how long ago, e.g. '3 d', '5 h' or '12 min'."""
    seconds = max(0, int((utcnow() - parse(created_at)).total_seconds()))
    if seconds >= 86400:
        return app._("{n} d").format(n=seconds // 86400)
    if seconds >= 3600:
        return app._("{n} h").format(n=seconds // 3600)
    return app._("{n} min").format(n=seconds // 60)


class OffersPane(ListPane):
    """Offers waiting for review, oldest first, and what a coordinator decides about them."""

    DEFAULT_CSS = """
    OffersPane #offers-status { width: 30; }
    OffersPane .count { width: 1fr; }
    """
    COLUMNS = (N_("No."), N_("Age"), N_("Status"), N_("Category"), N_("Town"), N_("Channel"),
               N_("Description"))
    KEY_HELP = N_("a approve · i ask · r reject · m match · s status filter · g refresh")
    BINDINGS = [
        Binding("a", "decide('approve')", show=False),
        Binding("i", "decide('ask')", show=False),
        Binding("r", "decide('reject')", show=False),
        Binding("m", "decide('match')", show=False),
        Binding("s", "statuses", show=False),
        Binding("g,f5", "reload", show=False),
    ]

    def __init__(self):
        super().__init__(id="offers-pane")

    @property
    def offers(self) -> list[dict]:
        return self.items

    def compose_bar(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(classes="bar"):
            yield Static("", id="offers-count", classes="count", markup=False)
            yield Select([(_("To review"), REVIEW)]
                         + [(_(name), status) for status, name in OFFER_STATUSES.items()]
                         + [(_("All offers"), ALL)],
                         value=REVIEW, allow_blank=False, id="offers-status", compact=True)

    def statuses(self) -> tuple[str, ...]:
        chosen = self.query_one("#offers-status", Select).value
        if chosen == REVIEW:
            return REVIEW_STATUSES
        return tuple(OFFER_STATUSES) if chosen == ALL else (chosen,)

    @on(Select.Changed, "#offers-status")
    def statuses_changed(self) -> None:
        self.reload()

    def action_statuses(self) -> None:
        self.query_one("#offers-status", Select).focus()

    def fetch(self, db) -> list[dict]:
        return review_offers(db, self.statuses())

    def listed(self) -> None:
        count = len(self.items)
        counted = (self.app.ngettext("{n} offer to review", "{n} offers to review", count)
                   if self.statuses() == REVIEW_STATUSES
                   else self.app.ngettext("{n} offer", "{n} offers", count))
        self.query_one("#offers-count", Static).update(counted.format(n=count))

    def cells(self, offer: dict) -> list:
        _ = self.app._
        return [
            Text(str(offer["id"]), justify="right"),
            Text(age(self.app, offer["created_at"]), justify="right"),
            self.status_cell(offer),
            Text(label(CATEGORIES, offer["category"], _) or NO_VALUE),
            cell(offer["town"], 12), cell(label(CHANNELS, offer["channel"], _), 5),
            cell((offer["description"] or "").strip().split("\n", 1)[0], 2000),
        ]

    def status_cell(self, offer: dict) -> Text:
        """Return the status as the list shows it: an answered question stands out."""
        if has_new_answer(offer):
            return Text(self.app._(ANSWER_RECEIVED), style="bold")
        return Text(label(OFFER_STATUSES, offer["status"], self.app._),
                    style="bold" if offer["status"] == "needs_info" else "")

    def empty_text(self):
        if self.statuses() == REVIEW_STATUSES:
            return Content.assemble((self.app._(
                "Nothing to review. Every offer has an answer. Thank you!"), "bold"))
        return self.app._("No offers with this status.")

    def fetch_details(self, db, offer: dict) -> dict:
        return offer_view(db, offer["id"], self.app.locale)

    def details(self, offer: dict, view: dict) -> Content:
        _ = self.app._
        offer, contact = view["offer"], view["contact"]
        heading = " · ".join((
            _("Offer no. {id}").format(id=offer["id"]), self.status_cell(offer).plain,
            label(CATEGORIES, offer["category"], _) or _("no category"),
            _("{age} ago").format(age=age(self.app, offer["created_at"])),
        ))
        parts: list = [(heading, "bold"), "\n"]
        # The question and the citizen's answer first: at 80x24 the details show
        # five lines, and the answer is what the offer came back to the list for.
        if offer["review_note"]:
            named = (_("Reason for rejecting") if note_is_reason(offer["status"])
                     else _("Question to the citizen"))
            parts += [(named + ": ", "bold"),
                      literal(offer["review_note"]), "\n"]
        if offer["answer"]:
            parts += [(_("The citizen's answer") + ": ", "bold $accent"),
                      literal(offer["answer"]), "\n"]
        parts += [literal(offer["description"]), "\n\n",
                  (_("Town") + ": ", "bold"), literal(offer["town"] or _("not given")),
                  " · ", (_("When") + ": ", "bold"),
                  literal(offer["availability"] or _("not given")), " · ",
                  (_("Channel") + ": ", "bold"), label(CHANNELS, offer["channel"], _)]
        if offer["location"]:
            parts += [" (", literal(offer["location"]), ")"]
        parts += ["\n", (_("Phone") + ": ", "bold")]
        if contact is None:
            parts.append(_("none. No SMS: no number."))
        else:
            parts += [literal(contact["phone"]), " · ",
                      no_sms_text(self.app, "opted_out" if contact["opted_out"] else None)
                      or _("The citizen is told by SMS {in_language}.").format(
                          in_language=in_language(self.app, contact["language"]))]
        if view["reviewer"]:
            parts += ["\n", (_("Reviewed by") + ": ", "bold"), literal(view["reviewer"])]
        if view["community"]:
            parts += ["\n", (_("Community") + ": ", "bold"), literal(view["community"]["code"]),
                      " ", literal(view["community"]["name"])]
        return Content.assemble(*parts)

    # -- decisions: every one that sends an SMS is confirmed with the SMS shown first --

    def action_decide(self, decision: str) -> None:
        """Approve, ask, reject or match the offer under the cursor."""
        offer = self.current()
        if offer is None:
            return
        if not can_decide(offer["status"], decision):
            self.refused(offer["id"], decision, offer["status"])
            return
        _ = self.app._
        if decision in ("ask", "reject"):
            asking = decision == "ask"
            self.app.push_screen(MessageDialog(
                title=(_("Ask about offer no. {id}") if asking
                       else _("Reject offer no. {id}")).format(id=offer["id"]),
                original=offer["description"],
                placeholder=(_("Your question, e.g. Which days can you drive?") if asking
                             else _("The reason, in a few kind words (optional)")),
                send=_("Ask (Enter)") if asking else _("Reject (Enter)"),
                preview=lambda db, note: decision_notice(db, offer["id"], decision, note=note),
                required=_("Write the question first.") if asking else None,
                max_length=MAX_NOTE), partial(self.noted, offer, decision))
        elif decision == "match":
            self.act(lambda db: matching_communities(db, self.app.locale, offer["town"]),
                     partial(self.pick_community, offer), self.failed(offer["id"], decision))
        else:
            self.confirm(offer, decision)

    def noted(self, offer: dict, decision: str, note: str | None) -> None:
        if note is not None:  # the dialog showed the SMS: its Enter is the confirmation
            self.save(offer["id"], decision, note=note)

    def pick_community(self, offer: dict, communities: list[dict]) -> None:
        title = self.app._("Match offer no. {id} with a community").format(id=offer["id"])
        self.app.push_screen(CommunityPicker(title, communities),
                             lambda code: code and self.confirm(offer, "match", code))

    def confirm(self, offer: dict, decision: str, community_code: str | None = None) -> None:
        """Show the SMS the decision sends and ask before it can leave."""
        def ask(notice) -> None:
            _ = self.app._
            question = (_("Approve offer no. {id}?") if decision == "approve"
                        else _("Match offer no. {id} with {code}?")).format(
                id=offer["id"], code=community_code)
            details = Content.assemble(sent_text(self.app, notice), "\n",
                                       literal(notice.text) if notice.sends else "")
            self.app.push_screen(
                ConfirmDialog(question, _("Yes, approve") if decision == "approve"
                              else _("Yes, match"), details=details),
                lambda yes: yes and self.save(offer["id"], decision,
                                              community_code=community_code))

        self.act(lambda db: decision_notice(db, offer["id"], decision,
                                            community_code=community_code),
                 ask, self.failed(offer["id"], decision))

    def save(self, offer_id: int, decision: str, note: str = "",
             community_code: str | None = None) -> None:
        coordinator_id = self.coordinator_id

        def decide(db):
            message_id = decide_offer(db, offer_id, decision, coordinator_id=coordinator_id,
                                      note=note, community_code=community_code, now=utcnow())
            return message_id, decision_notice(db, offer_id, decision, note=note,
                                               community_code=community_code)

        self.act(decide, partial(self.decided, offer_id, decision, community_code),
                 self.failed(offer_id, decision))

    def decided(self, offer_id: int, decision: str, code: str | None, result) -> None:
        message_id, notice = result
        _ = self.app._
        sms = (_("SMS queued to the citizen {in_language}.").format(
            in_language=in_language(self.app, notice.language)) if message_id is not None
            else no_sms_text(self.app, notice.no_sms) or _("No SMS."))
        self.tell(f"{_(DONE[decision]).format(id=offer_id, name=code or '')} {sms}")
        self.reload(keep=offer_id)

    def failed(self, offer_id: int, decision: str):
        """Return what to do when the service refuses: find out why, and say so."""
        def find_status(error: FaellesError) -> None:
            self.act(lambda db: get_offer(db, offer_id)["status"],
                     partial(self.refused, offer_id, decision),
                     lambda gone: self.refused(offer_id, decision, None))
        return find_status

    def refused(self, offer_id: int, decision: str, status: str | None) -> None:
        """Say kindly that nothing changed, and why."""
        _ = self.app._
        if status is None:
            message = _("Offer no. {id} no longer exists.").format(id=offer_id)
        else:
            message = _(REFUSALS[decision]).format(id=offer_id,
                                                   status=label(OFFER_STATUSES, status, _))
        self.tell(message, "warning")
        self.reload(keep=offer_id)
