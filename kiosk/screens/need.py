"""Ask for a hand: what, kind, town, when, a number proven by SMS code, review, receipt."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, ContentSwitcher, Input, Static

from kiosk.screens.forms import (category_tiles, chosen, describe_step, own_words,
                                 problem_line, receipt_step, review_step, town_select)
from kiosk.screens.number_proof import NumberProofScreen, cannot_text
from shared.clock import utcnow
from shared.i18n import N_
from shared.needs import MAX_WHEN
from shared.phones import display_phone
from shared.services.kiosk import submit_need_with_proven_number
from shared.sms_text import sanitise
from shared.verification import CannotText

# The offer's categories, in the words of the one who needs the help.
KIND_LABELS = {
    "time": N_("Someone with time"),
    "knowhow": N_("Advice or know-how"),
    "things": N_("Something to borrow"),
    "room": N_("A room"),
    "transport": N_("A lift"),
    "initiative": N_("Something new in town"),
}


class NeedScreen(NumberProofScreen):
    """Ask for a hand in a few short steps; the number is required, so we can text back."""

    # Back from the review goes to the number: it is what was proven last.
    STEPS = ("describe", "kind", "details", "phone", "review")

    def __init__(self):
        super().__init__(id="need")
        self.kind: str | None = None
        self.phone: str | None = None  # proven by the code

    def compose(self) -> ComposeResult:
        _ = self._
        yield from self.title_bar(_("I need a hand"))
        yield problem_line()
        with ContentSwitcher(initial="step-describe", classes="body"):
            yield describe_step(self.app, _(
                "What do you need a hand with? Write it in your own words. For example: I need "
                "a lift to the doctor on Thursday."))
            with Vertical(id="step-kind"):
                yield Static(_("What kind of help is it? (optional)"), classes="question",
                             markup=False)
                yield category_tiles(self.app, KIND_LABELS)
                yield Button(_("Skip"), id="kind-skip", classes="small")
            with Vertical(id="step-details"):
                yield Static(_("Where? (optional)"), classes="question", markup=False)
                yield town_select(self.app)
                yield Static(_("When? (optional)"), classes="paragraph", markup=False)
                yield Input(placeholder=_("For example: Thursday morning"), id="when",
                            max_length=MAX_WHEN)
                yield Button(_("Next"), id="details-done", classes="primary")
            yield from self.number_steps(why=_(
                "We need your number to text you when someone can help."))
            yield review_step(self.app, _("Yes, ask for a hand"))
            yield receipt_step(self.app)

    def on_mount(self) -> None:
        self.show_step("describe")

    @on(Button.Pressed, "#describe-done")
    def describe_done(self) -> None:
        if own_words(self) is not None:
            self.show_step("kind")

    @on(Button.Pressed, ".tile, #kind-skip")
    def choose_kind(self, event: Button.Pressed) -> None:
        kind = event.button.id.removeprefix("category-")
        self.kind = None if kind == "kind-skip" else kind
        self.show_step("details")

    @on(Button.Pressed, "#details-done")
    @on(Input.Submitted, "#when")
    def details_done(self) -> None:
        if self.phone:  # proven earlier in this visit: no second code
            self.show_review()
        else:
            self.show_step("phone")

    def number_proven(self, phone: str) -> None:
        self.phone = phone
        self.show_review()

    def show_review(self) -> None:
        _ = self._
        not_given = _("not given")
        # One Content, never parsed as markup: what and when are the citizen's own words.
        summary = "\n".join([
            _("What: {text}").format(text=own_words(self)),
            _("Kind: {kind}").format(kind=_(KIND_LABELS[self.kind]) if self.kind
                                     else not_given),
            _("Town: {town}").format(town=chosen(self.query_one("#town")) or not_given),
            _("When: {when}").format(when=self.needed_when() or not_given),
            _("Phone: {phone}").format(phone=display_phone(self.phone)),
        ])
        self.query_one("#review", Static).update(Content(summary))
        self.show_step("review")

    def needed_when(self) -> str:
        return sanitise(self.query_one("#when", Input).value)

    @on(Button.Pressed, "#change")
    def change(self) -> None:
        self.show_step("describe")

    @on(Button.Pressed, "#send")
    def send(self) -> None:
        self.save(dict(phone=self.phone, description=own_words(self), category=self.kind,
                       town=chosen(self.query_one("#town")), needed_when=self.needed_when(),
                       language=self.app.locale, location=self.app.location))

    @work(thread=True, exit_on_error=False, exclusive=True)
    def save(self, need: dict) -> None:
        """Store the need on the kiosk's connection, lent to this worker thread."""
        try:
            with self.app.store() as db:
                recorded = submit_need_with_proven_number(db, **need, now=utcnow())
        except CannotText:  # it opted out since the code came
            self.app.call_from_thread(self.problem, cannot_text(self.app))
        else:
            self.app.call_from_thread(self.show_receipt, recorded.need_id)

    def show_receipt(self, need_id: int) -> None:
        self.query_one("#receipt", Static).update(self._(
            "Thank you! We have written it down as number {number}. A coordinator will look "
            "for someone who can help, and we will text you.").format(number=need_id))
        self.show_step("receipt")

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.go_home()
