"""Feedback for coordinators: filter it, read it, answer it by SMS, archive it."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Select, Static, Tabs, TextArea

from kiosk.screens.base import literal
from kiosk.screens.feedback import FACES
from shared.clock import parse, utcnow
from shared.contacts import get_contact
from shared.coordinators import list_coordinators
from shared.errors import FaellesError
from shared.feedback import TRANSITIONS, feedback_towns, get_feedback, list_feedback
from shared.i18n import N_, TIMEZONE, format_when, language_name
from shared.replies import REPLY_BUDGET_SEGMENTS, Reply, render_reply
from shared.services.coordinator import answer_feedback, mark_feedback
from shared.sms_text import measure, sanitise

ALL = "all"
OPEN = "open"  # new, read and answered: everything not yet archived
KIND_LABELS = {"ros": N_("Praise (ros)"), "ris": N_("Complaint (ris)"), "ide": N_("Idea (idé)")}
STATUS_LABELS = {"new": N_("New"), "read": N_("Read"), "answered": N_("Answered"),
                 "archived": N_("Archived")}
SINCE_LABELS = {ALL: N_("Any date"), "today": N_("Today"), "7": N_("Last 7 days"),
                "30": N_("Last 30 days")}
IN_LANGUAGE = {"da": N_("in Danish"), "en": N_("in English")}
# What the SMS to a contact is rendered in when they never chose (shared.services.coordinator._tell).
DEFAULT_SMS_LANGUAGE = "da"
NO_VALUE = "—"


def cell(value: str | None, width: int) -> Text:
    """Return a table cell showing a citizen's text literally, on one line, cut to width."""
    # Text() never parses markup; sanitise() drops ESC/OSC sequences that Rich
    # and Textual would otherwise pass to the terminal.
    text = " ".join(sanitise(value or "", max_chars=2000).split()) or NO_VALUE
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    return Text(text, no_wrap=True, overflow="ellipsis")


def in_language(app, language: str | None) -> str:
    """Return 'in Danish', 'in English'... in the kiosk's language."""
    language = language or DEFAULT_SMS_LANGUAGE
    if language in IN_LANGUAGE:
        return app._(IN_LANGUAGE[language])
    return app._("in {language}").format(language=language_name(language))


def no_sms_reason(app, contact: dict | None) -> str | None:
    """Return why no SMS goes to this contact, or None when one does."""
    if contact is None:
        return app._("No SMS: no number.")
    if contact["opted_out"]:
        return app._("No SMS: the citizen has opted out.")
    return None


