"""Write the words a decision sends (a question, a reason, an answer), seeing the SMS live."""

from __future__ import annotations

from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from kiosk.screens.base import literal
from kiosk.widgets.sms_counter import SmsCounter
from shared.services.coordinator import Notice


class MessageDialog(ModalScreen[str | None]):
    """Dismiss with the text written, or None when cancelled.

    preview(db, text) returns the Notice the service would send for the text;
    it runs in a worker, as every database call does.
    """

    DEFAULT_CSS = """
    MessageDialog { align: center middle; }
    MessageDialog > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
                               padding: 0 2 1 2; background: $primary; border: heavy $accent; }
    MessageDialog #message-original { max-height: 5; }
    MessageDialog TextArea { height: 6; }
    MessageDialog #message-problem { padding: 0; }
    MessageDialog .buttons { height: auto; }
    MessageDialog .buttons Button { margin: 1 2 0 0; }
    """
    BINDINGS = [Binding("escape", "cancel", show=False),
                Binding("ctrl+s", "send", show=False)]

    def __init__(self, *, title: str, original: str, placeholder: str, send: str,
                 preview: Callable[..., Notice], required: str | None = None,
                 multiline: bool = False, max_length: int = 0):
        super().__init__(id="message-dialog")
        self.title_text = title
        self.original = original
        self.placeholder = placeholder
        self.send_label = send
        self.preview = preview
        self.required = required  # the problem shown when sent empty, if it may not be
        self.multiline = multiline
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield Static(literal(self.original), id="message-original")
            if self.multiline:
                yield TextArea(id="message-text", placeholder=self.placeholder)
            else:
                yield Input(placeholder=self.placeholder, id="message-text",
                            max_length=self.max_length)
            yield SmsCounter(id="message-counter")
            yield Static("", id="message-problem", classes="problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.send_label, id="message-send", classes="primary")
                yield Button(_("Cancel (Esc)"), id="message-cancel", classes="small")

    def on_mount(self) -> None:
        self.query_one("#message-text").focus()
        self.measure(self.text())

    def text(self) -> str:
        widget = self.query_one("#message-text")
        return widget.text if self.multiline else widget.value

    @on(Input.Changed)
    @on(TextArea.Changed)
    def changed(self) -> None:
        self.measure(self.text())

    @work(thread=True, exit_on_error=False, exclusive=True, group="preview")
    def measure(self, text: str, sending: bool = False) -> None:
        with self.app.store() as db:
            notice = self.preview(db, text)
        self.app.call_from_thread(self.measured, notice, text, sending)

    def measured(self, notice: Notice, text: str, sending: bool) -> None:
        self.query_one(SmsCounter).show(notice)
        if not sending:
            return
        problem = self.query_one("#message-problem", Static)
        if self.required and not text.strip():
            problem.update(self.required)
        elif notice.sends and not notice.fits:
            # The service refuses an SMS over budget rather than cut the words. The
            # counter above already says so, in red: a second line would only repeat
            # it, so the words stay for shortening.
            problem.update("")
            self.query_one("#message-text").focus()
            self.app.bell()
        else:
            self.dismiss(text)

    @on(Input.Submitted)
    @on(Button.Pressed, "#message-send")
    def action_send(self) -> None:
        self.measure(self.text(), sending=True)

    @on(Button.Pressed, "#message-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
