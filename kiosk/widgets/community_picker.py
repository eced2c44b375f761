"""Choose a community: type to narrow, arrows and Enter to choose."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.screens.base import literal


class CommunityPicker(ModalScreen[str | None]):
    """Dismiss with the chosen community's code, or None."""

    DEFAULT_CSS = """
    CommunityPicker { align: center middle; }
    CommunityPicker > Vertical { width: 90; max-width: 100%; height: 80%; padding: 0 2 1 2;
                                 background: $primary; border: heavy $accent; }
    CommunityPicker OptionList { height: 1fr; margin: 1 0 0 0; }
    """
    BINDINGS = [Binding("escape", "cancel", show=False),
                Binding("down", "to_list", show=False)]

    def __init__(self, title: str, communities: list[dict]):
        super().__init__(id="community-picker")
        self.title_text = title
        self.communities = communities

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield Input(placeholder=_("Type to find a code, name or town"), id="community-find")
            yield OptionList(*self.options(""), id="community-list")
            yield Static(_("↑↓ choose · Enter match · Esc cancel"), markup=False)

    def options(self, wanted: str) -> list[Option]:
        wanted = wanted.strip().casefold()
        return [
            Option(Content.assemble((c["code"], "bold"), "  ", literal(c["name"]), " · ",
                                    literal(c["town"])), id=c["code"])
            for c in self.communities
            if wanted in f"{c['code']} {c['name']} {c['town']}".casefold()
        ]

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.query_one(OptionList).highlighted = 0 if self.communities else None

    @on(Input.Changed)
    def narrow(self, event: Input.Changed) -> None:
        found = self.query_one(OptionList)
        found.set_options(self.options(event.value))
        found.highlighted = 0 if found.option_count else None

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    @on(Input.Submitted)
    def choose_highlighted(self) -> None:
        found = self.query_one(OptionList)
        if found.highlighted is not None:
            self.dismiss(found.get_option_at_index(found.highlighted).id)

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
