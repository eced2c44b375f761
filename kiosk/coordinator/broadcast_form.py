"""Write an SMS to every member of a community, with a live preview of size, reach and cost."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from kiosk.screens.base import literal
from kiosk.widgets.confirm import ConfirmDialog
from shared.broadcasts import MAX_BODY, Audience, Estimate, audience, estimate_broadcast
from shared.clock import utcnow
from shared.communities import get_community
from shared.errors import FaellesError
from shared.services.coordinator import broadcast


def money(app, amount) -> str:
    """Return an amount of the SMS currency as people read it in the kiosk's language."""
    from babel.numbers import format_currency

    from shared.broadcasts import CURRENCY

    return format_currency(amount, CURRENCY, locale=app.locale)


class BroadcastScreen(ModalScreen):
    """Write the text, see what it costs, confirm, send; dismiss with the Broadcast or None."""

    DEFAULT_CSS = """
    BroadcastScreen { align: center middle; }
    #broadcast-box { width: 100; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                     background: $surface; border: heavy $accent; }
    #broadcast-box TextArea { height: 5; }
    #broadcast-box .preview { height: auto; }
    #broadcast-buttons { height: auto; }
    #broadcast-buttons Button { margin: 1 2 0 0; }
    """
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self, code: str, coordinator_id: int):
        super().__init__(id="broadcast")
        self.code = code
        self.coordinator_id = coordinator_id
        self.audience = Audience(0, 0)
        self.community_name = ""

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="broadcast-box"):
            yield Static("", id="broadcast-title", classes="title")
            yield TextArea(id="body", soft_wrap=True, tab_behavior="focus",
                           placeholder=_("Write the SMS here."))
            yield Static("", id="preview-size", classes="preview", markup=False)
            yield Static("", id="preview-encoding", classes="preview", markup=False)
            yield Static("", id="preview-recipients", classes="preview", markup=False)
            yield Static("", id="preview-cost", classes="preview", markup=False)
            yield Static("", id="preview-when", classes="preview", markup=False)
            yield Static("", id="problem", classes="problem", markup=False)
            with Horizontal(id="broadcast-buttons"):
                yield Button(_("Send"), id="send", classes="modal-button", disabled=True)
                yield Button(_("Cancel"), id="cancel", classes="modal-button")

    def on_mount(self) -> None:
        self.show_preview()
        self.query_one("#body", TextArea).focus()
        self.load_audience()

    @work(thread=True, exit_on_error=False, group="audience")
    def load_audience(self) -> None:
        with self.app.store() as db:
            name = get_community(db, self.code, self.app.locale)["name"] or ""
            reach = audience(db, self.code)
        self.app.call_from_thread(self.show_audience, name, reach)

    def show_audience(self, name: str, reach: Audience) -> None:
        self.community_name, self.audience = name, reach
        self.query_one("#broadcast-title", Static).update(literal(
            self.app._("SMS to the members of {code}: {name}").format(code=self.code,
                                                                     name=name)))
        self.show_preview()

    def estimate(self) -> Estimate:
        settings = self.app.settings
        return estimate_broadcast(self.query_one("#body", TextArea).text, self.audience,
                                  now=utcnow(), quiet_start=settings.quiet_start,
                                  quiet_end=settings.quiet_end)

    @on(TextArea.Changed, "#body")
    def show_preview(self) -> None:
        _, ngettext = self.app._, self.app.ngettext
        estimate = self.estimate()
        segments = ngettext("{n} segment", "{n} segments", estimate.segments).format(
            n=estimate.segments)
        self.query_one("#preview-size", Static).update(
            _("{characters} · {encoding} · {segments} per SMS").format(
                characters=ngettext("{n} character", "{n} characters",
                                    estimate.characters).format(n=estimate.characters),
                encoding=estimate.encoding, segments=segments))
        self.query_one("#preview-encoding", Static).update(
            _("A character outside GSM-7 (an emoji, for example): each segment holds "
              "70 characters instead of 160.") if estimate.encoding == "UCS-2" else "")
        recipients = ngettext("{n} recipient", "{n} recipients", estimate.recipients).format(
            n=estimate.recipients)
        if estimate.opted_out:
            recipients += " " + ngettext(
                "({n} member has opted out and gets nothing)",
                "({n} members have opted out and get nothing)",
                estimate.opted_out).format(n=estimate.opted_out)
        self.query_one("#preview-recipients", Static).update(recipients)
        self.query_one("#preview-cost", Static).update(
            _("In all: {segments}, about {cost}").format(
                segments=ngettext("{n} segment", "{n} segments",
                                  estimate.total_segments).format(n=estimate.total_segments),
                cost=money(self.app, estimate.cost)))
        self.query_one("#preview-when", Static).update(
            _("Quiet hours: it will be sent from {time}.").format(
                time=estimate.held_until.strftime("%H:%M"))
            if estimate.held_until else _("It will be sent right away."))
        problem = ""
        if estimate.too_long:
            problem = _("The text is too long: at most {n} characters.").format(n=MAX_BODY)
        elif not estimate.recipients:
            problem = _("Nobody in this community can get SMS.")
        self.query_one("#problem", Static).update(problem)
        self.query_one("#send", Button).disabled = bool(
            problem or not estimate.characters)

    @on(Button.Pressed, "#send")
    def ask_to_send(self) -> None:
        estimate = self.estimate()
        question = self.app.ngettext(
            "Send this SMS to {n} member of {name}? Estimated cost: {cost}",
            "Send this SMS to {n} members of {name}? Estimated cost: {cost}",
            estimate.recipients).format(n=estimate.recipients, name=self.community_name,
                                        cost=money(self.app, estimate.cost))
        self.app.push_screen(ConfirmDialog(question, self.app._("Yes, send it")), self.send)

    def send(self, confirmed: bool | None) -> None:
        if confirmed:
            settings = self.app.settings
            self.queue(self.query_one("#body", TextArea).text, settings.quiet_start,
                       settings.quiet_end)

    @work(thread=True, exit_on_error=False, group="send")
    def queue(self, body: str, quiet_start, quiet_end) -> None:
        try:
            with self.app.store() as db:
                sent = broadcast(db, self.code, body, coordinator_id=self.coordinator_id,
                                 now=utcnow(), quiet_start=quiet_start, quiet_end=quiet_end)
        except FaellesError as exc:
            self.app.call_from_thread(self.query_one("#problem", Static).update,
                                      literal(str(exc)))
            return
        self.app.call_from_thread(self.dismiss, sent)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
