"""What every kiosk screen shares: a title bar, a way back, and literal citizen text."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, OptionList, Select, Static

from kiosk.speech import screen_texts
from kiosk.widgets.cells import shown


def literal(text: str | None) -> Content:
    """Return text to show exactly as typed: no markup, no control characters, Arabic readable."""
    # Textual would run [@click=...] as an action and crash on [/x]; Content()
    # never parses markup, and shown() drops ESC/OSC sequences and bidi tricks.
    return Content(shown(text))


class KioskScreen(Screen):
    """A kiosk screen with a title, a Back button, Escape to go back, and the visitor's
    switches for large text and reading aloud."""

    BINDINGS = [Binding("escape", "back", show=False)]
    TITLE_TEXT = ""

    def _(self, message: str) -> str:
        return self.app._(message)

    def title_bar(self, title: str) -> ComposeResult:
        with Horizontal(classes="title-bar"):
            yield Button(self._("← Back"), id="back", classes="back")
            yield Static(title, classes="title", markup=False)
            yield from self.access_buttons()

    def access_buttons(self) -> ComposeResult:
        """The visitor's switches (also F2 and F3); reading aloud where espeak-ng is."""
        yield Button(self._("Large text"), id="large-text", classes="access")
        if self.app.narrator.can_speak:
            yield Button(self._("Read aloud"), id="read-aloud", classes="access")

    def spoken_texts(self) -> list[str]:
        """Return what the screen says now, for reading aloud."""
        return screen_texts(self)

    def action_back(self) -> None:
        """Go one screen back (Home stays)."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"back": self.action_back, "large-text": self.app.action_toggle_large_text,
                   "read-aloud": self.app.action_toggle_speech}
        if event.button.id in actions:
            event.stop()
            actions[event.button.id]()

    def on_descendant_focus(self) -> None:
        self.app.narrator.focus_moved()

    @on(OptionList.OptionHighlighted)
    def option_moved(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.has_focus:  # an arrow key, not a list refilled as one types
            self.app.narrator.focus_moved()

    @on(Select.Changed)
    def option_chosen(self) -> None:
        self.app.narrator.focus_moved()

    def go_home(self) -> None:
        self.app.start_over()

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble in Textual 8: hand it to the app,
        # which tells the visitor kindly that something went wrong.
        self.app.on_worker_state_changed(event)


class StepScreen(KioskScreen):
    """A screen that asks one thing at a time: a ContentSwitcher of #step-NAME parts.

    STEPS lists the steps Back walks through; Back from the first calls leave().
    """

    STEPS: tuple[str, ...] = ()
    # Step -> the control to focus instead of its first, where Enter on the first
    # would choose something (a rating of 1, say) the visitor never meant.
    FIRST_FOCUS: dict[str, str] = {}

    def show_step(self, step: str) -> None:
        """Show one step, clear any problem line, and focus its first (or safe) control."""
        self.problem("")
        self.query_one(ContentSwitcher).current = f"step-{step}"
        if step in self.FIRST_FOCUS:
            self.query_one(self.FIRST_FOCUS[step]).focus()
            return
        focusable = self.query_one(f"#step-{step}").query("Button, TextArea, Input, Select")
        if focusable:
            first = focusable.first()
            first.focus()
            # A step's text is often filled in just before it is shown: once it is
            # laid out, bring the focused control back into view if it pushed it down.
            self.call_after_refresh(first.scroll_visible, animate=False)

    def problem(self, text: str) -> None:
        """Say kindly what is wrong (our own words, never markup)."""
        self.query_one("#problem", Static).update(text)

    def action_back(self) -> None:
        """Go back one step, or leave the screen from the first."""
        current = self.query_one(ContentSwitcher).current.removeprefix("step-")
        if current in self.STEPS[1:]:
            self.show_step(self.STEPS[self.STEPS.index(current) - 1])
        else:
            self.leave()

    def leave(self) -> None:
        """Where Back goes from the first step: Home, unless a screen says otherwise."""
        self.go_home()
