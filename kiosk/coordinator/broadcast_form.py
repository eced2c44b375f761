"""Write an SMS to a community's members, a text per language they read, with a live preview."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static, TextArea

from kiosk.screens.base import literal
from kiosk.widgets.confirm import ConfirmDialog
from shared.broadcasts import Audience, Estimate, audience, estimate_broadcast, text_size
from shared.clock import utcnow
from shared.communities import get_community
from shared.errors import FaellesError
from shared.i18n import DEFAULT_LOCALE, language_name_in
from shared.services.coordinator import broadcast


def money(app, amount) -> str:
    """Return an amount of the SMS currency as people read it in the kiosk's language."""
    from babel.numbers import format_currency

    from shared.broadcasts import CURRENCY

    return format_currency(amount, CURRENCY, locale=app.locale)


def listed(app, items: list[str]) -> str:
    """Return 'a, b og c' as the kiosk's language writes a list."""
    from babel.lists import format_list

    return format_list(items, locale=app.locale)


class BroadcastScreen(ModalScreen):
    """Write the texts, see what they cost, confirm, send; dismiss with the Broadcast or None."""

    DEFAULT_CSS = """
    BroadcastScreen { align: center middle; }
    #broadcast-box { width: 100; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                     background: $surface; border: heavy $accent; overflow-y: auto; }
    #broadcast-box .preview { height: auto; }
    #broadcast-box .-empty { display: none; }
    /* A compact Select has no border: a band of colour shows it is one, and focus
       (Textual's is a 5% tint) turns it the accent colour. */
    #text-language > SelectCurrent { background: $primary; }
    #text-language:focus > SelectCurrent { background: $accent; }
    #text-language:focus > SelectCurrent Static#label,
    #text-language:focus > SelectCurrent .arrow { color: $background; text-style: bold; }
    #broadcast-buttons { height: auto; }
    #broadcast-buttons Button { margin: 1 2 0 0; }
    """
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self, code: str, coordinator_id: int):
        super().__init__(id="broadcast")
        self.code = code
        self.coordinator_id = coordinator_id
        self.audience = Audience(0, 0)
        self.community_name = ""
        # The text per language, the main one under the default; the Select picks
        # which one the text area shows.
        self.texts = {DEFAULT_LOCALE: ""}
        self.editing = DEFAULT_LOCALE
        self.names = {DEFAULT_LOCALE: DEFAULT_LOCALE}  # language names in the kiosk's words

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical(id="broadcast-box"):
            yield Static("", id="broadcast-title", classes="title")
            yield Static("", id="preview-recipients", classes="preview", markup=False)
            yield Static("", id="preview-fallback", classes="preview -empty", markup=False)
            yield TextArea(id="body", soft_wrap=True, tab_behavior="focus",
                           placeholder=_("Write the SMS here."))
            yield Static("", id="preview-size", classes="preview", markup=False)
            yield Static("", id="preview-encoding", classes="preview -empty", markup=False)
            yield Static("", id="preview-cost", classes="preview", markup=False)
            yield Static("", id="preview-when", classes="preview", markup=False)
            yield Static("", id="problem", classes="problem -empty", markup=False)
            with Horizontal(id="broadcast-buttons"):
                yield Button(_("Send"), id="send", classes="modal-button", disabled=True)
                yield Button(_("Cancel"), id="cancel", classes="modal-button")

    def on_mount(self) -> None:
        self.show_preview()
        self.query_one("#body", TextArea).focus()
        self.load_audience()

    @work(thread=True, exit_on_error=False, group="audience")
    def load_audience(self) -> None:
        with self.app.store() as db:
            name = get_community(db, self.code, self.app.locale)["name"] or ""
            reach = audience(db, self.code)
        # Babel's names load here, off the UI thread.
        names = {language: language_name_in(language, self.app.locale)
                 for language in (DEFAULT_LOCALE, *reach.languages)}
        self.app.call_from_thread(self.show_audience, name, reach, names)

    def show_audience(self, name: str, reach: Audience, names: dict[str, str]) -> None:
        self.community_name, self.audience, self.names = name, reach, names
        self.query_one("#broadcast-title", Static).update(literal(
            self.app._("SMS to the members of {code}: {name}").format(code=self.code,
                                                                     name=name)))
        others = [language for language in reach.languages if language != DEFAULT_LOCALE]
        if others:  # members who all read the main text's language leave nothing to choose
            self.query_one("#broadcast-box").mount(Select(
                [(self.option(language), language) for language in (DEFAULT_LOCALE, *others)],
                value=DEFAULT_LOCALE, allow_blank=False, compact=True, id="text-language"),
                before="#body")
        self.show_preview()

    def option(self, language: str) -> str:
        """Return the dropdown's line for the text in language: whose text it is, for how many."""
        _, ngettext = self.app._, self.app.ngettext
        count = self.audience.languages.get(language, 0)
        recipients = ngettext("{n} recipient", "{n} recipients", count).format(n=count)
        label = (_("Text in {language} (main text) · {recipients}")
                 if language == DEFAULT_LOCALE else _("Text in {language} · {recipients}"))
        return label.format(language=self.names.get(language, language), recipients=recipients)

    @on(Select.Changed, "#text-language")
    def switch_text(self, event: Select.Changed) -> None:
        if event.value == self.editing:
            return
        body = self.query_one("#body", TextArea)
        self.texts[self.editing] = body.text
        self.editing = event.value
        body.placeholder = (self.app._("Write the SMS here.") if self.editing == DEFAULT_LOCALE
                            else self.app._("Write the text in {language} here. Without it, "
                                            "they get the Danish text.").format(
                                language=self.names.get(self.editing, self.editing)))
        body.text = self.texts.get(self.editing, "")

    def written(self) -> tuple[str, dict[str, str]]:
        """Return the main text and the texts in other languages, as written so far."""
        texts = {**self.texts, self.editing: self.query_one("#body", TextArea).text}
        return texts.pop(DEFAULT_LOCALE), texts

    def estimate(self) -> Estimate:
        settings = self.app.settings
        main, translations = self.written()
        return estimate_broadcast(main, self.audience, translations=translations, now=utcnow(),
                                  quiet_start=settings.quiet_start,
                                  quiet_end=settings.quiet_end)

    def show(self, selector: str, text: str) -> None:
        """Show text in the preview line; an empty line takes no room."""
        line = self.query_one(selector, Static)
        line.update(text)
        line.set_class(not text, "-empty")

    @on(TextArea.Changed, "#body")
    def show_preview(self) -> None:
        _, ngettext = self.app._, self.app.ngettext
        estimate = self.estimate()
        # An empty translation is no text: nobody gets it, and it measures as empty.
        size = estimate.texts.get(self.editing) or text_size("")
        segments = ngettext("{n} segment", "{n} segments", size.segments).format(
            n=size.segments)
        self.show("#preview-size", _("{characters} · {encoding} · {segments} per SMS").format(
            characters=ngettext("{n} character", "{n} characters",
                                size.characters).format(n=size.characters),
            encoding=size.encoding, segments=segments))
        self.show("#preview-encoding", _(
            "A character outside GSM-7 (an emoji, for example): each segment holds "
            "70 characters instead of 160.") if size.encoding == "UCS-2" else "")
        self.show("#preview-recipients", self.recipients_text(estimate))
        self.show("#preview-fallback", self.fallback_text(estimate))
        self.show("#preview-cost", _("In all: {segments}, about {cost}").format(
            segments=ngettext("{n} segment", "{n} segments",
                              estimate.total_segments).format(n=estimate.total_segments),
            cost=money(self.app, estimate.cost)))
        self.show("#preview-when", _("Quiet hours: it will be sent from {time}.").format(
            time=estimate.held_until.strftime("%H:%M"))
            if estimate.held_until else _("It will be sent right away."))
        problem = ""
        main, translations = self.written()
        # Nothing typed yet needs no reason: Send simply waits for a text.
        if estimate.problem is not None and (main or any(translations.values())):
            msgid, fields = estimate.problem
            if "language" in fields:
                fields = {**fields, "language": self.names.get(fields["language"],
                                                               fields["language"])}
            problem = _(msgid).format(**fields)
        elif not estimate.recipients:
            problem = _("Nobody in this community can get SMS.")
        self.show("#problem", problem)
        self.query_one("#send", Button).disabled = bool(problem or estimate.problem)

    def recipients_text(self, estimate: Estimate) -> str:
        """Return '12 recipients: 9 Danish, 2 Arabic and 1 Ukrainian', and who opted out."""
        _, ngettext = self.app._, self.app.ngettext
        text = ngettext("{n} recipient", "{n} recipients", estimate.recipients).format(
            n=estimate.recipients)
        if estimate.languages:
            text = _("{recipients}: {languages}").format(recipients=text, languages=listed(
                self.app, [_("{count} {language}").format(
                    count=count, language=self.names.get(language, language))
                    for language, count in estimate.languages.items()]))
        if estimate.opted_out:
            text += " " + ngettext(
                "({n} member has opted out and gets nothing)",
                "({n} members have opted out and get nothing)",
                estimate.opted_out).format(n=estimate.opted_out)
        return text

    def fallback_text(self, estimate: Estimate) -> str:
        """Return how many get the main text because theirs is not written, or ''."""
        count = sum(estimate.fallback.values())
        if not count:
            return ""
        missing = [self.names.get(language, language) for language in estimate.fallback]
        return self.app.ngettext(
            "{n} gets the Danish text because there is no text in their language ({languages}).",
            "{n} get the Danish text because there is no text in their language ({languages}).",
            count).format(n=count, languages=listed(self.app, missing))

    @on(Button.Pressed, "#send")
    def ask_to_send(self) -> None:
        estimate = self.estimate()
        question = self.app.ngettext(
            "Send this SMS to {n} member of {name}? Estimated cost: {cost}",
            "Send this SMS to {n} members of {name}? Estimated cost: {cost}",
            estimate.recipients).format(n=estimate.recipients, name=self.community_name,
                                        cost=money(self.app, estimate.cost))
        details = "\n".join(filter(None, (self.recipients_text(estimate),
                                          self.fallback_text(estimate))))
        self.app.push_screen(ConfirmDialog(question, self.app._("Yes, send it"),
                                           details=details), self.send)

    def send(self, confirmed: bool | None) -> None:
        if confirmed:
            settings = self.app.settings
            self.queue(*self.written(), settings.quiet_start, settings.quiet_end)

    @work(thread=True, exit_on_error=False, group="send")
    def queue(self, body: str, translations: dict[str, str], quiet_start, quiet_end) -> None:
        try:
            with self.app.store() as db:
                sent = broadcast(db, self.code, body, translations=translations,
                                 coordinator_id=self.coordinator_id, now=utcnow(),
                                 quiet_start=quiet_start, quiet_end=quiet_end)
        except FaellesError as exc:
            self.app.call_from_thread(self.show, "#problem", str(exc))
            return
        self.app.call_from_thread(self.dismiss, sent)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event) -> None:
        self.app.on_worker_state_changed(event)
