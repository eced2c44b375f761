"""One confirmation dialog: a question, what will happen, and Yes or Cancel."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.screens.base import literal
from kiosk.widgets.digits_input import DigitsInput


class ConfirmDialog(ModalScreen[bool]):
    """Ask before doing something; dismiss with True for yes, False for cancel or Escape.

    question and details may carry citizens' or coordinators' text: plain strings
    are shown literally. must_type asks for a few characters (the last digits of a
    number) before yes counts. A notice (notice=True) has only the one button.
    """

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
                               padding: 0 2 1 2; background: $primary; border: heavy $accent; }
    ConfirmDialog.-danger > Vertical { background: $danger-background; border: heavy $error; }
    ConfirmDialog #confirm-details { padding: 1 0 0 0; color: $foreground; }
    ConfirmDialog .buttons { height: auto; }
    ConfirmDialog .buttons Button { margin: 1 2 0 0; }
    """
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, question: str | Content, yes: str, *, details: str | Content = "",
                 must_type: str | None = None, type_prompt: str = "", wrong_typed: str = "",
                 danger: bool = False, notice: bool = False):
        super().__init__(id="confirm", classes="-danger" if danger else "")
        self.notice = notice
        self.question = question
        self.yes = yes
        self.details = details
        self.must_type = must_type
        self.type_prompt = type_prompt
        self.wrong_typed = wrong_typed
        self.danger = danger

    def compose(self) -> ComposeResult:
        def shown(text):
            return text if isinstance(text, Content) else literal(text)

        with Vertical():
            yield Static(shown(self.question), id="confirm-question", classes="title")
            if self.details:
                yield Static(shown(self.details), id="confirm-details")
            if self.must_type is not None:
                yield Static(self.type_prompt, classes="paragraph", markup=False)
                yield DigitsInput(id="confirm-typed", max_length=len(self.must_type))
                yield Static("", id="confirm-problem", classes="problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, id="confirm-yes", variant="error" if self.danger
                             else "default")
                if not self.notice:
                    yield Button(self.app._("Cancel (Esc)"), id="confirm-no")

    def on_mount(self) -> None:
        # A dangerous yes is never the default: Enter on the focus cancels.
        if self.must_type is not None:
            self.query_one("#confirm-typed").focus()
        else:
            self.query_one("#confirm-no" if self.danger else "#confirm-yes").focus()

    @on(Button.Pressed, "#confirm-yes")
    @on(Input.Submitted, "#confirm-typed")
    def action_yes(self) -> None:
        if self.must_type is not None and \
                self.query_one("#confirm-typed", Input).value != self.must_type:
            self.query_one("#confirm-problem", Static).update(self.wrong_typed)
            return
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)
