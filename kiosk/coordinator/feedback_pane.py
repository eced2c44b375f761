"""Feedback for coordinators: filter it, read it, answer it by SMS, archive it."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Select, Static

from kiosk.coordinator.pane import ListPane
from kiosk.screens.base import literal
from kiosk.screens.feedback import FACES
from kiosk.widgets.cells import NO_VALUE, cell
from kiosk.widgets.message_dialog import MessageDialog
from kiosk.widgets.sms_counter import in_language, no_sms_text
from shared.clock import parse, utcnow
from shared.feedback import feedback_towns, get_feedback
from shared.i18n import N_, format_day, format_when
from shared.labels import FEEDBACK_KINDS, FEEDBACK_STATUSES, label
from shared.services.coordinator import (
    answer_feedback, answer_notice, can_answer, can_mark, coordinator_names, feedback_items,
    feedback_since, mark_feedback, quote_feedback,
)

ALL, OPEN = "all", "open"
SINCE_LABELS = {ALL: N_("Any date"), "today": N_("Today"), "7": N_("Last 7 days"),
                "30": N_("Last 30 days")}


class FeedbackPane(ListPane):
    """Ris, ros and ideas, newest first, with filters; read, answer and archive them."""

    DEFAULT_CSS = """
    FeedbackPane #feedback-filters Select { width: 1fr; margin: 0 1 0 0; }
    """
    COLUMNS = (N_("Date"), N_("Kind"), N_("Rating"), N_("Status"), N_("From"), N_("Text"))
    KEY_HELP = N_("r answer · d mark read · e archive · q quote in report · f filters · "
                  "g refresh")
    BINDINGS = [
        Binding("r", "reply", show=False),
        Binding("q", "quote", show=False),
        Binding("d", "mark('read')", show=False),
        Binding("e", "mark('archived')", show=False),
        Binding("f", "filters", show=False),
        Binding("g,f5", "reload", show=False),
    ]

    def __init__(self):
        super().__init__(id="feedback-pane")

    def compose_bar(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(id="feedback-filters", classes="bar"):
            yield Select([(_("All kinds"), ALL)] + [(_(name), kind)
                                                    for kind, name in FEEDBACK_KINDS.items()],
                         value=ALL, allow_blank=False, id="feedback-kind", compact=True)
            # The towns are filled in by a worker: no database work while composing.
            yield Select([(_("All towns"), ALL)], value=ALL, allow_blank=False,
                         id="feedback-town", compact=True)
            yield Select([(_("Not archived"), OPEN)]
                         + [(_(name), status) for status, name in FEEDBACK_STATUSES.items()]
                         + [(_("All statuses"), ALL)],
                         value=OPEN, allow_blank=False, id="feedback-status", compact=True)
            yield Select([(_(name), since) for since, name in SINCE_LABELS.items()],
                         value=ALL, allow_blank=False, id="feedback-since", compact=True)
        yield Static("", id="feedback-count", classes="count", markup=False)

    def on_mount(self) -> None:
        self.load_towns()

    @work(thread=True, exit_on_error=False, group="towns")
    def load_towns(self) -> None:
        with self.app.store() as db:
            towns = feedback_towns(db)
        self.app.call_from_thread(self.query_one("#feedback-town", Select).set_options,
                                  [(self.app._("All towns"), ALL)]
                                  + [(literal(town), town) for town in towns])

    def filters(self) -> dict:
        """Return the service's arguments for the chosen filters."""
        def chosen(selector: str):
            value = self.query_one(selector, Select).value
            return None if value in (ALL, Select.NULL) else value

        return {"kind": chosen("#feedback-kind"), "town": chosen("#feedback-town"),
                "status": chosen("#feedback-status"),
                "since": feedback_since(chosen("#feedback-since") or ALL, utcnow())}

    @on(Select.Changed, "#feedback-kind, #feedback-town, #feedback-status, #feedback-since")
    def filters_changed(self) -> None:
        self.reload()

    def action_filters(self) -> None:
        self.query_one("#feedback-kind", Select).focus()

    def fetch(self, db) -> list[dict]:
        return feedback_items(db, **self.filters())

    def listed(self) -> None:
        self.query_one("#feedback-count", Static).update(self.app.ngettext(
            "{n} piece of feedback", "{n} pieces of feedback", len(self.items)).format(
            n=len(self.items)))

    def cells(self, item: dict) -> list:
        _ = self.app._
        return [
            Text(format_day(parse(item["created_at"]), self.app.locale, "short")),
            cell(label(FEEDBACK_KINDS, item["kind"], _), 12),
            Text(f"{FACES[item['rating']]} {item['rating']}" if item["rating"] else NO_VALUE),
            Text(label(FEEDBACK_STATUSES, item["status"], _)),
            self.sender(item),
            cell(item["text"], 2000),
        ]

    def sender(self, item: dict) -> Text:
        if item["phone"] is None:
            return Text(self.app._("anonymous"), style="italic")
        if item["opted_out"]:
            return Text.assemble(cell(item["phone"], 11), (" ⊘", "bold"))
        return cell(item["phone"], 12)

    def empty_text(self) -> str:
        return self.app._("No feedback matches these filters.")

    def fetch_details(self, db, item: dict) -> dict:
        return {"names": coordinator_names(db)}

    def details(self, item: dict, extra: dict) -> Content:
        _ = self.app._
        heading = " · ".join(part for part in (
            _("Feedback no. {id}").format(id=item["id"]), label(FEEDBACK_KINDS, item["kind"], _),
            _("rating {rating} of 5").format(rating=item["rating"]) if item["rating"] else "",
            label(FEEDBACK_STATUSES, item["status"], _),
        ) if part)
        where = _("by SMS") if item["channel"] == "sms" else _("at the kiosk")
        lines: list = [(heading, "bold"), "\n",
                       format_when(parse(item["created_at"]), self.app.locale, "short"),
                       " · ", literal(item["town"] or _("no town")), " · ", where]
        if item["location"]:
            lines += [" (", literal(item["location"]), ")"]
        lines += ["\n", self.from_line(item)]
        if item["for_report"]:
            lines += ["\n", (_("Quoted in the monthly report, without name or number."),
                             "italic")]
        lines += ["\n\n", literal(item["text"])]
        if item["reply"]:
            lines += ["\n\n", (_("Answer"), "bold"), " (",
                      literal(extra["names"].get(item["replied_by"], "")), " ",
                      format_when(parse(item["replied_at"]), self.app.locale, "short"),
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

    # -- actions -----------------------------------------------------------------

    def action_mark(self, status: str) -> None:
        item = self.current()
        if item is None:
            return
        if not can_mark(item["status"], status):
            self.refused(item["id"], item["status"])
            return
        coordinator_id = self.coordinator_id
        self.act(lambda db: mark_feedback(db, item["id"], status, coordinator_id=coordinator_id,
                                          now=utcnow()),
                 lambda _result: self.marked(item["id"], status), self.failed(item["id"]))

    def action_quote(self) -> None:
        """Choose the feedback to be quoted in the report, or unchoose it."""
        item = self.current()
        if item is None:
            return
        coordinator_id = self.coordinator_id
        self.act(lambda db: quote_feedback(db, item["id"], not item["for_report"],
                                           coordinator_id=coordinator_id, now=utcnow()),
                 partial(self.quoted, item["id"]), self.failed(item["id"]))

    def quoted(self, feedback_id: int, quoted: bool) -> None:
        _ = self.app._
        self.tell((_("Feedback no. {id} will be quoted in the report, without name or number.")
                   if quoted else _("Feedback no. {id} will not be quoted in the report."))
                  .format(id=feedback_id))
        self.reload(keep=feedback_id)

    def marked(self, feedback_id: int, status: str) -> None:
        _ = self.app._
        message = (_("Feedback no. {id} is marked as read.") if status == "read"
                   else _("Feedback no. {id} is archived."))
        self.tell(message.format(id=feedback_id))
        self.reload(keep=feedback_id)

    def failed(self, feedback_id: int):
        """Return what to do when the service refuses: find out why, and say so."""
        return lambda error: self.act(lambda db: get_feedback(db, feedback_id)["status"],
                                      partial(self.refused, feedback_id),
                                      lambda gone: self.refused(feedback_id, None))

    def refused(self, feedback_id: int, status: str | None) -> None:
        """Say kindly that nothing changed, and why."""
        _ = self.app._
        if status is None:
            message = _("Feedback no. {id} no longer exists.").format(id=feedback_id)
        else:
            message = _("Nothing changed: feedback no. {id} is “{status}”.").format(
                id=feedback_id, status=label(FEEDBACK_STATUSES, status, _))
        self.tell(message, "warning")
        self.reload(keep=feedback_id)

    def action_reply(self) -> None:
        item = self.current()
        if item is None:
            return
        if not can_answer(item["status"]):
            self.refused(item["id"], item["status"])
            return
        _ = self.app._
        self.app.push_screen(MessageDialog(
            title=_("Answer feedback no. {id}").format(id=item["id"]), original=item["text"],
            placeholder=_("Your answer"), send=_("Send (Ctrl+S)"), multiline=True,
            preview=lambda db, text: answer_notice(db, item["id"], text),
            required=_("Write an answer first.")), partial(self.send_answer, item["id"]))

    def send_answer(self, feedback_id: int, answer: str | None) -> None:
        if not answer:
            return
        coordinator_id = self.coordinator_id

        def answer_it(db):
            message_id = answer_feedback(db, feedback_id, answer, coordinator_id=coordinator_id,
                                         now=utcnow())
            return message_id, answer_notice(db, feedback_id, answer)

        self.act(answer_it, partial(self.answered, feedback_id), self.failed(feedback_id))

    def answered(self, feedback_id: int, result) -> None:
        message_id, notice = result
        _ = self.app._
        if message_id is not None:
            sms = _("SMS queued to the citizen {in_language}.").format(
                in_language=in_language(self.app, notice.language))
        elif notice.no_sms == "no_number":
            sms = _("No SMS: anonymous.")
        else:
            sms = no_sms_text(self.app, notice.no_sms) or _("No SMS.")
        self.tell(_("Answer to feedback no. {id} saved.").format(id=feedback_id) + " " + sms)
        self.reload(keep=feedback_id)
