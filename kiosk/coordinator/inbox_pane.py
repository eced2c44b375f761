"""The inbox: texts that were no keyword, kept for a person to read, answer or file."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.binding import Binding
from textual.content import Content

from kiosk.coordinator.pane import ListPane
from kiosk.screens.base import literal
from kiosk.widgets.cells import cell
from kiosk.widgets.choice_dialog import ChoiceDialog
from kiosk.widgets.confirm import ConfirmDialog
from kiosk.widgets.message_dialog import MessageDialog
from kiosk.widgets.sms_counter import in_language, no_sms_text
from shared.clock import parse, utcnow
from shared.i18n import N_, format_day, format_when
from shared.labels import FEEDBACK_KINDS
from shared.services.inbox import (
    answer_unsorted, archive_unsorted, inbox, inbox_answer_notice, unsorted_to_feedback,
    unsorted_to_offer,
)


class InboxPane(ListPane):
    """Unsorted messages, oldest first: answer by SMS, file as feedback or an offer, archive."""

    COLUMNS = (N_("Date"), N_("From"), N_("Language"), N_("Text"))
    KEY_HELP = N_("r answer · f file as feedback · o file as an offer · e archive · g refresh")
    BINDINGS = [
        Binding("r", "reply", show=False),
        Binding("f", "to_feedback", show=False),
        Binding("o", "to_offer", show=False),
        Binding("e", "archive", show=False),
        Binding("g,f5", "reload", show=False),
    ]

    def __init__(self):
        super().__init__(id="inbox-pane")

    def fetch(self, db) -> list[dict]:
        return inbox(db)

    def cells(self, item: dict) -> list:
        return [Text(format_day(parse(item["created_at"]), self.app.locale, "short")),
                cell(item["phone"], 12), Text(item["language"] or "—"),
                cell(item["text"], 2000)]

    def empty_text(self) -> Content:
        return Content.assemble((self.app._("The inbox is empty: every text has been read."),
                                 "bold"))

    def details(self, item: dict, extra: dict) -> Content:
        _ = self.app._
        sms = (no_sms_text(self.app, "opted_out") if item["opted_out"] else
               _("Answers go by SMS {in_language}.").format(
                   in_language=in_language(self.app, item["language"])))
        return Content.assemble(
            (_("Unsorted message no. {id}").format(id=item["id"]), "bold"), "\n",
            format_when(parse(item["created_at"]), self.app.locale, "short"), " · ",
            literal(item["phone"]), " · ", sms, "\n\n", literal(item["text"]))

    def action_reply(self) -> None:
        item = self.current()
        if item is None:
            return
        _ = self.app._
        self.app.push_screen(MessageDialog(
            title=_("Answer message no. {id}").format(id=item["id"]), original=item["text"],
            placeholder=_("Your answer"), send=_("Send (Ctrl+S)"), multiline=True,
            preview=lambda db, text: inbox_answer_notice(db, item["id"], text),
            required=_("Write an answer first.")), partial(self.send_answer, item["id"]))

    def send_answer(self, unsorted_id: int, answer: str | None) -> None:
        if answer:
            coordinator_id = self.coordinator_id
            self.act(lambda db: answer_unsorted(db, unsorted_id, answer,
                                                coordinator_id=coordinator_id, now=utcnow()),
                     partial(self.done, unsorted_id), self.refused)

    def action_to_feedback(self) -> None:
        item = self.current()
        if item is None:
            return
        _ = self.app._
        choices = [(_(name), kind) for kind, name in FEEDBACK_KINDS.items()]
        self.app.push_screen(ChoiceDialog(_("File message no. {id} as:").format(id=item["id"]),
                                          choices), partial(self.file_feedback, item["id"]))

    def file_feedback(self, unsorted_id: int, kind: str | None) -> None:
        if kind:
            coordinator_id = self.coordinator_id
            self.act(lambda db: unsorted_to_feedback(db, unsorted_id, kind,
                                                     coordinator_id=coordinator_id,
                                                     now=utcnow()),
                     partial(self.done, unsorted_id), self.refused)

    def action_to_offer(self) -> None:
        item = self.current()
        if item is None:
            return
        _ = self.app._
        self.app.push_screen(ConfirmDialog(
            _("File message no. {id} as an offer?").format(id=item["id"]), _("Yes, file it"),
            details=_("It goes to the Offers tab for review; no SMS is sent now.")),
            lambda yes: yes and self.file_offer(item["id"]))

    def file_offer(self, unsorted_id: int) -> None:
        coordinator_id = self.coordinator_id
        self.act(lambda db: unsorted_to_offer(db, unsorted_id, coordinator_id=coordinator_id,
                                              now=utcnow()),
                 partial(self.done, unsorted_id), self.refused)

    def action_archive(self) -> None:
        item = self.current()
        if item is not None:
            coordinator_id = self.coordinator_id
            self.act(lambda db: archive_unsorted(db, item["id"], coordinator_id=coordinator_id,
                                                 now=utcnow()),
                     partial(self.done, item["id"]), self.refused)

    def done(self, unsorted_id: int, result) -> None:
        self.tell(self.app._("Message no. {id} is dealt with.").format(id=unsorted_id))
        self.reload()

    def refused(self, error) -> None:
        self.tell(self.app._("Nothing changed: someone dealt with this message meanwhile."),
                  "warning")
        self.reload()
