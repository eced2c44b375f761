"""Create or edit a community: its code, town, place, next meeting, and texts in every catalog
language."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, ContentSwitcher, Input, Select, Static, Tab, Tabs

from kiosk.coordinator.meeting_field import MeetingField
from kiosk.screens.base import literal
from kiosk.screens.forms import town_options
from kiosk.widgets.readable_input import ReadableInput
from shared.clock import utcnow
from shared.communities import (MAX_PLACE, MAX_TOWN, TEXT_LIMITS, code_problem,
                                community_texts, get_community)
from shared.errors import FaellesError
from shared.i18n import DEFAULT_LOCALE, N_, available_locales, language_name_in
from shared.keywords import fold
from shared.meeting_time import Meeting
from shared.services.coordinator import (
    UnreadableMeeting, create_community, current_meeting, edit_community,
)

FIELDS = {"name": N_("Name"), "schedule": N_("When it meets"), "description": N_("Description")}
# The town dropdown's last choice, for the first community in a town.
OTHER_TOWN = "\x00other"


class CommunityFormScreen(ModalScreen[str | None]):
    """A form for a new community (code given) or an existing one (code fixed).

    The texts of one language show at a time, under a tab per language. At 80x24
    the fields scroll a little under a fixed row of buttons, so Save is always
    on the screen.
    """

    DEFAULT_CSS = """
    CommunityFormScreen { align: center middle; }
    #community-box { width: 96; max-width: 100%; height: auto; max-height: 100%;
                     padding: 0 1; background: $primary; border: heavy $accent;
                     border-title-color: $accent; border-title-style: bold; }
    #community-fields { height: auto; max-height: 100%; }
    #form-foot { dock: bottom; height: auto; }
    #community-box .form-row { height: auto; }
    #community-box .field-label { width: 16; padding: 1 1 0 0; }
    #community-box .field-label.inline { width: auto; padding: 1 1 0 1; }
    #community-box Input { width: 1fr; margin: 0; border: tall $accent;
                            background: $background; }
    #community-box Input:focus { border: tall $foreground; }
    #community-box Input:disabled { border: tall $foreground-muted; }
    #community-box #code { width: 14; }
    #community-box #town { width: 24; margin: 0; }
    #community-box #town > SelectCurrent { border: tall $accent; background: $background; }
    #community-box #town:focus > SelectCurrent { border: tall $foreground; }
    #community-box #new-town { display: none; }
    #community-box #new-town.-shown { display: block; }
    #community-box #text-languages { height: 2; margin: 0; }
    #community-box #text-languages:focus Tab.-active { background: $accent;
                                                       color: $background; }
    #community-box #texts { height: auto; }
    #community-box #texts > Vertical { height: auto; }
    #community-box #problem { padding: 0; }
    #community-box #form-buttons { height: auto; }
    #community-box #form-buttons Button { margin: 0 2 0 0; }
    """
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self, coordinator_id: int, code: str | None = None):
        super().__init__(id="community-form")
        self.coordinator_id = coordinator_id
        self.code = code  # None for a new community

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="community-box") as box:
            # The title stands in the frame: one more row for the fields at 80x24.
            box.border_title = literal(_("New community") if self.code is None else self.code)
            with VerticalScroll(id="community-fields", can_focus=False):
                yield from self.compose_fields()
            with Vertical(id="form-foot"):
                yield Static("", id="problem", classes="problem", markup=False)
                with Horizontal(id="form-buttons"):
                    yield Button(_("Save"), id="save", classes="modal-button")
                    yield Button(_("Cancel"), id="cancel", classes="modal-button")

    def compose_fields(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(classes="form-row"):
            yield Static(_("SMS code"), classes="field-label", markup=False)
            # The code is fixed once created: members text LEAVE with it.
            yield Input(self.code or "", id="code", max_length=10,
                        placeholder=_("e.g. STRIK"), disabled=self.code is not None)
            yield Static(_("Town"), classes="field-label inline", markup=False)
            # The towns come from the store, filled in by a worker (see load()).
            yield Select([], prompt=_("Choose a town"), id="town")
            yield ReadableInput("", id="new-town", max_length=MAX_TOWN,
                                placeholder=_("The new town's name"))
        with Horizontal(classes="form-row"):
            yield Static(_("Place"), classes="field-label", markup=False)
            yield ReadableInput("", id="place", max_length=MAX_PLACE)
        yield MeetingField()
        yield Tabs(*(Tab(self.language_tab(language), id=f"language-{language}")
                     for language in available_locales()), id="text-languages")
        with ContentSwitcher(id="texts", initial=f"texts-{DEFAULT_LOCALE}"):
            for language in available_locales():
                with Vertical(id=f"texts-{language}"):
                    for field, heading in FIELDS.items():
                        with Horizontal(classes="form-row"):
                            yield Static(_(heading), classes="field-label", markup=False)
                            yield ReadableInput("", id=f"{field}-{language}",
                                                classes=field,
                                                max_length=TEXT_LIMITS[field])

    def language_tab(self, language: str):
        """Return a language's tab label: its name in the coordinator's language."""
        name = language_name_in(language, self.app.locale)
        return literal(name[:1].upper() + name[1:])

    def on_mount(self) -> None:
        self.query_one("#town" if self.code else "#code").focus()
        self.load()

    @work(thread=True, exit_on_error=False, group="form")
    def load(self) -> None:
        with self.app.store() as db:
            towns = [town for _label, town in town_options(db)]
            community = texts = meeting = None
            if self.code is not None:
                community = get_community(db, self.code, self.app.locale)
                texts = community_texts(db, self.code)
                meeting = current_meeting(db, self.code, now=utcnow())
        self.app.call_from_thread(self.fill, towns, community, texts, meeting)

    def fill(self, towns: list[str], community: dict | None, texts: dict | None,
             meeting: Meeting | None) -> None:
        town = community["town"] if community else None
        if town and town not in towns:  # an archived community's town, say
            towns = sorted([*towns, town])
        select = self.query_one("#town", Select)
        select.set_options([(literal(name), name) for name in towns]
                           + [(self.app._("Another town…"), OTHER_TOWN)])
        self.query_one(MeetingField).show_current(meeting)
        if community is None:
            return
        select.value = town
        self.query_one("#community-box").border_title = literal(self.app._(
            "Edit {code}: {name}").format(code=self.code, name=community["name"] or ""))
        self.query_one("#place", Input).value = community["place"] or ""
        for language, text in texts.items():
            for field in FIELDS:
                if self.query(f"#{field}-{language}"):
                    self.query_one(f"#{field}-{language}", Input).value = text.get(field) or ""

    @on(Select.Changed, "#town")
    def town_chosen(self, event: Select.Changed) -> None:
        other = event.value == OTHER_TOWN
        new_town = self.query_one("#new-town", Input)
        new_town.set_class(other, "-shown")
        if other:
            new_town.focus()

    @on(Tabs.TabActivated, "#text-languages")
    def language_chosen(self, event: Tabs.TabActivated) -> None:
        language = event.tab.id.removeprefix("language-")
        self.query_one("#texts", ContentSwitcher).current = f"texts-{language}"

    def show_language(self, language: str) -> None:
        """Show one language's texts and put the cursor in its name."""
        self.query_one("#text-languages", Tabs).active = f"language-{language}"
        self.query_one("#texts", ContentSwitcher).current = f"texts-{language}"
        self.query_one(f"#name-{language}", Input).focus()

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def town(self) -> str:
        chosen = self.query_one("#town", Select).value
        if chosen == OTHER_TOWN:
            return self.value("#new-town")
        return chosen if isinstance(chosen, str) else ""

    def texts(self) -> dict[str, dict[str, str]]:
        return {language: {field: self.value(f"#{field}-{language}") for field in FIELDS}
                for language in available_locales()}

    def problem(self, code_problem_found) -> tuple[str, str | None] | None:
        """Return what must be fixed before saving, in the kiosk's language, and the
        language whose texts it is about; or None."""
        _ = self.app._
        if code_problem_found is not None:
            msgid, fields = code_problem_found
            return _(msgid).format(**fields), None
        if not self.town():
            return _("Choose the town, or write a new one."), None
        texts = self.texts()
        if not texts[DEFAULT_LOCALE]["name"]:
            return _("Write the name in {language}.").format(
                language=language_name_in(DEFAULT_LOCALE, self.app.locale)), DEFAULT_LOCALE
        for language, text in texts.items():
            if not text["name"] and (text["description"] or text["schedule"]):
                return _("Write the name in {language} too, or leave that language "
                         "empty.").format(
                    language=language_name_in(language, self.app.locale)), language
        return None

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        fields = dict(town=self.town(), place=self.value("#place"), texts=self.texts(),
                      coordinator_id=self.coordinator_id,
                      **self.query_one(MeetingField).change())
        self.save(self.value("#code") if self.code is None else self.code, fields)

    @work(thread=True, exit_on_error=False, exclusive=True, group="form")
    def save(self, code: str, fields: dict) -> None:
        with self.app.store() as db:
            found = code_problem(db, code) if self.code is None else None
            problem = self.app.call_from_thread(self.problem, found)
            if problem is not None:
                self.app.call_from_thread(self.show_problem, *problem)  # it may repeat the code
                return
            try:
                if self.code is None:
                    create_community(db, code=code, now=utcnow(), **fields)
                else:
                    edit_community(db, code, now=utcnow(), **fields)
            except UnreadableMeeting as refused:
                # Nothing was saved: the line under the field already says why.
                self.app.call_from_thread(self.show_problem, self.app._(refused.message))
                return
            except FaellesError as exc:
                # Someone took the code meanwhile, or the like: the service says why.
                self.app.call_from_thread(self.show_problem, str(exc))
                return
        self.app.call_from_thread(self.dismiss, fold(code))

    def show_problem(self, problem: str, language: str | None = None) -> None:
        self.query_one("#problem", Static).update(literal(problem))
        if language is not None:
            self.show_language(language)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
