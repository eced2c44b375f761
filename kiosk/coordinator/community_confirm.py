"""A yes/no question before a coordinator does something that cannot be undone."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.screens.base import literal


class CommunityConfirmScreen(ModalScreen[bool]):
    """Ask a question; dismiss with True for yes, False for no or Escape."""

    DEFAULT_CSS = """
    CommunityConfirmScreen { align: center middle; }
    #confirm-box { width: 72; height: auto; padding: 1 2; background: #003b73;
                   border: heavy #ffff66; }
    #confirm-box Button { margin: 1 2 0 0; }
    #confirm-buttons { height: auto; }
    """
    BINDINGS = [("escape", "no", "")]

    def __init__(self, question: str, yes: str):
        super().__init__(id="community-confirm")
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            # The question names a community: coordinator text, shown literally.
            yield Static(literal(self.question), id="question")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.yes, id="yes", classes="modal-button")
                yield Button(self.app._("Cancel"), id="no", classes="modal-button")

    def on_mount(self) -> None:
        self.query_one("#no").focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)
