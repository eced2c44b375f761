"""Ris, ros or an idea: kind, a rating with faces, the text, town, and an optional number."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, ContentSwitcher, Static, TextArea

from kiosk.screens.base import StepScreen
from kiosk.screens.forms import checked_phone, chosen, phone_field, problem_line, town_select
from shared.clock import utcnow
from shared.services.kiosk import submit_feedback

FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


class FeedbackScreen(StepScreen):
    """Give feedback in four short steps."""

    STEPS = ("kind", "rating", "text", "details")
    # A stray Enter on arrival skips the rating rather than giving the worst one.
    FIRST_FOCUS = {"rating": "#rating-skip"}
    # The faces carry their numbers: the number keys choose them, as on Home.
    BINDINGS = [Binding(str(value), f"rate({value})", show=False) for value in FACES]

    def __init__(self):
        super().__init__(id="feedback")
        self.kind: str | None = None
        self.rating: int | None = None

    def compose(self) -> ComposeResult:
        _ = self._
        yield from self.title_bar(_("Praise, complaints and ideas"))
        yield problem_line()
        with ContentSwitcher(initial="step-kind", classes="body"):
            with Vertical(id="step-kind"):
                yield Static(_("What would you like to tell us?"), classes="question",
                             markup=False)
                with Grid(classes="tiles three"):
                    yield Button(_("Praise (ros)"), id="kind-ros", classes="tile")
                    yield Button(_("Complaint (ris)"), id="kind-ris", classes="tile")
                    yield Button(_("Idea (idé)"), id="kind-ide", classes="tile")
            with Vertical(id="step-rating"):
                yield Static(_("How happy are you? Choose a face, or skip."),
                             classes="question", markup=False)
                with Horizontal(classes="faces"):
                    for value, face in FACES.items():
                        yield Button(f"{face} {value}", id=f"rating-{value}", classes="face")
                yield Button(_("Skip"), id="rating-skip", classes="small")
            with Vertical(id="step-text"):
                yield Static(_("Write it here, in your own words."), classes="question",
                             markup=False)
                yield TextArea(id="text")
                yield Button(_("Next"), id="text-done", classes="primary")
            with Vertical(id="step-details"):
                yield Static(_("Which town is it about? (optional)"), classes="question",
                             markup=False)
                yield town_select(self.app)
                yield Static(_("Would you like an answer? Then give your phone number. "
                               "Without it your feedback is anonymous."),
                             classes="paragraph", markup=False)
                yield from phone_field(self.app)
                yield Button(_("Send"), id="send", classes="primary")
            with Vertical(id="step-thanks"):
                yield Static("", id="thanks", classes="question", markup=False)
                yield Button(_("Back to start"), id="home", classes="choice")


    def on_mount(self) -> None:
        self.show_step("kind")

    @on(Button.Pressed, "#kind-ros, #kind-ris, #kind-ide")
    def choose_kind(self, event: Button.Pressed) -> None:
        self.kind = event.button.id.removeprefix("kind-")
        self.show_step("rating")

    @on(Button.Pressed, ".face, #rating-skip")
    def choose_rating(self, event: Button.Pressed) -> None:
        value = event.button.id.removeprefix("rating-")
        self.action_rate(None if value == "skip" else int(value))

    def check_action(self, action: str, parameters: tuple) -> bool:
        # The number keys rate only while the faces are shown.
        if action == "rate":
            return self.query_one(ContentSwitcher).current == "step-rating"
        return True

    def action_rate(self, value: int | None) -> None:
        self.rating = value
        self.show_step("text")
        self.query_one("#text", TextArea).focus()

    @on(Button.Pressed, "#text-done")
    def text_done(self) -> None:
        if not self.query_one("#text", TextArea).text.strip():
            self.problem(self._("Please write a few words first."))
            return
        self.show_step("details")

    @on(Button.Pressed, "#send")
    def send(self) -> None:
        try:
            phone = checked_phone(self.app, self.query_one("#phone").value, required=False)
        except ValueError as problem:
            self.problem(str(problem))
            return
        self.save(dict(kind=self.kind, text=self.query_one("#text", TextArea).text,
                       rating=self.rating, town=chosen(self.query_one("#town")), phone=phone,
                       language=self.app.locale, location=self.app.location,
                       allowed_codes=self.app.settings.allowed_country_codes))

    @work(thread=True, exit_on_error=False, exclusive=True)
    def save(self, feedback: dict) -> None:
        """Store the feedback on a connection of this worker thread's own."""
        with self.app.store() as db:
            submit_feedback(db, **feedback, now=utcnow())
        self.app.call_from_thread(self.thanked, feedback["phone"] is not None)

    def thanked(self, with_phone: bool) -> None:
        _ = self._
        text = _("Thank you! A coordinator will read it.")
        if with_phone:
            text += " " + _("We will answer you by SMS.")
        self.query_one("#thanks", Static).update(text)
        self.show_step("thanks")

    @on(Button.Pressed, "#home")
    def home(self) -> None:
        self.go_home()
