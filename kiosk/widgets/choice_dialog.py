"""Choose one of a few answers with big buttons; dismiss with its value, or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.screens.base import literal


class ChoiceDialog(ModalScreen[str | None]):
    """A question (shown literally) and one button per choice, plus Cancel."""

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
                              padding: 0 2 1 2; background: $primary; border: heavy $accent; }
    ChoiceDialog .buttons { height: auto; }
    ChoiceDialog .buttons Button { margin: 1 2 0 0; }
    ChoiceDialog .buttons.stacked { layout: vertical; margin: 1 0 0 0; }
    ChoiceDialog .buttons.stacked Button { width: 100%; margin: 0 0 1 0; }
    """
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, question: str, choices: list[tuple[str, str]], *, stacked: bool = False):
        super().__init__(id="choice")
        self.question = question
        self.choices = choices  # (label, value)
        self.stacked = stacked  # one button under the other: more choices than fit in a row

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.question), id="choice-question", classes="title")
            with Horizontal(classes="buttons stacked" if self.stacked else "buttons"):
                for number, (label, _value) in enumerate(self.choices):
                    yield Button(label, id=f"choice-{number}", classes="choice-button",
                                 compact=self.stacked)
                yield Button(self.app._("Cancel (Esc)"), id="choice-cancel",
                             compact=self.stacked)

    def on_mount(self) -> None:
        self.query_one("#choice-0").focus()

    @on(Button.Pressed, ".choice-button")
    def chosen(self, event: Button.Pressed) -> None:
        self.dismiss(self.choices[int(event.button.id.removeprefix("choice-"))][1])

    @on(Button.Pressed, "#choice-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
