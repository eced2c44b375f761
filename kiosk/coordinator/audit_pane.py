"""The audit log, newest first, and exports of every kind to CSV files."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static, Tabs

from kiosk.coordinator.people_pane import exports_folder, stamp, write_private
from shared.audit import audit_log, record_audit
from shared.clock import parse, utcnow
from shared.coordinators import list_coordinators
from shared.exports import EXPORT_KINDS, export_table
from shared.i18n import N_, format_when

KIND_LABELS = {"offers": N_("Offers"), "feedback": N_("Feedback"),
               "communities": N_("Communities"), "members": N_("Members"),
               "messages": N_("Messages")}
COLUMNS = (N_("When"), N_("Who"), N_("Action"), N_("Record"), N_("Record no."))
COORDINATOR_ACTOR = re.compile(r"^coordinator:(\d+)$")


class AuditPane(Vertical):
    """Who did what to which record, and when; no message content is ever logged."""

    BINDINGS = [
        Binding("g", "reload", "Refresh", show=False),
        Binding("e", "export_all", "Export all", show=False),
    ]
    DEFAULT_CSS = """
    /* TabPane is height: auto in Textual 8: the table takes a share of the screen. */
    AuditPane { height: auto; }
    #audit-exports { height: auto; }
    #audit-exports Static { padding: 1 1 0 0; width: auto; }
    #audit-exports Button { margin: 0 1 0 0; min-width: 10; }
    #audit-table { height: auto; max-height: 70vh; }
    AuditPane .help { color: #cccccc; }
    """

    def __init__(self, exports_dir: Path | None = None):
        super().__init__(id="audit")
        self.exports_dir = exports_dir

    def compose(self) -> ComposeResult:
        _ = self.app._
        with Horizontal(id="audit-exports"):
            yield Static(_("Export to CSV files:"), markup=False)
            for kind in EXPORT_KINDS:
                yield Button(_(KIND_LABELS.get(kind, kind)), id=f"export-{kind}",
                             classes="export")
            yield Button(_("All (e)"), id="export-all", classes="export")
        table = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        for label in COLUMNS:
            table.add_column(_(label))
        yield table
        yield Static(_("g refresh · e export everything"), classes="help", markup=False)

    def on_show(self) -> None:
        self.action_reload()
        focused = self.screen.focused
        # Someone on the tab bar is switching tabs with the arrow keys: leave them there.
        if focused is None or not (isinstance(focused, Tabs) or self in focused.ancestors):
            self.query_one(DataTable).focus()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="audit")
    def load(self) -> None:
        with self.app.store() as db:
            entries = audit_log(db)
            names = {c["id"]: c["name"] for c in list_coordinators(db)}
        self.app.call_from_thread(self.show_entries, entries, names)

    def show_entries(self, entries: list[dict], names: dict[int, str]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for entry in entries:
            table.add_row(
                Text(format_when(parse(entry["at"]), self.app.locale, "short")),
                Text(who(entry, names)),
                Text(entry["action"]),
                Text(entry["record_kind"] or ""),
                Text("" if entry["record_id"] is None else str(entry["record_id"])),
                key=str(entry["id"]),
            )

    @on(Button.Pressed, ".export")
    def export_pressed(self, event: Button.Pressed) -> None:
        kind = event.button.id.removeprefix("export-")
        self.start_export(EXPORT_KINDS if kind == "all" else (kind,))

    def action_export_all(self) -> None:
        self.start_export(EXPORT_KINDS)

    def start_export(self, kinds: tuple[str, ...]) -> None:
        folder = self.exports_dir or exports_folder(self.app)
        self.export(kinds, self.screen.coordinator_id, folder)

    @work(thread=True, exit_on_error=False, group="audit-export")
    def export(self, kinds: tuple[str, ...], coordinator_id: int, folder: Path) -> None:
        """Write each kind to its own CSV file, with a header even when empty, audited."""
        now = utcnow()
        paths = []
        with self.app.store() as db:
            for kind in kinds:
                names, records = export_table(db, kind)
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=names)
                writer.writeheader()
                writer.writerows(records)
                # The byte order mark lets Excel read æ, ø and å as UTF-8.
                paths.append(write_private(folder, f"{kind}-{stamp(now)}", ".csv",
                                           "\ufeff" + buffer.getvalue()))
                record_audit(db, actor=f"coordinator:{coordinator_id}", action="export",
                             now=now, record_kind=kind, coordinator_id=coordinator_id)
        message = self.app.ngettext("Saved {n} file in {folder}: {files}",
                                    "Saved {n} files in {folder}: {files}", len(paths))
        self.app.notify(message.format(n=len(paths), folder=folder,
                                       files=", ".join(p.name for p in paths)), markup=False)
        self.app.call_from_thread(self.load)

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: let the app report a failure kindly.
        self.app.on_worker_state_changed(event)


def who(entry: dict, names: dict[int, str]) -> str:
    """Return the coordinator's name for an entry, or its actor (cli, sms, ...)."""
    coordinator_id = entry["coordinator_id"]
    if coordinator_id is None and (match := COORDINATOR_ACTOR.match(entry["actor"])):
        coordinator_id = int(match.group(1))
    return names.get(coordinator_id, entry["actor"])
