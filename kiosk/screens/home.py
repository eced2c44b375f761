"""Home: four big choices, the languages, and what happens to your data."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button, Static

from kiosk.rtl import for_display, is_rtl
from kiosk.screens.base import KioskScreen
from shared.digits import digit_forms
from shared.i18n import language_name
from shared.phones import display_phone


class HomeScreen(KioskScreen):
    """The first screen every visitor sees."""

    # 1 to 4 as any keyboard types them: an Arabic one sends ١ for 1.
    BINDINGS = [Binding(",".join(digit_forms(1)), "open('offer')", show=False),
                Binding(",".join(digit_forms(2)), "open('communities')", show=False),
                Binding(",".join(digit_forms(3)), "open('feedback')", show=False),
                Binding(",".join(digit_forms(4)), "open('need')", show=False),
                # For staff: not shown, and harmless to a visitor who finds it.
                Binding("ctrl+k", "app.ask_for_pin", show=False)]

    def __init__(self):
        super().__init__(id="home")

    def compose(self) -> ComposeResult:
        _ = self._
        app = self.app
        with VerticalScroll(id="home-body"):
            with Horizontal(id="home-head"):
                yield Static(_("Welcome to Fælles"), classes="title", markup=False)
                if app.location:  # where this kiosk stands, like a sign on the wall
                    yield Static(app.location, id="location", markup=False)
                yield from self.access_buttons()
            yield Static(_("Here you can lend a hand or ask for one, find a community, or "
                           "tell us what you think. Choose one of the big buttons."),
                         classes="lead", markup=False)
            with Grid(id="choices", classes="tiles"):
                yield Button(_("1  Offer help or things"), id="offer", classes="choice")
                yield Button(_("2  Find a community"), id="communities", classes="choice")
                yield Button(_("3  Praise, complaints and ideas"), id="feedback",
                             classes="choice")
                yield Button(_("4  I need a hand"), id="need", classes="choice")
            # Six languages in their own names and About share a row at 80 columns,
            # so the number to text fits on one line under them.
            with Horizontal(id="languages"):
                for locale in app.languages:
                    name = language_name(locale)
                    button = Button(for_display(name) if is_rtl(locale) else name,
                                    id=f"lang-{locale}", classes="language")
                    button.set_class(locale == app.locale, "current")
                    yield button
                yield Button(_("About your data"), id="about", classes="about")
            if app.settings.sms_number:
                yield Static(_("You can also text us on {number}. Send HELP to see how.")
                             .format(number=display_phone(app.settings.sms_number)),
                             id="sms-number", classes="lead", markup=False)

    def on_mount(self) -> None:
        self.focus_first()

    def focus_first(self) -> None:
        """Give the first big choice the focus, so Enter works at once."""
        self.query_one("#offer").focus()

    def action_open(self, name: str) -> None:
        from kiosk.screens.communities import CommunitiesScreen
        from kiosk.screens.feedback import FeedbackScreen
        from kiosk.screens.need import NeedScreen
        from kiosk.screens.offer import OfferScreen

        screens = {"offer": OfferScreen, "communities": CommunitiesScreen,
                   "feedback": FeedbackScreen, "need": NeedScreen}
        self.app.push_screen(screens[name]())

    @on(Button.Pressed, "#offer, #communities, #feedback, #need")
    def choose(self, event: Button.Pressed) -> None:
        self.action_open(event.button.id)

    @on(Button.Pressed, ".language")
    def choose_language(self, event: Button.Pressed) -> None:
        self.app.set_language(event.button.id.removeprefix("lang-"))

    @on(Button.Pressed, "#about")
    def about(self) -> None:
        from kiosk.screens.about import AboutScreen

        self.app.push_screen(AboutScreen())

    def action_back(self) -> None:
        """Home is as far back as a visitor can go."""
