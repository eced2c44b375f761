"""The audit log, newest first, and exports of every kind to CSV or XLSX files."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from kiosk.coordinator.pane import ListPane
from shared.export_files import exports_folder
from kiosk.widgets.cells import cell
from shared.clock import parse, utcnow
from shared.exports import EXPORT_KINDS
from shared.i18n import N_, format_when
from shared.labels import AUDIT_ACTIONS, RECORD_KINDS, label
from shared.services.coordinator import audit_entries, export_csv_files, export_xlsx_files

KIND_LABELS = {"offers": N_("Offers"), "feedback": N_("Feedback"),
               "communities": N_("Communities"), "members": N_("Members"),
               "messages": N_("Messages"), "inbox": N_("Inbox"), "needs": N_("Needs"),
               "introductions": N_("Introductions")}
KINDS_PER_ROW = 6


class AuditPane(ListPane):
    """Who did what to which record, and when; no message content is ever logged."""

    DEFAULT_CSS = """
    AuditPane .export-kinds Button { margin: 0 1 0 0; }
    AuditPane .detail-box { height: 3; }
    """
    COLUMNS = (N_("When"), N_("Who"), N_("Action"), N_("Record"), N_("No."))
    TABLE_ID = "audit-table"
    FLEX_COLUMN = 2
    KEY_HELP = N_("g refresh · e everything to CSV files · x everything to Excel files")
    BINDINGS = [Binding("g", "reload", show=False), Binding("e", "export_all", show=False),
                Binding("x", "export_all_xlsx", show=False)]

    def __init__(self):
        super().__init__(id="audit")

    def compose_bar(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(id="audit-excel", classes="bar"):
            yield Static(_("Export to CSV files:"), classes="count", markup=False)
            yield Button(_("All (e)"), id="export-all", classes="export", compact=True)
            # XLSX for Excel: every cell typed text, so no phone number turns into a number.
            yield Button(_("All to Excel files (x)"), id="export-all-xlsx", classes="export",
                         compact=True)
        # A button per kind, KINDS_PER_ROW to a line: all on one line ran past 80 columns.
        for start in range(0, len(EXPORT_KINDS), KINDS_PER_ROW):
            with Horizontal(classes="bar export-kinds"):
                for kind in EXPORT_KINDS[start:start + KINDS_PER_ROW]:
                    yield Button(_(KIND_LABELS.get(kind, kind)), id=f"export-{kind}",
                                 classes="export", compact=True)

    def fetch(self, db) -> list[dict]:
        return audit_entries(db)

    def cells(self, entry: dict) -> list:
        _ = self.app._
        return [Text(format_when(parse(entry["at"]), self.app.locale, "short")),
                cell(entry["who"], 20),
                cell(label(AUDIT_ACTIONS, entry["action"], _), 2000),
                cell(label(RECORD_KINDS, entry["record_kind"], _), 12),
                Text("" if entry["record_id"] is None else str(entry["record_id"]))]

    def details(self, entry: dict, extra: dict) -> Content:
        return Content(" · ".join(str(part) for part in self.cells(entry) if str(part)))

    @on(Button.Pressed, ".export")
    def export_pressed(self, event: Button.Pressed) -> None:
        kind = event.button.id.removeprefix("export-")
        if kind == "all-xlsx":
            self.start_export(EXPORT_KINDS, export_xlsx_files)
        else:
            self.start_export(EXPORT_KINDS if kind == "all" else (kind,))

    def action_export_all(self) -> None:
        self.start_export(EXPORT_KINDS)

    def action_export_all_xlsx(self) -> None:
        self.start_export(EXPORT_KINDS, export_xlsx_files)

    def start_export(self, kinds: tuple[str, ...], export_files=export_csv_files) -> None:
        folder = exports_folder(self.app.db_path)
        coordinator_id = self.coordinator_id
        self.act(lambda db: export_files(db, kinds, folder, coordinator_id=coordinator_id,
                                         now=utcnow()),
                 lambda paths: self.exported(folder, paths), lambda error: None)

    def exported(self, folder: Path, paths: list[Path]) -> None:
        message = self.app.ngettext("Saved {n} file in {folder}: {files}",
                                    "Saved {n} files in {folder}: {files}", len(paths))
        self.tell(message.format(n=len(paths), folder=folder,
                                 files=", ".join(p.name for p in paths)))
        self.reload()
