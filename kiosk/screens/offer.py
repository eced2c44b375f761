"""Offer help or things: category, description, town, an optional number, review, receipt."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, ContentSwitcher, Static, TextArea

from kiosk.rtl import DisplayText
from kiosk.screens.base import StepScreen
from kiosk.screens.forms import (category_tiles, checked_phone, chosen, describe_step, own_words,
                                 phone_field, problem_line, receipt_step, review_step,
                                 town_select)
from kiosk.widgets.cells import shown
from shared.clock import utcnow
from shared.i18n import N_
from shared.phones import display_phone
from shared.services.kiosk import submit_offer

CATEGORY_LABELS = {
    "time": N_("My time"),
    "knowhow": N_("Know-how"),
    "things": N_("Things to lend"),
    "room": N_("A room"),
    "transport": N_("A lift"),
    "initiative": N_("Start something new"),
}


def labelled(label: str, value: str) -> str:
    """Return 'label: value' ready to draw, the value as typed."""
    # Put together before drawing: an Arabic label drawn first and the value
    # added after would stand in the wrong order on the line.
    if isinstance(label, DisplayText):
        return DisplayText(f"{label.logical}: {value}")
    return f"{label}: {value}"


class OfferScreen(StepScreen):
    """Offer something in five short steps."""

    STEPS = ("category", "describe", "details", "review")

    def __init__(self):
        super().__init__(id="offer")
        self.category: str | None = None
        self.phone: str | None = None

    def compose(self) -> ComposeResult:
        _ = self._
        yield from self.title_bar(_("Offer help or things"))
        yield problem_line()
        with ContentSwitcher(initial="step-category", classes="body"):
            with Vertical(id="step-category"):
                yield Static(_("What would you like to offer?"), classes="question",
                             markup=False)
                yield category_tiles(self.app, CATEGORY_LABELS)
            yield describe_step(self.app, _(
                "Tell us about it in a few words. For example: I can drive a neighbour to the "
                "doctor on Tuesdays."))
            with Vertical(id="step-details"):
                yield Static(_("Where? (optional)"), classes="question", markup=False)
                yield town_select(self.app)
                yield Static(_("Your phone number, so a coordinator can text you "
                               "(optional)."), classes="paragraph", markup=False)
                yield from phone_field(self.app)
                yield Button(_("Next"), id="details-done", classes="primary")
            yield review_step(self.app, _("Yes, send my offer"))
            yield receipt_step(self.app)

    def on_mount(self) -> None:
        self.show_step("category")

    @on(Button.Pressed, ".tile")
    def choose_category(self, event: Button.Pressed) -> None:
        self.category = event.button.id.removeprefix("category-")
        self.show_step("describe")
        self.query_one("#description", TextArea).focus()

    @on(Button.Pressed, "#describe-done")
    def describe_done(self) -> None:
        if own_words(self) is not None:
            self.show_step("details")

    @on(Button.Pressed, "#details-done")
    def details_done(self) -> None:
        try:
            self.phone = checked_phone(self.app, self.query_one("#phone").value,
                                       required=False)
        except ValueError as problem:
            self.problem(str(problem))
            return
        self.show_review()
        self.show_step("review")

    def show_review(self) -> None:
        _ = self._
        town = chosen(self.query_one("#town"))
        description = own_words(self)
        # One Content, never parsed as markup: the description is the citizen's own,
        # drawn as every citizen's text is (Arabic in the order the eye reads it).
        summary = "\n".join(shown(line) for line in [
            labelled(_(CATEGORY_LABELS[self.category]), description),
            _("Town: {town}").format(town=town or _("not given")),
            _("Phone: {phone}").format(phone=display_phone(self.phone) if self.phone
                                       else _("not given")),
        ])
        self.query_one("#review", Static).update(Content(summary))

    @on(Button.Pressed, "#change")
    def change(self) -> None:
        self.show_step("describe")

    @on(Button.Pressed, "#send")
    def send(self) -> None:
        self.save(dict(description=self.query_one("#description", TextArea).text,
                       category=self.category, town=chosen(self.query_one("#town")),
                       phone=self.phone, language=self.app.locale,
                       location=self.app.location,
                       allowed_codes=self.app.settings.allowed_country_codes))

    @work(thread=True, exit_on_error=False, exclusive=True)
    def save(self, offer: dict) -> None:
        """Store the offer on a connection of this worker thread's own."""
        with self.app.store() as db:
            offer_id = submit_offer(db, **offer, now=utcnow())
        self.app.call_from_thread(self.show_receipt, offer_id)

    def show_receipt(self, offer_id: int) -> None:
        _ = self._
        text = _("Thank you! Your offer has number {number}. A coordinator will look at it "
                 "within a few days.").format(number=offer_id)
        if self.phone:
            text += " " + _("We will text you when they have.")
        else:
            text += " " + _("Write the number down if you would like to ask about it.")
        self.query_one("#receipt", Static).update(text)
        self.show_step("receipt")

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.go_home()
