"""The countdown shown after a while without input, before the kiosk starts over."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class IdleScreen(ModalScreen):
    """Are you still there? Any key or touch says yes."""

    def __init__(self, seconds_left: int):
        super().__init__(id="idle")
        self.seconds_left = max(1, seconds_left)

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="idle-box"):
            yield Static(_("Are you still there?"), classes="title", markup=False)
            yield Static(self.countdown_text(), id="countdown", markup=False)
            yield Button(_("Yes, I am still here"), id="still-here", classes="choice")

    def countdown_text(self) -> str:
        return self.app.ngettext(
            "Everything you entered will be cleared in {seconds} second.",
            "Everything you entered will be cleared in {seconds} seconds.",
            self.seconds_left).format(seconds=self.seconds_left)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        # From the app's clock, not by counting ticks: a busy machine skips ticks.
        app = self.app
        self.seconds_left = max(0, int(app.reset_after - (app.clock() - app.last_input)))
        self.query_one("#countdown", Static).update(self.countdown_text())

    @on(Button.Pressed, "#still-here")
    def still_here(self) -> None:
        self.dismiss()

    def on_key(self, event) -> None:
        event.stop()
        self.dismiss()
