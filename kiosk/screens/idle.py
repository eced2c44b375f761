"""The countdown shown after a while without input, before the kiosk starts over."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# What "More time" adds to both time limits, for the rest of the visit. A time
# limit must be one the visitor can extend (EN 301 549 / WCAG 2.2.1).
MORE_TIME_S = 120.0
# Keys that move between the two buttons or press one, and the visitor's switches
# (large text, speech): every other key says "still here".
KEYS_FOR_THE_BUTTONS = {"tab", "shift+tab", "left", "right", "up", "down", "enter", "space",
                        "f2", "f3"}


class IdleScreen(ModalScreen):
    """Are you still there? Any key, or Yes, says so; More time gives longer."""

    BINDINGS = [Binding("left,up", "app.focus_previous", show=False),
                Binding("right,down", "app.focus_next", show=False)]

    def __init__(self, seconds_left: int):
        super().__init__(id="idle")
        self.seconds_left = max(1, seconds_left)
        self.first_countdown = ""

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="idle-box"):
            yield Static(_("Are you still there?"), classes="title", markup=False)
            self.first_countdown = self.countdown_text()
            yield Static(self.first_countdown, id="countdown", markup=False)
            yield Button(_("Yes, I am still here"), id="still-here", classes="choice")
            yield Button(_("More time"), id="more-time", classes="choice")

    def countdown_text(self) -> str:
        return self.app.ngettext(
            "Everything you entered will be cleared in {seconds} second.",
            "Everything you entered will be cleared in {seconds} seconds.",
            self.seconds_left).format(seconds=self.seconds_left)

    def spoken_texts(self) -> list[str]:
        """Say the question and the countdown as it first was, not again every second."""
        return [self.app._("Are you still there?"), self.first_countdown]

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        # From the app's clock, not by counting ticks: a busy machine skips ticks.
        app = self.app
        self.seconds_left = max(0, int(app.reset_limit - (app.clock() - app.last_input)))
        self.query_one("#countdown", Static).update(self.countdown_text())

    @on(Button.Pressed, "#still-here")
    def still_here(self) -> None:
        self.dismiss()

    @on(Button.Pressed, "#more-time")
    def more_time(self) -> None:
        """Give this visitor longer before the warning and the start over."""
        app = self.app
        app.extra_time += MORE_TIME_S
        app.last_input = app.clock()
        minutes = int(app.extra_time // 60)
        self.dismiss()
        app.notify(app.ngettext("You have been given {minutes} more minute.",
                                "You have been given {minutes} more minutes.",
                                minutes).format(minutes=minutes), markup=False)

    def on_descendant_focus(self) -> None:
        self.app.narrator.focus_moved()

    def on_key(self, event) -> None:
        if event.key in KEYS_FOR_THE_BUTTONS:
            return  # to the buttons: Tab or an arrow to More time, Enter to press it
        event.stop()
        self.dismiss()
