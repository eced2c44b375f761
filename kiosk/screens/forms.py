"""Pieces the citizen screens share: own words, category tiles, towns, phone field, problems."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Button, Select, Static, TextArea

from kiosk.widgets.digits_input import DigitsInput
from shared.communities import list_communities
from shared.errors import InvalidPhoneNumber
from shared.services.kiosk import NumberNotAllowed
from shared.phones import is_allowed, typed_phone
from shared.sms_text import sanitise

NO_TOWN = "-"


def town_options(db) -> list[tuple[str, str]]:
    """Return (label, value) for every town that has a community."""
    towns = sorted({c["town"] for c in list_communities(
        db, statuses=("active", "paused"), count_members=False)})
    return [(town, town) for town in towns]


class TownSelect(Select):
    """The town dropdown: drawn at once, empty, and filled by a worker from the store."""

    def on_mount(self) -> None:
        self.load_towns()

    @work(thread=True, exit_on_error=False, exclusive=True)
    def load_towns(self) -> None:
        # Never on the UI thread: a query there freezes every key and touch.
        with self.app.store() as db:
            options = town_options(db)
        self.app.call_from_thread(self.set_options, options)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: let the app tell the visitor kindly.
        self.app.on_worker_state_changed(event)


def town_select(app, id: str = "town") -> Select:
    return TownSelect([], prompt=app._("Choose a town"), id=id, allow_blank=True)


def chosen(select: Select) -> str | None:
    value = select.value
    return value if isinstance(value, str) and value != NO_TOWN else None


def phone_field(app, id: str = "phone") -> ComposeResult:
    yield DigitsInput(placeholder=app._("Phone number, e.g. 20 12 34 56"), id=id, type="text",
                      restrict=r"[0-9+ ]*", max_length=20)


def checked_phone(app, raw: str, *, required: bool) -> str | None:
    """Return the number as E.164, None if left empty, or raise ValueError with a kind text."""
    if not raw.strip():
        if required:
            raise ValueError(app._("Please type your phone number."))
        return None
    try:
        e164 = typed_phone(raw)
    except InvalidPhoneNumber:
        raise ValueError(app._("That does not look like a phone number. Please check it."))
    if not is_allowed(e164, app.settings.allowed_country_codes):
        raise ValueError(app._("Sorry, we can only send SMS to Danish numbers (+45)."))
    return e164


def problem_line() -> Static:
    return Static("", id="problem", classes="problem", markup=False)


def explain(error: Exception, app) -> str:
    if isinstance(error, NumberNotAllowed):
        return app._("Sorry, we can only send SMS to Danish numbers (+45).")
    return str(error)


def describe_step(app, question: str) -> Vertical:
    """Return the step that asks for the visitor's own words: the question, a box, Next."""
    return Vertical(Static(question, classes="question", markup=False),
                    TextArea(id="description"),
                    Button(app._("Next"), id="describe-done", classes="primary"),
                    id="step-describe")


def own_words(screen) -> str | None:
    """Return what the visitor wrote, made safe; or say kindly that it is empty."""
    words = sanitise(screen.query_one("#description", TextArea).text)
    if not words:
        screen.problem(screen._("Please write a few words first."))
        return None
    return words


def category_tiles(app, labels: dict[str, str]) -> Grid:
    """Return a tile for each category (#category-KEY), in the words of the screen's question."""
    return Grid(*(Button(app._(label), id=f"category-{key}", classes="tile")
                  for key, label in labels.items()), classes="tiles")


def review_step(app, send: str) -> VerticalScroll:
    """Return the step that shows what will be sent (#review) with Send and Change."""
    # It scrolls: a long text can push Send below the last row, and the focus
    # on Send brings it into view.
    return VerticalScroll(Static(app._("Is this right?"), classes="question", markup=False),
                          Static("", id="review", classes="paragraph", markup=False),
                          Button(send, id="send", classes="choice"),
                          Button(app._("Change the text"), id="change", classes="small"),
                          id="step-review")


def receipt_step(app) -> Vertical:
    """Return the last step: what was stored (#receipt), and the way back to Home."""
    return Vertical(Static("", id="receipt", classes="question", markup=False),
                    Button(app._("Back to start"), id="home", classes="choice"),
                    id="step-receipt")