class SmsCounter(Static):
    """The size of an SMS as it will be sent: characters, encoding and segments."""

    DEFAULT_CSS = """
    SmsCounter {
        height: auto;
    }
    SmsCounter.-too-long {
        color: #ff8080;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__("", id=id, markup=False)

    def count(self, body: str) -> bool:
        """Show the size of body; return whether it fits the reply budget."""
        app = self.app
        size = measure(body)
        fits = size.segments <= REPLY_BUDGET_SEGMENTS
        parts = [app.ngettext("{n} character", "{n} characters", len(body)).format(n=len(body)),
                 size.encoding,
                 app.ngettext("{n} SMS segment", "{n} SMS segments",
                              size.segments).format(n=size.segments)]
        text = app._("The SMS: {size}").format(size=" · ".join(parts))
        if not fits:
            text += "\n" + app._("Too long: at most {n} SMS segments. Please shorten it.").format(
                n=REPLY_BUDGET_SEGMENTS)
        self.set_class(not fits, "-too-long")
        self.update(text)
        return fits


class ReplyDialog(ModalScreen[str | None]):
    """Write the answer to one piece of feedback, seeing the SMS it makes as you type."""

    DEFAULT_CSS = """
    ReplyDialog {
        align: center middle;
    }
    ReplyDialog > Vertical {
        width: 96;
        height: auto;
        max-height: 100%;
        padding: 0 2 1 2;
        background: #003b73;
        border: heavy #ffff66;
    }
    ReplyDialog #reply-original {
        max-height: 5;
        padding: 0 0 1 0;
    }
    ReplyDialog TextArea {
        height: 7;
    }
    ReplyDialog #reply-problem {
        padding: 0;
    }
    ReplyDialog .buttons {
        height: auto;
    }
    ReplyDialog .buttons Button {
        margin: 1 2 0 0;
    }
    """
    BINDINGS = [Binding("escape", "cancel", show=False),
                Binding("ctrl+s", "send", show=False)]

    def __init__(self, item: dict):
        super().__init__(id="reply-dialog")
        self.item = item

    @property
    def sends_sms(self) -> bool:
        return self.item["phone"] is not None and not self.item["opted_out"]

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Vertical():
            yield Static(_("Answer feedback no. {id}").format(id=self.item["id"]),
                         classes="title", markup=False)
            yield Static(literal(self.item["text"]), id="reply-original")
            yield TextArea(id="reply-text")
            yield SmsCounter(id="reply-counter")
            yield Static(self.sms_line(), id="reply-sms", markup=False)
            yield Static("", id="reply-problem", classes="problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Send (Ctrl+S)"), id="reply-send", classes="primary")
                yield Button(_("Cancel (Esc)"), id="reply-cancel", classes="small")

    def sms_line(self) -> str:
        _ = self.app._
        if self.item["phone"] is None:
            return _("No SMS: anonymous. The answer is only stored.")
        if self.item["opted_out"]:
            return _("No SMS: the citizen has opted out. The answer is only stored.")
        return _("The answer is sent by SMS {in_language}.").format(
            in_language=in_language(self.app, self.item["language"]))

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self.count()

    def sms_body(self) -> str:
        """Return the SMS as answer_feedback will queue it."""
        answer = self.answer()
        language = self.item["language"] or DEFAULT_SMS_LANGUAGE
        return render_reply(Reply("feedback_answer", {"answer": answer}), language)

    def answer(self) -> str:
        return sanitise(self.query_one(TextArea).text)

    @on(TextArea.Changed)
    def count(self) -> bool:
        return self.query_one(SmsCounter).count(self.sms_body())

    @on(Button.Pressed, "#reply-send")
    def action_send(self) -> None:
        problem = self.query_one("#reply-problem", Static)
        if not self.answer():
            problem.update(self.app._("Write an answer first."))
        elif self.sends_sms and not self.count():
            # shared.services.coordinator cuts every notice to the budget with "...": refuse
            # rather than send the citizen half an answer.
            problem.update(self.app._("The answer is too long for {n} SMS segments. "
                                      "Please shorten it.").format(n=REPLY_BUDGET_SEGMENTS))
        else:
            self.dismiss(self.answer())

    @on(Button.Pressed, "#reply-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class FeedbackPane(Vertical):
    """Ris, ros and ideas, newest first, with filters; read, answer and archive them."""

    DEFAULT_CSS = """
    /* TabbedContent, ContentSwitcher and TabPane are height: auto in Textual 8,
       so a 1fr pane would overflow the screen: the table takes a share of the
       screen instead (and scrolls), and the details keep their place under it. */
    FeedbackPane {
        height: auto;
    }
    FeedbackPane #feedback-filters {
        height: auto;
    }
    FeedbackPane #feedback-filters Select {
        width: 1fr;
        margin: 0 1 0 0;
    }
    FeedbackPane #feedback-count {
        height: 1;
        padding: 0 1;
    }
    FeedbackPane DataTable {
        height: 45vh;
    }
    FeedbackPane #feedback-detail-box {
        height: 25vh;
        min-height: 6;
        border-top: solid #ffff66;
        padding: 0 1;
    }
    FeedbackPane .help {
        height: auto;
        background: #003b73;
        padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("r", "reply", "", show=False),
        Binding("d", "mark_read", "", show=False),
        Binding("e", "archive", "", show=False),
        Binding("f", "filters", "", show=False),
        Binding("g,f5", "reload", "", show=False),
    ]

    def __init__(self):
        super().__init__(id="feedback-pane")
        self.items: list[dict] = []

    def compose(self) -> ComposeResult:
        _ = self.app._
        with self.app.store() as db:
            towns = feedback_towns(db)
        with Horizontal(id="feedback-filters"):
            yield Select([(_("All kinds"), ALL)] + [(_(label), kind)
                                                    for kind, label in KIND_LABELS.items()],
                         value=ALL, allow_blank=False, id="feedback-kind")
            yield Select([(_("All towns"), ALL)] + [(literal(town), town) for town in towns],
                         value=ALL, allow_blank=False, id="feedback-town")
            yield Select([(_("Not archived"), OPEN)]
                         + [(_(label), status) for status, label in STATUS_LABELS.items()]
                         + [(_("All statuses"), ALL)],
                         value=OPEN, allow_blank=False, id="feedback-status")
            yield Select([(_(label), since) for since, label in SINCE_LABELS.items()],
                         value=ALL, allow_blank=False, id="feedback-since")
        yield Static("", id="feedback-count", markup=False)
        table = DataTable(id="feedback-table", cursor_type="row", zebra_stripes=True)
        for label in (N_("Date"), N_("Kind"), N_("Rating"), N_("Town"), N_("Status"),
                      N_("From"), N_("Text")):
            table.add_column(_(label))
        yield table
        with VerticalScroll(id="feedback-detail-box", can_focus=False):
            yield Static("", id="feedback-detail")
        yield Static(_("↑↓ choose · Enter details · r reply · d mark read · e archive · "
                       "f filters · g refresh"), classes="help", markup=False)

    def on_show(self) -> None:
        # Fresh numbers each time the tab is opened; the cursor stays where it was.
        self.reload(keep=self.current_id())
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.query_one(DataTable).focus()

    # -- the list ----------------------------------------------------------------

    def filters(self) -> dict:
        """Return list_feedback's arguments for the chosen filters."""
        kind = self.query_one("#feedback-kind", Select).value
        town = self.query_one("#feedback-town", Select).value
        status = self.query_one("#feedback-status", Select).value
        since = self.query_one("#feedback-since", Select).value
        now = utcnow()
        starts = {
            # "Today" as people in Copenhagen count it, from local midnight.
            "today": now.astimezone(TIMEZONE).replace(hour=0, minute=0, second=0,
                                                      microsecond=0),
            "7": now - timedelta(days=7),
            "30": now - timedelta(days=30),
        }
        return {
            "kind": None if kind == ALL else kind,
            "town": None if town == ALL else town,
            "status": (None if status == ALL else ("new", "read", "answered")
                       if status == OPEN else status),
            "since": starts.get(since),
        }

    @on(Select.Changed, "#feedback-kind, #feedback-town, #feedback-status, #feedback-since")
    def filters_changed(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload(keep=self.current_id())

    def action_filters(self) -> None:
        self.query_one("#feedback-kind", Select).focus()

    def reload(self, keep: int | None = None) -> None:
        """Read the matching feedback again, keeping the cursor on keep or at its row."""
        table = self.query_one(DataTable)
        index = table.cursor_row
        with self.app.store() as db:
            self.items = list_feedback(db, **self.filters())
        table.clear()
        for item in self.items:
            table.add_row(*self.cells(item), key=str(item["id"]))
        self.query_one("#feedback-count", Static).update(self.app.ngettext(
            "{n} piece of feedback", "{n} pieces of feedback", len(self.items)).format(
            n=len(self.items)))
        ids = [item["id"] for item in self.items]
        if ids:
            table.move_cursor(row=ids.index(keep) if keep in ids
                              else max(0, min(index, len(ids) - 1)))
        self.show_details()

    def cells(self, item: dict) -> list:
        _ = self.app._
        return [
            Text(format_when(parse(item["created_at"]), self.app.locale, "short")),
            Text(_(KIND_LABELS[item["kind"]])),
            Text(f"{FACES[item['rating']]} {item['rating']}" if item["rating"] else NO_VALUE),
            cell(item["town"], 14),
            Text(_(STATUS_LABELS[item["status"]])),
            self.sender(item),
            cell(item["text"], 40),
        ]

    def sender(self, item: dict) -> Text:
        if item["phone"] is None:
            return Text(self.app._("anonymous"), style="italic")
        if item["opted_out"]:
            return Text.assemble(cell(item["phone"], 16), (" ⊘", "bold #ff8080"))
        return cell(item["phone"], 16)

    def current(self) -> dict | None:
        table = self.query_one(DataTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    def current_id(self) -> int | None:
        item = self.current()
        return item["id"] if item else None

    # -- details -----------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#feedback-table")
    @on(DataTable.RowSelected, "#feedback-table")
    def show_details(self) -> None:
        detail = self.query_one("#feedback-detail", Static)
        item = self.current()
        if item is None:
            detail.update(self.app._("No feedback matches these filters."))
            return
        detail.update(self.details(item))

    def details(self, item: dict) -> Content:
        _ = self.app._
        heading = " · ".join(part for part in (
            _("Feedback no. {id}").format(id=item["id"]), _(KIND_LABELS[item["kind"]]),
            _("rating {rating} of 5").format(rating=item["rating"]) if item["rating"] else "",
            _(STATUS_LABELS[item["status"]]),
        ) if part)
        where = _("by SMS") if item["channel"] == "sms" else _("at the kiosk")
        lines: list = [(heading, "bold #ffff66"), "\n",
                       format_when(parse(item["created_at"]), self.app.locale, "short"),
                       " · ", literal(item["town"] or _("no town")), " · ", where]
        if item["location"]:
            lines += [" (", literal(item["location"]), ")"]
        lines += ["\n", self.from_line(item), "\n\n", literal(item["text"])]
        if item["reply"]:
            by = {c["id"]: c["name"] for c in self.coordinators()}.get(item["replied_by"], "")
            lines += ["\n\n", (_("Answer"), "bold"), " (", literal(by),
                      " ", format_when(parse(item["replied_at"]), self.app.locale, "short"),
                      "): ", literal(item["reply"])]
        return Content.assemble(*lines)

    def from_line(self, item: dict) -> Content:
        _ = self.app._
        if item["phone"] is None:
            return Content(_("Anonymous: an answer is stored, but no SMS is sent."))
        if item["opted_out"]:
            return Content.assemble(literal(item["phone"]), " · ",
                                    _("No SMS: the citizen has opted out."))
        return Content.assemble(literal(item["phone"]), " · ", _("Answers go by SMS {in_language}.")
                                .format(in_language=in_language(self.app, item["language"])))

    def coordinators(self) -> list[dict]:
        with self.app.store() as db:
            return list_coordinators(db)

    # -- actions -----------------------------------------------------------------

    def action_mark_read(self) -> None:
        self.mark("read")

    def action_archive(self) -> None:
        self.mark("archived")

    def mark(self, status: str) -> None:
        item = self.current()
        if item is None:
            return
        if status not in TRANSITIONS[item["status"]]:
            self.refused(item["id"], item["status"])
            return
        self.save_mark(item["id"], status, self.screen.coordinator_id)

    @work(thread=True, exit_on_error=False, group="feedback")
    def save_mark(self, feedback_id: int, status: str, coordinator_id: int) -> None:
        """Mark the feedback on a connection of this worker thread's own."""
        try:
            with self.app.store() as db:
                mark_feedback(db, feedback_id, status, coordinator_id=coordinator_id,
                              now=utcnow())
        except FaellesError:
            self.app.call_from_thread(self.refused, feedback_id)
            return
        self.app.call_from_thread(self.marked, feedback_id, status)

    def marked(self, feedback_id: int, status: str) -> None:
        _ = self.app._
        message = (_("Feedback no. {id} is marked as read.") if status == "read"
                   else _("Feedback no. {id} is archived."))
        self.app.notify(message.format(id=feedback_id), markup=False)
        self.reload(keep=feedback_id)

    def refused(self, feedback_id: int, status: str | None = None) -> None:
        """Say kindly that nothing changed, and why."""
        _ = self.app._
        if status is None:
            with self.app.store() as db:
                try:
                    status = get_feedback(db, feedback_id)["status"]
                except FaellesError:
                    status = None
        if status is None:
            message = _("Feedback no. {id} no longer exists.").format(id=feedback_id)
        else:
            message = _("Nothing changed: feedback no. {id} is “{status}”.").format(
                id=feedback_id, status=_(STATUS_LABELS[status]))
        self.app.notify(message, severity="warning", markup=False)
        self.reload(keep=feedback_id)

    def action_reply(self) -> None:
        item = self.current()
        if item is None:
            return
        if "answered" not in TRANSITIONS[item["status"]]:
            self.refused(item["id"], item["status"])
            return
        coordinator_id = self.screen.coordinator_id

        def send(answer: str | None) -> None:
            if answer:
                self.save_answer(item["id"], answer, coordinator_id)

        self.app.push_screen(ReplyDialog(item), send)

    @work(thread=True, exit_on_error=False, group="feedback")
    def save_answer(self, feedback_id: int, answer: str, coordinator_id: int) -> None:
        """Store the answer and queue its SMS on a connection of this thread's own."""
        try:
            with self.app.store() as db:
                message_id = answer_feedback(db, feedback_id, answer,
                                             coordinator_id=coordinator_id, now=utcnow())
                contact_id = get_feedback(db, feedback_id)["contact_id"]
                contact = get_contact(db, contact_id) if contact_id is not None else None
        except FaellesError:
            self.app.call_from_thread(self.refused, feedback_id)
            return
        self.app.call_from_thread(self.answered, feedback_id, message_id, contact)

    def answered(self, feedback_id: int, message_id: int | None, contact: dict | None) -> None:
        _ = self.app._
        if message_id is not None:
            sms = _("SMS queued to the citizen {in_language}.").format(
                in_language=in_language(self.app, contact["language"]))
        elif contact is None:
            sms = _("No SMS: anonymous.")
        else:
            sms = no_sms_reason(self.app, contact) or _("No SMS.")
        self.app.notify(_("Answer to feedback no. {id} saved.").format(id=feedback_id)
                        + " " + sms, markup=False)
        self.reload(keep=feedback_id)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble in Textual 8: hand it to the app,
        # which tells the coordinator kindly that something went wrong.
        self.app.on_worker_state_changed(event)
