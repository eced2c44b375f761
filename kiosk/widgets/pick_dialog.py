"""Choose one of a list with the arrows and Enter; dismiss with its value, or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class PickDialog(ModalScreen[object | None]):
    """A title, a list of choices that may span lines, and a line saying the keys.

    Each choice is (what is shown, its value). Shown text that carries citizens'
    words must come as Content: plain strings are taken literally too.
    """

    DEFAULT_CSS = """
    PickDialog { align: center middle; }
    PickDialog > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
                            padding: 0 1; background: $primary; border: heavy $accent; }
    PickDialog OptionList { height: auto; max-height: 1fr; margin: 1 0 0 0; }
    PickDialog .keys { margin: 1 0 0 0; color: $foreground-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, title: str, choices: list[tuple[str | Content, object]], keys: str):
        super().__init__(id="pick")
        self.title_text = title
        self.choices = choices
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            options: list[Option | None] = []
            for number, (shown, _value) in enumerate(self.choices):
                if number:
                    options.append(None)  # a rule between choices of several lines
                options.append(Option(shown if isinstance(shown, Content) else Content(shown),
                                      id=str(number)))
            yield OptionList(*options, id="pick-list")
            yield Static(self.keys, classes="keys", markup=False)

    def on_mount(self) -> None:
        found = self.query_one(OptionList)
        found.highlighted = 0 if self.choices else None
        found.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
