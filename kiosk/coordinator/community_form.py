"""Create or edit a community: its code, town, place, and texts in every catalog language."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.screens.base import literal
from shared.clock import utcnow
from shared.communities import (DEFAULT_LANGUAGE, MAX_PLACE, MAX_TOWN, TEXT_LIMITS,
                                add_community, code_problem, community_texts, get_community,
                                update_community)
from shared.errors import FaellesError
from shared.i18n import available_locales, language_name
from shared.keywords import fold

FIELDS = ("name", "description", "schedule")


class CommunityFormScreen(ModalScreen[str | None]):
    """A form for a new community (code given) or an existing one (code fixed)."""

    DEFAULT_CSS = """
    CommunityFormScreen { align: center middle; }
    #community-form { width: 116; height: auto; max-height: 38; padding: 0 1;
                      background: #001a33; border: heavy #ffff66; }
    #community-form .form-row { height: auto; }
    /* Inputs keep the app's top margin: labels sit level with the typed text. */
    #community-form .field-label { width: 14; padding: 2 1 0 0; }
    #community-form .heads { height: 1; margin: 1 0 0 0; }
    #community-form .corner { width: 14; }
    #community-form .column-head { text-style: bold; padding: 0 1; }
    #community-form .language { width: 14; padding: 2 1 0 0; text-style: bold; }
    #community-form #code { width: 16; }
    #community-form #town { width: 24; }
    #community-form #place { width: 1fr; }
    #community-form .name, #community-form .schedule { width: 1fr; }
    #community-form .description { width: 2fr; }
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
        community, texts = {}, {}
        if self.code is not None:
            with self.app.store() as db:
                community = get_community(db, self.code, self.app.locale)
                texts = community_texts(db, self.code)
        with VerticalScroll(id="community-form"):
            if self.code is None:
                yield Static(_("New community"), classes="title", markup=False)
            else:
                yield Static(literal(_("Edit {code}: {name}").format(
                    code=self.code, name=community["name"] or "")), classes="title")
            with Horizontal(classes="form-row"):
                yield Static(_("SMS code"), classes="field-label", markup=False)
                # The code is fixed once created: members text LEAVE with it.
                yield Input(self.code or "", id="code", max_length=10,
                            placeholder=_("e.g. STRIK"), disabled=self.code is not None)
                yield Static(_("Town"), classes="field-label", markup=False)
                yield Input(community.get("town", ""), id="town", max_length=MAX_TOWN)
                yield Static(_("Place"), classes="field-label", markup=False)
                yield Input(community.get("place", ""), id="place", max_length=MAX_PLACE)
            with Horizontal(classes="form-row heads"):
                yield Static("", classes="corner", markup=False)
                yield Static(_("Name"), classes="column-head name", markup=False)
                yield Static(_("Description"), classes="column-head description",
                             markup=False)
                yield Static(_("When it meets"), classes="column-head schedule",
                             markup=False)
            for language in available_locales():
                text = texts.get(language, {})
                with Horizontal(classes="form-row"):
                    yield Static(literal(language_name(language)), classes="language")
                    for field in FIELDS:
                        yield Input(text.get(field, ""), id=f"{field}-{language}",
                                    classes=field, max_length=TEXT_LIMITS[field])
            yield Static("", id="problem", classes="problem", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button(_("Save"), id="save", classes="modal-button")
                yield Button(_("Cancel"), id="cancel", classes="modal-button")

    def on_mount(self) -> None:
        self.query_one("#town" if self.code else "#code", Input).focus()

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def texts(self) -> dict[str, dict[str, str]]:
        return {language: {field: self.value(f"#{field}-{language}") for field in FIELDS}
                for language in available_locales()}

    def problem(self) -> str | None:
        """Return what must be fixed before saving, in the kiosk's language, or None."""
        _ = self.app._
        if self.code is None:
            with self.app.store() as db:
                found = code_problem(db, self.value("#code"))
            if found is not None:
                msgid, fields = found
                return _(msgid).format(**fields)
        if not self.value("#town"):
            return _("Write the town.")
        texts = self.texts()
        if not texts[DEFAULT_LANGUAGE]["name"]:
            return _("Write the name in {language}.").format(
                language=language_name(DEFAULT_LANGUAGE))
        for language, text in texts.items():
            if not text["name"] and (text["description"] or text["schedule"]):
                return _("Write the name in {language} too, or leave that language "
                         "empty.").format(language=language_name(language))
        return None

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        show = self.query_one("#problem", Static)
        problem = self.problem()
        if problem is not None:
            show.update(literal(problem))  # it may repeat the typed code
            return
        fields = dict(town=self.value("#town"), place=self.value("#place"),
                      texts=self.texts(), coordinator_id=self.coordinator_id, now=utcnow())
        try:
            with self.app.store() as db:
                if self.code is None:
                    code = self.value("#code")
                    add_community(db, code=code, **fields)
                else:
                    code = self.code
                    update_community(db, code, **fields)
        except FaellesError as exc:
            # Someone took the code meanwhile, or the like: the service says why.
            show.update(literal(str(exc)))
            return
        self.dismiss(fold(code))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
