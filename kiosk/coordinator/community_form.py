"""Create or edit a community: its code, town, place, and texts in every catalog language."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.screens.base import literal
from shared.clock import utcnow
from shared.communities import (MAX_PLACE, MAX_TOWN, TEXT_LIMITS, code_problem,
                                community_texts, get_community)
from shared.errors import FaellesError
from shared.i18n import DEFAULT_LOCALE, N_, available_locales, language_name
from shared.keywords import fold
from shared.services.coordinator import create_community, edit_community

FIELDS = {"name": N_("Name"), "schedule": N_("When it meets"), "description": N_("Description")}


class CommunityFormScreen(ModalScreen[str | None]):
    """A form for a new community (code given) or an existing one (code fixed)."""

    DEFAULT_CSS = """
    CommunityFormScreen { align: center middle; }
    #community-form { width: 96; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                      background: $surface; border: heavy $accent; }
    #community-form .form-row { height: auto; }
    #community-form .field-label { width: 16; }
    #community-form Input { width: 1fr; margin: 0 1 0 0; }
    #community-form #code { width: 14; }
    #community-form .language { text-style: bold; color: $accent; margin: 1 0 0 0; }
    #community-form #form-buttons { height: auto; }
    #community-form #form-buttons Button { margin: 1 2 0 0; }
    """
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self, coordinator_id: int, code: str | None = None):
        super().__init__(id="community-form")
        self.coordinator_id = coordinator_id
        self.code = code  # None for a new community

    def compose(self) -> ComposeResult:
        _ = self.app._
        with VerticalScroll(id="community-form"):
            yield Static(_("New community") if self.code is None else "", id="form-title",
                         classes="title", markup=False)
            with Horizontal(classes="form-row"):
                yield Static(_("SMS code"), classes="field-label", markup=False)
                # The code is fixed once created: members text LEAVE with it.
                yield Input(self.code or "", id="code", max_length=10, compact=True,
                            placeholder=_("e.g. STRIK"), disabled=self.code is not None)
                yield Static(_("Town"), classes="field-label", markup=False)
                yield Input("", id="town", max_length=MAX_TOWN, compact=True)
            with Horizontal(classes="form-row"):
                yield Static(_("Place"), classes="field-label", markup=False)
                yield Input("", id="place", max_length=MAX_PLACE, compact=True)
            for language in available_locales():
                yield Static(literal(language_name(language)), classes="language")
                for field, heading in FIELDS.items():
                    with Horizontal(classes="form-row"):
                        yield Static(_(heading), classes="field-label", markup=False)
                        yield Input("", id=f"{field}-{language}", classes=field, compact=True,
                                    max_length=TEXT_LIMITS[field])
            yield Static("", id="problem", classes="problem", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(_("Save"), id="save", classes="modal-button")
                yield Button(_("Cancel"), id="cancel", classes="modal-button")

    def on_mount(self) -> None:
        self.query_one("#town" if self.code else "#code", Input).focus()
        if self.code is not None:
            self.load()

    @work(thread=True, exit_on_error=False, group="form")
    def load(self) -> None:
        with self.app.store() as db:
            community = get_community(db, self.code, self.app.locale)
            texts = community_texts(db, self.code)
        self.app.call_from_thread(self.fill, community, texts)

    def fill(self, community: dict, texts: dict) -> None:
        self.query_one("#form-title", Static).update(literal(self.app._(
            "Edit {code}: {name}").format(code=self.code, name=community["name"] or "")))
        self.query_one("#town", Input).value = community["town"] or ""
        self.query_one("#place", Input).value = community["place"] or ""
        for language, text in texts.items():
            for field in FIELDS:
                if self.query(f"#{field}-{language}"):
                    self.query_one(f"#{field}-{language}", Input).value = text.get(field) or ""

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def texts(self) -> dict[str, dict[str, str]]:
        return {language: {field: self.value(f"#{field}-{language}") for field in FIELDS}
                for language in available_locales()}

    def problem(self, code_problem_found) -> str | None:
        """Return what must be fixed before saving, in the kiosk's language, or None."""
        _ = self.app._
        if code_problem_found is not None:
            msgid, fields = code_problem_found
            return _(msgid).format(**fields)
        if not self.value("#town"):
            return _("Write the town.")
        texts = self.texts()
        if not texts[DEFAULT_LOCALE]["name"]:
            return _("Write the name in {language}.").format(
                language=language_name(DEFAULT_LOCALE))
        for language, text in texts.items():
            if not text["name"] and (text["description"] or text["schedule"]):
                return _("Write the name in {language} too, or leave that language "
                         "empty.").format(language=language_name(language))
        return None

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        fields = dict(town=self.value("#town"), place=self.value("#place"),
                      texts=self.texts(), coordinator_id=self.coordinator_id)
        self.save(self.value("#code") if self.code is None else self.code, fields)

    @work(thread=True, exit_on_error=False, exclusive=True, group="form")
    def save(self, code: str, fields: dict) -> None:
        with self.app.store() as db:
            found = code_problem(db, code) if self.code is None else None
            problem = self.app.call_from_thread(self.problem, found)
            if problem is not None:
                self.app.call_from_thread(self.show_problem, problem)  # it may repeat the code
                return
            try:
                if self.code is None:
                    create_community(db, code=code, now=utcnow(), **fields)
                else:
                    edit_community(db, code, now=utcnow(), **fields)
            except FaellesError as exc:
                # Someone took the code meanwhile, or the like: the service says why.
                self.app.call_from_thread(self.show_problem, str(exc))
                return
        self.app.call_from_thread(self.dismiss, fold(code))

    def show_problem(self, problem: str) -> None:
        self.query_one("#problem", Static).update(literal(problem))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
